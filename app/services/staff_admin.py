"""Staff accounts as citywide admins manage them: create, change access, disable, lock, unlock, reset; the audit log.

Admins never choose a password for someone else: a new account and a password reset each get a random
one, shown once to the admin to pass on. Anything that reduces a person's access, locks the account, or
resets how they sign in, also signs them out everywhere. Every change is written to the audit log in the same
transaction; the caller commits. From the command line, `actor_label="command line"` names the actor.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.formatting import utcnow
from app.models import AuditEvent, Lcp, StaffUser
from app.models.staff import ROLES
from app.services import audit, auth

# Higher means more access: a move down this list signs the person out.
ROLE_RANK = {"viewer": 1, "staff": 2, "admin": 3}
PERMISSION_FIELDS = ("role", "lcps")


class SelfChangeRefused(ValueError):
    """An admin tried to disable, demote or reset their own account from the staff pages."""


def generate_password() -> str:
    """A random initial password of 20 characters, for the admin to pass on once."""
    while True:
        password = secrets.token_urlsafe(15)
        if auth.password_problem(password) is None:
            return password


def status(user: StaffUser) -> str:
    """One word for the list: disabled, locked (by an admin), throttled (waiting after wrong attempts),
    not-enrolled (authenticator not set up) or active."""
    if user.disabled_at is not None:
        return "disabled"
    if user.locked_at is not None:
        return "locked"
    if user.throttled_until is not None and user.throttled_until > utcnow():
        return "throttled"
    if user.totp_enrolled_at is None:
        return "not-enrolled"
    return "active"


def all_staff() -> list[StaffUser]:
    query = select(StaffUser).options(selectinload(StaffUser.lcps))
    return list(db.session.scalars(query.order_by(func.lower(StaffUser.name), StaffUser.email)))


def lcps_by_slug(slugs: list[str]) -> list[Lcp]:
    if not slugs:
        return []
    return list(db.session.scalars(select(Lcp).where(Lcp.slug.in_(slugs)).order_by(Lcp.name)))


def refuse_self(actor: StaffUser | None, user: StaffUser) -> None:
    """Admins change their own account only from their account page, so nobody locks out the last admin."""
    if actor is not None and actor.id == user.id:
        raise SelfChangeRefused(
            _("You cannot change your own role, partnerships or sign-in from here. Ask another citywide admin.")
        )


def create_account(
    email: str, name: str, role: str, lcps: list[Lcp], password: str | None = None, **who: Any
) -> tuple[StaffUser, str]:
    """A new account with a generated password (unless one is given), returned once. Raises ValueError with a reason."""
    password = password or generate_password()
    user = auth.create_staff(email, name, role, password, [] if role == "admin" else lcps)
    audit.record(
        "staff.create",
        obj=user,
        summary=f"account made for {user.email}",
        after=audit.snapshot(user, ("email", "name", *PERMISSION_FIELDS)),
        **who,
    )
    return user, password


def access_reduced(old_role: str, old_lcps: set[int], new_role: str, new_lcps: set[int]) -> bool:
    if ROLE_RANK[new_role] < ROLE_RANK[old_role]:
        return True
    return new_role != "admin" and bool(old_lcps - new_lcps)


def change_access(user: StaffUser, role: str, lcps: list[Lcp], actor: StaffUser | None = None, **who: Any) -> bool:
    """Sets role and partnerships; records what changed and signs the person out if they lost access."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    refuse_self(actor, user)
    before = audit.snapshot(user, PERMISSION_FIELDS)
    old_role, old_lcps = user.role, user.lcp_ids
    user.role = role
    user.lcps = [] if role == "admin" else list(lcps)
    reduced = access_reduced(old_role, old_lcps, role, user.lcp_ids)
    if reduced:
        auth.revoke_all_sessions(user)
    summary = "access changed" + ("; signed out everywhere" if reduced else "")
    return audit.record_change(
        "staff.permissions", user, before, PERMISSION_FIELDS, summary=summary, actor=actor, **who
    )


def disable(user: StaffUser, actor: StaffUser | None = None, **who: Any) -> None:
    refuse_self(actor, user)
    user.disabled_at = user.disabled_at or utcnow()
    auth.revoke_all_sessions(user)
    audit.record("staff.disable", obj=user, summary="account disabled; signed out everywhere", actor=actor, **who)


def enable(user: StaffUser, actor: StaffUser | None = None, **who: Any) -> None:
    refuse_self(actor, user)
    user.disabled_at = None
    audit.record("staff.enable", obj=user, summary="account enabled", actor=actor, **who)


def lock(user: StaffUser, actor: StaffUser | None = None, **who: Any) -> None:
    """For an account someone else may be using: no sign-in until an admin unlocks it, and signed out now."""
    refuse_self(actor, user)
    auth.lock(user)
    audit.record("staff.lock", obj=user, summary="account locked; signed out everywhere", actor=actor, **who)


def unlock(user: StaffUser, actor: StaffUser | None = None, **who: Any) -> None:
    """Lifts an admin's lock and any wait after wrong attempts."""
    refuse_self(actor, user)
    auth.unlock(user)
    audit.record("staff.unlock", obj=user, summary="account unlocked", actor=actor, **who)


def reset_second_factor(user: StaffUser, actor: StaffUser | None = None, **who: Any) -> None:
    refuse_self(actor, user)
    auth.reset_second_factor(user)
    audit.record(
        "staff.reset-2fa",
        obj=user,
        summary="authenticator and recovery codes reset; to set up again at next sign-in",
        actor=actor,
        **who,
    )


def reset_password(user: StaffUser, actor: StaffUser | None = None, **who: Any) -> str:
    """A new generated password, returned once; the person is signed out everywhere."""
    refuse_self(actor, user)
    password = generate_password()
    auth.set_password(user, password)
    auth.clear_throttle(user)
    audit.record("staff.reset-password", obj=user, summary="password reset; signed out everywhere", actor=actor, **who)
    return password


# The audit log page ---------------------------------------------------------------------------------------------


@dataclass
class Change:
    field: str
    before: str
    after: str


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "—"
    return str(value)


def changes(event: AuditEvent) -> list[Change]:
    """The fields an event changed, as text, from its before and after JSON."""
    before = json.loads(event.before) if event.before else {}
    after = json.loads(event.after) if event.after else {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    return [
        Change(key, _shown(before.get(key)), _shown(after.get(key))) for key in sorted(before.keys() | after.keys())
    ]


def load_lcps_of(events: list[AuditEvent]) -> None:
    """Loads the partnerships a page of events names in one query, rather than one for each row."""
    ids = {event.lcp_id for event in events if event.lcp_id}
    if ids:
        db.session.scalars(select(Lcp).where(Lcp.id.in_(ids))).all()


def action_prefixes() -> list[str]:
    """The first part of every action in the log (sign-in, staff, lcp…), for the search form."""
    actions = db.session.scalars(select(AuditEvent.action).distinct())
    return sorted({action.split(".")[0] for action in actions if action})
