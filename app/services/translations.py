"""A partnership's summary and its updates in the reader's language, when its staff have translated them.

Public pages ask `summary_shown` and `update_shown` for what to show: the translation in the page's
language, or the English with `fallback` set, so the page marks it `lang="en-GB"` (a screen reader then
reads it with an English voice) and says it has not been translated. Staff save and remove translations
through `save_*` and `remove`, each audited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, request
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


def _summaries(language: str) -> dict[int, str]:
    """Every partnership's summary in `language`, read once a request: the directory shows them all."""
    key = f"lcp.summaries.{language}"
    if key not in request.environ:
        rows = db.session.execute(
            select(LcpTranslation.lcp_id, LcpTranslation.summary).where(LcpTranslation.language == language)
        )
        request.environ[key] = dict(rows.all())
    return request.environ[key]


def summary_shown(lcp: Lcp) -> Shown:
    language = _reader_language()
    if language is None or not lcp.summary:
        return Shown("", lcp.summary, fallback=False)
    found = _summaries(language).get(lcp.id)
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


def _save(
    row: LcpTranslation | UpdateTranslation | None,
    new: Callable[[], LcpTranslation | UpdateTranslation],
    values: dict[str, str],
    action: str,
    owner: Lcp | Update,
    language: str,
) -> LcpTranslation | UpdateTranslation:
    """Writes `values` into the translation (made by `new` if there is none yet) and audits the change."""
    before = {name: getattr(row, name) for name in values} if row else {}
    if row is None:
        row = new()
        db.session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    db.session.flush()
    audit.record(
        action,
        obj=owner,
        lcp_id=owner.id if isinstance(owner, Lcp) else owner.lcp_id,
        summary=f"{action} into {language}",
        before=before,
        after={"language": language, **values},
    )
    return row


def save_summary(lcp: Lcp, language: str, summary: str) -> LcpTranslation:
    return _save(
        lcp_translation(lcp, language),
        lambda: LcpTranslation(lcp_id=lcp.id, language=language),
        {"summary": summary},
        "lcp.translation",
        lcp,
        language,
    )


def save_update(update: Update, language: str, title: str, body: str) -> UpdateTranslation:
    return _save(
        update_translation(update, language),
        lambda: UpdateTranslation(update_id=update.id, language=language),
        {"title": title, "body": body},
        "update.translation",
        update,
        language,
    )


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
