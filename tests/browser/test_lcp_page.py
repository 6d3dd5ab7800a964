"""An LCP's page on a phone: the next meeting within two screens, the contents list by keyboard, axe at 320 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.checks import SMALLEST_PHONE, phone_problems
from tests.browser.pages import PHONE, LcpPage, tab_to

pytestmark = pytest.mark.browser

# The longest names, summaries and lists of practices and partners, and a partnership with almost nothing published.
SLUGS = ["ls25-ls26", "woodsley-holt-park", "cross-gates", "hatch", "york-road"]


@pytest.mark.parametrize("slug", SLUGS)
def test_next_meeting_is_within_two_phone_screens(phone_page: Page, slug: str) -> None:
    lcp = LcpPage(phone_page, slug)
    lcp.open()
    expect(lcp.next_meeting_heading).to_be_visible()
    assert phone_page.evaluate("window.scrollY") == 0
    heading = lcp.next_meeting_heading.bounding_box()
    assert heading is not None
    assert heading["y"] < 2 * PHONE["height"], f"“Next meeting” starts {heading['y']:.0f}px down the page"
    # What it is and how old the information is come first, in view without opening anything.
    expect(lcp.main.get_by_text("What is a Local Care Partnership?")).to_be_in_viewport()
    expect(lcp.main.get_by_text("From public pages published between 2020 and 2024").first).to_be_visible()


def test_contents_link_takes_a_keyboard_user_to_the_next_meeting(phone_page: Page) -> None:
    lcp = LcpPage(phone_page)
    lcp.open()
    expect(lcp.next_meeting_heading).not_to_be_in_viewport()
    link = lcp.contents.get_by_role("link", name="Next meeting", exact=True)
    tab_to(phone_page, link, limit=60)
    phone_page.keyboard.press("Enter")
    expect(phone_page).to_have_url(re.compile(r"/lcps/ls25-ls26#next-meeting$"))
    expect(lcp.next_meeting_heading).to_be_in_viewport()
    # The next Tab carries on from the meeting, not from the contents list.
    phone_page.keyboard.press("Tab")
    expect(lcp.next_meeting.get_by_role("link", name=re.compile(r"^Add this meeting to your calendar"))).to_be_focused()


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("scripts", ["with scripts", "without scripts"])
def test_page_is_accessible_and_fits_the_smallest_phone(
    request: pytest.FixtureRequest, slug: str, scripts: str
) -> None:
    browser_page: Page = request.getfixturevalue("page" if scripts == "with scripts" else "scriptless_page")
    browser_page.set_viewport_size(SMALLEST_PHONE)
    lcp = LcpPage(browser_page, slug)
    response = lcp.open()
    assert response is not None and response.status == 200
    scripted = expect(browser_page.locator("body"))
    if scripts == "with scripts":
        scripted.to_have_class(re.compile(r"\bjs-enabled\b"))
    else:
        scripted.not_to_have_class(re.compile(r"\bjs-enabled\b"))
    problems = phone_problems(browser_page)
    assert not problems, f"/lcps/{slug} at 320px {scripts}:\n" + "\n".join(problems)
