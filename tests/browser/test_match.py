"""An organisation asks /match which partnerships to prioritise, follows three, and confirms by email over SMTP."""

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
from tests.browser.checks import assert_accessible
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

    # The best three are ticked; keep two, swap the third for the fourth.
    expect_ticked(match.results, [f"Follow {name}" for name in (LS25, WOODSLEY, CROSS_GATES)])
    match.follow(CROSS_GATES).uncheck()
    match.follow(MORLEY).check()
    match.follow_button.click()

    # Registration, with those three ticked, both topics, and "an organisation".
    expect(page).to_have_url(re.compile(r"/register\?"))
    query = parse_qs(urlsplit(page.url).query)
    assert query["kind"] == ["organisation"]
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
