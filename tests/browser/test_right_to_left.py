"""Pages laid out right to left, ready for the Arabic and Urdu catalogues: mirrored, no overflow, axe clean.

The session app offers British English only, so this serves the same database from a second app that
also offers Arabic. Until the catalogue is translated the words stay English, but the direction, the
reflow and the accessibility checks are those an Arabic reader will get.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import _guarded_page
from tests.browser.pages import PHONE

pytestmark = pytest.mark.browser

PAGES = ["/", "/lcps", "/lcps/hatch", "/find?q=LS12", "/topics/mental-health"]


@pytest.fixture
def rtl_page(browser: Browser, rtl_server: str) -> Iterator[Page]:
    yield from _guarded_page(browser, rtl_server, locale="ar", extra_http_headers={"Accept-Language": "ar"})


@pytest.fixture
def rtl_phone_page(browser: Browser, rtl_server: str) -> Iterator[Page]:
    yield from _guarded_page(browser, rtl_server, viewport=PHONE, extra_http_headers={"Accept-Language": "ar"})


@pytest.mark.parametrize("path", PAGES)
def test_right_to_left_page_is_mirrored_and_accessible(rtl_page: Page, path: str) -> None:
    rtl_page.goto(path)
    expect(rtl_page.locator("html")).to_have_attribute("dir", "rtl")
    expect(rtl_page.locator("html")).to_have_attribute("lang", "ar")
    heading = rtl_page.get_by_role("heading", level=1).bounding_box()
    main = rtl_page.get_by_role("main").bounding_box()
    # Mirrored: the heading starts at the right edge of the main column, not the left.
    assert abs((heading["x"] + heading["width"]) - (main["x"] + main["width"])) < 40
    violations = Axe().run(rtl_page).response["violations"]
    assert violations == [], [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]


@pytest.mark.parametrize("path", PAGES)
def test_right_to_left_page_fits_a_phone(rtl_phone_page: Page, path: str) -> None:
    rtl_phone_page.goto(path)
    expect(rtl_phone_page.locator("html")).to_have_attribute("dir", "rtl")
    overflow = rtl_phone_page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path} is {overflow}px wider than the phone"
