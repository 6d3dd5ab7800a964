"""The staff inbox: which routings a person sees, filtered and paged, and the triage changes made to them.

The inbox lists routings of the person's LCPs (admins: all) newest first, paged by keyset on
(`created_at`, `id`), which the `ix_routing_inbox` index serves, so no page needs an OFFSET. One definition of
what a view shows, `filtered(user, filters)`, serves the inbox's pages, its counts (`app.services.inbox_counts`),
its CSV download and the item page's previous and next. The views (`?view=urgent|new|mine|unassigned|overdue|
follow-ups|closed-week`) are filters like the others, so they combine with them and travel in the same query string.
"Urgent" holds the open routings of items marked "urgent: check today" (`Submission.urgent_at`), and `urgent_top`
the newest-marked few of them, which every other view shows above its list.

Every change (status, assignee, tags) records a history entry on the submission in the caller's transaction, and
neither audits, emails nor commits: the commands in `app.commands.casework` (one routing's status, assignee or
tags, or the inbox's bulk change) check the permission, write the audit record, queue the status emails and
commit.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select
from sqlalchemy.orm import selectinload

from app.clock import in_london, london_date, london_to_utc, london_today
from app.extensions import db
from app.models import Lcp, Routing, StaffUser, Submission, SubmissionEvent, Topic
from app.models.submissions import SOURCES, STATUSES, submission_topic
from app.numbers import database_id
from app.services import keyset, search, sharing, targets

PAGE_SIZE = 25
TAG_LENGTH = 40
TAGS_LIMIT = 300
EXCERPT = 140
# The start of what someone said, as a row of the inbox shows it: a line at a laptop's width.
FIRST_WORDS = 90


# Filters and paging ----------------------------------------------------------------------------------------------

# How staff name each status and each way an item came.
STATUS_LABELS: dict[str, Any] = {
    "received": _l("Received"),
    "looking": _l("Looking at it"),
    "shared": _l("Shared with a partner"),
    "acted": _l("Acted on"),
    "closed": _l("Closed"),
}
SOURCE_LABELS: dict[str, Any] = {"web": _l("Website"), "phone": _l("Phone"), "paper": _l("Paper"), "event": _l("Event")}

# The inbox's views, in the order its navigation lists them, each a filter with a name (`?view=…`).
VIEWS: dict[str, Any] = {
    "urgent": _l("Urgent"),
    "new": _l("New"),
    "mine": _l("Mine"),
    "unassigned": _l("Unassigned"),
    "overdue": _l("Overdue"),
    "follow-ups": _l("New follow-ups"),
    "closed-week": _l("Closed this week"),
}


@dataclass
class Filters:
    """What the inbox's GET form asked for, already checked; `notes` say what was ignored and why."""

    status: str = ""
    lcp: Lcp | None = None
    topic: Topic | None = None
    assignee: str = ""
    source: str = ""
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    sort: str = "newest"
    view: str = ""
    notes: list[str] = field(default_factory=list)
    # Each visible partnership's response target (working days), for the overdue view; read from the partnerships
    # `read_filters` was given, so the view needs no query of its own. Empty: `filtered` reads them.
    targets: dict[int, int] = field(default_factory=dict, repr=False, compare=False)

    def query_args(self) -> dict[str, str]:
        """The filters as query string arguments, for paging links, item links, saved views and the `back` address."""
        args = {
            "view": self.view,
            "status": self.status,
            "lcp": self.lcp.slug if self.lcp else "",
            "topic": self.topic.slug if self.topic else "",
            "assignee": self.assignee,
            "source": self.source,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "q": self.q,
            "sort": self.sort if self.sort != "newest" else "",
        }
        return {key: value for key, value in args.items() if value}


def _read_date(value: str, label: str, notes: list[str]) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        notes.append(_("The %(label)s date was ignored: enter it as YYYY-MM-DD, such as 2026-11-23.", label=label))
        return None


