"""Atom and iCalendar feeds, per LCP and city-wide (filterable by `lcp` and `topic`), from feedgen and icalendar."""

from __future__ import annotations

from datetime import UTC, timedelta

from feedgen.feed import FeedGenerator
from flask import Response, abort, current_app, request, url_for
from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.formatting import as_utc, render_markdown
from app.models import AgendaItem, Lcp, Meeting, Topic, Update
from app.public import public
from app.services.directory import get_lcp_or_404, utcnow

FEED_LIMIT = 50
# Calendars carry the coming meetings and those of the last year, so they stay small as years pass.
CALENDAR_HISTORY = timedelta(days=365)


def _filters() -> tuple[list[Lcp], Topic | None]:
    """City-wide feeds take `lcp` (repeatable) and `topic`; an unknown value is a 404, not an empty feed."""
    lcps = []
    for slug in request.args.getlist("lcp"):
        lcps.append(get_lcp_or_404(slug))
    topic = None
    if request.args.get("topic"):
        topic = db.session.scalar(select(Topic).where(Topic.slug == request.args["topic"]))
        if topic is None:
            abort(404)
    return lcps, topic


def _updates_query(lcps: list[Lcp], topic: Topic | None) -> Select:
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
    return query


def _meetings_query(lcps: list[Lcp], topic: Topic | None) -> Select:
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
    return query


def cacheable(response: Response) -> Response:
    """Feed readers and calendars poll; let them and shared caches keep a copy for a few minutes."""
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


def atom_response(title: str, page_url: str, updates: list[Update]) -> Response:
    feed = FeedGenerator()
    feed.id(request.url)
    feed.title(title)
    feed.author({"name": current_app.config["SITE_NAME"]})
    feed.link(href=page_url, rel="alternate")
    feed.link(href=request.url, rel="self")
    feed.language("en-GB")
    feed.updated(as_utc(updates[0].published_at) if updates else as_utc(utcnow()))
    for update in reversed(updates):
        entry = feed.add_entry()
        link = url_for("public.lcp_page", slug=update.lcp.slug, _external=True, _anchor=f"update-{update.id}")
        entry.id(link)
        entry.title(update.title)
        entry.link(href=link)
        entry.published(as_utc(update.published_at))
        entry.updated(as_utc(update.published_at))
        entry.author({"name": update.lcp.name})
        entry.content(str(render_markdown(update.body)), type="html")
        for topic in update.topics:
            entry.category(term=topic.slug, label=topic.label)
    return cacheable(Response(feed.atom_str(pretty=True), mimetype="application/atom+xml"))


def calendar_response(name: str, meetings: list[Meeting]) -> Response:
    calendar = Calendar()
    calendar.add("prodid", "-//Leeds Local Care Partnerships//Meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/London")
    host = request.host.split(":")[0]
    for meeting in meetings:
        page = url_for("public.lcp_page", slug=meeting.lcp.slug, _external=True, _anchor=f"meeting-{meeting.id}")
        agenda = "\n".join(f"- {item.title}" for item in meeting.agenda_items)
        description = "\n\n".join(part for part in (meeting.summary, agenda, page) if part)
        event = Event()
        event.add("uid", f"meeting-{meeting.id}@{host}")
        event.add("dtstamp", utcnow().replace(tzinfo=UTC))
        event.add("dtstart", as_utc(meeting.starts_at))
        event.add("dtend", as_utc(meeting.ends_at))
        event.add("summary", meeting.title)
        event.add("location", _("Online") if meeting.online else meeting.location)
        event.add("description", description)
        event.add("url", page)
        calendar.add_component(event)
    return cacheable(Response(calendar.to_ical(), mimetype="text/calendar"))


@public.get("/lcps/<string:slug>/updates.atom")
def lcp_updates_feed(slug: str) -> Response:
    lcp = get_lcp_or_404(slug)
    updates = list(db.session.scalars(_updates_query([lcp], None)))
    return atom_response(
        _("Updates from %(lcp)s", lcp=lcp.name), url_for("public.lcp_page", slug=slug, _external=True), updates
    )


@public.get("/lcps/<string:slug>/meetings.ics")
def lcp_meetings_feed(slug: str) -> Response:
    lcp = get_lcp_or_404(slug)
    return calendar_response(
        _("%(lcp)s meetings", lcp=lcp.short_name), list(db.session.scalars(_meetings_query([lcp], None)))
    )


@public.get("/updates.atom")
def updates_feed() -> Response:
    lcps, topic = _filters()
    updates = list(db.session.scalars(_updates_query(lcps, topic)))
    return atom_response(
        _("Updates from Leeds Local Care Partnerships"), url_for("public.lcp_directory", _external=True), updates
    )


@public.get("/meetings.ics")
def meetings_feed() -> Response:
    lcps, topic = _filters()
    return calendar_response(
        _("Leeds Local Care Partnership meetings"), list(db.session.scalars(_meetings_query(lcps, topic)))
    )
