"""Urgent items in Chromium: a worker signs in and sees how many urgent items wait (in the staff header and above the
inbox), opens the Urgent view, opens an item from it, reads the urgent callout, removes the mark with a reason by
keyboard alone, and finds it in the history; axe on the inbox with its urgent block, the Urgent view and the item's
callout; the Urgent view at 320 px with items written in Urdu, with no sideways scroll.

The items are in a partnership of the test's own, so the counts are exact; everything is removed afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from uuid import uuid4

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import delete, select

from app.clock import utcnow
from app.extensions import db
from app.models import Lcp, Routing, Submission, SubmissionEvent
from tests.browser.checks import SMALLEST_PHONE, assert_accessible, sideways_problems
from tests.browser.pages import tab_to
from tests.browser.test_admin import secret_of, sign_in

pytestmark = pytest.mark.browser

URDU = (
    "میری پڑوسن کئی دنوں سے گھر سے باہر نہیں نکلی اور وہ کہتی ہے کہ وہ محفوظ نہیں ہے۔ "
    "براہِ کرم آج ہی کسی کو بھیجیں، ان کا فون نمبر 07700900123 ہے۔"
)


@dataclass
class Place:
    slug: str
    name: str
    # The English item first, then the one in Urdu (marked more recently), then one that is not urgent.
    items: list[int]
    routings: list[int]


@pytest.fixture
def urgent_place(app: Flask) -> Iterator[Place]:
    slug = f"urgent-{uuid4().hex[:8]}"
    with app.app_context():
        lcp = Lcp(slug=slug, name=f"Urgent {slug[-8:]} Local Care Partnership", short_name=f"Urgent {slug[-8:]}")
        db.session.add(lcp)
        db.session.commit()
        now = utcnow()
        made = []
        for number, (body, words, hours) in enumerate(
            [
                ("My dad has not eaten for days and says he wants to end it all.", "end it all", 3),
                (URDU, "محفوظ نہیں", 1),
                ("The bus to the surgery stopped running.", "", None),
            ]
        ):
            submission = Submission(
                receipt_code=uuid4().hex[:12].upper(), body=body, created_at=now - timedelta(minutes=number)
            )
            if hours is not None:
                submission.urgent_at = now - timedelta(hours=hours)
                submission.urgent_words = words
                submission.events.append(SubmissionEvent(kind="urgent", body=words, actor="system", public=False))
            routing = Routing(submission=submission, lcp_id=lcp.id, created_at=submission.created_at)
            db.session.add_all([submission, routing])
            made.append((submission, routing))
        db.session.commit()
        place = Place(slug, lcp.name, [s.id for s, _r in made], [r.id for _s, r in made])
    yield place
    with app.app_context():
        ident = db.session.scalar(select(Lcp.id).where(Lcp.slug == slug))
        db.session.execute(delete(Submission).where(Submission.id.in_(place.items)))
        db.session.execute(delete(Lcp).where(Lcp.id == ident))
        db.session.commit()


def test_a_worker_finds_an_urgent_item_and_removes_the_mark_by_keyboard(
    page: Page, app: Flask, make_staff, urgent_place: Place
) -> None:
    worker = make_staff("staff", (urgent_place.slug,), name="Robin Urgent")
    sign_in(page, worker.email, secret_of(app, worker), set())

    # The header says how many urgent items wait, beside the inbox.
    inbox_link = page.get_by_role("navigation", name="Staff menu").get_by_role("link", name=re.compile("^Inbox"))
    expect(inbox_link).to_contain_text("Urgent 2")
    expect(inbox_link).to_have_accessible_name(re.compile(r"^Inbox\s+Urgent 2\s+urgent items$"))
    tab_to(page, inbox_link, limit=30)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/admin/inbox$"))

    # Above the list, the urgent items, newest marked first, and the way to all of them.
    block = page.locator("#urgent-top")
    expect(block.get_by_role("heading", name="Urgent: check today")).to_be_visible()
    expect(block.get_by_role("link", name=re.compile(r"^Item \d+$"))).to_have_text(
        [f"Item {urgent_place.items[1]}", f"Item {urgent_place.items[0]}"]
    )
    expect(block).to_contain_text(urgent_place.name)
    expect(page.locator(f"#routing-{urgent_place.routings[0]} .app-inbox-row__mark--urgent")).to_have_text(
        "Urgent: check today"
    )
    expect(page.locator(f"#routing-{urgent_place.routings[2]} .app-inbox-row__mark--urgent")).to_have_count(0)
    assert_accessible(page)

    # The Urgent view: the first of the inbox's views, with its count.
    views = page.get_by_role("navigation", name="Views of the inbox")
    urgent_view = views.get_by_role("link", name=re.compile(r"^Urgent 2 items"))
    tab_to(page, urgent_view, limit=60)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"view=urgent"))
    expect(page.locator("tbody tr.app-inbox-row")).to_have_count(2)
    expect(page.locator("#urgent-top")).to_have_count(0)
    assert_accessible(page)

    # The English item, opened from the view: the urgent callout says how it was marked.
    row_link = page.locator(f"#routing-{urgent_place.routings[0]} a.app-inbox-row__link")
    tab_to(page, row_link, limit=60)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/admin/submissions/{urgent_place.items[0]}\?routing="))
    callout = page.locator("#urgent")
    expect(callout.get_by_role("heading", level=2)).to_have_text("Urgent: check today")
    expect(callout).to_contain_text("What they wrote matched the urgent list: end it all")
    assert_accessible(page)

    # Removing the mark: a reason first (sending without one is refused and says so), all by keyboard.
    button = callout.get_by_role("button", name="Remove the urgent mark")
    tab_to(page, button, limit=60)
    page.keyboard.press("Enter")
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Enter the reason")
    reason = page.get_by_label("Why is it no longer urgent?")
    tab_to(page, reason, limit=80)
    page.keyboard.type("We phoned his daughter: he is with the crisis team.")
    tab_to(page, page.locator("#urgent").get_by_role("button", name="Remove the urgent mark"), limit=5)
    page.keyboard.press("Enter")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("The urgent mark is removed.")
    expect(page.locator(".nhsuk-card--care--urgent")).to_have_count(0)
    expect(page.locator("details#urgent")).to_be_visible()
    expect(page.locator("#history-list")).to_contain_text(
        "Robin Urgent removed the urgent mark: We phoned his daughter: he is with the crisis team."
    )
    expect(page.locator("#header-urgent")).to_contain_text("Urgent 1")
    # The view kept: back in the Urgent view, one is left.
    page.get_by_role("link", name="Back to the inbox").click()
    expect(page).to_have_url(re.compile(r"view=urgent"))
    expect(page.locator("tbody tr.app-inbox-row")).to_have_count(1)

    with app.app_context():
        submission = db.session.get(Submission, urgent_place.items[0])
        assert submission.urgent_at is None and submission.urgent_word_list == ["end it all"]


def test_the_urgent_view_fits_320_px_with_items_in_urdu(
    browser: Browser, live_server: str, app: Flask, make_staff, urgent_place: Place
) -> None:
    from tests.browser.conftest import _guarded_page

    worker = make_staff("staff", (urgent_place.slug,), name="Urdu Reader With A Rather Long Name")
    for page in _guarded_page(browser, live_server, viewport=SMALLEST_PHONE):
        sign_in(page, worker.email, secret_of(app, worker), set())
        page.goto("/admin/inbox?view=urgent&lang=ur")
        rows = page.locator("tbody tr.app-inbox-row")
        expect(rows).to_have_count(2)
        expect(rows.filter(has_text="محفوظ")).to_have_count(1)
        problems = sideways_problems(page)
        assert not problems, "\n".join(problems)
        assert_accessible(page)
        # And the inbox with its urgent block, and the Urdu item's callout.
        page.goto("/admin/inbox?lang=ur")
        expect(page.locator("#urgent-top")).to_be_visible()
        problems = sideways_problems(page)
        assert not problems, "\n".join(problems)
        page.goto(f"/admin/submissions/{urgent_place.items[1]}?lang=ur")
        expect(page.locator("#urgent-how")).to_contain_text("محفوظ نہیں")
        problems = sideways_problems(page)
        assert not problems, "\n".join(problems)
        assert_accessible(page)
