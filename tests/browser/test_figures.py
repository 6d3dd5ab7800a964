"""The figures in Chromium: a worker sees a theme alert and the charts on the dashboard, follows the alert to its
items, changes the period, downloads a figure as CSV and sets the alert threshold by keyboard; a resident
reads the partnership's scorecard on its public page. Every page passes axe and fits a phone.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import timedelta
from uuid import uuid4

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import delete, select

from app.clock import utcnow
from app.commands import Actor
from app.commands import sharing as sharing_commands
from app.extensions import db
from app.models import Lcp, OutboxMessage, PublishedResponse, Routing, Submission, Topic
from app.services.sharing import ShareInput
from tests.browser.checks import assert_accessible, phone_problems
from tests.browser.test_admin import secret_of, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def busy_lcp(app: Flask) -> Iterator[str]:
    """A partnership of its own with twelve items from the last month, four on one topic; removed afterwards."""
    slug = f"busy-{uuid4().hex[:8]}"
    with app.test_request_context():
        lcp = Lcp(slug=slug, name=f"Busy {slug[-8:]} Local Care Partnership", short_name=f"Busy {slug[-8:]}")
        lcp.theme_alert_count = 4
        db.session.add(lcp)
        db.session.commit()
        topic = db.session.scalar(select(Topic).where(Topic.slug == "ageing-well"))
        for number in range(12):
            topics = [topic] if number < 4 else []
            body = f"Item {number} for the busy partnership: the lunch club needs a new hall."
            submission = sharing_commands.share(
                Actor.resident(), ShareInput(body=body, lcps=[lcp], topics=topics)
            ).submission
            routing = submission.routings[0]
            if number >= 4:
                routing.created_at = utcnow() - timedelta(days=number)
            if number % 3:
                routing.status = "looking"
                routing.first_response_at = routing.created_at + timedelta(days=2)
            if number in (1, 5):
                db.session.add(PublishedResponse(submission=submission, lcp=lcp, you_said="A hall", we_did="Found one"))
        db.session.commit()
    yield slug
    with app.app_context():
        ident = db.session.scalar(select(Lcp.id).where(Lcp.slug == slug))
        made = select(Routing.submission_id).where(Routing.lcp_id == ident)
        db.session.execute(delete(Submission).where(Submission.id.in_(made)))
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.kind == "theme-alert"))
        db.session.execute(delete(Lcp).where(Lcp.id == ident))
        db.session.commit()


def test_a_worker_reads_the_figures_follows_an_alert_and_sets_the_threshold(
    page: Page, app: Flask, make_staff, busy_lcp
) -> None:
    user = make_staff("staff", (busy_lcp,), name="Figures Worker")
    sign_in(page, user.email, secret_of(app, user), set())

    alerts = page.locator("#theme-alerts + ul")
    expect(alerts).to_contain_text("4 items on Ageing well (frailty, falls, dementia, carers) reached")
    for name in ("Items by status", "Items by topic over time", "Median days to first response, by partnership"):
        expect(page.get_by_role("img", name=name)).to_be_visible()
    expect(page.get_by_role("table", name="Time to first response, by partnership")).to_contain_text("12")
    assert_accessible(page)

    page.get_by_label("Period", exact=True).select_option("30")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_label("Period", exact=True)).to_have_value("30")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download time to first response as CSV").click()
    download = download_info.value
    with open(download.path(), encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0][0] == "Partnership"
    assert rows[1][1:4] == ["12", "8", "4"]

    alerts.get_by_role("link", name="See them in the inbox").click()
    expect(page.locator("tbody tr[id^=routing-]")).to_have_count(4)

    page.goto(f"/admin/lcps/{busy_lcp}/theme-alerts")
    page.get_by_label("Number of items").fill("four")
    page.get_by_label("Number of items").press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Enter a whole number of items from 2 to 500")
    expect(page.get_by_label("Number of items")).to_have_value("four")
    assert_accessible(page)
    page.get_by_label("Number of items").fill("6")
    page.get_by_label("Number of items").press("Enter")
    expect(page.locator("#theme-alerts + dl")).to_contain_text("6 items on one topic")


def test_the_dashboard_fits_a_phone(phone_page: Page, app: Flask, make_staff, busy_lcp) -> None:
    user = make_staff("staff", (busy_lcp,), name="Phone Figures Worker")
    sign_in(phone_page, user.email, secret_of(app, user), set())
    expect(phone_page.get_by_role("img", name="Items by status")).to_be_visible()
    assert phone_problems(phone_page) == []


def test_a_resident_reads_the_scorecard(page: Page, busy_lcp) -> None:
    page.goto(f"/lcps/{busy_lcp}")
    page.get_by_role("link", name="How quickly it answers").click()
    # The target the partnership set itself comes first, then the figures to judge it by.
    expect(page.locator("#response-target")).to_have_text(
        "This partnership aims to give every item a first answer within 10 working days."
    )
    figures = page.locator("#response-target + p + dl")
    expect(figures).to_contain_text("Items received")
    expect(figures).to_contain_text("12")
    expect(figures).to_contain_text("2 days")
    expect(figures).to_contain_text("17%")
    page.get_by_text("How these figures are worked out").click()
    expect(page.get_by_text("We do not show them when fewer than 10 items arrived")).to_be_visible()
    assert_accessible(page)
