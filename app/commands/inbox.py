"""Commands of the inbox itself: the bulk bar's change to the ticked items, saving and deleting a named view, and
the audited download of the items a filter holds.

The bulk bar sets any of a status (with its reason), an assignee and tags to add, in one form. Every part is
checked for every ticked item before anything changes, so a refusal changes nothing; then each part is made by
`app.commands.casework.bulk`, the same command (one audit record each, the status emails) the command line and
the old one-action form used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from app.clock import london_today
from app.commands import Actor, CommandRefused, NotFound, require_edit
from app.commands import casework as casework_commands
from app.extensions import db
from app.models import Routing, SavedView, StaffUser
from app.services import audit, inbox_counts, triage

# The longest name of a saved view (the column's size), and how many views one person may keep: each is one more
# count on every inbox page.
NAME_LONGEST = 80
MOST_VIEWS = 20


class BulkRefused(CommandRefused):
    """A part of the bulk bar's change that cannot be made; `field` names the box the message belongs beside."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def _staff(actor: Actor) -> StaffUser:
    if actor.user is None:
        raise CommandRefused("Only a member of staff has an inbox.")
    return actor.user


# The bulk bar -----------------------------------------------------------------------------------------------------


def _state(routing: Routing) -> tuple[Any, ...]:
    return (routing.status, routing.status_reason, routing.assignee_id, routing.tags)


def change_selected(
    actor: Actor,
    routings: list[Routing],
    *,
    status: str = "",
    reason: str = "",
    assignee: str = "",
    tags: str = "",
) -> int:
    """Set the status (with `reason`), the assignee (a staff id, "me" or "none" for nobody) and add `tags` to every
    routing given, each part only when asked for. Returns how many routings changed in any way.

    Raises `BulkRefused` (naming the box) before anything changes when nothing was asked for, no item was ticked,
    the status is unknown or a closing has no reason, the assignee does not work on every item's partnership, or the
    tags are only punctuation; NotFound or Forbidden as `require_edit` does for any item the actor may not change.
    """
    for routing in routings:
        require_edit(actor, routing.lcp_id)
    reason = reason.strip()
    if not (status or assignee or tags.strip()):
        raise BulkRefused(_("Choose a status, someone to assign the items to, or tags to add."), "status")
    if not routings:
        raise BulkRefused(_("Select at least one item."), "status")
    if status:
        try:
            triage.check_status(status, reason)
        except triage.Refused as refusal:
            raise BulkRefused(str(refusal), "reason" if status == "closed" else "status") from None
    person_id = ""
    if assignee:
        user = _staff(actor)
        person_id = str(user.id) if assignee == "me" else assignee
        try:
            person = triage.find_assignee(person_id)
        except triage.Refused as refusal:
            raise BulkRefused(str(refusal), "assignee") from None
        if person is not None and not all(triage.can_take(person, routing) for routing in routings):
            raise BulkRefused(
                _(
                    "%(name)s does not work on every selected item’s partnership. Choose someone who does.",
                    name=person.name,
                )
                if person.id != user.id
                else _("You do not work on every selected item’s partnership."),
                "assignee",
            )
    if tags.strip() and not triage.normalise_tags(tags):
        raise BulkRefused(_("Enter tags as words, such as needs-reply or gp-access."), "tags")

    before = {routing.id: _state(routing) for routing in routings}
    if status:
        casework_commands.bulk(actor, routings, "status", status, reason)
    if assignee:
        casework_commands.bulk(actor, routings, "assign", person_id)
    if tags.strip():
        casework_commands.bulk(actor, routings, "tag", tags)
    return sum(1 for routing in routings if _state(routing) != before[routing.id])


# Saved views ------------------------------------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    return " ".join((name or "").split())


def save_view(actor: Actor, name: str, filters: triage.Filters) -> SavedView:
    """Keep these filters (their query string, without paging) under a name of the person's own, for the inbox's
    navigation. Refused when the name is empty, too long or already one of theirs (or of the inbox's own views), when
    the filters are none at all, or when the person already keeps `MOST_VIEWS`."""
    user = _staff(actor)
    name = _clean_name(name)
    query = inbox_counts.normal_query(filters)
    if not name:
        raise CommandRefused(_("Enter a name for the view."))
    if len(name) > NAME_LONGEST:
        raise CommandRefused(_("Enter a name of %(most)d characters or fewer.", most=NAME_LONGEST))
    if not query:
        raise CommandRefused(_("Choose some filters first: without any, the view would be all items."))
    taken = {view.name.casefold(): view for view in inbox_counts.saved_views(user)}
    if name.casefold() in taken or name.casefold() in {str(label).casefold() for label in triage.VIEWS.values()}:
        raise CommandRefused(_("You already have a view called “%(name)s”. Choose another name.", name=name))
    if len(taken) >= MOST_VIEWS:
        raise CommandRefused(
            _("You can keep up to %(most)d views. Delete one you no longer use first.", most=MOST_VIEWS)
        )
    view = SavedView(staff_id=user.id, name=name, query=query)
    db.session.add(view)
    db.session.flush()
    audit.record(
        "inbox.view.save",
        object_type="saved_view",
        object_id=view.id,
        summary=f"Saved the inbox view “{name}”: {query}",
        after={"name": name, "query": query},
        **actor.audit,
    )
    db.session.commit()
    return view


def delete_view(actor: Actor, view_id: int | None) -> str:
    """Delete one of the person's own saved views; returns its name. Anyone else's, or none, is NotFound."""
    user = _staff(actor)
    view = db.session.get(SavedView, view_id) if view_id is not None else None
    if view is None or view.staff_id != user.id:
        raise NotFound()
    name = view.name
    audit.record(
        "inbox.view.delete",
        object_type="saved_view",
        object_id=view.id,
        summary=f"Deleted the inbox view “{name}”",
        before={"name": name, "query": view.query},
        **actor.audit,
    )
    db.session.delete(view)
    db.session.commit()
    return name


# The download -----------------------------------------------------------------------------------------------------


@dataclass
class InboxExport:
    filename: str
    header: list[str]
    rows: list[list[object]]


def export(actor: Actor, filters: triage.Filters) -> InboxExport:
    """Every item the filters hold for the person (viewers too: it is what they may read in the inbox), as
    spreadsheet rows without anything about who sent them; in the audit log with the filters and how many rows."""
    user = _staff(actor)
    rows = list(triage.export_rows(triage.everything(user, filters)))
    query = filters.query_args()
    filename = f"inbox-{london_today().isoformat()}.csv"
    audit.record(
        "inbox.export",
        object_type="routing",
        lcp_id=filters.lcp.id if filters.lcp else None,
        summary=f"Inbox items downloaded: {len(rows)} rows ({inbox_counts.normal_query(filters) or 'all items'})",
        after={"rows": len(rows), "filters": query, "filename": filename},
        **actor.audit,
    )
    db.session.commit()
    return InboxExport(filename, [str(name) for name in triage.EXPORT_HEADER], rows)
