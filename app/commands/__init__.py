"""The command layer: each change to the data is one function here, whoever asks for it.

A command takes an explicit `Actor` (a staff member, the command line, the system running scheduled work, a
resident, a follower's signed link) and owns everything the change means: the permission check, the rule,
the one commit, the audit record and the emails it queues (in the same transaction). The staff area, the
command line, the demo loader and scheduled jobs are thin adapters: they read their input, call one command,
and show or print what it returns or why it refused. So the same change reads the same in the audit log
whether it came from a staff page (`actor_label` the person's email) or from `flask …` (`cli:<login name>`).

Layout:

    app/commands/__init__.py   Actor, CommandRefused, NotFound, Forbidden and the permission checks
    app/commands/casework.py   a routing's status (one, or the inbox's bulk change), routing a submission
                               to a partnership, publishing a reply
    app/commands/meetings.py   recording what was decided on an agenda item

Nothing here imports the request, `flask_login` or the blueprints (`tests/test_commands.py` reads the sources):
a command never calls `abort`. `NotFound` and `Forbidden` are werkzeug's 404 and 403, so a view that lets one
through answers as `scoped_or_404` does; the command line catches them and prints their message.
`CommandRefused` carries the sentence a view shows beside the form, or the command line prints.

Services (`app/services/`) keep the reads and calculations and the building blocks a command puts together
(`sharing.set_status(commit=False)` and the like). Only some actions have moved here so far (see
docs/ARCHITECTURE.md, "The command layer"); the rest follow.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from werkzeug import exceptions

from app.models import StaffUser

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
