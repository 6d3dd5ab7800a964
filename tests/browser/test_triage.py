"""Triage in Chromium: a worker signs in with a TOTP code, opens the inbox's "New" view, ticks two items and changes
them from the bulk bar (a refused close keeps both ticked, the error summary takes focus); the inbox is cards on a
phone with no sideways scroll, an item written in Arabic included; without JavaScript the bar is always there and
works. A worker shares an item with another partnership and publishes a reply, and the person sees both
partnerships' statuses and the reply on their tracking page. A worker of another partnership cannot reach it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from app.commands import Actor
from app.commands import sharing as sharing_commands
from app.extensions import db
from app.models import Routing, StaffUser, Submission, Topic
from app.services import auth, sharing
from app.services.people import lcps_by_slug
from tests.browser.checks import axe_violations, describe, phone_problems, sideways_problems
from tests.browser.pages import StaffSignIn
from tests.browser.test_admin import next_code, secret_of, sign_in
from tests.conftest import STAFF_PASSWORD

pytestmark = pytest.mark.browser


@dataclass
class Item:
    submission_id: int
    routing_id: int
    code: str
    words: str

    @property
    def start(self) -> str:
        """Words that begin what was said, as the row's link shows them."""
        return self.words[:30]


@pytest.fixture
def share(app: Flask) -> Iterator[Callable[..., Item]]:
    """Shares something with Armley, anonymously, as a resident does; removed afterwards."""
    made: list[int] = []

    def shared(words: str = "") -> Item:
        words = (
            words or f"Triage journey {time.monotonic_ns()}: the bus to the health centre no longer runs on Sundays."
        )
        with app.test_request_context():
            data = sharing.ShareInput(body=words, lcps=lcps_by_slug(["armley"]))
            submission = sharing_commands.share(Actor.resident(), data).submission
            made.append(submission.id)
            return Item(submission.id, submission.routings[0].id, sharing.format_code(submission.receipt_code), words)

    yield shared
    with app.app_context():
        for ident in made:
            row = db.session.get(Submission, ident)
            if row is not None:
                db.session.delete(row)
        db.session.commit()


@pytest.fixture
def shared_item(share: Callable[..., Item]) -> Item:
    return share()


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe violations on {page.url}:\n{describe(violations)}"


def status_of(app: Flask, item: Item) -> tuple[str, str]:
    with app.app_context():
        routing = db.session.get(Routing, item.routing_id)
        return routing.status, routing.status_reason


def row(page: Page, item: Item) -> Locator:
    return page.locator("tbody tr", has_text=item.start)


