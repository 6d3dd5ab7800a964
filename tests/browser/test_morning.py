"""A worker's Monday morning in Chromium, from sign-in to the resident's tracking page, done four ways: with a mouse
at 1280 px, with the keyboard only at 1280 and at 375 px, and with none of the site's scripts (as a browser without
JavaScript builds the page, while axe can still run: see `scriptless_page`).

Five items reached Armley overnight. The worker opens the "New" view, narrows it to this morning's items and works
through them on the item page with its previous and next links: counts the newest as the same issue as a near copy
of it (suggested under "Similar items"), changes the status of the next while a colleague changes it first (the
worker is told what the colleague did, and sends again), assigns the third to themselves, replies to the fourth from
a template, steps on to the fifth and back. Then a resident phones and reads out a receipt code in lower case with no
hyphen: the search finds the item. The resident whose item got the reply sees "Acted on" and the reply on /track.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Browser, Locator, Page, expect
from sqlalchemy import select, update

from app.clock import utcnow
from app.commands import Actor, replies
from app.commands import casework as casework_commands
from app.commands import sharing as sharing_commands
from app.extensions import db
from app.models import Lcp, ReplyTemplate, Routing, StaffUser, Submission
from app.services import sharing
from app.services.people import lcps_by_slug
from tests.browser.checks import assert_accessible, sideways_problems
from tests.browser.conftest import PHONE
from tests.browser.pages import tab_to
from tests.browser.test_admin import secret_of, sign_in

pytestmark = pytest.mark.browser

WORDS = (
    # Oldest first; the newest two say the same thing in other words.
    "The pharmacy on Town Street closes at five and people who work cannot collect their prescriptions.",
    "There is nowhere to sit while waiting outside the surgery on Branch Road and older people stand in the rain.",
    "Carers at the Wednesday group say nobody told them about the new respite service.",
    "The lift at Armley One is broken again and wheelchair users cannot reach the clinic on the first floor.",
    "The lift at Armley One is broken again so people in wheelchairs cannot get to the first floor clinic.",
)


@dataclass
class Morning:
    marker: str
    ids: list[int]  # newest first, as the inbox lists them
    codes: list[str]
    routings: list[int]
    template: str


@pytest.fixture
def morning(app: Flask) -> Iterator[Morning]:
    marker = f"overnight{time.monotonic_ns()}"
    made: list[Submission] = []
    with app.test_request_context():
        for minutes, words in zip((50, 40, 30, 20, 10), WORDS, strict=True):
            data = sharing.ShareInput(body=f"{words} ({marker})", lcps=lcps_by_slug(["armley"]))
            submission = sharing_commands.share(Actor.resident(), data).submission
            submission.created_at = submission.routings[0].created_at = utcnow() - timedelta(minutes=minutes)
            db.session.commit()
            made.append(submission)
        armley = db.session.scalar(select(Lcp).where(Lcp.slug == "armley"))
        # Nothing else is new in Armley this morning: what other tests left there has been opened, so the "New"
        # view holds the five overnight items alone, whatever ran before.
        db.session.execute(
            update(Routing)
            .where(
                Routing.lcp_id == armley.id,
                Routing.opened_at.is_(None),
                Routing.submission_id.not_in([item.id for item in made]),
            )
            .values(opened_at=utcnow())
        )
        db.session.commit()
        title = f"Passed on {marker[-5:]}"
        template = replies.create_template(
            Actor.cli(), armley, title, "We passed this to the partner who runs it and they have fixed it."
        )
        template_id = template.id
        made.reverse()
        found = Morning(
            marker,
            [item.id for item in made],
            [sharing.format_code(item.receipt_code) for item in made],
            [item.routings[0].id for item in made],
            title,
        )
    yield found
    with app.app_context():
        for ident in found.ids:
            row = db.session.get(Submission, ident)
            if row is not None:
                db.session.delete(row)
        row = db.session.get(ReplyTemplate, template_id)
        if row is not None:
            db.session.delete(row)
        db.session.commit()


class Hands:
    """How the worker acts: with a mouse (or a finger), or with the keyboard only (Tab to a control, then Enter,
    Space, arrows or typing, as a person does)."""

    def __init__(self, page: Page, keyboard: bool) -> None:
        self.page = page
        self.keyboard = keyboard

    def press(self, target: Locator) -> None:
        if self.keyboard:
            tab_to(self.page, target, limit=250)
            self.page.keyboard.press("Enter")
        else:
            target.click()

    def type(self, box: Locator, text: str) -> None:
        if self.keyboard:
            tab_to(self.page, box, limit=250)
            self.page.keyboard.press("ControlOrMeta+a")
            self.page.keyboard.type(text)
        else:
            box.fill(text)

    def choose(self, select: Locator, label: str) -> None:
        if self.keyboard:
            tab_to(self.page, select, limit=250)
            options = select.locator("option").all_inner_texts()
            wanted = [text.strip() for text in options].index(label)
            current = select.evaluate("element => element.selectedIndex")
            key = "ArrowDown" if wanted > current else "ArrowUp"
            for _ in range(abs(wanted - current)):
                self.page.keyboard.press(key)
            expect(select.locator("option:checked")).to_have_text(label)
        else:
            select.select_option(label=label)

    def tick(self, box: Locator) -> None:
        if self.keyboard:
            tab_to(self.page, box, limit=250)
            if not box.is_checked():
                self.page.keyboard.press("Space")
        else:
            box.check()


def item_url(morning: Morning, index: int) -> re.Pattern[str]:
    return re.compile(rf"/admin/submissions/{morning.ids[index]}(\?|#|$)")


def fits(page: Page) -> None:
    problems = sideways_problems(page)
    assert not problems, "\n".join(problems)


MODES = {
    "mouse at 1280 px": {"keyboard": False, "viewport": None, "scripts": True},
    "keyboard at 1280 px": {"keyboard": True, "viewport": None, "scripts": True},
    "keyboard at 375 px": {"keyboard": True, "viewport": PHONE, "scripts": True},
    "without JavaScript": {"keyboard": False, "viewport": None, "scripts": False},
}


@pytest.fixture(params=list(MODES))
def worker_page(request: pytest.FixtureRequest, browser: Browser, live_server: str) -> Iterator[tuple[Page, Hands]]:
    from tests.browser.conftest import _guarded_page

    mode = MODES[request.param]
    options: dict[str, object] = {}
    if mode["viewport"]:
        options["viewport"] = mode["viewport"]
    if not mode["scripts"]:
        options["site_scripts"] = False
    for page in _guarded_page(browser, live_server, **options):
        yield page, Hands(page, bool(mode["keyboard"]))


def test_a_workers_morning(
    worker_page: tuple[Page, Hands], browser: Browser, live_server: str, app: Flask, make_staff, morning: Morning
) -> None:
    page, hands = worker_page
    worker = make_staff("staff", ("armley",), name="Morgan Morning")
    colleague = make_staff("staff", ("armley",), name="Sam Colleague")
    sign_in(page, worker.email, secret_of(app, worker), set())

    # The "New" view names how many items wait; the worker narrows it to the night's five.
    page.goto("/admin/inbox")
    new_view = page.get_by_role("link", name=re.compile(r"^New \d"))
    hands.press(new_view)
    expect(page).to_have_url(re.compile(r"view=new"))
    page.goto(f"/admin/inbox?view=new&q={morning.marker}")
    for ident in morning.ids:
        expect(page.get_by_role("main")).to_contain_text(f"Item {ident}")
    fits(page)
    assert_accessible(page)

    # 1. The newest: its near copy is suggested; the worker counts them together.
    hands.press(page.get_by_role("link", name=re.compile(re.escape(WORDS[4][:45]))))
    expect(page).to_have_url(item_url(morning, 0))
    similar = page.locator(f"#similar-{morning.ids[1]}")
    expect(similar).to_be_visible()
    hands.press(similar.get_by_role("button", name=re.compile(r"^Same issue")))
    expect(page.get_by_role("main")).to_contain_text(f"Counted together with item {morning.ids[1]}")
    fits(page)
    assert_accessible(page)
    hands.press(page.get_by_role("link", name=re.compile("^Next item")))
    expect(page).to_have_url(item_url(morning, 1))

    # 2. A colleague changes the status first; the worker is told what they did instead of overwriting it.
    with app.test_request_context():
        routing = db.session.get(Routing, morning.routings[1])
        someone = db.session.get(StaffUser, colleague.id)
        casework_commands.change_status(Actor.staff(someone, "127.0.0.1"), routing, "shared", "")
    work = page.locator(f"#work-{morning.routings[1]}")
    hands.choose(work.get_by_label("Status", exact=True), "Looking at it")
    hands.press(work.get_by_role("button", name="Change the status"))
    conflict = page.get_by_role("alert").filter(has_text="Someone else changed this item since you opened it")
    expect(conflict).to_contain_text("Sam Colleague changed the status to Shared with a partner")
    assert_accessible(page)
    hands.press(work.get_by_role("button", name="Change the status"))
    expect(page.locator(f"#routing-{morning.routings[1]}-status")).to_have_text("Looking at it")
    expect(page.locator("#history-list")).to_contain_text("Morgan Morning changed the status to Looking at it")
    hands.press(page.get_by_role("link", name=re.compile("^Next item")))
    expect(page).to_have_url(item_url(morning, 2))

    # 3. Assigned to the worker.
    work = page.locator(f"#work-{morning.routings[2]}")
    hands.press(work.get_by_role("button", name="Assign to me"))
    expect(page.locator(f"#routing-{morning.routings[2]}-assignee")).to_have_text("Morgan Morning")
    hands.press(page.get_by_role("link", name=re.compile("^Next item")))
    expect(page).to_have_url(item_url(morning, 3))

    # 4. A reply from a template, edited before it is published; the item moves to "Acted on".
    reply = page.locator(f"#routing-{morning.routings[3]}")
    hands.choose(reply.get_by_label("Start from a template"), morning.template)
    hands.press(reply.get_by_role("button", name="Use this template"))
    we_did = reply.get_by_label("We did")
    expect(we_did).to_have_value("We passed this to the partner who runs it and they have fixed it.")
    hands.type(reply.get_by_label("You said"), "Nobody told carers about the new respite service.")
    hands.type(we_did, "We passed this to the carers' service, who now tell every group in person.")
    expect(reply.get_by_label("Acted on")).to_be_checked()
    hands.press(reply.get_by_role("button", name="Publish the reply"))
    expect(page.locator(f"#routing-{morning.routings[3]}-status")).to_have_text("Acted on")
    fits(page)
    assert_accessible(page)

    # 5. On to the last, and back.
    hands.press(page.get_by_role("link", name=re.compile("^Next item")))
    expect(page).to_have_url(item_url(morning, 4))
    hands.press(page.get_by_role("link", name=re.compile("^Previous item")))
    expect(page).to_have_url(item_url(morning, 3))

    # A resident phones and reads out their receipt code: lower case, no hyphen.
    hands.press(page.get_by_role("link", name="Back to the inbox"))
    spoken = morning.codes[4].replace("-", "").lower()
    hands.type(page.get_by_label("Find an item: receipt code, item number or words"), spoken)
    hands.press(page.get_by_role("button", name="Search", exact=True))
    found = page.get_by_role("link", name=re.compile(re.escape(WORDS[0][:45])))
    expect(found).to_have_count(1)
    hands.press(found)
    expect(page).to_have_url(item_url(morning, 4))
    expect(page.get_by_role("heading", level=1)).to_contain_text(morning.codes[4])

    # The resident whose item got the reply reads it, and "Acted on", on their tracking page.
    resident = browser.new_context(base_url=live_server)
    try:
        tracking = resident.new_page()
        tracking.goto(f"/track/{morning.codes[3]}")
        main = tracking.get_by_role("main")
        expect(main).to_contain_text("Acted on")
        expect(main).to_contain_text("We passed this to the carers' service, who now tell every group in person.")
    finally:
        resident.close()

    with app.app_context():
        assert db.session.get(Submission, morning.ids[0]).same_issue_as_id == morning.ids[1]
        assert db.session.get(Submission, morning.ids[1]).same_issue_as_id is None
        statuses = [db.session.get(Routing, ident).status for ident in morning.routings]
        assert statuses == ["received", "looking", "received", "acted", "received"]
        assert db.session.get(Routing, morning.routings[2]).assignee_id == worker.id
