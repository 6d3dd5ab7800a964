"""What a person types is echoed back shortened where a short echo is all that fits: the finder's page title.

(That long typed words wrap instead of widening pages is checked in a browser: tests/browser/test_layout.py.)
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

WORD_300 = ("Llanfairpwllgwyngyll" * 15)[:300]
SITE = " – Leeds Local Care Partnerships"


def titles(page) -> list[str]:
    return [title.get_text() for title in page.soup.find_all("title")]


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}], ids=["page", "htmx-fragment"])
def test_a_long_search_gives_a_short_title(get_page, headers: dict[str, str]) -> None:
    page = get_page(f"/find?q={quote(WORD_300)}", headers=headers)
    # The page's title, or the title an htmx answer carries for the browser to put in place.
    assert titles(page) == [f"Results for “{WORD_300[:60]}…”{SITE}"]
    # The results themselves still say what was searched for, in full.
    for title in page.soup.find_all("title"):
        title.decompose()
    assert WORD_300 in page.soup.get_text()


def test_a_short_search_is_echoed_whole(get_page) -> None:
    page = get_page("/find?q=Seacroft")
    assert titles(page) == [f"Results for “Seacroft”{SITE}"]


def test_a_search_of_sixty_characters_is_echoed_whole(get_page) -> None:
    page = get_page(f"/find?q={WORD_300[:60]}")
    assert titles(page) == [f"Results for “{WORD_300[:60]}”{SITE}"]
