"""Commands on what people share, as staff handle it: a routing's status, assignee or tags (one, or the inbox's
bulk change), a note, a look at the person's contact details, marking a duplicate, entering a submission on
someone's behalf, routing a submission to a partnership, publishing a "you said, we did" reply, and the theme
check run after a submission is stored or routed (`check_themes`, with its alert emails to staff), and marking an
item opened when its partnership's staff first open its page (`open_item`).

Every staff change to a routing (its status, assignee or tags, a reply) adds one to `Routing.version`. A form carries
the version it was drawn from and passes it as `expected_version`: when someone else changed the routing since, the
change is refused whole (`ChangedMeanwhile`, carrying what they did), so nobody overwrites work they have not seen.
Callers that pass no version (the command line, the inbox's bulk change) change it as it is now.

Each serves the staff area and the command line alike: the same permission check (a staff member must be able
to change the partnership's work; the command line acts as a citywide admin), the same rule, one commit, the
same audit record and the same emails to the person who shared it (`mail.send_to_contact`, queued in the same
transaction).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from app.clock import utcnow
from app.commands import Actor, CommandRefused, Forbidden, require_edit, require_edit_any, submission_lcps
from app.extensions import db
from app.models import (
    Lcp,
    PublishedResponse,
    Routing,
    RoutingNote,
    StaffUser,
    Submission,
    SubmissionContact,
    ThemeAlert,
    Topic,
)
from app.services import audit, casework, item_page, mail, outbox, sharing, staff_mail, themes, triage, webhooks

log = logging.getLogger(__name__)


def _refused(refusal: triage.Refused) -> CommandRefused:
    """A rule the service refused: nothing of the change stays, and the sentence says why."""
    db.session.rollback()
    return CommandRefused(str(refusal))


def _staff_only(actor: Actor) -> StaffUser:
    """Assignees and tags name the member of staff who changed them in the submission's history."""
    if actor.user is None:
        raise CommandRefused("Only a member of staff can assign or tag items.")
    return actor.user


# Versions: a change to a routing someone else changed since the form was drawn is refused --------------------------


class ChangedMeanwhile(CommandRefused):
    """Someone changed the routing after the form was drawn (its version is newer than the form's): nothing was
    written. `changes` are the history entries of what was done since, oldest first; `version` is the current one,
    for the form sent again."""

    def __init__(self, routing: Routing, version: int, changes: list[item_page.Entry]) -> None:
        super().__init__("Someone else changed this item since you opened it")
        self.routing = routing
        self.version = version
        self.changes = changes


def _changed_meanwhile(routing: Routing, expected: int) -> ChangedMeanwhile:
    """Undo anything of this change, then say what the others did since version `expected`."""
    db.session.rollback()
    current = routing.version  # read again: the rollback expired it
    return ChangedMeanwhile(routing, current, item_page.changes_since(routing, current - expected))


def _check_version(routing: Routing, expected: int | None) -> None:
    if expected is not None and routing.version != expected:
        raise _changed_meanwhile(routing, expected)


def _bump(routing: Routing, expected: int | None) -> None:
    """One more staff change: the version goes up by one in the database itself. With `expected`, only from that
    version, so a change committed by someone else between the check and this write still refuses this one."""
    query = update(Routing).where(Routing.id == routing.id)
    if expected is not None:
        query = query.where(Routing.version == expected)
    new = db.session.execute(
        query.values(version=Routing.version + 1)
        .returning(Routing.version)
        .execution_options(synchronize_session=False)
    ).scalar()
    if new is None:
        raise _changed_meanwhile(routing, expected if expected is not None else routing.version)
    set_committed_value(routing, "version", new)


# Emails to the person who shared it -------------------------------------------------------------------------------


def _wants_updates(submission: Submission) -> bool:
    return bool(submission.contact and submission.contact.wants_updates)


def _status_email(routing: Routing) -> None:
    """Tell the person of a routing's new status, when they asked for updates."""
    submission = routing.submission
    if _wants_updates(submission):
        mail.send_to_contact(
            submission,
            "status-changed",
            routing=routing,
            wording=sharing.STATUS_WORDING[routing.status],
            reason=routing.status_reason,
        )


# Status -----------------------------------------------------------------------------------------------------------


