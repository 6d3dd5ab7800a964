"""The staff inbox: which routings a person sees, filtered and paged, and the triage changes made to them.

The inbox lists routings of the person's LCPs (admins: all) newest first, paged by keyset on
(`created_at`, `id`), which the `ix_routing_inbox` index serves, so no page needs an OFFSET. Every
change (status, assignee, tags) records a history entry on the submission in the caller's transaction, and
neither audits, emails nor commits: the commands in `app.commands.casework` (one routing's status, assignee or
tags, or the inbox's bulk change) check the permission, write the audit record, queue the status emails and
commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, exists, select
from sqlalchemy.orm import selectinload

from app.clock import london_to_utc
from app.extensions import db
from app.models import Lcp, Routing, StaffUser, Submission, SubmissionEvent, Topic
from app.models.submissions import SOURCES, STATUSES, submission_topic
from app.numbers import database_id
from app.services import keyset, search, sharing

PAGE_SIZE = 25
TAG_LENGTH = 40
TAGS_LIMIT = 300
EXCERPT = 140


# Filters and paging ----------------------------------------------------------------------------------------------


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
    notes: list[str] = field(default_factory=list)

    def query_args(self) -> dict[str, str]:
        """The filters as query string arguments, for paging links and the `back` address."""
        args = {
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
    found = Filters(notes=notes)
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


def filtered(user: StaffUser, filters: Filters) -> Select[tuple[Routing]]:
    """The person's routings that match the filters, joined to their submissions, in no order: the inbox's pages,
    its counts and the item page's previous and next all start from this."""
    query = select(Routing).join(Routing.submission)
    if not user.is_admin:
        query = query.where(Routing.lcp_id.in_(user.lcp_ids or {-1}))
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
        options=(
            selectinload(Routing.submission).selectinload(Submission.topics),
            selectinload(Routing.lcp),
            selectinload(Routing.assignee),
        ),
    )
    return InboxPage(found.rows, found.next_after, found.previous_before)


def excerpt(text: str, limit: int = EXCERPT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def assignable_staff() -> list[StaffUser]:
    """Everyone who may be given an item: admins and LCP staff whose accounts are in use."""
    return list(
        db.session.scalars(
            select(StaffUser)
            .where(StaffUser.role.in_(("admin", "staff")), StaffUser.disabled_at.is_(None))
            .options(selectinload(StaffUser.lcps))
            .order_by(StaffUser.name, StaffUser.id)
        )
    )


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
