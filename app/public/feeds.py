"""Atom and iCalendar feeds, per LCP and city-wide (filterable by `lcp` and `topic`), from feedgen and icalendar.

Browsers show a feed as raw text, so each one says in plain words what it is and where the subscribe
page explains how to use it: an Atom `<subtitle>`, a calendar `X-WR-CALDESC`.

An LCP's own news feed also carries its published "you said, we did" replies, each pointing at its card
on the LCP's page; the city-wide feeds carry updates only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC

from feedgen.feed import FeedGenerator
from flask import Response, current_app, request
from flask_babel import gettext as _
from icalendar import Calendar, Event
from markupsafe import Markup
from werkzeug.urls import iri_to_uri

from app import page_cache
from app.clock import as_utc, utcnow
from app.formatting import render_markdown
from app.links import absolute_path, absolute_url_for, site_host
from app.models import Lcp, Meeting, PublishedResponse, Update
from app.public import public
from app.public.subscribe import Subscription, feed_subscription
from app.services.directory import get_lcp_or_404, get_meeting_or_404
from app.services.feeds import FEED_LIMIT, FeedFilter, calendar_meetings, feed_updates, partners_only
from app.services.sharing import responses_for

# How many words of "you said" name a reply in a feed reader's list.
TITLE_WORDS = 10


def _requested() -> Subscription:
    """City-wide feeds take `lcp` (repeatable) and `topic`; an unknown value is a 404, not an empty feed."""
    return feed_subscription(request.args.getlist("lcp"), request.args.get("topic"))


def _one_lcp(lcp: Lcp) -> Subscription:
    return Subscription(FeedFilter((lcp,)))


def updates_subtitle(subscription: Subscription) -> str:
    return _(
        "%(what)s, from the Leeds Local Care Partnerships website. This is a news feed: add its address to a "
        "feed reader app to see new updates as they are published. How to follow it: %(url)s",
        what=subscription.filter.updates_title,
        url=subscription.page_url("updates", external=True),
    )


def calendar_description(subscription: Subscription) -> str:
    return _(
        "%(what)s, from the Leeds Local Care Partnerships website. Subscribe to this calendar and your calendar "
        "app adds new meetings and changes by itself. How to subscribe: %(url)s",
        what=subscription.filter.meetings_title,
        url=subscription.page_url("calendar", external=True),
    )


def cacheable(response: Response) -> Response:
    """Feed readers and calendars poll; let them and shared caches keep a copy for a few minutes."""
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


def first_words(text: str, count: int = TITLE_WORDS) -> str:
    words = text.split()
    return " ".join(words[:count]) + ("…" if len(words) > count else "")


def _paragraphs(text: str) -> Markup:
    return Markup("").join(Markup("<p>{}</p>").format(line) for line in text.splitlines() if line.strip())


def response_content(response: PublishedResponse) -> str:
    """A reply as HTML for a feed reader: what was said, what was done, and the person's words if they agreed."""
    parts = [
        Markup("<p><strong>{}</strong> {}</p>").format(_("You said:"), response.you_said),
        Markup("<p><strong>{}</strong> {}</p>").format(_("We did:"), response.we_did),
    ]
    if response.quote:
        parts.append(Markup("<p><strong>{}</strong></p>").format(_("In their own words")))
        parts.append(Markup("<blockquote>{}</blockquote>").format(_paragraphs(response.quote)))
    return str(Markup("").join(parts))


def _add_update(feed: FeedGenerator, update: Update) -> None:
    entry = feed.add_entry()
    link = absolute_url_for("public.lcp_page", slug=update.lcp.slug, _anchor=f"update-{update.id}")
    entry.id(link)
    entry.title(update.title)
    entry.link(href=link)
    entry.published(as_utc(update.published_at))
    entry.updated(as_utc(update.published_at))
    entry.author({"name": update.lcp.name})
    entry.content(str(render_markdown(update.body)), type="html")
    for topic in update.topics:
        entry.category(term=topic.slug, label=topic.label)


def _add_response(feed: FeedGenerator, response: PublishedResponse) -> None:
    entry = feed.add_entry()
    link = absolute_url_for("public.lcp_page", slug=response.lcp.slug, _anchor=f"response-{response.id}")
    entry.id(link)
    entry.title(_("You said, we did: %(words)s", words=first_words(response.you_said)))
    entry.link(href=link)
    entry.published(as_utc(response.published_at))
    entry.updated(as_utc(response.published_at))
    entry.author({"name": response.lcp.name})
    entry.content(response_content(response), type="html")
    for topic in response.submission.topics:
        entry.category(term=topic.slug, label=topic.label)


def atom_response(
    title: str, subtitle: str, page_url: str, updates: list[Update], responses: list[PublishedResponse] | None = None
) -> Response:
    """An Atom feed of updates (newest first), and of published replies among them by date when given."""
    responses = responses or []
    feed = FeedGenerator()
    # The address as ASCII: Werkzeug decodes it, and characters XML cannot hold (U+FFFE) would break the feed.
    self_url = iri_to_uri(absolute_path(request.full_path.rstrip("?")))
    feed.id(self_url)
    feed.title(title)
    feed.subtitle(subtitle)
    feed.author({"name": current_app.config["SITE_NAME"]})
    feed.link(href=page_url, rel="alternate")
    feed.link(href=self_url, rel="self")
    feed.language("en-GB")
    newest = [update.published_at for update in updates[:1]] + [response.published_at for response in responses[:1]]
    feed.updated(as_utc(max(newest)) if newest else as_utc(utcnow()))
    # feedgen puts each entry it is given first, so entries go in oldest first. Both lists come newest first;
    # a stable sort of them reversed keeps the updates' own order and slots each reply in by its date.
    entries: list[Update | PublishedResponse] = sorted(
        [*reversed(updates), *reversed(responses)], key=lambda item: item.published_at
    )
    for item in entries:
        if isinstance(item, PublishedResponse):
            _add_response(feed, item)
        else:
            _add_update(feed, item)
    return cacheable(Response(feed.atom_str(pretty=True), mimetype="application/atom+xml"))


