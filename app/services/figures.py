"""The figures staff see on the dashboard and the public sees as each partnership's scorecard.

Everything counts routings: one submission in the hands of one partnership, from the moment it reached
that partnership. Four figures, each over a period (the last 30, 90 or 365 days, ending today in Leeds):

- items by status: where the items that arrived in the period stand now;
- items by topic over time: arrivals per topic per week (per month over a year);
- time to first response: from arrival to the first answer from staff (a status beyond received, or a
  published reply), as a median in days, over the items that have had one; the rest are "waiting";
- share with a published outcome: items with a "you said, we did" reply published by that partnership.

Example content (`is_demo`) is never counted: it must not drive what the site concludes. The public
scorecard shows nothing for a partnership with fewer than `SUPPRESS_BELOW` items in its period, so
that no figure describes one or two people's reports.

The scorecard also states the partnership's first-response target (`Lcp.response_target_days`, in working days:
`app.services.targets`) and, once at least `SUPPRESS_BELOW` items have been answered, how many of the answered
items were answered within it, measured against the target as it is now, with how many still waiting are past it.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, case, exists, func, literal, select

from app.clock import london_date, london_to_utc, london_today
from app.extensions import db
from app.models import Lcp, PublishedResponse, Routing, Submission, Topic
from app.models.submissions import STATUSES, submission_topic
from app.services import targets

PERIODS = (30, 90, 365)
DEFAULT_PERIOD = 90
SCORECARD_DAYS = 90
# Fewer items than this in a period and the public scorecard shows no figures.
SUPPRESS_BELOW = 10
# The busiest topics get a chart of their own; the rest are added up as "Other topics".
TOPICS_CHARTED = 6

STATUS_LABELS = {
    "received": _l("Received, not yet answered"),
    "looking": _l("Being looked at"),
    "shared": _l("Shared with a partner"),
    "acted": _l("Acted on"),
    "closed": _l("Closed"),
}


@dataclass
class Responsiveness:
    """Time to first response and published outcomes for one group of items."""

    items: int
    answered: int
    median_days: float | None
    with_outcome: int
    # Days from arrival to first response, one per answered item, for combining groups' medians.
    days: list[float] = field(default_factory=list, repr=False)

    @property
    def waiting(self) -> int:
        return self.items - self.answered

    @property
    def outcome_percent(self) -> int | None:
        return round(100 * self.with_outcome / self.items) if self.items else None


@dataclass
class Bucket:
    start: date
    label: str


@dataclass
class Figures:
    days: int
    start: date
    end: date
    lcps: list[Lcp]
    by_status: list[tuple[str, str, int]]
    buckets: list[Bucket]
    bucket_unit: str
    # (topic label, counts per bucket), busiest first, then "Other topics" and "No topic" when there are any.
    by_topic: list[tuple[str, list[int]]]
    overall: Responsiveness
    by_lcp: list[tuple[Lcp, Responsiveness]]

    @property
    def total(self) -> int:
        return self.overall.items

    @property
    def topic_peak(self) -> int:
        return max((max(counts) for _label, counts in self.by_topic if counts), default=0)


def period_days(value: str | int | None) -> int:
    try:
        days = int(value or DEFAULT_PERIOD)
    except (TypeError, ValueError):
        return DEFAULT_PERIOD
    return days if days in PERIODS else DEFAULT_PERIOD


def _in_scope(lcp_ids: list[int], since: datetime) -> tuple[ColumnElement[bool], ...]:
    """What every figure counts: these partnerships' routings from `since`, example content left out.

    Example submissions are few, so they are named in a small subquery rather than joined: a join on
    the submission table would have the database read every submission of the period to test one flag."""
    examples = select(Submission.id).where(Submission.is_demo.is_(True))
    return (
        Routing.lcp_id.in_(lcp_ids or [-1]),
        Routing.created_at >= since,
        Routing.submission_id.not_in(examples),
    )


def _responsiveness(lcp_ids: list[int], since: datetime) -> tuple[dict[int, Responsiveness], Counter[str]]:
    """Time to first response and outcomes per partnership, and items by status, counted by the database.

    Only the answered items' two times come back, for the medians; everything else is a count."""
    scope = _in_scope(lcp_ids, since)
    outcome = exists().where(
        and_(PublishedResponse.submission_id == Routing.submission_id, PublishedResponse.lcp_id == Routing.lcp_id)
    )
    counts = (
        select(
            Routing.lcp_id,
            Routing.status,
            func.count(),
            func.count(Routing.first_response_at),
            func.coalesce(func.sum(case((outcome, 1), else_=0)), 0),
        )
        .where(*scope)
        .group_by(Routing.lcp_id, Routing.status)
    )
    days: dict[int, list[float]] = defaultdict(list)
    answered = select(Routing.lcp_id, Routing.created_at, Routing.first_response_at).where(
        *scope, Routing.first_response_at.is_not(None)
    )
    for lcp_id, created_at, first_response_at in db.session.execute(answered):
        if first_response_at is None:  # never: the query keeps only answered routings
            continue
        days[lcp_id].append(max((first_response_at - created_at).total_seconds(), 0) / 86400)
    per_lcp: dict[int, Responsiveness] = {}
    statuses: Counter[str] = Counter()
    for lcp_id, status, items, answered_count, with_outcome in db.session.execute(counts):
        statuses[status] += items
        so_far = per_lcp.setdefault(lcp_id, Responsiveness(0, 0, _median(days[lcp_id]), 0, days[lcp_id]))
        so_far.items += items
        so_far.answered += answered_count
        so_far.with_outcome += int(with_outcome)
    return per_lcp, statuses


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _combined(parts: list[Responsiveness]) -> Responsiveness:
    days = [value for part in parts for value in part.days]
    return Responsiveness(
        items=sum(part.items for part in parts),
        answered=sum(part.answered for part in parts),
        median_days=_median(days),
        with_outcome=sum(part.with_outcome for part in parts),
        days=days,
    )


