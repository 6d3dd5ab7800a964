"""Small things residents hit when sharing, in Chromium: an organisation types "about 40" and sends; the receipt shows
what was sent, and only to the browser that sent it; "Delete my contact details" asks first, by keyboard, with and
without the site's scripts; and the question fits a 320 px phone in Urdu.

These tests commit to the shared test database, so each removes the submissions it made.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import delete, select

from app.commands import Actor
from app.commands import sharing as sharing_commands
from app.extensions import db
from app.models import Submission, SubmissionContact
from app.services import sharing
from app.services.people import lcps_by_slug
from app.services.sharing import ContactInput, ShareInput
from tests.browser.checks import SMALLEST_PHONE, axe_violations, describe, sideways_problems
from tests.browser.conftest import _guarded_page
from tests.browser.pages import FollowUpPage, SentPage, SharePage, tab_to
from tests.browser.test_share import ARMLEY, CODE, HOUSING, expect_visible_focus, words

pytestmark = pytest.mark.browser

SHOW = "Show what you sent"
QUESTION = "Are you sure you want to delete your contact details?"
YES = "Yes, delete my contact details"
DELETED = "Your contact details are deleted"
NOT_HERE = "We cannot show what you sent here"


@pytest.fixture
def made(app: Flask) -> Iterator[list[str]]:
    """Receipt codes of the submissions a test made (in the form or directly); they go afterwards, with their
    contacts, routings and history."""
    codes: list[str] = []
    yield codes
    with app.app_context():
        raw = [code.replace("-", "") for code in codes]
        db.session.execute(delete(Submission).where(Submission.receipt_code.in_(raw)))
        db.session.commit()


@pytest.fixture
def other_browser(browser: Browser, live_server: str) -> Iterator[Page]:
    """Another browser: no cookies from the test's `page`."""
    yield from _guarded_page(browser, live_server)


