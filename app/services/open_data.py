"""Open data: what the site publishes, as plain JSON-ready dicts, for the API, the downloads and webhook payloads.

Names others import (the API in `app/api/`, the downloads at `/open-data`, the webhook payloads):

- serialisers: `partnership(lcp)`, `partnership_detail(lcp)`, `practice(p)`, `practice_id(p)`, `meeting(m)`,
  `meeting_summary(m)`, `update(u)`, `response(r)`, `topic(t)`, `scorecard(lcp)`;
- counts: `monthly_counts(lcp_slug=None, topic_slug=None, date_from=None, date_to=None)`;
- lists, a page at a time (keyset): `partnerships_page`, `practices_page`, `meetings_page`, `updates_page`,
  `responses_page`, `topics_page`, each `(filters: Filters, after: str | None, limit: int) -> Page`
  (`Page.items` are the dicts above, `Page.next_after` the opaque cursor of the next page or None);
  `every(page_function, filters)` walks every page and returns all items;
- one item (None when it is not public): `find_partnership(slug)`, `find_practice(ident)`, `find_meeting(id)`,
  `find_update(id)`, `find_response(id)`, `find_topic(slug)`;
- `Filters(partnership, topic, date_from, date_to)` (slugs and Leeds dates); `FilterError.problems` names each bad
  filter (`{"partnership": "…", "after": "…"}`), raised by the list functions for an unknown slug or a cursor this
  module did not write.

What is never here:

- example content (`is_demo`: meetings, updates, replies, and replies to example submissions) and drafts (meetings
  and updates with `published` false; updates and replies whose `published_at` is still to come);
- anything a person wrote to a partnership: a reply carries `quote` only as `PublishedResponse.quote` gives it (the
  words as staff prepared them for quoting, other people's details removed, and only while the person agrees),
  never the submission's own text;
- a count under `SUPPRESS_BELOW` (10): it is null, meaning "fewer than 10", so that no figure describes one or two
  people's reports.

Identifiers: a partnership is its slug, a topic its slug, a meeting, update or reply its number. A GP practice is
its NHS ODS code; the few practices the ODS extract lacks are `name:` followed by their name in lower-case ASCII
words joined by hyphens (`name:the-light-surgery`), which stays the same as long as the practice's name does.

Times are ISO 8601 with the offset Leeds had then (`2026-03-05T18:30:00+00:00`, `…+01:00` in summer); days are
`YYYY-MM-DD`. Links are absolute, on `SITE_URL`: `self` the API's address for the item, `html` the site's page.

`monthly_counts` counts **routings**: one item someone shared, in the hands of one partnership, in the month (in
Leeds) it reached that partnership. An item about two partnerships counts once for each; an item on two topics counts
once under each topic, and an item with no topic once with `topic` null.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import selectinload

from app.clock import in_london, london_to_utc, utcnow
from app.extensions import db
from app.formatting import render_markdown
from app.links import absolute_url_for
from app.models import (
    AgendaItem,
    GpPractice,
    Lcp,
    Meeting,
    Priority,
    PublishedResponse,
    Routing,
    Submission,
    Topic,
    Update,
)
from app.models.submissions import submission_topic
from app.services import keyset
from app.services.figures import SUPPRESS_BELOW
from app.services.figures import scorecard as figures_scorecard
from app.services.lcp_admin import kebab

JSON = dict[str, Any]
NAME_PREFIX = "name:"
DEFAULT_LIMIT = 50
MAX_LIMIT = 100


# Small pieces --------------------------------------------------------------------------------------------------


def _link(endpoint: str, **values: Any) -> str:
    """An absolute address on SITE_URL, in no particular language (`lang` left off whatever the request's)."""
    return absolute_url_for(endpoint, lang=None, **values)


def _links(api_endpoint: str, api_values: dict[str, Any], html_endpoint: str, **html_values: Any) -> JSON:
    return {"self": _link(api_endpoint, **api_values), "html": _link(html_endpoint, **html_values)}


def _time(moment: datetime | None) -> str | None:
    """A stored (naive UTC) moment as ISO 8601 with Leeds's offset at that moment."""
    return in_london(moment).isoformat() if moment is not None else None


def _count(value: int | None) -> int | None:
    """A count as published: null when under SUPPRESS_BELOW ("fewer than 10")."""
    return value if value is not None and value >= SUPPRESS_BELOW else None


def _slugs(topics: list[Topic]) -> list[str]:
    return [topic.slug for topic in topics]


# Serialisers ---------------------------------------------------------------------------------------------------


def topic(t: Topic) -> JSON:
    return {
        "id": t.slug,
        "label": t.label,
        "summary": t.summary,
        "links": _links("api.topic", {"slug": t.slug}, "public.topic_page", slug=t.slug),
    }


def partnership(lcp: Lcp) -> JSON:
    return {
        "id": lcp.slug,
        "name": lcp.name,
        "short_name": lcp.short_name,
        "confidence": lcp.confidence,
        "links": _links("api.partnership", {"slug": lcp.slug}, "public.lcp_page", slug=lcp.slug),
    }


def scorecard(lcp: Lcp) -> JSON:
    """The public scorecard (`figures.scorecard`, the last 90 days) with every count under 10 as null, and the
    figures drawn from fewer than 10 items (the median, the shares) null too."""
    card = figures_scorecard(lcp)
    figures = card.figures
    shown = not card.suppressed
    answered = _count(figures.answered) if shown else None
    return {
        "days": card.days,
        "suppressed": card.suppressed,
        "items": _count(figures.items) if shown else None,
        "answered": answered,
        "waiting": _count(figures.waiting) if shown else None,
        "median_days": round(figures.median_days, 1)
        if answered is not None and figures.median_days is not None
        else None,
        "with_outcome": _count(figures.with_outcome) if shown else None,
        "outcome_percent": figures.outcome_percent if shown and _count(figures.with_outcome) is not None else None,
        "target_days": card.target_days,
        "within_target": _count(card.within_target) if card.shows_target_share else None,
        "within_target_percent": card.within_target_percent
        if card.shows_target_share and _count(card.within_target) is not None
        else None,
        "waiting_past_target": _count(card.waiting_past_target) if card.shows_target_share else None,
    }


def meeting_summary(m: Meeting) -> JSON:
    return {
        "id": m.id,
        "partnership": m.lcp.slug,
        "title": m.title,
        "starts_at": _time(m.starts_at),
        "ends_at": _time(m.ends_at),
        "public_may_attend": m.public_may_attend,
        "partners_only": m.public_may_attend is False,
        "links": _links("api.meeting", {"meeting_id": m.id}, "public.meeting_page", slug=m.lcp.slug, meeting_id=m.id),
    }


def _agenda_item(item: AgendaItem) -> JSON:
    return {
        "id": item.id,
        "title": item.title,
        "description": item.description,
        "topics": _slugs(item.topics),
        "papers": [{"title": title, "url": url} for title, url in item.paper_links],
        "decision": item.decision or None,
        "decided_at": _time(item.decided_at),
    }


def meeting(m: Meeting) -> JSON:
    return {
        **meeting_summary(m),
        "location": m.location,
        "online": m.online,
        "joining_details": m.joining_details,
        "summary": m.summary,
        "outcome": m.outcome or None,
        "agenda_items": [_agenda_item(item) for item in m.agenda_items],
    }


def _next_meeting(lcp: Lcp) -> Meeting | None:
    return db.session.scalar(
        _public_meetings()
        .where(Meeting.lcp_id == lcp.id, Meeting.ends_at >= utcnow())
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(1)
    )


def partnership_detail(lcp: Lcp) -> JSON:
    coming = _next_meeting(lcp)
    return {
        **partnership(lcp),
        "summary": lcp.summary,
        "areas": [area.name for area in lcp.areas],
        "practices": [p.ods_code or p.name for p in lcp.gp_practices],
        "partners": [{"name": partner.name, "kind": partner.kind} for partner in lcp.partners],
        "priorities": [
            {"title": priority.title, "summary": priority.summary, "topics": _slugs(priority.topics)}
            for priority in lcp.priorities
        ],
        "next_meeting": meeting_summary(coming) if coming is not None else None,
        "scorecard": scorecard(lcp),
    }


def practice_id(p: GpPractice) -> str:
    """The practice's ODS code, or for one without, `name:` and its name as lower-case words joined by hyphens."""
    return p.ods_code or NAME_PREFIX + kebab(p.name)


def practice(p: GpPractice) -> JSON:
    ident = practice_id(p)
    return {
        "id": ident,
        "ods_code": p.ods_code or None,
        "name": p.name,
        "postcode": p.postcode,
        "status": "open" if p.is_open else "closed",
        "closed_on": p.closed_on.isoformat() if p.closed_on else None,
        "partnership": p.lcp.slug if p.lcp is not None else None,
        "confirmed_by": (p.lcp_confirmed_by or None) if p.lcp is not None else None,
        "links": _links("api.practice", {"ident": ident}, "public.find", practice=p.id),
    }


def update(u: Update) -> JSON:
    return {
        "id": u.id,
        "partnership": u.lcp.slug,
        "title": u.title,
        "body": u.body,
        "body_html": str(render_markdown(u.body)),
        "published_at": _time(u.published_at),
        "topics": _slugs(u.topics),
        "links": _links(
            "api.update", {"update_id": u.id}, "public.lcp_page", slug=u.lcp.slug, _anchor=f"update-{u.id}"
        ),
    }


def response(r: PublishedResponse) -> JSON:
    """A "you said, we did" reply. `quote` is only `r.quote`: the words as prepared for quoting, or null."""
    return {
        "id": r.id,
        "partnership": r.lcp.slug,
        "you_said": r.you_said,
        "we_did": r.we_did,
        "quote": r.quote or None,
        "published_at": _time(r.published_at),
        "topics": _slugs(r.submission.topics),
        "links": _links(
            "api.response", {"response_id": r.id}, "public.lcp_page", slug=r.lcp.slug, _anchor=f"response-{r.id}"
        ),
    }


# Filters and cursors -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What a list is narrowed to, as the site's pages narrow theirs: a partnership's slug, a topic's slug, and
    Leeds days from and to (both included)."""

    partnership: str | None = None
    topic: str | None = None
    date_from: date | None = None
    date_to: date | None = None


class FilterError(ValueError):
    """Filters (or a cursor) that name nothing: `problems` says which, in plain words."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {text}" for name, text in problems.items()))
        self.problems = problems


