"""The email outbox: messages are queued in the caller's transaction and delivered over SMTP by a worker.

`queue()` only adds a row to the session, so the email exists exactly when what caused it is committed.
Delivery is the command `app.commands.system.deliver_due` (`flask outbox send`), built from the pieces here: it
claims due messages one at a time, just before sending each: on PostgreSQL it picks the next
one with `SELECT … FOR UPDATE SKIP LOCKED`, so several workers at once each take a different message without
waiting on one another; on every database the claim itself is one conditional UPDATE (queued → sending),
which is what guarantees that two workers never send the same message (SQLite has no FOR UPDATE, and
serialises the UPDATEs instead). It sends the message with a fixed Message-ID, and marks it sent. A refused
or failed attempt is retried after a wait that doubles each time; after `OUTBOX_MAX_ATTEMPTS` the message is
marked failed and logged as an error. A worker that dies mid-send leaves a claim that expires, and the
message is tried again with the same Message-ID.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from flask import current_app
from sqlalchemy import Select, func, select

from app.clock import as_utc, utcnow
from app.extensions import db
from app.models import Follower, OutboxMessage, SubmissionContact
from app.services import work_queue

log = logging.getLogger(__name__)

# How long a worker may hold a claimed message before another may try it.
CLAIM_FOR = timedelta(minutes=5)
LONGEST_WAIT = timedelta(hours=6)
# How often one pick may lose the race for a message to another worker before the run gives up (SQLite only:
# on PostgreSQL a locked message is skipped, not raced for).
CLAIM_RACES = 50


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    security: str = "starttls"
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 20
    sender: str = "Leeds Local Care Partnerships <no-reply@lcp.example.org>"

    @classmethod
    def from_config(cls, config: Any) -> SmtpSettings | None:
        """The configured server, or None when SMTP_HOST is empty (mail then waits in the outbox)."""
        if not config.get("SMTP_HOST"):
            return None
        security = config.get("SMTP_SECURITY", "starttls").lower()
        if security not in {"starttls", "tls", "none"}:
            raise ValueError(f"SMTP_SECURITY must be starttls, tls or none, not {security!r}")
        return cls(
            host=config["SMTP_HOST"],
            port=int(config.get("SMTP_PORT", 587)),
            security=security,
            username=config.get("SMTP_USERNAME", ""),
            password=config.get("SMTP_PASSWORD", ""),
            timeout=float(config.get("SMTP_TIMEOUT", 20)),
            sender=config["MAIL_FROM"],
        )


@dataclass(frozen=True)
class Delivery:
    """What one run of the worker did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0


def queue(
    *,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    kind: str,
    follower: Follower | None = None,
    contact: SubmissionContact | None = None,
    headers: dict[str, str] | None = None,
) -> OutboxMessage:
    """Add an email to the session; it goes when the caller commits, with whatever caused it."""
    domain = current_app.config["MAIL_FROM"].rpartition("@")[2].rstrip(">") or "localhost"
    message = OutboxMessage(
        to_address=to,
        subject=subject,
        text_body=text,
        html_body=html,
        kind=kind,
        follower_id=follower.id if follower else None,
        contact=contact,
        headers="\n".join(f"{name}: {value}" for name, value in (headers or {}).items()),
        message_id=make_msgid(domain=domain),
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    return message


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    email["Date"] = format_datetime(as_utc(message.created_at))
    email["Auto-Submitted"] = "auto-generated"
    for name, value in message.header_pairs:
        email[name] = value
    email.set_content(message.text_body)
    if message.html_body:
        email.add_alternative(message.html_body, subtype="html")
    return email


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    if settings.security == "tls":
        connection: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=ssl.create_default_context()
        )
    else:
        connection = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        if settings.security == "starttls":
            connection.starttls(context=ssl.create_default_context())
    if settings.username:
        connection.login(settings.username, settings.password)
    return connection


def claim(message_id: int) -> bool:
    """Move one due message from queued to sending (`work_queue.claim`); False if another worker got there first."""
    return work_queue.claim(OutboxMessage, message_id, CLAIM_FOR)


def _due(skip: Collection[int] = ()) -> Select[int]:
    query = select(OutboxMessage.id).where(OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= utcnow())
    if skip:
        query = query.where(OutboxMessage.id.not_in(skip))
    return query.order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)


def next_due(skip: Collection[int]) -> int | None:
    """The next due message not in `skip`, or None when nothing (more) is due.

    On PostgreSQL the row is chosen and locked with FOR UPDATE SKIP LOCKED in the transaction that claims it,
    so a second worker passes over it to the next one instead of racing for it. SQLite ignores FOR UPDATE;
    there two workers may pick the same row, and the conditional UPDATE in `claim` lets only one have it.
    """
    return db.session.scalar(_due(skip).limit(1).with_for_update(skip_locked=True))


def release_stale_claims() -> int:
    """Messages a dead worker claimed go back in the queue once their claim runs out (in the caller's
    transaction)."""
    return work_queue.release_stale_claims(OutboxMessage)


def retry_wait(attempts: int) -> timedelta:
    first = timedelta(seconds=current_app.config["OUTBOX_FIRST_RETRY"])
    return min(first * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)


def record_failure(message: OutboxMessage, error: Exception) -> bool:
    """Count a failed attempt; True if the message is given up on."""
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    message.claimed_until = None
    if message.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        message.status = "failed"
        log.error(
            "Gave up on email %s (%s) to %s after %d attempts: %s",
            message.id,
            message.kind,
            message.to_address,
            message.attempts,
            message.last_error,
        )
        return True
    message.status = "queued"
    message.next_attempt_at = utcnow() + retry_wait(message.attempts)
    log.warning("Email %s not sent (attempt %d), will retry: %s", message.id, message.attempts, message.last_error)
    return False


def due_ids(limit: int) -> list[int]:
    """The ids of the messages due now, oldest first (what a run would try; it claims them one by one)."""
    return list(db.session.scalars(_due().limit(limit)))


def record_sent(message: OutboxMessage) -> None:
    message.status = "sent"
    message.sent_at = utcnow()
    message.claimed_until = None
    message.attempts += 1


def close(connection: smtplib.SMTP | None) -> None:
    if connection is None:
        return
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()


def counts() -> dict[str, int]:
    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    return {status: number for status, number in rows}


def recent(limit: int = 100) -> list[OutboxMessage]:
    """The newest messages whatever their state, for the development page."""
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)))
