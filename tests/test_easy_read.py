"""The easy-read page: in every language, reachable from the home page and every page's footer, and every
link on it leads somewhere real."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.conftest import Page

LANGUAGES = {"en_GB": "ltr", "pl": "ltr", "ar": "rtl", "ro": "ltr", "zh_Hans": "ltr", "ur": "rtl"}


@pytest.mark.parametrize(("language", "direction"), LANGUAGES.items())
def test_the_easy_read_page_is_in_every_language(app, language: str, direction: str) -> None:
    page = Page(app.test_client().get(f"/easy-read?lang={language}"))
    assert page.response.status_code == 200
    assert page.soup.html["lang"] == language.replace("_", "-")
    assert page.soup.html["dir"] == direction
    # One picture beside each point, hidden from screen readers because the words say it all.
    points = page.soup.select("main .app-easy-read__point")
    assert len(points) >= 10
    for point in points:
        assert point.select_one("svg")["aria-hidden"] == "true"
        assert point.select_one("p").get_text(strip=True)


def test_every_link_on_it_leads_to_a_page(client) -> None:
    page = Page(client.get("/easy-read"))
    links = [link["href"] for link in page.soup.select("main a[href]")]
    paths = {urlsplit(href).path for href in links if href.startswith("/")}
    assert paths == {"/find", "/register", "/share", "/lcps", "/track"}
    for path in paths:
        assert client.get(path).status_code == 200, path
    assert any(href.startswith("mailto:") for href in links)


def test_the_home_page_and_every_footer_lead_to_it(client) -> None:
    home = Page(client.get("/"))
    assert home.soup.select_one("main a[href='/easy-read']") is not None
    for path in ("/", "/privacy", "/lcps/hatch"):
        footer = Page(client.get(path)).soup.select_one("footer")
        assert footer.select_one("a[href='/easy-read']") is not None, path


def test_a_translated_easy_read_page_keeps_its_language_in_its_links(app) -> None:
    page = Page(app.test_client().get("/easy-read?lang=ur"))
    for link in page.soup.select("main a[href^='/']"):
        assert "lang=ur" in link["href"], link["href"]
