"""A partnership's summary and its updates in the reader's language, when its staff have translated them.

Public pages ask `summary_shown` and `update_shown` for what to show: the translation in the page's
language, or the English with `fallback` set, so the page marks it `lang="en-GB"` (a screen reader then
reads it with an English voice) and says it has not been translated. Staff save and remove translations
through `app.commands.content`, which audits each; `save_*` and `remove` here are its building blocks.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from app import languages
from app.clock import utcnow
from app.extensions import db
from app.models import Lcp, LcpTranslation, Update, UpdateTranslation

SUMMARY_LIMIT = 5000
TITLE_LIMIT = 200
BODY_LIMIT = 10000


@dataclass
class Shown:
    title: str
    body: str
    # True when the page is in another language and this is the English, for want of a translation.
    fallback: bool


def other_languages() -> list[str]:
    """The languages staff can translate into: every offered language but the site's own."""
    return [code for code in languages.offered() if code != current_app.config["BABEL_DEFAULT_LOCALE"]]


def _reader_language() -> str | None:
    code = languages.current()
    return None if code == current_app.config["BABEL_DEFAULT_LOCALE"] else code


def lcp_translation(lcp: Lcp, language: str) -> LcpTranslation | None:
    return db.session.scalar(
        select(LcpTranslation).where(LcpTranslation.lcp_id == lcp.id, LcpTranslation.language == language)
    )


def update_translation(update: Update, language: str) -> UpdateTranslation | None:
    return db.session.scalar(
        select(UpdateTranslation).where(
            UpdateTranslation.update_id == update.id, UpdateTranslation.language == language
        )
    )


def _summaries(language: str, cache: MutableMapping[str, object] | None) -> dict[int, str]:
    """Every partnership's summary in `language`, read once for each `cache` (the template global hands in the
    request's environ, so once a request: the directory shows them all)."""
    key = f"lcp.summaries.{language}"
    if cache is not None and key in cache:
        return cache[key]  # type: ignore[return-value]
    rows = db.session.execute(
        select(LcpTranslation.lcp_id, LcpTranslation.summary).where(LcpTranslation.language == language)
    )
    found = dict(rows.all())
    if cache is not None:
        cache[key] = found
    return found


def summary_shown(lcp: Lcp, cache: MutableMapping[str, object] | None = None) -> Shown:
    language = _reader_language()
    if language is None or not lcp.summary:
        return Shown("", lcp.summary, fallback=False)
    found = _summaries(language, cache).get(lcp.id)
    if found is not None:
        return Shown("", found, fallback=False)
    return Shown("", lcp.summary, fallback=True)


def update_shown(update: Update) -> Shown:
    language = _reader_language()
    if language is None:
        return Shown(update.title, update.body, fallback=False)
    found = update_translation(update, language)
    if found is not None:
        return Shown(found.title, found.body, fallback=False)
    return Shown(update.title, update.body, fallback=True)


def translated_languages(kind: type[LcpTranslation] | type[UpdateTranslation], owner_id: int) -> set[str]:
    """Which languages a summary (`LcpTranslation`) or an update (`UpdateTranslation`) has."""
    owner = LcpTranslation.lcp_id if kind is LcpTranslation else UpdateTranslation.update_id
    return set(db.session.scalars(select(kind.language).where(owner == owner_id)))


@dataclass
class Choice:
    """One language on a staff page's list of translations."""

    name: str
    tag: str
    exists: bool
    href: str


def choices(kind: type, owner_id: int, href_for: Callable[[str], str]) -> list[Choice]:
    done = translated_languages(kind, owner_id)
    return [
        Choice(languages.NAMES.get(code, code), languages.html_lang(code), code in done, href_for(code))
        for code in other_languages()
    ]


def _save(
    row: LcpTranslation | UpdateTranslation | None,
    new: Callable[[], LcpTranslation | UpdateTranslation],
    values: dict[str, str],
) -> LcpTranslation | UpdateTranslation:
    """Writes `values` into the translation (made by `new` if there is none yet) and flushes it."""
    if row is None:
        row = new()
        db.session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    db.session.flush()
    return row


def save_summary(lcp: Lcp, language: str, summary: str) -> LcpTranslation:
    return _save(  # type: ignore[return-value]
        lcp_translation(lcp, language),
        lambda: LcpTranslation(lcp_id=lcp.id, language=language),
        {"summary": summary},
    )


def save_update(update: Update, language: str, title: str, body: str) -> UpdateTranslation:
    return _save(  # type: ignore[return-value]
        update_translation(update, language),
        lambda: UpdateTranslation(update_id=update.id, language=language),
        {"title": title, "body": body},
    )


def kept(row: LcpTranslation | UpdateTranslation) -> dict[str, str]:
    """What a translation says, as the audit log keeps it."""
    if isinstance(row, LcpTranslation):
        return {"summary": row.summary}
    return {"title": row.title, "body": row.body}


def remove(row: LcpTranslation | UpdateTranslation) -> None:
    db.session.delete(row)
    db.session.flush()
