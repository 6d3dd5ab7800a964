"""What staff do to a partnership's meetings, agenda items, updates and maturity self-assessments.

These are the reads and the building blocks: `app.commands.content` puts them together with the permission
check, the audit record (the fields changed, before and after) and the commit. A new meeting or update starts
as a draft, which no public page or feed shows until it is published. Anything staff edit or publish stops
being example content (`is_demo`), so `flask demo`, which deletes only example rows, never removes their work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.clock import utcnow
from app.extensions import db
from app.models import (
    AgendaItem,
    Lcp,
    MaturityAssessment,
    MaturityElement,
    MaturityLevel,
    MaturityRating,
    Meeting,
    Update,
)

MEETING_FIELDS = (
    "title",
    "starts_at",
    "ends_at",
    "location",
    "online",
    "joining_details",
    "public_may_attend",
    "summary",
    "outcome",
    "published",
    "is_demo",
)
ITEM_FIELDS = ("title", "description", "topics", "papers", "position")
UPDATE_FIELDS = ("title", "body", "topics", "published", "published_at", "is_demo")
WEB_ADDRESS = re.compile(r"https?://\S+$", re.IGNORECASE)


# Dates and times ----------------------------------------------------------------------------------------------------


# Papers -------------------------------------------------------------------------------------------------------------


def paper_problem(text: str) -> str | None:
    """What is wrong with a list of papers, naming the first line at fault; None when every line is a link."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        address = line.rpartition("|")[2].strip()
        if not WEB_ADDRESS.match(address):
            return _(
                "Line %(number)d of the papers (“%(line)s”) has no web address: end it with an address starting "
                "https:// or http://, as in “Title | https://example.org/paper.pdf”",
                number=number,
                line=line.strip()[:60],
            )
    return None


# Lists for the staff pages ------------------------------------------------------------------------------------------


@dataclass
class MeetingLists:
    upcoming: list[Meeting]
    past: list[Meeting]
    drafts: list[Meeting]


def meetings_for(lcp: Lcp, now: datetime | None = None) -> MeetingLists:
    """A partnership's meetings for staff: published coming and past ones, and drafts, each soonest or latest first."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(Meeting)
        .where(Meeting.lcp_id == lcp.id)
        .options(selectinload(Meeting.agenda_items))
        .order_by(Meeting.starts_at)
    ).all()
    published = [meeting for meeting in rows if meeting.published]
    return MeetingLists(
        upcoming=[meeting for meeting in published if meeting.ends_at >= now],
        past=[meeting for meeting in reversed(published) if meeting.ends_at < now],
        drafts=[meeting for meeting in rows if not meeting.published],
    )


def updates_for(lcp: Lcp) -> list[Update]:
    """A partnership's updates for staff, drafts first, then newest first."""
    return list(
        db.session.scalars(
            select(Update)
            .where(Update.lcp_id == lcp.id)
            .options(selectinload(Update.topics))
            .order_by(Update.published, Update.published_at.desc())
        )
    )


def assessments_for(lcp: Lcp) -> list[MaturityAssessment]:
    return list(
        db.session.scalars(
            select(MaturityAssessment)
            .where(MaturityAssessment.lcp_id == lcp.id)
            .options(
                selectinload(MaturityAssessment.ratings).selectinload(MaturityRating.element),
                selectinload(MaturityAssessment.ratings).selectinload(MaturityRating.level),
            )
            .order_by(MaturityAssessment.assessed_on.desc())
        )
    )


def maturity_elements() -> list[MaturityElement]:
    return list(
        db.session.scalars(
            select(MaturityElement).options(selectinload(MaturityElement.parent)).order_by(MaturityElement.position)
        )
    )


def maturity_levels() -> list[MaturityLevel]:
    return list(db.session.scalars(select(MaturityLevel).order_by(MaturityLevel.rank)))


# Drafts and publishing ----------------------------------------------------------------------------------------------


