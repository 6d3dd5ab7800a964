"""Choosing a language: the order the site decides it in, how the choice is kept, what the switcher offers,
how links keep the language, and dates and numbers as each language writes them."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from flask_babel import force_locale

from app.formatting import number, uk_date, uk_time
from app.services.tokens import Purpose, make_token
from tests.conftest import Page
from tests.test_register import confirmed, fresh  # noqa: F401 - `fresh` is a fixture

OFFERED = ["en_GB", "pl", "ar", "ro", "zh_Hans", "ur"]


def language_of(response) -> str:
    return Page(response).soup.html["lang"]


def test_the_address_beats_the_cookie_which_beats_the_browser(app) -> None:
    client = app.test_client()
    assert language_of(client.get("/privacy", headers={"Accept-Language": "ro,en;q=0.5"})) == "ro"
    client.set_cookie("lang", "pl")
    assert language_of(client.get("/privacy", headers={"Accept-Language": "ro"})) == "pl"
    assert language_of(client.get("/privacy?lang=ur", headers={"Accept-Language": "ro"})) == "ur"
    # A language the site does not offer is ignored wherever it comes from.
    client.set_cookie("lang", "xx")
    assert language_of(client.get("/privacy?lang=yy", headers={"Accept-Language": "zz"})) == "en-GB"


def test_choosing_a_language_is_remembered_in_a_cookie(app) -> None:
    client = app.test_client()
    chosen = client.get("/lcps?lang=zh_Hans")
    cookie = chosen.headers["Set-Cookie"]
    assert cookie.startswith("lang=zh_Hans;")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=31536000" in cookie
    # The next visit, with no choice in the address, is in the chosen language and sets nothing.
    later = client.get("/lcps")
    assert language_of(later) == "zh-Hans"
    assert "Set-Cookie" not in later.headers
    # Caches must not hand one person's language to another.
    assert {"Cookie", "Accept-Language"} <= {part.strip() for part in later.headers["Vary"].split(",")}


def test_the_switcher_keeps_the_page_and_its_query(client) -> None:
    page = Page(client.get("/find?q=LS12&lang=pl"))
    switcher = page.soup.select_one("nav.app-languages")
    assert switcher is not None
    links = switcher.select("a")
    assert [link["hreflang"] for link in links] == ["en-GB", "ar", "ro", "zh-Hans", "ur"]
    for link in links:
        address = urlsplit(link["href"])
        assert address.path == "/find"
        assert parse_qs(address.query) == {"q": ["LS12"], "lang": [link["hreflang"].replace("-", "_")]}
        assert link["lang"] == link["hreflang"]
    current = switcher.select_one("[aria-current=true]")
    assert current.get_text(strip=True) == "Polski" and current["lang"] == "pl"


def test_every_link_on_a_translated_page_keeps_its_language(client) -> None:
    page = Page(client.get("/lcps/hatch?lang=ro"))
    internal = [
        link["href"]
        for link in page.soup.select("a[href^='/']")
        if not link["href"].startswith("/static/") and not link.find_parent("nav", class_="app-languages")
    ]
    assert internal
    missing = [href for href in internal if parse_qs(urlsplit(href).query).get("lang") != ["ro"]]
    assert missing == []
    # English pages carry no language, so their addresses stay as they were.
    english = Page(client.get("/lcps/hatch?lang=en_GB"))
    carried = [
        link["href"]
        for link in english.soup.select("a[href^='/']")
        if "lang=" in link["href"] and not link.find_parent("nav", class_="app-languages")
    ]
    assert carried == []


def test_hreflang_alternates_name_every_language_and_a_default(client) -> None:
    page = Page(client.get("/topics/mental-health?lang=ar"))
    alternates = {link["hreflang"]: link["href"] for link in page.soup.select("link[rel=alternate][hreflang]")}
    assert set(alternates) == {"en-GB", "pl", "ar", "ro", "zh-Hans", "ur", "x-default"}
    assert alternates["pl"] == "http://localhost/topics/mental-health?lang=pl"
    assert alternates["x-default"] == "http://localhost/topics/mental-health"


def test_a_translated_page_says_its_translation_awaits_review(app) -> None:
    assert "app-translation-note" in app.test_client().get("/?lang=ur").get_data(as_text=True)
    assert "app-translation-note" not in app.test_client().get("/").get_data(as_text=True)


def test_a_followers_own_pages_are_in_the_language_they_chose_for_emails(app, client, post_form, fresh) -> None:  # noqa: F811
    person = confirmed(post_form, client, "polish-reader@example.org", language="pl")
    assert person.language == "pl"
    preferences = f"/preferences/{make_token(person, Purpose.PREFERENCES)}"
    stranger = app.test_client()
    # No cookie and an English browser: the page follows the person's choice.
    assert language_of(stranger.get(preferences, headers={"Accept-Language": "en"})) == "pl"
    # Someone who switches language on the page keeps what they switched to.
    assert language_of(stranger.get(f"{preferences}?lang=ar")) == "ar"


@pytest.mark.parametrize(
    ("language", "day", "time", "count"),
    [
        ("en_GB", "5 March 2026", "4:00pm", "5,000"),
        ("pl", "5 marca 2026", "16:00", "5\xa0000"),
        ("ar", "5 مارس 2026", "4:00\u00a0م", "5,000"),
        ("ro", "5 martie 2026", "16:00", "5.000"),
        ("zh_Hans", "2026年3月5日", "16:00", "5,000"),
        ("ur", "5 مارچ، 2026", "4:00\u00a0PM", "5,000"),
    ],
)
def test_dates_times_and_numbers_as_each_language_writes_them(app, language, day, time, count) -> None:
    with app.test_request_context(), force_locale(language):
        assert uk_date(date(2026, 3, 5)) == day
        # Stored in UTC; 4pm in Leeds in December.
        assert uk_time(datetime(2026, 12, 21, 16, 0)).replace(" ", "\xa0") == time.replace(" ", "\xa0")
        assert number(5000).replace("\u202f", "\xa0") == count


def test_every_offered_language_is_listed_for_emails(get_page) -> None:
    options = [option["value"] for option in get_page("/register").soup.select("select[name=language] option")]
    assert options == OFFERED


@pytest.mark.parametrize("path", ["/", "/find", "/lcps", "/track", "/match"])
def test_a_search_form_on_a_translated_page_asks_in_that_language(app, path) -> None:
    """A browser drops the query of a GET form's action, so the language goes as one of its fields."""
    page = Page(app.test_client().get(f"{path}?lang=ur"))
    forms = page.soup.select("main form[method=get]")
    assert forms, f"no search form on {path}"
    for form in forms:
        assert form.select_one("input[type=hidden][name=lang]")["value"] == "ur"
    english = Page(app.test_client().get(path))
    assert not english.soup.select("main form input[name=lang]")


def test_what_staff_wrote_in_english_is_marked_english_on_a_translated_page(app) -> None:
    """Priorities and meetings are written in English: a screen reader must read them as English."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Lcp

    with app.app_context():
        lcp = db.session.scalar(select(Lcp).where(Lcp.slug == "ls25-ls26"))
        titles = {priority.title for priority in lcp.priorities}
    assert titles
    page = Page(app.test_client().get("/lcps/ls25-ls26?lang=ur"))
    marked = {element.get_text(" ", strip=True) for element in page.soup.select("main [lang='en-GB'][dir=ltr]")}
    assert titles <= marked
    english = Page(app.test_client().get("/lcps/ls25-ls26"))
    assert not english.soup.select("main [lang='en-GB']")
