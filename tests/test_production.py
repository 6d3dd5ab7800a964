"""Running as production does: the page cache, compression, static files, headers, settings, faults, SQLite writers.

Each test here checks behaviour a person or an operator would notice: a page that changes as soon as staff
publish, a second visit that costs the database nothing, a 304 for a feed reader, the exact security
headers on every kind of response, a friendly 503 (and recovery) when the database is away, settings that
refuse to start a misconfigured production site, and SQLite writers that never see "database is locked".
"""

from __future__ import annotations

import gzip
import os
import shutil
import threading
from pathlib import Path
from uuid import uuid4

import brotli
import pytest
from flask import Flask
from sqlalchemy import create_engine, select, text

from app import create_app, page_cache
from app.config import ProductionConfig, TestingConfig, production_problems
from app.extensions import db
from app.models import ContentVersion, Lcp
from tests.conftest import Page, production_app_on, statements

LCP = "hatch"
BASE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000; includeSubDomains"


def rename_summary(app: Flask, slug: str, summary: str) -> str:
    with app.app_context():
        lcp = db.session.scalar(select(Lcp).where(Lcp.slug == slug))
        before = lcp.summary
        lcp.summary = summary
        db.session.commit()
        return before


# The page cache ------------------------------------------------------------------------------------------------


def test_a_public_page_asked_for_again_costs_the_database_nothing(app, client) -> None:
    url = f"/lcps/{LCP}?lang=en_GB"
    first = client.get(url)
    assert first.status_code == 200
    with statements(app) as sent:
        again = client.get(url)
    assert again.status_code == 200
    assert again.get_data() == first.get_data()
    # At most the once-a-second look at the content version; none of the page's own queries.
    assert [s for s in sent if "content_version" not in s] == []


def test_a_change_to_public_content_shows_at_once(app, client) -> None:
    url = f"/lcps/{LCP}"
    client.get(url)
    marker = f"Cache check {uuid4().hex[:8]}"
    before = rename_summary(app, LCP, marker)
    try:
        assert marker in Page(client.get(url)).text()
    finally:
        rename_summary(app, LCP, before)
    assert marker not in Page(client.get(url)).text()


def test_a_change_the_version_does_not_count_is_served_from_the_cache_until_it_expires(app, client) -> None:
    """The cache is really used: a change made behind the app's back (raw SQL) shows only once the version moves."""
    url = f"/lcps/{LCP}"
    client.get(url)
    marker = f"Behind the back {uuid4().hex[:8]}"
    with app.app_context():
        before = db.session.scalar(select(Lcp.summary).where(Lcp.slug == LCP))
        db.session.execute(text("UPDATE lcp SET summary = :s WHERE slug = :slug"), {"s": marker, "slug": LCP})
        db.session.commit()
    try:
        assert marker not in Page(client.get(url)).text()
        with app.app_context():
            db.session.execute(text("UPDATE content_version SET value = value + 1 WHERE id = 1"))
            db.session.commit()
        page_cache.forget_version()
        assert marker in Page(client.get(url)).text()
    finally:
        rename_summary(app, LCP, before)


def test_changes_to_private_records_leave_the_cache_alone(app) -> None:
    from app.models import OutboxMessage

    with app.app_context():
        version = db.session.scalar(select(ContentVersion.value))
        message = OutboxMessage(
            to_address="x@example.org", subject="s", text_body="t", kind="test", message_id=f"<{uuid4()}@test>"
        )
        db.session.add(message)
        db.session.commit()
        assert db.session.scalar(select(ContentVersion.value)) == version
        db.session.delete(message)
        db.session.commit()


def test_each_language_and_fragment_is_kept_apart(client) -> None:
    english = Page(client.get(f"/lcps/{LCP}", headers={"Accept-Language": "en-GB"}))
    polish = Page(client.get(f"/lcps/{LCP}", headers={"Accept-Language": "pl"}))
    assert english.soup.html["lang"] == "en-GB"
    assert polish.soup.html["lang"] == "pl"
    # Both came from the browser's language, so both say caches must keep them apart.
    assert "Accept-Language" in client.get(f"/lcps/{LCP}", headers={"Accept-Language": "pl"}).headers["Vary"]
    fragment = client.get("/find?q=LS12", headers={"HX-Request": "true"})
    whole = client.get("/find?q=LS12")
    assert "<html" not in fragment.get_data(as_text=True)
    assert "<html" in whole.get_data(as_text=True)


