"""Commands on what a person shares: storing a submission (from /share, or entered by staff on someone's behalf),
adding a follow-up to it, stopping the updates about it and deleting the contact details left with it.

Storing never loses an accepted submission: the submission, its routings, its first history entry, its contact
and its receipt email are one transaction; a form sent twice (the same `form_key`) finds the first submission
instead of storing another, even when both arrive at the same moment; and a collision of receipt codes is
settled by trying again. The follow-up, stop, delete and withdraw-quote commands are reached through the receipt
email's signed link (`Actor.resident`), which the view has checked against the submission's code.

What someone writes that holds one of the reviewed urgent phrases (`services.safety`), when it is sent or added to
later, marks the submission "urgent: check today" and emails the safeguarding contacts of its partnerships (or the
citywide admins) in the same transaction (`services.staff_mail.send_urgent_to_contacts`); the email never quotes it.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError

from app.commands import Actor, Forbidden, require_edit
from app.commands import casework as casework_commands
from app.extensions import db
from app.models import Submission, SubmissionContact, SubmissionEvent
from app.page_cache import public_change
from app.services import audit, mail, sharing, staff_mail
from app.services.sharing import Shared, ShareInput, TooManyFromAddress

log = logging.getLogger(__name__)

__all__ = [
    "Shared",
    "TooManyFromAddress",
    "add_follow_up",
    "delete_contact",
    "share",
    "stop_updates",
    "withdraw_quote",
]


def _require_resident(actor: Actor) -> None:
    """A person acting through a receipt link (or the command line, or scheduled work)."""
    if actor.kind != "resident" and not actor.trusted:
        raise Forbidden()


def _require_entry(actor: Actor, data: ShareInput) -> None:
    """Anyone may share through the public form; a member of staff entering one must be able to change the work
    of every partnership it goes to."""
    if actor.kind == "resident" or actor.trusted:
        return
    if actor.kind != "staff":
        raise Forbidden()
    if not actor.can_edit:
        raise Forbidden()
    for lcp in data.lcps:
        require_edit(actor, lcp.id)


def _entered_by(actor: Actor, submission: Submission, data: ShareInput) -> None:
    """Staff (or the command line) entered it from a phone call, paper or an event: the history and the audit
    log say who."""
    staff = actor.user
    if staff is not None:
        submission.entered_by_id = staff.id
    for event in submission.events:
        if event.kind == "received":
            event.actor = actor.event_actor
            event.staff_id = staff.id if staff else None
    audit.record(
        "submission.entered",
        obj=submission,
        lcp_id=data.lcps[0].id if data.lcps else None,
        summary=f"Submission {submission.id} entered from {data.source}",
        after={"source": data.source, "lcps": [lcp.slug for lcp in data.lcps]},
        **actor.audit,
    )


def share(actor: Actor, data: ShareInput) -> Shared:
    """Store a submission with everything that belongs to it, in one transaction, with its receipt email.

    `Shared.repeated` is True when this form had been sent before and the earlier submission was found instead.
    Raises `TooManyFromAddress` when the address left has sent its share this hour. A resident shares through
    the public form; a member of staff (`Actor.staff`) or the command line enters one on someone's behalf, which
    names them in its history and writes a "submission.entered" audit record in the same transaction.
    """
    _require_entry(actor, data)
    earlier = sharing.earlier(data)
    if earlier is not None:
        return Shared(earlier, repeated=True)
    sharing.check_limit(data)
    for _attempt in range(3):
        try:
            submission = sharing.store(data)
            if submission.urgent:
                # After the flush in `store`, so its routings (and so its partnerships' contacts) exist.
                staff_mail.send_urgent_to_contacts(submission)
            if submission.contact:
                mail.send_to_contact(submission, "receipt")
            if actor.kind != "resident":
                _entered_by(actor, submission, data)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            # The same form sent twice at once: the other request stored it.
            earlier = sharing.earlier(data)
            if earlier is not None:
                return Shared(earlier, repeated=True)
            # Otherwise two codes collided, which is rare enough that trying again settles it.
            continue
        log.info("submission %s stored", submission.id)
        # In its own transaction: what was shared is already safe if the check fails.
        casework_commands.check_themes(submission)
        return Shared(submission)
    raise RuntimeError("could not store a submission after three attempts")


def add_follow_up(actor: Actor, contact: SubmissionContact, text: str) -> SubmissionEvent:
    """The person adds to what they said; every partnership handling it sees it is new. Words that hold an urgent
    phrase mark a submission not yet urgent as urgent, and its safeguarding contacts are emailed."""
    _require_resident(actor)
    submission = contact.submission
    was_urgent = submission.urgent
    event = sharing.add_follow_up(contact, text)
    if submission.urgent and not was_urgent:
        staff_mail.send_urgent_to_contacts(submission)
    db.session.commit()
    return event


def stop_updates(actor: Actor, contact: SubmissionContact) -> None:
    """No more emails about the submission's progress."""
    _require_resident(actor)
    sharing.stop_updates(contact)
    db.session.commit()


def delete_contact(actor: Actor, contact: SubmissionContact) -> None:
    """Remove the person's details; the submission stays, anonymous, and any mail still waiting for them goes."""
    _require_resident(actor)
    sharing.delete_contact(contact)
    db.session.commit()


def withdraw_quote(actor: Actor, contact: SubmissionContact) -> None:
    """The person no longer agrees to be quoted on the site. Any reply already published stops showing their words
    at once: the public pages kept in the page cache are retired with this commit, although only private records
    change (`PublishedResponse.quote` reads the submission's agreement). Nothing happens if they had not agreed."""
    _require_resident(actor)
    submission = contact.submission
    if not sharing.withdraw_quote(contact):
        return
    public_change(db.session)
    audit.record(
        "submission.quote-withdrawn",
        obj=submission,
        summary=f"The person withdrew their agreement to quote submission {submission.id}",
        before={"may_publish_words": True},
        after={"may_publish_words": False},
        **actor.audit,
    )
    db.session.commit()