def change_status(
    actor: Actor, routing: Routing, status: str, reason: str = "", expected_version: int | None = None
) -> bool:
    """Set one partnership's status of a submission, with the reason the person reads (needed to close it).

    Emails the person when they asked for updates. Returns False, writing nothing, when the routing already has
    this status and reason; raises CommandRefused for a status that does not exist or a closing without a reason,
    and ChangedMeanwhile when the routing is no longer at `expected_version`.
    """
    require_edit(actor, routing.lcp_id)
    _check_version(routing, expected_version)
    before = {"status": routing.status, "status_reason": routing.status_reason}
    try:
        changed = triage.change_status(routing, status, reason, actor.user, actor=actor.event_actor)
    except triage.Refused as refusal:
        raise _refused(refusal) from None
    if not changed:
        return False
    _bump(routing, expected_version)
    _status_email(routing)
    audit.record(
        "routing.status",
        obj=routing,
        before=before,
        after={"status": routing.status, "status_reason": routing.status_reason},
        **actor.audit,
    )
    db.session.commit()
    return True


def bulk(actor: Actor, routings: list[Routing], action: str, value: str, reason: str = "") -> int:
    """The inbox's change to many routings at once (a status, an assignee or tags): all of them or none, with one
    audit record, and a status email to each person who asked for updates. Every routing is checked before
    anything changes. Returns how many changed."""
    for routing in routings:
        require_edit(actor, routing.lcp_id)
    if action != "status":
        _staff_only(actor)
    try:
        changed = triage.bulk(routings, action, value, reason, actor.user)  # type: ignore[arg-type]
    except triage.Refused as refusal:
        raise _refused(refusal) from None
    for routing in routings:
        if routing.id in changed:
            _bump(routing, None)
            if action == "status":
                _status_email(routing)
            elif action == "assign":
                _assigned_email(actor, routing)
    audit.record(
        "routing.bulk",
        object_type="routing",
        object_id=",".join(str(routing.id) for routing in routings),
        summary=f"{action}: {value}"[:200],
        after={
            "action": action,
            "value": value,
            "reason": reason,
            "ids": [routing.id for routing in routings],
            "changed": changed,
        },
        **actor.audit,
    )
    db.session.commit()
    return len(changed)


# Assignees and tags -----------------------------------------------------------------------------------------------


def _assigned_email(actor: Actor, routing: Routing) -> None:
    """Tell the person now assigned (unless they assigned it to themselves); `send_assigned` leaves out those who
    chose not to hear of it."""
    person = routing.assignee
    if person is not None and actor.user is not None and person.id != actor.user.id:
        staff_mail.send_assigned(routing, person, item_page.person_name(actor.user))


def assign(actor: Actor, routing: Routing, value: str, expected_version: int | None = None) -> StaffUser | None:
    """Give one routing to the staff member a form chose by id (`value`; "" or "none" for nobody), who must work on
    its partnership, and email them if someone else gave it to them. Returns who has it now (None: nobody); writes
    nothing when they had it already."""
    require_edit(actor, routing.lcp_id)
    staff = _staff_only(actor)
    _check_version(routing, expected_version)
    before = {"assignee_id": routing.assignee_id}
    try:
        person = triage.find_assignee(value)
        changed = triage.assign(routing, person, staff)
    except triage.Refused as refusal:
        raise _refused(refusal) from None
    if changed:
        _bump(routing, expected_version)
        _assigned_email(actor, routing)
        audit.record(
            "routing.assign", obj=routing, before=before, after={"assignee_id": routing.assignee_id}, **actor.audit
        )
        db.session.commit()
    return person


def tag(actor: Actor, routing: Routing, text: str, expected_version: int | None = None) -> bool:
    """Replace one routing's tags with those typed (words separated by spaces or commas; nothing clears them).
    Returns False, writing nothing, when they were already these."""
    require_edit(actor, routing.lcp_id)
    staff = _staff_only(actor)
    _check_version(routing, expected_version)
    before = {"tags": routing.tags}
    if not triage.set_tags(routing, triage.normalise_tags(text), staff):
        return False
    _bump(routing, expected_version)
    audit.record("routing.tags", obj=routing, before=before, after={"tags": routing.tags}, **actor.audit)
    db.session.commit()
    return True


# Notes and contact ------------------------------------------------------------------------------------------------


def add_note(actor: Actor, routing: Routing, body: str) -> RoutingNote:
    """An internal note on one partnership's handling of a submission, never shown to the person or another
    partnership."""
    require_edit(actor, routing.lcp_id)
    body = body.strip()
    if not body:
        raise CommandRefused("Write the note")
    note = casework.new_note(routing, body, actor.user)
    audit.record(
        "routing.note-added",
        obj=note,
        lcp_id=routing.lcp_id,
        summary=f"Note on submission {routing.submission_id} for {routing.lcp.name}",
        **actor.audit,
    )
    db.session.commit()
    return note


def view_contact(actor: Actor, submission: Submission) -> SubmissionContact | None:
    """The person's contact details, for someone who may change the submission's work: every look is in the audit
    log. None, recording nothing, when it was sent anonymously."""
    require_edit_any(actor, submission_lcps(submission))
    contact = submission.contact
    if contact is None:
        return None
    audit.record(
        "submission.contact-viewed",
        obj=submission,
        summary=f"Contact details of submission {submission.id} ({sharing.format_code(submission.receipt_code)})",
        **actor.audit,
    )
    db.session.commit()
    return contact