def test_pages_with_a_form_for_one_person_are_never_kept(app, client) -> None:
    """The share form holds a CSRF token bound to the visitor's session: it must never reach another."""
    first = Page(client.get("/share")).soup.select_one("input[name=csrf_token]")["value"]
    other = Page(app.test_client().get("/share")).soup.select_one("input[name=csrf_token]")["value"]
    assert first != other


def test_unknown_query_arguments_are_served_fresh_and_not_kept(app, client) -> None:
    client.get(f"/lcps/{LCP}?utm_source=newsletter")
    with statements(app) as sent:
        assert client.get(f"/lcps/{LCP}?utm_source=newsletter").status_code == 200
    assert any("FROM lcp" in s for s in sent)


def test_a_kept_page_answers_a_conditional_request_with_304(client) -> None:
    url = f"/lcps/{LCP}/updates.atom"
    first = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 200
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.endswith(':gzip"')
    unchanged = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.get_data() == b""
    assert client.get(url, headers={"Accept-Encoding": "gzip", "If-Modified-Since": modified}).status_code == 304
    # Another encoding is another representation, with its own validator.
    assert client.get(url, headers={"Accept-Encoding": "br", "If-None-Match": etag}).status_code == 200


# Compression ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", f"/lcps/{LCP}", "/find?q=LS12", "/share", "/meetings.ics"])
def test_pages_are_compressed_for_browsers_that_take_it(client, url) -> None:
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    squeezed = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert squeezed.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in squeezed.headers["Vary"]
    assert len(squeezed.get_data()) < len(plain.get_data()) / 3
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    if url == "/share":  # a fresh CSRF token each time: compare the shape, not the bytes
        assert b"<!DOCTYPE html>" in gzip.decompress(zipped.get_data())
    else:
        assert brotli.decompress(squeezed.get_data()) == plain.get_data()
        assert gzip.decompress(zipped.get_data()) == plain.get_data()


# Static files --------------------------------------------------------------------------------------------------


def test_assets_have_hashed_names_and_are_cached_for_a_year(client) -> None:
    page = Page(client.get("/"))
    css = page.soup.select_one("link[rel=stylesheet]")["href"]
    script = page.soup.select_one("script[type=module]")["src"]
    assert len(page.soup.select("script")) == 1, "one script in all: htmx, the NHS.UK components and ours"
    for url in (css, script):
        assert url.startswith("/static/dist/") and len(url.rsplit("/", 1)[1].split(".")[1]) == 12
        response = client.get(url, headers={"Accept-Encoding": "br, gzip"})
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "max-age=315360000, public, immutable"
        assert response.headers["Content-Encoding"] == "br"
        for name, value in BASE_HEADERS.items():
            assert response.headers[name] == value, name
    icon = client.get(page.soup.select_one("link[rel=icon]")["href"])
    assert icon.headers["Cache-Control"] == "max-age=86400, public"


# Security headers ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def production_app(app: Flask) -> Flask:
    """The app as production configures it, on the test database."""
    production = production_app_on(app)

    @production.get("/test-only/boom")
    def boom():
        raise RuntimeError("secret detail 1.2.3")

    return production


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/", 200),
        (f"/lcps/{LCP}", 200),
        ("/updates.atom", 200),
        ("/no-such-page", 404),
        ("/test-only/boom", 500),
        ("/admin/login", 200),
        ("/share", 200),
    ],
)
def test_every_response_carries_the_exact_security_headers(production_app, url, status) -> None:
    response = production_app.test_client().get(url, base_url="https://lcp.example.org")
    assert response.status_code == status
    # A form that may carry personal data sends no referrer at all, which is stricter still.
    expected = {**BASE_HEADERS, "Referrer-Policy": "no-referrer"} if url == "/share" else BASE_HEADERS
    for name, value in expected.items():
        assert response.headers[name] == value, name
    assert response.headers["Strict-Transport-Security"] == HSTS
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and "secret detail" not in body and "Werkzeug" not in body
    assert "Server" not in response.headers


