"""Urgent items and who is told of them: staff marking an item "urgent: check today" or removing the mark, each
with the reason they give, and a citywide admin making a member of staff a safeguarding contact for their
partnerships.

Marking is allowed to anyone who may change the work of at least one partnership the item went to (an item with no
partnership yet: citywide admins, the command line), as for a duplicate (`require_edit_any`). Each change writes a
staff-only history entry ("urgent-added" or "urgent-removed", its body the reason) and an audit record, and marking
emails the item's safeguarding contacts at once (`services.staff_mail.send_urgent_to_contacts`), in one commit.
Removing the mark keeps the words that matched (`Submission.urgent_words`) for the record.

The daily check of urgent items nobody opened is scheduled work: `app.commands.system.check_urgent`.
Staff-only: `scripts/check_translations.py` lists this module.
"""

from __future__ import annotations

from flask_babel import gettext as _

from app.clock import utcnow
from app.commands import (
    Actor,
    CommandRefused,
    Forbidden,
    accounts,
    require_edit_any,
    staff_event,
    submission_lcps,
)
from app.extensions import db
from app.models import StaffUser, Submission
from app.services import audit, staff_mail

REASON_LONGEST = 2000


class AlreadyUrgent(CommandRefused):
    def __init__(self) -> None:
        super().__init__(_("It is already marked as urgent."))


class NotUrgent(CommandRefused):
    def __init__(self) -> None:
        super().__init__(_("It is not marked as urgent."))


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise CommandRefused(_("Enter the reason."))
    if len(reason) > REASON_LONGEST:
        raise CommandRefused(_("Shorten the reason to 2,000 characters or fewer."))
    return reason


def mark_urgent(actor: Actor, submission: Submission, reason: str) -> None:
    """Mark the item "urgent: check today" for the reason given; its safeguarding contacts (or the citywide admins)
    are emailed at once. A new mark is a new day's check: the admins may be told again if nobody opens it."""
    require_edit_any(actor, submission_lcps(submission))
    reason = _reason(reason)
    if submission.urgent_at is not None:
        raise AlreadyUrgent()
    submission.urgent_at = utcnow()
    submission.urgent_escalated_at = None
    staff_event(actor, submission, "urgent-added", reason)
    staff_mail.send_urgent_to_contacts(submission, by_staff=True)
    audit.record(
        "submission.urgent-added",
        obj=submission,
        summary=f"Submission {submission.id} marked as urgent: {reason}",
        after={"urgent": True, "reason": reason},
        **actor.audit,
    )
    db.session.commit()


def clear_urgent(actor: Actor, submission: Submission, reason: str) -> None:
    """Remove the urgent mark for the reason given; the words that matched stay on the item for the record."""
    require_edit_any(actor, submission_lcps(submission))
    reason = _reason(reason)
    if submission.urgent_at is None:
        raise NotUrgent()
    submission.urgent_at = None
    staff_event(actor, submission, "urgent-removed", reason)
    audit.record(
        "submission.urgent-removed",
        obj=submission,
        summary=f"Submission {submission.id}: urgent mark removed: {reason}",
        before={"urgent": True},
        after={"urgent": False, "reason": reason},
        **actor.audit,
    )
    db.session.commit()


def set_safeguarding(actor: Actor, user: StaffUser, value: bool) -> bool:
    """Make a member of staff a safeguarding contact for their partnerships (emailed at once about urgent items),
    or stop; citywide admins and the command line only. Returns False when nothing changed."""
    if not (actor.trusted or (actor.user is not None and actor.user.is_admin)):
        raise Forbidden()
    # As for every other change to an account: an admin's own is changed by another admin.
    accounts.refuse_self(actor, user)
    if user.safeguarding == value:
        return False
    user.safeguarding = value
    audit.record(
        "staff.safeguarding",
        obj=user,
        summary="made a safeguarding contact" if value else "no longer a safeguarding contact",
        before={"safeguarding": not value},
        after={"safeguarding": value},
        **actor.audit,
    )
    db.session.commit()
    return True
