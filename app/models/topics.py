"""One topic list shared by priorities, agenda items, updates and (later) subscriptions and submissions."""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model, db


class Topic(Model):
    __tablename__ = "topic"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    label: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<Topic {self.slug}>"

    # What residents read: the catalogue's words for a topic as the site was set up (app/topic_words.py), or
    # the words as staff wrote them. The staff area and the data exports keep `label` and `summary`.
    @property
    def shown_label(self) -> str:
        return gettext(self.label) if self.label else ""

    @property
    def shown_summary(self) -> str:
        return gettext(self.summary) if self.summary else ""


def topic_link_table(name: str, owner_table: str) -> Table:
    """An association table between `owner_table` and topics; one shape for every tagged thing."""
    return Table(
        name,
        db.metadata,
        Column(f"{owner_table}_id", ForeignKey(f"{owner_table}.id", ondelete="CASCADE"), primary_key=True),
        Column("topic_id", ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True),
        # The key leads with the owner; lists by topic (a topic page, the inbox's topic filter) need this one.
        Index(f"ix_{name}_topic", "topic_id", f"{owner_table}_id"),
    )
