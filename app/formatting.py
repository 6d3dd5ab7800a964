"""Template filters for dates and staff-written text, so every page formats them one way."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import markdown
import nh3
from babel.lists import format_list
from flask import Flask, current_app
from flask_babel import format_date, format_decimal, format_time, get_locale, gettext, ngettext
from markupsafe import Markup, escape

from app.clock import as_utc, london_date
from app.numbers import whole_number

ALLOWED_TAGS = {"p", "a", "ul", "ol", "li", "strong", "em", "h2", "h3", "blockquote", "br"}


def _in_english() -> bool:
    return str(get_locale() or "en").startswith("en")


def uk_date(value: date | datetime) -> str:
    """A day in Leeds as the reader's language writes it in full: 5 March 2026, 5 marca 2026, 2026年3月5日."""
    if isinstance(value, datetime):
        value = london_date(value)
    return format_date(value, "long")


def uk_time(value: datetime) -> str:
    """A time in Leeds: 1:00pm in English, the GOV.UK way; each other language's own short form (13:00)."""
    if _in_english():
        return format_time(as_utc(value), "h:mma").lower()
    return format_time(as_utc(value), "short")


def number(value: int) -> str:
    """A whole number grouped as the reader's language groups it (5,000; 5000; 5 000)."""
    return format_decimal(value, format="#,##0")


def decimal(value: float) -> str:
    """A figure to at most one decimal place, as the reader's language writes it (2.5, 2,5)."""
    return format_decimal(round(value, 1), format="#,##0.#")


def english(text: str) -> Markup:
    """Words that stay in English on a page in another language: a name, or what staff or a source wrote.

    Marked `lang="en-GB"`, so a screen reader reads them with an English voice, and isolated (`<bdi dir="ltr">`),
    so that in Arabic or Urdu the punctuation around them stays where the sentence puts it. On an English page,
    only escaped.
    """
    if _in_english():
        return escape(text)
    return Markup('<bdi lang="en-GB" dir="ltr">%s</bdi>') % text


def names(items: Iterable[str]) -> Markup:
    """Names, each in English, joined as the reader's language joins a list: "Otley and Pool", "Otley i Pool"."""
    marked = [str(english(item)) for item in items]
    if not marked:
        return Markup("")
    # CLDR's list patterns hold only words and punctuation, so the joined names stay safe HTML.
    return Markup(format_list(marked, locale=get_locale() or "en_GB"))  # noqa: S704 - each name escaped above


def render_markdown(text: str) -> Markup:
    html = markdown.markdown(text or "")
    return Markup(nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href"}}))  # noqa: S704 - sanitised by nh3


def urgent_when() -> str:
    """When an urgent item is looked at, as the programme set it (URGENT_CHECK_HOURS): "within 4 working hours", or
    by default "by the next working day"."""
    hours = whole_number(str(current_app.config.get("URGENT_CHECK_HOURS") or ""), 3)
    if hours:
        return ngettext("within %(num)d working hour", "within %(num)d working hours", hours)
    return gettext("by the next working day")


def register(app: Flask) -> None:
    app.add_template_global(urgent_when, "urgent_when")
    app.add_template_filter(uk_date, "uk_date")
    app.add_template_filter(uk_time, "uk_time")
    app.add_template_filter(decimal, "decimal")
    app.add_template_filter(number, "number")
    app.add_template_filter(render_markdown, "markdown")
    app.add_template_filter(english, "english")
    app.add_template_filter(names, "names")
