"""Who hears of an urgent item, and which urgent items nobody has opened.

An item marked "urgent: check today" (services.safety found one of the reviewed phrases, or staff marked it) is
emailed at once (`staff_mail.send_urgent_to_contacts`, called by the command that marked it, in its transaction)
to each safeguarding contact of the partnerships it went to (`StaffUser.safeguarding`, set by admins), or to the
citywide admins for a partnership with none, and for an item that has no partnership yet. The email names the item
and links to it; it never quotes what was written. A check (`app.commands.system.check_urgent`, hourly) tells the
citywide admins of urgent items that nobody in any partnership has opened within a day of being marked, once per
item.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select

from app.extensions import db
from app.models import Routing, StaffUser, Submission

# How long an urgent item may wait unopened before the citywide admins are told.
UNOPENED_AFTER = timedelta(hours=24)


def _active(users: list[StaffUser]) -> list[StaffUser]:
    return [user for user in users if user.disabled_at is None and user.locked_at is None]


def admins() -> list[StaffUser]:
    return _active(list(db.session.scalars(select(StaffUser).where(StaffUser.role == "admin").order_by(StaffUser.id))))


def contacts_for(submission: Submission) -> list[StaffUser]:
    """The people to tell at once: each partnership's safeguarding contacts, the citywide admins for a partnership
    that has none (or when it has no partnership yet); each person once."""
    contacts = _active(
        list(db.session.scalars(select(StaffUser).where(StaffUser.safeguarding.is_(True)).order_by(StaffUser.id)))
    )
    chosen: dict[int, StaffUser] = {}
    lcp_ids: list[int | None] = [routing.lcp_id for routing in submission.routings]
    for lcp_id in lcp_ids or [None]:
        theirs = [user for user in contacts if lcp_id is not None and user.sees(lcp_id)]
        for user in theirs or admins():
            chosen.setdefault(user.id, user)
    return list(chosen.values())


def unopened(now: datetime) -> list[Submission]:
    """Urgent items marked at least a day ago that nobody has opened and the admins have not yet been told of."""
    opened = exists().where(Routing.submission_id == Submission.id, Routing.opened_at.is_not(None))
    return list(
        db.session.scalars(
            select(Submission)
            .where(
                Submission.urgent_at.is_not(None),
                Submission.urgent_at <= now - UNOPENED_AFTER,
                Submission.urgent_escalated_at.is_(None),
                Submission.is_demo.is_(False),
                ~opened,
            )
            .order_by(Submission.urgent_at, Submission.id)
        )
    )
