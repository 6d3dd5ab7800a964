"""Pages read in Arabic, right to left: mirrored, no overflow, axe clean, and journeys that work in Arabic.

The browser asks for Arabic (`Accept-Language: ar`) as a first-time visitor's would; the journeys find
what they click by the Arabic words the catalogue gives, so a missing or broken translation fails them.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.checks import SMALLEST_PHONE, axe_violations, describe, sideways_problems

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/lcps",
    "/lcps?topic=isolation-connection",
    "/lcps/hatch",
    "/lcps/armley",
    "/find?q=LS12",
    "/find?q=Alwoodley",
    "/find?q=garfoth",
    "/find?q=WF3+4",
    "/topics/mental-health",
    "/subscribe?lcp=seacroft",
    "/register?lcp=seacroft&topic=mental-health",
    "/match?topic=ageing-well&areas=LS14%2C+Roundhay",
]


@pytest.mark.parametrize("path", PAGES)
def test_right_to_left_page_is_mirrored_and_accessible(rtl_page: Page, path: str) -> None:
    rtl_page.goto(path)
    expect(rtl_page.locator("html")).to_have_attribute("dir", "rtl")
    expect(rtl_page.locator("html")).to_have_attribute("lang", "ar")
    heading = rtl_page.get_by_role("heading", level=1).bounding_box()
    main = rtl_page.get_by_role("main").bounding_box()
    # Mirrored: the heading starts at the right edge of the main column, not the left.
    assert abs((heading["x"] + heading["width"]) - (main["x"] + main["width"])) < 40
    violations = axe_violations(rtl_page)
    assert violations == [], describe(violations)


@pytest.mark.parametrize("path", PAGES)
def test_right_to_left_page_fits_a_phone(rtl_phone_page: Page, path: str) -> None:
    rtl_phone_page.goto(path)
    expect(rtl_phone_page.locator("html")).to_have_attribute("dir", "rtl")
    problems = sideways_problems(rtl_phone_page)
    assert not problems, f"{path}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", [*PAGES, "/lcps/seacroft", "/share?lcp=seacroft", "/easy-read"])
def test_urdu_page_fits_the_smallest_phone(rtl_phone_page: Page, path: str) -> None:
    """At 320 px, where a list item marked as English (a partner's name) once put its bullet outside the page."""
    rtl_phone_page.set_viewport_size(SMALLEST_PHONE)
    rtl_phone_page.goto(path + ("&" if "?" in path else "?") + "lang=ur")
    expect(rtl_phone_page.locator("html")).to_have_attribute("dir", "rtl")
    problems = sideways_problems(rtl_phone_page)
    assert not problems, f"{path}:\n" + "\n".join(problems)


def without_markup(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text)


def test_ls12_resident_picks_their_practice_right_to_left(rtl_phone_page: Page, say_in) -> None:
    say = say_in("ar")
    rtl_phone_page.goto("/find?q=LS12")
    main = rtl_phone_page.get_by_role("main")
    expect(main.get_by_role("heading", name=say("Which of these GP practices is yours?"))).to_be_visible()
    practice = main.get_by_role("link", name="Armley Moor Medical Centre", exact=True)
    # The list reads from the right: each practice starts at the right edge of the column.
    link, column = practice.bounding_box(), main.bounding_box()
    assert abs((link["x"] + link["width"]) - (column["x"] + column["width"])) < 40
    practice.click()
    answer = say(
        'Your GP practice, %(practice)s, is in <a href="%(url)s">%(lcp)s</a>.',
        practice="Armley Moor Medical Centre",
        url="/lcps/armley",
        lcp="Armley Local Care Partnership",
    )
    expect(main).to_contain_text(without_markup(answer))
    main.get_by_role("link", name="Armley Local Care Partnership", exact=True).click()
    expect(rtl_phone_page.get_by_role("heading", level=1)).to_have_text("Armley Local Care Partnership")
    expect(rtl_phone_page.locator("html")).to_have_attribute("dir", "rtl")


def test_resident_follows_and_confirms_right_to_left(
    rtl_page: Page, app, mailbox, smtp, rtl_server: str, say_in
) -> None:
    """Registering, confirming, the preferences page and the follow toggle, mirrored and axe-clean."""
    from tests.browser.pages import PreferencesPage, RegisterPage
    from tests.browser.test_follow import confirm, deliver, link_in, only_email

    say = say_in("ar")
    address = "rtl-resident@example.org"
    rtl_page.goto("/lcps/hatch")
    rtl_page.get_by_role("main").get_by_role("link", name=say("Follow %(name)s", name="HATCH"), exact=True).click()
    register = RegisterPage(rtl_page, say=say)
    expect(rtl_page.locator("html")).to_have_attribute("dir", "rtl")
    expect(register.lcps.get_by_role("checkbox", name=re.compile(r"^HATCH "))).to_be_checked()
    # Someone reading in Arabic gets their emails in Arabic unless they choose otherwise.
    expect(register.language).to_have_value("ar")
    register.email.fill(address)
    register.kind.get_by_role("radio", name=say("Myself, as someone who lives or works in Leeds")).check()
    register.frequency.get_by_role("radio", name=say("Once a month"), exact=True).check()
    register.consent.check()
    violations = axe_violations(rtl_page)
    assert violations == [], describe(violations)
    register.register_button.click()
    expect(register.heading).to_have_text(say("Check your email"))

    deliver(app, smtp)
    message = only_email(mailbox, address)
    assert 'dir="rtl"' in mailbox.html(message) and 'lang="ar"' in mailbox.html(message)
    preferences = confirm(rtl_page, link_in(mailbox, message, rtl_server, "confirm"), say)
    expect(rtl_page.locator("html")).to_have_attribute("dir", "rtl")
    heading = rtl_page.get_by_role("heading", level=1).bounding_box()
    main = rtl_page.get_by_role("main").bounding_box()
    assert abs((heading["x"] + heading["width"]) - (main["x"] + main["width"])) < 40
    assert isinstance(preferences, PreferencesPage)
    violations = axe_violations(rtl_page)
    assert violations == [], describe(violations)

    rtl_page.goto("/lcps/armley")
    main_area = rtl_page.get_by_role("main")
    main_area.get_by_role("button", name=say("Follow %(name)s", name="Armley"), exact=True).click()
    expect(main_area).to_contain_text(say("You follow %(name)s.", name="Armley"))
    violations = axe_violations(rtl_page)
    assert violations == [], describe(violations)
