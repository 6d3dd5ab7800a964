"""Staff handling one submission: seeing it, notes, contact details, duplicates and entering a submission on
someone's behalf. Sharing it with another LCP and publishing a reply are commands (`app.commands.casework`), which
the command line uses too.

A submission is visible to a person when one of its routings belongs to one of their LCPs (admins see
every submission), and 404 otherwise, as for one that does not exist. Every change is audited in the
same transaction as the change, and the history entry it makes names the staff member.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.admin.access import me
from app.extensions import db
from app.models import Lcp, Routing, RoutingNote, StaffUser, Submission
from app.services import audit, sharing
from app.services.sharing import ShareInput

DUPLICATE_REASON = "The same as another report, which we are handling"


def sees_submission(submission: Submission, user: StaffUser | None = None) -> bool:
    user = user or me()
    return user.is_admin or any(user.sees(routing.lcp_id) for routing in submission.routings)


def submission_or_404(submission_id: int, edit: bool = False) -> Submission:
    """A submission routed to one of the person's LCPs (any, for admins); 404 otherwise, as for none."""
    submission = db.session.scalar(
        select(Submission)
        .where(Submission.id == submission_id)
        .options(
            selectinload(Submission.routings).selectinload(Routing.lcp),
            selectinload(Submission.routings).selectinload(Routing.notes),
            selectinload(Submission.topics),
            selectinload(Submission.events),
            selectinload(Submission.responses),
        )
    )
    if submission is None or not sees_submission(submission):
        abort(404)
    if edit and not me().can_edit:
        abort(403)
    return submission


def own_routings(submission: Submission, user: StaffUser | None = None) -> list[Routing]:
    """The routings the person handles (all, for admins)."""
    user = user or me()
    return [routing for routing in submission.routings if user.sees(routing.lcp_id)]


def unrouted_lcps(submission: Submission) -> list[Lcp]:
    """Every LCP the submission has not been passed to yet."""
    routed = {routing.lcp_id for routing in submission.routings}
    return [lcp for lcp in db.session.scalars(select(Lcp).order_by(Lcp.name)) if lcp.id not in routed]


def duplicate_reason() -> str:
    return _(DUPLICATE_REASON)


# Notes and contact ------------------------------------------------------------------------------------------------


def add_note(routing: Routing, body: str, staff: StaffUser) -> RoutingNote:
    note = RoutingNote(routing=routing, author_id=staff.id, body=body)
    db.session.add(note)
    db.session.flush()
    audit.record(
        "routing.note-added",
        actor=staff,
        obj=note,
        lcp_id=routing.lcp_id,
        summary=f"Note on submission {routing.submission_id} for {routing.lcp.name}",
    )
    db.session.commit()
    return note


def view_contact(submission: Submission, staff: StaffUser) -> None:
    """Every look at a person's contact details is in the audit log."""
    audit.record(
        "submission.contact-viewed",
        actor=staff,
        obj=submission,
        summary=f"Contact details of submission {submission.id} ({sharing.format_code(submission.receipt_code)})",
    )
    db.session.commit()


# Duplicates -------------------------------------------------------------------------------------------------------


def visible_by_code(typed: str) -> Submission | None:
    other = sharing.find_by_code(typed)
    if other is None or not sees_submission(other):
        return None
    return other


def mark_duplicate(submission: Submission, original: Submission, staff: StaffUser) -> list[Routing]:
    """Say it is the same as `original`, and close its routings in the person's LCPs; its people are told."""
    submission.duplicate_of_id = original.id
    closed = []
    for routing in own_routings(submission, staff):
        if routing.status != "closed":
            sharing.set_status(routing, "closed", reason=duplicate_reason(), staff=staff, commit=False)
            closed.append(routing)
    audit.record(
        "submission.duplicate",
        actor=staff,
        obj=submission,
        summary=(
            f"Submission {submission.id} marked as the same as {original.id} "
            f"({sharing.format_code(original.receipt_code)})"
        ),
        after={"duplicate_of_id": original.id, "closed": [routing.lcp.slug for routing in closed]},
    )
    db.session.commit()
    return closed


# Entering on someone's behalf -------------------------------------------------------------------------------------


@dataclass
class Entered:
    submission: Submission
    repeated: bool = False


def enter(data: ShareInput, staff: StaffUser) -> Entered:
    """Store a phone, paper or event submission through the same path as the public form, naming who entered it."""
    shared = sharing.share(data)
    submission = shared.submission
    if shared.repeated:
        return Entered(submission, repeated=True)
    submission.entered_by_id = staff.id
    for event in submission.events:
        if event.kind == "received":
            event.actor = "staff"
            event.staff_id = staff.id
    audit.record(
        "submission.entered",
        actor=staff,
        obj=submission,
        lcp_id=data.lcps[0].id if data.lcps else None,
        summary=f"Submission {submission.id} entered from {data.source}",
        after={"source": data.source, "lcps": [lcp.slug for lcp in data.lcps]},
    )
    db.session.commit()
    return Entered(submission)
