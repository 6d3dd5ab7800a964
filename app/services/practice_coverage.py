"""Coverage at a glance, for staff: every open GP practice with its partnership (or "not confirmed") and how the link
was confirmed, how many practices each partnership has, and what residents suggested for the practices with none.

Reads only. The suggestions themselves are made, accepted and rejected by `app.commands.suggestions`; the rule that
recognises a partnership in what a resident typed lives here (`recognise`), so the command and its tests share it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.formatting import uk_date
from app.models import Area, GpPractice, Lcp, PracticeSuggestion
from app.models.lcps import CONFIRMED_BY
from app.services.coverage import coverage

# What a resident may type, at most (the column's width).
SUGGESTION_LIMIT = 200
# Words that name no partnership in particular: "Armley Local Care Partnership" is "Armley".
FILLER = re.compile(r"\b(?:local care partnerships?|lcps?|partnerships?|the|leeds)\b")
# Where a name lists several places: "Bramley, Wortley & Middleton", "HATCH (Harehills, Chapeltown …)".
SEPARATORS = re.compile(r"[,&()/;+]|\b(?:and|or)\b")
# The shortest name found among other words ("HATCH", "Otley"): shorter ones match too much by chance.
MIN_KEY = 4


# Recognising a partnership in what someone typed -----------------------------------------------------------------


def _plain(text: str) -> str:
    """Lower case, no accents, "&" as "and", punctuation as spaces, one space between words."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char)).casefold()
    return " ".join(re.sub(r"[^\w&,()/;+]+", " ", text.replace("_", " ")).split())


def _keys(text: str) -> set[str]:
    """The ways a name can be written: whole, and each place it lists, without filler words or spaces."""
    plain = _plain(text)
    parts = [plain, *SEPARATORS.split(plain)]
    keys = set()
    for part in parts:
        words = FILLER.sub(" ", SEPARATORS.sub(" ", part)).split()
        if words:
            keys.add("".join(words))
    return keys


def _names(lcp: Lcp, areas: Iterable[str]) -> set[str]:
    keys = _keys(lcp.slug.replace("-", " ")) | _keys(lcp.name) | _keys(lcp.short_name)
    for area in areas:
        keys |= _keys(area)
    return keys


def _runs(words: list[str]) -> set[str]:
    """Every run of consecutive words, joined without spaces: "near armley moor" gives "armley", "armleymoor"…"""
    return {"".join(words[start:end]) for start in range(len(words)) for end in range(start + 1, len(words) + 1)}


def recognise(text: str) -> Lcp | None:
    """The one partnership `text` names, loosely: by its slug, name, short name or an area it covers, in any case,
    with or without accents, spaces, punctuation or "Local Care Partnership", alone or among other words ("I think
    it is Armley"). None when it names none, or more than one ("Middleton" is in two; "Armley or Wortley")."""
    words = FILLER.sub(" ", SEPARATORS.sub(" ", _plain(text))).split()
    if not words:
        return None
    lcps = list(db.session.scalars(select(Lcp).order_by(Lcp.id)))
    areas: dict[int, list[str]] = {}
    for lcp_id, name in db.session.execute(select(Area.lcp_id, Area.name)):
        areas.setdefault(lcp_id, []).append(name)
    names = {lcp.id: _names(lcp, areas.get(lcp.id, [])) for lcp in lcps}
    whole = "".join(words)
    found = [lcp for lcp in lcps if whole in names[lcp.id]]
    if not found:
        runs = {run for run in _runs(words[:40]) if len(run) >= MIN_KEY}
        found = [lcp for lcp in lcps if runs & names[lcp.id]]
    return found[0] if len(found) == 1 else None


# Coverage at a glance --------------------------------------------------------------------------------------------


def how_confirmed(practice: GpPractice) -> str:
    """How the practice's link to its partnership was confirmed, in words; "" when it has none."""
    if practice.lcp_id is None:
        return ""
    if practice.lcp_confirmed_by == "published":
        return _("The partnership’s published list")
    if practice.lcp_confirmed_by == "programme":
        made = practice.lcp_import
        if made is not None and made.agreed_on is not None:
            return _("The programme’s list agreed on %(date)s", date=uk_date(made.agreed_on))
        if made is not None:
            return _("The programme’s list, loaded on %(date)s", date=uk_date(made.made_at))
        return _("The programme’s list")
    if practice.lcp_confirmed_by == "staff":
        if practice.lcp_linked_at is not None:
            return _("Linked by staff on %(date)s", date=uk_date(practice.lcp_linked_at))
        return _("Linked by staff")
    return _("Not recorded")


