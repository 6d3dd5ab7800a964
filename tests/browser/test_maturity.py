"""The maturity picture on a phone: readable text, nothing past the edge of the screen, axe clean, mirrored.

HATCH has two demo self-assessments (every LCP does), so its picture has bars for now and before.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.checks import axe_violations, describe
from tests.browser.conftest import _guarded_page
from tests.browser.pages import LcpPage, Say, english, with_any

pytestmark = pytest.mark.browser

SLUG = "hatch"
WIDTHS = [320, 375]
SMALLEST_TEXT_PX = 14
# The smallest font size among an element and everything in it that holds text of its own.
SMALLEST_FONT = """e => Math.min(...[e, ...e.querySelectorAll("*")]
  .filter(x => [...x.childNodes].some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim()))
  .map(x => parseFloat(getComputedStyle(x).fontSize)))"""
# Everything in an element whose box ends past the right edge of the window or starts before its left edge.
# Content inside a box that clips its overflow (such as the table's visually hidden headers on a phone) is
# not seen past the edge, so only the clipping box itself is measured.
PAST_THE_EDGE = """root => {
  const clipped = x => {
    for (let a = x.parentElement; a && a !== root.parentElement; a = a.parentElement) {
      if (getComputedStyle(a).overflow !== "visible") return true;
    }
    return false;
  };
  return [root, ...root.querySelectorAll("*")]
    .filter(x => !clipped(x))
    .map(x => [x, x.getBoundingClientRect()])
    .filter(([x, box]) => box.width && (box.right > window.innerWidth + 0.5 || box.left < -0.5))
    .map(([x, box]) => `${x.tagName.toLowerCase()}.${[...x.classList].join(".")}`
      + ` “${x.textContent.trim().replace(/\\s+/g, " ").slice(0, 40)}”`
      + ` from ${Math.round(box.left)} to ${Math.round(box.right)}px`);
}"""


class MaturitySection:
    """The "How the partnership rates itself" part of an LCP page, found as a person finds it."""

    def __init__(self, page: Page, say: Say = english) -> None:
        self.lcp = LcpPage(page, SLUG, say=say)
        self.heading = self.lcp.main.get_by_role("heading", name=say("How the partnership rates itself"), level=2)
        self.picture = self.lcp.main.get_by_role(
            "figure", name=with_any(say, "Ratings in the self-assessment of %(date)s", "date")
        )
        self.element_names = self.picture.get_by_role("term")
        self.ratings = self.picture.get_by_role("definition")
        self.table = self.lcp.maturity_table

    def open(self) -> None:
        self.lcp.open()
        expect(self.heading).to_be_visible()
        expect(self.element_names).to_have_count(8)

    def bar(self, rating: Locator) -> Locator:
        # The bar is hidden from screen readers (the words say the same), so it is found by its class.
        return rating.locator(".app-maturity__bar")


def narrow_page_at(browser: Browser, live_server: str, width: int, **options: object) -> Iterator[Page]:
    yield from _guarded_page(browser, live_server, viewport={"width": width, "height": 800}, **options)


@pytest.fixture(params=WIDTHS, ids=lambda width: f"{width}px")
def narrow_page(request: pytest.FixtureRequest, browser: Browser, live_server: str) -> Iterator[Page]:
    yield from narrow_page_at(browser, live_server, request.param)


@pytest.fixture
def scriptless_320_page(browser: Browser, live_server: str) -> Iterator[Page]:
    """320px wide, with none of the site's scripts run (see `scriptless_page`), so that axe can still run."""
    yield from narrow_page_at(browser, live_server, 320, site_scripts=False)


def test_labels_and_ratings_are_readable_on_a_phone(narrow_page: Page) -> None:
    maturity = MaturitySection(narrow_page)
    maturity.open()
    expect(maturity.element_names.first).to_contain_text("What the partnership wants to achieve (Goals)")
    expect(maturity.ratings.first).to_contain_text(re.compile(r"^\s*Now: (Solid foundations|Well developed)\s*$"))
    text = [maturity.element_names, maturity.ratings, maturity.table.get_by_role("cell")]
    text.append(maturity.table.get_by_role("rowheader"))
    for group in text:
        assert group.count() >= 8
        for index in range(group.count()):
            item = group.nth(index)
            size = item.evaluate(SMALLEST_FONT)
            assert size >= SMALLEST_TEXT_PX, f"{item.inner_text()!r} is {size}px"


