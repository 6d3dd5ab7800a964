"""One submission as staff handle it: the item page, where the work happens. Its words and history (as sentences
naming who did what), each own partnership's status, assignee and tags with the forms that change them, notes,
contact details (shown only on request, and audited), sharing with another LCP, duplicates, published replies (from
a template, if chosen) and similar items; previous and next within the inbox view it was opened from; and entering a
submission on someone's behalf.

A submission is reached only through one of the person's LCPs (`submission_or_404`), a routing only through
`scoped_or_404`, so another partnership's work answers 404, exactly as for an id that does not exist. Each
change is one command (`app.commands.casework`), which holds its rule, audits it and commits; a refusal is shown
beside the form, with what was typed kept. The work forms and the reply carry the routing's version: a change to an
item someone else changed since it was drawn is refused, and the page says what they did.

The page's address may carry the inbox view it was opened from (`routing=<id>` and the inbox's filters, `view`
included, as `app.services.triage.read_filters` reads them): previous and next, "Back to the inbox" and every form's
return keep it. Opening the page marks the person's partnerships' routings as opened (no longer "New").
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from app.admin import admin
from app.admin.access import acting, me, requires, scoped_or_404, visible_lcps
from app.admin.submission_forms import (
    SOURCE_CHOICES,
    DuplicateForm,
    EntryForm,
    ItemAssignForm,
    ItemStatusForm,
    ItemTagsForm,
    NoteForm,
    RespondForm,
    ShareWithForm,
)
from app.commands import CommandRefused, quotes
from app.commands import casework as casework_commands
from app.engage.share_forms import AGE_GROUP_CHOICES, GROUP_CHOICES, SPEAKS_FOR_CHOICES
from app.extensions import db
from app.forms import keeps_input, options, valid_submission
from app.models import ReplyTemplate, Routing, StaffUser, Submission
from app.numbers import database_id
from app.services import casework, item_page, quoting, reply_templates, retention, safety, sharing, similar, triage
from app.services import closing as closing_reasons
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


# The inbox view the page was opened from --------------------------------------------------------------------------


def _filters() -> triage.Filters:
    return triage.read_filters(request.args, me(), visible_lcps())


def _current(own: list[Routing]) -> Routing | None:
    """The routing the page was opened for (`routing=<id>`, one of the person's own), else their first."""
    wanted = database_id(request.args.get("routing"))
    return next((routing for routing in own if routing.id == wanted), own[0] if own else None)


def _view_args(filters: triage.Filters, current: Routing | None) -> dict[str, Any]:
    """The address arguments that keep the view: the routing, then the filters as the inbox writes them."""
    args: dict[str, Any] = {"routing": current.id} if current is not None else {}
    return {**args, **filters.query_args()}


def page_args() -> dict[str, Any]:
    """The address arguments of the item page's view (`routing` and the inbox's filters), for a page reached from it
    that comes back to it (preparing the words for quoting)."""
    routing = database_id(request.args.get("routing"))
    return {**({"routing": routing} if routing is not None else {}), **_filters().query_args()}


def _item_url(routing: Routing, filters: triage.Filters) -> str:
    return url_for("admin.submission", submission_id=routing.submission_id, **_view_args(filters, routing))


def _back_here(routing: Routing, anchor: str | None = None) -> BaseResponse:
    """Back to the item page after a change, in the view it was opened from (the form's address carries it)."""
    args = {**_view_args(_filters(), None), "routing": database_id(request.args.get("routing")) or routing.id}
    return redirect(url_for("admin.submission", submission_id=routing.submission_id, _anchor=anchor, **args), 303)


# The page ---------------------------------------------------------------------------------------------------------


def _chosen_template(own: list[Routing], submission: Submission) -> tuple[Routing, ReplyTemplate] | None:
    """The reply template asked for by the "Start from a template" form (`template`, `reply_for`), when the person
    may use it for that routing."""
    routing_id = database_id(request.args.get("reply_for"))
    template_id = database_id(request.args.get("template"))
    routing = next((routing for routing in own if routing.id == routing_id), None)
    if routing is None or template_id is None:
        return None
    template = next((row for row in reply_templates.for_routing(routing) if row.id == template_id), None)
    return (routing, template) if template is not None else None


def _work_forms(routing: Routing, forms: dict[str, Any], people: list[StaffUser]) -> dict[str, Any]:
    """The status, assignee and tags forms of one routing: as the person sent them after a refusal, else drawn
    from the routing as it is now."""
    status = forms.get(f"status-{routing.id}") or ItemStatusForm(
        prefix=_prefix(routing, "status"),
        formdata=None,
        data={
            "status": routing.status,
            "plain_reason": closing_reasons.key_of(routing.status_reason),
            "reason": "" if closing_reasons.is_plain(routing.status_reason) else routing.status_reason,
            "version": str(routing.version),
        },
    )
    assign = forms.get(f"assign-{routing.id}") or ItemAssignForm(
        prefix=_prefix(routing, "assign"),
        formdata=None,
        data={"assignee": str(routing.assignee_id or "none"), "version": str(routing.version)},
    )
    assign.assignee.choices = options([("none", _("Nobody")), *((str(person.id), person.name) for person in people)])
    tags = forms.get(f"tags-{routing.id}") or ItemTagsForm(
        prefix=_prefix(routing, "tags"), formdata=None, data={"tags": routing.tags, "version": str(routing.version)}
    )
    return {"status": status, "assign": assign, "tags": tags}


def _reply_form(
    routing: Routing, forms: dict[str, Any], chosen: tuple[Routing, ReplyTemplate] | None, language: str
) -> RespondForm:
    form = forms.get(f"respond-{routing.id}")
    if form is not None:
        return form
    then = "acted" if casework_commands.status_after_reply(routing) else "leave"
    data: dict[str, Any] = {"then": then, "version": str(routing.version)}
    if chosen is not None and chosen[0].id == routing.id:
        template = chosen[1]
        data["we_did"] = reply_templates.body_in(template, language)
        if template.status == "closed":
            data["then"] = "closed"
        elif template.status == "acted":
            data["then"] = "acted"
    return RespondForm(prefix=_prefix(routing, "respond"), formdata=None, data=data)


def _page(
    submission: Submission,
    status: int = 200,
    show_contact: bool = False,
    conflict: casework_commands.ChangedMeanwhile | None = None,
    **forms: Any,
) -> ResponseReturnValue:
    """The submission's page; `forms` replaces a blank form with one that has errors (keyed as in the template)."""
    user = me()
    own = casework.own_routings(submission, user)
    own_ids = {routing.id for routing in own}
    filters = _filters()
    current = _current(own)
    place = item_page.place_in_view(user, filters, current) if current is not None else None
    chosen = _chosen_template(own, submission)
    people = triage.assignable_staff({routing.lcp_id for routing in own}) if user.can_edit else []
    able = triage.assignees_by_lcp(people, {routing.lcp_id for routing in own})
    work, note_forms, respond_forms, templates = {}, {}, {}, {}
    for routing in own:
        work[routing.id] = _work_forms(routing, forms, able.get(routing.lcp_id, []))
        note_forms[routing.id] = forms.get(f"note-{routing.id}") or NoteForm(
            prefix=_prefix(routing, "note"), formdata=None
        )
        respond_forms[routing.id] = _reply_form(routing, forms, chosen, submission.language)
        templates[routing.id] = reply_templates.for_routing(routing) if user.can_edit else []
    share_form = forms.get("share") or ShareWithForm(formdata=None)
    share_form.fill_choices(casework.unrouted_lcps(submission))
    duplicate_form = forms.get("duplicate") or DuplicateForm(formdata=None)
    entered_by = db.session.get(StaffUser, submission.entered_by_id) if submission.entered_by_id else None
    error_form = next((form for form in forms.values() if form.errors), None)
    view_args = _view_args(filters, current)
    inbox_args: dict[str, Any] = filters.query_args()
    details = safety.personal_details(submission.body)
    return (
        render_template(
            "admin/submission/page.html",
            submission=submission,
            code=sharing.format_code(submission.receipt_code),
            own=own,
            others=[routing for routing in submission.routings if routing.id not in own_ids],
            work=work,
            note_forms=note_forms,
            respond_forms=respond_forms,
            templates=templates,
            chosen=chosen,
            template_body=lambda template: reply_templates.body_in(template, submission.language),
            share_form=share_form,
            duplicate_form=duplicate_form,
            can_edit=user.can_edit,
            can_take={routing.id: triage.can_take(user, routing) for routing in own},
            me_id=user.id,
            show_contact=show_contact,
            error_form=error_form,
            conflict=conflict,
            entered_by_name=(entered_by.name or entered_by.email) if entered_by else _("a former member of staff"),
            duplicate_code=sharing.format_code(submission.duplicate_of.receipt_code) if submission.duplicate_of else "",
            labels=_labels(),
            status_wording=sharing.status_wording,
            status_label=item_page.status_label,
            is_plain_reason=closing_reasons.is_plain,
            status_labels={value: str(label) for value, label in item_page.STATUS_LABELS.items()},
            history=item_page.history(submission, user),
            similar=similar.for_submission(submission, user),
            current=current,
            place=place,
            view_args=view_args,
            item_url=lambda routing: _item_url(routing, filters),
            inbox_url=url_for("admin.inbox", **inbox_args),
            words=quoting.marked(submission.body, details),
            details_found=quoting.found_list(details),
            quote_state=quoting.quote_state(submission),
            quote_paragraphs=quoting.paragraphs(submission.quote_text or ""),
            quote_url=url_for("admin.submission_quote", submission_id=submission.id, **view_args),
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


def _again(
    routing: Routing, forms: dict[str, Any], conflict: casework_commands.ChangedMeanwhile | None = None
) -> ResponseReturnValue:
    """The page again after a refused change, with the form as sent (its version the current one after a
    conflict, so sending it again works)."""
    if conflict is not None:
        for form in forms.values():
            form.version.data = str(conflict.version)
    return _page(submission_or_404(routing.submission_id), conflict=conflict, **forms)


@admin.route("/submissions/<int:submission_id>")
@requires("view")
def submission(submission_id: int) -> ResponseReturnValue:
    found = submission_or_404(submission_id)
    if casework_commands.open_item(acting(), found):
        found = submission_or_404(submission_id)
    return _page(found)


# The work on one routing: its status, assignee and tags ------------------------------------------------------------


@admin.route("/items/<int:routing_id>/status", methods=["POST"])
@requires("edit")
def item_status(routing_id: int) -> ResponseReturnValue:
    routing = _routing(routing_id)
    form = ItemStatusForm(prefix=_prefix(routing, "status"))
    if form.validate():
        try:
            changed = casework_commands.change_status(
                acting(), routing, form.status.data or "", form.reason_given, expected_version=form.drawn_from
            )
        except casework_commands.ChangedMeanwhile as conflict:
            return _again(routing, {f"status-{routing.id}": form}, conflict)
        except CommandRefused as refusal:
            if form.status.data == "closed":
                form.reason_refused(refusal)
            else:
                form.status.errors = [*form.status.errors, str(refusal)]
        else:
            label = item_page.status_label(routing.status)
            if changed:
                flash(_("%(lcp)s: the status is now %(status)s.", lcp=routing.lcp.name, status=label))
            else:
                flash(_("%(lcp)s: the status was already %(status)s.", lcp=routing.lcp.name, status=label))
            return _back_here(routing, f"work-{routing.id}")
    return _again(routing, {f"status-{routing.id}": form})


@admin.route("/items/<int:routing_id>/assign", methods=["POST"])
@requires("edit")
def item_assign(routing_id: int) -> ResponseReturnValue:
    routing = _routing(routing_id)
    form = ItemAssignForm(prefix=_prefix(routing, "assign"))
    value = str(me().id) if form.to_me.data else form.assignee.data or ""
    try:
        person = casework_commands.assign(acting(), routing, value, expected_version=form.drawn_from)
    except casework_commands.ChangedMeanwhile as conflict:
        return _again(routing, {f"assign-{routing.id}": form}, conflict)
    except CommandRefused as refusal:
        form.assignee.errors = [str(refusal)]
        return _again(routing, {f"assign-{routing.id}": form})
    if person is None:
        flash(_("%(lcp)s: it is assigned to nobody.", lcp=routing.lcp.name))
    elif person.id == me().id:
        flash(_("%(lcp)s: it is assigned to you.", lcp=routing.lcp.name))
    else:
        flash(_("%(lcp)s: it is assigned to %(name)s.", lcp=routing.lcp.name, name=person.name))
    return _back_here(routing, f"work-{routing.id}")


@admin.route("/items/<int:routing_id>/tags", methods=["POST"])
@requires("edit")
def item_tags(routing_id: int) -> ResponseReturnValue:
    routing = _routing(routing_id)
    form = ItemTagsForm(prefix=_prefix(routing, "tags"))
    if form.validate():
        try:
            casework_commands.tag(acting(), routing, form.tags.data or "", expected_version=form.drawn_from)
        except casework_commands.ChangedMeanwhile as conflict:
            return _again(routing, {f"tags-{routing.id}": form}, conflict)
        flash(_("%(lcp)s: the tags are saved.", lcp=routing.lcp.name))
        return _back_here(routing, f"work-{routing.id}")
    return _again(routing, {f"tags-{routing.id}": form})


# Notes, contact and replies ---------------------------------------------------------------------------------------


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
            return _back_here(routing, f"routing-{routing.id}")
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
                then_status=form.then_status,
                reason=form.reason_given,
                expected_version=form.drawn_from,
            )
        except casework_commands.ChangedMeanwhile as conflict:
            return _again(routing, {f"respond-{routing.id}": form}, conflict)
        except quotes.NotPrepared:
            form.quote_words.errors = [
                *form.quote_words.errors,
                _("Prepare their words for quoting before a reply quotes them: other people’s details removed"),
            ]
        except CommandRefused as refusal:
            if form.then_status == "closed":
                form.reason_refused(refusal)
            else:
                form.you_said.errors = [*form.you_said.errors, str(refusal)]
        else:
            flash(
                _(
                    "Reply published on %(lcp)s’s page. The status is %(status)s.",
                    lcp=routing.lcp.name,
                    status=item_page.status_label(routing.status),
                )
            )
            return _back_here(routing, f"routing-{routing.id}")
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
