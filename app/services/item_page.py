"""The staff item page's reads, in staff words: its history as sentences naming who did what (`history`), how an
urgent item was marked (`urgent_mark`), where the item sits in the inbox view it was opened from, with the items
before and after it (`place_in_view`), and the changes made to a routing since a form was drawn (`changes_since`),
which a refused change shows.

Staff-only: `scripts/check_translations.py` lists this module, so its sentences need no catalogue (the person reads
`app.services.sharing`'s wording on /track instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Routing, StaffUser, Submission, SubmissionEvent
from app.services import triage
from app.services.casework import CHANGE_KINDS

STATUS_LABELS = triage.STATUS_LABELS
# The most changes a refusal lists.
CHANGES_SHOWN = 10


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def person_name(staff: StaffUser | None) -> str:
    """How the history names a member of staff; "A former member of staff" once the account has gone."""
    if staff is None:
        return _("A former member of staff")
    return staff.name or staff.email


# The history, as sentences --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One line of the staff history: a sentence, and words quoted or shown after it (a follow-up, a reply)."""

    event: SubmissionEvent
    text: str
    detail: str = ""
    quoted: bool = False


def _who(event: SubmissionEvent) -> str:
    if event.actor == "person":
        return _("The person")
    if event.actor == "system":
        return _("The site")
    return person_name(event.staff)


def _tag_change(who: str, added: list[str], removed: list[str]) -> str:
    if added and removed:
        return _(
            "%(who)s changed the tags: added %(added)s, removed %(removed)s",
            who=who,
            added=", ".join(added),
            removed=", ".join(removed),
        )
    if added:
        return ngettext(
            "%(who)s added the tag %(tags)s",
            "%(who)s added the tags %(tags)s",
            len(added),
            who=who,
            tags=", ".join(added),
        )
    if removed:
        return ngettext(
            "%(who)s removed the tag %(tags)s",
            "%(who)s removed the tags %(tags)s",
            len(removed),
            who=who,
            tags=", ".join(removed),
        )
    return _("%(who)s saved the tags unchanged", who=who)


def describe(event: SubmissionEvent, tags_before: list[str] | None = None, name_lcp: bool = True) -> Entry:
    """One history entry as a sentence naming who did it. `tags_before` is the routing's tags as the previous tag
    entry left them (a tag entry stores the whole list); `name_lcp` adds the partnership where it could be several."""
    who = _who(event)
    lcp = event.routing.lcp.name if event.routing is not None else ""
    kind = event.kind
    if kind == "received":
        if event.actor == "staff":
            return Entry(event, _("%(who)s entered it for the person.", who=who))
        return Entry(event, _("It was received."))
    if kind == "follow-up":
        return Entry(event, _("The person added:"), event.body, quoted=True)
    if kind == "status":
        status = status_label(event.status)
        if event.actor == "staff":
            text = (
                _("%(who)s changed the status for %(lcp)s to %(status)s", who=who, lcp=lcp, status=status)
                if name_lcp and lcp
                else _("%(who)s changed the status to %(status)s", who=who, status=status)
            )
        else:
            text = (
                _("The status for %(lcp)s was changed to %(status)s", lcp=lcp, status=status)
                if name_lcp and lcp
                else _("The status was changed to %(status)s", status=status)
            )
        return Entry(event, text, _("Reason: %(reason)s", reason=event.body) if event.body else "")
    if kind == "routed":
        if event.actor == "staff":
            return Entry(event, _("%(who)s passed it to %(lcp)s", who=who, lcp=lcp))
        return Entry(event, _("It was passed to %(lcp)s", lcp=lcp))
    if kind == "response":
        return Entry(event, _("%(who)s published a reply for %(lcp)s:", who=who, lcp=lcp), event.body)
    if kind == "assigned":
        if event.body:
            return Entry(event, _("%(who)s assigned it to %(name)s", who=who, name=event.body))
        return Entry(event, _("%(who)s assigned it to nobody", who=who))
    if kind == "tagged":
        before = tags_before or []
        after = event.body.split()
        added = [tag for tag in after if tag not in before]
        removed = [tag for tag in before if tag not in after]
        return Entry(event, _tag_change(who, added, removed))
    if kind == "decision":
        return Entry(event, _("The decision on the agenda item was recorded:"), event.body)
    if kind == "urgent":
        if event.actor == "person":
            return Entry(event, _("What they added matched the urgent list: %(words)s", words=event.body))
        return Entry(event, _("What they wrote matched the urgent list: %(words)s", words=event.body))
    if kind == "urgent-added":
        return Entry(event, _("%(who)s marked it as urgent: %(reason)s", who=who, reason=event.body))
    if kind == "urgent-removed":
        return Entry(event, _("%(who)s removed the urgent mark: %(reason)s", who=who, reason=event.body))
    if kind == "quote-prepared":
        if event.body:
            return Entry(
                event, _("%(who)s prepared their words for quoting, removing: %(removed)s", who=who, removed=event.body)
            )
        return Entry(event, _("%(who)s prepared their words for quoting, removing nothing", who=who))
    if kind == "quote-withdrawn":
        return Entry(event, _("The person withdrew their agreement to be quoted"))
    if kind == "contact-removed":
        return Entry(event, event.body or _("Contact details removed at the end of the retention period."))
    # Anything else (counting items together, say) keeps the words it was stored with, after who did it.
    if event.actor == "staff" and event.body:
        return Entry(event, _("%(who)s: %(what)s", who=who, what=event.body))
    return Entry(event, event.body or kind)


