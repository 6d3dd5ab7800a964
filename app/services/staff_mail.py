"""Emails to staff about their own account, queued like every other email (`services/mail.py`).

They are always in British English, the staff area's language: their words are staff-only, so
`scripts/check_translations.py` lists this module and the `email/staff-` templates, and no catalogue needs them.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.clock import utcnow
from app.links import absolute_url_for
from app.models import OutboxMessage, Routing, StaffUser
from app.services import outbox
from app.services.mail import render_email

SIGN_IN_THROTTLED = "staff-sign-in-throttled"


def send_sign_in_throttled(user: StaffUser, failures: int, until: datetime) -> OutboxMessage:
    """Tells a person that wrong attempts have made their account wait, when, and what to do if it was not them.

    Sent once for each run of wrong attempts (see `commands.accounts`), in the transaction that records the
    attempt.
    """
    config = current_app.config
    now = utcnow()
    subject, text, html = render_email(
        SIGN_IN_THROTTLED,
        "en_GB",
        subject=_l("Wrong attempts to sign in to your staff account"),
        person=user,
        failures=failures,
        at=now,
        until=until,
        wait_minutes=max(1, round((until - now).total_seconds() / 60)),
        most_minutes=config["STAFF_THROTTLE_MAX_MINUTES"],
        login_link=absolute_url_for("admin.login"),
        account_link=absolute_url_for("admin.account"),
    )
    return outbox.queue(to=user.email, subject=subject, text=text, html=html, kind=SIGN_IN_THROTTLED)


ASSIGNED = "staff-assigned"


def send_assigned(routing: Routing, person: StaffUser, by: str) -> OutboxMessage | None:
    """Tells `person` that `by` (a name) gave them an item, in the transaction that assigned it; nothing when they
    chose not to hear of it or their account is disabled. The caller leaves out people who assigned themselves."""
    if not person.notify_assigned or person.disabled_at is not None:
        return None
    subject, text, html = render_email(
        ASSIGNED,
        "en_GB",
        subject=_l("Item %(number)s is assigned to you", number=routing.submission_id),
        person=person,
        routing=routing,
        by=by,
        item_link=absolute_url_for("admin.submission", submission_id=routing.submission_id),
        account_link=absolute_url_for("admin.account"),
    )
    return outbox.queue(to=person.email, subject=subject, text=text, html=html, kind=ASSIGNED)