def test_a_static_file_in_production_carries_the_same_headers(production_app) -> None:
    client = production_app.test_client()
    css = Page(client.get("/", base_url="https://lcp.example.org")).soup.select_one("link[rel=stylesheet]")["href"]
    response = client.get(css, base_url="https://lcp.example.org")
    assert response.status_code == 200
    for name, value in {**BASE_HEADERS, "Strict-Transport-Security": HSTS}.items():
        assert response.headers[name] == value, name


def test_pages_about_one_person_are_never_stored(client, staff_client) -> None:
    assert staff_client("admin").get("/admin/").headers["Cache-Control"] == "no-store"
    assert client.get("/track/ABCD-2345").headers["Cache-Control"] == "no-store"
    assert client.get("/preferences/not-a-token").headers["Cache-Control"] == "no-store"


def test_cookies_in_production_are_secure_httponly_and_same_site(production_app) -> None:
    client = production_app.test_client()
    response = client.get("/share", base_url="https://lcp.example.org")
    session_cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    language = client.get("/?lang=pl", base_url="https://lcp.example.org").headers["Set-Cookie"]
    assert language.startswith("lang=pl;")
    assert "Secure" in language and "HttpOnly" in language and "SameSite=Lax" in language


def test_a_form_the_csrf_check_refuses_is_shown_again_and_nothing_is_stored(production_app) -> None:
    """On HTTPS the site-wide check also wants a Referer from this site; a good token without one is refused, and
    the form shown again with what was typed must not store it (its own check used to pass)."""
    from app.models import Submission

    client = production_app.test_client()
    base = "https://lcp.example.org"
    page = Page(client.get("/share", base_url=base))
    body = f"Refused without a referrer {uuid4().hex}"
    data = {
        "csrf_token": page.soup.select_one("input[name=csrf_token]")["value"],
        "form_key": page.soup.select_one("input[name=form_key]")["value"],
        "body": body,
        "lcps": "seacroft",
        "speaks_for": "self",
        "contact": "no",
    }
    refused = client.post("/share", data=data, base_url=base)
    assert refused.status_code == 400
    assert "Location" not in refused.headers
    assert body in Page(refused).soup.select_one("textarea[name=body]").get_text()
    with production_app.app_context():
        assert db.session.scalar(select(Submission.id).where(Submission.body == body)) is None
    accepted = client.post("/share", data=data, base_url=base, headers={"Referer": f"{base}/share"})
    assert accepted.status_code == 303
    with production_app.app_context():
        assert db.session.scalar(select(Submission.id).where(Submission.body == body)) is not None


# Settings ------------------------------------------------------------------------------------------------------


