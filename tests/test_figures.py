"""The figures: the staff dashboard and its CSV downloads, the public scorecard, and theme alerts.

Each test works in a partnership of its own, made here and deleted afterwards (its routings, alerts and
staff links go with it), so the figures it reads are only the items it made.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from uuid import uuid4

import pytest
from flask import Flask
from sqlalchemy import delete, func, select

from app.clock import london_to_utc, london_today, utcnow
from app.extensions import db
from app.models import AuditEvent, Lcp, OutboxMessage, PublishedResponse, Routing, Submission, ThemeAlert, Topic
from app.services import figures, sharing, themes
from app.services.sharing import ShareInput
from tests.conftest import Page


@pytest.fixture
def lcp(app: Flask) -> Iterator[Lcp]:
    """A partnership with nothing in it yet."""
    slug = f"figures-{uuid4().hex[:8]}"
    with app.app_context():
        row = Lcp(slug=slug, name=f"Figures Test {slug[-8:]} LCP", short_name=f"Figures {slug[-8:]}")
        db.session.add(row)
        db.session.commit()
        ident = row.id
        db.session.refresh(row)
        db.session.expunge(row)
    # Yielded outside any app context: a request in the test must not share one (Flask-Login keeps its user there).
    yield row
    with app.app_context():
        made = select(Routing.submission_id).where(Routing.lcp_id == ident)
        db.session.execute(delete(Submission).where(Submission.id.in_(made)))
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.kind == "theme-alert"))
        db.session.execute(delete(Lcp).where(Lcp.id == ident))
        db.session.commit()


@pytest.fixture
def add(app: Flask) -> Callable[..., Submission]:
    """Shares an item with a partnership; `ago` days ago, answered `answered` days after it arrived."""

    def share(
        lcp: Lcp,
        *,
        ago: float = 1,
        answered: float | None = None,
        status: str = "received",
        outcome: bool = False,
        topics: tuple[str, ...] = (),
        demo: bool = False,
    ) -> Submission:
        with app.test_request_context():
            topic_rows = list(db.session.scalars(select(Topic).where(Topic.slug.in_(topics)).order_by(Topic.slug)))
            data = ShareInput(
                body="About the bus to the surgery", lcps=[db.session.get(Lcp, lcp.id)], topics=topic_rows
            )
            if demo:
                # Example content is made as the demo loader makes it: flagged before anything sees it.
                submission = sharing._build(data)
                submission.is_demo = True
                db.session.add(submission)
                db.session.commit()
                assert themes.due(submission) == []
            else:
                from app.commands import Actor
                from app.commands import sharing as sharing_commands

                submission = sharing_commands.share(Actor.resident(), data).submission
            routing = submission.routings[0]
            routing.created_at = utcnow() - timedelta(days=ago)
            routing.status = status
            if answered is not None:
                routing.first_response_at = routing.created_at + timedelta(days=answered)
            if outcome:
                db.session.add(
                    PublishedResponse(submission=submission, lcp=routing.lcp, you_said="Buses", we_did="Asked")
                )
            db.session.commit()
            return submission

    return share


def test_dashboard_figures_count_only_the_period_and_never_example_content(app, lcp, add):
    add(lcp, ago=2, answered=1, status="looking", topics=("ageing-well",))
    add(lcp, ago=10, answered=3, status="acted", outcome=True, topics=("ageing-well", "mental-health"))
    add(lcp, ago=5, status="received", topics=("mental-health",))
    add(lcp, ago=3, answered=0.5, status="closed")
    add(lcp, ago=4, answered=1, status="acted", outcome=True, demo=True, topics=("ageing-well",))
    add(lcp, ago=200, answered=8, status="closed", topics=("ageing-well",))
    with app.test_request_context():
        found = figures.dashboard([lcp], 90)
        assert found.total == 4
        assert {status: count for status, _label, count in found.by_status} == {
            "received": 1,
            "looking": 1,
            "shared": 0,
            "acted": 1,
            "closed": 1,
        }
        shown = found.by_lcp[0][1]
        assert (shown.items, shown.answered, shown.waiting, shown.with_outcome) == (4, 3, 1, 1)
        assert shown.median_days == pytest.approx(1.0)
        assert shown.outcome_percent == 25
        totals = {label: sum(counts) for label, counts in found.by_topic}
        topic_labels = dict(db.session.execute(select(Topic.slug, Topic.label)).all())
        assert totals[topic_labels["ageing-well"]] == 2
        assert totals[topic_labels["mental-health"]] == 2
        assert totals["No topic chosen"] == 1
        assert found.bucket_unit == "week"
        assert all(bucket.start.weekday() == 0 for bucket in found.buckets)

        year = figures.dashboard([lcp], 365)
        assert year.total == 5 and year.bucket_unit == "month"
        assert year.by_lcp[0][1].median_days == pytest.approx(2.0)


def test_a_period_the_url_does_not_offer_falls_back_to_90_days():
    assert figures.period_days("30") == 30
    assert figures.period_days("7") == 90
    assert figures.period_days("a lot") == 90
    assert figures.period_days(None) == 90


def test_the_dashboard_draws_each_figure_with_a_table_and_its_csv(app, lcp, add, staff_client):
    add(lcp, ago=2, answered=1, status="looking", topics=("ageing-well",))
    add(lcp, ago=6, answered=4, status="acted", outcome=True, topics=("ageing-well",))
    add(lcp, ago=3, status="received")
    client = staff_client("staff", (lcp.slug,))
    page = Page(client.get("/admin/"))
    charts = page.soup.select("svg[role=img]")
    assert len(charts) == 4
    for chart in charts:
        assert page.soup.find(id=chart["aria-labelledby"]).name == "title"
        assert page.soup.find(id=chart["aria-describedby"]).name == "desc"
    status_table = page.soup.select_one("#table-status-caption").find_parent("table")
    cells = {row.th.get_text(strip=True): row.td.get_text(strip=True) for row in status_table.tbody.select("tr")}
    assert cells["Received, not yet answered"] == "1"
    assert cells["Being looked at"] == "1"
    assert cells["Acted on"] == "1"
    response_table = page.soup.select_one("#table-response-caption").find_parent("table")
    assert [cell.get_text(strip=True) for cell in response_table.tbody.tr.select("td")] == ["3", "2", "1", "2.5"]
    assert "2.5 days" in charts[2].get_text()
    assert "33% (1 of 3)" in charts[3].get_text()

    response = client.get("/admin/figures/response.csv?days=30")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="response-')
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["Partnership", "Items", "Answered", "Waiting", "Median days to first response"]
    assert rows[1] == [lcp.name, "3", "2", "1", "2.5"]
    topics = list(csv.reader(io.StringIO(client.get("/admin/figures/topics.csv").data.decode("utf-8-sig"))))
    assert topics[0][0] == "Topic" and topics[0][-1] == "Total"
    assert topics[1][-1] == "2" and topics[2][0] == "No topic chosen"
    assert client.get("/admin/figures/secrets.csv").status_code == 404


def test_another_partnerships_worker_does_not_see_these_figures(app, lcp, add, staff_client):
    add(lcp, ago=2, answered=1, status="looking")
    client = staff_client("staff", ("armley",))
    rows = list(csv.reader(io.StringIO(client.get("/admin/figures/status.csv").data.decode("utf-8-sig"))))
    page = Page(client.get("/admin/"))
    assert lcp.name not in page.text()
    assert all(lcp.name not in row for row in rows)
    outcomes = client.get("/admin/figures/outcomes.csv").data.decode("utf-8-sig")
    assert lcp.name not in outcomes and "Armley" in outcomes


# The public scorecard ---------------------------------------------------------------------------------------------


def test_the_scorecard_shows_nothing_below_ten_items(app, lcp, add, client):
    for days in range(9):
        add(lcp, ago=days + 1, answered=2, status="looking")
    with app.test_request_context():
        card = figures.scorecard(lcp)
        assert card.suppressed and card.figures.items == 9
    page = Page(client.get(f"/lcps/{lcp.slug}"))
    assert page.soup.select_one("#responsiveness") is not None
    assert "Fewer than 10 items reached this partnership in the last 90 days" in page.text()
    assert "Median time to first response" not in page.text()


def test_the_scorecard_gives_median_days_and_outcome_share_from_ten_items(app, lcp, add, client):
    for days in range(8):
        add(lcp, ago=days + 1, answered=2, status="looking")
    add(lcp, ago=3, answered=6, status="acted", outcome=True)
    add(lcp, ago=3, status="received")
    add(lcp, ago=120, answered=30, status="closed", outcome=True)
    add(lcp, ago=2, answered=0, demo=True, outcome=True)
    page = Page(client.get(f"/lcps/{lcp.slug}"))
    figures_list = page.soup.select_one("#responsiveness ~ dl")
    assert figures_list is not None
    values = {
        row.select_one("dt").get_text(" ", strip=True): row.select_one("dd").get_text(" ", strip=True)
        for row in figures_list.select(".nhsuk-summary-list__row")
    }
    assert values["Items received"] == "10"
    assert values["Median time to first response"].startswith("2 days")
    assert "9 of the 10" in values["Median time to first response"]
    assert values["Items with a published outcome"].startswith("10%")
    assert "Example" not in values["Items with a published outcome"]


def scorecard_rows(page: Page) -> dict[str, str]:
    figures_list = page.soup.select_one("#responsiveness ~ dl")
    assert figures_list is not None
    return {
        row.select_one("dt").get_text(" ", strip=True): row.select_one("dd").get_text(" ", strip=True)
        for row in figures_list.select(".nhsuk-summary-list__row")
    }


def set_target(app: Flask, lcp: Lcp, days: int) -> None:
    with app.app_context():
        db.session.get(Lcp, lcp.id).response_target_days = days
        db.session.commit()


def test_the_scorecard_states_the_target_even_below_ten_items(app, lcp, add, client):
    add(lcp, ago=2, answered=1, status="looking")
    set_target(app, lcp, 1)
    page = Page(client.get(f"/lcps/{lcp.slug}"))
    target = page.soup.select_one("#response-target")
    assert target is not None
    assert (
        target.get_text(" ", strip=True)
        == "This partnership aims to give every item a first answer within 1 working day."
    )
    assert "Fewer than 10 items reached this partnership" in page.text()
    assert "Answered within its target" not in page.text()


def test_the_scorecard_gives_the_share_answered_within_the_target_beside_the_median(app, lcp, add, client):
    set_target(app, lcp, 5)
    for days in range(9):
        add(lcp, ago=days + 3, answered=2, status="looking")  # within 5 working days, whatever the weekday
    for days in range(3):
        add(lcp, ago=40 + days, answered=20, status="acted")  # 20 days is always more than 5 working days
    add(lcp, ago=30, status="received")  # still waiting, past the target
    add(lcp, ago=1, status="received")  # still waiting, not yet due
    add(lcp, ago=30, answered=1, demo=True)  # example content never counts
    with app.test_request_context():
        card = figures.scorecard(db.session.get(Lcp, lcp.id))
    assert (card.target_days, card.figures.answered, card.within_target, card.waiting_past_target) == (5, 12, 9, 1)
    page = Page(client.get(f"/lcps/{lcp.slug}"))
    assert "within 5 working days." in page.soup.select_one("#response-target").get_text()
    rows = scorecard_rows(page)
    assert rows["Median time to first response"].startswith("2 days")
    assert rows["Answered within its target"] == (
        "75% 9 of the 12 items answered so far had their first answer within 5 working days. "
        "1 item still waiting is past the target."
    )
    assert "Example" not in rows["Answered within its target"]


def test_the_share_within_the_target_waits_for_ten_answered_items(app, lcp, add, client):
    for days in range(9):
        add(lcp, ago=days + 3, answered=2, status="looking")
    add(lcp, ago=4, status="received")
    with app.test_request_context():
        card = figures.scorecard(db.session.get(Lcp, lcp.id))
    assert not card.suppressed and card.figures.answered == 9 and not card.shows_target_share
    page = Page(client.get(f"/lcps/{lcp.slug}"))
    rows = scorecard_rows(page)
    assert "Median time to first response" in rows
    assert "Answered within its target" not in rows
    assert "within 10 working days." in page.soup.select_one("#response-target").get_text()


# Theme alerts -----------------------------------------------------------------------------------------------------


def test_periods_are_fixed_blocks_from_monday_1_january_2024(app, lcp):
    from datetime import date

    lcp.theme_alert_days = 7
    period = themes.period_for(lcp, date(2026, 11, 25))
    assert period.start == date(2026, 11, 23) and period.end == date(2026, 11, 29)
    lcp.theme_alert_days = 14
    assert themes.period_for(lcp, date(2026, 11, 25)).start == date(2026, 11, 16)
    assert themes.period_for(lcp, date(2026, 11, 30)).start == date(2026, 11, 30)


def test_an_alert_fires_once_at_the_threshold_and_not_again_that_period(app, lcp, add, make_staff):
    with app.app_context():
        row = db.session.get(Lcp, lcp.id)
        row.theme_alert_count, row.theme_alert_days = 3, 366
        db.session.commit()
    worker = make_staff("staff", (lcp.slug,))
    viewer = make_staff("viewer", (lcp.slug,))
    make_staff("staff", ("armley",))

    def alerts() -> list[ThemeAlert]:
        with app.app_context():
            return list(db.session.scalars(select(ThemeAlert).where(ThemeAlert.lcp_id == lcp.id)))

    def mail() -> list[tuple[str, str]]:
        with app.app_context():
            return list(
                db.session.execute(
                    select(OutboxMessage.to_address, OutboxMessage.subject)
                    .where(OutboxMessage.kind == "theme-alert")
                    .order_by(OutboxMessage.id)
                )
            )

    add(lcp, ago=0, topics=("ageing-well",))
    add(lcp, ago=0, topics=("ageing-well", "mental-health"))
    add(lcp, ago=0, topics=("ageing-well",), demo=True)
    assert alerts() == []
    add(lcp, ago=0, topics=("ageing-well",))
    raised = alerts()
    assert len(raised) == 1 and raised[0].count == 3
    sent = mail()
    assert sorted(address for address, _subject in sent) == sorted([worker.email, viewer.email])
    assert all(subject.startswith("Theme alert: 3 items on") for _address, subject in sent)
    add(lcp, ago=0, topics=("ageing-well",))
    add(lcp, ago=0, topics=("ageing-well",))
    assert len(alerts()) == 1 and len(mail()) == 2
    add(lcp, ago=0, topics=("mental-health",))
    add(lcp, ago=0, topics=("mental-health",))
    assert len(alerts()) == 2 and len(mail()) == 4


def test_two_checks_crossing_the_threshold_at_once_raise_one_alert(app, lcp, add):
    with app.app_context():
        row = db.session.get(Lcp, lcp.id)
        row.theme_alert_count = 99
        db.session.commit()
    add(lcp, ago=0, topics=("ageing-well",))
    with app.test_request_context():
        row = db.session.get(Lcp, lcp.id)
        topic = db.session.scalar(select(Topic).where(Topic.slug == "ageing-well"))
        period = themes.period_for(row, london_today())
        from app.commands.casework import raise_alert

        assert raise_alert(row, topic, period, 1) is not None
        assert raise_alert(row, topic, period, 1) is None
        count = db.session.scalar(select(func.count(ThemeAlert.id)).where(ThemeAlert.lcp_id == row.id))
        assert count == 1


def test_the_dashboard_lists_the_alert_with_a_link_to_its_items(app, lcp, add, staff_client):
    with app.app_context():
        row = db.session.get(Lcp, lcp.id)
        row.theme_alert_count = 2
        db.session.commit()
    add(lcp, ago=0, topics=("ageing-well",))
    add(lcp, ago=0, topics=("ageing-well",))
    client = staff_client("staff", (lcp.slug,))
    page = Page(client.get("/admin/"))
    alert = page.soup.select_one("#theme-alerts + ul li")
    assert alert is not None and "2 items on" in alert.get_text()
    link = alert.select_one("a")["href"]
    assert f"lcp={lcp.slug}" in link and "topic=ageing-well" in link
    inbox = Page(client.get(link))
    assert len(inbox.soup.select("tbody tr[id^=routing-]")) == 2


def test_staff_set_the_threshold_and_bad_numbers_keep_what_was_typed(app, lcp, staff_client, staff_post):
    client = staff_client("staff", (lcp.slug,))
    url = f"/admin/lcps/{lcp.slug}/theme-alerts"
    page = Page(staff_post(client, url, {"count": "lots", "days": "0"}))
    assert page.soup.title.get_text(strip=True).startswith("Error:")
    assert "Enter a whole number of items from 2 to 500" in page.text()
    assert "Enter a whole number of days from 1 to 366" in page.text()
    assert page.soup.select_one("#count")["value"] == "lots"
    response = staff_post(client, url, {"count": "8", "days": "7"})
    assert response.status_code == 302
    with app.app_context():
        row = db.session.get(Lcp, lcp.id)
        assert (row.theme_alert_count, row.theme_alert_days) == (8, 7)
        audit = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "lcp.theme-alerts", AuditEvent.lcp_id == lcp.id)
        )
        assert json.loads(audit.after) == {"theme_alert_count": 8, "theme_alert_days": 7}
    overview = Page(client.get(f"/admin/lcps/{lcp.slug}"))
    assert "8 items on one topic arrive within a period of 7 days" in overview.text()
    viewer = staff_client("viewer", (lcp.slug,))
    assert viewer.get(url).status_code == 403
    assert staff_client("staff", ("armley",)).get(url).status_code == 404


def test_midnight_in_leeds_is_the_day_boundary(app):
    from datetime import date

    assert london_to_utc(date(2026, 7, 1)).hour == 23
    assert london_to_utc(date(2026, 12, 1)).hour == 0