def meeting_text(meeting: Meeting) -> list[str]:
    """What a calendar event says of a meeting: its summary, how to join, the agenda with decisions, the outcome."""
    agenda = []
    for item in meeting.agenda_items:
        agenda.append(f"- {item.title}")
        if item.decision:
            agenda.append("  " + _("What was decided: %(decision)s", decision=item.decision))
    joining = _("How to join: %(details)s", details=meeting.joining_details) if meeting.joining_details else ""
    outcome = _("What was decided: %(decision)s", decision=meeting.outcome) if meeting.outcome else ""
    return [meeting.summary, joining, "\n".join(agenda), outcome]


def calendar_response(
    name: str, description: str, meetings: list[Meeting], reasons: Mapping[int, list[str]] | None = None
) -> Response:
    """A calendar of meetings; `reasons` (by meeting id) are lines that say why a meeting is in a person's calendar.

    A meeting the public cannot attend says so at the start of its summary and its description.
    """
    reasons = reasons or {}
    calendar = Calendar()
    calendar.add("prodid", "-//Leeds Local Care Partnerships//Meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-caldesc", description)
    calendar.add("x-wr-timezone", "Europe/London")
    host = site_host()
    for meeting in meetings:
        page = absolute_url_for("public.lcp_page", slug=meeting.lcp.slug, _anchor=f"meeting-{meeting.id}")
        label = _("Partners only: the public cannot attend") if partners_only(meeting) else ""
        why = "\n".join(reasons.get(meeting.id, []))
        description = "\n\n".join(part for part in (label, why, *meeting_text(meeting), page) if part)
        event = Event()
        event.add("uid", f"meeting-{meeting.id}@{host}")
        event.add("dtstamp", utcnow().replace(tzinfo=UTC))
        event.add("dtstart", as_utc(meeting.starts_at))
        event.add("dtend", as_utc(meeting.ends_at))
        event.add("summary", _("Partners only: %(meeting)s", meeting=meeting.title) if label else meeting.title)
        event.add("location", _("Online") if meeting.online else meeting.location)
        event.add("description", description)
        event.add("url", page)
        calendar.add_component(event)
    return cacheable(Response(calendar.to_ical(), mimetype="text/calendar"))


@public.get("/lcps/<string:slug>/updates.atom")
@page_cache.page()
def lcp_updates_feed(slug: str) -> Response:
    lcp = get_lcp_or_404(slug)
    return atom_response(
        _("Updates from %(lcp)s", lcp=lcp.name),
        updates_subtitle(_one_lcp(lcp)),
        absolute_url_for("public.lcp_page", slug=slug),
        feed_updates([lcp], None),
        responses_for(lcp, limit=FEED_LIMIT),
    )


@public.get("/lcps/<string:slug>/meetings.ics")
@page_cache.page()
def lcp_meetings_feed(slug: str) -> Response:
    lcp = get_lcp_or_404(slug)
    return calendar_response(
        _("%(lcp)s meetings", lcp=lcp.short_name), calendar_description(_one_lcp(lcp)), calendar_meetings([lcp], None)
    )


@public.get("/lcps/<string:slug>/meetings/<int:meeting_id>.ics")
@page_cache.page()
def meeting_event(slug: str, meeting_id: int) -> Response:
    """One meeting, for "add to my calendar" without subscribing to them all."""
    lcp = get_lcp_or_404(slug)
    meeting = get_meeting_or_404(lcp, meeting_id)
    description = _(
        "One meeting of %(lcp)s, from the Leeds Local Care Partnerships website. This copy does not change when "
        "the meeting does. To get new meetings and changes by themselves, subscribe to the calendar: %(url)s",
        lcp=lcp.name,
        url=_one_lcp(lcp).page_url("calendar", external=True),
    )
    return calendar_response(meeting.title, description, [meeting])


@public.get("/updates.atom")
@page_cache.page("lcp", "topic")
def updates_feed() -> Response:
    subscription = _requested()
    wanted = subscription.filter
    title = wanted.updates_title if wanted.lcps or wanted.topic else _("Updates from Leeds Local Care Partnerships")
    return atom_response(
        title,
        updates_subtitle(subscription),
        absolute_url_for("public.lcp_directory"),
        feed_updates(list(wanted.lcps), wanted.topic),
    )


@public.get("/meetings.ics")
@page_cache.page("lcp", "topic")
def meetings_feed() -> Response:
    subscription = _requested()
    wanted = subscription.filter
    name = wanted.meetings_title if wanted.lcps or wanted.topic else _("Leeds Local Care Partnership meetings")
    return calendar_response(
        name, calendar_description(subscription), calendar_meetings(list(wanted.lcps), wanted.topic)
    )
