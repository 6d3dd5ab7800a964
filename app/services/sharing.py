"""Sharing what is happening locally: storing a submission whole, its receipt, tracking, follow-ups and replies.

A submission, its routings, its first history entry, its contact (if any) and its receipt email are
written in one transaction: all of them or none. A form sent twice carries the same `form_key`, so the
second send finds the first submission instead of storing another.

Receipt codes are eight characters drawn at random (`secrets`) from 29 letters and digits that cannot
be mistaken for one another (no 0/O, 1/I/L or U/V): about 5 × 10¹¹ codes, so with /track's
limit on misses nobody can find a submission by guessing. They are shown as two groups of four.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.clock import utcnow
from app.extensions import db
from app.links import absolute_url_for
from app.models import (
    AgendaItem,
    Lcp,
    PublishedResponse,
    Routing,
    StaffUser,
    Submission,
    SubmissionContact,
    SubmissionEvent,
    Topic,
)
from app.models.submissions import STATUSES
from app.services import safety
from app.services.tokens import make_contact_token

ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
CODE_LENGTH = 8
# Submissions that one email address may send in an hour.
PER_ADDRESS_PER_HOUR = 5
BODY_LIMIT = 5000
FOLLOW_UP_LIMIT = 3000
# Bumped whenever the wording of the contact choices changes, so each contact row says which it saw.
CONTACT_WORDING_VERSION = "2026-11"

# How each status reads to the person on /track and in emails: what is happening, never a brush-off.
STATUS_WORDING = {
    "received": _l("Received: waiting to be read by the partnership’s team"),
    "looking": _l("Being looked at by the partnership’s team"),
    "shared": _l("Shared with a partner organisation that can act on it"),
    "acted": _l("Acted on"),
    "closed": _l("Closed"),
}
UNROUTED_WORDING = _l("Received: the team is working out which partnership should handle it")


class TooManyFromAddress(Exception):
    """The email address has sent `PER_ADDRESS_PER_HOUR` submissions in the last hour."""


@dataclass
class ContactInput:
    email: str
    name: str = ""
    may_contact: bool = False
    may_share: bool = False
    wants_updates: bool = False


@dataclass
class ShareInput:
    body: str
    lcps: list[Lcp] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    lcp_unsure: bool = False
    neighbourhood: str = ""
    age_groups: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    speaks_for: str = "self"
    organisation_name: str = ""
    people_count: int | None = None
    may_publish_words: bool = False
    agenda_item: AgendaItem | None = None
    contact: ContactInput | None = None
    form_key: str | None = None
    source: str = "web"
    language: str = ""


@dataclass
class Shared:
    submission: Submission
    # True when this form had been sent before, and the earlier submission was found instead.
    repeated: bool = False


# Receipt codes ---------------------------------------------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(typed: str) -> str | None:
    """The stored form of a code as a person might type it ("abcd 2345", "ABCD-2345"), or None if it cannot be one."""
    code = re.sub(r"[\s\-]", "", typed or "").upper()
    if len(code) != CODE_LENGTH or any(character not in ALPHABET for character in code):
        return None
    return code


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def find_by_code(typed: str) -> Submission | None:
    code = normalise_code(typed)
    if code is None:
        return None
    return db.session.scalar(
        select(Submission)
        .where(Submission.receipt_code == code)
        .options(
            selectinload(Submission.routings).selectinload(Routing.lcp),
            selectinload(Submission.topics),
            selectinload(Submission.events),
            selectinload(Submission.responses),
        )
    )


# Sharing ---------------------------------------------------------------------------------------------------------


def _existing(form_key: str | None) -> Submission | None:
    if not form_key:
        return None
    return db.session.scalar(select(Submission).where(Submission.form_key == form_key))


def _too_many_from(address: str) -> bool:
    since = utcnow() - timedelta(hours=1)
    sent = db.session.scalar(
        select(func.count(SubmissionContact.id)).where(
            func.lower(SubmissionContact.email) == address.lower(), SubmissionContact.created_at >= since
        )
    )
    return (sent or 0) >= PER_ADDRESS_PER_HOUR


def _build(data: ShareInput) -> Submission:
    submission = Submission(
        receipt_code=new_code(),
        body=data.body,
        neighbourhood=data.neighbourhood,
        speaks_for=data.speaks_for,
        organisation_name=data.organisation_name if data.speaks_for == "organisation" else "",
        people_count=data.people_count if data.speaks_for == "organisation" else None,
        lcp_unsure=data.lcp_unsure and not data.lcps,
        may_publish_words=data.may_publish_words,
        agenda_item=data.agenda_item,
        source=data.source,
        language=data.language or str(get_locale() or "en_GB"),
        form_key=data.form_key,
    )
    submission.age_group_list = data.age_groups
    submission.group_list = data.groups
    submission.topics = list(data.topics)
    submission.routings = [Routing(lcp=lcp) for lcp in dict.fromkeys(data.lcps)]
    submission.events = [SubmissionEvent(kind="received", status="received", actor="person", public=True)]
    if data.contact:
        submission.contact = SubmissionContact(
            email=data.contact.email,
            name=data.contact.name,
            may_contact=data.contact.may_contact,
            may_share=data.contact.may_share,
            wants_updates=data.contact.wants_updates,
            wording_version=CONTACT_WORDING_VERSION,
        )
    return submission


def earlier(data: ShareInput) -> Submission | None:
    """The submission this same form stored before (it was sent twice), if any."""
    return _existing(data.form_key)


def check_limit(data: ShareInput) -> None:
    """Raise `TooManyFromAddress` when the address left has sent its share of submissions this hour."""
    if data.contact and _too_many_from(data.contact.email):
        raise TooManyFromAddress


def store(data: ShareInput) -> Submission:
    """Add a submission with everything that belongs to it to the session and flush it, in the caller's
    transaction. An IntegrityError means the same form was stored at the same moment, or two receipt codes
    collided: `app.commands.sharing.share` rolls back and looks again, queues the receipt and commits.

    When what was written holds one of the reviewed urgent phrases, the submission is marked "urgent: check today"
    with the phrases, and its staff-only history says which matched; the command emails the safeguarding contacts.
    """
    submission = _build(data)
    mark_urgent(submission, safety.urgent_phrases(data.body), actor="system")
    db.session.add(submission)
    db.session.flush()
    return submission


def mark_urgent(submission: Submission, phrases: list[str], actor: str) -> bool:
    """Mark a submission not yet urgent as "urgent: check today" because what the person wrote holds `phrases`,
    with a staff-only history entry naming them, in the caller's transaction. Returns whether it was marked: not
    when no phrase matched, nor when it is urgent already."""
    if not phrases or submission.urgent:
        return False
    submission.urgent_at = utcnow()
    submission.urgent_words = "\n".join(phrases)
    submission.events.append(SubmissionEvent(kind="urgent", body=", ".join(phrases), actor=actor, public=False))
    return True


# Emails about a submission ---------------------------------------------------------------------------------------


def contact_links(submission: Submission) -> dict[str, str]:
    links = {"track": absolute_url_for("engage.track", code=format_code(submission.receipt_code))}
    if submission.contact:
        links["manage"] = absolute_url_for(
            "engage.follow_up",
            code=format_code(submission.receipt_code),
            token=make_contact_token(submission.contact),
        )
    return links


# After sending ---------------------------------------------------------------------------------------------------


def add_follow_up(contact: SubmissionContact, text: str) -> SubmissionEvent:
    """The person adds to what they said; every partnership handling it sees it is new. When the added words hold
    an urgent phrase and the submission is not urgent already, it is marked urgent (`mark_urgent`)."""
    submission = contact.submission
    event = SubmissionEvent(submission=submission, kind="follow-up", body=text, actor="person")
    db.session.add(event)
    for routing in submission.routings:
        routing.has_new_follow_up = True
        routing.updated_at = utcnow()
    db.session.flush()
    mark_urgent(submission, safety.urgent_phrases(text), actor="person")
    db.session.flush()
    return event


def withdraw_quote(contact: SubmissionContact) -> bool:
    """The person no longer agrees to be quoted: no reply shows their words from now on (`PublishedResponse.quote`
    reads this), and the staff-only history says so. Returns False when they had not agreed (nothing changes)."""
    submission = contact.submission
    if not submission.may_publish_words:
        return False
    submission.may_publish_words = False
    db.session.add(SubmissionEvent(submission=submission, kind="quote-withdrawn", actor="person", public=False))
    return True


def stop_updates(contact: SubmissionContact) -> None:
    contact.wants_updates = False


def delete_contact(contact: SubmissionContact) -> None:
    """Remove the person's details; the submission stays, anonymous, and any mail still waiting for them goes."""
    db.session.delete(contact)


