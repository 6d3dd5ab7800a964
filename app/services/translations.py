"""A partnership's summary and its updates in the reader's language, when its staff have translated them.

Public pages ask `summary_shown` and `update_shown` for what to show: the translation in the page's
language, or the English with `fallback` set, so the page marks it `lang="en-GB"` (a screen reader then
reads it with an English voice) and says it has not been translated. Staff save and remove translations
through `save_*` and `remove`, each audited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from app import languages
from app.extensions import db
from app.formatting import utcnow
from app.models import Lcp, LcpTranslation, Update, UpdateTranslation
from app.services import audit

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


def summary_shown(lcp: Lcp) -> Shown:
    language = _reader_language()
    if language is None or not lcp.summary:
        return Shown("", lcp.summary, fallback=False)
    found = lcp_translation(lcp, language)
    if found is not None:
        return Shown("", found.summary, fallback=False)
    return Shown("", lcp.summary, fallback=True)


def update_shown(update: Update) -> Shown:
    language = _reader_language()
    if language is None:
        return Shown(update.title, update.body, fallback=False)
    found = update_translation(update, language)
    if found is not None:
        return Shown(found.title, found.body, fallback=False)
    return Shown(update.title, update.body, fallback=True)


def translated_languages(kind: type, owner_id: int) -> set[str]:
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


def save_summary(lcp: Lcp, language: str, summary: str) -> LcpTranslation:
    row = lcp_translation(lcp, language)
    before = {"summary": row.summary} if row else {}
    if row is None:
        row = LcpTranslation(lcp_id=lcp.id, language=language)
        db.session.add(row)
    row.summary = summary
    row.updated_at = utcnow()
    db.session.flush()
    audit.record(
        "lcp.translation",
        obj=lcp,
        lcp_id=lcp.id,
        summary=f"summary in {language}",
        before=before,
        after={"language": language, "summary": summary},
    )
    return row


def save_update(update: Update, language: str, title: str, body: str) -> UpdateTranslation:
    row = update_translation(update, language)
    before = {"title": row.title, "body": row.body} if row else {}
    if row is None:
        row = UpdateTranslation(update_id=update.id, language=language)
        db.session.add(row)
    row.title, row.body = title, body
    row.updated_at = utcnow()
    db.session.flush()
    audit.record(
        "update.translation",
        obj=update,
        lcp_id=update.lcp_id,
        summary=f"update in {language}",
        before=before,
        after={"language": language, "title": title, "body": body},
    )
    return row


def remove(row: LcpTranslation | UpdateTranslation, lcp_id: int) -> None:
    kept = {"summary": row.summary} if isinstance(row, LcpTranslation) else {"title": row.title, "body": row.body}
    audit.record(
        f"{row.__tablename__}.remove",
        obj=row,
        lcp_id=lcp_id,
        summary=f"translation into {row.language} removed",
        before={"language": row.language, **kept},
    )
    db.session.delete(row)
    db.session.flush()
