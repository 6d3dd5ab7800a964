"""How long the personal data held with a submission is kept, and removing it when that time is up.

A submission's only personal data is its `SubmissionContact` (a name, an email address and choices). It is
kept while any partnership is still working on the submission, then for `CONTACT_RETENTION_DAYS` after the
last partnership closed it; after that `purge_contacts` deletes it, which leaves the submission anonymous
and takes any mail still waiting for the person with it (the outbox rows cascade). A non-public
"contact-removed" entry in the history tells staff why the details went; /track never shows it.

The purges here work in the caller's transaction; `app.commands.system` runs them and commits (the
contacts batch by batch).

"Every partnership closed it" means the submission has at least one routing and none of its routings is
anything but closed with a `closed_at` before the cut-off. The purge asks exactly that with two EXISTS
tests, which read the same on SQLite and PostgreSQL and need no GROUP BY.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from flask import current_app
from flask_babel import ngettext
from sqlalchemy import ColumnElement, CursorResult, and_, delete, exists, or_, select, update

from app.clock import london_date, utcnow
from app.extensions import db
from app.models import (
    AuditEvent,
    OutboxMessage,
    Routing,
    StaffSession,
    Submission,
    SubmissionContact,
    SubmissionEvent,
)

# Contacts removed in one transaction, and the most batches one run takes (the next run carries on).
BATCH_SIZE = 500
MAX_BATCHES = 1000


def retention_days() -> int:
    return int(current_app.config["CONTACT_RETENTION_DAYS"])


def removal_date(submission: Submission) -> date | None:
    """The day (in Leeds) the contact details go: `CONTACT_RETENTION_DAYS` after the last partnership closed it.

    None when there is nothing to remove, when no partnership has it yet, or when any partnership is still
    working on it: the details are kept until every one has closed it.
    """
    routings = submission.routings
    if submission.contact is None or not routings:
        return None
    if any(routing.status != "closed" or routing.closed_at is None for routing in routings):
        return None
    ends = max(routing.closed_at for routing in routings if routing.closed_at is not None) + timedelta(
        days=retention_days()
    )
    return london_date(ends)


def today(now: datetime | None = None) -> date:
    """Today's date in Leeds, to compare with `removal_date`."""
    return london_date(now or utcnow())


def _expired(cutoff: datetime) -> ColumnElement[bool]:
    """The contact's submission has a routing, and every routing was closed before `cutoff`."""
    routed = exists().where(Routing.submission_id == SubmissionContact.submission_id)
    still_held = exists().where(
        Routing.submission_id == SubmissionContact.submission_id,
        or_(Routing.status != "closed", Routing.closed_at.is_(None), Routing.closed_at >= cutoff),
    )
    return and_(routed, ~still_held)


def contact_removed_note(days: int) -> str:
    """The staff-only history entry a removal leaves, in the language of the moment (British English outside a
    request)."""
    return ngettext(
        "Contact details removed: %(num)d day had passed since every partnership closed it.",
        "Contact details removed: %(num)d days had passed since every partnership closed it.",
        days,
    )


def expired_contacts(cutoff: datetime, after: int, limit: int) -> list[int]:
    """The ids (above `after`, in order) of contacts whose submission every partnership closed before `cutoff`."""
    return list(
        db.session.scalars(
            select(SubmissionContact.id)
            .where(SubmissionContact.id > after, _expired(cutoff))
            .order_by(SubmissionContact.id)
            .limit(limit)
        )
    )


def remove_contacts(ids: list[int], cutoff: datetime, now: datetime, note: str) -> int:
    """Delete these contacts (with their waiting mail), in the caller's transaction, and give each submission a
    staff-only history entry saying why. The delete checks the rule again, so a routing reopened between the
    look-up and the delete keeps its contact. Returns how many were removed.

    `app.commands.system.purge_contacts` runs it batch by batch, one transaction each.
    """
    gone = db.session.execute(
        delete(SubmissionContact)
        .where(SubmissionContact.id.in_(ids), _expired(cutoff))
        .returning(SubmissionContact.submission_id),
        execution_options={"synchronize_session": False},
    ).scalars()
    submission_ids = sorted(gone)
    db.session.add_all(
        SubmissionEvent(
            submission_id=submission_id,
            kind="contact-removed",
            body=note,
            actor="system",
            public=False,
            created_at=now,
        )
        for submission_id in submission_ids
    )
    db.session.flush()
    return len(submission_ids)


# Everything else with a retention period ---------------------------------------------------------------------------


def purge_sent_mail(now: datetime | None = None) -> int:
    """Delete copies of emails sent or given up on more than `MAIL_RETENTION_DAYS` ago (addresses and text)."""
    cutoff = (now or utcnow()) - timedelta(days=int(current_app.config["MAIL_RETENTION_DAYS"]))
    finished = or_(
        and_(OutboxMessage.status == "sent", OutboxMessage.sent_at < cutoff),
        and_(OutboxMessage.status == "failed", OutboxMessage.created_at < cutoff),
    )
    removed = cast("CursorResult[Any]", db.session.execute(delete(OutboxMessage).where(finished))).rowcount
    return removed


def purge_staff_sessions(now: datetime | None = None) -> int:
    """Delete records of staff sign-ins that ended more than `STAFF_SESSION_RETENTION_DAYS` ago."""
    cutoff = (now or utcnow()) - timedelta(days=int(current_app.config["STAFF_SESSION_RETENTION_DAYS"]))
    removed = cast(
        "CursorResult[Any]", db.session.execute(delete(StaffSession).where(StaffSession.last_seen_at < cutoff))
    ).rowcount
    return removed


def forget_audit_addresses(now: datetime | None = None) -> int:
    """Blank the network address of audit entries older than `AUDIT_ADDRESS_DAYS`; the entries themselves stay."""
    cutoff = (now or utcnow()) - timedelta(days=int(current_app.config["AUDIT_ADDRESS_DAYS"]))
    changed = cast(
        "CursorResult[Any]",
        db.session.execute(
            update(AuditEvent).where(AuditEvent.at < cutoff, AuditEvent.address != "").values(address="")
        ),
    ).rowcount
    return changed


@dataclass(frozen=True)
class Purged:
    """What one run of `flask retention purge` (`app.commands.system.purge_retention`) removed."""

    contacts: int
    unconfirmed: int
    mail: int
    staff_sessions: int
    audit_addresses: int
