"""axe on every public page: with JavaScript, without the site's scripts, after live updates, and on a phone; and in
every other language the site offers: one page of each kind in `make test`, every page (`AXE_EVERY_LANGUAGE=all`)
in `make a11y`, which CI runs."""

from __future__ import annotations

import os
import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import Lcp, Topic
from app.services.reference_data import SOURCE_FILE, load_json
from tests.browser.checks import assert_accessible, axe_violations, describe, phone_problems
from tests.browser.pages import PHONE, DirectoryPage, FindPage

pytestmark = pytest.mark.browser

# Pages are parametrized at collection time, before the database exists, so the slugs come from the
# reference data the seed loads; test_every_lcp_and_topic_is_checked proves the database has no others.
REFERENCE = load_json(SOURCE_FILE)
LCP_SLUGS = [lcp["slug"] for lcp in REFERENCE["lcps"]]
TOPIC_SLUGS = [topic["id"] for topic in REFERENCE["topics"]]
NOT_FOUND = "/lcps/no-such-lcp"
# A well-formed receipt code that no submission has: its tracking page is a 404 that helps.
UNKNOWN_CODE = "/track/ABCD-2345"
NOT_FOUND_PAGES = {NOT_FOUND, UNKNOWN_CODE}

PAGES = [
    "/",
    "/lcps",
    "/lcps?topic=ageing-well&area=Garforth",
    "/lcps?topic=nope",
    *(f"/lcps/{slug}" for slug in LCP_SLUGS),
    "/find",
    "/find?q=garforth",
    "/find?q=LS12",
    "/find?q=BD1",
    "/find?q=LS17",
    "/find?q=qwertyuiop",
    "/find?q=a",
    "/topics",
    *(f"/topics/{slug}" for slug in TOPIC_SLUGS),
    "/accessibility",
    "/easy-read",
    "/privacy",
    "/subscribe",
    "/subscribe?lcp=seacroft",
    "/subscribe?topic=isolation-connection",
    "/register",
    "/register?lcp=seacroft&topic=housing&kind=organisation",
    "/register?lcp=no-such-lcp",
    "/register/check-your-email",
    "/register/check-your-email?sent=preferences",
    "/preferences",
    "/deleted",
    "/match",
    "/match?topic=ageing-well&citywide=y",
    "/match?topic=mental-health&areas=LS14%2C+Roundhay%2C+Nowhereville",
    "/dev/outbox",
    "/share",
    "/share?lcp=armley&topic=housing",
    "/share?lcp=no-such-lcp&topic=nope",
    "/share?item=999999",
    "/share/sent",
    "/track",
    "/track?code=",
    "/track?code=nonsense",
    UNKNOWN_CODE,
    NOT_FOUND,
]
KEY_PAGES = [
    "/",
    "/lcps?topic=ageing-well&area=Garforth",
    "/lcps/ls25-ls26",
    "/find?q=LS12",
    "/find?q=qwertyuiop",
    "/share",
    "/track?code=nonsense",
    UNKNOWN_CODE,
    NOT_FOUND,
]
# One page of each kind, each view's template and each state with words of its own (results, errors, a 404): read in
# every other language by `make test`. `make a11y` (AXE_EVERY_LANGUAGE=all) reads all of PAGES in each.
LANGUAGE_PAGES = [
    "/",
    "/lcps?topic=ageing-well&area=Garforth",
    "/lcps/ls25-ls26",
    f"/topics/{TOPIC_SLUGS[0]}",
    "/find?q=LS12",
    "/find?q=qwertyuiop",
    "/easy-read",
    "/privacy",
    "/subscribe?lcp=seacroft",
    "/register?lcp=seacroft&topic=housing&kind=organisation",
    "/preferences",
    "/match?topic=mental-health&areas=LS14%2C+Roundhay%2C+Nowhereville",
    "/share?lcp=armley&topic=housing",
    "/share/sent",
    "/track?code=nonsense",
    UNKNOWN_CODE,
    NOT_FOUND,
]
EVERY_LANGUAGE_PAGES = PAGES if os.environ.get("AXE_EVERY_LANGUAGE") == "all" else LANGUAGE_PAGES
PHONE_PAGES = [
    "/",
    "/easy-read",
    "/lcps",
    "/lcps/ls25-ls26",
    "/find?q=LS12",
    "/register",
    "/match?topic=ageing-well&citywide=y",
    "/share",
    "/share?lcp=no-such-lcp",
    "/track?code=nonsense",
    UNKNOWN_CODE,
]