def read_filters(args: Any, user: StaffUser, lcps: list[Lcp]) -> Filters:
    """Filters from a query string; anything not allowed or not understood is left out, with a note."""
    notes: list[str] = []
    found = Filters(notes=notes, targets={lcp.id: lcp.response_target_days for lcp in lcps})
    view = args.get("view", "")
    found.view = view if view in VIEWS else ""
    status = args.get("status", "")
    found.status = status if status in STATUSES else ""
    slug = args.get("lcp", "").strip()
    if slug:
        found.lcp = next((lcp for lcp in lcps if lcp.slug == slug), None)
        if found.lcp is None:
            notes.append(_("The partnership filter was ignored: you can only see your own partnerships’ items."))
    topic = args.get("topic", "").strip()
    if topic:
        found.topic = db.session.scalar(select(Topic).where(Topic.slug == topic))
        if found.topic is None:
            notes.append(_("The topic filter was ignored: there is no such topic."))
    assignee = args.get("assignee", "").strip()
    if assignee in ("me", "none") or database_id(assignee) is not None:
        found.assignee = assignee
    source = args.get("source", "")
    found.source = source if source in SOURCES else ""
    found.date_from = _read_date(args.get("from", ""), _("from"), notes)
    found.date_to = _read_date(args.get("to", ""), _("to"), notes)
    found.q = " ".join(args.get("q", "").split())[:200]
    found.sort = "oldest" if args.get("sort") == "oldest" else "newest"
    return found


@dataclass
class InboxPage:
    routings: list[Routing]
    # Cursors for the next page in the chosen order and for the page before; None when there is none.
    next_after: str | None
    previous_before: str | None


def week_start(today: date | None = None) -> datetime:
    """Monday 00:00 of this week in Leeds, as the naive UTC the database keeps."""
    today = today or london_today()
    return london_to_utc(today - timedelta(days=today.weekday()))


def _targets(user: StaffUser, filters: Filters) -> dict[int, int]:
    """The response target of each partnership the view covers (the chosen one, or all the person's)."""
    if filters.lcp is not None:
        return {filters.lcp.id: filters.lcp.response_target_days}
    if filters.targets:
        return {ident: days for ident, days in filters.targets.items() if user.sees(ident)}
    query = select(Lcp.id, Lcp.response_target_days)
    if not user.is_admin:
        query = query.where(Lcp.id.in_(user.lcp_ids or {-1}))
    return {ident: days for ident, days in db.session.execute(query).tuples()}


def past_target(user: StaffUser, filters: Filters, today: date | None = None) -> ColumnElement[bool]:
    """Routings that arrived before their partnership's target ran out: one term for each target the person's
    partnerships use (usually one or two), each `lcp_id IN (…) AND created_at < <the moment>`, ORed."""
    by_days: dict[int, list[int]] = defaultdict(list)
    for ident, days in _targets(user, filters).items():
        by_days[days].append(ident)
    # `lcp_id + 0`: the partnership is only a condition here, not a way in. Given an index on it, SQLite starts from
    # the partnerships' routings (every one, for a citywide admin: 283 ms at 200,000) instead of walking the newest
    # by `created_at` and stopping at a page (0.1 ms); bench/README.md.
    terms = [
        and_((Routing.lcp_id + 0).in_(sorted(ids)), Routing.created_at < targets.overdue_before(days, today))
        for days, ids in sorted(by_days.items())
    ]
    return or_(*terms) if terms else false()


def _view(query: Select[Routing], user: StaffUser, filters: Filters) -> Select[Routing]:
    still_open = Routing.status != "closed"
    if filters.view == "urgent":
        # Joined to the submissions by `filtered`: marked "urgent: check today" and not closed by this partnership.
        return query.where(Submission.urgent_at.is_not(None), still_open)
    if filters.view == "new":
        return query.where(Routing.opened_at.is_(None), still_open)
    if filters.view == "mine":
        return query.where(Routing.assignee_id == user.id, still_open)
    if filters.view == "unassigned":
        return query.where(Routing.assignee_id.is_(None), still_open)
    if filters.view == "overdue":
        return query.where(Routing.first_response_at.is_(None), still_open, past_target(user, filters))
    if filters.view == "follow-ups":
        return query.where(Routing.has_new_follow_up.is_(True))
    if filters.view == "closed-week":
        return query.where(Routing.status == "closed", Routing.closed_at >= week_start())
    return query


