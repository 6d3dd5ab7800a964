"""The digest: one email per confirmed person, across everything they follow, with only what is new to them.

For the LCPs a person follows (`follower.lcps`) and the topics they follow (`follower.topics`), a digest holds:

- meetings coming up (kind "meeting"), with their agendas: meetings of a followed LCP, or with an agenda item
  on a followed topic, that have not started yet (a meeting the public cannot attend is labelled so);
- what was decided (kind "outcome"): meetings chosen the same way whose `outcome` is written and which ended
  within the period;
- updates (kind "update"): published within the period, and not later than now, by a followed LCP or tagged
  with a followed topic.

Published answers to residents ("you said, we did") are not in this codebase yet; they join the digest as a
fourth kind when triage lands.

A followed topic brings items from other partnerships only when the person chose "across Leeds"
(`Follower.topic_scope`), or follows no partnership (`app.services.feeds.topics_across_leeds`); by default it
keeps to the partnerships they follow, whose items all come anyway, so it only adds its reason to theirs.

Each item says why it is there (the followed LCP, the followed topics, or both; a topic that brought it from a
partnership not followed says "across Leeds") and appears once however many follows lead to it. Meetings
coming up are the newest news and lead the email, soonest first; what was decided and updates follow, newest
first (by the end of the meeting, by the publication). So when the limit holds items back, they are the oldest
news and the meetings furthest away, which are still to come next time, never a meeting next week.

The period is the last 7 days (weekly) or the last 31 days (monthly) before now, named by the ISO week
("2026-W48") or the month ("2026-11") of now in Leeds time. A person gets at most one digest a period
(`DigestRun` is unique per person and period), and every item a digest lists is recorded (`DigestItem`), so
it is never sent again. A digest lists at most `DIGEST_LIMIT` items, the first in that order, and says how many
more there are, with links to the pages of the followed LCPs and topics they came through. Items held back by
the limit are not recorded; when the person's previous digest was full, this one also looks back over that
digest's period, so what it held back comes now. (Only one period is carried over: what two full digests in a
row both held back is left to the site.) Nothing new means no email and no `DigestRun`.

The `DigestRun`, its `DigestItem`s and the email in the outbox are written in one transaction per person
(`app.commands.system.send_digests`, which `flask digests send` runs), so an item is never recorded as sent
without its email, and an email is never queued twice for a period. The outbox worker (`flask outbox send`)
delivers it later.

Demo content (`is_demo`) is included, tagged "Example content" in the email like on the site, so a
development copy shows what a digest looks like; production never holds demo rows.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import ColumnElement, Select, exists, or_, select
from sqlalchemy.orm import InstrumentedAttribute, selectinload

from app.clock import as_utc, utcnow
from app.extensions import db
from app.formatting import render_markdown
from app.links import absolute_url_for
from app.models import AgendaItem, DigestItem, DigestRun, Follower, Lcp, Meeting, Topic, Update
from app.services.feeds import Why, meeting_topics, topics_across_leeds

# How far back each frequency looks: a week, and the longest calendar month.
PERIOD_LENGTHS = {"weekly": timedelta(days=7), "monthly": timedelta(days=31)}
# After the meetings coming up, newest first; on the same moment, what was decided before an update.
KIND_ORDER = {"update": 0, "outcome": 1}


@dataclass(frozen=True)
class Period:
    """One digest period: `key` names it ("2026-W48", "2026-11"); items count from after `start` to `end`."""

    frequency: str
    key: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Entry:
    """One item in a digest: a meeting coming up, what a meeting decided, or an update, and why it is there."""

    kind: str
    item: Meeting | Update
    when: datetime
    url: str
    # What the person follows that brings it here: the LCP (if they follow it) and the followed topics it is on.
    followed_lcp: Lcp | None
    followed_topics: tuple[Topic, ...]
    # The summary as plain text, for the text part of the email.
    plain_summary: str = ""

    @property
    def lcp(self) -> Lcp:
        return self.item.lcp

    @property
    def is_demo(self) -> bool:
        return self.item.is_demo

    @property
    def why(self) -> Why:
        return Why(self.followed_lcp, self.followed_topics)

    @property
    def across_leeds(self) -> bool:
        """It is here only through followed topics, from a partnership the person does not follow."""
        return self.followed_lcp is None

    @property
    def partners_only(self) -> bool:
        """A meeting the partnership said the public cannot attend (not one where it has not said)."""
        return isinstance(self.item, Meeting) and self.item.public_may_attend is False


@dataclass(frozen=True)
class MorePage:
    """A followed LCP's or topic's page. Its name is read when the email is written, in the person's language."""

    thing: Lcp | Topic
    url: str

    @property
    def name(self) -> str:
        return self.thing.shown_label if isinstance(self.thing, Topic) else self.thing.name

    @property
    def is_english(self) -> bool:
        """A partnership's name stays in English; a topic as the site was set up reads in the person's language."""
        return isinstance(self.thing, Lcp)


