"""axe on every public page: with JavaScript, without the site's scripts, after live updates, and on a phone."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import Lcp, Topic
from app.services.reference_data import SOURCE_FILE, load_json
from tests.browser.pages import PHONE, DirectoryPage, FindPage

pytestmark = pytest.mark.browser

# Pages are parametrized at collection time, before the database exists, so the slugs come from the
# reference data the seed loads; test_every_lcp_and_topic_is_checked proves the database has no others.
REFERENCE = load_json(SOURCE_FILE)
LCP_SLUGS = [lcp["slug"] for lcp in REFERENCE["lcps"]]
TOPIC_SLUGS = [topic["id"] for topic in REFERENCE["topics"]]
NOT_FOUND = "/lcps/no-such-lcp"
AXE = Axe()  # reads axe.min.js once for the whole session

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
    "/privacy",
    "/subscribe",
    "/subscribe?lcp=seacroft",
    "/subscribe?topic=isolation-connection",
    NOT_FOUND,
]
KEY_PAGES = [
    "/",
    "/lcps?topic=ageing-well&area=Garforth",
    "/lcps/ls25-ls26",
    "/find?q=LS12",
    "/find?q=qwertyuiop",
    NOT_FOUND,
]
PHONE_PAGES = ["/", "/lcps", "/lcps/ls25-ls26", "/find?q=LS12"]
# The outermost elements that stick out past the right edge, to say what to fix.
OVERFLOWING = """() => {
  const width = window.innerWidth;
  const wide = [...document.body.querySelectorAll("*")].filter(e => e.getBoundingClientRect().right > width + 0.5);
  return wide.filter(e => !wide.includes(e.parentElement)).map(e =>
    `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}${[...e.classList].map(c => "." + c).join("")}`
    + ` “${e.textContent.trim().replace(/\\s+/g, " ").slice(0, 50)}”`
    + ` ends at ${Math.round(e.getBoundingClientRect().right)}px`);
}"""


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    {node['target']}" for node in violation["nodes"])
    return "\n".join(lines)


def axe_violations(page: Page) -> list[dict]:
    return AXE.run(page).response["violations"]


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe violations on {page.url}:\n{describe(violations)}"


def open_page(page: Page, live_server: str, path: str) -> None:
    status = 404 if path == NOT_FOUND else 200
    if status == 404:
        page.watch.allow_error_status(f"{live_server}{path}", 404)  # type: ignore[attr-defined]
    response = page.goto(path)
    assert response is not None
    assert response.status == status, f"{path} gave {response.status}, expected {status}"


def test_every_lcp_and_topic_is_checked(app: Flask) -> None:
    with app.app_context():
        assert set(db.session.scalars(select(Lcp.slug))) == set(LCP_SLUGS)
        assert set(db.session.scalars(select(Topic.slug))) == set(TOPIC_SLUGS)


@pytest.mark.parametrize("path", PAGES)
def test_page_is_accessible(page: Page, live_server: str, path: str) -> None:
    open_page(page, live_server, path)
    assert_accessible(page)


@pytest.mark.parametrize("path", KEY_PAGES)
def test_page_is_accessible_without_javascript(scriptless_page: Page, live_server: str, path: str) -> None:
    open_page(scriptless_page, live_server, path)
    # Proves the site's scripts really did not run: app.js marks the body when it does.
    expect(scriptless_page.locator("body")).not_to_have_class(re.compile(r"\bjs-enabled\b"))
    assert_accessible(scriptless_page)


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
def test_page_fits_a_phone(phone_page: Page, live_server: str, path: str) -> None:
    open_page(phone_page, live_server, path)
    scroll_width, inner_width = phone_page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert inner_width == PHONE["width"]
    # Both checks run before asserting, so one failure does not hide the other.
    problems = [f"axe: {describe(violations)}"] if (violations := axe_violations(phone_page)) else []
    if scroll_width > inner_width:
        problems.append(f"scrolls sideways: {scroll_width}px in {inner_width}px")
        problems.extend(f"    {element}" for element in phone_page.evaluate(OVERFLOWING))
    assert not problems, f"{path} on a {inner_width}px phone:\n" + "\n".join(problems)