def assert_accessible(page: Page, label: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{label} ({page.url}):\n{describe(violations)}"


def shared_with_email(app: Flask, made: list[str], what: str) -> tuple[str, str]:
    """A submission with contact details, made as the form makes one; returns its code and its follow-up path."""
    with app.test_request_context():
        data = ShareInput(
            body=words(what),
            lcps=lcps_by_slug(["armley"]),
            contact=ContactInput(email=f"confirm-{what.replace(' ', '-')}@example.org", wants_updates=True),
        )
        submission = sharing_commands.share(Actor.resident(), data).submission
        code = sharing.format_code(submission.receipt_code)
        path = urlsplit(sharing.contact_links(submission)["manage"]).path
    made.append(code)
    return code, path


def contact_of(app: Flask, code: str) -> SubmissionContact | None:
    with app.app_context():
        return db.session.scalar(
            select(SubmissionContact)
            .join(Submission, SubmissionContact.submission_id == Submission.id)
            .where(Submission.receipt_code == code.replace("-", ""))
        )


# A rough number, and reading back what was sent ----------------------------------------------------------------------


def test_organisation_types_about_40_and_reads_back_what_it_sent_in_this_browser_only(
    page: Page, other_browser: Page, app: Flask, live_server: str, made: list[str]
) -> None:
    body = words("about forty")
    share = SharePage(page)
    share.open()
    share.body.fill(body)
    share.lcp(ARMLEY).check()
    share.topic(HOUSING).check()
    share.organisation.check()
    share.organisation_name.fill("Armley Carers Group")
    share.people_count.fill("about 40")
    share.people_count.press("Tab")
    # The live check takes the rough number without complaint.
    expect(page.locator("#group-people_count .nhsuk-error-message")).to_have_count(0)
    share.anonymous.check()
    share.send_button.click()

    sent = SentPage(page)
    expect(sent.code).to_have_text(CODE)
    made.append(sent.code.inner_text())
    expect(sent.main).not_to_contain_text(body)
    show = sent.main.get_by_role("link", name=SHOW, exact=True)
    assert_accessible(page, "receipt with Show what you sent")
    tab_to(page, show)
    expect_visible_focus(show)
    page.keyboard.press("Enter")

    expect(sent.heading).to_have_text("What you sent")
    expect(page.locator("#sent-words")).to_have_text(body)
    expect(page.locator("#sent-lcps")).to_have_text(ARMLEY)
    expect(page.locator("#sent-topics")).to_have_text(HOUSING)
    expect(page.locator("#sent-people")).to_have_text("40")
    assert body not in page.url
    assert_accessible(page, "what you sent")
    words_url = page.url

    # Another browser, given the same address, gets no words.
    other_browser.watch.allow_error_status(words_url, 404)  # type: ignore[attr-defined]
    response = other_browser.goto(words_url)
    assert response is not None and response.status == 404
    expect(other_browser.get_by_role("heading", level=1)).to_have_text(NOT_HERE)
    expect(other_browser.get_by_role("main")).not_to_contain_text(body)
    assert_accessible(other_browser, "what you sent, from another browser")

    with app.app_context():
        stored = db.session.scalar(select(Submission).where(Submission.body == body))
        assert stored is not None and stored.people_count == 40


# Deleting contact details asks first -------------------------------------------------------------------------------


@pytest.mark.parametrize("scripts", ["with scripts", "without scripts"])
def test_delete_contact_details_asks_first_by_keyboard(
    request: pytest.FixtureRequest, scripts: str, app: Flask, made: list[str]
) -> None:
    page: Page = request.getfixturevalue("page" if scripts == "with scripts" else "scriptless_page")
    code, path = shared_with_email(app, made, f"confirm {scripts}")
    follow = FollowUpPage(page)
    page.goto(path)
    expect(follow.heading).to_have_text("Add to what you shared")

    # First press: the question, with focus on it; nothing is deleted.
    tab_to(page, follow.delete_button, limit=60)
    expect_visible_focus(follow.delete_button)
    page.keyboard.press("Enter")
    expect(follow.heading).to_have_text(QUESTION)
    expect(follow.heading).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Delete your contact details\?"))
    expect(follow.main).to_contain_text("We will delete your name and email address")
    expect(follow.main).to_contain_text("Your words stay with the partnership")
    assert_accessible(page, f"delete question, {scripts}")
    assert contact_of(app, code) is not None

    # Cancel keeps them, and brings the person back to where they were.
    cancel = follow.main.get_by_role("link", name="Cancel", exact=True)
    tab_to(page, cancel)
    expect_visible_focus(cancel)
    page.keyboard.press("Enter")
    expect(follow.heading).to_have_text("Add to what you shared")
    expect(page).to_have_url(re.compile(r"#delete-contact$"))
    expect(page.locator("#delete-contact")).to_be_focused()
    assert contact_of(app, code) is not None

    # Asked again, "Yes" deletes them.
    tab_to(page, follow.delete_button, limit=60)
    page.keyboard.press("Enter")
    expect(follow.heading).to_have_text(QUESTION)
    yes = follow.main.get_by_role("button", name=YES, exact=True)
    tab_to(page, yes)
    expect_visible_focus(yes)
    page.keyboard.press("Enter")
    expect(follow.heading).to_have_text(DELETED)
    assert contact_of(app, code) is None


def test_the_delete_question_fits_a_320px_phone_in_urdu(rtl_phone_page: Page, app: Flask, made: list[str]) -> None:
    page = rtl_phone_page
    page.set_viewport_size(SMALLEST_PHONE)
    code, path = shared_with_email(app, made, "urdu phone")
    page.goto(f"{path}?lang=ur")
    expect(page.locator("html")).to_have_attribute("lang", "ur")
    delete_button = page.locator("main button[value=delete]")
    delete_button.click()

    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#delete-question")).to_be_focused()
    yes, cancel = page.locator("#delete-confirmed"), page.locator("#delete-cancel")
    expect(yes).to_be_visible()
    expect(cancel).to_be_visible()
    yes_box, cancel_box = yes.bounding_box(), cancel.bounding_box()
    assert yes_box is not None and cancel_box is not None
    apart_across = (
        yes_box["x"] + yes_box["width"] <= cancel_box["x"] or cancel_box["x"] + cancel_box["width"] <= yes_box["x"]
    )
    apart_down = (
        yes_box["y"] + yes_box["height"] <= cancel_box["y"] or cancel_box["y"] + cancel_box["height"] <= yes_box["y"]
    )
    assert apart_across or apart_down, f"the buttons overlap: {yes_box} and {cancel_box}"
    for box in (yes_box, cancel_box):
        assert box["x"] >= 0 and box["x"] + box["width"] <= SMALLEST_PHONE["width"], box
    # Right to left: the main button starts at the right of the column.
    main = page.get_by_role("main").bounding_box()
    assert main is not None
    assert abs((yes_box["x"] + yes_box["width"]) - (main["x"] + main["width"])) < 40
    problems = sideways_problems(page)
    assert not problems, "\n".join(problems)
    assert_accessible(page, "delete question in Urdu at 320 px")
    assert contact_of(app, code) is not None
