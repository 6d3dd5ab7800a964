"""People who follow LCPs and topics, what they agreed to, and what their digests have carried.

A `Follower` row exists from the moment someone registers, but stays unconfirmed (and is sent nothing
but the confirmation email) until they open the signed link; unconfirmed rows are deleted after
`CONFIRMATION_HOURS`. Deleting a follower deletes everything held about them: their follows, their
consents, their digest history and any email still waiting for them.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import Model
from app.models.lcps import Lcp
from app.models.topics import Topic, topic_link_table

if TYPE_CHECKING:
    from app.models.submissions import SubmissionContact

follower_topic = topic_link_table("follower_topic", "follower")

KINDS = ("resident", "organisation")
ORGANISATION_TYPES = ("community-group", "charity", "faith-group", "housing", "statutory", "business", "other")
REACHES = ("citywide", "local")
INTERESTS = ("news", "invitations", "volunteer", "contact")
FREQUENCIES = ("weekly", "monthly", "none")
# Where a followed topic's meetings and updates come from: the partnerships the person follows, or all of Leeds.
TOPIC_SCOPES = ("followed", "leeds")


def new_link_key() -> str:
    """A random value signed into every link sent to a person; changing it cancels all their old links."""
    return secrets.token_urlsafe(16)


class FollowerLcp(Model):
    __tablename__ = "follower_lcp"

    follower_id: Mapped[int] = mapped_column(ForeignKey("follower.id", ondelete="CASCADE"), primary_key=True)
    lcp_id: Mapped[int] = mapped_column(ForeignKey("lcp.id", ondelete="CASCADE"), primary_key=True, index=True)


class Follower(Model):
    __tablename__ = "follower"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored as typed apart from the domain, which is lower-cased; unique, case-insensitively by that rule.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="resident")
    organisation_name: Mapped[str] = mapped_column(String(200), default="")
    organisation_type: Mapped[str] = mapped_column(String(40), default="")
    organisation_reach: Mapped[str] = mapped_column(String(20), default="")
    organisation_areas: Mapped[str] = mapped_column(Text, default="")
    # Space-separated values from INTERESTS.
    interests: Mapped[str] = mapped_column(String(200), default="")
    frequency: Mapped[str] = mapped_column(String(10), default="weekly")
    # TOPIC_SCOPES: a followed topic brings news from the partnerships followed (the default) or from all of Leeds.
    topic_scope: Mapped[str] = mapped_column(String(10), default="followed", server_default="followed")
    # The private calendar leaves out meetings the public cannot attend unless the person asks for them.
    calendar_partners_only: Mapped[bool] = mapped_column(default=False, server_default=false())
    language: Mapped[str] = mapped_column(String(10), default="en_GB")
    link_key: Mapped[str] = mapped_column(String(40), default=new_link_key)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    lcps: Mapped[list[Lcp]] = relationship(secondary="follower_lcp", order_by="Lcp.name")
    topics: Mapped[list[Topic]] = relationship(secondary=follower_topic, order_by="Topic.position")
    consents: Mapped[list[Consent]] = relationship(
        back_populates="follower", order_by="Consent.given_at", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def interest_list(self) -> list[str]:
        return [value for value in self.interests.split() if value in INTERESTS]

    @interest_list.setter
    def interest_list(self, values: list[str]) -> None:
        self.interests = " ".join(value for value in INTERESTS if value in values)

    def __repr__(self) -> str:
        return f"<Follower {self.id}{'' if self.confirmed else ' unconfirmed'}>"


class Consent(Model):
    """One agreement a person gave, with the exact words they saw, the wording's version and when."""

    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    follower_id: Mapped[int] = mapped_column(ForeignKey("follower.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    wording: Mapped[str] = mapped_column(Text)
    version: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(10), default="en_GB")
    given_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]

    follower: Mapped[Follower] = relationship(back_populates="consents")


class DigestRun(Model):
    """A digest sent to one person for one period ("2026-W48", "2026-11"): the same period never goes twice."""

    __tablename__ = "digest_run"
    __table_args__ = (UniqueConstraint("follower_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    follower_id: Mapped[int] = mapped_column(ForeignKey("follower.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(20))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    item_count: Mapped[int] = mapped_column(default=0)


class DigestItem(Model):
    """One thing a digest told a person about (`kind` is meeting, outcome or update), so it is never sent again."""

    __tablename__ = "digest_item"
    __table_args__ = (UniqueConstraint("follower_id", "kind", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    follower_id: Mapped[int] = mapped_column(ForeignKey("follower.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[int]
    run_id: Mapped[int] = mapped_column(ForeignKey("digest_run.id", ondelete="CASCADE"), index=True)


class OutboxMessage(Model):
    """An email waiting to go, written in the same transaction as whatever caused it.

    `flask outbox send` claims a message by moving it from queued to sending in one conditional update,
    so two workers never send the same message; `message_id` stays the same on every attempt.
    """

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    follower_id: Mapped[int | None] = mapped_column(ForeignKey("follower.id", ondelete="CASCADE"), index=True)
    # Mail about a submission goes with its contact details when those are deleted.
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("submission_contact.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text, default="")
    # Extra headers as "Name: value" lines, such as List-Unsubscribe.
    headers: Mapped[str] = mapped_column(Text, default="")
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    # queued, sending, sent or failed.
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    contact: Mapped[SubmissionContact | None] = relationship()

    @property
    def header_pairs(self) -> list[tuple[str, str]]:
        pairs = []
        for line in self.headers.splitlines():
            name, _, value = line.partition(":")
            if value:
                pairs.append((name.strip(), value.strip()))
        return pairs
