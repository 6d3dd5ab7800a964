"""What staff are told about items, and when: the reads and claims behind `app.commands.system.notify_staff`.

Each staff member chooses on their account page (`StaffUser.notify_*`):

- new items for their partnerships (a citywide admin: every partnership's, and the items whose sender was not sure
  of their partnership and that no partnership has yet): an email as they arrive (`each`), a daily summary at an
  hour they pick, London time (`daily`), or nothing (`none`);
- a weekly email, on Mondays from 8:00 London time (or the first run after), of the items waiting past their
  partnership's first-response target (`notify_overdue`);
- an email when an item is assigned to them (`notify_assigned`: `staff_mail.send_assigned`, sent by the assign
  command itself, not from here).

`StaffUser.notified_routing_id` and `StaffUser.notified_submission_id` are the watermarks of new items
(`Watermarks`): the highest routing already told of, and the highest submission a citywide admin was told of among
those that reached no partnership ("not sure": an item nobody has routed has no routing id). A run reads the
routings above the first in the person's partnerships and, for a citywide admin, the "not sure" items above the
second, then claims them with one conditional UPDATE that moves both watermarks from the values it read
(`claim_new`), in the transaction that queues the email: of two runs at once, the second finds a watermark moved
and sends nothing. The daily summary and the weekly email claim their London day (`daily_sent_on`) and week
(`overdue_sent_on`) the same way. Example content (`is_demo`) is never counted.

Everything here reads or adds to the caller's transaction; nothing commits or queues an email.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple, cast

from sqlalchemy import ColumnElement, CursorResult, and_, exists, func, or_, select, true, update
from sqlalchemy.orm import selectinload

from app.clock import in_london, london_to_utc
from app.extensions import db
from app.models import Lcp, Routing, StaffUser, Submission
from app.services import targets

EACH, DAILY, NONE = "each", "daily", "none"
CHOICES = (EACH, DAILY, NONE)
HOURS = range(24)
# The weekly email of items past their target goes from this hour on Mondays, London time.
OVERDUE_HOUR = 8
# How many items one email lists; the rest are counted, with a link to the inbox.
LISTED = 25
# How many of a partnership's items past target the weekly email lists, oldest first.
OVERDUE_LISTED = 10
# The start of an item's words shown in an email.
FIRST_WORDS = 100

# The kinds of outbox message (`services/staff_mail.py`).
NEW_ITEMS = "staff-new-items"
DAILY_SUMMARY = "staff-daily-summary"
OVERDUE = "staff-overdue"


def first_words(text: str, limit: int = FIRST_WORDS) -> str:
    """The start of what someone wrote, on one line, cut at a word and marked with "…" when cut."""
    words = " ".join(text.split())
    if len(words) <= limit:
        return words
    cut = words[:limit].rsplit(" ", 1)[0] if " " in words[:limit] else words[:limit]
    return cut.rstrip(",.;:") + "…"


# Who, and which partnerships ---------------------------------------------------------------------------------------


def active_staff_ids() -> list[int]:
    """Every account that may be told anything: not disabled."""
    return list(db.session.scalars(select(StaffUser.id).where(StaffUser.disabled_at.is_(None)).order_by(StaffUser.id)))


def lcps_of(user: StaffUser) -> list[Lcp]:
    """The partnerships whose items the person hears of: all for a citywide admin, otherwise their own."""
    if user.is_admin:
        return list(db.session.scalars(select(Lcp).order_by(Lcp.name)))
    return sorted(user.lcps, key=lambda lcp: lcp.name)


class Watermarks(NamedTuple):
    """What a person has been told of (`StaffUser.notified_routing_id`, `StaffUser.notified_submission_id`), or
    the highest ids when a run began. 0: not started yet (a new account)."""

    routing: int
    submission: int


def highest_routing_id() -> int:
    return db.session.scalar(select(func.max(Routing.id))) or 0


def highest_submission_id() -> int:
    return db.session.scalar(select(func.max(Submission.id))) or 0


def highest_ids() -> Watermarks:
    """The newest routing and submission now: where a new account starts, and how far one run reads."""
    return Watermarks(highest_routing_id(), highest_submission_id())


def watermarks_of(user: StaffUser) -> Watermarks:
    return Watermarks(user.notified_routing_id, user.notified_submission_id)


def _not_example() -> ColumnElement[bool]:
    return Routing.submission_id.not_in(select(Submission.id).where(Submission.is_demo.is_(True)))


def _in_scope(user: StaffUser) -> ColumnElement[bool]:
    if user.is_admin:
        return true()
    return Routing.lcp_id.in_(user.lcp_ids or {-1})


def _unrouted() -> tuple[ColumnElement[bool], ...]:
    """Items whose sender was not sure of their partnership and that no partnership has yet."""
    return (
        Submission.lcp_unsure.is_(True),
        Submission.is_demo.is_(False),
        ~exists().where(Routing.submission_id == Submission.id),
    )


# New items ---------------------------------------------------------------------------------------------------------


@dataclass
class Arrivals:
    """New items for one person: the first `LISTED` routings (oldest first) and "not sure" items, and how many in
    all. `highest` is the highest routing id among them, or the watermark they were read from when there are none;
    `highest_unsure` the same for the "not sure" submissions."""

    routings: list[Routing] = field(default_factory=list)
    routing_count: int = 0
    highest: int = 0
    unsure: list[Submission] = field(default_factory=list)
    unsure_count: int = 0
    highest_unsure: int = 0

    @property
    def count(self) -> int:
        return self.routing_count + self.unsure_count

    @property
    def listed(self) -> int:
        return len(self.routings) + len(self.unsure)

    @property
    def more(self) -> int:
        return self.count - self.listed

    @property
    def watermarks(self) -> Watermarks:
        """Where the person's watermarks move once these are told of."""
        return Watermarks(self.highest, self.highest_unsure)