def _buckets(start: date, end: date, days: int) -> tuple[list[Bucket], str]:
    """Weeks (starting on Monday) for a short period, calendar months for a year."""
    buckets: list[Bucket] = []
    if days > 120:
        month = start.replace(day=1)
        while month <= end:
            buckets.append(Bucket(month, format_date(month, "MMM y")))
            month = (month + timedelta(days=32)).replace(day=1)
        return buckets, "month"
    week = start - timedelta(days=start.weekday())
    while week <= end:
        buckets.append(Bucket(week, format_date(week, "d MMM")))
        week += timedelta(days=7)
    return buckets, "week"


def _bucket_of(buckets: list[Bucket]) -> ColumnElement[int]:
    """An SQL expression for the bucket a routing arrived in: buckets start at midnight in Leeds."""
    starts = [london_to_utc(bucket.start) for bucket in buckets]
    whens = [(Routing.created_at >= start, index) for index, start in reversed(list(enumerate(starts))) if index]
    return case(*whens, else_=0) if whens else literal(0)


def dashboard(lcps: list[Lcp], days: int = DEFAULT_PERIOD) -> Figures:
    end = london_today()
    start = end - timedelta(days=days - 1)
    lcp_ids = [lcp.id for lcp in lcps]
    since = london_to_utc(start)
    scope = _in_scope(lcp_ids, since)
    per_lcp, statuses = _responsiveness(lcp_ids, since)
    by_status = [(status, str(STATUS_LABELS[status]), statuses.get(status, 0)) for status in STATUSES]

    buckets, unit = _buckets(start, end, days)
    # Each routing counts once under each of its submission's topics, or once under "no topic".
    arrivals = (
        select(submission_topic.c.topic_id.label("topic_id"), _bucket_of(buckets).label("bucket"))
        .select_from(Routing)
        .outerjoin(submission_topic, submission_topic.c.submission_id == Routing.submission_id)
        .where(*scope)
        .subquery()
    )
    per_topic: dict[int | None, list[int]] = defaultdict(lambda: [0] * len(buckets))
    counted = select(arrivals.c.topic_id, arrivals.c.bucket, func.count()).group_by(
        arrivals.c.topic_id, arrivals.c.bucket
    )
    for topic_id, bucket, count in db.session.execute(counted):
        per_topic[topic_id][bucket] += count
    labels = {topic.id: topic.label for topic in db.session.scalars(select(Topic).order_by(Topic.position))}
    ranked = sorted(
        (topic_id for topic_id in per_topic if topic_id is not None),
        key=lambda topic_id: (-sum(per_topic[topic_id]), labels.get(topic_id, "")),
    )
    by_topic = [(labels.get(topic_id, "?"), per_topic[topic_id]) for topic_id in ranked[:TOPICS_CHARTED]]
    rest = ranked[TOPICS_CHARTED:]
    if rest:
        by_topic.append((str(_l("Other topics")), [sum(per_topic[t][i] for t in rest) for i in range(len(buckets))]))
    if None in per_topic:
        by_topic.append((str(_l("No topic chosen")), per_topic[None]))

    by_lcp = [(lcp, per_lcp.get(lcp.id, Responsiveness(0, 0, None, 0))) for lcp in lcps]
    return Figures(
        days=days,
        start=start,
        end=end,
        lcps=lcps,
        by_status=by_status,
        buckets=buckets,
        bucket_unit=unit,
        by_topic=by_topic,
        overall=_combined([figures for _lcp, figures in by_lcp]),
        by_lcp=by_lcp,
    )


