"""Commands on the people who follow: registering interest, confirming it, changing or deleting it, the
preferences link, unsubscribing, the follow buttons, purging registrations nobody confirmed, and the staff
export of a partnership's contactable followers.

A person acts through the registration form (`Actor.resident`) or through a signed link or cookie that names
them (`Actor.follower(follower.id)`): a follower actor may change only the follower it names. The command line
and scheduled work (`Actor.cli()`, `Actor.system(...)`) may do any of it. Each command commits once, together
with the email the change causes (the outbox). A person's own changes are not in the audit log (it would hold
their address); the staff export is, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, update

from app.clock import london_today, utcnow
from app.commands import Actor, Forbidden, require_edit, require_trusted
from app.extensions import db
from app.models import Follower, Lcp, Topic
from app.services import audience, audit, mail, people
from app.services.people import Choices


def _require_public(actor: Actor) -> None:
    """Anyone may use the public forms; the command line and scheduled work may too. Staff act elsewhere."""
    if actor.kind not in ("resident", "follower") and not actor.trusted:
        raise Forbidden()


def _require_self(actor: Actor, follower: Follower) -> None:
    """Only the person a link names (or the command line, or scheduled work) may change their registration."""
    if actor.trusted:
        return
    if actor.kind != "follower" or actor.label != f"follower:{follower.id}":
        raise Forbidden()


# Registering ------------------------------------------------------------------------------------------------------


def register(actor: Actor, address: str, choices: Choices) -> None:
    """Register interest, or re-send the right email; the form shows the same page whatever happened here.

    A new (or not yet confirmed) address gets the confirmation link; an address already confirmed changes
    nothing and is told so; an address that had its share of registration emails this hour gets none. Also
    deletes the registrations nobody confirmed in time, in the same transaction.
    """
    _require_public(actor)
    follower, email = people.register(address, choices)
    if follower is not None and email == "already-registered":
        mail.send_to_follower(follower, email)
    elif follower is not None and email == "confirm":
        mail.send_confirmation(follower)
    db.session.commit()


def confirm(actor: Actor, follower: Follower) -> bool:
    """Confirm a registration (the link in the confirmation email); False if it was confirmed already.

    Confirming emails the person a link to their preferences, in the same transaction, so they can change or
    leave later without the page open. The confirmation is claimed with one conditional update, so two presses
    at once (a double click) confirm once and send that email once.
    """
    _require_self(actor, follower)
    if follower.confirmed:
        return False
    claimed = db.session.execute(
        update(Follower)
        .where(Follower.id == follower.id, Follower.confirmed_at.is_(None))
        .values(confirmed_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    if cast("CursorResult[Any]", claimed).rowcount != 1:
        # Another press confirmed them first, and sent the email.
        db.session.rollback()
        return False
    mail.send_to_follower(follower, "preferences-link", welcome=True)
    db.session.commit()
    return True


def update_preferences(actor: Actor, follower: Follower, choices: Choices) -> None:
    """Change what the person follows and how they hear about it, and where the topics bring news from."""
    _require_self(actor, follower)
    people.update_preferences(follower, choices)
    db.session.commit()


def update_calendar(actor: Actor, follower: Follower, partners_only: bool) -> bool:
    """Whether the private calendar also carries meetings the public cannot attend; False if nothing changed."""
    _require_self(actor, follower)
    if follower.calendar_partners_only == partners_only:
        return False
    follower.calendar_partners_only = partners_only
    follower.updated_at = utcnow()
    db.session.commit()
    return True


def send_preferences_link(actor: Actor, address: str) -> None:
    """Email a confirmed person a fresh link to their preferences; does nothing, silently, for anyone else."""
    _require_public(actor)
    follower = people.preferences_link_to(address)
    if follower is None:
        return
    mail.send_to_follower(follower, "preferences-link")
    db.session.commit()


def unsubscribe(actor: Actor, follower: Follower) -> bool:
    """Stop every digest; False if they were already getting none."""
    _require_self(actor, follower)
    changed = people.unsubscribe(follower)
    db.session.commit()
    return changed


# Following --------------------------------------------------------------------------------------------------------


def follow(actor: Actor, follower: Follower, thing: Lcp | Topic, on: bool) -> None:
    """Follow (`on`) or stop following one partnership or topic."""
    _require_self(actor, follower)
    people.follow(follower, thing, on)
    db.session.commit()


def follow_many(actor: Actor, follower: Follower, lcps: list[Lcp], topics: list[Topic]) -> None:
    """Follow several partnerships and topics in one step (from /match or a prefilled registration page)."""
    _require_self(actor, follower)
    people.follow_many(follower, lcps, topics)
    db.session.commit()


# Deleting ---------------------------------------------------------------------------------------------------------


def delete_follower(actor: Actor, follower: Follower) -> None:
    """Delete the person and everything held about them, including email not yet sent to them."""
    _require_self(actor, follower)
    people.delete_follower(follower)
    db.session.commit()


def purge_unconfirmed(actor: Actor, now: datetime | None = None) -> int:
    """Delete registrations nobody confirmed in time (CONFIRMATION_HOURS) and the emails waiting for them."""
    require_trusted(actor)
    purged = people.purge_unconfirmed(now)
    db.session.commit()
    return purged


# The staff export -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowerExport:
    filename: str
    header: list[str]
    rows: list[list[str]]


def export_followers(actor: Actor, lcp: Lcp) -> FollowerExport:
    """The followers of a partnership who agreed to be contacted, as spreadsheet rows, for someone who may change
    the partnership's work; in the audit log with how many people it held."""
    require_edit(actor, lcp.id)
    filename = f"followers-{lcp.slug}-{london_today().isoformat()}.csv"
    header = audience.export_header()
    rows = list(audience.export_rows(lcp))
    audit.record(
        "people.export",
        object_type="lcp",
        object_id=lcp.id,
        lcp_id=lcp.id,
        summary=f"Contactable followers of {lcp.name} exported: {len(rows)} rows ({filename})",
        after={"rows": len(rows), "filename": filename},
        **actor.audit,
    )
    db.session.commit()
    return FollowerExport(filename, header, rows)