def history(submission: Submission, user: StaffUser) -> list[Entry]:
    """The submission's history for a member of staff, oldest first: every public entry, the follow-ups' words, and
    the staff-only entries (assignees, tags) of the person's own partnerships, never another partnership's."""
    tags: dict[int, list[str]] = {}
    several = len(submission.routings) > 1
    entries = []
    for event in submission.events:
        before: list[str] = []
        if event.kind == "tagged" and event.routing_id is not None:
            before = tags.get(event.routing_id, [])
            tags[event.routing_id] = event.body.split()
        routing = event.routing
        if not event.public and routing is not None and not user.sees(routing.lcp_id):
            continue
        entries.append(describe(event, before, several))
    return entries


@dataclass(frozen=True)
class UrgentMark:
    """How an urgent item came to be marked, for the callout at the top of its page: when, and a sentence saying
    how (the words that matched, or who marked it and why)."""

    at: datetime
    text: str
    by_staff: bool


URGENT_KINDS = ("urgent", "urgent-added")


def urgent_mark(submission: Submission) -> UrgentMark | None:
    """The latest marking of an urgent item (None when it is not urgent): staff's, with their reason, or the
    reviewed list's, with the words that matched (what they wrote, or what they added later)."""
    if submission.urgent_at is None:
        return None
    marks = [event for event in submission.events if event.kind in URGENT_KINDS]
    latest = max(marks, key=lambda event: (event.created_at, event.id or 0), default=None)
    if latest is not None and latest.kind == "urgent-added":
        text = _("Marked by %(name)s because: %(reason)s", name=_who(latest), reason=latest.body)
        return UrgentMark(submission.urgent_at, text, True)
    words = ", ".join(submission.urgent_word_list) or (latest.body if latest is not None else "")
    if latest is not None and latest.actor == "person":
        text = _("What they added matched the urgent list: %(words)s", words=words)
    else:
        text = _("What they wrote matched the urgent list: %(words)s", words=words)
    return UrgentMark(submission.urgent_at, text, False)


def changes_since(routing: Routing, count: int) -> list[Entry]:
    """The last `count` staff changes to the routing (each one added one to its version), oldest first, as
    sentences: what a refused change shows the person who drew their form before them."""
    count = max(0, min(count, CHANGES_SHOWN))
    if count == 0:
        return []
    events = list(
        db.session.scalars(
            select(SubmissionEvent)
            .where(SubmissionEvent.routing_id == routing.id)
            .order_by(SubmissionEvent.created_at, SubmissionEvent.id)
            .options(selectinload(SubmissionEvent.staff), selectinload(SubmissionEvent.routing))
        )
    )
    tags: list[str] = []
    described = []
    for event in events:
        before = tags
        if event.kind == "tagged":
            tags = event.body.split()
        if event.kind in CHANGE_KINDS:
            described.append(describe(event, before, name_lcp=False))
    return described[-count:]


# Where an item sits in an inbox view ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """The routings before and after one in an inbox view's order, and where it is in the view (`position` None:
    it is not in the view, say because its status changed since)."""

    previous: Routing | None
    next: Routing | None
    position: int | None
    total: int


def place_in_view(user: StaffUser, filters: triage.Filters, routing: Routing) -> Place:
    """The neighbours of `routing` in the person's view (`triage.filtered`), in the inbox's order: newest first
    unless the view sorts oldest first, by (`created_at`, `id`) as the inbox's keyset pages are. Three queries:
    the item before, the item after, and one count of the view and of the items before this one."""
    query = triage.filtered(user, filters)
    at, ident = routing.created_at, routing.id
    newer = or_(Routing.created_at > at, and_(Routing.created_at == at, Routing.id > ident))
    older = or_(Routing.created_at < at, and_(Routing.created_at == at, Routing.id < ident))
    newest_first = filters.sort != "oldest"
    before, after = (newer, older) if newest_first else (older, newer)
    ascending = (Routing.created_at, Routing.id)
    descending = (Routing.created_at.desc(), Routing.id.desc())
    options = (selectinload(Routing.submission),)
    previous = cast(
        "Routing | None",
        db.session.scalar(
            query.where(before).order_by(*(ascending if newest_first else descending)).limit(1).options(*options)
        ),
    )
    following = cast(
        "Routing | None",
        db.session.scalar(
            query.where(after).order_by(*(descending if newest_first else ascending)).limit(1).options(*options)
        ),
    )
    rows = query.with_only_columns(Routing.id, Routing.created_at, maintain_column_froms=True).subquery()
    in_view = or_(rows.c.created_at > at, and_(rows.c.created_at == at, rows.c.id > ident))
    if not newest_first:
        in_view = or_(rows.c.created_at < at, and_(rows.c.created_at == at, rows.c.id < ident))
    total, earlier, here = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((in_view, 1), else_=0)), 0),
            func.coalesce(func.sum(case((rows.c.id == ident, 1), else_=0)), 0),
        ).select_from(rows)
    ).one()
    return Place(previous, following, int(earlier) + 1 if here else None, int(total))