@dataclass
class Page:
    items: list[JSON]
    next_after: str | None = None


@dataclass
class _Resolved:
    lcp: Lcp | None = None
    topic: Topic | None = None
    since: datetime | None = None
    until: datetime | None = None
    problems: dict[str, str] = field(default_factory=dict)


def _resolve(filters: Filters) -> _Resolved:
    found = _Resolved()
    if filters.partnership:
        found.lcp = db.session.scalar(select(Lcp).where(Lcp.slug == filters.partnership))
        if found.lcp is None:
            found.problems["partnership"] = _("No partnership has the id %(id)s.", id=filters.partnership)
    if filters.topic:
        found.topic = db.session.scalar(select(Topic).where(Topic.slug == filters.topic))
        if found.topic is None:
            found.problems["topic"] = _("No topic has the id %(id)s.", id=filters.topic)
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        found.problems["to"] = _("The date to must be the same as or after the date from.")
    found.since = london_to_utc(filters.date_from) if filters.date_from else None
    found.until = london_to_utc(filters.date_to + timedelta(days=1)) if filters.date_to else None
    return found


def _checked(filters: Filters, after: str | None, read: Callable[[str], Any]) -> tuple[_Resolved, Any]:
    found = _resolve(filters)
    position = None
    if after is not None:
        position = read(after)
        if position is None:
            found.problems["after"] = _("This is not a cursor from this API: use the next link of a list as it is.")
    if found.problems:
        raise FilterError(found.problems)
    return found, position


