"""What the feeds carry: published updates, and recent and coming meetings, for some LCPs and a topic."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import AgendaItem, Lcp, Meeting, Topic, Update
from app.services.directory import utcnow

FEED_LIMIT = 50
# Calendars carry the coming meetings and those of the last year, so they stay small as years pass.
CALENDAR_HISTORY = timedelta(days=365)


def feed_updates(lcps: list[Lcp], topic: Topic | None) -> list[Update]:
    """The newest published updates, newest first; all LCPs when `lcps` is empty."""
    query = (
        select(Update)
        .where(Update.published_at <= utcnow())
        .options(selectinload(Update.lcp), selectinload(Update.topics))
        .order_by(Update.published_at.desc())
        .limit(FEED_LIMIT)
    )
    if lcps:
        query = query.where(Update.lcp_id.in_([lcp.id for lcp in lcps]))
    if topic:
        query = query.where(Update.topics.any(Topic.id == topic.id))
    return list(db.session.scalars(query))


def calendar_meetings(lcps: list[Lcp], topic: Topic | None) -> list[Meeting]:
    """Meetings from a year ago on; with a topic, those with an agenda item on it."""
    query = (
        select(Meeting)
        .where(Meeting.ends_at >= utcnow() - CALENDAR_HISTORY)
        .options(selectinload(Meeting.lcp), selectinload(Meeting.agenda_items).selectinload(AgendaItem.topics))
        .order_by(Meeting.starts_at)
    )
    if lcps:
        query = query.where(Meeting.lcp_id.in_([lcp.id for lcp in lcps]))
    if topic:
        query = query.where(Meeting.agenda_items.any(AgendaItem.topics.any(Topic.id == topic.id)))
    return list(db.session.scalars(query))
