"""Theme alerts: when enough items on one topic reach a partnership within its period, its team hears once.

Each partnership sets its own threshold (`Lcp.theme_alert_count` items) and period
(`Lcp.theme_alert_days` days). Periods are fixed windows counted from Monday 1 January 2024, so "the
same period" means the same thing to everyone: an alert is raised the first time a topic reaches the
threshold inside a window, and never again for that topic in that window (the unique key on
`theme_alert` enforces it, even when two submissions cross the threshold at once). Example content is not
counted.

This module holds the reads: which alerts a submission's arrival completes (`due`), and the alert row and its
emails (`build_alert`, one email to each active staff member linked to the partnership, not one per item).
Raising them, each alert and its emails in one transaction, after a submission is stored or routed, is the
command `app.commands.casework.check_themes`: if it fails, what the person shared is already safe, and the next
check raises the alert.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.clock import london_date, london_to_utc
from app.extensions import db
from app.links import absolute_url_for
from app.models import Lcp, Routing, StaffUser, Submission, ThemeAlert, Topic
from app.models.staff import staff_lcp
from app.models.submissions import submission_topic
from app.services.mail import render_email

EPOCH = date(2024, 1, 1)
MAX_COUNT = 500
MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    start: date
    days: int

    @property
    def end(self) -> date:
        """The last day in the period."""
        return self.start + timedelta(days=self.days - 1)


def period_for(lcp: Lcp, day: date) -> Period:
    days = max(1, lcp.theme_alert_days)
    return Period(EPOCH + timedelta(days=((day - EPOCH).days // days) * days), days)


def count_in_period(lcp: Lcp, topic: Topic, period: Period) -> int:
    return (
        db.session.scalar(
            select(func.count(Routing.id))
            .join(Submission, Submission.id == Routing.submission_id)
            .join(submission_topic, submission_topic.c.submission_id == Routing.submission_id)
            .where(
                Routing.lcp_id == lcp.id,
                submission_topic.c.topic_id == topic.id,
                Routing.created_at >= london_to_utc(period.start),
                Routing.created_at < london_to_utc(period.end + timedelta(days=1)),
                Submission.is_demo.is_(False),
            )
        )
        or 0
    )


def _recipients(lcp: Lcp) -> list[StaffUser]:
    return list(
        db.session.scalars(
            select(StaffUser)
            .join(staff_lcp, staff_lcp.c.staff_user_id == StaffUser.id)
            .where(staff_lcp.c.lcp_id == lcp.id, StaffUser.disabled_at.is_(None))
            .order_by(StaffUser.id)
        )
    )


@dataclass(frozen=True)
class Due:
    """An alert a submission's arrival completes: the partnership, the topic, the period and the count in it."""

    lcp: Lcp
    topic: Topic
    period: Period
    count: int


@dataclass(frozen=True)
class AlertEmail:
    to: str
    subject: str
    text: str
    html: str


def build_alert(lcp: Lcp, topic: Topic, period: Period, count: int) -> tuple[ThemeAlert, list[AlertEmail]]:
    """The alert, added to the session, and its emails to each active staff member of the partnership, for the
    caller to queue and commit together. Nothing is flushed: the caller keeps `db.session.no_autoflush` until
    the alert and its emails go together."""
    recipients = _recipients(lcp)
    with db.session.no_autoflush:
        alert = ThemeAlert(lcp=lcp, topic=topic, period_start=period.start, count=count)
        db.session.add(alert)
        inbox_link = absolute_url_for(
            "admin.inbox",
            lcp=lcp.slug,
            topic=topic.slug,
            **{"from": period.start.isoformat(), "to": period.end.isoformat()},
        )
        emails = []
        for person in recipients:
            subject, text, html = render_email(
                "theme-alert",
                "en_GB",
                alert=alert,
                lcp=lcp,
                topic=topic,
                period=period,
                person=person,
                inbox_link=inbox_link,
                next_start=period.end + timedelta(days=1),
                subject=_l(
                    "Theme alert: %(count)s items on %(topic)s for %(lcp)s",
                    count=count,
                    topic=topic.label,
                    lcp=lcp.name,
                ),
            )
            emails.append(AlertEmail(person.email, subject, text, html))
    return alert, emails


def due(submission: Submission, day: date | None = None) -> list[Due]:
    """The alerts this submission's arrival completes, for each partnership it reached and each topic, that were
    not raised before in their period."""
    if submission.is_demo or not submission.topics:
        return []
    found = []
    for routing in submission.routings:
        lcp = routing.lcp
        period = period_for(lcp, day or london_date(routing.created_at))
        for topic in submission.topics:
            raised_before = select(ThemeAlert.id).where(
                ThemeAlert.lcp_id == lcp.id, ThemeAlert.topic_id == topic.id, ThemeAlert.period_start == period.start
            )
            if db.session.scalar(raised_before):
                continue
            count = count_in_period(lcp, topic, period)
            if count >= lcp.theme_alert_count:
                found.append(Due(lcp, topic, period, count))
    return found


def recent(lcp_ids: list[int], since: date) -> list[ThemeAlert]:
    return list(
        db.session.scalars(
            select(ThemeAlert)
            .where(ThemeAlert.lcp_id.in_(lcp_ids or [-1]), ThemeAlert.period_start >= since)
            .order_by(ThemeAlert.created_at.desc(), ThemeAlert.id.desc())
            .limit(50)
        )
    )
