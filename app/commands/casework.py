"""Commands on what people share: a routing's status (one, or the inbox's bulk change), routing a submission to a
partnership, and publishing a "you said, we did" reply.

Each serves the staff area and the command line alike: the same permission check (a staff member must be able
to change the partnership's work; the command line acts as a citywide admin), the same rule, one commit, the
same audit record and the same emails to the person who shared it.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.commands import Actor, CommandRefused, require_edit, require_edit_any
from app.extensions import db
from app.models import Lcp, PublishedResponse, Routing, Submission
from app.services import audit, sharing, themes, triage


def _refused(refusal: triage.Refused) -> CommandRefused:
    """A rule the service refused: nothing of the change stays, and the sentence says why."""
    db.session.rollback()
    return CommandRefused(str(refusal))


# Status -----------------------------------------------------------------------------------------------------------


def change_status(actor: Actor, routing: Routing, status: str, reason: str = "") -> bool:
    """Set one partnership's status of a submission, with the reason the person reads (needed to close it).

    Emails the person when they asked for updates. Returns False, writing nothing, when the routing already has
    this status and reason; raises CommandRefused for a status that does not exist or a closing without a reason.
    """
    require_edit(actor, routing.lcp_id)
    before = {"status": routing.status, "status_reason": routing.status_reason}
    try:
        changed = triage.change_status(routing, status, reason, actor.user, actor=actor.event_actor)
    except triage.Refused as refusal:
        raise _refused(refusal) from None
    if not changed:
        return False
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
    audit record. Every routing is checked before anything changes. Returns how many changed."""
    for routing in routings:
        require_edit(actor, routing.lcp_id)
    if actor.user is None and action != "status":
        raise CommandRefused("Only a member of staff can assign or tag items.")
    try:
        changed = triage.bulk(routings, action, value, reason, actor.user)  # type: ignore[arg-type]
    except triage.Refused as refusal:
        raise _refused(refusal) from None
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
    require_edit_any(actor, [routing.lcp_id for routing in submission.routings])
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
    themes.check_safely(submission)
    return Routed(routing)


# Replies ----------------------------------------------------------------------------------------------------------


NO_QUOTE = "The person did not agree to have their words quoted, so this reply cannot show them."


def respond(actor: Actor, routing: Routing, you_said: str, we_did: str, quote_words: bool = False) -> PublishedResponse:
    """Publish a "you said, we did" reply on the partnership's page and news feed, and tell the person if they
    asked for updates. Their own words are quoted only when asked for and they agreed to it."""
    require_edit(actor, routing.lcp_id)
    you_said, we_did = you_said.strip(), we_did.strip()
    if not you_said or not we_did:
        raise CommandRefused("Write both what the person told you and what the partnership did about it.")
    if quote_words and not routing.submission.may_publish_words:
        raise CommandRefused(NO_QUOTE)
    response = sharing.publish_response(routing, you_said, we_did, quote_words, staff=actor.user, commit=False)
    db.session.flush()
    audit.record(
        "submission.response-published",
        obj=response,
        summary=f"Reply to submission {routing.submission_id} published for {routing.lcp.name}",
        after={"you_said": you_said, "we_did": we_did, "quote_words": response.quote_words},
        **actor.audit,
    )
    db.session.commit()
    return response
