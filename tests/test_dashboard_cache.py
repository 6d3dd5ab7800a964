"""The dashboard's figures kept for a minute: fewer queries on a second view, the same figures with the time they
were worked out, never another scope's figures, worked out again once a minute old, and (with Redis) shared by
the workers."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta
from uuid import uuid4

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.admin import views as dashboard_views
from app.clock import utcnow
from app.extensions import db
from app.models import Lcp
from tests.conftest import Page, statements


@pytest.fixture
def lcp(make_lcp) -> Lcp:
    """A partnership of this test's own (rolled back with the test)."""
    return make_lcp()


@pytest.fixture
def add(app: Flask) -> Callable[[Lcp], None]:
    """Shares one item with a partnership, as a resident does."""
    from app.commands import Actor
    from app.commands import sharing as sharing_commands
    from app.services.sharing import ShareInput

    def share(lcp: Lcp) -> None:
        with app.test_request_context():
            row = db.session.scalar(select(Lcp).where(Lcp.id == lcp.id))
            sharing_commands.share(Actor.resident(), ShareInput(body="The bus to the surgery", lcps=[row]))

    return share


def figures_text(page: Page) -> str:
    """What the Figures section says, from its heading to the list of partnerships."""
    heading = page.soup.find("h2", id="figures")
    parts = []
    for sibling in heading.find_next_siblings():
        if sibling.name == "h2":
            break
        parts.append(" ".join(sibling.get_text(" ").split()))
    return " ".join(parts)


def response_rows(page: Page) -> dict[str, str]:
    """Partnership: items, from the table of time to first response."""
    table = page.soup.select_one("#table-response-caption").find_parent("table")
    return {row.th.get_text(strip=True): row.td.get_text(strip=True) for row in table.tbody.select("tr")}


def view(client: FlaskClient, app: Flask, url: str = "/admin/") -> tuple[Page, int, str]:
    """The dashboard, the number of SQL statements it took, and where its figures came from."""
    with statements(app) as sent:
        response = client.get(url)
    assert response.status_code == 200
    return Page(response), len(sent), response.headers["Server-Timing"]


def test_a_second_view_within_the_minute_takes_fewer_queries_and_shows_the_same_figures(app, lcp, add, staff_client):
    add(lcp)
    add(lcp)
    client = staff_client("admin")
    first, first_queries, first_source = view(client, app)
    second, second_queries, second_source = view(client, app)
    assert 'desc="worked out"' in first_source
    assert 'desc="from the cache"' in second_source
    # The figures take at least four statements (counts by status, answer times, arrivals by topic, topic labels).
    assert second_queries <= first_queries - 4
    assert figures_text(second) == figures_text(first)
    assert response_rows(first)[lcp.name] == "2"
    assert "Figures as of" in first.text("#figures-as-of")


def test_kept_figures_say_when_they_were_worked_out_and_a_change_shows_once_they_expire(
    app, lcp, add, staff_client, monkeypatch
):
    add(lcp)
    client = staff_client("staff", (lcp.slug,))
    first, _queries, _source = view(client, app)
    as_of = first.text("#figures-as-of")
    add(lcp)
    kept, _queries, source = view(client, app)
    # Within the minute: the figures as they were, said to be as of when they were worked out.
    assert 'desc="from the cache"' in source
    assert response_rows(kept)[lcp.name] == "1"
    assert kept.text("#figures-as-of") == as_of

    later = utcnow() + timedelta(seconds=dashboard_views.FIGURES_SECONDS + 1)
    monkeypatch.setattr(dashboard_views, "utcnow", lambda: later)
    fresh, _queries, source = view(client, app)
    assert 'desc="worked out"' in source
    assert response_rows(fresh)[lcp.name] == "2"


def test_a_partnerships_staff_never_get_the_admins_kept_figures(app, lcp, add, staff_client):
    add(lcp)
    admin = staff_client("admin")
    admin_page, _queries, _source = view(admin, app)
    assert lcp.name in response_rows(admin_page)
    assert "Armley" in " ".join(response_rows(admin_page))

    worker = staff_client("staff", ("armley",))
    page, _queries, source = view(worker, app)
    assert 'desc="worked out"' in source
    assert lcp.name not in figures_text(page)
    assert [name for name in response_rows(page)] == [
        name for name in response_rows(admin_page) if name.startswith("Armley")
    ]
    assert "Items that reached your partnerships" in figures_text(page)

    # Nor does anyone get another partnership's kept figures, and the admin's stay the admin's.
    own = staff_client("staff", (lcp.slug,))
    own_page, _queries, source = view(own, app)
    assert 'desc="worked out"' in source
    assert list(response_rows(own_page)) == [lcp.name]
    again, _queries, source = view(worker, app)
    assert 'desc="from the cache"' in source and lcp.name not in figures_text(again)
    admin_again, _queries, source = view(admin, app)
    assert 'desc="from the cache"' in source
    assert figures_text(admin_again) == figures_text(admin_page)


def test_each_period_is_kept_apart(app, lcp, staff_client):
    client = staff_client("staff", (lcp.slug,))
    view(client, app, "/admin/?days=90")
    page, _queries, source = view(client, app, "/admin/?days=30")
    assert 'desc="worked out"' in source
    assert "The last 30 days" in page.soup.select_one("#days option[selected]").get_text()
    _page, _queries, source = view(client, app, "/admin/?days=30")
    assert 'desc="from the cache"' in source


def test_nothing_is_kept_when_the_setting_is_0(app, lcp, staff_client, monkeypatch):
    monkeypatch.setitem(app.config, "DASHBOARD_FIGURES_SECONDS", 0)
    client = staff_client("staff", (lcp.slug,))
    view(client, app)
    _page, _queries, source = view(client, app)
    assert 'desc="worked out"' in source


REDIS_URL = os.environ.get("TEST_REDIS_URL", "")


@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL names no Redis (CI's second pass sets it)")
def test_workers_sharing_redis_share_the_kept_figures(app, make_staff):
    """With Redis, what one worker (or host) worked out the next one serves: the entry survives the round trip."""
    from app import create_app
    from app.admin.access import SESSION_KEY
    from app.commands import Actor, accounts
    from app.config import TestingConfig
    from app.models import StaffUser

    prefix = f"lcp-test-{uuid4().hex[:8]}:"

    def worker() -> Flask:
        config = TestingConfig()
        config.SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        config.REDIS_URL = REDIS_URL
        config.CACHE_KEY_PREFIX = prefix
        return create_app(config)

    admin = make_staff("admin")
    sources = []
    pages = []
    for each in (worker(), worker()):
        client = each.test_client()
        with each.app_context():
            token = accounts.start_session(Actor.staff(db.session.get(StaffUser, admin.id)), "test")
        with client.session_transaction() as session:
            session[SESSION_KEY] = token
        page, _queries, source = view(client, each)
        sources.append(source)
        pages.append(figures_text(page))
    assert 'desc="worked out"' in sources[0] and 'desc="from the cache"' in sources[1]
    assert pages[0] == pages[1]
