"""Staff handling one submission: the reads and building blocks behind its page (who sees it, which routings are
theirs, where else it could go, a note, the reason a duplicate is closed with).

The changes (a note, a look at the contact details, a duplicate, entering a submission on someone's behalf,
sharing with another LCP, a reply) are commands (`app.commands.casework`), which check the permission, audit,
email and commit; the staff pages and the command line call them. Nothing here reads the request: the staff
pages look a submission up with `app.admin.submission_views.submission_or_404`, which answers 404 for one
routed to none of the person's LCPs, as for one that does not exist.

The item page's staff wording (its history as sentences, where it sits in an inbox view, what changed since a form
was drawn) is `app.services.item_page`'s.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Lcp, Routing, RoutingNote, StaffUser, Submission, SubmissionEvent

DUPLICATE_REASON = "The same as another report, which we are handling"
# The history entries that are staff changes to a routing: each one adds one to `Routing.version`.
CHANGE_KINDS = ("status", "assigned", "tagged", "response")


def sees_submission(submission: Submission, user: StaffUser) -> bool:
    """A submission is visible to a person when one of its routings belongs to one of their LCPs (admins: all)."""
    return user.is_admin or any(user.sees(routing.lcp_id) for routing in submission.routings)


def load_submission(submission_id: int) -> Submission | None:
    """A submission with everything its staff page shows, whoever may see it (the caller checks)."""
    return db.session.scalar(
        select(Submission)
        .where(Submission.id == submission_id)
        .options(
            selectinload(Submission.routings).selectinload(Routing.lcp),
            selectinload(Submission.routings).selectinload(Routing.notes),
            selectinload(Submission.routings).selectinload(Routing.assignee),
            selectinload(Submission.topics),
            selectinload(Submission.events).selectinload(SubmissionEvent.staff),
            selectinload(Submission.events).selectinload(SubmissionEvent.routing),
            selectinload(Submission.responses),
        )
    )


def own_routings(submission: Submission, user: StaffUser) -> list[Routing]:
    """The routings the person handles (all, for admins)."""
    return [routing for routing in submission.routings if user.sees(routing.lcp_id)]


def unrouted_lcps(submission: Submission) -> list[Lcp]:
    """Every LCP the submission has not been passed to yet."""
    routed = {routing.lcp_id for routing in submission.routings}
    return [lcp for lcp in db.session.scalars(select(Lcp).order_by(Lcp.name)) if lcp.id not in routed]


def duplicate_reason() -> str:
    return _(DUPLICATE_REASON)


def new_note(routing: Routing, body: str, staff: StaffUser | None) -> RoutingNote:
    """A note on a routing by a staff member (None: from the command line), added and flushed (so it has its id) in
    the caller's transaction."""
    note = RoutingNote(routing=routing, author_id=staff.id if staff else None, body=body)
    db.session.add(note)
    db.session.flush()
    return note
