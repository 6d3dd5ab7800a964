"""Preparing a person's words for quoting, in Chromium, with the keyboard only: a worker opens an item whose words
give someone's name and phone number, goes to "Prepare their words for quoting", finds the phone number ticked,
types the name, previews, saves, and publishes a reply quoting the prepared words; the partnership's public page
then shows "[removed]" in place of both. axe on the step (with its preview) and on the item page's quote section;
the step at 320 px in Urdu, with words in Urdu and a long email address, does not scroll sideways.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from app.commands import Actor
from app.commands import sharing as sharing_commands
from app.extensions import db
from app.models import Submission
from app.services import sharing
from app.services.people import lcps_by_slug
from tests.browser.checks import SMALLEST_PHONE, assert_accessible, sideways_problems
from tests.browser.pages import tab_to
from tests.browser.test_admin import secret_of, sign_in

pytestmark = pytest.mark.browser

PHONE = "07700 900123"
NAME = "Sam Jones"


@pytest.fixture
def shared(app: Flask) -> Iterator[list[int]]:
    """Submissions made by a test, removed afterwards (browser tests commit for real)."""
    made: list[int] = []
    yield made
    with app.app_context():
        for ident in made:
            row = db.session.get(Submission, ident)
            if row is not None:
                db.session.delete(row)
        db.session.commit()


def share(app: Flask, made: list[int], body: str, language: str = "en_GB") -> int:
    with app.test_request_context():
        submission = sharing_commands.share(
            Actor.resident(),
            sharing.ShareInput(body=body, lcps=lcps_by_slug(["armley"]), may_publish_words=True, language=language),
        ).submission
        made.append(submission.id)
        return submission.id


def press(page: Page, target, limit: int = 250) -> None:
    tab_to(page, target, limit=limit)
    page.keyboard.press("Enter")


def test_a_worker_prepares_the_words_and_a_reply_quotes_them_by_keyboard(
    page: Page, app: Flask, make_staff, shared: list[int]
) -> None:
    marker = f"lift{time.monotonic_ns()}"
    body = f"The lift at the clinic is broken ({marker}). Ring {NAME} on {PHONE}; {NAME} uses a wheelchair."
    submission_id = share(app, shared, body)
    worker = make_staff("staff", ("armley",), name="Quinn Quoter")
    sign_in(page, worker.email, secret_of(app, worker), set())

    page.goto(f"/admin/submissions/{submission_id}")
    main = page.get_by_role("main")
    expect(main.locator("#submission-body mark.app-detail")).to_have_text(f"{PHONE} (phone number)")
    expect(main.locator("#quote-status")).to_contain_text("must be prepared")
    press(page, main.locator("#quote-prepare"))

    # The step: the phone number is ticked; the worker types the name and previews.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Prepare their words for quoting")
    phone_box = page.get_by_role("checkbox", name=f"Remove the phone number {PHONE}")
    expect(phone_box).to_be_checked()
    words = page.get_by_role("textbox", name="Other words to remove")
    tab_to(page, words)
    page.keyboard.type(NAME)
    press(page, page.get_by_role("button", name="Preview"), limit=20)
    preview = page.locator("#quote-preview")
    expect(preview).to_contain_text("[removed]")
    expect(preview).not_to_contain_text(PHONE)
    expect(preview).not_to_contain_text(NAME)
    expect(phone_box).to_be_checked()
    expect(words).to_have_value(NAME)
    assert_accessible(page)

    # Save: back to the item's quote section, with the prepared words.
    press(page, page.get_by_role("button", name="Save the prepared words"), limit=20)
    expect(page).to_have_url(re.compile(rf"/admin/submissions/{submission_id}(\?[^#]*)?#quote$"))
    expect(main.locator(".nhsuk-notification-banner")).to_contain_text("prepared for quoting")
    prepared = main.locator("#quote-prepared")
    expect(prepared).to_contain_text("[removed]")
    expect(prepared).not_to_contain_text(PHONE)
    expect(main.locator("#quote-prepared-by")).to_contain_text("Quinn Quoter")
    assert_accessible(page)

    # The reply, quoting the prepared words.
    reply = main.locator("form[action*='/respond']")
    tab_to(page, reply.get_by_role("textbox", name="You said"))
    page.keyboard.type("The lift at the clinic is broken.")
    page.keyboard.press("Tab")
    page.keyboard.type("We asked the clinic to mend it, and it has.")
    quote_box = reply.get_by_role("checkbox", name=re.compile("Show their own words"))
    tab_to(page, quote_box, limit=5)
    page.keyboard.press("Space")
    expect(quote_box).to_be_checked()
    press(page, reply.get_by_role("button", name="Publish the reply"), limit=20)
    expect(main.locator(".nhsuk-notification-banner")).to_contain_text("Reply published")

    page.goto("/lcps/armley#you-said")
    card = page.locator("article").filter(has_text="We asked the clinic to mend it, and it has.")
    quoted = card.locator("blockquote")
    expect(quoted).to_contain_text(marker)
    expect(quoted).to_contain_text("Ring [removed] on [removed]; [removed] uses a wheelchair.")
    expect(page.get_by_role("main")).not_to_contain_text(PHONE)
    expect(page.get_by_role("main")).not_to_contain_text(NAME)


def test_the_step_fits_320_px_in_urdu(browser: Browser, live_server: str, app: Flask, make_staff, shared) -> None:
    from tests.browser.conftest import _guarded_page

    email = "a.very.long.email.address.for.someone.who.lives.nearby@example-neighbourhood-care.org.uk"
    body = f"کلینک کی لفٹ خراب ہے۔ {NAME} کو {PHONE} پر فون کریں یا {email} پر لکھیں۔"
    submission_id = share(app, shared, body, language="ur")
    worker = make_staff("staff", ("armley",), name="Quinn Quoter")
    for page in _guarded_page(browser, live_server, viewport=SMALLEST_PHONE):
        sign_in(page, worker.email, secret_of(app, worker), set())
        page.goto(f"/admin/submissions/{submission_id}/quote?lang=ur")
        expect(page.locator("#quote-original mark.app-detail")).to_have_count(2)
        page.get_by_role("textbox").first.fill(NAME)
        page.locator("button[value=preview]").click()
        expect(page.locator("#quote-preview")).to_contain_text("[removed]")
        expect(page.locator("#quote-preview")).not_to_contain_text(email)
        problems = sideways_problems(page)
        assert not problems, "\n".join(problems)
        assert_accessible(page)
