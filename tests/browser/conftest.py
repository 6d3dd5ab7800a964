"""Browser fixtures: the session app served over HTTP, one headless Chromium, and guarded pages.

Every page fixture fails its test if the page asks another host for anything (the site promises that
no page loads anything from another website) or logs a console error, such as a Content-Security-Policy
violation or an uncaught exception in the site's JavaScript.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask_babel import force_locale, gettext
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Route, expect, sync_playwright
from werkzeug.serving import make_server

from tests.browser.pages import PHONE, Say

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
# Long enough for a slow CI machine, short enough that a broken journey fails fast.
TIMEOUT_MS = 10_000


def serve(app: Flask) -> Iterator[str]:
    """Serve `app` on a free loopback port in a background thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="package")
def live_server(app: Flask) -> Iterator[str]:
    """The site on a loopback port, as its public address: links in emails and feeds (built from SITE_URL, never from
    the request) lead to it while the browser tests run; the other tests see the test client's address again."""
    saved = app.config["SITE_URL"]
    for address in serve(app):
        _site_url(app, address)
        try:
            yield address
        finally:
            _site_url(app, saved)


def _site_url(app: Flask, address: str) -> None:
    """Move the site to another public address, forgetting the pages kept with links to the old one (a site's
    address never changes while it runs, so the page cache does not key pages by it)."""
    from app import page_cache

    app.config["SITE_URL"] = address
    with app.app_context():
        page_cache.cache.clear()


@pytest.fixture(scope="package")
def rtl_server(live_server: str) -> str:
    """Where right-to-left pages are read: the same server, which offers Arabic and Urdu."""
    return live_server


@pytest.fixture(scope="session")
def say_in(app: Flask) -> Callable[[str], Say]:
    """`say_in("ar")` turns the site's English messages into the words an Arabic reader sees, from the same
    catalogue the pages use, so a test written once can walk a journey in any language the site offers."""

    def translator(language: str) -> Say:
        assert language in app.config["LANGUAGES"], f"the site does not offer {language}"

        def say(message: str, **values: object) -> str:
            with app.test_request_context(), force_locale(language):
                return gettext(message, **values)

        return say

    return translator


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Watch:
    """What a browser context did that the site promises never to do."""

    origin: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    # Console errors a test expects, e.g. Chromium's note that a page meant to be a 404 is a 404.
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def allow_error_status(self, url: str, status: int) -> None:
        """Chromium logs every error response as a console error, even a page that is meant to be one."""
        self.allowed.append(re.compile(rf"the server responded with a status of {status}\b.* \(at {re.escape(url)}\)$"))

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} (at {message.location.get('url', '?')})")

    def on_page_error(self, error: Exception) -> None:
        self.console_errors.append(f"uncaught: {error}")

    def foreign_requests(self) -> list[str]:
        # data: and blob: URLs are made in the page and name no host; anything else must be the live server.
        return [
            url for url in self.requests if urlsplit(url).scheme not in {"data", "blob"} and _origin(url) != self.origin
        ]

    def unexpected_errors(self) -> list[str]:
        return [error for error in self.console_errors if not any(allowed.search(error) for allowed in self.allowed)]

    def check(self) -> None:
        foreign = self.foreign_requests()
        assert not foreign, "requests to another host:\n" + "\n".join(foreign)
        errors = self.unexpected_errors()
        assert not errors, "console errors:\n" + "\n".join(errors)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _guarded_page(browser: Browser, live_server: str, site_scripts: bool = True, **options: object) -> Iterator[Page]:
    context: BrowserContext = browser.new_context(base_url=live_server, **options)
    if not site_scripts:
        context.route("**/*", _empty_scripts)
    context.set_default_timeout(TIMEOUT_MS)
    watch = Watch(origin=_origin(live_server))
    # Listening on the context catches every page and frame it opens, not only the first page.
    context.on("request", lambda request: watch.requests.append(request.url))
    context.on("console", watch.on_console)
    context.on("weberror", lambda web_error: watch.on_page_error(web_error.error))
    page = context.new_page()
    page.watch = watch  # type: ignore[attr-defined]  # lets a test allow a console error it expects
    yield page
    context.close()
    watch.check()


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    yield from _guarded_page(browser, live_server)


