"""The latest maturity self-assessment of an LCP compared with the one before it, ready to picture and tabulate.

The scale is data: only some of the framework's levels are known, ranked, and more may be added. A rating is
pictured as a bar of `steps` equal parts, filled up to the rating's place (`step`) among the known levels.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Lcp, MaturityAssessment, MaturityElement, MaturityLevel, MaturityRating


def element_glosses() -> dict[str, str]:
    """The site's own plain words for each element of the framework, keyed by element slug.

    These are not official definitions: the framework has not been published. An element that is not
    here (one added later) is shown by its name alone.
    """
    return {
        "goals": _("What the partnership wants to achieve"),
        "leadership": _("Who leads the partnership and how"),
        "structure": _("How the partnership is organised and makes decisions"),
        "culture": _("How the partnership works day to day"),
        "community-driven": _("Led by what local people say matters to them"),
        "strengths-based": _("Builds on what people and places already have"),
        "evidence-based-decision-making": _("Uses facts and figures to decide what to do"),
        "quality-improvement": _("Keeps checking and improving how things work"),
        "resource-utilisation": _("How it uses money, staff and buildings"),
    }


def level_glosses() -> dict[str, str]:
    """The site's own plain words for each known level, keyed by the level's label (levels have no slug)."""
    return {
        "Solid foundations": _("the basics are in place"),
        "Well developed": _("this is established and working well"),
    }


@dataclass
class KnownLevel:
    """A level of the scale as the picture explains it: its place among the known levels and plain words."""

    label: str
    step: int
    gloss: str | None


@dataclass
class ElementRating:
    element: MaturityElement
    level: MaturityLevel
    previous: MaturityLevel | None
    step: int = 1
    previous_step: int | None = None
    gloss: str | None = None

    @property
    def change(self) -> str | None:
        """ "up", "down" or "same" against the previous assessment; None when there was none."""
        if self.previous is None:
            return None
        if self.level.rank > self.previous.rank:
            return "up"
        if self.level.rank < self.previous.rank:
            return "down"
        return "same"


@dataclass
class MaturitySummary:
    assessed_on: date
    previous_on: date | None
    levels: list[MaturityLevel]
    rows: list[ElementRating]
    is_demo: bool = False

    @property
    def steps(self) -> int:
        """How many parts each bar has: one for each known level."""
        return max(len(self.levels), 1)

    @property
    def known_levels(self) -> list[KnownLevel]:
        glosses = level_glosses()
        return [KnownLevel(level.label, step, glosses.get(level.label)) for step, level in enumerate(self.levels, 1)]

    @property
    def changed(self) -> int:
        return sum(1 for row in self.rows if row.change in ("up", "down"))


def maturity_summary(lcp: Lcp) -> MaturitySummary | None:
    assessments = db.session.scalars(
        select(MaturityAssessment)
        .where(MaturityAssessment.lcp_id == lcp.id)
        .options(
            selectinload(MaturityAssessment.ratings)
            .selectinload(MaturityRating.element)
            .selectinload(MaturityElement.parent),
            selectinload(MaturityAssessment.ratings).selectinload(MaturityRating.level),
        )
        .order_by(MaturityAssessment.assessed_on.desc())
        .limit(2)
    ).all()
    if not assessments:
        return None
    latest = assessments[0]
    before = assessments[1] if len(assessments) > 1 else None
    levels = list(db.session.scalars(select(MaturityLevel).order_by(MaturityLevel.rank)))
    # The place of each level among the known levels, counted from 1, whatever gaps the ranks have.
    steps = {level.id: step for step, level in enumerate(levels, start=1)}
    previous_levels = {rating.element_id: rating.level for rating in before.ratings} if before else {}
    glosses = element_glosses()
    rows = []
    for rating in sorted(latest.ratings, key=lambda r: r.element.position):
        previous = previous_levels.get(rating.element_id)
        rows.append(
            ElementRating(
                rating.element,
                rating.level,
                previous,
                step=steps[rating.level_id],
                previous_step=steps[previous.id] if previous else None,
                gloss=glosses.get(rating.element.slug),
            )
        )
    return MaturitySummary(latest.assessed_on, before.assessed_on if before else None, levels, rows, latest.is_demo)