def test_production_refuses_to_start_without_its_settings(monkeypatch) -> None:
    for name in ("SECRET_KEY", "DATABASE_URL", "SITE_URL", "CONTACT_EMAIL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError) as refused:
        ProductionConfig()
    message = str(refused.value)
    assert "SECRET_KEY must be set" in message
    assert "DATABASE_URL must be set" in message
    assert "SITE_URL must be set" in message
    assert "CONTACT_EMAIL must be set" in message
    good = {"SECRET_KEY": "k" * 32, "DATABASE_URL": "x", "SITE_URL": "https://a.b", "CONTACT_EMAIL": "lcp@a.b"}
    assert [
        problem
        for problem in production_problems({**good, "SECRET_KEY": "short", "SITE_URL": "http://lcp.example.org"})
        if problem
    ] == ["SECRET_KEY must be at least 32 characters long", "SITE_URL must start with https://"]
    assert not any(production_problems(good))


@pytest.mark.parametrize("contact", ["", "lcp-engagement@example.org", " lcp-engagement@example.org ", "nobody"])
def test_production_refuses_the_placeholder_contact_address(contact: str) -> None:
    """Every page with no answer for a resident, and the accessibility and privacy pages, show this address."""
    good = {"SECRET_KEY": "k" * 32, "DATABASE_URL": "x", "SITE_URL": "https://a.b", "CONTACT_EMAIL": contact}
    assert [problem for problem in production_problems(good) if problem] == [
        "CONTACT_EMAIL must be set to the address residents write to (the placeholder is shown on every page "
        "that has no answer, and in the accessibility statement and privacy notice)"
    ]


def test_production_answers_only_the_hosts_it_serves(monkeypatch) -> None:
    """SITE_URL's host, and the extra names TRUSTED_HOSTS lists; elsewhere every host is answered."""
    for name, value in {
        "SECRET_KEY": "k" * 32,
        "DATABASE_URL": "sqlite://",
        "SITE_URL": "https://lcp.leeds.example:8443/",
        "CONTACT_EMAIL": "lcp@leeds.example",
        "TRUSTED_HOSTS": " 10.0.0.5, lcp-health.internal ,LCP.leeds.example",
    }.items():
        monkeypatch.setenv(name, value)
    assert ProductionConfig().TRUSTED_HOSTS == ["lcp.leeds.example", "10.0.0.5", "lcp-health.internal"]
    assert TestingConfig().TRUSTED_HOSTS is None


def test_behind_a_proxy_the_client_address_comes_from_the_proxy(app) -> None:
    """Counted per person, not per proxy; and with no proxy trusted, nobody can choose their own address."""
    seen: dict[str, str] = {}
    for proxies in (0, 1):
        config = TestingConfig()
        config.SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        config.TRUSTED_PROXY_COUNT = proxies
        proxied = create_app(config)

        @proxied.get("/test-only/address")
        def address():
            from flask import request

            return f"{request.remote_addr} {request.scheme}"

        seen[str(proxies)] = (
            proxied.test_client()
            .get(
                "/test-only/address",
                headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"},
                environ_base={"REMOTE_ADDR": "10.0.0.2"},
            )
            .get_data(as_text=True)
        )
    assert seen == {"0": "10.0.0.2 http", "1": "203.0.113.9 https"}


def test_the_benchmark_address_can_skip_rate_limits_and_others_cannot(limited_app_with) -> None:
    limited = limited_app_with(RATELIMIT_EXEMPT_ADDRESSES=frozenset({"127.0.0.9"}))
    client = limited.test_client()
    others = [client.get("/find?q=LS1", environ_base={"REMOTE_ADDR": "192.0.2.50"}).status_code for _ in range(302)]
    assert others[:300] == [200] * 300 and others[300:] == [429, 429]
    exempt = {client.get("/find?q=LS1", environ_base={"REMOTE_ADDR": "127.0.0.9"}).status_code for _ in range(302)}
    assert exempt == {200}


# The database away ---------------------------------------------------------------------------------------------


def test_an_unreachable_database_gives_a_friendly_503_and_the_site_recovers_by_itself(app, tmp_path: Path) -> None:
    """A database file that cannot be opened stands in for a database server that is down."""
    source = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    if not source.is_file():
        pytest.skip("the database under test is not a SQLite file (PostgreSQL: see tests/test_reliability.py)")
    missing = tmp_path / "not-yet" / "lcp.sqlite3"
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{missing}"
    away = create_app(config)
    client = away.test_client()
    for url in ("/", f"/lcps/{LCP}", "/readyz", "/topics"):
        response = client.get(url)
        assert response.status_code == 503, url
        if url != "/readyz":
            assert response.headers["Retry-After"] == "30"
            assert response.headers["Cache-Control"] == "no-store"
            page = Page(response)
            assert page.h1 == "Sorry, the service is unavailable"
            body = response.get_data(as_text=True)
            for leak in ("Traceback", "sqlite", "OperationalError", "sqlalchemy", "Python/"):
                assert leak not in body
    assert client.get("/healthz").status_code == 200
    # The database comes back (here: the file appears); the same app serves again with no restart.
    missing.parent.mkdir()
    with app.app_context():
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    shutil.copy(source, missing)
    assert client.get("/readyz").status_code == 200
    assert client.get(f"/lcps/{LCP}").status_code == 200


# SQLite with several writers -----------------------------------------------------------------------------------


def test_sqlite_writers_at_once_never_see_database_is_locked(tmp_path: Path) -> None:
    """Eight threads at once, each transaction writing, reading what it will change, then changing it."""
    import app as app_package  # noqa: F401 - installs the SQLite connection settings

    engine = create_engine(f"sqlite:///{tmp_path / 'writers.sqlite3'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE tally (id INTEGER PRIMARY KEY, n INTEGER)"))
        connection.execute(text("INSERT INTO tally VALUES (1, 0)"))
        connection.execute(text("CREATE TABLE entry (id INTEGER PRIMARY KEY, seen INTEGER)"))
    errors: list[Exception] = []

    def writer() -> None:
        for _ in range(40):
            try:
                with engine.begin() as connection:
                    connection.execute(text("INSERT INTO entry (seen) VALUES (0)"))
                    seen = connection.execute(text("SELECT n FROM tally WHERE id = 1")).scalar_one()
                    connection.execute(text("UPDATE tally SET n = :n WHERE id = 1"), {"n": seen + 1})
            except Exception as error:  # noqa: BLE001 - collected and asserted below
                errors.append(error)

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with engine.connect() as connection:
        # No lost update either: each transaction held the write lock from its first write to its commit.
        assert connection.execute(text("SELECT n FROM tally")).scalar_one() == 320
        assert connection.execute(text("SELECT count(*) FROM entry")).scalar_one() == 320
        assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
    engine.dispose()


