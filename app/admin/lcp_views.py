"""A partnership in the staff area: the list, the overview, and changing its public facts, priorities and practices.

The LCP always comes from the address, checked by `lcp_or_404` or `scoped_or_404`, never from a
form field. Each change is one command of `app.commands.content`, which checks, audits and commits it; these
views read the form, call it, and say what happened.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.admin import admin
from app.admin.access import acting, lcp_or_404, me, requires, scoped_or_404, visible_lcps
from app.admin.lcp_forms import LcpPageForm, PracticeLinkForm, PriorityForm, ResponseTargetForm, ThemeAlertForm
from app.commands import CommandRefused, content
from app.extensions import db
from app.formatting import render_markdown
from app.forms import keeps_input, valid_submission
from app.models import GpPractice, Lcp, LcpTranslation, Priority
from app.services import lcp_content, translations
from app.services.coverage import coverage

# The partnerships and one partnership ---------------------------------------------------------------------------


@admin.route("/lcps")
@requires("view")
def lcps():
    """The partnerships the person sees, with how many practices each has linked."""
    counts = dict(
        db.session.execute(
            select(GpPractice.lcp_id, func.count()).where(GpPractice.lcp_id.is_not(None)).group_by(GpPractice.lcp_id)
        ).all()
    )
    return render_template("admin/lcp/list.html", lcps=visible_lcps(), counts=counts, coverage=coverage())


@admin.route("/lcps/<string:slug>")
@requires("view")
def lcp_overview(slug: str) -> ResponseReturnValue:
    """One partnership's facts, with a "Change" link to each edit page for those who may edit."""
    lcp = lcp_or_404(slug)
    links = translations.choices(
        LcpTranslation, lcp.id, lambda code: url_for("admin.summary_translation", slug=lcp.slug, language=code)
    )
    return render_template(
        "admin/lcp/overview.html",
        lcp=lcp,
        facts=lcp_content.page_facts(lcp),
        can_edit=me().can_edit,
        translation_links=links,
    )


@admin.route("/lcps/<string:slug>/page", methods=["GET", "POST"])
@requires("edit")
@keeps_input
def lcp_page_edit(slug: str) -> ResponseReturnValue:
    """The page's facts in one form. "Preview" shows the summary as the public page will, and saves nothing."""
    lcp = lcp_or_404(slug, edit=True)
    form = LcpPageForm() if request.method == "POST" else LcpPageForm(formdata=None)
    preview = None
    if request.method == "GET":
        form.fill(lcp_content.page_facts(lcp))
    elif request.form.get("action") == "preview":
        preview = render_markdown(form.summary.data or "")
    elif valid_submission(form):
        content.save_page(acting(), lcp, form.changes())
        flash(_("The page of %(lcp)s has been saved.", lcp=lcp.short_name))
        return redirect(url_for("admin.lcp_overview", slug=lcp.slug))
    return render_template("admin/lcp/page_edit.html", lcp=lcp, form=form, preview=preview)


@admin.route("/lcps/<string:slug>/theme-alerts", methods=["GET", "POST"])
@requires("edit")
@keeps_input
def lcp_theme_alerts(slug: str) -> ResponseReturnValue:
    """How many items on one topic, within how many days, make the team hear about it."""
    lcp = lcp_or_404(slug, edit=True)
    form = ThemeAlertForm() if request.method == "POST" else ThemeAlertForm(formdata=None)
    if request.method == "GET":
        form.fill(lcp)
    elif valid_submission(form):
        content.set_theme_alerts(acting(), lcp, **form.values())
        flash(_("Theme alerts for %(lcp)s have been saved.", lcp=lcp.short_name))
        return redirect(url_for("admin.lcp_overview", slug=lcp.slug) + "#theme-alerts")
    return render_template("admin/lcp/theme_alerts.html", lcp=lcp, form=form)


@admin.route("/lcps/<string:slug>/response-target", methods=["GET", "POST"])
@requires("edit")
@keeps_input
def lcp_response_target(slug: str) -> ResponseReturnValue:
    """How many working days the partnership aims to take to first answer an item: the inbox counts down to it,
    staff are told of items past it, and the public scorecard states it."""
    lcp = lcp_or_404(slug, edit=True)
    form = ResponseTargetForm() if request.method == "POST" else ResponseTargetForm(formdata=None)
    if request.method == "GET":
        form.fill(lcp)
    elif valid_submission(form):
        content.set_response_target(acting(), lcp, form.value())
        flash(_("The response target for %(lcp)s has been saved.", lcp=lcp.short_name))
        return redirect(url_for("admin.lcp_overview", slug=lcp.slug) + "#response-target")
    return render_template("admin/lcp/response_target.html", lcp=lcp, form=form)