# Duplicates -------------------------------------------------------------------------------------------------------


class UnknownCode(CommandRefused):
    """No submission the actor can see has the receipt code given as the original."""

    def __init__(self) -> None:
        super().__init__("No submission you can see has that receipt code")


class SameSubmission(CommandRefused):
    """A submission cannot be a duplicate of itself."""

    def __init__(self) -> None:
        super().__init__("Enter the receipt code of a different submission")


@dataclass(frozen=True)
class Duplicate:
    original: Submission
    # The actor's routings of the submission that this closed (those already closed stay as they were).
    closed: list[Routing]


def mark_duplicate(actor: Actor, submission: Submission, code: str) -> Duplicate:
    """Say a submission is the same as the one with receipt code `code` (one the actor can see), and close its
    routings in the actor's partnerships with the reason the person reads; its people are told if they asked."""
    require_edit_any(actor, submission_lcps(submission))
    original = sharing.find_by_code(code)
    if original is None or not actor.sees_any(submission_lcps(original)):
        raise UnknownCode()
    if original.id == submission.id:
        raise SameSubmission()
    submission.duplicate_of_id = original.id
    closed = []
    for routing in submission.routings:
        if actor.sees(routing.lcp_id) and routing.status != "closed":
            sharing.set_status(
                routing, "closed", reason=casework.duplicate_reason(), actor=actor.event_actor, staff=actor.user
            )
            _bump(routing, None)
            _status_email(routing)
            closed.append(routing)
    audit.record(
        "submission.duplicate",
        obj=submission,
        summary=(
            f"Submission {submission.id} marked as the same as {original.id} "
            f"({sharing.format_code(original.receipt_code)})"
        ),
        after={"duplicate_of_id": original.id, "closed": [routing.lcp.slug for routing in closed]},
        **actor.audit,
    )
    db.session.commit()
    return Duplicate(original, closed)


# Entering on someone's behalf -------------------------------------------------------------------------------------


def enter(actor: Actor, data: sharing.ShareInput) -> sharing.Shared:
    """Store a phone, paper or event submission on someone's behalf, for partnerships whose work the member of
    staff (or the command line) may change: the public form's own command (`app.commands.sharing.share`), with its
    receipt email and theme check, which names who entered it in the history and audits "submission.entered" in
    the same transaction.

    `Shared.repeated` is True when the form had been sent before. Raises `sharing.TooManyFromAddress` as the public
    form does.
    """
    from app.commands import sharing as sharing_commands  # it checks theme alerts with this module

    if actor.kind not in ("staff", "cli"):
        raise Forbidden()
    return sharing_commands.share(actor, data)


# Routing ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Routed:
    routing: Routing
    # True when the submission was already with that partnership: nothing was written.
    already: bool = False


def route(actor: Actor, submission: Submission, lcp: Lcp) -> Routed:
    """Pass a submission to a partnership (one whose sender was not sure, or one it also concerns).

    The new routing starts as received and the person can see where it went; the routings already there keep
    their own status. A staff member must be able to change the submission's work in one of their partnerships.
    """
    require_edit_any(actor, submission_lcps(submission))
    existing = next((routing for routing in submission.routings if routing.lcp_id == lcp.id), None)
    if existing is not None:
        return Routed(existing, already=True)
    routing = sharing.add_routing(submission, lcp, actor=actor.event_actor, staff=actor.user)
    audit.record(
        "submission.shared",
        obj=submission,
        lcp_id=lcp.id,
        summary=f"Submission {submission.id} shared with {lcp.name}",
        after={"lcp": lcp.slug},
        **actor.audit,
    )
    db.session.commit()
    # In its own transaction: what was routed is already safe if the check fails.
    check_themes(submission)
    return Routed(routing)


# Replies ----------------------------------------------------------------------------------------------------------


NO_QUOTE = "The person did not agree to have their words quoted, so this reply cannot show them."
# The statuses a reply moves an item on from, unless the worker chooses otherwise: it has been answered.
ANSWERED_FROM = ("received", "looking")
ANSWERED = "acted"


def status_after_reply(routing: Routing) -> str:
    """The status a reply moves the routing to when nobody chooses: "acted" from received or looking, otherwise
    none ("")."""
    return ANSWERED if routing.status in ANSWERED_FROM else ""


