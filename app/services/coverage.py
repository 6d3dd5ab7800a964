"""How much of Leeds this site covers: partnerships held out of the city's total, and the parts not covered yet."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import func, select

from app.extensions import db
from app.models import CoverageGap, Lcp
from app.services.reference_data import CURATION_FILE, load_json


@cache
def total_lcps() -> int:
    """The number of partnerships Leeds has, a public fact kept with our curation."""
    return int(load_json(CURATION_FILE)["coverage"]["total_lcps"])


@dataclass
class Coverage:
    held: int
    total: int
    gaps: list[CoverageGap]

    @property
    def missing(self) -> int:
        return max(self.total - self.held, 0)


def coverage() -> Coverage:
    held = db.session.scalar(select(func.count()).select_from(Lcp)) or 0
    gaps = list(db.session.scalars(select(CoverageGap).order_by(CoverageGap.position)))
    return Coverage(held=held, total=total_lcps(), gaps=gaps)
