"""Registering interest, confirming it, changing it, and deleting it: everything the site holds about a person.

Nothing is kept as a follower, or sent anything but the confirmation email, until the person confirms.
Registering an address that is already confirmed changes nothing and emails that person a link to their
preferences; the page says the same either way, so the form never tells anyone whether an address is
registered. These are the building blocks: `app.commands.people` checks who asks, queues the email a change
causes and commits both together (the outbox).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from app.clock import utcnow
from app.extensions import db
from app.models import Consent, Follower, Lcp, OutboxMessage, Topic
from app.models.people import FREQUENCIES, INTERESTS, TOPIC_SCOPES, new_link_key
from app.services.spreadsheet import safe_cell

Followed = TypeVar("Followed", Lcp, Topic)

# The words a person agrees to, as shown beside each box. A change of wording needs a new version.
CONSENT_VERSION = "2026-11"
CONSENTS = {
    "emails": _l(
        "I agree that Leeds Local Care Partnerships may keep my email address and the choices on this page, to send "
        "me the emails I chose. I can change or delete them at any time."
    ),
    "contact": _l(
        "The teams of the partnerships I follow may email me about taking part. They see my email address and, "
        "for an organisation, its name."
    ),
}
# At most this many registration emails go to one address in an hour, so the form cannot flood an inbox.
EMAILS_PER_ADDRESS_PER_HOUR = 3
REGISTRATION_EMAILS = ("confirm", "already-registered", "preferences-link")


def normalise_email(address: str) -> str:
    """The address as stored and compared; raises `EmailNotValidError` with a reason a person can act on."""
    checked = validate_email(address.strip(), check_deliverability=False)
    return checked.normalized.lower()


@dataclass
class Choices:
    """What a person chose on the registration or preferences form."""

    lcps: list[Lcp] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    interests: list[str] = field(default_factory=list)
    frequency: str = "weekly"
    language: str = "en_GB"
    # TOPIC_SCOPES: where the followed topics bring news from, the partnerships followed or all of Leeds.
    topic_scope: str = "followed"
    kind: str = "resident"
    organisation_name: str = ""
    organisation_type: str = ""
    organisation_reach: str = ""
    organisation_areas: str = ""


def lcps_by_slug(slugs: list[str]) -> list[Lcp]:
    if not slugs:
        return []
    found = {lcp.slug: lcp for lcp in db.session.scalars(select(Lcp).where(Lcp.slug.in_(slugs)))}
    return [found[slug] for slug in dict.fromkeys(slugs) if slug in found]


def topics_by_slug(slugs: list[str]) -> list[Topic]:
    if not slugs:
        return []
    found = {topic.slug: topic for topic in db.session.scalars(select(Topic).where(Topic.slug.in_(slugs)))}
    return [found[slug] for slug in dict.fromkeys(slugs) if slug in found]


def find_by_email(address: str) -> Follower | None:
    return db.session.scalar(select(Follower).where(Follower.email == address))


def _apply_follows(follower: Follower, choices: Choices) -> None:
    """What is followed and how the person hears about it; the preferences page changes only this."""
    if choices.frequency not in FREQUENCIES:
        raise ValueError(f"unknown frequency {choices.frequency!r}")
    if choices.topic_scope not in TOPIC_SCOPES:
        raise ValueError(f"unknown topic scope {choices.topic_scope!r}")
    follower.lcps = list(choices.lcps)
    follower.topics = list(choices.topics)
    follower.interest_list = [value for value in choices.interests if value in INTERESTS]
    follower.frequency = choices.frequency
    follower.topic_scope = choices.topic_scope
    follower.language = choices.language
    follower.updated_at = utcnow()
    _record_contact_consent(follower)


def _apply(follower: Follower, choices: Choices) -> None:
    """Everything chosen on registering: the follows, and who is registering."""
    _apply_follows(follower, choices)
    follower.kind = choices.kind
    is_organisation = choices.kind == "organisation"
    follower.organisation_name = choices.organisation_name.strip() if is_organisation else ""
    follower.organisation_type = choices.organisation_type if is_organisation else ""
    follower.organisation_reach = choices.organisation_reach if is_organisation else ""
    follower.organisation_areas = choices.organisation_areas.strip() if is_organisation else ""


def _give_consent(follower: Follower, purpose: str) -> None:
    follower.consents.append(
        Consent(
            purpose=purpose,
            wording=str(CONSENTS[purpose]),
            version=CONSENT_VERSION,
            language=str(get_locale() or "en_GB"),
            given_at=utcnow(),
        )
    )


def active_consent(follower: Follower, purpose: str) -> Consent | None:
    return next((c for c in follower.consents if c.purpose == purpose and c.withdrawn_at is None), None)


def _record_contact_consent(follower: Follower) -> None:
    """Agreeing to be contacted is a consent of its own: given when chosen, withdrawn when unchosen."""
    current = active_consent(follower, "contact")
    wants_contact = "contact" in follower.interest_list
    if wants_contact and current is None:
        _give_consent(follower, "contact")
    elif not wants_contact and current is not None:
        current.withdrawn_at = utcnow()


def _recently_emailed(address: str) -> bool:
    sent = db.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.to_address == address,
            OutboxMessage.kind.in_(REGISTRATION_EMAILS),
            OutboxMessage.created_at > utcnow() - timedelta(hours=1),
        )
    )
    return (sent or 0) >= EMAILS_PER_ADDRESS_PER_HOUR


def register(address: str, choices: Choices) -> tuple[Follower | None, str | None]:
    """Register interest, in the caller's transaction: the person, and which email they are owed.

    Returns the follower and "confirm" (a new or repeated registration) or "already-registered" (an address
    already confirmed, which changes nothing), or `(None, None)` when the address had its share of
    registration emails this hour. `app.commands.people.register` queues the email and commits.
    """
    address = normalise_email(address)
    # Tidy as we go, so registrations nobody confirmed are gone on time even where no worker runs.
    purge_unconfirmed()
    follower = find_by_email(address)
    if _recently_emailed(address):
        return None, None
    if follower is not None and follower.confirmed:
        return follower, "already-registered"
    if follower is None:
        follower = Follower(email=address)
        db.session.add(follower)
    else:
        # Registering again before confirming replaces the earlier choices and cancels the earlier link.
        follower.link_key = new_link_key()
        for consent in list(follower.consents):
            follower.consents.remove(consent)
        follower.created_at = utcnow()
    _apply(follower, choices)
    _give_consent(follower, "emails")
    db.session.flush()
    return follower, "confirm"


def confirm(follower: Follower) -> bool:
    """Confirm a registration; False if it was confirmed already (the link was used before)."""
    if follower.confirmed:
        return False
    follower.confirmed_at = utcnow()
    return True


def update_preferences(follower: Follower, choices: Choices) -> None:
    """Change what is followed; who registered (a resident, or an organisation's details) stays as it was."""
    _apply_follows(follower, choices)


def preferences_link_to(address: str) -> Follower | None:
    """The confirmed person a fresh preferences link should go to; None, silently, for anyone else (or for an
    address that had its share of registration emails this hour)."""
    try:
        address = normalise_email(address)
    except EmailNotValidError:
        return None
    follower = find_by_email(address)
    if follower is None or not follower.confirmed or _recently_emailed(address):
        return None
    return follower


def unsubscribe(follower: Follower) -> bool:
    """Stop every digest; False if they were already getting none."""
    if follower.frequency == "none":
        return False
    follower.frequency = "none"
    follower.updated_at = utcnow()
    return True


def follow(follower: Follower, thing: Lcp | Topic, on: bool) -> None:
    if isinstance(thing, Lcp):
        _follow(follower.lcps, thing, on)
    else:
        _follow(follower.topics, thing, on)
    follower.updated_at = utcnow()


def _follow(things: list[Followed], thing: Followed, on: bool) -> None:
    if on and thing not in things:
        things.append(thing)
    elif not on and thing in things:
        things.remove(thing)


def follow_many(follower: Follower, lcps: list[Lcp], topics: list[Topic]) -> None:
    for lcp in lcps:
        if lcp not in follower.lcps:
            follower.lcps.append(lcp)
    for topic in topics:
        if topic not in follower.topics:
            follower.topics.append(topic)
    follower.updated_at = utcnow()


def delete_follower(follower: Follower) -> None:
    """Delete the person and everything held about them, including email not yet sent to them."""
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.follower_id == follower.id))
    db.session.delete(follower)


