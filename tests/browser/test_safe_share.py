# ruff: noqa: F811
"""Safe to speak in Chromium: on the smallest phone, in English and Urdu, a person types words that suggest someone is
in danger and a phone number, leaves the box with Tab, and the urgent-help panel appears above Send and a note under
the box, without a reload; the panel's numbers are reached by keyboard; sending leads to a receipt that gives the
numbers again. From the receipt email's link, a person who agreed to be quoted takes it back. axe checks each new
state, and nothing scrolls sideways at 320 CSS px.

Panels are found by their ids, not their words: the lead translates the new sentences after this is built.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit
from uuid import uuid4

import pytest
from flask import Flask
from playwright.sync_api import Browser, Locator, Page, expect

from app.commands import Actor
from app.commands import sharing as sharing_commands
from app.services import sharing
from app.services.people import lcps_by_slug
from app.services.sharing import ContactInput, ShareInput
from tests.browser.checks import axe_violations, describe, sideways_problems
from tests.browser.conftest import _guarded_page
from tests.browser.pages import FollowUpPage, SentPage, SharePage, tab_to
from tests.browser.test_layout import shared_codes  # noqa: F401 - a fixture, used by name
from tests.browser.test_share import CODE, FOCUS_STYLES, FOCUS_YELLOW

pytestmark = pytest.mark.browser

NARROWEST = {"width": 320, "height": 720}
ARMLEY = "Armley Local Care Partnership"


@pytest.fixture
def narrow_page(browser: Browser, live_server: str) -> Iterator[Page]:
    yield from _guarded_page(browser, live_server, viewport=NARROWEST)


def expect_fits_and_accessible(page: Page, step: str) -> None:
    problems = sideways_problems(page)
    violations = axe_violations(page)
    if violations:
        problems.append(describe(violations))
    assert not problems, f"{step}:\n" + "\n".join(problems)


def expect_visible_focus(target: Locator) -> None:
    expect(target).to_be_focused()
    styles = target.evaluate(FOCUS_STYLES)
    assert FOCUS_YELLOW in styles, f"{target} has focus but does not show it: {styles}"


@pytest.mark.parametrize("code", ["en_GB", "ur"])
def test_urgent_words_show_where_help_is_above_send_and_on_the_receipt(
    narrow_page: Page, say_in, shared_codes: list[str], code
) -> None:
    page, say = narrow_page, say_in(code)
    page.goto(f"/share?lang={code}")
    share = SharePage(page, say=say)
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if code == "ur" else "ltr")
    expect(page.locator("#not-for-emergencies")).to_be_visible()
    live_urgent, live_details = page.locator("#live-urgent"), page.locator("#live-details")
    expect(live_urgent).to_have_attribute("aria-live", "polite")
    expect(live_urgent).to_be_empty()

    typed = f"I can't go on. My neighbour's number is 07700 900123. ({uuid4().hex[:8]})"
    share.body.click()
    page.keyboard.type(typed)
    page.keyboard.press("Tab")  # leaving the box checks it
    panel = live_urgent.locator("#urgent-help")
    expect(panel).to_be_visible()
    expect(live_details.locator("#details-note")).to_be_visible()
    # Above Send, and the box kept what was typed.
    panel_box, send_box = panel.bounding_box(), share.send_button.bounding_box()
    assert panel_box["y"] + panel_box["height"] <= send_box["y"]
    expect(share.body).to_have_value(typed)
    expect(panel.locator('a[href="tel:999"] bdi[dir=ltr]')).to_have_text("999")
    expect_fits_and_accessible(page, f"the urgent panel and the details note ({code})")

    # The panel's numbers are reached by keyboard, in order, and show their focus.
    emergency = panel.locator('a[href="tel:999"]')
    tab_to(page, emergency, limit=120)
    expect_visible_focus(emergency)
    page.keyboard.press("Tab")
    expect_visible_focus(panel.locator('a[href="tel:111"]'))

    share.lcp(ARMLEY).check()
    share.myself.check()
    share.anonymous.check()
    share.send_button.click()
    sent = SentPage(page, say=say)
    expect(sent.code).to_have_text(CODE)
    shared_codes.append(sent.code.inner_text().strip())  # removed afterwards: no other test meets this urgent item
    receipt_panel = page.locator("#urgent-help")
    expect(receipt_panel).to_be_visible()
    expect(receipt_panel.locator('a[href^="tel:"]')).to_have_count(6)
    expect(page.locator("#details-note")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", code.replace("_", "-"))
    expect_fits_and_accessible(page, f"the receipt of an urgent item ({code})")


def test_a_person_takes_back_their_agreement_to_be_quoted(page: Page, app: Flask, shared_codes: list[str]) -> None:
    with app.test_request_context():
        data = ShareInput(
            body=f"The clinic's ramp is broken ({uuid4().hex[:8]}).",
            lcps=lcps_by_slug(["armley"]),
            may_publish_words=True,
            contact=ContactInput(email=f"quote-{uuid4().hex[:12]}@example.org"),
        )
        submission = sharing_commands.share(Actor.resident(), data).submission
        manage = urlsplit(sharing.contact_links(submission)["manage"]).path
        shared_codes.append(submission.receipt_code)

    page.goto(manage)
    follow_up = FollowUpPage(page)
    expect(page.locator("#not-for-emergencies")).to_be_visible()
    quoting = page.locator("#quoting")
    expect(quoting).to_be_visible()
    withdraw = page.locator("#withdraw-quote")
    violations = axe_violations(page)
    assert not violations, describe(violations)

    tab_to(page, withdraw, limit=60)
    expect_visible_focus(withdraw)
    page.keyboard.press("Enter")
    expect(follow_up.success).to_be_visible()
    expect(page.locator("#not-quoted")).to_be_visible()
    expect(page.locator("#withdraw-quote")).to_have_count(0)
    violations = axe_violations(page)
    assert not violations, describe(violations)
