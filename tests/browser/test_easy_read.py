"""The easy-read page on the smallest phone, in English and in Urdu: axe clean, nothing past the edge of the
screen, and each picture beside its words on the side where reading starts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.checks import SMALLEST_PHONE, assert_accessible, sideways_problems
from tests.browser.conftest import _guarded_page

pytestmark = pytest.mark.browser

# language: (html lang, dir)
LANGUAGES = {"en_GB": ("en-GB", "ltr"), "ur": ("ur", "rtl")}
HEADINGS = ("What is a Local Care Partnership?", "Which one is yours?", "How you can take part", "Getting help")


@pytest.fixture
def smallest_phone_page(browser: Browser, live_server: str) -> Iterator[Page]:
    # Not is_mobile: mobile emulation zooms out to fit a page that is too wide, which would hide the overflow.
    yield from _guarded_page(browser, live_server, viewport=SMALLEST_PHONE)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_easy_read_page_fits_the_smallest_phone(smallest_phone_page: Page, say_in, language: str) -> None:
    page, say = smallest_phone_page, say_in(language)
    response = page.goto(f"/easy-read?lang={language}")
    assert response is not None and response.status == 200
    lang, direction = LANGUAGES[language]
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("html")).to_have_attribute("dir", direction)
    assert page.evaluate("window.innerWidth") == SMALLEST_PHONE["width"]

    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(say("Local Care Partnerships in easy read"))
    for heading in HEADINGS:
        expect(main.get_by_role("heading", name=say(heading), level=2)).to_be_visible()
    for link in ("Find your Local Care Partnership", "Sign up for emails", "Tell a partnership"):
        expect(main.get_by_role("link", name=say(link), exact=True)).to_be_visible()

    problems = sideways_problems(page)
    assert not problems, f"/easy-read?lang={language} at 320px:\n" + "\n".join(problems)
    assert_accessible(page)

    # Every point has its picture beside its words (not above them), on the side where the line starts.
    points = page.locator(".app-easy-read__point")
    assert points.count() >= 10
    for index in range(points.count()):
        point = points.nth(index)
        picture, words = point.locator("svg").bounding_box(), point.locator("p").bounding_box()
        assert picture is not None and words is not None
        assert picture["y"] < words["y"] + words["height"], f"point {index}: the picture is not beside its words"
        if direction == "rtl":
            assert picture["x"] >= words["x"] + words["width"] - 0.5, f"point {index}: the picture is not on the right"
        else:
            assert picture["x"] + picture["width"] <= words["x"] + 0.5, f"point {index}: the picture is not on the left"
