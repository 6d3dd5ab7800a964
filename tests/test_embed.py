"""The embeddable snippet (`/embed/lcps/<slug>`): any site may frame it, it sets no cookie and runs no script, it shows
the partnership's next meeting and latest update with links opening in a new tab, in the reader's language; every
other address still refuses to be framed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext
from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.models import Lcp, Meeting, Update

URL = "/embed/lcps/seacroft"


@pytest.fixture
def news(app: Flask) -> Iterator[None]:
    """A meeting sooner than any other of Seacroft's, and an update newer than any other."""
    with app.app_context():
        seacroft = db.session.scalar(select(Lcp).where(Lcp.slug == "seacroft"))
        soon = utcnow().replace(microsecond=0) + timedelta(hours=1)
        db.session.add_all(
            [
                Meeting(lcp=seacroft, title="Snippet meeting", starts_at=soon, ends_at=soon + timedelta(hours=1)),
                Update(lcp=seacroft, title="Snippet news", body="Hello", published=True, published_at=utcnow()),
            ]
        )
        db.session.commit()
    yield


def assert_frameable_without_cookies_or_scripts(response) -> None:
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in policy
    assert "script-src 'none'" in policy
    assert "frame-ancestors 'none'" not in policy
    assert "X-Frame-Options" not in response.headers
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("query", ["", "?lang=pl", "?lang=ur"])
def test_any_site_may_frame_it_and_it_sets_no_cookie(client: FlaskClient, query: str) -> None:
    # Twice: made fresh, then served from the page cache; and once more as a 304.
    first = client.get(URL + query)
    assert first.status_code == 200
    assert_frameable_without_cookies_or_scripts(first)
    kept = client.get(URL + query)
    assert kept.data == first.data
    assert_frameable_without_cookies_or_scripts(kept)
    unchanged = client.get(URL + query, headers={"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304
    assert_frameable_without_cookies_or_scripts(unchanged)


def test_a_language_choice_in_the_address_sets_a_cookie_elsewhere(client: FlaskClient) -> None:
    """The check above can fail: the same choice on an ordinary page does set the language cookie."""
    assert "Set-Cookie" in client.get("/lcps/seacroft?lang=pl").headers


def test_no_script_and_no_form(client: FlaskClient) -> None:
    soup = BeautifulSoup(client.get(URL).get_data(as_text=True), "html.parser")
    assert soup.find_all("script") == []
    assert soup.find_all("form") == []
    assert next(link["href"] for link in soup.select("link[rel=stylesheet]")).startswith("/static/")


def test_it_shows_the_next_meeting_and_latest_update(client: FlaskClient, news: None) -> None:
    soup = BeautifulSoup(client.get(URL).get_data(as_text=True), "html.parser")
    assert soup.h1 is not None and "Seacroft Local Care Partnership" in soup.h1.get_text()
    text = " ".join(soup.get_text(" ").split())
    assert "Next meeting Snippet meeting" in text
    assert "Latest update Snippet news" in text
    links = soup.select("a")
    assert links
    for link in links:
        assert link["target"] == "_blank"
        assert link["rel"] == ["noopener"]
        assert "(opens in a new tab)" in link.get_text()
    assert any(link["href"].startswith("/lcps/seacroft/meetings/") for link in links)
    assert any(link["href"].startswith("/lcps/seacroft#update-") for link in links)


def test_it_says_when_nothing_is_published(app: Flask, client: FlaskClient, make_lcp) -> None:
    lcp = make_lcp()
    soup = BeautifulSoup(client.get(f"/embed/lcps/{lcp.slug}").get_data(as_text=True), "html.parser")
    text = soup.get_text(" ")
    assert "No meeting is published yet." in text
    assert "No update is published yet." in text


@pytest.mark.parametrize("language", ["pl", "ur", "ar"])
def test_in_the_readers_language(app: Flask, client: FlaskClient, news: None, language: str) -> None:
    soup = BeautifulSoup(client.get(f"{URL}?lang={language}").get_data(as_text=True), "html.parser")
    html = soup.find("html")
    assert html is not None and html["lang"] == language
    assert html["dir"] == ("rtl" if language in ("ur", "ar") else "ltr")
    with app.test_request_context(), force_locale(language):
        heading = gettext("Next meeting")
    assert heading in soup.get_text()
    for link in soup.select("a"):
        assert f"lang={language}" in link["href"]


def test_unknown_partnership_is_404(client: FlaskClient) -> None:
    response = client.get("/embed/lcps/nowhere")
    assert response.status_code == 404
    # An error page is an ordinary page: not for framing.
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    "url", ["/", "/lcps/seacroft", "/open-data", "/open-data/topics.json", "/embed", "/api/v1/partnerships"]
)
def test_every_other_address_refuses_to_be_framed(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.headers["X-Frame-Options"] == "DENY", url
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], url
