"""Staff accounts as citywide admins see them (the list, each account's status, generated passwords, what a
change of access means) and the audit log page's reads.

The changes themselves (create, change access, disable, lock, unlock, reset) are commands, in
`app/commands/accounts.py`, which the staff pages and `flask staff …` share. Nothing here commits or audits.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.clock import utcnow
from app.extensions import db
from app.models import AuditEvent, Lcp, StaffUser
from app.services import auth

# Higher means more access: a move down this list signs the person out.
ROLE_RANK = {"viewer": 1, "staff": 2, "admin": 3}
PERMISSION_FIELDS = ("role", "lcps")


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


def access_reduced(old_role: str, old_lcps: set[int], new_role: str, new_lcps: set[int]) -> bool:
    if ROLE_RANK[new_role] < ROLE_RANK[old_role]:
        return True
    return new_role != "admin" and bool(old_lcps - new_lcps)


def set_access(user: StaffUser, role: str, lcps: list[Lcp]) -> bool:
    """Sets role and partnerships (none for a citywide admin, who sees every one); signs the person out
    everywhere if they lost access, and says whether they did."""
    old_role, old_lcps = user.role, user.lcp_ids
    user.role = role
    user.lcps = [] if role == "admin" else list(lcps)
    reduced = access_reduced(old_role, old_lcps, role, user.lcp_ids)
    if reduced:
        auth.revoke_all_sessions(user)
    return reduced


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
