"""Meetings with their agenda and decisions, updates, and maturity self-assessments, as drafts and published.

The partnership always comes from the address or from the row itself (`lcp_or_404`, `scoped_or_404`), never
from a form, so nobody can reach another partnership's content by changing a field. Viewers may read the
lists; every page that changes something needs the "edit" permission, for reading the form too. Each change is
one command (`app.commands.content`; a decision: `app.commands.meetings`, as on the command line), which checks,
audits and commits it; these views read a form, call it, and say what happened.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from app.admin import admin
from app.admin.access import acting, can_edit_lcp, lcp_or_404, requires, scoped_or_404
from app.admin.activity_forms import AgendaItemForm, DecisionForm, MaturityForm, MeetingForm, UpdateForm
from app.clock import utcnow
from app.commands import CommandRefused, content
from app.commands import meetings as meetings_commands
from app.formatting import render_markdown, uk_date
from app.forms import keeps_input, valid_submission
from app.models import AgendaItem, Lcp, Meeting, Update, UpdateTranslation
from app.services import activity, translations


def _action() -> str:
    """Which button was pressed: "publish", "withdraw" or "save" (save as draft, or save changes)."""
    action = request.form.get("action", "save")
    return action if action in ("publish", "withdraw", "preview") else "save"


def _told(kind: str, what: str) -> str:
    messages = {
        ("meeting", "created"): _("Meeting saved as a draft. Only staff can see it until it is published."),
        ("meeting", "published"): _("Meeting published. It is on the partnership’s page and in its calendar now."),
        ("meeting", "withdrawn"): _("Meeting withdrawn to draft. It is no longer on the public pages or feeds."),
        ("update", "created"): _("Update saved as a draft. Only staff can see it until it is published."),
        ("update", "published"): _("Update published. It is on the partnership’s page and in its news feed now."),
        ("update", "withdrawn"): _("Update withdrawn to draft. It is no longer on the public pages or feeds."),
    }
    return messages.get((kind, what), _("Your changes have been saved."))


def _item(item_id: int) -> AgendaItem:
    return scoped_or_404(AgendaItem, item_id, lcp_of=lambda item: item.meeting.lcp_id, edit=True)


def _to_meeting(meeting: Meeting, anchor: str | None = None) -> BaseResponse:
    return redirect(url_for("admin.meeting_edit", meeting_id=meeting.id, _anchor=anchor), 303)


# Meetings ---------------------------------------------------------------------------------------------------------


@admin.route("/lcps/<string:slug>/meetings")
@requires("view")
def meetings(slug: str) -> ResponseReturnValue:
    lcp = lcp_or_404(slug)
    return render_template(
        "admin/activity/meetings.html", lcp=lcp, lists=activity.meetings_for(lcp), can_edit=can_edit_lcp(lcp.id)
    )


@admin.route("/lcps/<string:slug>/meetings/new", methods=["GET", "POST"])
@requires("edit")
@keeps_input
def meeting_new(slug: str) -> ResponseReturnValue:
    lcp = lcp_or_404(slug, edit=True)
    form = MeetingForm.from_row()
    if valid_submission(form):
        meeting = Meeting(lcp_id=lcp.id)
        flash(_told("meeting", content.save_meeting(acting(), meeting, form.values(), _action())))
        return _to_meeting(meeting)
    return render_template("admin/activity/meeting_form.html", lcp=lcp, form=form, meeting=None)


@admin.route("/meetings/<int:meeting_id>", methods=["GET", "POST"])
@requires("edit")
@keeps_input
def meeting_edit(meeting_id: int) -> ResponseReturnValue:
    meeting = scoped_or_404(Meeting, meeting_id, edit=True)
    form = MeetingForm.from_row(meeting)
    if valid_submission(form):
        flash(_told("meeting", content.save_meeting(acting(), meeting, form.values(), _action())))
        return _to_meeting(meeting)
    return render_template(
        "admin/activity/meeting_form.html", lcp=meeting.lcp, form=form, meeting=meeting, now=utcnow()
    )


# Agenda items -----------------------------------------------------------------------------------------------------


@admin.route("/meetings/<int:meeting_id>/items/new", methods=["GET", "POST"])
@requires("edit")
@keeps_input
def agenda_item_new(meeting_id: int) -> ResponseReturnValue:
    meeting = scoped_or_404(Meeting, meeting_id, edit=True)
    form = AgendaItemForm.from_row()
    if valid_submission(form):
        item = content.add_agenda_item(acting(), meeting, form.values())
        flash(_("Agenda item added: %(title)s", title=item.title))
        return _to_meeting(meeting, "agenda")
    return render_template(
        "admin/activity/agenda_item_form.html", meeting=meeting, lcp=meeting.lcp, form=form, item=None
    )


@admin.route("/agenda-items/<int:item_id>", methods=["GET", "POST"])
@requires("edit")
@keeps_input
def agenda_item_edit(item_id: int) -> ResponseReturnValue:
    item = _item(item_id)
    form = AgendaItemForm.from_row(item)
    if valid_submission(form):
        content.edit_agenda_item(acting(), item, form.values())
        flash(_("Agenda item saved: %(title)s", title=item.title))
        return _to_meeting(item.meeting, "agenda")
    return render_template(
        "admin/activity/agenda_item_form.html", meeting=item.meeting, lcp=item.meeting.lcp, form=form, item=item
    )


@admin.route("/agenda-items/<int:item_id>/delete", methods=["POST"])
@requires("edit")
def agenda_item_delete(item_id: int) -> ResponseReturnValue:
    item = _item(item_id)
    meeting, title = item.meeting, item.title
    content.delete_agenda_item(acting(), item)
    flash(_("Agenda item deleted: %(title)s", title=title))
    return _to_meeting(meeting, "agenda")


@admin.route("/agenda-items/<int:item_id>/move", methods=["POST"])
@requires("edit")
def agenda_item_move(item_id: int) -> ResponseReturnValue:
    item = _item(item_id)
    if content.move_agenda_item(acting(), item, request.form.get("direction", "")):
        flash(_("Agenda item moved: %(title)s", title=item.title))
    return _to_meeting(item.meeting, "agenda")


@admin.route("/agenda-items/<int:item_id>/decision", methods=["GET", "POST"])
@requires("edit")
@keeps_input
def agenda_item_decision(item_id: int) -> ResponseReturnValue:
    item = _item(item_id)
    form = DecisionForm(data={"decision": item.decision})
    if valid_submission(form):
        try:
            decided = meetings_commands.record_decision(acting(), item, form.decision.data or "")
        except CommandRefused as refusal:
            form.decision.errors = [*form.decision.errors, str(refusal)]
        else:
            told = decided.told
            flash(_("Decision recorded on %(title)s. People told by email: %(count)d.", title=item.title, count=told))
            return _to_meeting(item.meeting, "agenda")
    return render_template(
        "admin/activity/decision.html", item=item, meeting=item.meeting, lcp=item.meeting.lcp, form=form
    )


# Updates ----------------------------------------------------------------------------------------------------------


@admin.route("/lcps/<string:slug>/updates")
@requires("view")
def updates(slug: str) -> ResponseReturnValue:
    lcp = lcp_or_404(slug)
    return render_template(
        "admin/activity/updates.html", lcp=lcp, updates=activity.updates_for(lcp), can_edit=can_edit_lcp(lcp.id)
    )


def _update_links(update: Update | None) -> list[translations.Choice]:
    """The update in each other language, once it exists to be translated."""
    if update is None or update.id is None:
        return []
    return translations.choices(
        UpdateTranslation,
        update.id,
        lambda code: url_for("admin.update_translation", update_id=update.id, language=code),
    )


def _update_page(form: UpdateForm, update: Update | None, lcp: Lcp) -> ResponseReturnValue:
    """Saves, or with "Preview" shows the update as it will read without saving anything."""
    action = _action()
    preview = None
    if request.method == "POST" and action == "preview":
        preview = render_markdown(form.body.data or "")
    elif valid_submission(form):
        update = update or Update(lcp_id=lcp.id)
        flash(_told("update", content.save_update(acting(), update, form.values(), action)))
        return redirect(url_for("admin.update_edit", update_id=update.id), 303)
    return render_template(
        "admin/activity/update_form.html",
        lcp=lcp,
        form=form,
        update=update,
        preview=preview,
        translation_links=_update_links(update),
    )


@admin.route("/lcps/<string:slug>/updates/new", methods=["GET", "POST"])
@requires("edit")
@keeps_input
def update_new(slug: str) -> ResponseReturnValue:
    return _update_page(UpdateForm.from_row(), None, lcp_or_404(slug, edit=True))


@admin.route("/updates/<int:update_id>", methods=["GET", "POST"])
@requires("edit")
@keeps_input
def update_edit(update_id: int) -> ResponseReturnValue:
    update = scoped_or_404(Update, update_id, edit=True)
    return _update_page(UpdateForm.from_row(update), update, update.lcp)


# Maturity ---------------------------------------------------------------------------------------------------------


@admin.route("/lcps/<string:slug>/maturity")
@requires("view")
def maturity(slug: str) -> ResponseReturnValue:
    lcp = lcp_or_404(slug)
    return render_template(
        "admin/activity/maturity.html",
        lcp=lcp,
        assessments=activity.assessments_for(lcp),
        elements=activity.maturity_elements(),
        can_edit=can_edit_lcp(lcp.id),
    )


@admin.route("/lcps/<string:slug>/maturity/new", methods=["GET", "POST"])
@requires("edit")
@keeps_input
def maturity_new(slug: str) -> ResponseReturnValue:
    lcp = lcp_or_404(slug, edit=True)
    form = MaturityForm.build(lcp, activity.maturity_elements(), activity.maturity_levels())
    # The date is required, so a valid form has one.
    if valid_submission(form) and (assessed_on := form.assessed_on.data) is not None:
        try:
            assessment = content.add_assessment(
                acting(), lcp, assessed_on, form.ratings(), (form.note.data or "").strip()
            )
        except CommandRefused as refusal:
            form.assessed_on.errors = [*form.assessed_on.errors, str(refusal)]
        else:
            flash(
                _(
                    "Self-assessment of %(date)s saved. The partnership’s page shows it now.",
                    date=uk_date(assessment.assessed_on),
                )
            )
            return redirect(url_for("admin.maturity", slug=lcp.slug), 303)
    return render_template("admin/activity/maturity_form.html", lcp=lcp, form=form)
