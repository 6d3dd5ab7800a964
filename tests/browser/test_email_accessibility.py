"""Every email's HTML passes axe in Chromium and loads nothing from any host: the digest and the registration emails.

Each email is rendered as `app.services.mail.render_email` renders it for the outbox, then shown with
`page.set_content`, as a mail client shows it: no server of ours behind it, so anything it tried to load
would come from another host.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from playwright.sync_api import Page
from sqlalchemy import select

from app.extensions import db
from app.models import Follower, Lcp, Topic
from app.services import digest
from app.services.mail import PersonalLinks, render_email
from tests.browser.checks import SMALLEST_PHONE, axe_violations, describe, sideways_problems

pytestmark = pytest.mark.browser

SITE = "https://lcp.example.org"
EXAMPLE_LINKS = PersonalLinks(
    preferences=f"{SITE}/preferences/example-token",
    unsubscribe=f"{SITE}/unsubscribe/example-token",
    calendar=f"{SITE}/calendar/example-token.ics",
)
# Attributes and CSS that make a mail client fetch something.
LOADING_ATTRIBUTES = ("src", "srcset", "background", "poster", "data")


def digest_html(app: Flask, limit: int) -> str:
    """The digest at the real now, where the demo content is: meetings coming up, what was decided and updates.

    The person is never saved, so nothing counts as sent to them; `limit` small enough adds "And N more".
    """
    with app.test_request_context(base_url=SITE):
        person = Follower(email="axe@example.org", frequency="monthly", language="en_GB")
        person.lcps = list(db.session.scalars(select(Lcp).where(Lcp.slug.in_(["seacroft", "armley"]))))
        person.topics = list(db.session.scalars(select(Topic).where(Topic.slug == "mental-health")))
        app.config["DIGEST_LIMIT"], before = limit, app.config["DIGEST_LIMIT"]
        try:
            content = digest.collect(person, "monthly")
            assert {entry.kind for entry in content.items + content.held_back} == {"meeting", "outcome", "update"}
            _subject, _text, html = render_email(
                "digest", person.language, follower=person, links=EXAMPLE_LINKS, **content.email_context()
            )
        finally:
            app.config["DIGEST_LIMIT"] = before
            db.session.rollback()
    return html


def registration_html(app: Flask, name: str) -> str:
    context = {"confirm_link": f"{SITE}/confirm/example-token"} if name == "confirm" else {"links": EXAMPLE_LINKS}
    with app.test_request_context(base_url=SITE):
        return render_email(name, "en_GB", **context)[2]


EMAILS = {
    "digest": lambda app: digest_html(app, limit=100),
    "digest-with-more": lambda app: digest_html(app, limit=3),
    "confirm": lambda app: registration_html(app, "confirm"),
    "already-registered": lambda app: registration_html(app, "already-registered"),
    "preferences-link": lambda app: registration_html(app, "preferences-link"),
}


@pytest.fixture
def requests_seen(page: Page) -> Iterator[list[str]]:
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    yield seen


def nothing_loaded_from_anywhere(html: str) -> list[str]:
    """What in the HTML would make a mail client fetch something: images, scripts, styles, frames, CSS urls."""
    soup = BeautifulSoup(html, "html.parser")
    found = [f"<{tag.name}>" for tag in soup.find_all(["img", "script", "link", "iframe", "object", "embed", "video"])]
    for tag in soup.find_all(True):
        found += [f"<{tag.name} {name}>" for name in LOADING_ATTRIBUTES if tag.has_attr(name)]
        if "url(" in tag.get("style", ""):
            found.append(f"<{tag.name} style> url()")
    css = " ".join(style.get_text() for style in soup.find_all("style"))
    found += [f"<style> {word}" for word in ("url(", "@import") if word in css]
    return found


@pytest.mark.parametrize("name", EMAILS)
def test_email_passes_axe_and_loads_nothing(app: Flask, page: Page, requests_seen: list[str], name: str) -> None:
    html = EMAILS[name](app)
    assert nothing_loaded_from_anywhere(html) == []
    page.set_content(html)
    assert page.locator("html").get_attribute("lang") == "en-GB"
    violations = axe_violations(page)
    assert not violations, f"axe violations in the {name} email:\n{describe(violations)}"
    assert requests_seen == [], f"the {name} email loaded: {requests_seen}"


def test_digest_reads_on_a_phone_without_sideways_scrolling(app: Flask, page: Page) -> None:
    page.set_viewport_size(SMALLEST_PHONE)
    page.set_content(digest_html(app, limit=3))
    assert sideways_problems(page) == []
