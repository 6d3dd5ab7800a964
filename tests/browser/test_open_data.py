"""The open data page in a browser: axe-clean, the embed code reached and chosen by keyboard, whole at 320 px in Urdu;
and the snippet as another site shows it, inside an iframe."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page, expect

from tests.browser.checks import SMALLEST_PHONE, assert_accessible, phone_problems
from tests.browser.pages import tab_to

pytestmark = pytest.mark.browser


def test_open_data_page_is_accessible(page: Page) -> None:
    page.goto("/open-data?lcp=seacroft")
    expect(page.get_by_role("heading", level=1)).to_have_text("Open data")
    expect(page.get_by_role("link", name="Download the CSV file (Partnerships)")).to_be_visible()
    expect(page.get_by_role("table", name="Columns of GP practices")).to_be_visible()
    assert_accessible(page)


def test_embed_code_chosen_by_keyboard(nojs_page: Page, live_server: str) -> None:
    nojs_page.goto("/open-data")
    choose = nojs_page.get_by_label("Partnership", exact=True)
    tab_to(nojs_page, choose, limit=120)
    choose.select_option("seacroft")
    nojs_page.keyboard.press("Tab")
    button = nojs_page.get_by_role("button", name="Show the code")
    expect(button).to_be_focused()
    nojs_page.keyboard.press("Enter")
    code = nojs_page.get_by_label("Code to copy for Seacroft")
    expect(code).to_have_value(
        f'<iframe src="{live_server}/embed/lcps/seacroft" title="Seacroft Local Care Partnership: next meeting and '
        'latest update" width="100%" height="320" loading="lazy"></iframe>'
    )
    expect(code).not_to_be_editable()
    expect(nojs_page.get_by_label("Partnership", exact=True)).to_have_value("seacroft")


def test_open_data_page_fits_the_smallest_phone_in_urdu(rtl_phone_page: Page) -> None:
    rtl_phone_page.set_viewport_size(SMALLEST_PHONE)
    rtl_phone_page.goto("/open-data?lang=ur&lcp=seacroft")
    expect(rtl_phone_page.locator("html")).to_have_attribute("dir", "rtl")
    problems = phone_problems(rtl_phone_page)
    assert not problems, "\n".join(problems)
    main = rtl_phone_page.get_by_role("main").bounding_box()
    assert main is not None
    # The code box, a long column name and the preview stay inside the column.
    for locator in (
        rtl_phone_page.locator("#embed-code-box"),
        rtl_phone_page.locator("#columns-partnerships tbody th code").last,
        rtl_phone_page.locator("iframe.app-open-data__preview"),
    ):
        box = locator.bounding_box()
        assert box is not None
        assert box["x"] >= main["x"] - 1 and box["x"] + box["width"] <= main["x"] + main["width"] + 1, locator
    # The code reads left to right inside the right-to-left page, and carries the language.
    expect(rtl_phone_page.locator("#embed-code-box")).to_have_attribute("dir", "ltr")
    expect(rtl_phone_page.locator("#embed-code-box")).to_have_value(
        re.compile(r'^<iframe src="[^"]+/embed/lcps/seacroft\?lang=ur"')
    )


@pytest.fixture
def another_site(live_server: str) -> Iterator[str]:
    """Another site that frames the snippet: its own small server on this machine (another origin: another port;
    Chromium blocks a page that is not on a local address from framing a local one)."""
    html = (
        '<!DOCTYPE html><html lang="en"><head><title>Another site</title></head><body><main>'
        f'<iframe src="{live_server}/embed/lcps/seacroft" title="Seacroft snippet" width="400" height="320"></iframe>'
        "</main></body></html>"
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(html)))
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_the_snippet_inside_another_sites_iframe(page: Page, live_server: str, another_site: str) -> None:
    page.goto(another_site)
    # The requests to another host are the other site's own page (and its icon), which the test serves.
    page.wait_for_load_state()
    snippet = page.frame_locator("iframe")
    expect(snippet.get_by_role("heading", level=1)).to_have_text("Seacroft Local Care Partnership (opens in a new tab)")
    expect(snippet.get_by_role("heading", name="Next meeting")).to_be_visible()
    expect(snippet.get_by_role("heading", name="Latest update")).to_be_visible()
    more = snippet.get_by_role("link", name="More about Seacroft on the Leeds Local Care Partnerships website")
    expect(more).to_have_attribute("target", "_blank")
    # A link opens the site in a new tab, not inside the frame.
    with page.context.expect_page() as opened:
        more.click()
    assert opened.value.url.startswith(f"{live_server}/lcps/seacroft")
    page.watch.requests[:] = [url for url in page.watch.requests if not url.startswith(another_site)]  # type: ignore[attr-defined]
    page.watch.allowed.append(re.compile(re.escape(another_site)))  # type: ignore[attr-defined]


def test_the_snippet_is_accessible(page: Page) -> None:
    page.goto("/embed/lcps/seacroft?lang=ur")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert_accessible(page)