def open_page(page: Page, live_server: str, path: str) -> None:
    status = 404 if path.partition("?lang=")[0] in NOT_FOUND_PAGES else 200
    if status == 404:
        page.watch.allow_error_status(f"{live_server}{path}", 404)  # type: ignore[attr-defined]
    response = page.goto(path)
    assert response is not None
    assert response.status == status, f"{path} gave {response.status}, expected {status}"


def test_the_pages_read_in_every_language_are_pages_checked_in_english() -> None:
    assert set(LANGUAGE_PAGES) <= set(PAGES)


def test_every_lcp_and_topic_is_checked(app: Flask) -> None:
    with app.app_context():
        assert set(db.session.scalars(select(Lcp.slug))) == set(LCP_SLUGS)
        assert set(db.session.scalars(select(Topic.slug))) == set(TOPIC_SLUGS)


@pytest.mark.parametrize("path", PAGES)
def test_page_is_accessible(sweep_page: Page, live_server: str, path: str) -> None:
    open_page(sweep_page, live_server, path)
    assert_accessible(sweep_page)


@pytest.mark.parametrize("path", KEY_PAGES)
def test_page_is_accessible_without_javascript(sweep_scriptless_page: Page, live_server: str, path: str) -> None:
    open_page(sweep_scriptless_page, live_server, path)
    # Proves the site's scripts really did not run: app.js marks the body when it does.
    expect(sweep_scriptless_page.locator("body")).not_to_have_class(re.compile(r"\bjs-enabled\b"))
    assert_accessible(sweep_scriptless_page)


def test_live_search_results_are_accessible(page: Page) -> None:
    find = FindPage(page)
    find.open()
    find.type_live("LS12")
    expect(find.status).to_have_text("5 GP practices found. 2 Local Care Partnerships found.")
    assert_accessible(page)


def test_filtered_directory_is_accessible(page: Page) -> None:
    directory = DirectoryPage(page)
    directory.open()
    directory.topic.select_option("ageing-well")
    directory.area.select_option("Garforth")
    expect(directory.status).to_contain_text("in Garforth matches")
    assert_accessible(page)


@pytest.mark.parametrize("path", PHONE_PAGES)
def test_page_fits_a_phone(sweep_phone_page: Page, live_server: str, path: str) -> None:
    open_page(sweep_phone_page, live_server, path)
    assert sweep_phone_page.evaluate("window.innerWidth") == PHONE["width"]
    problems = phone_problems(sweep_phone_page)
    assert not problems, f"{path} on a phone:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", ["pl", "ar", "ro", "zh_Hans", "ur"])
def test_every_page_is_accessible_in_every_language(page: Page, live_server: str, language: str) -> None:
    """The public pages read in each language the site offers, Arabic and Urdu right to left: one of each kind, or
    every page with AXE_EVERY_LANGUAGE=all (`make a11y`)."""
    direction = "rtl" if language in ("ar", "ur") else "ltr"
    problems: list[str] = []
    for path in EVERY_LANGUAGE_PAGES:
        address = f"{path}{'&' if '?' in path else '?'}lang={language}"
        open_page(page, live_server, address)
        html = page.locator("html")
        expect(html).to_have_attribute("lang", language.replace("_", "-"))
        expect(html).to_have_attribute("dir", direction)
        violations = axe_violations(page)
        if violations:
            problems.append(f"{address}: {describe(violations)}")
    assert problems == [], "\n".join(problems)
