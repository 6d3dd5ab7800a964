"""Atom and iCalendar feeds, per LCP and city-wide (filterable by `lcp` and `topic`), from feedgen and icalendar."""

from __future__ import annotations

from datetime import UTC

from feedgen.feed import FeedGenerator
from flask import Response, current_app, request, url_for
from flask_babel import gettext as _
from icalendar import Calendar, Event

from app.formatting import as_utc, render_markdown
from app.models import Lcp, Meeting, Topic, Update
from app.public import public
from app.services.directory import get_lcp_or_404, get_meeting_or_404, get_topic_or_404, utcnow
from app.services.feeds import calendar_meetings, feed_updates


def _filters() -> tuple[list[Lcp], Topic | None]:
    """City-wide feeds take `lcp` (repeatable) and `topic`; an unknown value is a 404, not an empty feed."""
    lcps = [get_lcp_or_404(slug) for slug in request.args.getlist("lcp")]
    topic_slug = request.args.get("topic")
    return lcps, get_topic_or_404(topic_slug) if topic_slug else None


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
    updates = feed_updates([lcp], None)
    return atom_response(
        _("Updates from %(lcp)s", lcp=lcp.name), url_for("public.lcp_page", slug=slug, _external=True), updates
    )


@public.get("/lcps/<string:slug>/meetings.ics")
def lcp_meetings_feed(slug: str) -> Response:
    lcp = get_lcp_or_404(slug)
    return calendar_response(_("%(lcp)s meetings", lcp=lcp.short_name), calendar_meetings([lcp], None))


@public.get("/lcps/<string:slug>/meetings/<int:meeting_id>.ics")
def meeting_event(slug: str, meeting_id: int) -> Response:
    """One meeting, for "add to my calendar" without subscribing to them all."""
    meeting = get_meeting_or_404(get_lcp_or_404(slug), meeting_id)
    return calendar_response(meeting.title, [meeting])


@public.get("/updates.atom")
def updates_feed() -> Response:
    lcps, topic = _filters()
    updates = feed_updates(lcps, topic)
    return atom_response(
        _("Updates from Leeds Local Care Partnerships"), url_for("public.lcp_directory", _external=True), updates
    )


@public.get("/meetings.ics")
def meetings_feed() -> Response:
    lcps, topic = _filters()
    return calendar_response(_("Leeds Local Care Partnership meetings"), calendar_meetings(lcps, topic))