# Several hosts sharing Redis -----------------------------------------------------------------------------------

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
on_redis = pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL names no Redis (CI's second pass sets it)")


def host_app(app: Flask, **settings) -> Flask:
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
    config.REDIS_URL = REDIS_URL
    config.CACHE_KEY_PREFIX = f"lcp-test-{uuid4().hex[:8]}:"
    for name, value in settings.items():
        setattr(config, name, value)
    return create_app(config)


@on_redis
def test_hosts_sharing_redis_share_the_page_cache(app) -> None:
    first = host_app(app)
    second = host_app(app, CACHE_KEY_PREFIX=first.config["CACHE_KEY_PREFIX"])
    assert first.extensions["cache"][page_cache.cache].__class__.__name__ == "RedisCache"
    url = f"/lcps/{LCP}?lang=en_GB"
    made = first.test_client().get(url)
    with statements(second) as sent:
        again = second.test_client().get(url)
    assert again.get_data() == made.get_data()
    assert [s for s in sent if "content_version" not in s] == []


@on_redis
def test_hosts_sharing_redis_count_one_rate_limit(limited_app_with) -> None:
    from limits.storage import RedisStorage

    RedisStorage(REDIS_URL).reset()
    first = limited_app_with(RATELIMIT_STORAGE_URI=REDIS_URL, REDIS_URL=REDIS_URL)
    second = limited_app_with(RATELIMIT_STORAGE_URI=REDIS_URL, REDIS_URL=REDIS_URL)
    address = {"environ_base": {"REMOTE_ADDR": "198.51.100.7"}}
    statuses = [
        (first if n % 2 else second).test_client().get("/find?q=LS1", **address).status_code for n in range(301)
    ]
    assert statuses[:300] == [200] * 300 and statuses[300] == 429


def test_a_nul_in_the_address_is_a_page_not_found_or_ignored_never_a_fault(client) -> None:
    """PostgreSQL refuses NUL in text: a path holding one is 404, and the query string drops it."""
    assert client.get(f"/lcps/{LCP}%00x").status_code == 404
    directory = client.get("/lcps?topic=hou%00sing&area=%00")
    assert directory.status_code == 200
    assert Page(directory).soup.select_one("select[name=topic] option[selected]")["value"] == "housing"
