"""A partnership in the staff area: the list, the overview, and changing its public facts, priorities and practices.

The LCP always comes from the address, checked by `lcp_or_404` or `scoped_or_404`, never from a
form field. The rules for what is saved live in `app.services.lcp_content`.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.admin import admin
from app.admin.access import lcp_or_404, me, requires, scoped_or_404, visible_lcps
from app.admin.lcp_forms import LcpPageForm, PracticeLinkForm, PriorityForm, ThemeAlertForm
from app.extensions import db
from app.formatting import render_markdown
from app.forms import keeps_input, valid_submission
from app.models import GpPractice, Lcp, LcpTranslation, Priority
from app.services import audit, lcp_content, translations
from app.services.coverage import coverage
from app.services.lcp_content import ContentProblem, MoveRefused

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
def lcp_overview(slug: str):
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
def lcp_page_edit(slug: str):
    """The page's facts in one form. "Preview" shows the summary as the public page will, and saves nothing."""
    lcp = lcp_or_404(slug, edit=True)
    form = LcpPageForm() if request.method == "POST" else LcpPageForm(formdata=None)
    preview = None
    if request.method == "GET":
        form.fill(lcp_content.page_facts(lcp))
    elif request.form.get("action") == "preview":
        preview = render_markdown(form.summary.data or "")
    elif valid_submission(form):
        lcp_content.save_page(lcp, form.changes())
        db.session.commit()
        flash(_("The page of %(lcp)s has been saved.", lcp=lcp.short_name))
        return redirect(url_for("admin.lcp_overview", slug=lcp.slug))
    return render_template("admin/lcp/page_edit.html", lcp=lcp, form=form, preview=preview)


@admin.route("/lcps/<string:slug>/theme-alerts", methods=["GET", "POST"])
@requires("edit")
@keeps_input
def lcp_theme_alerts(slug: str):
    """How many items on one topic, within how many days, make the team hear about it."""
    lcp = lcp_or_404(slug, edit=True)
    form = ThemeAlertForm() if request.method == "POST" else ThemeAlertForm(formdata=None)
    if request.method == "GET":
        form.fill(lcp)
    elif valid_submission(form):
        before = {"theme_alert_count": lcp.theme_alert_count, "theme_alert_days": lcp.theme_alert_days}
        after = form.values()
        lcp.theme_alert_count, lcp.theme_alert_days = after["theme_alert_count"], after["theme_alert_days"]
        old, new = audit.changed(before, after)
        if new:
            audit.record(
                "lcp.theme-alerts", obj=lcp, lcp_id=lcp.id, summary=f"{lcp.slug}: theme alerts", before=old, after=new
            )
        db.session.commit()
        flash(_("Theme alerts for %(lcp)s have been saved.", lcp=lcp.short_name))
        return redirect(url_for("admin.lcp_overview", slug=lcp.slug) + "#theme-alerts")
    return render_template("admin/lcp/theme_alerts.html", lcp=lcp, form=form)


# Priorities -----------------------------------------------------------------------------------------------------


@admin.route("/lcps/<string:slug>/priorities")
@requires("view")
def lcp_priorities(slug: str):
    lcp = lcp_or_404(slug)
    return render_template("admin/lcp/priorities.html", lcp=lcp, can_edit=me().can_edit)


@admin.route("/lcps/<string:slug>/priorities/new", methods=["GET", "POST"])
@requires("edit")
@keeps_input
def priority_new(slug: str):
    return priority_form(lcp_or_404(slug, edit=True), None)


@admin.route("/priorities/<int:priority_id>", methods=["GET", "POST"])
@requires("edit")
@keeps_input
def priority_edit(priority_id: int):
    priority = scoped_or_404(Priority, priority_id, edit=True)
    return priority_form(priority.lcp, priority)


def priority_form(lcp: Lcp, priority: Priority | None):
    """Adding or changing a priority: one form, one template."""
    form = PriorityForm() if request.method == "POST" else PriorityForm(formdata=None, obj=priority)
    form.fill_choices()
    if request.method == "GET" and priority is not None:
        form.topics.data = [topic.slug for topic in priority.topics]
    if valid_submission(form):
        try:
            lcp_content.save_priority(lcp, priority, form.title.data, form.summary.data or "", form.topics.data or [])
        except ContentProblem as problem:
            form.title.errors = [str(problem)]
        else:
            db.session.commit()
            flash(_("The priority “%(title)s” has been saved.", title=form.title.data.strip()))
            return redirect(url_for("admin.lcp_priorities", slug=lcp.slug))
    return render_template("admin/lcp/priority_form.html", lcp=lcp, priority=priority, form=form)


@admin.route("/priorities/<int:priority_id>/delete", methods=["POST"])
@requires("edit")
def priority_delete(priority_id: int):
    priority = scoped_or_404(Priority, priority_id, edit=True)
    lcp, title = priority.lcp, priority.title
    lcp_content.delete_priority(priority)
    db.session.commit()
    flash(_("The priority “%(title)s” has been deleted.", title=title))
    return redirect(url_for("admin.lcp_priorities", slug=lcp.slug))


# GP practices ---------------------------------------------------------------------------------------------------


def practices_page(lcp: Lcp, form: PracticeLinkForm):
    return render_template(
        "admin/lcp/practices.html",
        lcp=lcp,
        form=form,
        can_edit=me().can_edit,
        unconfirmed=lcp_content.unconfirmed_practices(),
    )


@admin.route("/lcps/<string:slug>/practices")
@requires("view")
def lcp_practices(slug: str):
    """The practices linked, and those with no confirmed LCP; `?ods=` fills in the link form."""
    lcp = lcp_or_404(slug)
    form = PracticeLinkForm(formdata=None)
    form.ods.data = lcp_content.normalise_ods(request.args.get("ods", ""))[:20]
    return practices_page(lcp, form)


@admin.route("/lcps/<string:slug>/practices/link", methods=["POST"])
@requires("edit")
@keeps_input
def practice_link(slug: str):
    """Links a practice by its ODS code; one linked to another LCP moves only for a citywide admin."""
    lcp = lcp_or_404(slug, edit=True)
    form = PracticeLinkForm()
    if valid_submission(form):
        practice = lcp_content.practice_by_ods(form.ods.data)
        try:
            lcp_content.link_practice(lcp, practice, form.source.data, form.note.data or "", me())
        except MoveRefused as refused:
            form.ods.errors = [str(refused)]
        else:
            db.session.commit()
            flash(_("%(practice)s is now linked to %(lcp)s.", practice=practice.name, lcp=lcp.short_name))
            return redirect(url_for("admin.lcp_practices", slug=lcp.slug))
    return practices_page(lcp, form)


@admin.route("/lcps/<string:slug>/practices/<string:ods>/unlink", methods=["POST"])
@requires("edit")
def practice_unlink(slug: str, ods: str):
    """Only a practice linked to this LCP can be unlinked from it; any other answers 404."""
    lcp = lcp_or_404(slug, edit=True)
    practice = lcp_content.practice_by_ods(ods)
    if practice is None or practice.lcp_id != lcp.id:
        abort(404)
    lcp_content.unlink_practice(lcp, practice, me())
    db.session.commit()
    flash(_("%(practice)s is no longer linked to %(lcp)s.", practice=practice.name, lcp=lcp.short_name))
    return redirect(url_for("admin.lcp_practices", slug=lcp.slug))
