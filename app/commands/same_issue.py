"""Counting items together: "the same issue" without closing anything.

Unlike a duplicate (`app.commands.casework.mark_duplicate`, which closes the item and tells its person), counting an
item together with an original leaves both open and handled as they were; the original then reads "Raised by N
people" on its staff page and on its public "you said, we did" reply (`app.services.similar.raised_by`).

The links stay one level deep, so every count is a single query: an item is counted with an original that is not
itself counted with another (asked to count with one that is, it is counted with that one's original instead), and
items already counted with the item being moved go with it to its new original. Each change is audited and written
in both items' history ("Counted together with item N"), and only by someone who may change the item's work and can
see the original (another partnership's original answers 404, as if it did not exist).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from app.commands import Actor, CommandRefused, NotFound, require_edit_any, staff_event, submission_lcps
from app.extensions import db
from app.models import Submission
from app.services import audit

EVENT_COUNTED = "same-issue"
EVENT_STOPPED = "same-issue-stopped"


class SameItem(CommandRefused):
    """An item cannot be counted together with itself."""

    def __init__(self) -> None:
        super().__init__("Choose a different item to count it together with")


class AlreadyOriginal(CommandRefused):
    """The chosen original is already counted together with this item (the other way round)."""

    def __init__(self) -> None:
        super().__init__("That item is already counted together with this one")


class NotCounted(CommandRefused):
    """Stopping what was never started."""

    def __init__(self) -> None:
        super().__init__("This item is not counted together with another")


@dataclass(frozen=True)
class Counted:
    original: Submission
    # False when the item was already counted together with that original: nothing was written.
    changed: bool = True
    # Items that were counted together with the item and now count with its original.
    moved: list[Submission] = field(default_factory=list)


def counted_text(number: int) -> str:
    return f"Counted together with item {number}"


def stopped_text(number: int) -> str:
    return f"No longer counted together with item {number}"


def count_together(actor: Actor, submission: Submission, original: Submission) -> Counted:
    """Count `submission` as raising the same issue as `original` (or as `original`'s own original), leaving both
    open. NotFound when the actor cannot see the original, as for one that does not exist."""
    require_edit_any(actor, submission_lcps(submission))
    if not actor.sees_any(submission_lcps(original)):
        raise NotFound()
    root = original.same_issue_as or original
    if root.id == submission.id:
        raise AlreadyOriginal() if original.id != submission.id else SameItem()
    if submission.same_issue_as_id == root.id:
        return Counted(root, changed=False)
    before = submission.same_issue_as_id
    moved = list(db.session.scalars(select(Submission).where(Submission.same_issue_as_id == submission.id)))
    submission.same_issue_as_id = root.id
    submission.same_issue_as = root
    staff_event(actor, submission, EVENT_COUNTED, counted_text(root.id))
    staff_event(actor, root, EVENT_COUNTED, counted_text(submission.id))
    for item in moved:
        item.same_issue_as_id = root.id
        item.same_issue_as = root
        staff_event(actor, item, EVENT_COUNTED, counted_text(root.id))
    audit.record(
        "submission.same-issue",
        obj=submission,
        summary=f"Submission {submission.id} counted together with {root.id}",
        before={"same_issue_as_id": before},
        after={"same_issue_as_id": root.id, "moved": [item.id for item in moved]},
        **actor.audit,
    )
    db.session.commit()
    return Counted(root, moved=moved)


def stop_counting(actor: Actor, submission: Submission) -> Submission:
    """Stop counting `submission` together with its original; returns that original."""
    require_edit_any(actor, submission_lcps(submission))
    original = submission.same_issue_as
    if original is None:
        raise NotCounted()
    submission.same_issue_as_id = None
    submission.same_issue_as = None
    staff_event(actor, submission, EVENT_STOPPED, stopped_text(original.id))
    staff_event(actor, original, EVENT_STOPPED, stopped_text(submission.id))
    audit.record(
        "submission.same-issue-stopped",
        obj=submission,
        summary=f"Submission {submission.id} no longer counted together with {original.id}",
        before={"same_issue_as_id": original.id},
        after={"same_issue_as_id": None},
        **actor.audit,
    )
    db.session.commit()
    return original
