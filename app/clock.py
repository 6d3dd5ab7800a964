"""Time as the site keeps and means it: the database stores naive UTC; every date a person reads or types is a day
in Leeds (Europe/London). Used by every layer: models, services, commands and the template filters."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    """Naive UTC, the form datetimes are stored in."""
    return datetime.now(UTC).replace(tzinfo=None)


def as_utc(moment: datetime) -> datetime:
    """Stored datetimes are naive UTC; Babel converts aware ones to Europe/London for display."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def london_to_utc(day: date, clock: time = time()) -> datetime:
    """A day and time as people in Leeds mean them (midnight unless given), as the naive UTC the database keeps."""
    return datetime.combine(day, clock, tzinfo=LONDON).astimezone(UTC).replace(tzinfo=None)


def in_london(moment: datetime) -> datetime:
    return as_utc(moment).astimezone(LONDON)


def london_date(moment: datetime) -> date:
    """The day in Leeds on which a stored (naive UTC) moment fell."""
    return in_london(moment).date()


def london_today() -> date:
    return london_date(utcnow())
