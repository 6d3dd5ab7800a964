"""Host handling as production serves it: gunicorn with APP_ENV=production, behind a stand-in for nginx.

The site answers only SITE_URL's host (and TRUSTED_HOSTS); a forged Host or X-Forwarded-Host is a 400 before any
view runs, so nothing is stored or queued. A request for the right host queues emails whose links start with
SITE_URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import create_engine, text

from tests.live_site import (
    PRODUCTION_SITE_URL,
    Gunicorn,
    input_value,
    production_environment,
    running_site,
    throwaway_database,
)

FORGED = "evil.example"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Gunicorn, str]]:
    directory = Path(tmp_path_factory.mktemp("hosts"))
    with (
        throwaway_database(directory, "test_hosts") as url,
        running_site(production_environment(url, TRUSTED_HOSTS="10.0.0.5"), directory / "gunicorn.log") as server,
    ):
        yield server, url


def queued(url: str) -> list[tuple[str, str, str]]:
    """Every queued email: (kind, to, text)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT kind, to_address, text_body FROM outbox_message ORDER BY id"))
            return [tuple(row) for row in rows]
    finally:
        engine.dispose()


def share_form(server: Gunicorn, email: str, **headers: str) -> dict:
    browser = server.browser()
    page = browser.open("/share")
    assert page.status == 200
    form = {
        "csrf_token": input_value(page.body, "csrf_token"),
        "form_key": input_value(page.body, "form_key"),
        "body": f"Live host test {uuid4().hex}",
        "lcps": "seacroft",
        "speaks_for": "self",
        "contact": "yes",
        "email": email,
        "wants_updates": "y",
    }
    return {"browser": browser, "form": form}


@pytest.mark.parametrize(
    "forged",
    [{"Host": FORGED}, {"X-Forwarded-Host": FORGED}, {"Host": "lcp.test.evil.example"}, {"Host": "127.0.0.1"}],
    ids=["host", "forwarded-host", "suffix", "bare-address"],
)
def test_a_forged_host_is_refused_with_400_and_queues_nothing(site, forged: dict[str, str]) -> None:
    server, url = site
    before = queued(url)
    started = share_form(server, f"live-{uuid4().hex[:8]}@example.org")
    referer = {"Referer": f"{PRODUCTION_SITE_URL}/share"}
    answer = started["browser"].open("/share", started["form"], headers={**referer, **forged})
    assert answer.status == 400
    assert FORGED not in answer.body
    assert started["browser"].open("/", headers=forged).status == 400
    assert started["browser"].open("/register", {"email": "x@example.org"}, headers=forged).status == 400
    assert queued(url) == before


def test_the_right_host_and_the_extra_names_are_served_and_links_use_site_url(site) -> None:
    server, url = site
    assert server.browser().open("/healthz", headers={"Host": "10.0.0.5"}).status == 200
    email = f"live-{uuid4().hex[:8]}@example.org"
    started = share_form(server, email)
    answer = started["browser"].open("/share", started["form"], headers={"Referer": f"{PRODUCTION_SITE_URL}/share"})
    assert answer.status == 303, answer.body[-2000:]
    receipts = [body for kind, to, body in queued(url) if kind == "receipt" and to == email]
    assert len(receipts) == 1
    assert f"{PRODUCTION_SITE_URL}/track/" in receipts[0]
    assert f"{PRODUCTION_SITE_URL}/" in receipts[0].split("/track/")[0] + "/"
