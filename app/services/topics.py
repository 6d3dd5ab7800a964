"""Which partnerships match a topic, ranked, with the reasons a person can check.

A partnership matches a topic through what it has published: a priority on the topic, an agenda
item or an update tagged with it, or residents raising it in the 2021 Big Leeds Chat. Example
content (`is_demo`) is shown beside a match but never makes one: it cannot decide what a
partnership "works on".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.clock import utcnow
from app.extensions import db
from app.formatting import uk_date
from app.models import AgendaItem, Lcp, Meeting, Priority, Topic, Update

# How much each kind of evidence counts when ranking: a published priority says most.
WEIGHTS = {"priority": 4, "agenda": 2, "update": 1, "residents": 1}


@dataclass
class TopicMatch:
    lcp: Lcp
    priorities: list[Priority] = field(default_factory=list)
    agenda_items: list[AgendaItem] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    raised_by_residents: bool = False
    # Example content on the topic: shown, tagged, and never counted.
    example_agenda_items: list[AgendaItem] = field(default_factory=list)
    example_updates: list[Update] = field(default_factory=list)

    @property
    def counts(self) -> bool:
        return bool(self.priorities or self.agenda_items or self.updates or self.raised_by_residents)

    @property
    def score(self) -> int:
        return (
            WEIGHTS["priority"] * len(self.priorities)
            + WEIGHTS["agenda"] * len(self.agenda_items)
            + WEIGHTS["update"] * len(self.updates)
            + WEIGHTS["residents"] * self.raised_by_residents
        )

    @property
    def reasons(self) -> list[str]:
        """ "Priority: Frailty", "Agenda item on 3 March 2026: …", "Raised by residents in 2021"."""
        reasons = [_("Priority: %(title)s", title=priority.title) for priority in self.priorities]
        reasons += [
            _("Agenda item on %(date)s: %(title)s", date=uk_date(item.meeting.starts_at), title=item.title)
            for item in self.agenda_items
        ]
        reasons += [
            _("Update on %(date)s: %(title)s", date=uk_date(update.published_at), title=update.title)
            for update in self.updates
        ]
        if self.raised_by_residents:
            reasons.append(_("Raised by residents in 2021 (Big Leeds Chat)"))
        return reasons


def topic_matches(topic: Topic, now: datetime | None = None) -> list[TopicMatch]:
    """Every partnership with anything on the topic; those that match first, best evidence first."""
    now = now or utcnow()
    has_topic = Topic.id == topic.id
    priorities = db.session.scalars(
        select(Priority)
        .where(Priority.topics.any(has_topic))
        .options(selectinload(Priority.lcp))
        .order_by(Priority.position)
    ).all()
    items = db.session.scalars(
        select(AgendaItem)
        .join(AgendaItem.meeting)
        .where(AgendaItem.topics.any(has_topic), Meeting.published.is_(True))
        .options(selectinload(AgendaItem.meeting).selectinload(Meeting.lcp))
        .order_by(Meeting.starts_at.desc())
    ).all()
    updates = db.session.scalars(
        select(Update)
        .where(Update.topics.any(has_topic), Update.published.is_(True), Update.published_at <= now)
        .options(selectinload(Update.lcp))
        .order_by(Update.published_at.desc())
    ).all()
    raised = db.session.scalars(select(Lcp).where(Lcp.resident_topics.any(has_topic))).all()
    by_lcp: dict[int, TopicMatch] = {}

    def entry(lcp: Lcp) -> TopicMatch:
        return by_lcp.setdefault(lcp.id, TopicMatch(lcp))

    for priority in priorities:
        entry(priority.lcp).priorities.append(priority)
    for item in items:
        match = entry(item.meeting.lcp)
        (match.example_agenda_items if item.meeting.is_demo else match.agenda_items).append(item)
    for update in updates:
        match = entry(update.lcp)
        (match.example_updates if update.is_demo else match.updates).append(update)
    for lcp in raised:
        entry(lcp).raised_by_residents = True
    return sorted(by_lcp.values(), key=lambda match: (not match.counts, -match.score, match.lcp.name))
