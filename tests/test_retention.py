"""Retention of the contact details left with a submission: when staff are told they go, the purge that removes
them once every partnership closed it more than CONTACT_RETENTION_DAYS ago, its command, and what /track and
the staff history show afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import delete, func, select

from app import page_cache
from app.clock import utcnow
from app.commands import Actor
from app.commands import sharing as sharing_commands
from app.commands.system import purge_contacts
from app.extensions import db
from app.models import OutboxMessage, Submission, SubmissionContact, SubmissionEvent
from app.services import retention, sharing
from app.services.people import lcps_by_slug
from app.services.sharing import ContactInput, ShareInput
from tests.conftest import Page

ROOT = Path(__file__).resolve().parent.parent
# A moment long before anything else in the test database was closed, so a purge "as of" a year later can
# only reach what these tests made.
LONG_AGO = datetime(2024, 1, 10, 12, 0)
# `flask retention purge`, as the daily timer runs it.
RETENTION = Actor.system("retention")
REMOVED = "Contact details removed: 365 days had passed since every partnership closed it."


@pytest.fixture
def made(app: Flask) -> Iterator[list[int]]:
    """The ids of the submissions a test makes; they go afterwards, with their contacts, history and mail."""
    ids: list[int] = []
    yield ids
    with app.app_context():
        db.session.execute(delete(Submission).where(Submission.id.in_(ids)))
        db.session.commit()


@pytest.fixture
def make(app: Flask, made: list[int]):
    """Shares a submission through the command (receipt email and all); returns (id, receipt code, email).

    `closed` gives, for each LCP slug, when that partnership closed it, or None to leave it open.
    """

    def share(closed: dict[str, datetime | None] | None = None, *, contact: bool = True):
        closed = {"armley": None} if closed is None else closed
        email = f"retention-{uuid4().hex[:12]}@example.org" if contact else None
        with app.test_request_context():
            submission = sharing_commands.share(
                Actor.resident(),
                ShareInput(
                    body=f"The path by the beck is flooded {uuid4().hex}",
                    lcps=lcps_by_slug(list(closed)),
                    lcp_unsure=not closed,
                    contact=ContactInput(email=email, name="Sam Example", may_contact=True) if email else None,
                ),
            ).submission
            made.append(submission.id)
            for routing in submission.routings:
                moment = closed[routing.lcp.slug]
                if moment is not None:
                    routing.status, routing.closed_at = "closed", moment
            db.session.commit()
            return submission.id, sharing.format_code(submission.receipt_code), email

    return share


def contact_of(submission_id: int) -> SubmissionContact | None:
    db.session.expire_all()
    return db.session.get(Submission, submission_id).contact


def mail_to(email: str) -> int:
    return db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.to_address == email))


def removals(submission_id: int) -> list[SubmissionEvent]:
    return list(
        db.session.scalars(
            select(SubmissionEvent).where(
                SubmissionEvent.submission_id == submission_id, SubmissionEvent.kind == "contact-removed"
            )
        )
    )


def london_day(moment: datetime) -> str:
    day = moment.replace(tzinfo=UTC).astimezone(ZoneInfo("Europe/London"))
    return f"{day.day} {day:%B %Y}"


# When the details go ------------------------------------------------------------------------------------------------


def test_the_removal_date_waits_for_every_partnership_and_counts_from_the_last(app, make, monkeypatch) -> None:
    open_one, _, _ = make({"armley": None})
    closed_one, _, _ = make({"armley": datetime(2026, 3, 5, 12, 0)})
    # 23:30 UTC on 30 June is 00:30 on 1 July in Leeds.
    late_evening, _, _ = make({"armley": datetime(2026, 6, 30, 23, 30)})
    half_closed, _, _ = make({"armley": datetime(2026, 1, 10, 9, 0), "seacroft": None})
    both_closed, _, _ = make({"armley": datetime(2026, 1, 10, 9, 0), "seacroft": datetime(2026, 4, 2, 9, 0)})
    anonymous, _, _ = make({"armley": datetime(2026, 3, 5, 12, 0)}, contact=False)
    unrouted, _, _ = make({})
    with app.test_request_context():

        def removal(submission_id: int) -> date | None:
            return retention.removal_date(db.session.get(Submission, submission_id))

        assert removal(open_one) is None
        assert removal(closed_one) == date(2027, 3, 5)
        assert removal(late_evening) == date(2027, 7, 1)
        assert removal(half_closed) is None
        assert removal(both_closed) == date(2027, 4, 2)
        assert removal(anonymous) is None
        assert removal(unrouted) is None
        # Closed with no time recorded (as the demo's examples are): nothing to count from, so it is kept.
        db.session.get(Submission, open_one).routings[0].status = "closed"
        assert removal(open_one) is None
        db.session.rollback()
        monkeypatch.setitem(app.config, "CONTACT_RETENTION_DAYS", 30)
        assert removal(closed_one) == date(2026, 4, 4)


def test_the_retention_period_is_read_from_the_environment() -> None:
    script = (
        "from app.config import Config, ProductionConfig; "
        "print(Config.CONTACT_RETENTION_DAYS, ProductionConfig.CONTACT_RETENTION_DAYS)"
    )
    environment = {key: value for key, value in os.environ.items() if key != "CONTACT_RETENTION_DAYS"}
    default = subprocess.run([sys.executable, "-c", script], env=environment, cwd=ROOT, capture_output=True, text=True)
    assert default.stdout.split() == ["365", "365"], default.stderr
    environment["CONTACT_RETENTION_DAYS"] = "90"
    chosen = subprocess.run([sys.executable, "-c", script], env=environment, cwd=ROOT, capture_output=True, text=True)
    assert chosen.stdout.split() == ["90", "90"], chosen.stderr


# The purge ----------------------------------------------------------------------------------------------------------


def test_the_purge_removes_only_contacts_closed_everywhere_more_than_the_period_ago(app, make) -> None:
    expired, _, expired_email = make({"armley": LONG_AGO})
    next_day, _, next_day_email = make({"armley": LONG_AGO + timedelta(days=1)})
    half_closed, _, half_email = make({"armley": LONG_AGO, "seacroft": None})
    closed_later, _, _ = make({"armley": LONG_AGO, "seacroft": LONG_AGO + timedelta(days=200)})
    still_open, _, _ = make({"armley": None})
    recent, _, _ = make({"armley": utcnow() - timedelta(days=10)})
    anonymous, _, _ = make({"armley": LONG_AGO}, contact=False)
    kept = (next_day, half_closed, closed_later, still_open, recent)

    with app.test_request_context():
        assert mail_to(expired_email) == 1  # the receipt
        # Not quite a year after the first was closed: nothing has waited long enough.
        assert purge_contacts(RETENTION, now=LONG_AGO + timedelta(days=365)) == 0
        assert contact_of(expired) is not None

        assert purge_contacts(RETENTION, now=LONG_AGO + timedelta(days=365, hours=1)) == 1
        assert contact_of(expired) is None
        for submission_id in kept:
            assert contact_of(submission_id) is not None, submission_id
        # The submission stays, anonymous, and its mail went with the contact.
        submission = db.session.get(Submission, expired)
        assert submission is not None and submission.anonymous
        assert submission.routings[0].status == "closed"
        assert mail_to(expired_email) == 0
        assert mail_to(next_day_email) == 1
        assert mail_to(half_email) == 1
        [event] = removals(expired)
        assert (event.actor, event.public, event.body) == ("system", False, REMOVED)
        assert event.created_at == LONG_AGO + timedelta(days=365, hours=1)
        assert removals(anonymous) == []
        assert all(removals(submission_id) == [] for submission_id in kept)

        # A day later the next one goes too, and a second run the same day finds nothing more.
        assert purge_contacts(RETENTION, now=LONG_AGO + timedelta(days=366, hours=1)) == 1
        assert contact_of(next_day) is None
        assert purge_contacts(RETENTION, now=LONG_AGO + timedelta(days=366, hours=1)) == 0
        assert len(removals(expired)) == 1
        for submission_id in (half_closed, closed_later, still_open, recent):
            assert contact_of(submission_id) is not None, submission_id


def test_the_purge_works_in_batches_and_stops_after_its_last_batch(app, make, monkeypatch) -> None:
    expired = [make({"armley": LONG_AGO})[0] for _ in range(5)]
    monkeypatch.setattr(retention, "BATCH_SIZE", 2)
    monkeypatch.setattr(retention, "MAX_BATCHES", 2)
    with app.test_request_context():
        later = LONG_AGO + timedelta(days=400)
        assert purge_contacts(RETENTION, now=later) == 4
        assert [contact_of(submission_id) is None for submission_id in expired] == [True] * 4 + [False]
        assert purge_contacts(RETENTION, now=later) == 1
        assert all(contact_of(submission_id) is None for submission_id in expired)


def test_a_routing_reopened_before_the_delete_keeps_its_contact(app, make, monkeypatch) -> None:
    """The delete asks the rule again, so a partnership that reopens it at that moment wins."""
    reopened, _, _ = make({"armley": LONG_AGO})
    real_expired = retention._expired
    calls = []

    def reopen_after_the_look_up(cutoff):
        calls.append(cutoff)
        if len(calls) == 2:
            routing = db.session.get(Submission, reopened).routings[0]
            routing.status, routing.closed_at = "looking", None
            db.session.flush()
        return real_expired(cutoff)

    monkeypatch.setattr(retention, "_expired", reopen_after_the_look_up)
    with app.test_request_context():
        assert purge_contacts(RETENTION, now=LONG_AGO + timedelta(days=400)) == 0
        assert contact_of(reopened) is not None
        assert removals(reopened) == []


def test_the_command_says_how_many_and_the_period(app, make) -> None:
    expired, _, _ = make({"armley": utcnow() - timedelta(days=400)})
    recent, _, _ = make({"armley": utcnow() - timedelta(days=300)})
    runner = app.test_cli_runner()
    result = runner.invoke(args=["submissions", "purge-contacts"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Contact details removed from 1 submission that every partnership closed more than 365 days ago "
        "(CONTACT_RETENTION_DAYS).\n"
    )
    again = runner.invoke(args=["submissions", "purge-contacts"])
    assert "removed from 0 submissions" in again.output
    with app.app_context():
        assert contact_of(expired) is None
        assert contact_of(recent) is not None
        assert [event.body for event in removals(expired)] == [REMOVED]


# What people and staff see ---------------------------------------------------------------------------------------


def test_track_never_mentions_the_removal_and_the_staff_history_explains_it(app, client, staff_client, make) -> None:
    expired, code, _ = make({"armley": LONG_AGO})
    before = Page(client.get(f"/track/{code}"))
    with app.test_request_context():
        assert purge_contacts(RETENTION, now=LONG_AGO + timedelta(days=400)) == 1
    after = Page(client.get(f"/track/{code}"))
    assert after.response.status_code == 200
    assert [li.get_text(" ", strip=True) for li in after.soup.select(".app-history li")] == [
        li.get_text(" ", strip=True) for li in before.soup.select(".app-history li")
    ]
    assert "removed" not in after.text().lower()

    page = Page(staff_client("staff", ("armley",)).get(f"/admin/submissions/{expired}"))
    assert page.response.status_code == 200
    assert REMOVED in page.text("#history-list")
    assert "The person did not leave contact details" in page.text()
    assert page.soup.select_one("#contact-retention") is None


def test_the_staff_page_says_when_the_contact_details_go(app, staff_client, make) -> None:
    yesterday_noon = datetime.combine(utcnow().date() - timedelta(days=1), time(12))
    closed, _, _ = make({"armley": yesterday_noon})
    half_closed, _, _ = make({"armley": yesterday_noon, "seacroft": None})
    overdue, _, _ = make({"armley": utcnow() - timedelta(days=400)})
    anonymous, _, _ = make({"armley": yesterday_noon}, contact=False)
    client = staff_client("staff", ("armley",))

    def retention_text(submission_id: int) -> str | None:
        page = Page(client.get(f"/admin/submissions/{submission_id}"))
        assert page.response.status_code == 200
        found = page.soup.select_one("#contact-retention")
        return " ".join(found.get_text(" ").split()) if found else None

    removal_day = london_day(yesterday_noon + timedelta(days=365))
    assert retention_text(closed) == (
        f"Contact details will be removed on {removal_day}, 365 days after every partnership closed it."
    )
    assert retention_text(half_closed) == (
        "Contact details are kept while any partnership is still working on this, then for 365 days after it is closed."
    )
    assert retention_text(overdue) == (
        "Contact details are due to be removed: every partnership closed it more than 365 days ago."
    )
    assert retention_text(anonymous) is None


def test_the_privacy_notice_says_how_long_contact_details_are_kept(app, get_page, monkeypatch) -> None:
    sharing_section = " ".join(get_page("/privacy").text().split())
    assert "delete them 365 days after the last one closes it" in sharing_section
    monkeypatch.setitem(app.config, "CONTACT_RETENTION_DAYS", 1)
    # Settings change only with a restart, which empties the page cache; here it is emptied by hand.
    with app.app_context():
        page_cache.cache.clear()
    assert "delete them 1 day after the last one closes it" in get_page("/privacy").text()


# Everything with a retention period: `flask retention purge` -------------------------------------------------------


def test_retention_purge_removes_each_kind_of_personal_data_after_its_period_and_keeps_the_rest(
    app, make, make_staff
) -> None:
    from app.models import AuditEvent, StaffSession

    old, fresh = utcnow() - timedelta(days=400), utcnow() - timedelta(days=5)
    expired, _, _ = make({"armley": old})
    kept_open, _, _ = make({"armley": None})
    user = make_staff("staff", ("armley",))
    mark = uuid4().hex[:10]
    with app.app_context():
        mail = {
            age: OutboxMessage(
                to_address=f"{age}-{mark}@example.org",
                subject="s",
                text_body="t",
                kind="test",
                message_id=f"<{age}-{mark}@test>",
                status="sent",
                sent_at=when,
                next_attempt_at=when,
            )
            for age, when in (("old", old), ("fresh", fresh))
        }
        queued = OutboxMessage(
            to_address=f"queued-{mark}@example.org",
            subject="s",
            text_body="t",
            kind="test",
            message_id=f"<queued-{mark}@test>",
            next_attempt_at=utcnow(),
        )
        sessions = {
            age: StaffSession(
                token_hash=f"{age}-{mark}".ljust(64, "0"), user_id=user.id, started_at=when, last_seen_at=when
            )
            for age, when in (("old", old), ("fresh", fresh))
        }
        audits = {
            age: AuditEvent(at=when, action="test.retention", summary=f"{age} {mark}", address="192.0.2.9")
            for age, when in (("old", old), ("fresh", fresh))
        }
        db.session.add_all([*mail.values(), queued, *sessions.values(), *audits.values()])
        db.session.commit()
        ids = {
            "mail": {age: message.id for age, message in mail.items()},
            "sessions": {age: session.id for age, session in sessions.items()},
            "audits": {age: event.id for age, event in audits.items()},
            "queued": queued.id,
        }
    result = app.test_cli_runner().invoke(args=["retention", "purge"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Contact details removed from ") and "(CONTACT_RETENTION_DAYS=365)" in lines[0]
    assert "(MAIL_RETENTION_DAYS=30)" in lines[2] and "(AUDIT_ADDRESS_DAYS=90)" in lines[4]
    with app.app_context():
        assert contact_of(expired) is None
        assert contact_of(kept_open) is not None
        assert db.session.get(OutboxMessage, ids["mail"]["old"]) is None
        assert db.session.get(OutboxMessage, ids["mail"]["fresh"]) is not None
        assert db.session.get(OutboxMessage, ids["queued"]) is not None
        assert db.session.get(StaffSession, ids["sessions"]["old"]) is None
        assert db.session.get(StaffSession, ids["sessions"]["fresh"]) is not None
        # The audit entry stays, anonymous; a recent one keeps its address.
        assert db.session.get(AuditEvent, ids["audits"]["old"]).address == ""
        assert db.session.get(AuditEvent, ids["audits"]["fresh"]).address == "192.0.2.9"
        # The submission itself stays, so every count still includes it.
        assert db.session.get(Submission, expired) is not None
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_([ids["mail"]["fresh"], ids["queued"]])))
        db.session.execute(delete(StaffSession).where(StaffSession.id == ids["sessions"]["fresh"]))
        db.session.execute(delete(AuditEvent).where(AuditEvent.id.in_(ids["audits"].values())))
        db.session.commit()
    again = app.test_cli_runner().invoke(args=["retention", "purge"])
    assert "Copies of sent email deleted: 0" in again.output


def test_the_privacy_notice_says_how_long_copies_of_email_are_kept(get_page) -> None:
    assert "Copies of the emails we send you are deleted 30 days after they are sent." in get_page("/privacy").text()
