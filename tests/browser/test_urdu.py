"""Finding an LCP, registering and sharing, in Urdu, by keyboard alone, on a 320 CSS px screen.

The person starts on the English home page and chooses Urdu in the language switcher; from then on every
control is found by the Urdu words the catalogue gives it, so a missing or broken translation fails the
journey. At every step the focused control shows the focus colour, the page reads right to left, nothing
scrolls sideways and axe finds nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, Locator, Page, expect

from app.services.outbox import SmtpSettings
from tests.browser.checks import axe_violations, describe, sideways_problems
from tests.browser.conftest import _guarded_page
from tests.browser.pages import FindPage, HomePage, RegisterPage, SentPage, SharePage, TrackPage, tab_to
from tests.browser.test_follow import deliver, only_email, unique_email
from tests.browser.test_share import CODE, FOCUS_STYLES, FOCUS_YELLOW, words
from tests.mailbox import Mailbox

pytestmark = pytest.mark.browser

NARROWEST = {"width": 320, "height": 720}
ARMLEY = "Armley Local Care Partnership"
ARMLEY_PRACTICE = "Armley Moor Medical Centre"
THORNTON = "Thornton Medical Centre"


@pytest.fixture
def narrow_page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A first-time visitor on a small phone whose browser asks for English."""
    yield from _guarded_page(browser, live_server, viewport=NARROWEST, extra_http_headers={"Accept-Language": "en"})


def expect_visible_focus(target: Locator) -> None:
    expect(target).to_be_focused()
    styles = target.evaluate(FOCUS_STYLES)
    assert FOCUS_YELLOW in styles, f"{target} has focus but does not show it: {styles}"


def press_on(page: Page, target: Locator, key: str = "Enter", limit: int = 80) -> None:
    """Tab to `target`, check that it shows its focus, then press a key on it."""
    tab_to(page, target, limit=limit)
    expect_visible_focus(target)
    page.keyboard.press(key)


def type_into(page: Page, box: Locator, text: str) -> None:
    tab_to(page, box, limit=80)
    expect_visible_focus(box)
    page.keyboard.type(text)


def expect_urdu_page_fits(page: Page, step: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "ur")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    problems = sideways_problems(page)
    assert not problems, f"{step}:\n" + "\n".join(problems)
    violations = axe_violations(page)
    assert violations == [], f"{step}: {describe(violations)}"


def choose_urdu(page: Page, say) -> None:
    """From the English home page, choose Urdu in the switcher by keyboard."""
    home = HomePage(page)
    home.open()
    expect(page.locator("html")).to_have_attribute("lang", "en-GB")
    switcher = page.get_by_role("navigation", name="Choose a language")
    press_on(page, switcher.get_by_role("link", name="اردو", exact=True), limit=10)
    expect(page.get_by_role("navigation", name=say("Choose a language"))).to_be_visible()
    expect_urdu_page_fits(page, "home page in Urdu")


def test_find_my_lcp_in_urdu_by_keyboard(narrow_page: Page, say_in) -> None:
    page, say = narrow_page, say_in("ur")
    choose_urdu(page, say)
    home = HomePage(page, say=say)
    type_into(page, home.search_box, "LS12")
    page.keyboard.press("Enter")
    find = FindPage(page, say=say)
    question = find.main.get_by_role("heading", name=say("Which of these GP practices is yours?"))
    expect(question).to_be_visible()
    expect_urdu_page_fits(page, "practices in LS12")
    press_on(page, find.main.get_by_role("link", name=ARMLEY_PRACTICE, exact=True))
    answer = say(
        'Your GP practice, %(practice)s, is in <a href="%(url)s">%(lcp)s</a>.',
        practice=ARMLEY_PRACTICE,
        url="",
        lcp=ARMLEY,
    )
    expect(find.main).to_contain_text(re.sub(r"<[^>]+>", "", answer))
    expect_urdu_page_fits(page, "the answer for Armley Moor")
    press_on(page, find.lcp_link(ARMLEY))
    expect(find.heading).to_have_text(ARMLEY)
    expect_urdu_page_fits(page, "the Armley page")