def filtered(user: StaffUser, filters: Filters) -> Select[Routing]:
    """The person's routings that match the filters, in no order: the inbox's pages, its counts, its download and the
    item page's previous and next all start from this. Joined to their submissions only when a filter reads them
    (how it was sent, or a search): the join costs every count and every neighbour a second table."""
    query = select(Routing)
    if filters.source or filters.q or filters.view == "urgent":
        query = query.join(Routing.submission)
    if not user.is_admin:
        query = query.where(Routing.lcp_id.in_(user.lcp_ids or {-1}))
    query = _view(query, user, filters)
    if filters.lcp:
        query = query.where(Routing.lcp_id == filters.lcp.id)
    if filters.status:
        query = query.where(Routing.status == filters.status)
    if filters.topic:
        # EXISTS, not IN: the database walks the newest routings and stops at a page's worth, rather than
        # first listing every submission ever filed under the topic.
        query = query.where(
            exists().where(
                submission_topic.c.submission_id == Routing.submission_id,
                submission_topic.c.topic_id == filters.topic.id,
            )
        )
    if filters.assignee == "me":
        query = query.where(Routing.assignee_id == user.id)
    elif filters.assignee == "none":
        query = query.where(Routing.assignee_id.is_(None))
    elif filters.assignee:
        query = query.where(Routing.assignee_id == int(filters.assignee))
    if filters.source:
        query = query.where(Submission.source == filters.source)
    if filters.date_from:
        query = query.where(Routing.created_at >= london_to_utc(filters.date_from))
    # The last day of the calendar has no day after it to stop before: up to then is no bound at all.
    if filters.date_to and filters.date_to < date.max:
        query = query.where(Routing.created_at < london_to_utc(filters.date_to + timedelta(days=1)))
    if filters.q:
        query = search.matching(query, filters.q)
    return query


# What a page of the inbox loads with its routings: one query each, whatever the page holds.
ROW_OPTIONS = (
    selectinload(Routing.submission).selectinload(Submission.topics),
    selectinload(Routing.lcp),
    selectinload(Routing.assignee),
)


def inbox(
    user: StaffUser, filters: Filters, after: str | None = None, before: str | None = None, size: int = PAGE_SIZE
) -> InboxPage:
    """One page of the person's routings, in the filters' order, after (or before) a keyset cursor."""
    found = keyset.page(
        filtered(user, filters),
        Routing.created_at,
        Routing.id,
        newest_first=filters.sort == "newest",
        after=after,
        before=before,
        size=size,
        options=ROW_OPTIONS,
    )
    return InboxPage(found.rows, found.next_after, found.previous_before)


def everything(user: StaffUser, filters: Filters, batch: int = 500) -> Iterable[Routing]:
    """Every routing the filters match, in their order, a batch at a time (the download): each batch is one keyset
    page, so memory holds a batch, not the whole city."""
    after: str | None = None
    while True:
        page = inbox(user, filters, after=after, size=batch)
        yield from page.routings
        if page.next_after is None:
            return
        after = page.next_after


@dataclass(frozen=True)
class UrgentRow:
    """One open urgent item as the block above the inbox lists it: where it links, whose it is, when it was marked."""

    submission_id: int
    routing_id: int
    lcp_name: str
    marked_at: datetime


URGENT_SHOWN = 5


def urgent_top(user: StaffUser, limit: int = URGENT_SHOWN) -> list[UrgentRow]:
    """The person's open urgent routings, newest-marked first, at most `limit`: one statement (columns, not rows
    with relationships to load), whatever the inbox holds."""
    query = (
        select(Routing.submission_id, Routing.id, Lcp.name, Submission.urgent_at)
        .join(Routing.submission)
        .join(Routing.lcp)
        .where(Submission.urgent_at.is_not(None), Routing.status != "closed")
        .order_by(Submission.urgent_at.desc(), Routing.id.desc())
        .limit(limit)
    )
    if not user.is_admin:
        query = query.where(Routing.lcp_id.in_(user.lcp_ids or {-1}))
    return [
        UrgentRow(submission_id, routing_id, name, marked)
        for submission_id, routing_id, name, marked in db.session.execute(query)
        if marked is not None
    ]


# What a row shows -----------------------------------------------------------------------------------------------