@dataclass(frozen=True)
class More:
    """What the limit held back: how many, and the pages of the LCPs and topics they came through."""

    count: int
    pages: tuple[MorePage, ...]


@dataclass
class DigestContent:
    follower: Follower
    period: Period
    items: list[Entry] = field(default_factory=list)
    held_back: list[Entry] = field(default_factory=list)

    @property
    def more(self) -> More | None:
        if not self.held_back:
            return None
        return More(count=len(self.held_back), pages=more_pages(self.follower, self.held_back))

    def email_context(self) -> dict[str, Any]:
        return {"items": self.items, "more": self.more, "period": self.period}


@dataclass
class DigestReport:
    """What one run of `send_digests` (`app.commands.system`) did."""

    frequency: str
    period: str
    considered: int = 0
    queued: int = 0
    nothing_new: int = 0
    already_sent: int = 0
    failed: int = 0


# The period ---------------------------------------------------------------------------------------------------


def period_for(frequency: str, now: datetime) -> Period:
    """The period a digest sent at `now` (naive UTC) covers, named by the week or month in Leeds."""
    if frequency not in PERIOD_LENGTHS:
        raise ValueError(f"digests are weekly or monthly, not {frequency!r}")
    local = as_utc(now).astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))
    if frequency == "weekly":
        year, week, _day = local.isocalendar()
        key = f"{year}-W{week:02d}"
    else:
        key = f"{local.year}-{local.month:02d}"
    return Period(frequency=frequency, key=key, start=now - PERIOD_LENGTHS[frequency], end=now)


def looks_back_to(follower: Follower, period: Period) -> datetime:
    """The start of the period, or of the previous digest's period when that one was full (to carry over)."""
    previous = db.session.scalar(
        select(DigestRun)
        .where(DigestRun.follower_id == follower.id, DigestRun.sent_at < period.end)
        .order_by(DigestRun.sent_at.desc())
        .limit(1)
    )
    length = PERIOD_LENGTHS[period.frequency]
    if (
        previous is not None
        and previous.item_count >= current_app.config["DIGEST_LIMIT"]
        and previous.sent_at >= period.start - length
    ):
        return min(period.start, previous.sent_at - length)
    return period.start


# What is new --------------------------------------------------------------------------------------------------


def _not_sent(follower: Follower, kind: str, item_id: InstrumentedAttribute[int]) -> ColumnElement[bool]:
    return ~exists().where(
        DigestItem.follower_id == follower.id, DigestItem.kind == kind, DigestItem.item_id == item_id
    )


def _followed_meetings(lcp_ids: list[int], topic_ids: list[int]) -> Select[Meeting]:
    wanted: list[ColumnElement[bool]] = []
    if lcp_ids:
        wanted.append(Meeting.lcp_id.in_(lcp_ids))
    if topic_ids:
        wanted.append(Meeting.agenda_items.any(AgendaItem.topics.any(Topic.id.in_(topic_ids))))
    return (
        select(Meeting)
        .where(Meeting.published.is_(True), or_(*wanted))
        .options(selectinload(Meeting.lcp), selectinload(Meeting.agenda_items).selectinload(AgendaItem.topics))
    )


def meetings_coming_up(follower: Follower, lcp_ids: list[int], topic_ids: list[int], now: datetime) -> list[Meeting]:
    query = _followed_meetings(lcp_ids, topic_ids).where(
        Meeting.starts_at >= now, _not_sent(follower, "meeting", Meeting.id)
    )
    return list(db.session.scalars(query))


def meetings_decided(
    follower: Follower, lcp_ids: list[int], topic_ids: list[int], since: datetime, now: datetime
) -> list[Meeting]:
    query = _followed_meetings(lcp_ids, topic_ids).where(
        Meeting.outcome != "",
        Meeting.ends_at > since,
        Meeting.ends_at <= now,
        _not_sent(follower, "outcome", Meeting.id),
    )
    return list(db.session.scalars(query))


def updates_published(
    follower: Follower, lcp_ids: list[int], topic_ids: list[int], since: datetime, now: datetime
) -> list[Update]:
    wanted: list[ColumnElement[bool]] = []
    if lcp_ids:
        wanted.append(Update.lcp_id.in_(lcp_ids))
    if topic_ids:
        wanted.append(Update.topics.any(Topic.id.in_(topic_ids)))
    query = (
        select(Update)
        .where(
            or_(*wanted),
            Update.published.is_(True),
            Update.published_at > since,
            Update.published_at <= now,
            _not_sent(follower, "update", Update.id),
        )
        .options(selectinload(Update.lcp), selectinload(Update.topics))
    )
    return list(db.session.scalars(query))


