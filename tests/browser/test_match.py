"""An organisation asks /match which partnerships to prioritise, follows three, and confirms by email over SMTP;
the areas it serves rank the partnerships first, each with a sentence saying why, and go on to registration."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit
from uuid import uuid4

import pytest
from flask import Flask
from playwright.sync_api import Locator, Page, expect

from app.commands import Actor
from app.commands.system import deliver_due
from app.services.outbox import SmtpSettings
from tests.browser.checks import SMALLEST_PHONE, assert_accessible, axe_violations, describe, sideways_problems
from tests.mailbox import Mailbox

# The outbox worker, as `flask outbox send` runs it.
WORKER = Actor.system("outbox")

pytestmark = pytest.mark.browser

AGEING_WELL = "Ageing well (frailty, falls, dementia, carers)"
MENTAL_HEALTH = "Mental health and wellbeing"
LS25 = "LS25 & LS26 Local Care Partnership"
WOODSLEY = "Woodsley and Holt Park Local Care Partnership"
CROSS_GATES = "Cross Gates Local Care Partnership"
MORLEY = "Morley and District Local Care Partnership"
CHOSEN = [LS25, WOODSLEY, MORLEY]
SEACROFT = "Seacroft Local Care Partnership"
YORK_ROAD = "York Road Local Care Partnership"
LONELINESS = "Loneliness and social connection"
EXAMPLE = "/match?topic=isolation-connection&topic=ageing-well&areas=LS14%2C+LS15%2C+LS9"


class MatchPage:
    """/match as a person meets it, found by role, label and visible text."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.main = page.get_by_role("main")
        self.topics = self.main.get_by_role("group", name="Which topics does your organisation work on?")
        self.areas = self.main.get_by_role("textbox", name="Which areas do you serve?")
        self.citywide = self.main.get_by_role("checkbox", name="We work across the whole city", exact=True)
        self.rank_button = self.main.get_by_role("button", name="Rank the partnerships")
        self.results = self.main.locator("#results")
        self.ranked = self.results.get_by_role("heading", level=3, name=re.compile(r"^Number \d+ – "))
        self.follow_button = self.main.get_by_role("button", name="Follow the partnerships you chose")

    def topic(self, label: str) -> Locator:
        return self.topics.get_by_role("checkbox", name=label, exact=True)

    def follow(self, name: str) -> Locator:
        return self.results.get_by_role("checkbox", name=f"Follow {name}", exact=True)


def expect_ticked(group: Locator, names: list[str]) -> None:
    """Exactly these boxes of a group are ticked."""
    expect(group.get_by_role("checkbox", checked=True)).to_have_count(len(names))
    for name in names:
        expect(group.get_by_role("checkbox", name=name, exact=True)).to_be_checked()


