"""The inbox: every routing of the person's LCPs, filtered, searched and paged, one compact row each, with views
and their counts, one bulk bar for the ticked items, saved views and a download.

Rows hold no forms: a row is a tick box (for the bulk bar), the start of what was said (a link to the item page,
carrying the view so that page can go to the previous and next item), and what a worker scans for. Changing one
item happens on its own page. The bulk bar is one POST form that returns to the inbox address it came from (its
filters kept, in the hidden `back` field); a refused change shows the inbox again with the error summary, the same
boxes ticked and what was typed. Every id is looked up with `scoped_or_404` first, so one item of another
partnership makes the whole change a 404 and changes nothing. The changes are commands
(`app.commands.inbox.change_selected`, which uses `app.commands.casework.bulk`), as are saving and deleting a view
and the audited download; the filters, paging and counts are `app.services.triage`'s and `inbox_counts`'s.

Items marked "urgent: check today" have a view of their own (the first), a red mark in every row, and a block at
the top of every other view listing the newest of them.

Everything works without JavaScript: `app/static/js/inbox.js` only hides the bulk bar until a box is ticked and
counts the ticked items in its button.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.datastructures import MultiDict

from app.admin import admin
from app.admin.access import acting, me, requires, scoped_or_404, visible_lcps
from app.admin.downloads import csv_response
from app.admin.inbox_forms import (
    SOURCE_LABELS,
    STATUS_LABELS,
    BulkForm,
    DeleteViewForm,
    SaveViewForm,
    back_to,
)
from app.clock import london_today
from app.commands import CommandRefused
from app.commands import inbox as inbox_commands
from app.forms import valid_submission
from app.models import Lcp, Routing, StaffUser
from app.numbers import database_id
from app.services import directory, inbox_counts, triage

STATUS_COLOURS = {"received": "blue", "looking": "yellow", "shared": "purple", "acted": "green", "closed": "grey"}


def _people(user: StaffUser) -> list[StaffUser]:
    """Who the filter and the bulk bar offer: colleagues on the person's partnerships and admins (all, for an
    admin)."""
    return triage.assignable_staff(None if user.is_admin else user.lcp_ids)


def _fill(form: BulkForm, people: list[StaffUser]) -> BulkForm:
    form.assignee.choices = [
        ("", _("No change")),
        ("me", _("Me")),
        ("none", _("Nobody")),
        *((str(person.id), person.name) for person in people),
    ]
    return form


def _inbox_page(
    args: MultiDict[str, str], back: str, form: BulkForm | None = None, selected: frozenset[int] = frozenset()
) -> ResponseReturnValue:
    user = me()
    lcps = visible_lcps()
    filters = triage.read_filters(args, user, lcps)
    page = triage.inbox(user, filters, after=args.get("after"), before=args.get("before"))
    saved = inbox_counts.saved_views(user)
    people = _people(user)
    query = inbox_counts.normal_query(filters)
    topics = directory.all_topics()
    views = inbox_counts.navigation(user, lcps, saved)
    return render_template(
        "admin/inbox/index.html",
        filters=filters,
        page=page,
        lcps=lcps,
        topics=topics,
        views=views,
        # Every view but "Urgent" starts with the newest open urgent items, and a link to them all.
        urgent_top=triage.urgent_top(user) if filters.view != "urgent" else [],
        urgent_total=next((link.count for link in views if link.key == "urgent"), 0),
        view_labels={view: str(label) for view, label in triage.VIEWS.items()},
        # The filters as a query string: the current view in the navigation, the download, and each item's
        # address (`routing=…&view=…&…`), so the item page can go to the previous and next item of the same view.
        query=query,
        back=back,
        can_edit=user.can_edit,
        people=people,
        form=form or _fill(BulkForm(formdata=None), people),
        selected=selected,
        facts=triage.row_facts(page.routings, london_today()),
        topic_labels={topic.id: topic.shown_label for topic in topics},
        first_words=triage.first_words,
        # Translated once for the page, not once for each row that shows them.
        status_labels={status: str(label) for status, label in STATUS_LABELS.items()},
        source_labels={source: str(label) for source, label in SOURCE_LABELS.items()},
        status_colours=STATUS_COLOURS,
        marks={
            "urgent": _("Urgent: check today"),
            "follow-up": _("New follow-up"),
            "new": _("New"),
            "duplicate": _("Duplicate"),
            "same-issue": _("Same issue as another"),
        },
    )


@admin.route("/inbox")
@requires("view")
def inbox() -> ResponseReturnValue:
    return _inbox_page(request.args, back_to(request.full_path.rstrip("?")))


@admin.route("/inbox/bulk", methods=["POST"])
@requires("edit")
def inbox_bulk() -> ResponseReturnValue:
    people = _people(me())
    form = _fill(BulkForm(), people)
    back = back_to(form.back.data)
    ids = dict.fromkeys(number for value in request.form.getlist("routing") if (number := database_id(value)))
    # Every id is checked before anything changes: one outside the person's LCPs is a 404 for all.
    routings = [scoped_or_404(Routing, routing_id, edit=True) for routing_id in ids]
    if valid_submission(form):
        try:
            count = inbox_commands.change_selected(
                acting(),
                routings,
                status=form.status.data or "",
                reason=form.reason_given,
                assignee=form.assignee.data or "",
                tags=form.tags.data or "",
            )
        except inbox_commands.BulkRefused as refusal:
            if refusal.field == "reason":
                form.reason_refused(refusal)
            else:
                form[refusal.field].errors = [str(refusal)]
        else:
            flash(ngettext("%(num)d item changed.", "%(num)d items changed.", count))
            return redirect(back, 303)
    return _inbox_page(MultiDict(parse_qsl(urlsplit(back).query)), back, form=form, selected=frozenset(ids))


# The download ----------------------------------------------------------------------------------------------------


@admin.route("/inbox.csv")
@requires("view")
def inbox_csv() -> ResponseReturnValue:
    """The items of the inbox as it is filtered (every page), as CSV; viewers too, since it is what they read."""
    filters = triage.read_filters(request.args, me(), visible_lcps())
    export = inbox_commands.export(acting(), filters)
    return csv_response(export.filename, export.header, export.rows)


# Saved views -----------------------------------------------------------------------------------------------------


def _views_page(form: SaveViewForm, filters: triage.Filters) -> ResponseReturnValue:
    user = me()
    return render_template(
        "admin/inbox/views.html",
        form=form,
        filters=filters,
        query=inbox_counts.normal_query(filters),
        saved=inbox_counts.saved_views(user),
        delete_form=DeleteViewForm(formdata=None),
        view_labels={view: str(label) for view, label in triage.VIEWS.items()},
        status_labels={status: str(label) for status, label in STATUS_LABELS.items()},
        source_labels={source: str(label) for source, label in SOURCE_LABELS.items()},
    )


def _filters_of(query: str | None) -> tuple[triage.Filters, list[Lcp]]:
    lcps = visible_lcps()
    return triage.read_filters(MultiDict(parse_qsl(query or "")), me(), lcps), lcps


@admin.route("/inbox/views")
@requires("view")
def inbox_views() -> ResponseReturnValue:
    """Save the inbox's filters (those in this page's address) under a name; see and delete the saved ones."""
    filters = triage.read_filters(request.args, me(), visible_lcps())
    form = SaveViewForm(formdata=None, query=inbox_counts.normal_query(filters))
    return _views_page(form, filters)


@admin.route("/inbox/views", methods=["POST"])
@requires("view")
def inbox_view_save() -> ResponseReturnValue:
    form = SaveViewForm()
    filters, _lcps = _filters_of(form.query.data)
    if valid_submission(form):
        try:
            view = inbox_commands.save_view(acting(), form.name.data or "", filters)
        except CommandRefused as refusal:
            form.name.errors = [str(refusal)]
        else:
            flash(_("The view “%(name)s” is saved. It is listed with the inbox’s views.", name=view.name))
            return redirect(url_for("admin.inbox") + "?" + view.query, 303)
    return _views_page(form, filters)


@admin.route("/inbox/views/delete", methods=["POST"])
@requires("view")
def inbox_view_delete() -> ResponseReturnValue:
    form = DeleteViewForm()
    if not valid_submission(form):
        return redirect(url_for("admin.inbox_views"), 303)
    name = inbox_commands.delete_view(acting(), database_id(form.view.data or ""))
    flash(_("The view “%(name)s” is deleted.", name=name))
    return redirect(url_for("admin.inbox_views"), 303)
