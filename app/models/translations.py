"""What a partnership's staff write in another language: its summary, and each of its updates.

A translation is one row per thing and language (never English, which is the thing itself). Deleting the
partnership or the update deletes its translations.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.extensions import Model


class LcpTranslation(Model):
    __tablename__ = "lcp_translation"
    __table_args__ = (UniqueConstraint("lcp_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lcp_id: Mapped[int] = mapped_column(ForeignKey("lcp.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class UpdateTranslation(Model):
    __tablename__ = "update_translation"
    __table_args__ = (UniqueConstraint("update_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(ForeignKey("lcp_update.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