def respond(
    actor: Actor,
    routing: Routing,
    you_said: str,
    we_did: str,
    quote_words: bool = False,
    then_status: str | None = None,
    reason: str = "",
    expected_version: int | None = None,
) -> PublishedResponse:
    """Publish a "you said, we did" reply on the partnership's page and news feed, and tell the person if they
    asked for updates: one email for the reply, whatever it does to the status. Their own words are quoted only when
    asked for and they agreed to it, and then only as staff prepared them (`Submission.quote_text`, other people's
    details removed: `app.commands.quotes.prepare_quote`); asked to quote words not yet prepared, it refuses
    (`quotes.NotPrepared`).

    Then the status moves: to `then_status` when given ("" leaves it; closing needs `reason`), and otherwise by the
    rule of `status_after_reply` (received or looking → acted on). The move is audited as a status change is.
    """
    require_edit(actor, routing.lcp_id)
    _check_version(routing, expected_version)
    you_said, we_did = you_said.strip(), we_did.strip()
    if not you_said or not we_did:
        raise CommandRefused("Write both what the person told you and what the partnership did about it.")
    from app.commands.quotes import NotPrepared

    if quote_words and not routing.submission.may_publish_words:
        raise CommandRefused(NO_QUOTE)
    if quote_words and routing.submission.quote_text is None:
        raise NotPrepared()
    target = status_after_reply(routing) if then_status is None else then_status
    reason = reason.strip()
    if target:
        try:
            triage.check_status(target, reason)
        except triage.Refused as refusal:
            raise _refused(refusal) from None
    response = sharing.publish_response(routing, you_said, we_did, quote_words, staff=actor.user)
    # What is quoted is the prepared words as they are now, never the original: kept with the reply.
    response.quote_text = (routing.submission.quote_text or "") if response.quote_words else ""
    _bump(routing, expected_version)
    if _wants_updates(routing.submission):
        mail.send_to_contact(routing.submission, "reply-published", routing=routing, response=response)
    db.session.flush()
    webhooks.response_published(response)
    audit.record(
        "submission.response-published",
        obj=response,
        summary=f"Reply to submission {routing.submission_id} published for {routing.lcp.name}",
        after={"you_said": you_said, "we_did": we_did, "quote_words": response.quote_words},
        **actor.audit,
    )
    before = {"status": routing.status, "status_reason": routing.status_reason}
    if target and triage.change_status(routing, target, reason, actor.user, actor=actor.event_actor):
        # No second email: the reply's tells the person, and their tracking page shows the new status.
        _bump(routing, None)
        audit.record(
            "routing.status",
            obj=routing,
            before=before,
            after={"status": routing.status, "status_reason": routing.status_reason},
            **actor.audit,
        )
    db.session.commit()
    return response


# Opening an item ----------------------------------------------------------------------------------------------------


def open_item(actor: Actor, submission: Submission) -> int:
    """The partnership's staff opened the item's page: each routing of theirs not opened before is no longer new.
    Only people who may change its work mark it (viewers do not). Not a change to the item: no audit record, and
    the version stays. Returns how many were marked."""
    if actor.user is None or not actor.can_edit:
        return 0
    now = utcnow()
    marked = [routing for routing in submission.routings if routing.opened_at is None and actor.sees(routing.lcp_id)]
    if not marked:
        return 0
    for routing in marked:
        routing.opened_at = now
    db.session.commit()
    return len(marked)


# Theme alerts -----------------------------------------------------------------------------------------------------

THEMES = Actor.system("themes")


def raise_alert(lcp: Lcp, topic: Topic, period: themes.Period, count: int) -> ThemeAlert | None:
    """Store one theme alert and queue its emails to the partnership's staff, together in one commit; None when
    this period's alert already exists (raised by another request a moment ago)."""
    alert, emails = themes.build_alert(lcp, topic, period, count)
    with db.session.no_autoflush:  # nothing is written until the alert and its emails go together
        for email in emails:
            outbox.queue(to=email.to, subject=email.subject, text=email.text, html=email.html, kind="theme-alert")
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    log.info("theme alert %s: %s items on topic %s for LCP %s", alert.id, count, topic.slug, lcp.slug)
    return alert


def check_themes(submission: Submission, actor: Actor = THEMES) -> list[ThemeAlert]:
    """Raise any theme alert this submission's arrival completes, each with its emails in its own commit, as
    scheduled work would (`Actor.system("themes")`; alerts are not audited).

    For callers whose own work is already committed (storing a submission, routing it): it never fails the
    caller. A failure is logged and rolled back, and the next check raises the alert.
    """
    raised: list[ThemeAlert] = []
    submission_id = submission.id
    try:
        for due in themes.due(submission):
            alert = raise_alert(due.lcp, due.topic, due.period, due.count)
            if alert is not None:
                raised.append(alert)
    except Exception:
        db.session.rollback()
        log.exception("theme alert check (%s) failed for submission %s", actor.label, submission_id)
    return raised
