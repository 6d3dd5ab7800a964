"""The latest maturity self-assessment of an LCP compared with the one before it, ready to draw and tabulate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Lcp, MaturityAssessment, MaturityElement, MaturityLevel, MaturityRating


@dataclass
class ElementRating:
    element: MaturityElement
    level: MaturityLevel
    previous: MaturityLevel | None

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
    def top_rank(self) -> int:
        return max((level.rank for level in self.levels), default=1)

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
    previous_levels = {rating.element_id: rating.level for rating in before.ratings} if before else {}
    rows = [
        ElementRating(rating.element, rating.level, previous_levels.get(rating.element_id))
        for rating in sorted(latest.ratings, key=lambda r: r.element.position)
    ]
    levels = list(db.session.scalars(select(MaturityLevel).order_by(MaturityLevel.rank)))
    return MaturitySummary(latest.assessed_on, before.assessed_on if before else None, levels, rows, latest.is_demo)
