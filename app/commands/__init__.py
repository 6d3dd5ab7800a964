"""The command layer: each change to the data is one function here, whoever asks for it.

A command takes an explicit `Actor` (a staff member, the command line, the system running scheduled work, a
resident, a follower's signed link) and owns everything the change means: the permission check, the rule,
the one commit, the audit record and the emails it queues (in the same transaction). The staff area, the
command line, the demo loader and scheduled jobs are thin adapters: they read their input, call one command,
and show or print what it returns or why it refused. So the same change reads the same in the audit log
whether it came from a staff page (`actor_label` the person's email) or from `flask …` (`cli:<login name>`).

Layout:

    app/commands/__init__.py   Actor, CommandRefused, NotFound, Forbidden and the permission checks
    app/commands/accounts.py   signing in (password, authenticator or recovery code, setting it up, the wait
                               after wrong attempts), sessions, one's own account, a citywide admin's
                               changes to staff accounts, the demo staff accounts
    app/commands/casework.py   a routing's status, assignee or tags (one, or the inbox's bulk change), a note,
                               a look at contact details, a duplicate, entering a submission for someone,
                               routing it to a partnership, publishing a reply, the theme check and its alerts
    app/commands/content.py    a partnership's page facts, theme alerts, priorities, GP practices, meetings,
                               agenda items, updates, self-assessments and translations; topics and
                               partnerships themselves (add, rename, merge) for citywide admins
    app/commands/meetings.py   recording what was decided on an agenda item (and telling who commented)
    app/commands/people.py     registering, confirming, preferences and their link, unsubscribing, following,
                               deleting a follower, purging unconfirmed registrations, the staff export
    app/commands/sharing.py    storing what a person shares (or staff enter for them), a follow-up, stopping
                               updates, deleting the contact details
    app/commands/system.py     scheduled and setup work: retention purges, digests, outbox delivery, seed, demo
    app/commands/practices.py  the programme's list of practices and their partnerships, applied and undone
    app/commands/suggestions.py  a resident's word on a practice's partnership, and an admin accepting or
                               rejecting it

Nothing here imports the request, `flask_login` or the blueprints, and nothing outside this package commits, writes
an audit record or queues an email (`tests/test_layers.py` reads the sources): a command never calls `abort`.
`NotFound` and `Forbidden` are werkzeug's 404 and 403, so a view that lets one through answers as `scoped_or_404`
does; the command line catches them and prints their message.
`CommandRefused` carries the sentence a view shows beside the form, or the command line prints.

Services (`app/services/`) keep the reads and calculations and the building blocks a command puts together
(`sharing.set_status`, which neither commits nor emails, and the like). docs/ARCHITECTURE.md, "The command layer",
draws the layers.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from werkzeug import exceptions

from app.extensions import db
from app.models import StaffUser, Submission, SubmissionEvent

Kind = Literal["staff", "cli", "system", "resident", "follower"]


class CommandRefused(Exception):
    """The change is not allowed as asked; `message` says why, in words a view shows or the command line prints."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotFound(exceptions.NotFound):
    """Nothing the actor may see by that id: another partnership's row reads exactly as one that does not exist."""


class Forbidden(exceptions.Forbidden):
    """The actor may read it but not change it (a viewer)."""


def login_name() -> str:
    """The operating-system account running the command line; "unknown" when the system cannot say."""
    try:
        return getpass.getuser() or "unknown"
    except (OSError, KeyError):  # no name in the environment and none in the password database
        return "unknown"


