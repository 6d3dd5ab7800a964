"""The subscribe page on a phone: a one-tap webcal: link, a link to copy, steps that open by keyboard."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.checks import SMALLEST_PHONE, assert_accessible, sideways_problems
from tests.browser.pages import PHONE, SubscribePage, tab_to

pytestmark = pytest.mark.browser

SEACROFT = "?lcp=seacroft"


def expect_fits(page: Page) -> None:
    problems = sideways_problems(page)
    assert not problems, "\n".join(problems)


def test_calendar_link_subscribes_with_one_tap(phone_page: Page, live_server: str) -> None:
    subscribe = SubscribePage(phone_page, SEACROFT)
    subscribe.open()
    assert phone_page.viewport_size == PHONE
    expect(subscribe.heading).to_have_text("Subscribe – Meetings of Seacroft")
    href = subscribe.subscribe_link.get_attribute("href")
    assert href is not None and href.startswith("webcal://")
    assert re.search(r"/lcps/seacroft/meetings\.ics$|/meetings\.ics\?lcp=seacroft$", href), href
    # The box to copy holds the same calendar over http(s): only the scheme differs.
    https = f"{live_server}/lcps/seacroft/meetings.ics"
    expect(subscribe.calendar_box).to_have_value(https)
    assert href == urlsplit(https)._replace(scheme="webcal").geturl()
    expect(subscribe.feed_box).to_have_value(f"{live_server}/lcps/seacroft/updates.atom")
    expect_fits(phone_page)


def test_copy_button_copies_the_calendar_link(phone_page: Page, live_server: str) -> None:
    phone_page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    subscribe = SubscribePage(phone_page, SEACROFT)
    subscribe.open()
    expect(subscribe.copy_status).to_have_count(0)
    tab_to(phone_page, subscribe.copy_calendar_button)
    phone_page.keyboard.press("Enter")
    expect(subscribe.copy_status).to_have_text("Link copied. Now paste it into your app.")
    assert phone_page.evaluate("navigator.clipboard.readText()") == f"{live_server}/lcps/seacroft/meetings.ics"


def test_link_box_can_be_selected_by_keyboard_without_scripts(scriptless_page: Page, live_server: str) -> None:
    subscribe = SubscribePage(scriptless_page, SEACROFT)
    subscribe.open()
    # Without app.js there is no button that would do nothing; the box is there to select and copy.
    expect(subscribe.copy_calendar_button).to_be_hidden()
    tab_to(scriptless_page, subscribe.calendar_box)
    expect(subscribe.calendar_box).to_be_focused()
    expect(subscribe.calendar_box).to_have_value(f"{live_server}/lcps/seacroft/meetings.ics")
    expect(subscribe.calendar_box).not_to_be_editable()


def test_steps_for_each_app_open_by_keyboard(phone_page: Page) -> None:
    subscribe = SubscribePage(phone_page, SEACROFT)
    subscribe.open()
    google_step = subscribe.main.get_by_text("Next to “Other calendars”, select “+”, then “From URL”.")
    outlook_step = subscribe.main.get_by_text("Choose “Subscribe from web”.")
    expect(google_step).to_be_hidden()
    expect(outlook_step).to_be_hidden()
    tab_to(phone_page, subscribe.app_steps("Google Calendar"))
    phone_page.keyboard.press("Enter")
    expect(google_step).to_be_visible()
    tab_to(phone_page, subscribe.app_steps("Outlook"))
    phone_page.keyboard.press("Space")
    expect(outlook_step).to_be_visible()
    expect_fits(phone_page)
    assert_accessible(phone_page)


@pytest.mark.parametrize("query", [SEACROFT, "?topic=isolation-connection", ""])
def test_subscribe_page_is_accessible_on_a_phone(phone_page: Page, query: str) -> None:
    subscribe = SubscribePage(phone_page, query)
    subscribe.open()
    expect(subscribe.copy_calendar_button).to_be_visible()
    expect_fits(phone_page)
    assert_accessible(phone_page)


def test_subscribe_page_is_accessible_without_scripts(scriptless_page: Page) -> None:
    subscribe = SubscribePage(scriptless_page, SEACROFT)
    subscribe.open()
    expect(scriptless_page.locator("body")).not_to_have_class(re.compile(r"\bjs-enabled\b"))
    assert_accessible(scriptless_page)


def test_subscribe_page_fits_the_smallest_phone(phone_page: Page) -> None:
    phone_page.set_viewport_size(SMALLEST_PHONE)
    subscribe = SubscribePage(phone_page, "?lcp=armley&lcp=seacroft&topic=isolation-connection")
    subscribe.open()
    subscribe.app_steps("Apple Calendar on iPhone or iPad").click()
    expect(subscribe.heading).to_contain_text("Meetings of Armley and Seacroft about Loneliness")
    expect_fits(phone_page)
    assert_accessible(phone_page)
