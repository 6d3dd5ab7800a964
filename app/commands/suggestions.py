"""Residents' suggestions of which partnership a GP practice belongs to, and a citywide admin's answer to each.

A suggestion changes nothing anyone else sees: it waits, as "new", until a citywide admin accepts it (which links
the practice to a partnership, confirmed by staff, exactly as linking it by hand does) or rejects it. No contact
details are asked for or kept, and the audit record of a suggestion holds none of what the person typed.
"""

from __future__ import annotations

from flask_babel import gettext as _

from app.clock import utcnow
from app.commands import Actor, CommandRefused, Forbidden
from app.commands.content import require_admin
from app.extensions import db
from app.models import GpPractice, Lcp, PracticeSuggestion
from app.services import audit, lcp_content
from app.services.practice_coverage import SUGGESTION_LIMIT, recognise

# Where the link comes from, as staff read it on the partnership's practices page (kept in English, like the others).
ACCEPTED_SOURCE = "A resident’s suggestion, accepted by a citywide admin"


def suggest_partnership(actor: Actor, practice: GpPractice, text: str, language: str) -> PracticeSuggestion:
    """Keep what a resident typed about an open practice with no confirmed partnership, and the partnership it names
    when exactly one can be told from it. Refused for a closed practice, or one whose partnership is confirmed."""
    if actor.kind != "resident" and not actor.trusted:
        raise Forbidden()
    if not practice.is_open:
        raise CommandRefused(_("%(practice)s has closed.", practice=practice.name))
    if practice.lcp_id is not None:
        raise CommandRefused(_("The partnership of %(practice)s is already confirmed.", practice=practice.name))
    text = " ".join(text.split())
    if not text:
        raise CommandRefused(_("Enter the name of the partnership"))
    if len(text) > SUGGESTION_LIMIT:
        raise CommandRefused(
            _("Shorten the partnership name to %(limit)s characters or fewer", limit=f"{SUGGESTION_LIMIT:,}")
        )
    named = recognise(text)
    suggestion = PracticeSuggestion(practice=practice, text=text, lcp=named, language=language[:10] or "en_GB")
    db.session.add(suggestion)
    db.session.flush()
    audit.record(
        "suggestion.create",
        obj=suggestion,
        lcp_id=named.id if named else None,
        summary=f"suggestion {suggestion.id} for {practice.ods_code or practice.name}",
        after={
            "practice": practice.ods_code or practice.name,
            "recognised": named.slug if named else None,
            "language": suggestion.language,
        },
        **actor.audit,
    )
    db.session.commit()
    return suggestion


def _decided(suggestion: PracticeSuggestion) -> None:
    if suggestion.status != "new":
        raise CommandRefused(_("This suggestion has been answered already."))


def _answer(suggestion: PracticeSuggestion, status: str, actor: Actor) -> None:
    """The suggestion answered: accepted or rejected, when and by whom."""
    suggestion.status, suggestion.decided_at = status, utcnow()
    suggestion.decided_by_id = actor.user.id if actor.user is not None else None


def accept_suggestion(actor: Actor, suggestion: PracticeSuggestion, lcp: Lcp | None) -> None:
    """Link the practice to `lcp` (confirmed by staff, as linking by hand does) and mark the suggestion accepted.
    Citywide admins only. Refused without a partnership, or when the practice has closed or been linked since."""
    require_admin(actor)
    _decided(suggestion)
    practice = suggestion.practice
    if lcp is None:
        raise CommandRefused(_("Choose the partnership %(practice)s belongs to", practice=practice.name))
    if not practice.is_open:
        raise CommandRefused(_("%(practice)s has closed.", practice=practice.name))
    if practice.lcp is not None:
        raise CommandRefused(
            _(
                "%(practice)s is linked to %(lcp)s already. Reject this suggestion, or change the link on the "
                "partnership’s practices page.",
                practice=practice.name,
                lcp=practice.lcp.short_name,
            )
        )
    before = {**lcp_content.link_state(practice), "suggestion": suggestion.status}
    lcp_content.link_practice(lcp, practice, ACCEPTED_SOURCE, "", actor.user)
    _answer(suggestion, "accepted", actor)
    audit.record(
        "suggestion.accept",
        obj=practice,
        object_id=practice.ods_code,
        lcp_id=lcp.id,
        summary=f"suggestion {suggestion.id}: {practice.ods_code} {practice.name} to {lcp.slug}",
        before=before,
        after={**lcp_content.link_state(practice), "suggestion": suggestion.status},
        **actor.audit,
    )
    db.session.commit()


def reject_suggestion(actor: Actor, suggestion: PracticeSuggestion) -> None:
    """Mark the suggestion rejected; the practice stays as it is. Citywide admins only."""
    require_admin(actor)
    _decided(suggestion)
    _answer(suggestion, "rejected", actor)
    audit.record(
        "suggestion.reject",
        obj=suggestion,
        lcp_id=suggestion.lcp_id,
        summary=f"suggestion {suggestion.id} for {suggestion.practice.ods_code or suggestion.practice.name}",
        before={"status": "new"},
        after={"status": "rejected"},
        **actor.audit,
    )
    db.session.commit()