def views(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Views of the inbox")


def test_a_worker_ticks_two_new_items_and_changes_them_from_the_bulk_bar(
    page: Page, app: Flask, make_staff, share
) -> None:
    first, second, third = share(), share(), share()
    user = make_staff("staff", ("armley",), name="Bulk Worker")
    staff = sign_in(page, user.email, secret_of(app, user), set())

    staff.menu_link("Inbox").click()
    views(page).get_by_role("link", name=re.compile(r"^New \d+ items?$")).click()
    expect(page).to_have_url(re.compile(r"/admin/inbox\?view=new$"))
    expect(views(page).locator("[aria-current=page]")).to_contain_text("New")
    bar = page.locator("#inbox-bulk")
    expect(bar).to_be_hidden()
    assert_accessible(page)

    row(page, first).get_by_role("checkbox", name=f"Select item {first.submission_id}").check()
    expect(bar).to_be_visible()
    expect(bar.get_by_role("button")).to_have_text("Change 1 selected item")
    row(page, second).get_by_role("checkbox").check()
    button = page.get_by_role("button", name="Change 2 selected items")
    expect(button).to_be_visible()
    expect(bar.locator("legend")).to_have_text("Change 2 selected items")
    expect(page.locator("[data-app-inbox-count]")).to_have_text("2 items selected")
    row(page, second).get_by_role("checkbox").uncheck()
    expect(page.locator("[data-app-inbox-count]")).to_have_text("1 item selected")
    row(page, second).get_by_role("checkbox").check()
    assert_accessible(page)

    # Closing needs a reason: refused, the summary has focus, the same two stay ticked and the choice is kept.
    page.get_by_label("Set the status to").select_option("closed")
    page.get_by_label("Add tags").fill("sunday-buses")
    button.click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter why the item is being closed")
    expect(page).to_have_title(re.compile("^Error:"))
    expect(row(page, first).get_by_role("checkbox")).to_be_checked()
    expect(row(page, second).get_by_role("checkbox")).to_be_checked()
    expect(row(page, third).get_by_role("checkbox")).not_to_be_checked()
    expect(page.get_by_label("Set the status to")).to_have_value("closed")
    expect(page.get_by_label("Add tags")).to_have_value("sunday-buses")
    expect(page.get_by_role("button", name="Change 2 selected items")).to_be_visible()
    assert status_of(app, first) == ("received", "")
    assert_accessible(page)
    summary.get_by_role("link").click()
    expect(page.get_by_label("Reason the person reads")).to_be_focused()

    page.keyboard.press("Tab")
    expect(page.get_by_label("Your own words")).to_be_focused()
    page.keyboard.type("Answered by the bus company")
    page.get_by_role("button", name="Change 2 selected items").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("2 items changed.")
    expect(page).to_have_url(re.compile(r"/admin/inbox\?view=new$"))
    expect(row(page, first)).to_have_count(0)
    expect(row(page, third)).to_have_count(1)
    assert status_of(app, first) == status_of(app, second) == ("closed", "Answered by the bus company")

    views(page).get_by_role("link", name=re.compile(r"^Closed this week")).click()
    for item in (first, second):
        expect(row(page, item)).to_contain_text("Closed")
        expect(row(page, item)).to_contain_text("Nobody")


@pytest.mark.parametrize(("width", "language"), [(375, "en"), (320, "en"), (375, "ar"), (320, "ur")])
def test_the_inbox_is_cards_on_a_phone_with_no_sideways_scroll(
    page: Page, app: Flask, make_staff, share, width: int, language: str
) -> None:
    arabic = share(f"الحافلة إلى المركز الصحي لا تعمل يوم الأحد {time.monotonic_ns()} " + "طويلة" * 30)
    plain = share()
    user = make_staff("staff", ("armley",), name="Phone Worker " + "Longname" * 8)
    sign_in(page, user.email, secret_of(app, user), set())
    page.set_viewport_size({"width": width, "height": 800})
    suffix = "" if language == "en" else f"&lang={language}"
    page.goto(f"/admin/inbox?view=new{suffix}")
    # The staff area stays in English, left to right, whatever language is asked for; the Arabic words keep theirs.
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    link = row(page, arabic).get_by_role("link")
    expect(link).to_have_attribute("dir", "auto")
    assert link.evaluate("element => getComputedStyle(element).direction") == "rtl"
    assert sideways_problems(page) == []
    cards = page.locator("tbody tr")
    assert cards.count() >= 2
    for index in range(min(cards.count(), 8)):
        box = cards.nth(index).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, (index, box)
    # A card, not a row of a table: its cells are stacked, each with its label.
    card = row(page, plain)
    expect(card.get_by_text("Status:")).to_be_visible()
    expect(card.get_by_text("Assigned to:")).to_be_visible()
    assert card.locator("td").nth(1).bounding_box()["y"] < card.locator("td").nth(2).bounding_box()["y"]
    card.get_by_role("checkbox").check()
    expect(page.get_by_role("button", name="Change 1 selected item")).to_be_visible()
    problems = phone_problems(page)
    assert problems == [], "\n".join(problems)


# The most a row may take: two lines of the text in its cell, and the cell's padding.
TWO_LINES = """row => Math.max(...[...row.cells].map(cell => {
  const style = getComputedStyle(cell);
  const lines = [...cell.querySelectorAll("a, .app-inbox-row__meta, .app-inbox-target, span, strong")]
    .map(element => parseFloat(getComputedStyle(element).lineHeight) || 0);
  const line = Math.max(parseFloat(style.lineHeight) || 0, ...lines);
  return cell.getBoundingClientRect().height - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom)
    - 2 * line;
}))"""


def test_rows_are_two_lines_at_most_on_a_laptop(page: Page, app: Flask, make_staff, share) -> None:
    items = [share(), share("A very long report " + "about the surgery car park and the bus " * 12)]
    user = make_staff("staff", ("armley",), name="Laptop Worker " + "Longname" * 4)
    with app.app_context():
        for item in items:
            routing = db.session.get(Routing, item.routing_id)
            routing.assignee_id = user.id
            routing.has_new_follow_up = True
            routing.submission.topics = list(db.session.scalars(select(Topic).order_by(Topic.position).limit(4)))
        db.session.commit()
    sign_in(page, user.email, secret_of(app, user), set())
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/admin/inbox?view=new")
    for item in items:
        expect(row(page, item)).to_contain_text("New follow-up")
        # Each cell holds two lines at most: anything more would be a third line's height or more.
        assert row(page, item).evaluate(TWO_LINES) <= 1, item.words
    assert sideways_problems(page) == []


def test_without_javascript_the_bulk_bar_is_always_there_and_works(
    nojs_page: Page, app: Flask, make_staff, share
) -> None:
    page = nojs_page
    first, second = share(), share()
    user = make_staff("staff", ("armley",), name="Plain Worker")
    sign_in(page, user.email, secret_of(app, user), set())
    page.goto("/admin/inbox?view=unassigned")
    button = page.get_by_role("button", name="Change the selected items")
    expect(button).to_be_visible()
    for item in (first, second):
        row(page, item).get_by_role("checkbox").check()
    page.get_by_label("Set the status to").select_option("looking")
    page.get_by_label("Assign to").select_option(label="Me")
    button.click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("2 items changed.")
    expect(page).to_have_url(re.compile(r"view=unassigned$"))
    expect(row(page, first)).to_have_count(0)
    page.goto("/admin/inbox?view=mine")
    expect(row(page, first)).to_contain_text("Looking at it")
    expect(row(page, second)).to_contain_text("Plain Worker")


def test_a_worker_saves_filters_as_a_view_and_deletes_it(page: Page, app: Flask, make_staff, share) -> None:
    item = share()
    user = make_staff("staff", ("armley",), name="Viewing Worker")
    sign_in(page, user.email, secret_of(app, user), set())
    page.goto("/admin/inbox")
    page.get_by_text("Filter the inbox").click()
    page.get_by_label("Show").select_option(label="Unassigned")
    page.get_by_label("How it was sent").select_option("web")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"view=unassigned.*source=web"))
    page.get_by_role("link", name="Save these filters as a view").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Saved views of the inbox")
    assert_accessible(page)
    page.get_by_role("button", name="Save the view").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter a name for the view")
    assert_accessible(page)
    page.get_by_label("Name of the view").fill("Web, nobody's yet")
    page.keyboard.press("Enter")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("The view “Web, nobody's yet” is saved")
    current = views(page).locator("[aria-current=page]")
    expect(current).to_have_count(1)
    expect(current).to_contain_text("Web, nobody's yet")
    expect(row(page, item)).to_have_count(1)

    views(page).get_by_role("link", name="Saved views").click()
    page.get_by_role("button", name="Delete the view “Web, nobody's yet”").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("is deleted")
    expect(page.get_by_role("main")).to_contain_text("You have no saved views yet.")