# Priorities -----------------------------------------------------------------------------------------------------


@admin.route("/lcps/<string:slug>/priorities")
@requires("view")
def lcp_priorities(slug: str) -> ResponseReturnValue:
    lcp = lcp_or_404(slug)
    return render_template("admin/lcp/priorities.html", lcp=lcp, can_edit=me().can_edit)


@admin.route("/lcps/<string:slug>/priorities/new", methods=["GET", "POST"])
@requires("edit")
@keeps_input
def priority_new(slug: str) -> ResponseReturnValue:
    return priority_form(lcp_or_404(slug, edit=True), None)


@admin.route("/priorities/<int:priority_id>", methods=["GET", "POST"])
@requires("edit")
@keeps_input
def priority_edit(priority_id: int) -> ResponseReturnValue:
    priority = scoped_or_404(Priority, priority_id, edit=True)
    return priority_form(priority.lcp, priority)


def priority_form(lcp: Lcp, priority: Priority | None) -> ResponseReturnValue:
    """Adding or changing a priority: one form, one template."""
    form = PriorityForm() if request.method == "POST" else PriorityForm(formdata=None, obj=priority)
    form.fill_choices()
    if request.method == "GET" and priority is not None:
        form.topics.data = [topic.slug for topic in priority.topics]
    if valid_submission(form):
        try:
            content.save_priority(
                acting(), lcp, priority, form.title.data or "", form.summary.data or "", form.topics.data or []
            )
        except CommandRefused as refusal:
            form.title.errors = [str(refusal)]
        else:
            flash(_("The priority “%(title)s” has been saved.", title=(form.title.data or "").strip()))
            return redirect(url_for("admin.lcp_priorities", slug=lcp.slug))
    return render_template("admin/lcp/priority_form.html", lcp=lcp, priority=priority, form=form)


@admin.route("/priorities/<int:priority_id>/delete", methods=["POST"])
@requires("edit")
def priority_delete(priority_id: int) -> ResponseReturnValue:
    priority = scoped_or_404(Priority, priority_id, edit=True)
    lcp, title = priority.lcp, priority.title
    content.delete_priority(acting(), priority)
    flash(_("The priority “%(title)s” has been deleted.", title=title))
    return redirect(url_for("admin.lcp_priorities", slug=lcp.slug))


# GP practices ---------------------------------------------------------------------------------------------------


def practices_page(lcp: Lcp, form: PracticeLinkForm) -> ResponseReturnValue:
    return render_template(
        "admin/lcp/practices.html",
        lcp=lcp,
        form=form,
        can_edit=me().can_edit,
        unconfirmed=lcp_content.unconfirmed_practices(),
    )


@admin.route("/lcps/<string:slug>/practices")
@requires("view")
def lcp_practices(slug: str) -> ResponseReturnValue:
    """The practices linked, and those with no confirmed LCP; `?ods=` fills in the link form."""
    lcp = lcp_or_404(slug)
    form = PracticeLinkForm(formdata=None)
    form.ods.data = lcp_content.normalise_ods(request.args.get("ods", ""))[:20]
    return practices_page(lcp, form)


@admin.route("/lcps/<string:slug>/practices/link", methods=["POST"])
@requires("edit")
@keeps_input
def practice_link(slug: str) -> ResponseReturnValue:
    """Links a practice by its ODS code; one linked to another LCP moves only for a citywide admin."""
    lcp = lcp_or_404(slug, edit=True)
    form = PracticeLinkForm()
    # validate_ods has found the practice; it is looked up again to link it.
    if valid_submission(form) and (practice := lcp_content.practice_by_ods(form.ods.data or "")) is not None:
        try:
            content.link_practice(acting(), lcp, practice, form.source.data or "", form.note.data or "")
        except CommandRefused as refusal:
            form.ods.errors = [str(refusal)]
        else:
            flash(_("%(practice)s is now linked to %(lcp)s.", practice=practice.name, lcp=lcp.short_name))
            return redirect(url_for("admin.lcp_practices", slug=lcp.slug))
    return practices_page(lcp, form)


@admin.route("/lcps/<string:slug>/practices/<string:ods>/unlink", methods=["POST"])
@requires("edit")
def practice_unlink(slug: str, ods: str) -> ResponseReturnValue:
    """Only a practice linked to this LCP can be unlinked from it; any other answers 404."""
    lcp = lcp_or_404(slug, edit=True)
    practice = lcp_content.practice_by_ods(ods)
    if practice is None or practice.lcp_id != lcp.id:
        abort(404)
    content.unlink_practice(acting(), lcp, practice)
    flash(_("%(practice)s is no longer linked to %(lcp)s.", practice=practice.name, lcp=lcp.short_name))
    return redirect(url_for("admin.lcp_practices", slug=lcp.slug))
