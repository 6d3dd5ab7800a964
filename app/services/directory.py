"""Looking up LCPs and topics for the public pages: the directory filter, one LCP, one topic."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from app.clock import utcnow
from app.extensions import db
from app.models import AgendaItem, Area, Lcp, LcpPostcodeDistrict, Meeting, Priority, Topic, Update
from app.services.topics import TopicMatch, topic_matches


def get_lcp_or_404(slug: str) -> Lcp:
    lcp = db.session.scalar(select(Lcp).where(Lcp.slug == slug))
    if lcp is None:
        raise NotFound()
    return lcp


def get_lcp_for_page_or_404(slug: str) -> Lcp:
    """One LCP with everything its page shows, loaded in a few queries rather than one per row."""
    lcp = db.session.scalar(
        select(Lcp)
        .where(Lcp.slug == slug)
        .options(
            selectinload(Lcp.areas),
            selectinload(Lcp.gp_practices),
            selectinload(Lcp.district_links).selectinload(LcpPostcodeDistrict.district),
            selectinload(Lcp.partners),
            selectinload(Lcp.priorities).selectinload(Priority.topics),
            selectinload(Lcp.resident_topics),
        )
    )
    if lcp is None:
        raise NotFound()
    return lcp


def get_meeting_or_404(lcp: Lcp, meeting_id: int) -> Meeting:
    """A published meeting of this LCP; another LCP's meeting id, or a draft, is a 404 here, as an unknown one is."""
    meeting = db.session.scalar(
        select(Meeting)
        .where(Meeting.id == meeting_id, Meeting.lcp_id == lcp.id, Meeting.published.is_(True))
        .options(selectinload(Meeting.agenda_items).selectinload(AgendaItem.topics))
    )
    if meeting is None:
        raise NotFound()
    return meeting


def get_topic_or_404(slug: str) -> Topic:
    topic = db.session.scalar(select(Topic).where(Topic.slug == slug))
    if topic is None:
        raise NotFound()
    return topic


def all_topics() -> list[Topic]:
    return list(db.session.scalars(select(Topic).order_by(Topic.position)))


def all_lcps() -> list[Lcp]:
    return list(db.session.scalars(select(Lcp).order_by(Lcp.name)))


def all_area_names() -> list[str]:
    return list(db.session.scalars(select(Area.name).distinct().order_by(Area.name)))


@dataclass
class DirectoryFilter:
    topic: Topic | None = None
    area: str | None = None
    unknown: list[str] = field(default_factory=list)
    # With a topic: why each listed partnership matches it, by LCP id.
    matches: dict[int, TopicMatch] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.topic is not None or self.area is not None


def read_filter(topic_slug: str | None, area: str | None) -> DirectoryFilter:
    """Turns query parameters into a filter; values that match nothing are reported, not ignored silently."""
    result = DirectoryFilter()
    if topic_slug:
        result.topic = db.session.scalar(select(Topic).where(Topic.slug == topic_slug))
        if result.topic is None:
            result.unknown.append(topic_slug)
    if area:
        known = db.session.scalar(select(Area.name).where(Area.name == area).limit(1))
        if known:
            result.area = known
        else:
            result.unknown.append(area)
    return result


def directory(filters: DirectoryFilter) -> list[Lcp]:
    """Partnerships by name; with a topic, only those that match it, best match first."""
    query = (
        select(Lcp)
        .options(selectinload(Lcp.areas), selectinload(Lcp.priorities).selectinload(Priority.topics))
        .order_by(Lcp.name)
    )
    if filters.area:
        query = query.where(Lcp.areas.any(Area.name == filters.area))
    lcps = list(db.session.scalars(query))
    if filters.topic:
        filters.matches = {match.lcp.id: match for match in topic_matches(filters.topic) if match.counts}
        ranked = list(filters.matches)
        lcps = sorted((lcp for lcp in lcps if lcp.id in filters.matches), key=lambda lcp: ranked.index(lcp.id))
    return lcps


@dataclass
class LcpActivity:
    upcoming: list[Meeting]
    past: list[Meeting]
    updates: list[Update]


def activity(lcp: Lcp, now: datetime | None = None, past_limit: int = 5, update_limit: int = 5) -> LcpActivity:
    now = now or utcnow()
    meetings = (
        select(Meeting)
        .where(Meeting.lcp_id == lcp.id, Meeting.published.is_(True))
        .options(selectinload(Meeting.agenda_items).selectinload(AgendaItem.topics))
    )
    upcoming = db.session.scalars(meetings.where(Meeting.ends_at >= now).order_by(Meeting.starts_at)).all()
    past = db.session.scalars(
        meetings.where(Meeting.ends_at < now).order_by(Meeting.starts_at.desc()).limit(past_limit)
    ).all()
    updates = db.session.scalars(
        select(Update)
        .where(Update.lcp_id == lcp.id, Update.published.is_(True), Update.published_at <= now)
        .options(selectinload(Update.topics))
        .order_by(Update.published_at.desc())
        .limit(update_limit)
    ).all()
    return LcpActivity(upcoming=list(upcoming), past=list(past), updates=list(updates))


def next_meetings(limit: int = 5, now: datetime | None = None) -> list[Meeting]:
    """The soonest meetings across every LCP, for the home page."""
    return list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.ends_at >= (now or utcnow()), Meeting.published.is_(True))
            .options(selectinload(Meeting.lcp))
            .order_by(Meeting.starts_at)
            .limit(limit)
        )
    )
