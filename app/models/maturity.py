"""The LCP maturity framework: elements (culture has aspects), an ordered scale of levels, dated self-assessments."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.lcps import Lcp


class MaturityElement(Model):
    __tablename__ = "maturity_element"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    label: Mapped[str] = mapped_column(String(120))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("maturity_element.id"))
    position: Mapped[int] = mapped_column(default=0)

    parent: Mapped[MaturityElement | None] = relationship(remote_side=[id])

    @property
    def display_label(self) -> str:
        return f"{self.parent.label}: {self.label}" if self.parent else self.label


class MaturityLevel(Model):
    """A step on the self-assessment scale; `rank` orders the scale (1 is the earliest stage)."""

    __tablename__ = "maturity_level"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(120), unique=True)
    rank: Mapped[int] = mapped_column(unique=True)


class MaturityAssessment(Model):
    __tablename__ = "maturity_assessment"
    __table_args__ = (UniqueConstraint("lcp_id", "assessed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lcp_id: Mapped[int] = mapped_column(ForeignKey("lcp.id", ondelete="CASCADE"), index=True)
    assessed_on: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
    is_demo: Mapped[bool] = mapped_column(default=False, index=True)

    lcp: Mapped[Lcp] = relationship(back_populates="assessments")
    ratings: Mapped[list[MaturityRating]] = relationship(back_populates="assessment", cascade="all, delete-orphan")


class MaturityRating(Model):
    __tablename__ = "maturity_rating"

    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("maturity_assessment.id", ondelete="CASCADE"), primary_key=True
    )
    element_id: Mapped[int] = mapped_column(ForeignKey("maturity_element.id"), primary_key=True)
    level_id: Mapped[int] = mapped_column(ForeignKey("maturity_level.id"))

    assessment: Mapped[MaturityAssessment] = relationship(back_populates="ratings")
    element: Mapped[MaturityElement] = relationship()
    level: Mapped[MaturityLevel] = relationship()