@dataclass
class Scorecard:
    days: int
    figures: Responsiveness
    suppressed: bool
    # The partnership's first-response target, in working days.
    target_days: int = targets.DEFAULT_TARGET_DAYS
    # Of the answered items, how many were answered within the target; and how many still waiting are past it.
    within_target: int = 0
    waiting_past_target: int = 0

    @property
    def shows_target_share(self) -> bool:
        """Whether to say how many answered items were answered within the target: not below `SUPPRESS_BELOW`
        answered items, so no share describes one or two people's reports."""
        return not self.suppressed and self.figures.answered >= SUPPRESS_BELOW

    @property
    def within_target_percent(self) -> int | None:
        answered = self.figures.answered
        return round(100 * self.within_target / answered) if answered else None


def _against_target(lcp: Lcp, since: datetime, today: date) -> tuple[int, int]:
    """How many of the partnership's answered items since `since` were answered within its target (their first
    answer on or before the due day, London days), and how many still unanswered are past it."""
    scope = _in_scope([lcp.id], since)
    answered = db.session.execute(
        select(Routing.created_at, Routing.first_response_at).where(*scope, Routing.first_response_at.is_not(None))
    )
    within = sum(
        1
        for created_at, first_response_at in answered
        if first_response_at is not None
        and london_date(first_response_at) <= targets.due_date(created_at, lcp.response_target_days)
    )
    past = db.session.scalar(
        select(func.count()).where(
            *scope,
            Routing.first_response_at.is_(None),
            Routing.created_at < targets.overdue_before(lcp.response_target_days, today),
        )
    )
    return within, past or 0


def scorecard(lcp: Lcp) -> Scorecard:
    """The public figures for one partnership over the last `SCORECARD_DAYS` days, with its response target."""
    today = london_today()
    since = london_to_utc(today - timedelta(days=SCORECARD_DAYS - 1))
    per_lcp, _statuses = _responsiveness([lcp.id], since)
    figures = per_lcp.get(lcp.id, Responsiveness(0, 0, None, 0))
    card = Scorecard(
        SCORECARD_DAYS, figures, suppressed=figures.items < SUPPRESS_BELOW, target_days=lcp.response_target_days
    )
    if card.shows_target_share:
        card.within_target, card.waiting_past_target = _against_target(lcp, since, today)
    return card
