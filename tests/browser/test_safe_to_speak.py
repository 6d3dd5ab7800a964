"""Safe to speak, from end to end, in English and in Urdu: a resident writes that someone is in danger, sees where
to get help above Send as they leave the box, and sends it anyway; Armley's safeguarding contact gets the email over
real SMTP, naming the item without quoting it; a worker sees it at the top of the Urgent view, opens it, and the
check of urgent items nobody opened stays quiet about it a day later. An urgent item nobody opens is reported to the
citywide admin by the same check, once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from uuid import uuid4

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import delete, select

from app.clock import utcnow
from app.commands import Actor
from app.commands import sharing as sharing_commands
from app.commands.system import check_urgent, deliver_due
from app.extensions import db
from app.models import StaffUser, Submission
from app.services.people import lcps_by_slug
from app.services.sharing import ShareInput
from tests.browser.checks import assert_accessible
from tests.browser.pages import SentPage, SharePage
from tests.browser.test_admin import secret_of, sign_in
from tests.mailbox import Mailbox

pytestmark = pytest.mark.browser

ARMLEY = "Armley Local Care Partnership"
CHECK = Actor.system("urgent-check")
WORKER = Actor.system("outbox")
# What each resident writes: words from the reviewed lists (app/data/urgent-phrases), as a person writes them.
WORDS = {
    "en_GB": "My neighbour told me she is not safe at home and I am frightened for her.",
    "ur": "میری پڑوسن نے مجھے بتایا کہ وہ خطرے میں ہے، میں خطرے میں ہوں، مدد کریں۔",
}


@pytest.fixture
def made(app: Flask) -> Iterator[list[int]]:
    """The submissions a test made, removed afterwards (browser tests commit for real), so no other test finds
    urgent items it did not make."""
    ids: list[int] = []
    yield ids
    with app.app_context():
        db.session.execute(delete(Submission).where(Submission.id.in_(ids)))
        db.session.commit()


def _submission_with(app: Flask, marker: str) -> Submission:
    with app.app_context():
        found = db.session.scalar(select(Submission).where(Submission.body.contains(marker)))
        assert found is not None
        db.session.expunge(found)
        return found


@pytest.mark.parametrize("code", ["en_GB", "ur"])
def test_an_urgent_message_reaches_the_safeguarding_contact_and_the_top_of_the_urgent_view(
    page: Page, app: Flask, make_staff, mailbox: Mailbox, smtp, say_in, made: list[int], code: str
) -> None:
    contact = make_staff("staff", ("armley",), name="Sasha Safeguarding")
    admin = make_staff("admin", (), name="Ari Admin")
    worker = make_staff("staff", ("armley",), name="Wren Worker")
    with app.app_context():
        db.session.get(StaffUser, contact.id).safeguarding = True
        db.session.commit()
        deliver_due(WORKER, smtp)  # whatever earlier tests left in the outbox
    mailbox.clear()

    # The resident: the panel above Send as they leave the box, and they send it anyway.
    marker = uuid4().hex[:10]
    typed = f"{WORDS[code]} ({marker})"
    say = say_in(code)
    page.goto(f"/share?lang={code}")
    share = SharePage(page, say=say)
    expect(page.locator("#not-for-emergencies")).to_be_visible()
    share.body.click()
    page.keyboard.type(typed)
    page.keyboard.press("Tab")
    panel = page.locator("#live-urgent #urgent-help")
    expect(panel).to_be_visible()
    assert panel.bounding_box()["y"] < share.send_button.bounding_box()["y"]
    assert_accessible(page)
    share.lcp(ARMLEY).check()
    share.myself.check()
    share.anonymous.check()
    share.send_button.click()
    expect(SentPage(page, say=say).code).to_be_visible()
    expect(page.locator("#urgent-help")).to_be_visible()
    submission = _submission_with(app, marker)
    made.append(submission.id)
    assert submission.urgent_at is not None and submission.urgent_word_list

    # The safeguarding contact's email, over SMTP: the item and its link, never the words.
    with app.app_context():
        deliver_due(WORKER, smtp)
    [email] = mailbox.to(contact.email)
    assert email["Subject"] == f"Urgent: check item {submission.id} today"
    text = mailbox.text(email)
    assert f"/admin/submissions/{submission.id}" in text
    assert marker not in text and marker not in mailbox.html(email)
    assert WORDS[code][:20] not in text
    assert mailbox.to(worker.email) == [], "only safeguarding contacts are told at once"
    assert mailbox.to(admin.email) == [], "Armley has a contact, so the admins are not told"

    # The worker: the item at the top of the Urgent view; opening it marks it opened.
    sign_in(page, worker.email, secret_of(app, worker), set())
    page.goto("/admin/inbox?view=urgent")
    first = page.locator("tbody tr.app-inbox-row").first
    expect(first).to_contain_text(f"Item {submission.id}")
    expect(first).to_contain_text("Urgent: check today")
    first.locator("a.app-inbox-row__link").click()
    expect(page).to_have_url(re.compile(rf"/admin/submissions/{submission.id}\b"))
    expect(page.locator("#urgent")).to_contain_text("matched the urgent list")
    assert_accessible(page)

    # A day later the check says nothing about it: it was opened.
    with app.app_context():
        check_urgent(CHECK, now=utcnow() + timedelta(hours=25))
        deliver_due(WORKER, smtp)
        assert db.session.get(Submission, submission.id).urgent_escalated_at is None
    assert not any(f"Item {submission.id}," in mailbox.text(message) for message in mailbox.to(admin.email))

    # An urgent item that nobody opens: the check tells the citywide admin, once.
    with app.test_request_context():
        data = ShareInput(body=f"{WORDS[code]} ({marker}-unopened)", lcps=lcps_by_slug(["armley"]))
        unopened = sharing_commands.share(Actor.resident(), data).submission.id
        made.append(unopened)
        deliver_due(WORKER, smtp)
    mailbox.clear()
    with app.app_context():
        check_urgent(CHECK, now=utcnow() + timedelta(hours=23))
        assert db.session.get(Submission, unopened).urgent_escalated_at is None, "not yet a day"
        assert check_urgent(CHECK, now=utcnow() + timedelta(hours=25)) >= 1
        deliver_due(WORKER, smtp)
    [told] = mailbox.to(admin.email)
    assert f"Item {unopened}," in mailbox.text(told)
    assert f"Item {submission.id}," not in mailbox.text(told)
    assert marker not in mailbox.text(told)
    mailbox.clear()
    with app.app_context():
        check_urgent(CHECK, now=utcnow() + timedelta(hours=26))
        deliver_due(WORKER, smtp)
    assert mailbox.to(admin.email) == [], "each item is told of once"
