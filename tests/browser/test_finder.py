"""The finder on a phone: a postcode leads to "which practice is yours?", a place the site does not cover gets
the honest answer, and every answer page passes axe at 320 CSS px, with and without scripts."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import GpPractice
from tests.browser.checks import SMALLEST_PHONE, phone_problems
from tests.browser.pages import PHONE, FindPage, HomePage, tab_to

pytestmark = pytest.mark.browser

ANSWER_PAGES = [
    "/",
    "/find?q=",
    "/find?q=Leeds",
    "/find?q=Oakwood",
    "/find?q=Alwoodley",
    "/find?q=garfoth",
    "/find?q=Shakespeare+Medical+Practice",
    "/find?q=seacroft+surgery",
    "/find?q=WF3+4",
    "/find?q=WF10",
    "/find?q=LS12",
    "/find?q=Fieldhead+Surgery",
    "/find?q=The+Street+Lane+Practice",
    "/lcps",
    "/lcps?topic=isolation-connection",
    "/topics/isolation-connection",
]


def test_ls12_resident_picks_their_practice_and_lands_on_their_lcp(phone_page: Page) -> None:
    home = HomePage(phone_page)
    home.open()
    home.search_box.fill("LS12 3AB")
    home.find_button.click()
    find = FindPage(phone_page)
    choose = find.main.get_by_role("heading", name="Which of these GP practices is yours?")
    expect(choose).to_be_visible()
    # The guide never says "Your GP practice" until the person has picked one.
    expect(find.main).not_to_contain_text("Your GP practice")
    find.main.get_by_role("link", name="Armley Moor Medical Centre", exact=True).click()
    expect(find.main).to_contain_text(
        "Your GP practice, Armley Moor Medical Centre, is in Armley Local Care Partnership"
    )
    find.main.get_by_role("link", name="Armley Local Care Partnership", exact=True).click()
    expect(phone_page).to_have_url(re.compile(r"/lcps/armley$"))
    expect(find.heading).to_have_text("Armley Local Care Partnership")


def test_picking_a_practice_works_by_keyboard_without_javascript(nojs_page: Page) -> None:
    nojs_page.set_viewport_size(PHONE)
    find = FindPage(nojs_page)
    find.open()
    tab_to(nojs_page, find.search_box)
    nojs_page.keyboard.type("LS12")
    nojs_page.keyboard.press("Enter")
    practice = find.main.get_by_role("link", name="Thornton Medical Centre", exact=True)
    tab_to(nojs_page, practice, limit=80)
    nojs_page.keyboard.press("Enter")
    expect(find.main).to_contain_text("Your GP practice, Thornton Medical Centre, is in Armley Local Care Partnership")


def test_alwoodley_resident_gets_the_honest_coverage_answer(phone_page: Page) -> None:
    find = FindPage(phone_page)
    find.open()
    find.search_box.fill("Alwoodley")
    find.find_button.click()
    callout = find.main.get_by_role("heading", name=re.compile("This part of Leeds is not covered yet"))
    expect(callout).to_be_visible()
    expect(find.main).to_contain_text("The Local Care Partnership for North-east Leeds")
    expect(find.main).not_to_contain_text("check the spelling")
    contact = find.main.get_by_role("link", name="lcp-engagement@example.org").first
    expect(contact).to_have_attribute("href", "mailto:lcp-engagement@example.org")
    # The practices there are still known, each honestly "not confirmed yet".
    expect(find.main.get_by_role("link", name="Alwoodley Medical Centre", exact=True)).to_be_visible()
    expect(find.main).to_contain_text("Local Care Partnership: not confirmed yet")


def test_a_typo_offers_did_you_mean(phone_page: Page) -> None:
    find = FindPage(phone_page)
    find.open("/find?q=garfoth")
    find.main.get_by_role("link", name="Garforth Medical Centre", exact=True).click()
    expect(find.main).to_contain_text("Your GP practice, Garforth Medical Centre, is in LS25 & LS26")


def _fits_and_passes_axe(page: Page, path: str) -> list[str]:
    response = page.goto(path)
    assert response is not None and response.status == 200, path
    return phone_problems(page)


@pytest.mark.parametrize("path", ANSWER_PAGES)
def test_answer_pages_at_320px(page: Page, scriptless_page: Page, path: str) -> None:
    problems = []
    for mode, tab in (("with scripts", page), ("without scripts", scriptless_page)):
        tab.set_viewport_size(SMALLEST_PHONE)
        problems += [f"{mode}: {problem}" for problem in _fits_and_passes_axe(tab, path)]
    assert not problems, f"{path}:\n" + "\n".join(problems)


def test_a_picked_practice_page_at_320px(app: Flask, page: Page) -> None:
    with app.app_context():
        armley = db.session.scalar(select(GpPractice.id).where(GpPractice.ods_code == "B86003"))
    page.set_viewport_size(SMALLEST_PHONE)
    problems = _fits_and_passes_axe(page, f"/find?q=LS12&practice={armley}")
    assert not problems, "\n".join(problems)