def test_a_worker_triages_shares_and_replies_and_the_person_sees_it(
    page: Page, app: Flask, make_staff, shared_item: Item
) -> None:
    item = shared_item
    user = make_staff("staff", ("armley",), name="Triage Worker")
    staff = sign_in(page, user.email, secret_of(app, user), set())

    staff.menu_link("Inbox").click()
    page.get_by_label("Find an item: receipt code, item number or words").fill(item.words[:30])
    page.get_by_role("button", name="Search", exact=True).click()
    expect(row(page, item)).to_have_count(1)
    expect(page.locator("tbody tr")).to_have_count(1)
    assert_accessible(page)

    # The status changes from the bulk bar, for the one item ticked.
    row(page, item).get_by_role("checkbox").check()
    page.get_by_label("Set the status to").select_option("looking")
    page.get_by_role("button", name="Change 1 selected item").click()
    expect(row(page, item)).to_contain_text("Looking at it")

    row(page, item).get_by_role("link", name=re.compile(re.escape(item.start))).click()
    page.get_by_label("Share with another partnership").select_option(label="Seacroft Local Care Partnership")
    page.get_by_role("button", name="Share", exact=True).click()
    page.get_by_label("You said").fill("The Sunday bus to the health centre stopped.")
    page.get_by_label("We did").fill("We asked the bus operator and the Sunday service returns in January.")
    page.get_by_role("button", name="Publish the reply").click()
    expect(page.get_by_role("main")).to_contain_text("We asked the bus operator")
    assert_accessible(page)

    # The person, with only their receipt code, sees both partnerships and the reply.
    staff.sign_out.click()
    page.goto(f"/track/{item.code}")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Armley Local Care Partnership")
    expect(main).to_contain_text("Seacroft Local Care Partnership")
    expect(main).to_contain_text("We asked the bus operator and the Sunday service returns in January.")
    expect(main).not_to_contain_text(item.words)


