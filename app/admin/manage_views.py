"""What citywide admins manage besides staff accounts (`staff_views.py`): topics, partnerships themselves, and the
audit log.

Each change is one command of `app.commands.content` (which checks that a citywide admin asks, audits and
commits it); these views read a form, call it, and say what happened.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from app.admin import admin
from app.admin.access import acting, lcp_or_404, requires
from app.admin.manage_forms import (
    AuditSearchForm,
    LcpMergeForm,
    LcpNewForm,
    LcpRenameForm,
    TopicForm,
)
from app.commands import CommandRefused, content
from app.extensions import db
from app.forms import keeps_input, options, valid_submission
from app.models import Lcp, Topic
from app.numbers import database_id
from app.services import audit as audit_log
from app.services import directory, staff_admin

AUDIT_PAGE = 50


# Topics ---------------------------------------------------------------------------------------------------------


@admin.route("/topics")
@requires("admin")
def topics():
    return render_template("admin/manage/topics.html", topics=directory.all_topics())


def _save_topic(form: TopicForm, topic: Topic | None) -> ResponseReturnValue | None:
    try:
        if topic is None:
            topic = content.add_topic(acting(), form.label.data or "", form.summary.data or "")
        else:
            content.edit_topic(acting(), topic, form.label.data or "", form.summary.data or "")
    except CommandRefused as refusal:
        form.label.errors = [str(refusal)]
        return None
    flash(_("The topic “%(label)s” has been saved.", label=topic.label))
    return redirect(url_for("admin.topics"))


@admin.route("/topics/new", methods=["GET", "POST"])
@requires("admin")
@keeps_input
def topic_new():
    form = TopicForm()
    if valid_submission(form) and (done := _save_topic(form, None)):
        return done
    return render_template("admin/manage/topic_form.html", form=form, topic=None)


@admin.route("/topics/<int:topic_id>", methods=["GET", "POST"])
@requires("admin")
@keeps_input
def topic_edit(topic_id: int) -> ResponseReturnValue:
    topic = db.session.get(Topic, topic_id) or abort(404)
    form = TopicForm(obj=topic)
    if valid_submission(form) and (done := _save_topic(form, topic)):
        return done
    return render_template("admin/manage/topic_form.html", form=form, topic=topic)


# Partnerships ---------------------------------------------------------------------------------------------------


@admin.route("/lcps/new", methods=["GET", "POST"])
@requires("admin")
@keeps_input
def lcp_new():
    form = LcpNewForm()
    if valid_submission(form):
        lcp = content.add_partnership(
            acting(), form.name.data or "", form.short_name.data or "", form.summary.data or ""
        )
        flash(_("%(name)s has been added. Add its areas and GP practices next.", name=lcp.name))
        return redirect(url_for("admin.lcp_overview", slug=lcp.slug))
    return render_template("admin/manage/lcp_new.html", form=form)


@admin.route("/lcps/<string:slug>/rename", methods=["GET", "POST"])
@requires("admin")
@keeps_input
def lcp_rename(slug: str) -> ResponseReturnValue:
    lcp = lcp_or_404(slug)
    form = LcpRenameForm(obj=lcp)
    if valid_submission(form):
        try:
            content.rename_partnership(
                acting(), lcp, form.name.data or "", form.short_name.data or "", form.slug.data or ""
            )
        except CommandRefused as refusal:
            form.slug.errors = [str(refusal)]
        else:
            flash(_("%(name)s has been renamed. Its old address still leads to it.", name=lcp.name))
            return redirect(url_for("admin.lcp_overview", slug=lcp.slug))
    return render_template("admin/manage/lcp_rename.html", form=form, lcp=lcp)


@admin.route("/lcps/<string:slug>/merge", methods=["GET", "POST"])
@requires("admin")
@keeps_input
def lcp_merge(slug: str) -> ResponseReturnValue:
    source = lcp_or_404(slug)
    form = LcpMergeForm()
    others = db.session.scalars(select(Lcp).where(Lcp.id != source.id).order_by(Lcp.name))
    form.target.choices = options([("", _("Choose a partnership")), *((lcp.slug, lcp.name) for lcp in others)])
    if valid_submission(form):
        target = lcp_or_404(form.target.data)
        name = source.name
        try:
            summary = content.merge_partnerships(acting(), source, target)
        except CommandRefused as refusal:
            form.target.errors = [str(refusal)]
            return render_template("admin/manage/lcp_merge.html", form=form, lcp=source)
        flash(_("%(source)s has been merged into %(target)s.", source=name, target=target.name))
        return render_template("admin/manage/lcp_merged.html", source_name=name, target=target, summary=summary)
    return render_template("admin/manage/lcp_merge.html", form=form, lcp=source)


# The audit log --------------------------------------------------------------------------------------------------


@admin.route("/audit")
@requires("admin")
def audit():
    form = AuditSearchForm(request.args)
    prefixes = staff_admin.action_prefixes()
    form.action.choices = options([("", _("All kinds")), *((prefix, prefix) for prefix in prefixes)])
    action = form.action.data if form.action.data in prefixes else ""
    text = (form.q.data or "").strip()[:200]
    events = audit_log.search(text, action, database_id(request.args.get("before")), limit=AUDIT_PAGE + 1)
    older = events[AUDIT_PAGE - 1].id if len(events) > AUDIT_PAGE else None
    staff_admin.load_lcps_of(events)
    return render_template(
        "admin/manage/audit.html",
        form=form,
        events=events[:AUDIT_PAGE],
        changes=staff_admin.changes,
        older_url=url_for("admin.audit", q=text or None, action=action or None, before=older) if older else None,
    )
