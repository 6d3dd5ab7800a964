"""A resident's journeys through the site, by mouse and by keyboard, with JavaScript and without."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import DirectoryPage, FindPage, HomePage, LcpPage, SitePage, tab_to

pytestmark = pytest.mark.browser

GARFORTH_ANSWER = "Your GP practice, Garforth Medical Centre, is in LS25 & LS26 Local Care Partnership"
GARFORTH_PRACTICE = "Garforth Medical Centre"
LS12_ANSWER = "LS12 is in the area of Armley and of Bramley, Wortley & Middleton."
LS12_STATUS = "5 GP practices found. 2 Local Care Partnerships found."
LS25_LCP = "LS25 & LS26 Local Care Partnership"
AGEING_WELL = "Ageing well (frailty, falls, dementia, carers)"
BACK_SHOWS_FRAGMENT = "after Back there is no main landmark: htmx restored history from the fragment alone"


def set_marker(page: Page) -> None:
    # A full page load throws the window away, so a surviving marker proves htmx swapped in place.
    page.evaluate("window.__marker = 1")


def expect_marker(page: Page) -> None:
    assert page.evaluate("window.__marker") == 1, "the page was reloaded instead of updated in place"


def expect_ls25_page(page: Page) -> None:
    lcp = LcpPage(page)
    expect(page).to_have_url(re.compile(r"/lcps/ls25-ls26$"))
    expect(lcp.heading).to_have_text(LS25_LCP)
    expect(lcp.gp_practices_heading).to_be_visible()
    expect(lcp.practice("Garforth Medical Centre")).to_be_visible()
    agenda_item = lcp.agenda_items.first
    expect(agenda_item).to_be_visible()
    expect(lcp.topic_tags(agenda_item).first).to_be_visible()
    expect(lcp.maturity_table).to_be_visible()
    expect(lcp.maturity_table.get_by_role("columnheader", name="Rating")).to_be_visible()


# 1. Home → GP practice → results → LCP page.


def test_find_by_practice_with_the_mouse(either_page: Page) -> None:
    home = HomePage(either_page)
    home.open()
    home.search_box.click()
    home.search_box.fill(GARFORTH_PRACTICE)
    home.find_button.click()

    find = FindPage(either_page)
    expect(either_page).to_have_url(re.compile(r"/find\?q=Garforth\+Medical\+Centre$"))
    expect(find.main).to_contain_text(GARFORTH_ANSWER)
    find.lcp_link(LS25_LCP).click()
    expect_ls25_page(either_page)


def test_find_by_practice_with_the_keyboard(either_page: Page) -> None:
    home = HomePage(either_page)
    home.open()
    tab_to(either_page, home.search_box)
    either_page.keyboard.type(GARFORTH_PRACTICE)
    either_page.keyboard.press("Enter")

    find = FindPage(either_page)
    expect(either_page).to_have_url(re.compile(r"/find\?q=Garforth\+Medical\+Centre$"))
    expect(find.main).to_contain_text(GARFORTH_ANSWER)
    tab_to(either_page, find.lcp_link(LS25_LCP))
    either_page.keyboard.press("Enter")
    expect_ls25_page(either_page)


# 2. Live search: results arrive as the resident types, without submitting.


def test_live_search_updates_results_url_and_status(page: Page) -> None:
    find = FindPage(page)
    find.open()
    set_marker(page)
    find.type_live("LS12")

    expect(find.main).to_contain_text(LS12_ANSWER)
    expect(page).to_have_url(re.compile(r"/find\?q=LS12$"))
    expect(find.status).to_have_id("find-status")
    expect(find.status).to_have_class(re.compile(r"\bnhsuk-u-visually-hidden\b"))
    expect(find.status).to_have_text(LS12_STATUS)
    expect(page).to_have_title("Results for “LS12” – Leeds Local Care Partnerships")
    expect(find.practice_search_link).to_be_visible()
    expect_marker(page)


def test_back_button_after_live_search_restores_the_whole_page(page: Page) -> None:
    # htmx keeps no history cache (historyCacheSize 0), so Back refetches the pushed URL from the server.
    find = FindPage(page)
    find.open()
    find.type_live("LS12")
    expect(find.status).to_have_text(LS12_STATUS)
    find.search_box.fill("")
    page.keyboard.type(GARFORTH_PRACTICE, delay=60)
    expect(find.main).to_contain_text(GARFORTH_ANSWER)

    page.go_back()
    expect(page).to_have_url(re.compile(r"/find\?q=LS12$"))
    # Until the restore arrives the old results stay, so wait for the restored ones before anything else.
    expect(find.main, BACK_SHOWS_FRAGMENT).to_contain_text(LS12_ANSWER)
    expect(find.banner).to_be_visible()
    expect(find.heading).to_have_text("Find your Local Care Partnership")
    expect(find.search_box).to_be_visible()


# 3. The same answers as full pages, without JavaScript.


def test_postcode_district_without_javascript(nojs_page: Page) -> None:
    find = FindPage(nojs_page)
    find.open("/find?q=LS12")
    expect(find.heading).to_have_text("Find your Local Care Partnership")
    expect(find.search_box).to_have_value("LS12")
    expect(find.main).to_contain_text(LS12_ANSWER)
    expect(find.lcp_link("Armley Local Care Partnership")).to_be_visible()
    expect(find.lcp_link("Bramley, Wortley & Middleton Local Care Partnership")).to_be_visible()
    expect(find.practice_search_link).to_be_visible()


def test_postcode_outside_leeds_without_javascript(nojs_page: Page) -> None:
    find = FindPage(nojs_page)
    find.open("/find?q=BD1")
    expect(find.main.get_by_role("heading", name=re.compile("BD1 is outside Leeds"))).to_be_visible()


def test_no_match_is_helpful_without_javascript(nojs_page: Page) -> None:
    find = FindPage(nojs_page)
    find.open("/find?q=qwertyuiop")
    expect(find.main.get_by_role("heading", name="We could not find “qwertyuiop”")).to_be_visible()
    expect(find.all_lcps_link).to_have_attribute("href", "/lcps")
    find.all_lcps_link.click()
    expect(nojs_page).to_have_url(re.compile(r"/lcps$"))


# 4. The directory filters.


def test_directory_filters_update_in_place_and_share_as_a_link(page: Page, nojs_page: Page) -> None:
    directory = DirectoryPage(page)
    directory.open()
    set_marker(page)

    directory.topic.select_option(label=AGEING_WELL)
    expect(page).to_have_url(re.compile(r"[?&]topic=ageing-well(&|$)"))
    expect(directory.results_heading.first).to_contain_text(f"match {AGEING_WELL}.")
    expect(directory.status).to_contain_text(f"match {AGEING_WELL}.")
    expect(directory.lcp_link("Woodsley and Holt Park Local Care Partnership")).to_be_visible()
    expect(directory.lcp_link(LS25_LCP)).to_be_visible()

    directory.area.select_option(label="Garforth")
    expect(page).to_have_url(re.compile(r"[?&]area=Garforth(&|$)"))
    directory.expect_only(LS25_LCP)
    expect(directory.status).to_have_text(f"1 partnership in Garforth matches {AGEING_WELL}.")
    expect_marker(page)

    # The address bar now holds a link anyone can open, even without JavaScript.
    shared = DirectoryPage(nojs_page)
    shared.open(page.url)
    shared.expect_only(LS25_LCP)
    expect(shared.topic).to_have_value("ageing-well")
    expect(shared.area).to_have_value("Garforth")


def test_back_button_after_filtering_restores_the_whole_page(page: Page) -> None:
    directory = DirectoryPage(page)
    directory.open()
    directory.topic.select_option("ageing-well")
    expect(directory.status).to_contain_text(f"match {AGEING_WELL}.")
    directory.area.select_option("Garforth")
    directory.expect_only(LS25_LCP)

    page.go_back()
    expect(page).to_have_url(re.compile(r"[?&]topic=ageing-well(&area=)?$"))
    woodsley = directory.lcp_link("Woodsley and Holt Park Local Care Partnership")
    expect(woodsley, BACK_SHOWS_FRAGMENT).to_be_visible()
    expect(directory.banner).to_be_visible()
    expect(directory.heading).to_have_text("All Local Care Partnerships")
    expect(directory.topic).to_have_value("ageing-well")
    expect(directory.area).to_have_value("")


def test_unknown_filter_is_explained(nojs_page: Page) -> None:
    directory = DirectoryPage(nojs_page)
    directory.open("/lcps?topic=nope")
    expect(directory.main.get_by_role("heading", name=re.compile("Some filters were not recognised"))).to_be_visible()
    expect(directory.main).to_contain_text("“nope”")
    expect(directory.topic).to_have_value("")


def test_directory_filters_without_javascript(nojs_page: Page) -> None:
    directory = DirectoryPage(nojs_page)
    directory.open()
    directory.topic.select_option(label=AGEING_WELL)
    directory.area.select_option(label="Garforth")
    directory.apply_button.click()

    expect(nojs_page).to_have_url(re.compile(r"/lcps\?topic=ageing-well&area=Garforth$"))
    directory.expect_only(LS25_LCP)
    expect(directory.topic).to_have_value("ageing-well")
    expect(directory.area).to_have_value("Garforth")


# 5. Keyboard only.


def test_skip_link_is_first_and_moves_focus_to_main(page: Page) -> None:
    home = HomePage(page)
    home.open()
    page.keyboard.press("Tab")
    expect(home.skip_link).to_be_focused()
    expect(home.skip_link).to_be_visible()
    page.keyboard.press("Enter")
    expect(home.main).to_be_focused()
    page.keyboard.press("Tab")
    expect(home.search_box).to_be_focused()


def test_skip_link_without_javascript_starts_tabbing_in_main(nojs_page: Page) -> None:
    # Without JavaScript the browser moves the tab start point to #maincontent rather than focusing it.
    home = HomePage(nojs_page)
    home.open()
    nojs_page.keyboard.press("Tab")
    expect(home.skip_link).to_be_focused()
    nojs_page.keyboard.press("Enter")
    expect(nojs_page).to_have_url(re.compile(r"#maincontent$"))
    nojs_page.keyboard.press("Tab")
    expect(home.search_box).to_be_focused()


def test_header_links_follow_in_order_by_keyboard(either_page: Page) -> None:
    home = HomePage(either_page)
    home.open()
    # The language switcher comes first, so someone who cannot read English finds their language at once.
    switcher = either_page.get_by_role("navigation", name="Choose a language").get_by_role("link")
    languages = [switcher.nth(index) for index in range(5)]
    expected = [
        home.skip_link,
        *languages,
        home.service_link,
        *[home.menu_link(name) for name in ("All LCPs", "Find your LCP", "Topics")],
    ]
    for target in expected:
        either_page.keyboard.press("Tab")
        expect(target).to_be_focused()
    # Back to "All LCPs" and follow it.
    either_page.keyboard.press("Shift+Tab")
    either_page.keyboard.press("Shift+Tab")
    expect(home.menu_link("All LCPs")).to_be_focused()
    either_page.keyboard.press("Enter")
    expect(either_page).to_have_url(re.compile(r"/lcps$"))
    expect(SitePage(either_page).heading).to_have_text("All Local Care Partnerships")


def test_directory_filters_by_keyboard(either_page: Page) -> None:
    directory = DirectoryPage(either_page)
    directory.open()
    tab_to(either_page, directory.topic)
    # Typing an option's first letters chooses it in a closed select, as it does for a keyboard user.
    either_page.keyboard.type("Ageing")
    expect(directory.topic).to_have_value("ageing-well")
    either_page.keyboard.press("Tab")
    expect(directory.area).to_be_focused()
    either_page.keyboard.type("Garforth")
    expect(directory.area).to_have_value("Garforth")
    tab_to(either_page, directory.apply_button, limit=3)
    either_page.keyboard.press("Enter")

    expect(either_page).to_have_url(re.compile(r"/lcps\?topic=ageing-well&area=Garforth$"))
    directory.expect_only(LS25_LCP)


# 6. Feeds.


def test_lcp_page_links_its_feeds(page: Page) -> None:
    lcp = LcpPage(page)
    lcp.open()
    for link, content_type, opening in (
        (lcp.updates_feed, "application/atom+xml", "<?xml"),
        (lcp.calendar_link, "text/calendar", "BEGIN:VCALENDAR"),
    ):
        href = link.get_attribute("href")
        assert href, f"{link} has no href"
        href = re.sub(r"^webcal:", "http:", href)  # a calendar app asks for the webcal: address over HTTP(S)
        response = page.request.get(href)
        assert response.status == 200, f"{href} gave {response.status}"
        assert response.headers["content-type"].startswith(content_type), response.headers["content-type"]
        assert response.text().lstrip().startswith(opening), f"{href} does not start with {opening}"


# 7. Error page.


def test_unknown_lcp_is_a_404_in_the_site_look(either_page: Page, live_server: str) -> None:
    url = f"{live_server}/lcps/no-such-lcp"
    either_page.watch.allow_error_status(url, 404)  # type: ignore[attr-defined]
    site = SitePage(either_page)
    response = site.open(url)
    assert response is not None
    assert response.status == 404
    expect(site.heading).to_have_text("Page not found")
    expect(site.banner).to_be_visible()
    # The site's stylesheet is applied: the header is NHS blue (#005eb8).
    expect(site.banner).to_have_css("background-color", "rgb(0, 94, 184)")
    expect(site.service_link).to_be_visible()
    expect(site.menu_link("All LCPs")).to_be_visible()
    expect(site.main.get_by_role("link", name="find your Local Care Partnership")).to_have_attribute("href", "/find")