def _encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(cursor: str) -> str | None:
    if not cursor or len(cursor) > 400 or not cursor.isascii():
        return None
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def _time_cursor(cursor: str) -> str | None:
    """The keyset cursor (`<time>_<id>`, app/services/keyset.py) inside an opaque one, when it is one."""
    inner = _decode(cursor)
    return inner if inner is not None and keyset.read_cursor(inner) is not None else None


def _key_cursor(cursor: str) -> tuple[str | int, int] | None:
    """A (text or number, id) position inside an opaque cursor: for lists in order of a name or a position."""
    inner = _decode(cursor)
    try:
        value = json.loads(inner) if inner is not None else None
    except ValueError:
        return None
    if (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], (str, int))
        and not isinstance(value[0], bool)
        and isinstance(value[1], int)
        and not isinstance(value[1], bool)
        and 0 < value[1] < 2**31
        and (not isinstance(value[0], int) or abs(value[0]) < 2**31)
    ):
        return value[0], value[1]
    return None


def _limit(limit: int) -> int:
    return max(1, min(limit, MAX_LIMIT))


def _by_key(
    query: Select[Any], key: Any, ident: Any, position: tuple[Any, int] | None, limit: int, key_of: Callable[[Any], Any]
) -> tuple[list[Any], str | None]:
    """A page of `query` in order of (key, id) after `position`, and the cursor for the next page."""
    if position is not None:
        value, last = position
        query = query.where(or_(key > value, and_(key == value, ident > last)))
    rows = list(db.session.scalars(query.order_by(key, ident).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = _encode(json.dumps([key_of(rows[-1]), rows[-1].id])) if more and rows else None
    return rows, cursor


def _by_time(
    query: Select[Any], moment: Any, ident: Any, newest_first: bool, after: str | None, limit: int, options: list[Any]
) -> tuple[list[Any], str | None]:
    found = keyset.page(query, moment, ident, newest_first=newest_first, after=after, size=limit, options=options)
    return found.rows, _encode(found.next_after) if found.next_after else None


# Public rows ---------------------------------------------------------------------------------------------------


def _public_meetings() -> Select[Any]:
    return select(Meeting).where(Meeting.published.is_(True), Meeting.is_demo.is_(False))


def _public_updates() -> Select[Any]:
    return select(Update).where(Update.published.is_(True), Update.is_demo.is_(False), Update.published_at <= utcnow())


def _example_submissions() -> Select[Any]:
    return select(Submission.id).where(Submission.is_demo.is_(True))


def _public_responses() -> Select[Any]:
    return select(PublishedResponse).where(
        PublishedResponse.is_demo.is_(False),
        PublishedResponse.published_at <= utcnow(),
        PublishedResponse.submission_id.not_in(_example_submissions()),
    )


MEETING_OPTIONS = [
    selectinload(Meeting.lcp),
    selectinload(Meeting.agenda_items).selectinload(AgendaItem.topics),
]
UPDATE_OPTIONS = [selectinload(Update.lcp), selectinload(Update.topics)]
RESPONSE_OPTIONS = [
    selectinload(PublishedResponse.lcp),
    selectinload(PublishedResponse.submission).selectinload(Submission.topics),
]
DETAIL_OPTIONS = [
    selectinload(Lcp.areas),
    selectinload(Lcp.gp_practices),
    selectinload(Lcp.partners),
    selectinload(Lcp.priorities).selectinload(Priority.topics),
]


# Lists ---------------------------------------------------------------------------------------------------------


def partnerships_page(filters: Filters, after: str | None = None, limit: int = DEFAULT_LIMIT) -> Page:
    """Partnerships by name; with a topic, those whose priorities are on it."""
    found, position = _checked(filters, after, _key_cursor)
    query = select(Lcp)
    if found.lcp is not None:
        query = query.where(Lcp.id == found.lcp.id)
    if found.topic is not None:
        query = query.where(Lcp.priorities.any(Priority.topics.any(Topic.id == found.topic.id)))
    rows, cursor = _by_key(query, Lcp.name, Lcp.id, position, _limit(limit), lambda lcp: lcp.name)
    return Page([partnership(lcp) for lcp in rows], cursor)


def practices_page(filters: Filters, after: str | None = None, limit: int = DEFAULT_LIMIT) -> Page:
    """GP practices by name; with a partnership, those confirmed as its own."""
    found, position = _checked(filters, after, _key_cursor)
    query = select(GpPractice).options(selectinload(GpPractice.lcp))
    if found.lcp is not None:
        query = query.where(GpPractice.lcp_id == found.lcp.id)
    rows, cursor = _by_key(query, GpPractice.name, GpPractice.id, position, _limit(limit), lambda p: p.name)
    return Page([practice(p) for p in rows], cursor)


def meetings_page(filters: Filters, after: str | None = None, limit: int = DEFAULT_LIMIT) -> Page:
    """Published meetings in order of their start; with a topic, those with an agenda item on it; `from` and `to`
    are the days they start on."""
    found, position = _checked(filters, after, _time_cursor)
    query = _public_meetings()
    if found.lcp is not None:
        query = query.where(Meeting.lcp_id == found.lcp.id)
    if found.topic is not None:
        query = query.where(Meeting.agenda_items.any(AgendaItem.topics.any(Topic.id == found.topic.id)))
    if found.since is not None:
        query = query.where(Meeting.starts_at >= found.since)
    if found.until is not None:
        query = query.where(Meeting.starts_at < found.until)
    rows, cursor = _by_time(query, Meeting.starts_at, Meeting.id, False, position, _limit(limit), MEETING_OPTIONS)
    return Page([meeting(m) for m in rows], cursor)


def updates_page(filters: Filters, after: str | None = None, limit: int = DEFAULT_LIMIT) -> Page:
    """Published updates, newest first; `from` and `to` are the days they were published on."""
    found, position = _checked(filters, after, _time_cursor)
    query = _public_updates()
    if found.lcp is not None:
        query = query.where(Update.lcp_id == found.lcp.id)
    if found.topic is not None:
        query = query.where(Update.topics.any(Topic.id == found.topic.id))
    if found.since is not None:
        query = query.where(Update.published_at >= found.since)
    if found.until is not None:
        query = query.where(Update.published_at < found.until)
    rows, cursor = _by_time(query, Update.published_at, Update.id, True, position, _limit(limit), UPDATE_OPTIONS)
    return Page([update(u) for u in rows], cursor)


def responses_page(filters: Filters, after: str | None = None, limit: int = DEFAULT_LIMIT) -> Page:
    """Published "you said, we did" replies, newest first; with a topic, replies to items on it."""
    found, position = _checked(filters, after, _time_cursor)
    query = _public_responses()
    if found.lcp is not None:
        query = query.where(PublishedResponse.lcp_id == found.lcp.id)
    if found.topic is not None:
        on_topic = select(submission_topic.c.submission_id).where(submission_topic.c.topic_id == found.topic.id)
        query = query.where(PublishedResponse.submission_id.in_(on_topic))
    if found.since is not None:
        query = query.where(PublishedResponse.published_at >= found.since)
    if found.until is not None:
        query = query.where(PublishedResponse.published_at < found.until)
    rows, cursor = _by_time(
        query, PublishedResponse.published_at, PublishedResponse.id, True, position, _limit(limit), RESPONSE_OPTIONS
    )
    return Page([response(r) for r in rows], cursor)


def topics_page(filters: Filters, after: str | None = None, limit: int = DEFAULT_LIMIT) -> Page:
    """Topics in the site's order."""
    _found, position = _checked(filters, after, _key_cursor)
    rows, cursor = _by_key(select(Topic), Topic.position, Topic.id, position, _limit(limit), lambda t: t.position)
    return Page([topic(t) for t in rows], cursor)


def every(page_function: Callable[..., Page], filters: Filters | None = None) -> list[JSON]:
    """Every item of a list, walking its pages (for the downloads)."""
    items: list[JSON] = []
    after: str | None = None
    while True:
        found = page_function(filters or Filters(), after, MAX_LIMIT)
        items.extend(found.items)
        if found.next_after is None:
            return items
        after = found.next_after


# One item ------------------------------------------------------------------------------------------------------


def find_partnership(slug: str) -> Lcp | None:
    return db.session.scalar(select(Lcp).where(Lcp.slug == slug).options(*DETAIL_OPTIONS))


def find_practice(ident: str) -> GpPractice | None:
    """A practice by its ODS code, or (`name:…`) by its name as `practice_id` writes it."""
    options = selectinload(GpPractice.lcp)
    if ident.startswith(NAME_PREFIX):
        wanted = ident.removeprefix(NAME_PREFIX)
        unnamed = select(GpPractice).where(GpPractice.ods_code.is_(None)).options(options).order_by(GpPractice.id)
        return next((p for p in db.session.scalars(unnamed) if kebab(p.name) == wanted), None)
    return db.session.scalar(select(GpPractice).where(GpPractice.ods_code == ident).options(options))


def find_meeting(meeting_id: int) -> Meeting | None:
    return db.session.scalar(_public_meetings().where(Meeting.id == meeting_id).options(*MEETING_OPTIONS))


def find_update(update_id: int) -> Update | None:
    return db.session.scalar(_public_updates().where(Update.id == update_id).options(*UPDATE_OPTIONS))


def find_response(response_id: int) -> PublishedResponse | None:
    return db.session.scalar(_public_responses().where(PublishedResponse.id == response_id).options(*RESPONSE_OPTIONS))


def find_topic(slug: str) -> Topic | None:
    return db.session.scalar(select(Topic).where(Topic.slug == slug))


# Monthly counts ------------------------------------------------------------------------------------------------


def _month_starts(first: date, last: date) -> list[date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def _month_of(starts: list[date]) -> ColumnElement[int]:
    """An SQL expression for the month (index into `starts`) a routing arrived in, months starting in Leeds."""
    bounds = [london_to_utc(start) for start in starts]
    whens = [(Routing.created_at >= bound, index) for index, bound in reversed(list(enumerate(bounds))) if index]
    return case(*whens, else_=0) if whens else literal(0)


def monthly_counts(
    lcp_slug: str | None = None,
    topic_slug: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[JSON]:
    """What residents shared, per month (in Leeds), per partnership, per topic: routings counted (see above), each
    count under 10 null. Example submissions never count. Rows in order of month, partnership and topic; a month,
    partnership and topic with nothing has no row. Raises FilterError for an unknown slug."""
    found = _resolve(Filters(lcp_slug, topic_slug, date_from, date_to))
    if found.problems:
        raise FilterError(found.problems)
    scope: list[ColumnElement[bool]] = [Routing.submission_id.not_in(_example_submissions())]
    if found.lcp is not None:
        scope.append(Routing.lcp_id == found.lcp.id)
    if found.since is not None:
        scope.append(Routing.created_at >= found.since)
    if found.until is not None:
        scope.append(Routing.created_at < found.until)
    if found.topic is not None:
        on_topic = select(submission_topic.c.submission_id).where(submission_topic.c.topic_id == found.topic.id)
        scope.append(Routing.submission_id.in_(on_topic))
    first, last = db.session.execute(
        select(func.min(Routing.created_at), func.max(Routing.created_at)).where(*scope)
    ).one()
    if first is None or last is None:
        return []
    starts = _month_starts(in_london(first).date(), in_london(last).date())
    arrivals = (
        select(
            _month_of(starts).label("month"),
            Routing.lcp_id.label("lcp_id"),
            submission_topic.c.topic_id.label("topic_id"),
        )
        .select_from(Routing)
        .outerjoin(submission_topic, submission_topic.c.submission_id == Routing.submission_id)
        .where(*scope)
    )
    if found.topic is not None:
        arrivals = arrivals.where(submission_topic.c.topic_id == found.topic.id)
    grouped = arrivals.subquery()
    counted = select(grouped.c.month, grouped.c.lcp_id, grouped.c.topic_id, func.count()).group_by(
        grouped.c.month, grouped.c.lcp_id, grouped.c.topic_id
    )
    slugs = {ident: slug for ident, slug in db.session.execute(select(Lcp.id, Lcp.slug))}
    topic_slugs = {ident: slug for ident, slug in db.session.execute(select(Topic.id, Topic.slug))}
    rows = [
        {
            "month": starts[month].strftime("%Y-%m"),
            "partnership": slugs.get(lcp_id),
            "topic": topic_slugs.get(topic_id) if topic_id is not None else None,
            "count": _count(count),
        }
        for month, lcp_id, topic_id, count in db.session.execute(counted)
    ]
    rows.sort(key=lambda row: (row["month"], row["partnership"] or "", row["topic"] or ""))
    return rows
