"""The item page in Chromium, as a worker lives in it: opened from a filtered inbox, the status changed, the item
assigned to themselves, a reply started from a template (filled in place by the script) and published, the next item
by its link and by `j` once shortcuts are turned on; meanwhile a second worker, in a browser of their own on a phone,
changes the same item, and the first sees what they did instead of overwriting it. axe on the way, and no sideways
scrolling at 375 px.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.clock import utcnow
from app.commands import Actor, replies
from app.commands import sharing as sharing_commands
from app.extensions import db
from app.models import Lcp, ReplyTemplate, Routing, Submission
from app.services import sharing
from app.services.people import lcps_by_slug
from tests.browser.checks import assert_accessible, sideways_problems
from tests.browser.test_admin import secret_of, sign_in

pytestmark = pytest.mark.browser


@dataclass
class Items:
    word: str
    newer: int
    older: int
    newer_routing: int
    template: str


@pytest.fixture
def two_items(app: Flask) -> Iterator[Items]:
    """Two things shared with Armley a minute apart, with one word only they hold, and an Armley reply template;
    removed afterwards."""
    word = f"footbridge{time.monotonic_ns()}"
    title = f"Repaired {word[-6:]}"
    made = []
    with app.test_request_context():
        for minutes, text in ((1, "The footbridge lights are out"), (2, "The footbridge steps are icy")):
            data = sharing.ShareInput(body=f"{word} {text} by the health centre.", lcps=lcps_by_slug(["armley"]))
            submission = sharing_commands.share(Actor.resident(), data).submission
            moment = utcnow() - timedelta(minutes=minutes)
            submission.created_at = submission.routings[0].created_at = moment
            db.session.commit()
            made.append(submission.id)
        armley = db.session.scalar(select(Lcp).where(Lcp.slug == "armley"))
        template = replies.create_template(Actor.cli(), armley, title, "We asked the council to repair it this week.")
        template_id = template.id
        routing = db.session.scalar(select(Routing.id).where(Routing.submission_id == made[0]))
    yield Items(word, made[0], made[1], routing, title)
    with app.app_context():
        for ident in made:
            row = db.session.get(Submission, ident)
            if row is not None:
                db.session.delete(row)
        template_row = db.session.get(ReplyTemplate, template_id)
        if template_row is not None:
            db.session.delete(template_row)
        db.session.commit()


def test_a_worker_lives_in_the_item_page_and_a_colleagues_change_is_never_overwritten(
    page: Page, phone_page: Page, app: Flask, make_staff, two_items: Items
) -> None:
    items = two_items
    worker = make_staff("staff", ("armley",), name="Asha Worker")
    colleague = make_staff("staff", ("armley",), name="Sam Colleague")
    sign_in(page, worker.email, secret_of(app, worker), set())

    # From the inbox, filtered to the two items, to the newer one.
    page.goto(f"/admin/inbox?q={items.word}")
    page.get_by_role("link", name=re.compile("footbridge lights are out")).click()
    expect(page).to_have_url(re.compile(rf"/admin/submissions/{items.newer}\?"))
    expect(page.locator("#item-position")).to_have_text("Item 1 of 2 in this view")
    assert_accessible(page)
    work = page.locator(f"#work-{items.newer_routing}")

    # The status, then "Assign to me", each coming back to the changed part, focused, under a success banner.
    work.get_by_label("Status", exact=True).select_option(label="Looking at it")
    work.get_by_role("button", name="Change the status").click()
    banner = page.get_by_role("alert").filter(has_text="the status is now Looking at it")
    expect(banner).to_be_visible()
    expect(work).to_be_focused()
    expect(page.locator(f"#routing-{items.newer_routing}-status")).to_have_text("Looking at it")
    expect(page.locator("#item-position")).to_have_text("Item 1 of 2 in this view")
    work.get_by_role("button", name="Assign to me").click()
    expect(page.get_by_role("alert").filter(has_text="it is assigned to you")).to_be_visible()
    expect(page.locator(f"#routing-{items.newer_routing}-assignee")).to_have_text("Asha Worker")

    # A reply from the template: the script fills the box in place, keeping what was typed above it.
    reply = page.locator(f"#routing-{items.newer_routing}")
    reply.get_by_label("You said").fill("The footbridge lights were out.")
    reply.get_by_label("Start from a template").select_option(label=items.template)
    reply.get_by_role("button", name="Use this template").click()
    expect(reply.get_by_label("We did")).to_have_value("We asked the council to repair it this week.")
    expect(reply.get_by_label("We did")).to_be_focused()
    expect(reply.get_by_label("You said")).to_have_value("The footbridge lights were out.")
    expect(reply.get_by_label("Acted on")).to_be_checked()
    reply.get_by_role("button", name="Publish the reply").click()
    expect(page.get_by_role("alert").filter(has_text="The status is Acted on")).to_be_visible()
    history = page.locator("#history-list")
    expect(history).to_contain_text("Asha Worker published a reply for Armley Local Care Partnership")
    expect(history).to_contain_text("Asha Worker changed the status to Acted on")

    # A colleague changes the tags on their phone while this page is open.
    sign_in(phone_page, colleague.email, secret_of(app, colleague), set())
    phone_page.goto(f"/admin/submissions/{items.newer}")
    phone_work = phone_page.locator(f"#work-{items.newer_routing}")
    phone_work.get_by_label("Tags").fill("lighting")
    phone_work.get_by_role("button", name="Save the tags").click()
    expect(phone_page.get_by_role("alert").filter(has_text="the tags are saved")).to_be_visible()
    problems = sideways_problems(phone_page)
    assert not problems, "\n".join(problems)
    assert_accessible(phone_page)

    # The first worker's change, drawn before theirs, is refused and says what they did; what was typed stays.
    work.get_by_label("Tags").fill("bridges")
    work.get_by_role("button", name="Save the tags").click()
    conflict = page.get_by_role("alert").filter(has_text="Someone else changed this item since you opened it")
    expect(conflict).to_be_focused()
    expect(conflict).to_contain_text("Sam Colleague added the tag lighting")
    expect(page.locator(f"#routing-{items.newer_routing}-tags")).to_have_text("lighting")
    expect(work.get_by_label("Tags")).to_have_value("bridges")
    assert_accessible(page)

    # Next by its link, and back by the previous link.
    page.get_by_role("link", name=re.compile("^Next item")).click()
    expect(page).to_have_url(re.compile(rf"/admin/submissions/{items.older}\?"))
    expect(page.locator("#item-position")).to_have_text("Item 2 of 2 in this view")
    page.get_by_role("link", name=re.compile("^Previous item")).click()
    expect(page.locator("#item-position")).to_have_text("Item 1 of 2 in this view")

    # Shortcuts are off until turned on; then `j` goes to the next item, but not while typing in a box.
    page.locator("body").press("j")
    expect(page.locator("#item-position")).to_have_text("Item 1 of 2 in this view")
    page.get_by_text("Keyboard shortcuts").click()
    page.get_by_label("Use single-key shortcuts on item pages").check()
    page.get_by_label("Tags").first.press("j")
    expect(page.locator("#item-position")).to_have_text("Item 1 of 2 in this view")
    page.get_by_role("heading", level=1).click()
    page.keyboard.press("j")
    expect(page.locator("#item-position")).to_have_text("Item 2 of 2 in this view")
    # The choice is remembered: `k` works on the next page without turning them on again.
    page.keyboard.press("k")
    expect(page.locator("#item-position")).to_have_text("Item 1 of 2 in this view")

    with app.app_context():
        routing = db.session.get(Routing, items.newer_routing)
        assert (routing.status, routing.tags, routing.assignee_id) == ("acted", "lighting", worker.id)


def test_the_item_page_works_without_scripts_and_fits_a_phone(
    nojs_page: Page, phone_page: Page, app: Flask, make_staff, two_items: Items
) -> None:
    """Without JavaScript, "Use this template" reloads the page with the reply box filled, and the forms post."""
    items = two_items
    worker = make_staff("staff", ("armley",), name="Scriptless Worker")
    used: set[str] = set()
    sign_in(nojs_page, worker.email, secret_of(app, worker), used)
    nojs_page.goto(f"/admin/submissions/{items.newer}?routing={items.newer_routing}&q={items.word}")
    reply = nojs_page.locator(f"#routing-{items.newer_routing}")
    reply.get_by_label("Start from a template").select_option(label=items.template)
    reply.get_by_role("button", name="Use this template").click()
    expect(nojs_page).to_have_url(re.compile(r"template=.*#reply-"))
    expect(reply.get_by_label("We did")).to_have_value("We asked the council to repair it this week.")
    expect(nojs_page.locator("#item-position")).to_have_text("Item 1 of 2 in this view")
    expect(nojs_page.get_by_text("Use single-key shortcuts on item pages")).to_be_hidden()

    sign_in(phone_page, worker.email, secret_of(app, worker), used)
    phone_page.goto(f"/admin/submissions/{items.older}?q={items.word}")
    expect(phone_page.locator("#item-position")).to_have_text("Item 2 of 2 in this view")
    problems = sideways_problems(phone_page)
    assert not problems, "\n".join(problems)
    assert_accessible(phone_page)