def test_an_organisation_uses_match_and_follows_three_partnerships(
    page: Page, app: Flask, mailbox: Mailbox, smtp: SmtpSettings, live_server: str
) -> None:
    address = f"match-{uuid4().hex[:12]}@example.org"
    match = MatchPage(page)
    page.goto("/match")
    expect(page.get_by_role("heading", level=1)).to_have_text("Which Local Care Partnerships should we prioritise?")

    # Two topics, the whole city.
    match.topic(AGEING_WELL).check()
    match.topic(MENTAL_HEALTH).check()
    match.citywide.check()
    match.rank_button.click()

    expect(page).to_have_url(re.compile(r"/match\?"))
    expect(match.results.get_by_role("heading", level=2).first).to_have_text("9 partnerships match your topics")
    expect(match.ranked.nth(0)).to_have_text(f"Number 1 – {LS25}")
    expect(match.ranked.nth(1)).to_have_text(f"Number 2 – {WOODSLEY}")
    expect(match.ranked.nth(2)).to_have_text(f"Number 3 – {CROSS_GATES}")
    expect(match.results).to_contain_text(f"{AGEING_WELL} – Priority: Frailty and advance care planning")
    expect(match.results).to_contain_text(f"{MENTAL_HEALTH} – Raised by residents in 2021 (Big Leeds Chat)")
    expect(match.results.get_by_role("link", name=LS25, exact=True)).to_have_attribute("href", "/lcps/ls25-ls26")
    # What was chosen stays chosen.
    expect(match.topic(AGEING_WELL)).to_be_checked()
    expect(match.citywide).to_be_checked()

    # The four with a published priority on one of the two topics are ticked; keep three of them.
    expect_ticked(match.results, [f"Follow {name}" for name in (LS25, WOODSLEY, CROSS_GATES, MORLEY)])
    expect(match.results).to_contain_text(f"Has evidence on {AGEING_WELL}, but none yet on {MENTAL_HEALTH}.")
    match.follow(CROSS_GATES).uncheck()
    match.follow_button.click()

    # Registration, with those three ticked, both topics, and "an organisation".
    expect(page).to_have_url(re.compile(r"/register\?"))
    query = parse_qs(urlsplit(page.url).query)
    assert query["kind"] == ["organisation"]
    assert "areas" not in query, "the whole city, and no areas typed"
    assert sorted(query["lcp"]) == ["ls25-ls26", "morley-district", "woodsley-holt-park"]
    main = page.get_by_role("main")
    lcps = main.get_by_role("group", name="Local Care Partnerships", exact=True)
    expect_ticked(lcps, CHOSEN)
    expect_ticked(main.get_by_role("group", name="Topics", exact=True), [MENTAL_HEALTH, AGEING_WELL])
    expect(main.get_by_role("radio", name="An organisation or group", exact=True)).to_be_checked()

    main.get_by_role("textbox", name="Email address", exact=True).fill(address)
    main.get_by_role("textbox", name="Name of the organisation", exact=True).fill("Leeds Falls Friends")
    main.get_by_role("radio", name="Charity or voluntary organisation", exact=True).check()
    main.get_by_role("radio", name="The whole city", exact=True).check()
    main.get_by_role("radio", name="Once a month", exact=True).check()
    main.get_by_role("checkbox", name=re.compile(r"^I agree that Leeds Local Care Partnerships may keep")).check()
    main.get_by_role("button", name="Register", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    # The confirmation email, over real SMTP.
    with app.app_context():
        deliver_due(WORKER, smtp)
    messages = mailbox.to(address)
    assert len(messages) == 1, [message["Subject"] for message in messages]
    links = set(re.findall(rf"{re.escape(live_server)}/confirm/[\w.-]+", mailbox.text(messages[0])))
    assert len(links) == 1, links
    page.goto(links.pop())
    page.get_by_role("button", name="Confirm and start following").click()

    # The preferences page: exactly the three chosen partnerships.
    expect(page).to_have_url(re.compile(r"/preferences/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your choices")
    preferences = page.get_by_role("main")
    expect_ticked(preferences.get_by_role("group", name="Local Care Partnerships", exact=True), CHOSEN)
    expect(preferences).to_contain_text("Registered for: Leeds Falls Friends")


def test_match_with_results_is_accessible(page: Page) -> None:
    match = MatchPage(page)
    page.goto("/match?topic=ageing-well&topic=mental-health&areas=LS14%2C+Crossgates%2C+Roundhay%2C+LS29")
    expect(match.ranked.first).to_be_visible()
    expect(match.results).to_contain_text("is not on this site yet")
    assert_accessible(page)


def test_match_with_errors_is_accessible_and_keeps_what_was_typed(page: Page) -> None:
    match = MatchPage(page)
    page.goto("/match")
    match.areas.fill("Seacroft, Xyz")
    match.rank_button.click()
    summary = page.get_by_role("alert", name="There is a problem")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link", name="Choose at least one topic")).to_have_attribute("href", "#topic-0")
    expect(match.areas).to_have_value("Seacroft, Xyz")
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_accessible(page)


def test_the_example_ranks_by_area_first_and_carries_the_areas_to_registration(either_page: Page) -> None:
    """Loneliness and ageing well for LS14, LS15 and LS9, typed in, with and without JavaScript."""
    page = either_page
    match = MatchPage(page)
    page.goto("/match")
    match.topic(LONELINESS).check()
    match.topic(AGEING_WELL).check()
    match.areas.fill("LS14, LS15, LS9")
    match.rank_button.click()

    expect(match.results.get_by_role("heading", level=2).first).to_have_text(
        "4 partnerships serve the areas you entered"
    )
    expect(match.ranked.nth(0)).to_have_text(f"Number 1 – {SEACROFT}")
    expect(match.ranked.nth(3)).to_have_text(f"Number 4 – {LS25}")
    first = match.results.locator(".app-match__item").first
    expect(first.get_by_role("heading", level=3)).to_have_text(f"Number 1 – {SEACROFT}")
    expect(first.locator(".app-match__why")).to_have_text(
        f"Covers 1 of your 3 areas (LS14), and has evidence on {LONELINESS}, but none yet on {AGEING_WELL}."
    )
    expect(match.results.get_by_text("Reaches LS15 only through places it names (Barwick-in-Elmet)")).to_be_visible()
    expect(match.follow(SEACROFT)).to_be_checked()
    expect(match.follow(LS25)).not_to_be_checked()
    # York Road is listed apart: its sources name no area, so nothing says whether it serves these.
    expect(
        match.results.get_by_role("heading", level=2, name="Partnerships whose areas we do not know yet")
    ).to_be_visible()
    expect(match.results.get_by_role("link", name=YORK_ROAD, exact=True)).to_be_visible()
    expect(match.results.get_by_text("We do not know which areas York Road covers.")).to_be_visible()
    expect(match.follow(YORK_ROAD)).not_to_be_checked()

    # Next: registration, with the areas typed.
    match.follow_button.click()
    expect(page).to_have_url(re.compile(r"/register\?.*areas="))
    query = parse_qs(urlsplit(page.url).query)
    assert query["areas"] == ["LS14, LS15, LS9"]
    assert query["kind"] == ["organisation"]
    assert sorted(query["lcp"]) == ["cross-gates", "hatch", "seacroft"]


def test_the_example_is_accessible_and_follows_by_keyboard(page: Page) -> None:
    match = MatchPage(page)
    page.goto(EXAMPLE)
    expect(match.ranked.first).to_have_text(f"Number 1 – {SEACROFT}")
    assert_accessible(page)
    # York Road's box is reached and ticked by keyboard.
    box = match.follow(YORK_ROAD)
    box.focus()
    page.keyboard.press("Space")
    expect(box).to_be_checked()


def test_the_results_fit_a_320px_phone_in_urdu(rtl_phone_page: Page) -> None:
    page = rtl_phone_page
    page.set_viewport_size(SMALLEST_PHONE)
    response = page.goto(f"{EXAMPLE}&lang=ur")
    assert response is not None and response.status == 200
    assert page.locator("html").get_attribute("dir") == "rtl"
    problems = sideways_problems(page)
    if violations := axe_violations(page):
        problems.append(f"axe: {describe(violations)}")
    cards = page.locator("#results .app-match__item")
    assert cards.count() == 5, "four ranked, and York Road"
    for index in range(cards.count()):
        box = cards.nth(index).bounding_box()
        assert box is not None
        if box["x"] < -0.5 or box["x"] + box["width"] > SMALLEST_PHONE["width"] + 0.5:
            problems.append(f"card {index} spans {box['x']:.0f}–{box['x'] + box['width']:.0f}px")
        why = cards.nth(index).locator(".app-match__why").bounding_box()
        assert why is not None and why["width"] > 0
        if why["x"] < box["x"] - 0.5 or why["x"] + why["width"] > box["x"] + box["width"] + 0.5:
            problems.append(f"the sentence of card {index} leaves its card")
    assert not problems, "\n".join(problems)
