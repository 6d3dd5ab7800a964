"""The API's reference page (/api/v1/): axe finds nothing, a keyboard reaches each endpoint and each scrolling example,
and in Urdu on a 320 CSS px screen it reads right to left with the code left to right, nothing scrolls sideways, and
every example scrolls inside its own box on the screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.checks import assert_accessible, phone_problems
from tests.browser.pages import tab_to
from tests.browser.test_share import FOCUS_STYLES, FOCUS_YELLOW

pytestmark = pytest.mark.browser

REFERENCE = "/api/v1/"


def test_reference_page_is_accessible_and_works_by_keyboard(page: Page) -> None:
    page.goto(REFERENCE)
    expect(page.get_by_role("heading", level=1)).to_have_text("Open data API")
    assert_accessible(page)
    # Every endpoint of the document is on the page, with its example.
    for heading in ("Local Care Partnerships", "GP practices", "Meetings", "Updates", "Topics"):
        expect(page.get_by_role("heading", level=2, name=heading, exact=True)).to_be_visible()
    expect(page.locator("#listPartnerships ~ div pre, section:has(#listPartnerships) pre").first).to_contain_text(
        "/api/v1/partnerships?limit=1"
    )
    # The contents link to an endpoint is reached by Tab and followed by Enter.
    meetings = page.get_by_role("link", name="Meetings", exact=True)
    tab_to(page, meetings, limit=80)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#listMeetings$"))
    # A scrolling example is a region a keyboard can reach, and it shows its focus.
    region = page.get_by_role("region", name="Example answer: Meetings")
    tab_to(page, region, limit=40)
    assert FOCUS_YELLOW in region.evaluate(FOCUS_STYLES)
    # The OpenAPI document it names is there.
    document = page.get_by_role("link", name="OpenAPI 3.1 document")
    assert page.request.get(document.get_attribute("href") or "").json()["openapi"] == "3.1.0"


def test_reference_page_in_urdu_on_a_small_phone(rtl_phone_page: Page) -> None:
    page = rtl_phone_page
    page.goto(REFERENCE + "?lang=ur")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ur")
    expect(html).to_have_attribute("dir", "rtl")
    problems = phone_problems(page)
    assert not problems, "\n".join(problems)
    width = page.viewport_size["width"] if page.viewport_size else 320
    regions = page.locator(".app-table-scroll")
    assert regions.count() > 10
    for index in range(regions.count()):
        box = regions.nth(index).bounding_box()
        assert box is not None
        assert box["x"] >= -0.5 and box["x"] + box["width"] <= width + 0.5, f"region {index} leaves the screen: {box}"
    # Code reads left to right inside the right-to-left page.
    for code in page.locator("pre").all()[:5]:
        assert code.evaluate("element => getComputedStyle(element).direction") == "ltr"