@pytest.fixture(scope="module")
def _sweep_pages(browser: Browser, live_server: str) -> Iterator[dict[str, Page]]:
    """One browser tab of each kind for a module's sweep of many pages (the same checks as `page`, per test):
    opening a browser context costs more than reading a page, and a sweep only reads."""
    kinds = {
        "desktop": {},
        "phone": {"viewport": PHONE},
        "scriptless": {"site_scripts": False},
    }
    opened = {kind: _guarded_page(browser, live_server, **options) for kind, options in kinds.items()}
    pages = {kind: next(tab) for kind, tab in opened.items()}
    yield pages
    for tab in opened.values():
        next(tab, None)


def _swept(pages: dict[str, Page], kind: str) -> Iterator[Page]:
    """The module's tab of this kind for one test: what the test's pages did is checked, then forgotten."""
    tab = pages[kind]
    watch: Watch = tab.watch  # type: ignore[attr-defined]
    yield tab
    try:
        watch.check()
    finally:
        watch.requests.clear()
        watch.console_errors.clear()
        watch.allowed.clear()


@pytest.fixture
def sweep_page(_sweep_pages: dict[str, Page]) -> Iterator[Page]:
    """As `page`, for a test that only opens pages and reads them (no forms, no cookies it relies on)."""
    yield from _swept(_sweep_pages, "desktop")


@pytest.fixture
def sweep_phone_page(_sweep_pages: dict[str, Page]) -> Iterator[Page]:
    yield from _swept(_sweep_pages, "phone")


@pytest.fixture
def sweep_scriptless_page(_sweep_pages: dict[str, Page]) -> Iterator[Page]:
    yield from _swept(_sweep_pages, "scriptless")


@pytest.fixture
def nojs_page(browser: Browser, live_server: str) -> Iterator[Page]:
    yield from _guarded_page(browser, live_server, java_script_enabled=False)


@pytest.fixture(params=["js", "nojs"])
def either_page(request: pytest.FixtureRequest) -> Page:
    """A journey run twice: with JavaScript, and as a browser without it."""
    return request.getfixturevalue("page" if request.param == "js" else "nojs_page")


@pytest.fixture
def scriptless_page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A page where none of the site's scripts run, for checks that need JavaScript of their own.

    Playwright cannot evaluate anything (such as axe) in a context with JavaScript disabled: the call
    never returns. Answering every script request with an empty script instead leaves the DOM exactly
    as a browser without JavaScript builds it (the site has no <noscript> content), while axe can run.
    """
    yield from _guarded_page(browser, live_server, site_scripts=False)


def _empty_scripts(route: Route) -> None:
    if route.request.resource_type == "script":
        route.fulfill(status=200, content_type="text/javascript", body="")
    else:
        route.continue_()


@pytest.fixture
def phone_page(browser: Browser, live_server: str) -> Iterator[Page]:
    # Not is_mobile: mobile emulation zooms out to fit a page that is too wide, which would hide the overflow.
    yield from _guarded_page(browser, live_server, viewport=PHONE)


@pytest.fixture
def rtl_page(browser: Browser, rtl_server: str) -> Iterator[Page]:
    """A page on the right-to-left server, read in Arabic."""
    yield from _guarded_page(browser, rtl_server, locale="ar", extra_http_headers={"Accept-Language": "ar"})


@pytest.fixture
def rtl_phone_page(browser: Browser, rtl_server: str) -> Iterator[Page]:
    yield from _guarded_page(browser, rtl_server, viewport=PHONE, extra_http_headers={"Accept-Language": "ar"})
