"""Commands on partnership meetings: recording what was decided on an agenda item.

The staff page and `flask meetings decide` both come here, so both refuse a decision before its meeting has
started, both audit it, and both tell everyone who commented on the item (the emails are queued here, with the
decision, by `mail.send_to_contact`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.clock import in_london, utcnow
from app.commands import Actor, CommandRefused, content, require_edit
from app.extensions import db
from app.models import AgendaItem
from app.services import audit, mail, sharing, webhooks


class MeetingNotStarted(CommandRefused):
    """A decision is recorded once its meeting has started, never before."""

    def __init__(self, starts_at: datetime) -> None:
        self.starts_at = starts_at
        super().__init__(
            f"The meeting has not started yet (it starts on {_when(starts_at)}). Record the decision after the meeting."
        )


def _when(moment: datetime) -> str:
    """5 March 2026 at 1:00pm, in Leeds: plain English for staff and the command line, whatever the locale."""
    local = in_london(moment)
    hour = local.hour % 12 or 12
    return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


@dataclass(frozen=True)
class Decided:
    # How many people were told by email (someone who commented twice is told once).
    told: int
    # True when it replaced a decision recorded before.
    replaced: bool


def record_decision(actor: Actor, item: AgendaItem, text: str) -> Decided:
    """Record what was decided on an agenda item: shown under the item on the meeting's public page, in the history
    of every comment on it, and emailed to everyone who commented and left an address.

    Refused before the meeting has started. Recording on an example meeting makes it real (`content.claim`).
    """
    meeting = item.meeting
    require_edit(actor, meeting.lcp_id)
    text = text.strip()
    if not text:
        raise CommandRefused("Write what was decided.")
    if meeting.starts_at > utcnow():
        raise MeetingNotStarted(meeting.starts_at)
    replaced = bool(item.decision)
    content.claim(actor, meeting)
    audit.record(
        "agenda-item.decision",
        obj=item,
        lcp_id=meeting.lcp_id,
        summary=f"decision on agenda item “{item.title}” of meeting {meeting.id}",
        before=audit.snapshot(item, ("decision", "decided_at")),
        after={"decision": text, "decided_at": utcnow().isoformat()},
        **actor.audit,
    )
    told = sharing.record_decision(item, text)
    webhooks.decision_recorded(item)
    for submission in told:
        mail.send_to_contact(submission, "decision-recorded", item=item, decision=text)
    db.session.commit()
    return Decided(told=len(told), replaced=replaced)