def plain_text(markdown_text: str) -> str:
    """Staff Markdown as plain text for the text part: sanitised first, links kept as "words (address)"."""
    cleaned = str(render_markdown(markdown_text))

    def link(match: re.Match[str]) -> str:
        href, words = html.unescape(match[1]), match[2]
        return words if html.unescape(words) == href else f"{words} ({href})"

    text = re.sub(r'<a href="([^"]*)"[^>]*>(.*?)</a>', link, cleaned, flags=re.DOTALL)
    text = re.sub(r"<li>", "- ", text)
    text = re.sub(r"(<br\s*/?>|</li>)\s*", "\n", text)
    text = re.sub(r"</(p|h2|h3|blockquote|ul|ol)>\s*", "\n\n", text)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _entry(
    kind: str, item: Meeting | Update, when: datetime, anchor: str, follower: Follower, topics: Iterable[Topic]
) -> Entry:
    on_item = {topic.id for topic in topics}
    return Entry(
        kind=kind,
        item=item,
        when=when,
        url=absolute_url_for("public.lcp_page", slug=item.lcp.slug, _anchor=anchor),
        followed_lcp=item.lcp if item.lcp in follower.lcps else None,
        followed_topics=tuple(topic for topic in follower.topics if topic.id in on_item),
        plain_summary=plain_text(item.body) if isinstance(item, Update) else "",
    )


def collect(follower: Follower, frequency: str, now: datetime | None = None) -> DigestContent:
    """What is new for a person this period and not sent to them before, in digest order, split at the limit."""
    period = period_for(frequency, now or utcnow())
    content = DigestContent(follower=follower, period=period)
    lcp_ids = [lcp.id for lcp in follower.lcps]
    # Topics narrow nothing away and, unless they reach across Leeds, add nothing to the followed partnerships.
    topic_ids = [topic.id for topic in follower.topics] if topics_across_leeds(follower) else []
    if not lcp_ids and not topic_ids:
        return content
    since = looks_back_to(follower, period)
    entries: dict[tuple[str, int], Entry] = {}
    for meeting in meetings_coming_up(follower, lcp_ids, topic_ids, period.end):
        entries["meeting", meeting.id] = _entry(
            "meeting", meeting, meeting.starts_at, f"meeting-{meeting.id}", follower, meeting_topics(meeting)
        )
    for meeting in meetings_decided(follower, lcp_ids, topic_ids, since, period.end):
        entries["outcome", meeting.id] = _entry(
            "outcome", meeting, meeting.ends_at, f"meeting-{meeting.id}", follower, meeting_topics(meeting)
        )
    for update in updates_published(follower, lcp_ids, topic_ids, since, period.end):
        entries["update", update.id] = _entry(
            "update", update, update.published_at, f"update-{update.id}", follower, update.topics
        )
    ordered = in_digest_order(entries.values())
    limit = current_app.config["DIGEST_LIMIT"]
    content.items, content.held_back = ordered[:limit], ordered[limit:]
    return content


def in_digest_order(entries: Iterable[Entry]) -> list[Entry]:
    """Meetings coming up first, soonest first; then what was decided and updates, newest first."""
    entries = list(entries)
    coming = sorted((e for e in entries if e.kind == "meeting"), key=lambda e: (e.when, e.item.id))
    news = sorted(
        (e for e in entries if e.kind != "meeting"), key=lambda e: (e.when, KIND_ORDER[e.kind], e.item.id), reverse=True
    )
    return coming + news


def more_pages(follower: Follower, held_back: list[Entry]) -> tuple[MorePage, ...]:
    """The pages of the followed LCPs and topics that the held-back items came through, in the person's order."""
    lcps = {entry.followed_lcp.id for entry in held_back if entry.followed_lcp}
    topics = {topic.id for entry in held_back for topic in entry.followed_topics}
    return tuple(
        [MorePage(lcp, absolute_url_for("public.lcp_page", slug=lcp.slug)) for lcp in follower.lcps if lcp.id in lcps]
        + [
            MorePage(topic, absolute_url_for("public.topic_page", slug=topic.slug))
            for topic in follower.topics
            if topic.id in topics
        ]
    )


# Sending ------------------------------------------------------------------------------------------------------

QUEUED, NOTHING_NEW, ALREADY_SENT = "queued", "nothing new", "already sent"


def already_sent(follower: Follower, period: Period) -> bool:
    return (
        db.session.scalar(
            select(DigestRun.id).where(DigestRun.follower_id == follower.id, DigestRun.period == period.key)
        )
        is not None
    )


def record_run(follower: Follower, content: DigestContent, now: datetime) -> DigestRun:
    """Record that this digest goes to the person (the run and each item it lists), in the caller's transaction.

    Raises IntegrityError when another run of the command recorded this period, or these items, first.
    `app.commands.system.send_digest` queues the email and commits them together.
    """
    run = DigestRun(follower_id=follower.id, period=content.period.key, sent_at=now, item_count=len(content.items))
    db.session.add(run)
    db.session.flush()
    db.session.add_all(
        DigestItem(follower_id=follower.id, kind=entry.kind, item_id=entry.item.id, run_id=run.id)
        for entry in content.items
    )
    return run


def due_follower_ids(frequency: str) -> list[int]:
    """Confirmed people who chose this frequency."""
    return list(
        db.session.scalars(
            select(Follower.id)
            .where(Follower.confirmed_at.is_not(None), Follower.frequency == frequency)
            .order_by(Follower.id)
        )
    )
