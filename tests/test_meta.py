"""Rules that hold for the whole site: headers, no inline code, typed kebab-case URLs, stable URLs, CSRF."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask

from app import create_app
from app.config import TestingConfig

PUBLIC_PAGES = [
    "/",
    "/lcps",
    "/lcps?topic=ageing-well&area=Garforth",
    "/lcps/ls25-ls26",
    "/lcps/hatch",
    "/find",
    "/find?q=LS12",
    "/find?q=garforth",
    "/topics",
    "/topics/ageing-well",
    "/accessibility",
    "/privacy",
    "/lcps/no-such-lcp",
]

# URLs people may have bookmarked or subscribed to: removing one breaks them.
BOOKMARKABLE = [
    "/",
    "/lcps",
    "/lcps/ls25-ls26",
    "/lcps/seacroft",
    "/find?q=garforth",
    "/topics",
    "/topics/mental-health",
    "/updates.atom",
    "/meetings.ics",
    "/lcps/ls25-ls26/updates.atom",
    "/lcps/ls25-ls26/meetings.ics",
    "/accessibility",
    "/privacy",
    "/healthz",
    "/readyz",
]

TEMPLATES = Path(__file__).resolve().parent.parent / "app" / "templates"


def test_security_headers_are_exact(client) -> None:
    response = client.get("/")
    assert response.headers["Content-Security-Policy"] == (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    for url in ("/lcps/nowhere", "/updates.atom", "/healthz"):
        assert "unsafe" not in client.get(url).headers["Content-Security-Policy"]


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_no_inline_code_and_nothing_from_other_hosts(client, url: str) -> None:
    soup = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    assert [s for s in soup.find_all("script") if not s.get("src")] == []
    assert soup.find_all("style") == []
    for element in soup.find_all(True):
        inline = [name for name in element.attrs if name == "style" or name.startswith(("on", "hx-on"))]
        assert inline == [], f"{element.name} has {inline}"
    for element in soup.select("script[src], link[href], img[src], iframe, source[src]"):
        address = element.get("src") or element.get("href")
        if "alternate" in element.get("rel", []) and element.get("hreflang"):
            # The same page in another language: absolute, as hreflang needs, and on this site.
            assert address.startswith("http://localhost/"), address
            continue
        assert address.startswith("/") and not address.startswith("//"), address


def test_templates_have_no_inline_code() -> None:
    """Pages only: an email's HTML is read in a mail client, never under our CSP, and has a <style> of its own."""
    for template in TEMPLATES.rglob("*.html"):
        if template.parent.name == "email":
            continue
        source = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", source), template
        assert not re.search(r"\sstyle=|<style|\shx-on|\son[a-z]+=", source), template


def test_every_url_parameter_is_typed_and_every_path_kebab_case(app: Flask) -> None:
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        assert "<" not in rule.rule or all(":" in part for part in re.findall(r"<[^>]+>", rule.rule)), rule.rule
        static_parts = re.sub(r"<[^>]+>", "", rule.rule)
        assert re.fullmatch(r"[a-z0-9/.\-]*", static_parts), rule.rule


@pytest.mark.parametrize("url", BOOKMARKABLE)
def test_bookmarked_urls_still_answer(client, url: str) -> None:
    assert client.get(url).status_code == 200


def test_public_routes_only_read(app: Flask) -> None:
    """Public pages change nothing, so they answer GET only; every change will go through a CSRF-checked form."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("public."):
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule.rule


def test_csrf_refuses_a_change_without_a_token_and_takes_htmx_header() -> None:
    config = TestingConfig()
    config.WTF_CSRF_ENABLED = True
    app = create_app(config)

    @app.post("/csrf-probe")
    def probe() -> str:
        return "changed"

    with app.test_client() as client:
        assert client.post("/csrf-probe").status_code == 400
        with app.test_request_context():
            from flask_wtf.csrf import generate_csrf

            token = generate_csrf()
            with client.session_transaction() as session:
                from flask import session as request_session

                session.update(request_session)
        assert client.post("/csrf-probe", headers={"X-CSRFToken": token}).get_data(as_text=True) == "changed"


def test_production_refuses_to_start_without_a_secret(monkeypatch) -> None:
    from app.config import ProductionConfig

    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        ProductionConfig()


def test_live_search_is_rate_limited_per_address(app: Flask) -> None:
    config = TestingConfig()
    config.RATELIMIT_ENABLED = True
    config.SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
    from app.extensions import limiter

    was_enabled = limiter.enabled
    try:
        client = create_app(config).test_client()
        statuses = [client.get("/find?q=garforth").status_code for _ in range(300)]
        assert statuses == [200] * 300
        refused = client.get("/find?q=garforth")
        assert refused.status_code == 429
        assert "Too many searches" in refused.get_data(as_text=True)
    finally:
        # The limiter is one object shared by every app in this process: put it back as the other tests expect.
        limiter.reset()
        limiter.enabled = was_enabled


def test_registering_is_rate_limited_per_address_with_its_own_words(app: Flask) -> None:
    config = TestingConfig()
    config.RATELIMIT_ENABLED = True
    config.WTF_CSRF_ENABLED = False
    config.SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
    from app.extensions import limiter

    was_enabled = limiter.enabled
    try:
        client = create_app(config).test_client()
        # Invalid forms: each is answered, none is stored, and the limit still counts them.
        statuses = [client.post("/register", data={"email": "x"}).status_code for _ in range(20)]
        assert statuses == [200] * 20
        refused = client.post("/register", data={"email": "x"})
        assert refused.status_code == 429
        assert "Too many attempts" in refused.get_data(as_text=True)
    finally:
        limiter.reset()
        limiter.enabled = was_enabled
