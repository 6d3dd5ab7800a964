"""Which partnerships have a safeguarding contact, for the admins' staff pages: a partnership without one has its
urgent items emailed to the citywide admins instead (`services.safeguarding.contacts_for`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Lcp, StaffUser


def contacts() -> list[StaffUser]:
    """Every safeguarding contact whose account is in use."""
    return [
        user
        for user in db.session.scalars(
            select(StaffUser)
            .where(StaffUser.safeguarding.is_(True))
            .options(selectinload(StaffUser.lcps))
            .order_by(StaffUser.name, StaffUser.id)
        )
        if user.disabled_at is None and user.locked_at is None
    ]


def without_contact(lcps: list[Lcp]) -> list[Lcp]:
    """Those of these partnerships that nobody is a safeguarding contact for."""
    everyone = contacts()
    return [lcp for lcp in lcps if not any(user.sees(lcp.id) for user in everyone)]