@dataclass(frozen=True)
class Filters:
    """What the coverage page is narrowed to: a partnership (its slug), only practices with none, or one way of
    confirming (CONFIRMED_BY)."""

    lcp: str = ""
    unconfirmed: bool = False
    how: str = ""

    @property
    def any(self) -> bool:
        return bool(self.lcp or self.unconfirmed or self.how)


def read_filters(lcp: str | None, unconfirmed: str | None, how: str | None) -> Filters:
    """Filters from query arguments; a value that names nothing known is left out rather than refused."""
    slugs = set(db.session.scalars(select(Lcp.slug)))
    lcp, how = lcp or "", how or ""
    return Filters(
        lcp=lcp if lcp in slugs else "",
        unconfirmed=unconfirmed in ("1", "y", "yes", "on", "true"),
        how=how if how in CONFIRMED_BY else "",
    )


@dataclass
class PracticeRow:
    practice: GpPractice
    # How the link was confirmed, in words ("" when there is none).
    how: str
    # Residents' suggestions not decided yet.
    suggestions: list[PracticeSuggestion] = field(default_factory=list)


@dataclass
class LcpCount:
    lcp: Lcp
    practices: int


@dataclass
class Report:
    # Every open practice (with an ODS code or without), before filtering.
    open_total: int
    confirmed: int
    # Partnerships the site holds, and how many Leeds has (app.services.coverage).
    held: int
    total_lcps: int
    # Every partnership the site holds, with 0 where no open practice is linked yet.
    per_lcp: list[LcpCount]
    # The practices the filters leave, by name.
    rows: list[PracticeRow]
    # Suggestions not decided yet, oldest first.
    suggestions: list[PracticeSuggestion]
    filters: Filters

    @property
    def not_confirmed(self) -> int:
        return self.open_total - self.confirmed


def _kept(practice: GpPractice, filters: Filters) -> bool:
    if filters.unconfirmed and practice.lcp_id is not None:
        return False
    if filters.lcp and (practice.lcp is None or practice.lcp.slug != filters.lcp):
        return False
    return not filters.how or (practice.lcp_id is not None and practice.lcp_confirmed_by == filters.how)


def new_suggestions() -> list[PracticeSuggestion]:
    """Suggestions nobody has accepted or rejected yet, oldest first."""
    return list(
        db.session.scalars(
            select(PracticeSuggestion)
            .where(PracticeSuggestion.status == "new")
            .options(selectinload(PracticeSuggestion.practice), selectinload(PracticeSuggestion.lcp))
            .order_by(PracticeSuggestion.created_at, PracticeSuggestion.id)
        )
    )


def report(filters: Filters | None = None) -> Report:
    filters = filters or Filters()
    practices = list(
        db.session.scalars(
            select(GpPractice)
            .where(GpPractice.is_open)
            .options(selectinload(GpPractice.lcp), selectinload(GpPractice.lcp_import))
            .order_by(GpPractice.name, GpPractice.id)
        )
    )
    lcps = list(db.session.scalars(select(Lcp).order_by(Lcp.name)))
    linked: dict[int, int] = {}
    for practice in practices:
        if practice.lcp_id is not None:
            linked[practice.lcp_id] = linked.get(practice.lcp_id, 0) + 1
    suggestions = new_suggestions()
    by_practice: dict[int, list[PracticeSuggestion]] = {}
    for suggestion in suggestions:
        by_practice.setdefault(suggestion.practice_id, []).append(suggestion)
    held = coverage()
    return Report(
        open_total=len(practices),
        confirmed=sum(linked.values()),
        held=held.held,
        total_lcps=held.total,
        per_lcp=[LcpCount(lcp, linked.get(lcp.id, 0)) for lcp in lcps],
        rows=[
            PracticeRow(practice, how_confirmed(practice), by_practice.get(practice.id, []))
            for practice in practices
            if _kept(practice, filters)
        ],
        suggestions=suggestions,
        filters=filters,
    )