def purge_unconfirmed(now: datetime | None = None) -> int:
    """Delete registrations nobody confirmed in time, and the emails that were waiting for them."""
    cutoff = (now or utcnow()) - timedelta(hours=current_app.config["CONFIRMATION_HOURS"])
    stale = list(
        db.session.scalars(select(Follower).where(Follower.confirmed_at.is_(None), Follower.created_at < cutoff))
    )
    for follower in stale:
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.follower_id == follower.id))
        db.session.delete(follower)
    db.session.flush()
    return len(stale)


def _when(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") + "Z" if moment else ""


def export(follower: Follower) -> dict[str, Any]:
    """Everything held about a person, as they can download it."""
    sent = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.follower_id == follower.id).order_by(OutboxMessage.id)
    )
    return {
        "email": follower.email,
        "registered_as": follower.kind,
        "organisation": {
            "name": follower.organisation_name,
            "type": follower.organisation_type,
            "reach": follower.organisation_reach,
            "areas_served": follower.organisation_areas,
        }
        if follower.kind == "organisation"
        else None,
        "partnerships_followed": [{"slug": lcp.slug, "name": lcp.name} for lcp in follower.lcps],
        "topics_followed": [{"slug": topic.slug, "label": topic.label} for topic in follower.topics],
        "topics_bring_news_from": follower.topic_scope,
        "calendar_includes_partners_only_meetings": follower.calendar_partners_only,
        "interests": follower.interest_list,
        "digest_frequency": follower.frequency,
        "language": follower.language,
        "registered_at": _when(follower.created_at),
        "confirmed_at": _when(follower.confirmed_at),
        "updated_at": _when(follower.updated_at),
        "consents": [
            {
                "purpose": consent.purpose,
                "wording": consent.wording,
                "version": consent.version,
                "language": consent.language,
                "given_at": _when(consent.given_at),
                "withdrawn_at": _when(consent.withdrawn_at),
            }
            for consent in follower.consents
        ],
        "emails": [
            {
                "subject": message.subject,
                "kind": message.kind,
                "status": message.status,
                "queued_at": _when(message.created_at),
                "sent_at": _when(message.sent_at),
            }
            for message in sent
        ],
    }


def export_csv(follower: Follower) -> str:
    """The same as `export`, flattened to one row per fact: section, field, value."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["section", "field", "value"])

    def rows(section: str, value: object) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                rows(f"{section}.{key}" if section else key, inner)
        elif isinstance(value, list):
            for index, inner in enumerate(value, start=1):
                rows(f"{section}[{index}]", inner)
        else:
            name, _, leaf = section.rpartition(".")
            writer.writerow([name or "person", leaf, safe_cell(value)])

    rows("", export(follower))
    return buffer.getvalue()
