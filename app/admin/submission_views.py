"""One submission as staff handle it: its words and history, each LCP's handling, notes, contact details
(shown only on request, and audited), sharing with another LCP, duplicates, published replies; and entering
a submission on someone's behalf.

A submission is reached only through one of the person's LCPs (`submission_or_404`), a routing only through
`scoped_or_404`, so another partnership's work answers 404, exactly as for an id that does not exist. Each
change is one command (`app.commands.casework`), which holds its rule, audits it and commits; a refusal is shown
beside the form.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from app.admin import admin
from app.admin.access import acting, me, requires, scoped_or_404, visible_lcps
from app.admin.submission_forms import (
    SOURCE_CHOICES,
    DuplicateForm,
    EntryForm,
    NoteForm,
    RespondForm,
    ShareWithForm,
)
from app.commands import CommandRefused
from app.commands import casework as casework_commands
from app.engage.share_forms import AGE_GROUP_CHOICES, GROUP_CHOICES, SPEAKS_FOR_CHOICES
from app.extensions import db
from app.forms import keeps_input, valid_submission
from app.models import Routing, StaffUser, Submission
from app.services import casework, retention, sharing
from app.services.sharing import TooManyFromAddress


def submission_or_404(submission_id: int, edit: bool = False) -> Submission:
    """A submission routed to one of the person's LCPs (any, for admins); 404 otherwise, as for none."""
    submission = casework.load_submission(submission_id)
    if submission is None or not casework.sees_submission(submission, me()):
        abort(404)
    if edit and not me().can_edit:
        abort(403)
    return submission


def _prefix(routing: Routing, kind: str) -> str:
    return f"{kind}-{routing.id}"


def _page(submission: Submission, status: int = 200, show_contact: bool = False, **forms: Any) -> ResponseReturnValue:
    """The submission's page; `forms` replaces a blank form with one that has errors (keyed as in the template)."""
    user = me()
    own = casework.own_routings(submission, user)
    own_ids = {routing.id for routing in own}
    note_forms, respond_forms = {}, {}
    for routing in own:
        note_forms[routing.id] = forms.get(f"note-{routing.id}") or NoteForm(
            prefix=_prefix(routing, "note"), formdata=None
        )
        respond_forms[routing.id] = forms.get(f"respond-{routing.id}") or RespondForm(
            prefix=_prefix(routing, "respond"), formdata=None
        )
    share_form = forms.get("share") or ShareWithForm(formdata=None)
    share_form.fill_choices(casework.unrouted_lcps(submission))
    duplicate_form = forms.get("duplicate") or DuplicateForm(formdata=None)
    entered_by = db.session.get(StaffUser, submission.entered_by_id) if submission.entered_by_id else None
    error_form = next((form for form in forms.values() if form.errors), None)
    return (
        render_template(
            "admin/submission/page.html",
            submission=submission,
            code=sharing.format_code(submission.receipt_code),
            own=own,
            others=[routing for routing in submission.routings if routing.id not in own_ids],
            note_forms=note_forms,
            respond_forms=respond_forms,
            share_form=share_form,
            duplicate_form=duplicate_form,
            can_edit=user.can_edit,
            show_contact=show_contact,
            error_form=error_form,
            entered_by_name=(entered_by.name or entered_by.email) if entered_by else _("a former member of staff"),
            duplicate_code=sharing.format_code(submission.duplicate_of.receipt_code) if submission.duplicate_of else "",
            labels=_labels(),
            status_wording=sharing.status_wording,
            status_label=lambda value: str(sharing.STATUS_WORDING.get(value, value)),
            removal_date=retention.removal_date(submission),
            today=retention.today(),
            retention_days=retention.retention_days(),
        ),
        status,
    )


def _labels() -> dict[str, str]:
    """What the stored values (ages, groups, who they speak for, source) read as."""
    pairs = [*AGE_GROUP_CHOICES, *GROUP_CHOICES, *SPEAKS_FOR_CHOICES, *SOURCE_CHOICES]
    labels = {choice.value: str(choice.label) for choice in pairs}
    labels["web"] = _("On this website")
    return labels


def _to_submission(submission: Submission, anchor: str | None = None) -> BaseResponse:
    return redirect(url_for("admin.submission", submission_id=submission.id, _anchor=anchor), 303)


def _routing(routing_id: int) -> Routing:
    return scoped_or_404(Routing, routing_id, edit=True)


