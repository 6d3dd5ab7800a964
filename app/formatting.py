"""Template filters for dates and staff-written text, so every page formats them one way."""

from __future__ import annotations

from datetime import UTC, date, datetime

import markdown
import nh3
from flask import Flask
from flask_babel import format_date, format_datetime, format_time
from markupsafe import Markup

ALLOWED_TAGS = {"p", "a", "ul", "ol", "li", "strong", "em", "h2", "h3", "blockquote", "br"}


def utcnow() -> datetime:
    """Naive UTC, the form datetimes are stored in."""
    return datetime.now(UTC).replace(tzinfo=None)


def as_utc(moment: datetime) -> datetime:
    """Stored datetimes are naive UTC; Babel converts aware ones to Europe/London for display."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def uk_date(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return format_datetime(as_utc(value), "d MMMM y")
    return format_date(value, "d MMMM y")


def uk_time(value: datetime) -> str:
    return format_time(as_utc(value), "h:mma").lower()


def render_markdown(text: str) -> Markup:
    html = markdown.markdown(text or "")
    return Markup(nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href"}}))  # noqa: S704 - sanitised by nh3


def register(app: Flask) -> None:
    app.add_template_filter(uk_date, "uk_date")
    app.add_template_filter(uk_time, "uk_time")
    app.add_template_filter(render_markdown, "markdown")