def test_nothing_sticks_out_past_the_screen(narrow_page: Page) -> None:
    maturity = MaturitySection(narrow_page)
    maturity.open()
    width = narrow_page.viewport_size["width"]
    assert narrow_page.evaluate("window.innerWidth") == width
    past = maturity.picture.evaluate(PAST_THE_EDGE) + maturity.table.evaluate(PAST_THE_EDGE)
    assert past == [], f"at {width}px:\n" + "\n".join(past)
    assert narrow_page.evaluate("document.documentElement.scrollWidth") <= width
    # The table fits by stacking: each value sits under its row's name with its column's heading shown.
    cell = maturity.table.get_by_role("cell").first
    expect(cell).to_contain_text(re.compile(r"^\s*Rating\s*(Solid foundations|Well developed)\s*$"))


def test_bars_fill_from_the_start_in_proportion_to_the_rating(narrow_page: Page) -> None:
    maturity = MaturitySection(narrow_page)
    maturity.open()
    for index in range(maturity.ratings.count()):
        rating = maturity.ratings.nth(index)
        words = rating.inner_text()
        bar = maturity.bar(rating).bounding_box()
        filled = [box for box in _filled_parts(maturity.bar(rating)) if box]
        # Solid foundations is the first of the two known levels, well developed the second.
        expected = 1 if "Solid foundations" in words else 2
        assert len(filled) == expected, words
        assert abs(filled[0]["x"] - bar["x"]) < 1, "the bar is filled from the left"
        assert bar["width"] > 100, f"{words}: the bar is only {bar['width']}px wide"


def _filled_parts(bar: Locator) -> list[dict]:
    parts = bar.locator(".app-maturity__part--filled")
    return [parts.nth(index).bounding_box() for index in range(parts.count())]


@pytest.fixture
def js_320_page(browser: Browser, live_server: str) -> Iterator[Page]:
    yield from narrow_page_at(browser, live_server, 320)


def test_lcp_page_is_accessible_at_320px(js_320_page: Page) -> None:
    MaturitySection(js_320_page).open()
    expect(js_320_page.locator("body")).to_have_class(re.compile(r"\bjs-enabled\b"))
    violations = axe_violations(js_320_page)
    assert violations == [], describe(violations)


def test_lcp_page_is_accessible_at_320px_without_scripts(scriptless_320_page: Page) -> None:
    MaturitySection(scriptless_320_page).open()
    expect(scriptless_320_page.locator("body")).not_to_have_class(re.compile(r"\bjs-enabled\b"))
    violations = axe_violations(scriptless_320_page)
    assert violations == [], describe(violations)


@pytest.fixture
def rtl_phone_page(browser: Browser, rtl_server: str) -> Iterator[Page]:
    yield from narrow_page_at(browser, rtl_server, 320, extra_http_headers={"Accept-Language": "ar"})


def test_right_to_left_bars_fill_from_the_right(rtl_phone_page: Page, say_in) -> None:
    maturity = MaturitySection(rtl_phone_page, say=say_in("ar"))
    maturity.open()
    expect(rtl_phone_page.locator("html")).to_have_attribute("dir", "rtl")
    for index in range(maturity.ratings.count()):
        rating = maturity.ratings.nth(index)
        bar = maturity.bar(rating).bounding_box()
        first = _filled_parts(maturity.bar(rating))[0]
        assert abs((first["x"] + first["width"]) - (bar["x"] + bar["width"])) < 1, rating.inner_text()
    past = maturity.picture.evaluate(PAST_THE_EDGE) + maturity.table.evaluate(PAST_THE_EDGE)
    assert past == [], "\n".join(past)