@admin.route("/submissions/<int:submission_id>")
@requires("view")
def submission(submission_id: int) -> ResponseReturnValue:
    return _page(submission_or_404(submission_id))


@admin.route("/submissions/<int:submission_id>/contact", methods=["POST"])
@requires("edit")
def submission_contact(submission_id: int) -> ResponseReturnValue:
    found = submission_or_404(submission_id, edit=True)
    casework_commands.view_contact(acting(), found)
    return _page(found, show_contact=True)


@admin.route("/routings/<int:routing_id>/notes", methods=["POST"])
@requires("edit")
def routing_note_add(routing_id: int) -> ResponseReturnValue:
    routing = _routing(routing_id)
    form = NoteForm(prefix=_prefix(routing, "note"))
    if form.validate():
        try:
            casework_commands.add_note(acting(), routing, form.body.data or "")
        except CommandRefused as refusal:
            form.body.errors = [*form.body.errors, str(refusal)]
        else:
            flash(_("Note added for %(lcp)s.", lcp=routing.lcp.name))
            return _to_submission(routing.submission, f"routing-{routing.id}")
    with_errors: dict[str, Any] = {f"note-{routing.id}": form}
    return _page(submission_or_404(routing.submission_id), **with_errors)


@admin.route("/routings/<int:routing_id>/respond", methods=["POST"])
@requires("edit")
def routing_respond(routing_id: int) -> ResponseReturnValue:
    routing = _routing(routing_id)
    form = RespondForm(prefix=_prefix(routing, "respond"))
    if form.validate():
        try:
            casework_commands.respond(
                acting(),
                routing,
                form.you_said.data or "",
                form.we_did.data or "",
                bool(form.quote_words.data) and routing.submission.may_publish_words,
            )
        except CommandRefused as refusal:
            form.you_said.errors = [*form.you_said.errors, str(refusal)]
        else:
            flash(_("Reply published on %(lcp)s’s page.", lcp=routing.lcp.name))
            return _to_submission(routing.submission, f"routing-{routing.id}")
    with_errors: dict[str, Any] = {f"respond-{routing.id}": form}
    return _page(submission_or_404(routing.submission_id), **with_errors)


@admin.route("/submissions/<int:submission_id>/share", methods=["POST"])
@requires("edit")
def submission_share(submission_id: int) -> ResponseReturnValue:
    found = submission_or_404(submission_id, edit=True)
    form = ShareWithForm()
    form.fill_choices(casework.unrouted_lcps(found))
    if valid_submission(form):
        lcp = form.chosen
        casework_commands.route(acting(), found, lcp)
        flash(_("Shared with %(lcp)s. Each partnership keeps its own status.", lcp=lcp.name))
        return _to_submission(found, "routings")
    return _page(found, share=form)


@admin.route("/submissions/<int:submission_id>/duplicate", methods=["POST"])
@requires("edit")
def submission_duplicate(submission_id: int) -> ResponseReturnValue:
    found = submission_or_404(submission_id, edit=True)
    form = DuplicateForm()
    if valid_submission(form):
        try:
            marked = casework_commands.mark_duplicate(acting(), found, form.code.data or "")
        except casework_commands.UnknownCode:
            form.code.errors = [*form.code.errors, _("No submission you can see has that receipt code")]
        except casework_commands.SameSubmission:
            form.code.errors = [*form.code.errors, _("Enter the receipt code of a different submission")]
        else:
            flash(
                _(
                    "Marked as the same as %(code)s. Closed for: %(lcps)s.",
                    code=sharing.format_code(marked.original.receipt_code),
                    lcps=", ".join(routing.lcp.name for routing in marked.closed) or _("none"),
                )
            )
            return _to_submission(found)
    return _page(found, duplicate=form)


@admin.route("/submissions/new", methods=["GET", "POST"])
@requires("edit")
@keeps_input
def submission_new():
    form = EntryForm()
    form.fill_choices(visible_lcps())
    if valid_submission(form):
        try:
            entered = casework_commands.enter(acting(), form.share_input())
        except TooManyFromAddress:
            form.email.errors = [
                *form.email.errors,
                _("This email address has sent several in the last hour. Try again later"),
            ]
        else:
            if not entered.repeated:
                flash(
                    _(
                        "Submission stored. Its receipt code is %(code)s.",
                        code=sharing.format_code(entered.submission.receipt_code),
                    )
                )
            return _to_submission(entered.submission)
    return render_template("admin/submission/new.html", form=form)
