"""What the feeds carry: published updates, and recent and coming meetings, for some LCPs and a topic."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from babel.lists import format_list
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from app.clock import utcnow
from app.extensions import db
from app.models import AgendaItem, Follower, Lcp, Meeting, Topic, Update
from app.services.directory import get_topic_or_404

FEED_LIMIT = 50
# Calendars carry the coming meetings and those of the last year, so they stay small as years pass.
CALENDAR_HISTORY = timedelta(days=365)
# Beyond this many partnerships a title counts them instead of naming them all.
NAMED_IN_TITLE = 3


@dataclass(frozen=True)
class FeedFilter:
    """What a feed or subscription is about: some LCPs (none means all of them) and perhaps one topic."""

    lcps: tuple[Lcp, ...] = ()
    topic: Topic | None = None

    @property
    def lcp_slugs(self) -> list[str]:
        return [lcp.slug for lcp in self.lcps]

    @property
    def topic_slug(self) -> str | None:
        return self.topic.slug if self.topic else None

    def query(self) -> dict[str, list[str] | str]:
        """The `lcp` and `topic` query parameters that ask for this filter again."""
        args: dict[str, list[str] | str] = {}
        if self.lcps:
            args["lcp"] = self.lcp_slugs
        if self.topic:
            args["topic"] = self.topic.slug
        return args

    def _partnerships(self) -> str:
        if len(self.lcps) > NAMED_IN_TITLE:
            return ngettext("%(num)d partnership", "%(num)d partnerships", len(self.lcps))
        return format_list([lcp.short_name for lcp in self.lcps], locale=get_locale() or "en_GB")

    @property
    def meetings_title(self) -> str:
        """What a calendar of these meetings holds, in plain words: "Meetings of Seacroft"."""
        if self.lcps and self.topic:
            return _("Meetings of %(lcps)s about %(topic)s", lcps=self._partnerships(), topic=self.topic.shown_label)
        if self.lcps:
            return _("Meetings of %(lcps)s", lcps=self._partnerships())
        if self.topic:
            return _("Meetings about %(topic)s across Leeds", topic=self.topic.shown_label)
        return _("Every partnership’s meetings")

    @property
    def updates_title(self) -> str:
        """What a news feed of these updates holds, in plain words: "Updates from Seacroft"."""
        if self.lcps and self.topic:
            return _("Updates from %(lcps)s about %(topic)s", lcps=self._partnerships(), topic=self.topic.shown_label)
        if self.lcps:
            return _("Updates from %(lcps)s", lcps=self._partnerships())
        if self.topic:
            return _("Updates about %(topic)s across Leeds", topic=self.topic.shown_label)
        return _("Every partnership’s updates")


def read_feed_filter(lcp_slugs: list[str], topic_slug: str | None) -> FeedFilter:
    """The filter that `lcp` (repeatable) and `topic` ask for; an unknown value is a 404, not an empty feed."""
    slugs = list(dict.fromkeys(lcp_slugs))
    found = {lcp.slug: lcp for lcp in db.session.scalars(select(Lcp).where(Lcp.slug.in_(slugs)))} if slugs else {}
    if len(found) < len(slugs):
        raise NotFound()
    return FeedFilter(tuple(found[slug] for slug in slugs), get_topic_or_404(topic_slug) if topic_slug else None)


def feed_updates(lcps: list[Lcp], topic: Topic | None) -> list[Update]:
    """The newest published updates, newest first; all LCPs when `lcps` is empty."""
    query = (
        select(Update)
        .where(Update.published.is_(True), Update.published_at <= utcnow())
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
        .where(Meeting.ends_at >= utcnow() - CALENDAR_HISTORY, Meeting.published.is_(True))
        .options(selectinload(Meeting.lcp), selectinload(Meeting.agenda_items).selectinload(AgendaItem.topics))
        .order_by(Meeting.starts_at)
    )
    if lcps:
        query = query.where(Meeting.lcp_id.in_([lcp.id for lcp in lcps]))
    if topic:
        query = query.where(Meeting.agenda_items.any(AgendaItem.topics.any(Topic.id == topic.id)))
    return list(db.session.scalars(query))


def topics_across_leeds(follower: Follower) -> bool:
    """Whether the topics a person follows bring meetings and updates from every partnership in Leeds.

    They do when the person chose "across Leeds" (`topic_scope` "leeds"), and when they follow no partnership,
    since then there are no partnerships for a topic to keep to. Otherwise ("followed", the default) a topic adds
    nothing beyond the partnerships they follow, whose meetings and updates all come anyway.
    """
    return follower.topic_scope == "leeds" or not follower.lcps


@dataclass(frozen=True)
class Why:
    """Why a meeting or an update reaches a person: the partnership they follow it belongs to (if they do), and the
    followed topics it is on. With no followed partnership, the topics brought it from across Leeds."""

    lcp: Lcp | None
    topics: tuple[Topic, ...]

    @property
    def across_leeds(self) -> bool:
        return self.lcp is None

    def sentences(self) -> list[str]:
        """The reasons as plain sentences, in the current language: "You follow HATCH"."""
        lines = [_("You follow %(name)s", name=self.lcp.short_name)] if self.lcp else []
        for topic in self.topics:
            if self.lcp is None:
                lines.append(_("You follow the topic %(topic)s (across Leeds)", topic=topic.shown_label))
            else:
                lines.append(_("You follow the topic %(topic)s", topic=topic.shown_label))
        return lines


def why(follower: Follower, lcp: Lcp, topics: Iterable[Topic]) -> Why:
    """Why something of `lcp` on `topics` reaches this person."""
    on_item = {topic.id for topic in topics}
    return Why(
        lcp=lcp if lcp in follower.lcps else None,
        topics=tuple(topic for topic in follower.topics if topic.id in on_item),
    )


def meeting_topics(meeting: Meeting) -> list[Topic]:
    return [topic for agenda_item in meeting.agenda_items for topic in agenda_item.topics]


def partners_only(meeting: Meeting) -> bool:
    """The partnership said the public cannot attend (not "not said", which is None)."""
    return meeting.public_may_attend is False


@dataclass(frozen=True)
class FollowedMeeting:
    meeting: Meeting
    why: Why


def calendar_meetings_followed(follower: Follower) -> list[FollowedMeeting]:
    """A person's calendar: meetings of the partnerships they follow, and meetings about the topics they follow
    where those bring meetings from across Leeds (`topics_across_leeds`), each with why it is there.

    Meetings the public cannot attend are left out unless the person asked for them (`calendar_partners_only`).
    """
    lcp_ids = [lcp.id for lcp in follower.lcps]
    topic_ids = [topic.id for topic in follower.topics] if topics_across_leeds(follower) else []
    if not lcp_ids and not topic_ids:
        return []
    wanted: list[ColumnElement[bool]] = []
    if lcp_ids:
        wanted.append(Meeting.lcp_id.in_(lcp_ids))
    if topic_ids:
        wanted.append(Meeting.agenda_items.any(AgendaItem.topics.any(Topic.id.in_(topic_ids))))
    query = (
        select(Meeting)
        .where(Meeting.ends_at >= utcnow() - CALENDAR_HISTORY, Meeting.published.is_(True), or_(*wanted))
        .options(selectinload(Meeting.lcp), selectinload(Meeting.agenda_items).selectinload(AgendaItem.topics))
        .order_by(Meeting.starts_at)
    )
    if not follower.calendar_partners_only:
        query = query.where(or_(Meeting.public_may_attend.is_(None), Meeting.public_may_attend.is_(True)))
    return [
        FollowedMeeting(meeting, why(follower, meeting.lcp, meeting_topics(meeting)))
        for meeting in db.session.scalars(query)
    ]
