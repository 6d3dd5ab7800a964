"""Staff accounts, their sign-in sessions and recovery codes, and the audit log.

A `StaffUser` has one role: `admin` (everything, including staff accounts, topics and partnerships),
`staff` (edits and triages only the LCPs in `lcps`) or `viewer` (reads only the LCPs in `lcps`).
Every account has two factors: an Argon2id password hash and a TOTP secret, enrolled at first
sign-in. `totp_last_step` holds the time step of the last code accepted, so a code works once even
with several workers. `failed_attempts` (wrong passwords and codes in a row) and `throttled_until` (no
attempt is checked before then) live here, not in a process, so the growing wait holds across workers
and hosts; `throttle_notified_at` says the owner has been told of this run of failures. `locked_at` is
set only by an admin, by hand. Between the password and the second factor the browser holds a random
token whose SHA-256 is `pending_token_hash`, made at `pending_started_at`: the second step needs it, so a
forged session cookie alone signs nobody in.

A `StaffSession` is one signed-in browser. The cookie holds a random token; the table holds only its
SHA-256, with when it began, when it was last used and when it was revoked, so sign-out, idle and
absolute expiry are decided by the database.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import Model, db
from app.models.lcps import Lcp

if TYPE_CHECKING:

    class UserMixin:
        """What Flask-Login's `UserMixin` gives a user, for the type checker: Flask-Login ships no type hints."""

        @property
        def is_active(self) -> bool: ...
        @property
        def is_authenticated(self) -> bool: ...
        @property
        def is_anonymous(self) -> bool: ...
        def get_id(self) -> str | None: ...

else:
    from flask_login import UserMixin

ROLES = ("admin", "staff", "viewer")

staff_lcp = Table(
    "staff_lcp",
    db.metadata,
    Column("staff_user_id", ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True),
    Column("lcp_id", ForeignKey("lcp.id", ondelete="CASCADE"), primary_key=True, index=True),
)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class StaffUser(UserMixin, Model):
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="staff")
    password_hash: Mapped[str] = mapped_column(String(200))
    # Set at creation; `totp_enrolled_at` stays empty until the person has proved their authenticator.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enrolled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]
    failed_attempts: Mapped[int] = mapped_column(default=0)
    throttled_until: Mapped[datetime | None]
    throttle_notified_at: Mapped[datetime | None]
    locked_at: Mapped[datetime | None]
    pending_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    pending_started_at: Mapped[datetime | None]
    # What the person wants to be told (their account page): about new items for their partnerships, "each" as
    # they arrive, "daily" at `notify_daily_hour` (London time), or "none"; when an item is assigned to them; and a
    # weekly summary of items waiting past their partnership's target.
    notify_new: Mapped[str] = mapped_column(String(10), default="daily", server_default="daily")
    notify_daily_hour: Mapped[int] = mapped_column(default=8, server_default="8")
    notify_assigned: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    notify_overdue: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    # The newest routing already told of (new items), and the London days the daily and weekly emails went out:
    # so a run that is repeated, or two runs at once, tell nobody twice.
    notified_routing_id: Mapped[int] = mapped_column(default=0, server_default="0")
    # The same for submissions that reached no partnership ("not sure"), which citywide admins are told of.
    notified_submission_id: Mapped[int] = mapped_column(default=0, server_default="0")
    daily_sent_on: Mapped[date | None]
    overdue_sent_on: Mapped[date | None]
    # A safeguarding contact for their partnerships: emailed at once when an item is marked urgent. Set by admins.
    safeguarding: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    disabled_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None]

    lcps: Mapped[list[Lcp]] = relationship(secondary=staff_lcp, order_by="Lcp.name")
    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def can_edit(self) -> bool:
        return self.role in ("admin", "staff")

    @property
    def lcp_ids(self) -> set[int]:
        return {lcp.id for lcp in self.lcps}

    def sees(self, lcp_id: int | None) -> bool:
        """Whether this person may read an LCP's staff data: admins see every LCP, others their own."""
        return self.is_admin or (lcp_id is not None and lcp_id in self.lcp_ids)

    def __repr__(self) -> str:
        return f"<StaffUser {self.email} {self.role}>"


class StaffSession(Model):
    __tablename__ = "staff_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    user: Mapped[StaffUser] = relationship()


class RecoveryCode(Model):
    """A single-use code for when the authenticator is lost; only its SHA-256 is kept."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]

    user: Mapped[StaffUser] = relationship(back_populates="recovery_codes")


class AuditEvent(Model):
    """Who did what and when: sign-ins, failures, lockouts, permission and content changes, exports, deletions.

    `actor_label` keeps the email address, so the record reads the same after an account is deleted.
    `before` and `after` are JSON of the fields that changed.
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"), index=True)
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(60), default="")
    object_id: Mapped[str] = mapped_column(String(60), default="")
    lcp_id: Mapped[int | None] = mapped_column(ForeignKey("lcp.id", ondelete="SET NULL"), index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[str] = mapped_column(Text, default="")
    after: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(64), default="")

    actor: Mapped[StaffUser | None] = relationship()
    lcp: Mapped[Lcp | None] = relationship()


class LcpRedirect(Model):
    """An LCP's former slug, kept when it is renamed or merged, so old links and feeds still arrive."""

    __tablename__ = "lcp_redirect"

    id: Mapped[int] = mapped_column(primary_key=True)
    old_slug: Mapped[str] = mapped_column(String(80), unique=True)
    lcp_id: Mapped[int] = mapped_column(ForeignKey("lcp.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lcp: Mapped[Lcp] = relationship()


class SavedView(Model):
    """A filter of the inbox that one staff member saved with a name: its query string, shown with a count."""

    __tablename__ = "saved_view"
    __table_args__ = (UniqueConstraint("staff_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    # The inbox's own query string (status=…&lcp=…), without paging.
    query: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