def test_register_in_urdu_by_keyboard(
    narrow_page: Page, app: Flask, mailbox: Mailbox, smtp: SmtpSettings, say_in
) -> None:
    page, say = narrow_page, say_in("ur")
    address = unique_email("urdu")
    choose_urdu(page, say)
    page.goto("/lcps/armley")
    press_on(page, page.get_by_role("main").get_by_role("link", name=say("Follow %(name)s", name="Armley")))
    register = RegisterPage(page, say=say)
    expect(register.lcp(ARMLEY)).to_be_checked()
    # Someone reading in Urdu gets their emails in Urdu unless they choose otherwise.
    expect(register.language).to_have_value("ur")
    expect_urdu_page_fits(page, "the registration form")

    type_into(page, register.email, address)
    myself = register.kind.get_by_role("radio", name=say("Myself, as someone who lives or works in Leeds"))
    weekly = register.frequency.get_by_role("radio", name=say("Once a week"), exact=True)
    for box in (myself, weekly):
        press_on(page, box, key="Space")
        expect(box).to_be_checked()
    # Within a group of radios the arrow keys move the choice.
    page.keyboard.press("ArrowDown")
    expect(register.frequency.get_by_role("radio", name=say("Once a month"), exact=True)).to_be_checked()
    press_on(page, register.consent, key="Space")
    expect(register.consent).to_be_checked()
    press_on(page, register.register_button)
    expect(register.heading).to_have_text(say("Check your email"))
    expect_urdu_page_fits(page, "check your email")

    deliver(app, smtp)
    message = only_email(mailbox, address)
    assert 'lang="ur"' in mailbox.html(message) and 'dir="rtl"' in mailbox.html(message)


def test_share_in_urdu_by_keyboard(narrow_page: Page, say_in) -> None:
    page, say = narrow_page, say_in("ur")
    choose_urdu(page, say)
    page.goto("/share")
    share = SharePage(page, say=say)
    expect_urdu_page_fits(page, "the share form")
    type_into(page, share.body, words("urdu"))
    type_into(page, share.find_box, THORNTON)
    # Enter in the finder finds; the answer takes focus, so it is read out.
    page.keyboard.press("Enter")
    expect(share.found_heading).to_have_text(say("What we found for “%(query)s”", query=THORNTON))
    expect_visible_focus(share.found)
    expect(share.lcp(ARMLEY)).to_be_checked()
    expect_urdu_page_fits(page, "the share form after Find")
    for radio in (share.myself, share.anonymous):
        press_on(page, radio, key="Space")
        expect(radio).to_be_checked()
    press_on(page, share.send_button)
    sent = SentPage(page, say=say)
    expect(sent.heading).to_have_text(say("We have received what you shared"))
    expect(sent.code).to_have_text(CODE)
    expect_urdu_page_fits(page, "the receipt")
    press_on(page, sent.track_link)
    track = TrackPage(page, say=say)
    expect(track.detail(ARMLEY)).to_contain_text(say("Received: waiting to be read by the partnership’s team"))
    expect_urdu_page_fits(page, "what became of it")


def test_the_easy_read_page_in_urdu_by_keyboard(narrow_page: Page, say_in) -> None:
    """From the footer, by keyboard, to the easy-read page: pictures on the right, where Urdu starts."""
    page, say = narrow_page, say_in("ur")
    choose_urdu(page, say)
    footer = page.get_by_role("contentinfo")
    press_on(page, footer.get_by_role("link", name=say("Easy read"), exact=True), limit=120)
    expect(page.get_by_role("heading", level=1)).to_have_text(say("Local Care Partnerships in easy read"))
    expect_urdu_page_fits(page, "easy read")
    point = page.locator(".app-easy-read__point").first
    picture, words = point.locator("svg").bounding_box(), point.locator("p").bounding_box()
    assert picture["x"] > words["x"], "the picture should sit to the right of its words in Urdu"
