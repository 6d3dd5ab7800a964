"""Feeds parsed by real parsers: feedparser for Atom, icalendar for iCalendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from icalendar import Calendar


def parse_atom(client, url: str):
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def parse_calendar(client, url: str) -> Calendar:
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.data)


def test_lcp_updates_feed(client) -> None:
    feed = parse_atom(client, "/lcps/armley/updates.atom")
    assert feed.feed.title == "Updates from Armley Local Care Partnership"
    assert feed.feed.link == "http://localhost/lcps/armley"
    assert len(feed.entries) == 3
    entry = feed.entries[0]
    assert entry.link.startswith("http://localhost/lcps/armley#update-")
    assert entry.title.startswith("Example update")
    assert "<strong>example content</strong>" in entry.content[0].value
    assert entry.tags and all(tag.term for tag in entry.tags)
    published = [e.published_parsed for e in feed.entries]
    assert published == sorted(published, reverse=True)


def test_citywide_updates_feed_filters_by_lcp_and_topic(client) -> None:
    everything = parse_atom(client, "/updates.atom")
    assert len(everything.entries) == 39
    two = parse_atom(client, "/updates.atom?lcp=armley&lcp=seacroft")
    assert {entry.author for entry in two.entries} == {
        "Armley Local Care Partnership",
        "Seacroft Local Care Partnership",
    }
    topic = parse_atom(client, "/updates.atom?topic=access-to-services")
    assert topic.entries
    assert all("access-to-services" in {tag.term for tag in entry.tags} for entry in topic.entries)


@pytest.mark.parametrize("url", ["/updates.atom?lcp=nowhere", "/updates.atom?topic=nothing", "/meetings.ics?lcp=x"])
def test_unknown_feed_filters_are_404(client, url: str) -> None:
    assert client.get(url).status_code == 404


def test_lcp_meetings_calendar(client) -> None:
    calendar = parse_calendar(client, "/lcps/seacroft/meetings.ics")
    assert str(calendar["version"]) == "2.0"
    assert calendar["prodid"]
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 3
    uids = {str(event["uid"]) for event in events}
    assert len(uids) == 3
    for event in events:
        start, end = event.decoded("dtstart"), event.decoded("dtend")
        assert start.tzinfo is not None and end > start
        assert str(event["url"]).startswith("http://localhost/lcps/seacroft#meeting-")
        assert str(event["url"]) in str(event["description"])
        assert event["summary"] == "Example partnership meeting: Seacroft"
        assert event.decoded("dtstamp") <= datetime.now(UTC)
    assert any(event.decoded("dtstart") > datetime.now(UTC) for event in events)


def test_citywide_meetings_calendar_filters_by_topic(client) -> None:
    everything = list(parse_calendar(client, "/meetings.ics").walk("VEVENT"))
    assert len(everything) == 39
    transport = list(parse_calendar(client, "/meetings.ics?topic=transport").walk("VEVENT"))
    assert 0 < len(transport) < len(everything)
    assert all("bus links" in str(event["description"]) for event in transport)


def test_calendar_leaves_out_meetings_older_than_a_year(app, client) -> None:
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Lcp, Meeting
    from app.services.directory import utcnow

    with app.app_context():
        lcp = db.session.scalar(select(Lcp).where(Lcp.slug == "wetherby"))
        old = utcnow().replace(microsecond=0) - timedelta(days=400)
        meeting = Meeting(lcp=lcp, title="An old meeting", starts_at=old, ends_at=old + timedelta(hours=1))
        db.session.add(meeting)
        db.session.commit()
        try:
            summaries = [
                str(e["summary"]) for e in parse_calendar(client, "/lcps/wetherby/meetings.ics").walk("VEVENT")
            ]
            assert "An old meeting" not in summaries
            assert len(summaries) == 3
        finally:
            db.session.delete(meeting)
            db.session.commit()


def test_one_meeting_as_a_calendar_event(client, get_page) -> None:
    page = get_page("/lcps/seacroft")
    link = next(a for a in page.soup.select("main a") if "Add this meeting to your calendar" in a.get_text())
    events = list(parse_calendar(client, link["href"]).walk("VEVENT"))
    assert len(events) == 1
    meeting_id = link["href"].rsplit("/", 1)[1].removesuffix(".ics")
    assert str(events[0]["url"]).endswith(f"/lcps/seacroft#meeting-{meeting_id}")
    # The same meeting under another LCP's address is not found.
    assert client.get(f"/lcps/armley/meetings/{meeting_id}.ics").status_code == 404
    assert client.get("/lcps/seacroft/meetings/999999.ics").status_code == 404