def add_routing(submission: Submission, lcp: Lcp, actor: str = "staff", staff: StaffUser | None = None) -> Routing:
    """Pass a submission to another LCP (one whose sender was not sure, or one that concerns a second area), in the
    caller's transaction; `app.commands.casework.route` audits and commits it and then checks for theme alerts.

    The new routing starts as received; the ones already there keep their own status.
    """
    routing = Routing(submission=submission, lcp=lcp)
    db.session.add(routing)
    db.session.add(
        SubmissionEvent(
            submission=submission,
            routing=routing,
            kind="routed",
            status="received",
            actor=actor,
            staff_id=staff.id if staff else None,
            public=True,
        )
    )
    return routing


def _answered(routing: Routing) -> None:
    """The first staff answer (a status beyond received, or a reply) starts the clock the figures report."""
    if routing.first_response_at is None:
        routing.first_response_at = utcnow()


def set_status(
    routing: Routing, status: str, reason: str = "", actor: str = "staff", staff: StaffUser | None = None
) -> None:
    """Changes one LCP's status and records who and when, in the caller's transaction; the command that calls it
    (`app.commands.casework`) emails the person if they asked for updates, audits and commits."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    routing.status = status
    routing.status_reason = reason
    routing.updated_at = utcnow()
    routing.closed_at = utcnow() if status == "closed" else None
    if status != "received":
        _answered(routing)
    submission = routing.submission
    db.session.add(
        SubmissionEvent(
            submission=submission,
            routing=routing,
            kind="status",
            status=status,
            body=reason,
            actor=actor,
            staff_id=staff.id if staff else None,
            public=True,
        )
    )


def publish_response(
    routing: Routing,
    you_said: str,
    we_did: str,
    quote_words: bool = False,
    staff: StaffUser | None = None,
) -> PublishedResponse:
    """A "you said, we did" reply for the LCP's page and feed, in the caller's transaction; the command that calls
    it (`app.commands.casework.respond`) tells the person if they asked, audits and commits."""
    submission = routing.submission
    response = PublishedResponse(
        submission=submission,
        lcp=routing.lcp,
        you_said=you_said,
        we_did=we_did,
        quote_words=quote_words and submission.may_publish_words,
    )
    db.session.add(response)
    _answered(routing)
    db.session.add(
        SubmissionEvent(
            submission=submission,
            routing=routing,
            kind="response",
            body=we_did,
            actor="staff",
            staff_id=staff.id if staff else None,
            public=True,
        )
    )
    return response


def record_decision(item: AgendaItem, decision: str) -> list[Submission]:
    """Record what was decided on an agenda item and in the history of every comment on it, in the caller's
    transaction. Returns the comments whose people are to be told by email: those that left an address, one for
    each address (someone who commented twice is told once). Staff and the command line go through
    `app.commands.meetings.record_decision`, which checks the rule, emails them, audits and commits.
    """
    item.decision = decision
    item.decided_at = utcnow()
    commented = db.session.scalars(
        select(Submission)
        .where(Submission.agenda_item_id == item.id)
        .order_by(Submission.id)
        .options(selectinload(Submission.contact))
    ).all()
    told: dict[str, Submission] = {}
    for submission in commented:
        db.session.add(
            SubmissionEvent(submission=submission, kind="decision", body=decision, actor="staff", public=True)
        )
        address = submission.contact.email.lower() if submission.contact else None
        if address and address not in told:
            told[address] = submission
    return list(told.values())


def responses_for(lcp: Lcp, limit: int = 5) -> list[PublishedResponse]:
    return list(
        db.session.scalars(
            select(PublishedResponse)
            .where(PublishedResponse.lcp_id == lcp.id, PublishedResponse.published_at <= utcnow())
            .options(selectinload(PublishedResponse.submission).selectinload(Submission.topics))
            .order_by(PublishedResponse.published_at.desc(), PublishedResponse.id.desc())
            .limit(limit)
        )
    )


def status_wording(routing: Routing) -> str:
    return str(STATUS_WORDING[routing.status])