def new_routings(user: StaffUser, after: int, upto: int) -> Arrivals:
    """The routings of the person's partnerships above the watermark `after`, up to `upto` (the highest routing id
    when the run began), examples left out."""
    where = (Routing.id > after, Routing.id <= upto, _in_scope(user), _not_example())
    count, highest = db.session.execute(select(func.count(), func.max(Routing.id)).where(*where)).one()
    routings: list[Routing] = []
    if count:
        routings = list(
            db.session.scalars(
                select(Routing)
                .where(*where)
                .order_by(Routing.id)
                .limit(LISTED)
                .options(selectinload(Routing.submission), selectinload(Routing.lcp))
            )
        )
    return Arrivals(routings=routings, routing_count=count or 0, highest=highest or after)


def add_unsure(user: StaffUser, arrivals: Arrivals, after: int, upto: int) -> Arrivals:
    """Adds, for a citywide admin, the "not sure" items above the watermark `after`, up to `upto` (the highest
    submission id when the run began), oldest first. Anyone else hears of none: their watermark just follows, so
    becoming an admin later brings no backlog."""
    if not user.is_admin:
        arrivals.highest_unsure = max(after, upto)
        return arrivals
    where = (*_unrouted(), Submission.id > after, Submission.id <= upto)
    count, highest = db.session.execute(select(func.count(), func.max(Submission.id)).where(*where)).one()
    arrivals.unsure_count = count or 0
    arrivals.highest_unsure = highest or after
    room = max(LISTED - len(arrivals.routings), 0)
    if arrivals.unsure_count and room:
        arrivals.unsure = list(db.session.scalars(select(Submission).where(*where).order_by(Submission.id).limit(room)))
    return arrivals


# Where things stand ------------------------------------------------------------------------------------------------


def _unanswered() -> tuple[ColumnElement[bool], ...]:
    return (Routing.first_response_at.is_(None), Routing.status != "closed", _not_example())


def _past_target(lcps: Sequence[Lcp], today: date) -> ColumnElement[bool]:
    """Routings older than their own partnership's target allows, for these partnerships."""
    cutoffs: dict[int, datetime] = {}
    for days in {lcp.response_target_days for lcp in lcps}:
        cutoffs[days] = targets.overdue_before(days, today)
    return or_(
        *(and_(Routing.lcp_id == lcp.id, Routing.created_at < cutoffs[lcp.response_target_days]) for lcp in lcps)
    )


@dataclass(frozen=True)
class Standing:
    """Counts for the daily summary: items nobody has opened yet ("New"), items waiting past their target, and (for
    a citywide admin) "not sure" items no partnership has yet."""

    new: int
    overdue: int
    unrouted: int


