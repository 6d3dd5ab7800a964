"""The inbox: every routing of the person's LCPs, filtered and paged, with inline and bulk triage.

Each change is a real POST form that returns to the inbox address it came from (its filters kept, in the
hidden `back` field); with htmx the same endpoints answer with just the changed row. A routing is always
looked up with `scoped_or_404`, so another partnership's item answers 404 as if it did not exist, and a
bulk change with one such item changes nothing. Every change (a status, an assignee, tags, one or in bulk) is a
command (`app.commands.casework`), which holds the rule, audits it and commits, as on the command line; the
filters and paging are `app.services.triage`'s.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from flask import flash, make_response, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.datastructures import MultiDict

from app.admin import admin
from app.admin.access import acting, me, requires, scoped_or_404, visible_lcps
from app.admin.inbox_forms import (
    BULK_ACTIONS,
    SOURCE_LABELS,
    STATUS_LABELS,
    AssignForm,
    BulkForm,
    StatusForm,
    TagsForm,
    back_to,
)
from app.commands import CommandRefused
from app.commands import casework as casework_commands
from app.htmx import wants_fragment
from app.models import Routing
from app.numbers import database_id
from app.services import directory, triage


def _context(back: str, routings: list[Routing]) -> dict:
    user = me()
    people = triage.assignable_staff() if user.can_edit else []
    return {
        "back": back,
        "can_edit": user.can_edit,
        "people": people,
        "assignees": triage.assignees_by_lcp(people, {routing.lcp_id for routing in routings}),
        "excerpt": triage.excerpt,
        # Translated once for the page, not once for each row that shows them.
        "status_labels": {status: str(label) for status, label in STATUS_LABELS.items()},
        "source_labels": {source: str(label) for source, label in SOURCE_LABELS.items()},
        "bulk_actions": {action: str(label) for action, label in BULK_ACTIONS.items()},
    }


def _inbox_page(args: MultiDict[str, str], back: str, problem: str | None = None) -> ResponseReturnValue:
    user = me()
    lcps = visible_lcps()
    filters = triage.read_filters(args, user, lcps)
    page = triage.inbox(user, filters, after=args.get("after"), before=args.get("before"))
    return render_template(
        "admin/inbox/index.html",
        filters=filters,
        page=page,
        lcps=lcps,
        topics=directory.all_topics(),
        problem=problem,
        **_context(back, page.routings),
    )


@admin.route("/inbox")
@requires("view")
def inbox():
    return _inbox_page(request.args, back_to(request.full_path.rstrip("?")))


def _answer(routing: Routing, back: str, done: str = "", problem: str = "") -> ResponseReturnValue:
    """The changed row for htmx; otherwise back to the inbox, or the inbox with the problem if refused."""
    if wants_fragment():
        context = _context(back, [routing])
        response = make_response(
            render_template("admin/inbox/_row.html", routing=routing, row_done=done, row_problem=problem, **context)
        )
        response.vary.add("HX-Request")
        return response
    if problem:
        return _inbox_page(MultiDict(parse_qsl(urlsplit(back).query)), back, problem=problem)
    flash(done)
    return redirect(back, 303)


def _routing(routing_id: int) -> Routing:
    return scoped_or_404(Routing, routing_id, edit=True)


@admin.route("/routings/<int:routing_id>/status", methods=["POST"])
@requires("edit")
def routing_status(routing_id: int) -> ResponseReturnValue:
    routing = _routing(routing_id)
    form = StatusForm()
    back = back_to(form.back.data)
    try:
        casework_commands.change_status(acting(), routing, form.status.data or "", form.reason.data or "")
    except CommandRefused as refusal:
        return _answer(routing, back, problem=str(refusal))
    label = STATUS_LABELS[routing.status]
    return _answer(routing, back, done=_("Item %(number)d is now: %(status)s.", number=routing.id, status=label))


@admin.route("/routings/<int:routing_id>/assign", methods=["POST"])
@requires("edit")
def routing_assign(routing_id: int) -> ResponseReturnValue:
    routing = _routing(routing_id)
    form = AssignForm()
    back = back_to(form.back.data)
    try:
        person = casework_commands.assign(acting(), routing, form.assignee.data or "")
    except CommandRefused as refusal:
        return _answer(routing, back, problem=str(refusal))
    if person is None:
        done = _("Item %(number)d is assigned to nobody.", number=routing.id)
    else:
        done = _("Item %(number)d is assigned to %(name)s.", number=routing.id, name=person.name)
    return _answer(routing, back, done=done)


@admin.route("/routings/<int:routing_id>/tags", methods=["POST"])
@requires("edit")
def routing_tags(routing_id: int) -> ResponseReturnValue:
    routing = _routing(routing_id)
    form = TagsForm()
    back = back_to(form.back.data)
    casework_commands.tag(acting(), routing, form.tags.data or "")
    return _answer(routing, back, done=_("Tags of item %(number)d saved.", number=routing.id))


@admin.route("/inbox/bulk", methods=["POST"])
@requires("edit")
def inbox_bulk():
    form = BulkForm()
    back = back_to(form.back.data)
    ids = dict.fromkeys(number for value in request.form.getlist("routing") if (number := database_id(value)))
    # Every id is checked before anything changes: one outside the person's LCPs is a 404 for all.
    routings = [_routing(routing_id) for routing_id in ids]
    try:
        count = casework_commands.bulk(acting(), routings, form.action.data or "", form.value(), form.reason.data or "")
    except CommandRefused as refusal:
        return _inbox_page(MultiDict(parse_qsl(urlsplit(back).query)), back, problem=str(refusal))
    flash(ngettext("%(num)d item changed.", "%(num)d items changed.", count))
    return redirect(back, 303)