@dataclass(frozen=True)
class Actor:
    """Who is making a change.

    `staff` carries the signed-in `StaffUser`, bounded by their role and partnerships. `cli` (an operator at
    the server's command line) and `system` (scheduled work) are trusted as a citywide admin is. `resident`
    and `follower` (someone acting through a signed link) may change only what their own link or form reaches,
    which each command checks for itself.
    """

    kind: Kind
    label: str
    user: StaffUser | None = None
    # The network address the change came from, for the audit log ("" from the command line or scheduled work).
    address: str = ""

    @classmethod
    def staff(cls, user: StaffUser, address: str = "") -> Actor:
        return cls("staff", user.email, user, address)

    @classmethod
    def cli(cls, login: str | None = None) -> Actor:
        return cls("cli", f"cli:{login or login_name()}")

    @classmethod
    def system(cls, job: str) -> Actor:
        return cls("system", f"system:{job}")

    @classmethod
    def resident(cls, address: str = "") -> Actor:
        return cls("resident", "resident", address=address)

    @classmethod
    def follower(cls, follower_id: int, address: str = "") -> Actor:
        return cls("follower", f"follower:{follower_id}", address=address)

    @property
    def trusted(self) -> bool:
        """The command line and scheduled work act for the whole city."""
        return self.kind in ("cli", "system")

    @property
    def can_edit(self) -> bool:
        if self.user is not None:
            return self.user.can_edit
        return self.trusted

    def sees(self, lcp_id: int | None) -> bool:
        """Whether the actor may read a partnership's staff data."""
        if self.user is not None:
            return self.user.sees(lcp_id)
        return self.trusted

    def sees_any(self, lcp_ids: Iterable[int | None]) -> bool:
        """Whether the actor may read something shared with these partnerships (a submission and its routings)."""
        if self.user is not None and self.user.is_admin:
            return True
        return self.trusted or any(self.sees(lcp_id) for lcp_id in lcp_ids)

    @property
    def event_actor(self) -> str:
        """How a submission's history names the actor: "staff" (the command line too, as before), "system"
        or "person"."""
        if self.kind in ("staff", "cli"):
            return "staff"
        return "system" if self.kind == "system" else "person"

    @property
    def audit(self) -> dict[str, Any]:
        """The keyword arguments `audit.record` takes to name this actor."""
        if self.user is not None:
            return {"actor": self.user, "address": self.address}
        return {"actor_label": self.label, "address": self.address}


def require_edit(actor: Actor, lcp_id: int | None) -> None:
    """The actor may change this partnership's work: NotFound if they cannot even see it, Forbidden if they
    may only read it (the order `scoped_or_404` answers in)."""
    if not actor.sees(lcp_id):
        raise NotFound()
    if not actor.can_edit:
        raise Forbidden()


def require_edit_any(actor: Actor, lcp_ids: Iterable[int | None]) -> None:
    """As `require_edit`, for something reached through any of several partnerships (a submission)."""
    if not actor.sees_any(lcp_ids):
        raise NotFound()
    if not actor.can_edit:
        raise Forbidden()


def submission_lcps(submission: Submission) -> list[int | None]:
    """The partnerships a submission went to: what `require_edit_any` checks for a change to the submission itself
    (none yet: only citywide admins and the command line may change it)."""
    return [routing.lcp_id for routing in submission.routings]


def staff_event(actor: Actor, submission: Submission, kind: str, body: str = "") -> SubmissionEvent:
    """A staff-only entry in a submission's history, by the actor, in the caller's transaction."""
    event = SubmissionEvent(
        submission=submission,
        kind=kind,
        body=body,
        actor=actor.event_actor,
        staff_id=actor.user.id if actor.user is not None else None,
        public=False,
    )
    db.session.add(event)
    return event


def require_trusted(actor: Actor) -> None:
    """Only the command line and scheduled work: the setup, batch and development jobs no person runs from a page."""
    if not actor.trusted:
        raise Forbidden()


def claim_next(
    next_due: Callable[[Collection[int]], int | None], take: Callable[[int], bool], skip: Collection[int], races: int
) -> int | None:
    """A worker's next row of a queue (`app.services.work_queue`: the outbox, webhook deliveries): its id, or None
    when nothing (more) outside `skip` is due. The claim is committed on its own, before sending, so no other worker
    may take the row now; when another worker claimed it between our SELECT and UPDATE (SQLite), pick again, at
    most `races` times."""
    for _race in range(races):
        row_id = next_due(skip)
        if row_id is None:
            db.session.rollback()
            return None
        claimed = take(row_id)
        db.session.commit()
        if claimed:
            return row_id
    return None