def standing(user: StaffUser, today: date) -> Standing:
    lcps = lcps_of(user)
    new = db.session.scalar(
        select(func.count())
        .select_from(Routing)
        .where(_in_scope(user), Routing.opened_at.is_(None), Routing.status != "closed", _not_example())
    )
    overdue = 0
    if lcps:
        overdue = (
            db.session.scalar(
                select(func.count()).select_from(Routing).where(*_unanswered(), _past_target(lcps, today))
            )
            or 0
        )
    unrouted = 0
    if user.is_admin:
        unrouted = db.session.scalar(select(func.count()).select_from(Submission).where(*_unrouted())) or 0
    return Standing(new=new or 0, overdue=overdue, unrouted=unrouted)


@dataclass(frozen=True)
class Overdue:
    """One partnership's items waiting past its target: how many, and the oldest few with where each stands."""

    lcp: Lcp
    count: int
    oldest: list[tuple[Routing, targets.Standing]]


def overdue(user: StaffUser, today: date) -> list[Overdue]:
    """The person's partnerships that have items past their target, by name, each with its oldest items."""
    lcps = lcps_of(user)
    if not lcps:
        return []
    counts = dict(
        db.session.execute(
            select(Routing.lcp_id, func.count())
            .where(*_unanswered(), _past_target(lcps, today))
            .group_by(Routing.lcp_id)
        ).all()
    )
    found = []
    for lcp in lcps:
        count = counts.get(lcp.id, 0)
        if not count:
            continue
        oldest = db.session.scalars(
            select(Routing)
            .where(*_unanswered(), _past_target([lcp], today))
            .order_by(Routing.created_at, Routing.id)
            .limit(OVERDUE_LISTED)
            .options(selectinload(Routing.submission))
        )
        found.append(
            Overdue(
                lcp,
                count,
                [
                    (routing, targets.standing(routing.created_at, lcp.response_target_days, today))
                    for routing in oldest
                ],
            )
        )
    return found


# When ---------------------------------------------------------------------------------------------------------------


def daily_due(user: StaffUser, now: datetime) -> bool:
    """A daily summary is due: the person chose one, their hour has come today in London, and none went today."""
    local = in_london(now)
    return (
        user.notify_new == DAILY
        and local.hour >= user.notify_daily_hour
        and (user.daily_sent_on is None or user.daily_sent_on < local.date())
    )


def week_start(today: date) -> date:
    return today - timedelta(days=today.weekday())


def overdue_due(user: StaffUser, now: datetime) -> bool:
    """The weekly email is due: the person wants it, it is Monday 8:00 in London or later in the week, and none
    went since this Monday."""
    if not user.notify_overdue:
        return False
    monday = week_start(in_london(now).date())
    if now < london_to_utc(monday, time(OVERDUE_HOUR)):
        return False
    return user.overdue_sent_on is None or user.overdue_sent_on < monday


# Claims: one conditional UPDATE each, in the caller's transaction ---------------------------------------------------


def _updated(statement: Any) -> bool:
    result = db.session.execute(statement.execution_options(synchronize_session=False))
    return cast("CursorResult[Any]", result).rowcount == 1


def claim_new(user_id: int, old: Watermarks, new: Watermarks, day: date | None = None) -> bool:
    """Moves both the person's watermarks from `old` to `new` (and, for a daily summary, claims the London `day`);
    False when another run moved either first. Holds the person's row until the caller's transaction ends."""
    statement = update(StaffUser).where(
        StaffUser.id == user_id,
        StaffUser.notified_routing_id == old.routing,
        StaffUser.notified_submission_id == old.submission,
    )
    values: dict[str, Any] = {
        "notified_routing_id": max(new.routing, old.routing),
        "notified_submission_id": max(new.submission, old.submission),
    }
    if day is not None:
        statement = statement.where(or_(StaffUser.daily_sent_on.is_(None), StaffUser.daily_sent_on < day))
        values["daily_sent_on"] = day
    return _updated(statement.values(**values))


def claim_week(user_id: int, today: date) -> bool:
    """Claims this week's email of items past their target; False when one went since Monday already."""
    monday = week_start(today)
    statement = (
        update(StaffUser)
        .where(
            StaffUser.id == user_id,
            or_(StaffUser.overdue_sent_on.is_(None), StaffUser.overdue_sent_on < monday),
        )
        .values(overdue_sent_on=today)
    )
    return _updated(statement)