def _set_status(row: Meeting | Update, action: str) -> str:
    """Apply "publish", "withdraw" or "save" (which keeps a row as it is) and name what happened for the audit log."""
    if action == "publish" and not row.published:
        row.published = True
        if isinstance(row, Update):
            row.published_at = utcnow()
        return "published"
    if action == "withdraw" and row.published:
        row.published = False
        return "withdrawn"
    return "edited"


def _apply(row: Meeting | Update, values: dict[str, Any], action: str) -> str:
    """Write the form's values into a meeting or update (a new one is added and flushed); returns what happened:
    created, edited, published or withdrawn. Staff work on it stops it being example content."""
    new = row.id is None
    for name, value in values.items():
        setattr(row, name, value)
    what = _set_status(row, action)
    row.is_demo = False
    if new:
        db.session.add(row)
        db.session.flush()
        what = "published" if row.published else "created"
    return what


def apply_meeting(meeting: Meeting, values: dict[str, Any], action: str = "save") -> str:
    """A meeting's new values; a new one is a draft unless `action` is "publish"."""
    if meeting.id is None:
        meeting.published = False
    return _apply(meeting, values, action)


def apply_update(update: Update, values: dict[str, Any], action: str = "save") -> str:
    """An update's new values; a new one is a draft unless `action` is "publish", which also dates it now."""
    if update.id is None:
        update.published = False
        update.published_at = utcnow()
    return _apply(update, values, action)


# Agenda items -------------------------------------------------------------------------------------------------------


def claim(meeting: Meeting) -> bool:
    """Staff work on an example meeting makes it theirs: it stops being example content, so `flask demo` keeps it.
    Returns whether it was example content until now (the command audits that)."""
    if not meeting.is_demo:
        return False
    meeting.is_demo = False
    return True


def item_summary(item: AgendaItem) -> str:
    """How the audit log names an agenda item."""
    return f"agenda item “{item.title}” of meeting {item.meeting.id}"


def add_item(meeting: Meeting, values: dict[str, Any]) -> AgendaItem:
    """A new item at the end of the meeting's agenda, flushed."""
    position = max((item.position for item in meeting.agenda_items), default=-1) + 1
    item = AgendaItem(position=position, **values)
    meeting.agenda_items.append(item)
    db.session.flush()
    return item


def edit_item(item: AgendaItem, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(item, name, value)


def remove_item(item: AgendaItem) -> None:
    """Takes the item off its meeting's agenda; the others close up."""
    meeting = item.meeting
    meeting.agenda_items.remove(item)
    _renumber(meeting)


def _renumber(meeting: Meeting) -> None:
    for position, item in enumerate(meeting.agenda_items):
        item.position = position


def move_item(item: AgendaItem, direction: str) -> bool:
    """Swap an item with the one above ("up") or below ("down"); False when it is already at that end."""
    items = list(item.meeting.agenda_items)
    here = items.index(item)
    there = here - 1 if direction == "up" else here + 1
    if direction not in ("up", "down") or not 0 <= there < len(items):
        return False
    items[here], items[there] = items[there], items[here]
    for position, row in enumerate(items):
        row.position = position
    return True


# Maturity -----------------------------------------------------------------------------------------------------------


def assessment_on(lcp: Lcp, day: date) -> MaturityAssessment | None:
    return db.session.scalar(
        select(MaturityAssessment).where(MaturityAssessment.lcp_id == lcp.id, MaturityAssessment.assessed_on == day)
    )


def add_assessment(lcp: Lcp, day: date, ratings: dict[int, int], note: str = "") -> MaturityAssessment:
    """A new self-assessment, flushed: `ratings` maps element ids to level ids; elements not assessed are left out."""
    assessment = MaturityAssessment(lcp=lcp, assessed_on=day, note=note)
    assessment.ratings = [MaturityRating(element_id=element, level_id=level) for element, level in ratings.items()]
    db.session.add(assessment)
    db.session.flush()
    return assessment


def ratings_named(ratings: dict[int, int]) -> dict[str, str]:
    """Element ids to level ids as the audit log names them: element slugs to level labels."""
    labels = {level.id: level.label for level in maturity_levels()}
    slugs = {element.id: element.slug for element in maturity_elements()}
    return {slugs[element]: labels[level] for element, level in ratings.items()}
