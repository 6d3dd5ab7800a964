"""The finder's dead ends, walked by keyboard: each "not confirmed yet" answer offers a way forward a person can
follow (a likely partnership to follow, share anyway, tell us the practice's partnership) and the link reaches the
right page; each answer passes axe, and in Urdu at 320 CSS px the new blocks stay on the screen."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import GpPractice
from tests.browser.checks import SMALLEST_PHONE, axe_violations, describe, sideways_problems
from tests.browser.pages import FindPage, tab_to

pytestmark = pytest.mark.browser

# Long answers: the link is some way down the page.
TABS = 200


def practice_id(app: Flask, name: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(GpPractice.id).where(GpPractice.name == name))
    assert found is not None, name
    return found


def open_answer(page: Page, query: str) -> FindPage:
    find = FindPage(page)
    response = find.open(f"/find?q={query}")
    assert response is not None and response.status == 200
    violations = axe_violations(page)
    assert not violations, f"axe on /find?q={query}:\n{describe(violations)}"
    return find


def follow_by_keyboard(page: Page, name: str | re.Pattern[str]) -> None:
    link = page.get_by_role("main").get_by_role("link", name=name).first
    tab_to(page, link, limit=TABS)
    page.keyboard.press("Enter")


def test_street_lane_practice_leads_to_following_hatch(page: Page) -> None:
    find = open_answer(page, "Street+Lane+Practice")
    card = find.main.locator("#your-practice")
    expect(card).to_contain_text("As a guide only, not confirmed: a practice in LS8 may be in this partnership.")
    expect(find.main).to_contain_text("This part of Leeds is not covered yet")
    follow_by_keyboard(page, "Follow HATCH")
    expect(page).to_have_url(re.compile(r"/register\?lcp=hatch$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_chapeltown_family_surgery_leads_to_telling_us_its_partnership(app: Flask, page: Page) -> None:
    find = open_answer(page, "Chapeltown+Family+Surgery")
    expect(find.main.locator("#your-practice")).to_contain_text("Chapeltown is one of the areas HATCH covers.")
    follow_by_keyboard(page, "Tell us which partnership your practice belongs to")
    surgery = practice_id(app, "Chapeltown Family Surgery")
    expect(page).to_have_url(re.compile(rf"/find/practices/{surgery}/tell-us$"))


def test_roundhay_leads_to_sharing_anyway(page: Page) -> None:
    find = open_answer(page, "Roundhay")
    block = find.main.locator("#way-forward")
    expect(block).to_contain_text("It goes to the citywide team, who pass it to the right Local Care Partnership.")
    follow_by_keyboard(page, "share it anyway")
    expect(page).to_have_url(re.compile(r"/share\?unsure=1$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_a_postcode_sector_narrows_the_list_and_each_row_can_be_told(app: Flask, page: Page) -> None:
    find = open_answer(page, "LS17+6")
    expect(find.main).to_contain_text("These are the open GP practices with an address in LS17 6:")
    expect(find.main.get_by_role("link", name="Alwoodley Medical Centre", exact=True)).to_have_count(0)
    follow_by_keyboard(page, re.compile(r"^Tell us its partnership\s*: The North Leeds Medical Practice$"))
    north_leeds = practice_id(app, "The North Leeds Medical Practice")
    expect(page).to_have_url(re.compile(rf"/find/practices/{north_leeds}/tell-us$"))


def test_middleton_says_how_to_tell_and_a_less_certain_partnership_can_be_followed(page: Page) -> None:
    find = open_answer(page, "Middleton")
    expect(find.main).to_contain_text(
        "Both Beeston & Middleton and Bramley, Wortley & Middleton cover Middleton. Your partnership is the one your "
        "GP practice belongs to"
    )
    expect(find.main.locator(".app-less-certain")).to_have_count(2)
    follow_by_keyboard(page, "the GP practices listed above")
    expect(page).to_have_url(re.compile(r"#choose-practice$"))
    follow_by_keyboard(page, "Follow Beeston & Middleton")
    expect(page).to_have_url(re.compile(r"/register\?lcp=beeston-middleton$"))


def test_ls1_lists_the_light_practice_and_picking_it_gives_its_partnership(page: Page) -> None:
    find = open_answer(page, "LS1")
    follow_by_keyboard(page, re.compile(r"^The Light practice"))
    expect(find.main).to_contain_text("Your Local Care Partnership is Leeds Student Medical Practice & The Light")


@pytest.mark.parametrize("query", ["Street+Lane+Practice", "Middleton", "LS17+6"])
def test_the_new_blocks_fit_a_320px_phone_in_urdu(rtl_phone_page: Page, query: str) -> None:
    page = rtl_phone_page
    page.set_viewport_size(SMALLEST_PHONE)
    response = page.goto(f"/find?q={query}&lang=ur")
    assert response is not None and response.status == 200
    assert page.locator("html").get_attribute("dir") == "rtl"
    problems = sideways_problems(page)
    violations = axe_violations(page)
    if violations:
        problems.append(f"axe: {describe(violations)}")
    blocks = page.locator("#way-forward, .app-less-certain, .app-tell-us, .app-shared-area")
    assert blocks.count() > 0
    for index in range(blocks.count()):
        box = blocks.nth(index).bounding_box()
        assert box is not None
        if box["x"] < -0.5 or box["x"] + box["width"] > SMALLEST_PHONE["width"] + 0.5:
            problems.append(f"block {index} spans {box['x']:.0f}–{box['x'] + box['width']:.0f}px")
    assert not problems, f"/find?q={query}&lang=ur:\n" + "\n".join(problems)