def test_a_worker_of_another_partnership_cannot_reach_the_item(
    page: Page, app: Flask, make_staff, shared_item: Item
) -> None:
    item = shared_item
    user = make_staff("staff", ("seacroft",), name="Other Worker")
    sign_in(page, user.email, secret_of(app, user), set())
    page.goto("/admin/inbox")
    expect(page.get_by_role("main")).not_to_contain_text(item.start)
    page.watch.allow_error_status(f"{page.url.split('/admin')[0]}/admin/submissions/{item.submission_id}", 404)
    response = page.goto(f"/admin/submissions/{item.submission_id}")
    assert response is not None and response.status == 404


def test_a_worker_whose_session_ended_mid_change_signs_in_and_comes_back_to_the_inbox(
    page: Page, app: Flask, make_staff, shared_item: Item
) -> None:
    """The bulk bar is sent after the session ended: the sign-in page, then back to the inbox as it was (the page
    the form was on, not the address it posts to), and nothing changed meanwhile."""
    item = shared_item
    user = make_staff("staff", ("armley",), name="Ended Worker")
    used: set[str] = set()
    secret = secret_of(app, user)
    staff = sign_in(page, user.email, secret, used)
    staff.menu_link("Inbox").click()
    page.get_by_label("Find an item: receipt code, item number or words").fill(item.words[:30])
    page.get_by_role("button", name="Search", exact=True).click()
    expect(row(page, item)).to_have_count(1)
    inbox = page.url.split("/admin", 1)[1]

    with app.app_context():
        auth.revoke_all_sessions(db.session.get(StaffUser, user.id))
        db.session.commit()
    row(page, item).get_by_role("checkbox").check()
    page.get_by_label("Set the status to").select_option("looking")
    page.get_by_role("button", name="Change 1 selected item").click()
    expect(page).to_have_url(re.compile(r"/admin/login\?next="))
    expect(page.locator("tbody")).to_have_count(0)

    login = StaffSignIn(page)
    login.password_step(user.email, STAFF_PASSWORD)
    login.code.fill(next_code(secret, used))
    login.sign_in_button.click()
    expect(page).to_have_url(re.compile(re.escape("/admin" + inbox) + "$"))
    expect(row(page, item)).to_have_count(1)
    assert status_of(app, item) == ("received", "")