def excerpt(text: str, limit: int = EXCERPT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def first_words(text: str, limit: int = FIRST_WORDS) -> str:
    """The start of what someone said, cut at a space where there is one near the limit, with "…" when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-") + "…"


def age(arrived: datetime, today: date | None = None) -> str:
    """How long ago an item arrived, in London days: "today", "1 day", "3 days"."""
    days = ((today or london_today()) - london_date(arrived)).days
    if days <= 0:
        return _("today")
    return ngettext("%(num)d day", "%(num)d days", days)


@dataclass(frozen=True)
class Target:
    """Where an unanswered item stands against its partnership's target, in words, and how urgent that is:
    "over" (past it), "today" (the last day) or "" (days left)."""

    text: str
    urgency: str


def target(routing: Routing, today: date | None = None) -> Target | None:
    """The target line of a row: None once the item was first answered or closed."""
    if routing.first_response_at is not None or routing.status == "closed":
        return None
    standing = targets.standing(routing.created_at, routing.lcp.response_target_days, today)
    if standing.days < 0:
        return Target(ngettext("%(num)d day over", "%(num)d days over", -standing.days), "over")
    if standing.days == 0:
        return Target(_("due today"), "today")
    return Target(ngettext("due in %(num)d day", "due in %(num)d days", standing.days), "")


@dataclass(frozen=True)
class RowFacts:
    age: str
    target: Target | None


def row_facts(routings: Iterable[Routing], today: date | None = None) -> dict[int, RowFacts]:
    """Each row's age and target in words, for a page: worked out once for each arrival day and target, so a page
    of items from the same few days translates a few phrases, not two for every row."""
    today = today or london_today()
    ages: dict[date, str] = {}
    standings: dict[tuple[date, int], Target | None] = {}
    found: dict[int, RowFacts] = {}
    for routing in routings:
        day = london_date(routing.created_at)
        if day not in ages:
            ages[day] = age(routing.created_at, today)
        waiting = routing.first_response_at is None and routing.status != "closed"
        key = (day, routing.lcp.response_target_days)
        if waiting and key not in standings:
            standings[key] = target(routing, today)
        found[routing.id] = RowFacts(ages[day], standings[key] if waiting else None)
    return found


# The download ----------------------------------------------------------------------------------------------------

EXPORT_HEADER = (
    _l("Item number"),
    _l("Received"),
    _l("First response"),
    _l("Closed"),
    _l("Partnership"),
    _l("Topics"),
    _l("Source"),
    _l("Status"),
    _l("Assigned to"),
    _l("Tags"),
    _l("What they said"),
)


def _london(moment: datetime | None) -> str:
    return in_london(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def export_rows(routings: Iterable[Routing]) -> Iterable[list[object]]:
    """A spreadsheet row for each routing: what the inbox shows, in full, and never anything about the person who
    sent it (no name, address or receipt code)."""
    statuses = {key: str(label) for key, label in STATUS_LABELS.items()}
    sources = {key: str(label) for key, label in SOURCE_LABELS.items()}
    for routing in routings:
        submission = routing.submission
        yield [
            submission.id,
            _london(routing.created_at),
            _london(routing.first_response_at),
            _london(routing.closed_at),
            routing.lcp.name,
            "; ".join(topic.shown_label for topic in submission.topics),
            sources.get(submission.source, submission.source),
            statuses.get(routing.status, routing.status),
            routing.assignee.name if routing.assignee else "",
            routing.tags,
            submission.body,
        ]


# Who may be given an item ----------------------------------------------------------------------------------------


def assignable_staff(lcp_ids: set[int] | None = None) -> list[StaffUser]:
    """Everyone who may be given an item: admins and LCP staff whose accounts are in use; with `lcp_ids`, only
    those who may be given an item of at least one of these partnerships (a worker sees their colleagues, not the
    whole city's staff)."""
    people = list(
        db.session.scalars(
            select(StaffUser)
            .where(StaffUser.role.in_(("admin", "staff")), StaffUser.disabled_at.is_(None))
            .options(selectinload(StaffUser.lcps))
            .order_by(StaffUser.name, StaffUser.id)
        )
    )
    if lcp_ids is None:
        return people
    return [person for person in people if person.is_admin or person.lcp_ids & lcp_ids]


def assignees_by_lcp(people: list[StaffUser], lcp_ids: set[int]) -> dict[int, list[StaffUser]]:
    """Who may be given an item of each of these LCPs, worked out once for a page rather than once a row."""
    able = [(person, person.is_admin, person.lcp_ids) for person in people if person.can_edit]
    able = [(person, admin, ids) for person, admin, ids in able if person.disabled_at is None]
    return {lcp_id: [person for person, admin, ids in able if admin or lcp_id in ids] for lcp_id in lcp_ids}


def can_take(person: StaffUser | None, routing: Routing) -> bool:
    return person is not None and person.can_edit and person.disabled_at is None and person.sees(routing.lcp_id)


# Changes ---------------------------------------------------------------------------------------------------------


class Refused(Exception):
    """A change that cannot be made, with the sentence that says why."""


def normalise_tags(text: str) -> list[str]:
    """Lower-case tags from what was typed: words separated by spaces or commas; anything else becomes hyphens."""
    tags: list[str] = []
    for word in re.split(r"[\s,;]+", (text or "").lower()):
        tag = re.sub(r"[^a-z0-9]+", "-", word).strip("-")[:TAG_LENGTH].strip("-")
        if tag and tag not in tags and len(" ".join([*tags, tag])) <= TAGS_LIMIT:
            tags.append(tag)
    return tags


def _event(routing: Routing, kind: str, body: str, staff: StaffUser) -> None:
    db.session.add(
        SubmissionEvent(
            submission=routing.submission,
            routing=routing,
            kind=kind,
            body=body,
            actor="staff",
            staff_id=staff.id,
            public=False,
        )
    )


def check_status(status: str, reason: str) -> None:
    if status not in STATUSES:
        raise Refused(_("Choose a status."))
    if status == "closed" and not reason.strip():
        raise Refused(_("Enter why the item is being closed. The person who sent it may read the reason."))


def change_status(routing: Routing, status: str, reason: str, staff: StaffUser | None, actor: str = "staff") -> bool:
    """The status rule, in the caller's transaction, without an audit record or an email (`app.commands.casework`
    writes and queues them): returns False when nothing changed; raises Refused when the change is not allowed."""
    reason = reason.strip()
    check_status(status, reason)
    if routing.status == status and routing.status_reason == reason:
        return False
    sharing.set_status(routing, status, reason, actor=actor, staff=staff)
    return True


def find_assignee(value: str) -> StaffUser | None:
    """The staff member a form chose, or None for "Nobody"; raises Refused for anything else."""
    if value in ("", "none"):
        return None
    person_id = database_id(value)
    person = db.session.get(StaffUser, person_id) if person_id is not None else None
    if person is None:
        raise Refused(_("Choose someone from the list, or Nobody."))
    return person


def assign(routing: Routing, person: StaffUser | None, staff: StaffUser) -> bool:
    """Give the routing to `person` (None: nobody), with a history entry; False when it was already theirs."""
    if person is not None and not can_take(person, routing):
        raise Refused(_("Choose someone who works on %(lcp)s, or Nobody.", lcp=routing.lcp.name))
    new_id = person.id if person else None
    if routing.assignee_id == new_id:
        return False
    routing.assignee_id = new_id
    routing.assignee = person
    _event(routing, "assigned", person.name if person else "", staff)
    return True


def set_tags(routing: Routing, tags: list[str], staff: StaffUser) -> bool:
    """Replace the routing's tags, with a history entry; False when they were already these."""
    value = " ".join(tags)
    if routing.tags == value:
        return False
    routing.tags = value
    _event(routing, "tagged", value, staff)
    return True


def bulk(routings: list[Routing], action: str, value: str, reason: str, staff: StaffUser) -> list[int]:
    """One change to many routings, all or none, without audit records or emails (`app.commands.casework.bulk`
    writes one record for them all and queues the status emails); returns the ids of those that changed."""
    if not routings:
        raise Refused(_("Select at least one item."))
    changed: list[int] = []
    if action == "status":
        check_status(value, reason)
        changed = [r.id for r in routings if change_status(r, value, reason, staff)]
    elif action == "assign":
        person = find_assignee(value)
        for routing in routings:
            if person is not None and not can_take(person, routing):
                raise Refused(_("%(name)s does not work on every selected item’s partnership.", name=person.name))
        changed = [r.id for r in routings if assign(r, person, staff)]
    elif action == "tag":
        added = normalise_tags(value)
        if not added:
            raise Refused(_("Enter the tags to add."))
        changed = [r.id for r in routings if set_tags(r, normalise_tags(" ".join([*r.tag_list, *added])), staff)]
    else:
        raise Refused(_("Choose what to do to the selected items."))
    return changed
