"""Emails to staff about their own account and about the items they work on, queued like every other email
(`services/mail.py`): a wait after wrong attempts to sign in, an item assigned to them, and what they chose on their
account page to hear of new items and of items past their target (`services/staff_notify.py` reads those).

They are always in British English, the staff area's language: their words are staff-only, so
`scripts/check_translations.py` lists this module and the `email/staff-` templates, and no catalogue needs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from app.clock import utcnow
from app.links import absolute_url_for
from app.models import OutboxMessage, Routing, StaffUser, Submission
from app.services import outbox, safeguarding, staff_notify
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


# New items and items past their target (`app.commands.system.notify_staff`) ---------------------------------------


@dataclass(frozen=True)
class Line:
    """One item as an email lists it: its number, its partnership (None: no partnership yet, the sender was not
    sure), when it arrived, the start of its words and a link to it in the staff area."""

    number: int
    lcp: str | None
    arrived: datetime
    words: str
    link: str


def _item_link(submission_id: int) -> str:
    return absolute_url_for("admin.submission", submission_id=submission_id)


def _lines(arrivals: staff_notify.Arrivals) -> list[Line]:
    lines = [
        Line(
            routing.submission_id,
            routing.lcp.name,
            routing.created_at,
            staff_notify.first_words(routing.submission.body),
            _item_link(routing.submission_id),
        )
        for routing in arrivals.routings
    ]
    lines += [_unsure_line(submission) for submission in arrivals.unsure]
    return lines


def _unsure_line(submission: Submission) -> Line:
    return Line(
        submission.id,
        None,
        submission.created_at,
        staff_notify.first_words(submission.body),
        _item_link(submission.id),
    )


def hour_label(hour: int) -> str:
    """An hour as the staff area writes times: 8:00am, 12:00pm (midday), 12:00am (midnight)."""
    shown = f"{hour % 12 or 12}:00{'am' if hour < 12 else 'pm'}"
    if hour == 0:
        return str(_l("%(time)s (midnight)", time=shown))
    if hour == 12:
        return str(_l("%(time)s (midday)", time=shown))
    return shown


def _common(person: StaffUser) -> dict[str, object]:
    return {
        "person": person,
        "citywide": person.is_admin,
        "inbox_link": absolute_url_for("admin.inbox"),
        "account_link": absolute_url_for("admin.account", _anchor="notifications"),
    }


def _queue(person: StaffUser, kind: str, subject: object, **context: object) -> OutboxMessage:
    """Queues one of these emails, in the caller's transaction."""
    subject_text, text, html = render_email(kind, "en_GB", subject=subject, **_common(person), **context)
    return outbox.queue(to=person.email, subject=subject_text, text=text, html=html, kind=kind)


def send_new_items(person: StaffUser, arrivals: staff_notify.Arrivals) -> OutboxMessage:
    """One email listing the items that arrived since the person was last told (they chose "each")."""
    lines = _lines(arrivals)
    if arrivals.count == 1:
        only = lines[0]
        subject = (
            _l("New item %(number)s for %(lcp)s", number=only.number, lcp=only.lcp)
            if only.lcp
            else _l("New item %(number)s, not yet with a partnership", number=only.number)
        )
    else:
        subject = lazy_ngettext("%(num)d new item", "%(num)d new items", arrivals.count)
    return _queue(person, staff_notify.NEW_ITEMS, subject, lines=lines, count=arrivals.count, more=arrivals.more)


def send_daily_summary(
    person: StaffUser,
    arrivals: staff_notify.Arrivals,
    standing: staff_notify.Standing,
    today: date,
) -> OutboxMessage:
    """The daily summary: what arrived since the last one, and how many items are New or waiting past target."""
    return _queue(
        person,
        staff_notify.DAILY_SUMMARY,
        lazy_ngettext(
            "Daily summary: %(num)d new item since the last one",
            "Daily summary: %(num)d new items since the last one",
            arrivals.count,
        ),
        lines=_lines(arrivals),
        count=arrivals.count,
        more=arrivals.more,
        standing=standing,
        today=today,
        hour=hour_label(person.notify_daily_hour),
    )


def send_overdue(person: StaffUser, groups: list[staff_notify.Overdue], today: date) -> OutboxMessage:
    """The weekly email of items past their partnership's first-response target, by partnership."""
    total = sum(group.count for group in groups)
    return _queue(
        person,
        staff_notify.OVERDUE,
        lazy_ngettext(
            "%(num)d item is waiting past its target for a first answer",
            "%(num)d items are waiting past their target for a first answer",
            total,
        ),
        groups=[
            {
                "lcp": group.lcp,
                "count": group.count,
                "inbox_link": absolute_url_for("admin.inbox", lcp=group.lcp.slug, status="received"),
                "oldest": [
                    {
                        "number": routing.submission_id,
                        "arrived": routing.created_at,
                        "words": staff_notify.first_words(routing.submission.body),
                        "link": _item_link(routing.submission_id),
                        "days_over": -standing.days,
                        "due": standing.due,
                    }
                    for routing, standing in group.oldest
                ],
            }
            for group in groups
        ],
        total=total,
        today=today,
    )


# Urgent items (`app.services.safeguarding`) ------------------------------------------------------------------------

URGENT = "staff-urgent"
URGENT_UNOPENED = "staff-urgent-unopened"


def _partnerships(submission: Submission) -> str:
    return ", ".join(routing.lcp.name for routing in submission.routings)


def send_urgent(person: StaffUser, submission: Submission, by_staff: bool = False) -> OutboxMessage:
    """Tells a safeguarding contact (or admin) that an item is marked urgent: its number, partnerships and link,
    never its words. Sent whatever the person chose for other emails: this is part of the role."""
    return _queue(
        person,
        URGENT,
        _l("Urgent: check item %(number)s today", number=submission.id),
        submission=submission,
        partnerships=_partnerships(submission),
        by_staff=by_staff,
        item_link=_item_link(submission.id),
    )


def send_urgent_to_contacts(submission: Submission, by_staff: bool = False) -> list[OutboxMessage]:
    """Emails each of the item's safeguarding contacts (services.safeguarding.contacts_for) that it is urgent, in
    the caller's transaction; nothing for example content."""
    if submission.is_demo:
        return []
    return [send_urgent(person, submission, by_staff) for person in safeguarding.contacts_for(submission)]


def send_urgent_unopened(person: StaffUser, submissions: list[Submission]) -> OutboxMessage:
    """Tells a citywide admin of urgent items nobody has opened within a day."""
    lines = [(submission, _partnerships(submission), _item_link(submission.id)) for submission in submissions]
    return _queue(
        person,
        URGENT_UNOPENED,
        lazy_ngettext(
            "Urgent item not opened for a day",
            "%(num)s urgent items not opened for a day",
            len(submissions),
        ),
        lines=lines,
    )
