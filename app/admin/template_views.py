"""Reply templates: the replies a partnership's staff start from on an item page, and their versions in other
languages.

Staff list, add, change and delete their partnerships' templates, and use the citywide ones (no partnership), which
only citywide admins change. Another partnership's template answers 404, as for one that does not exist; a citywide
one answers 403 to staff who try to change it. Each change is a command of `app.commands.replies`, which audits and
commits it; a refusal is shown beside the form, with what was typed kept.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from app import languages
from app.admin import admin
from app.admin.access import acting, me, requires, visible_lcps
from app.admin.template_forms import ReplyTemplateForm, ReplyTemplateTranslationForm
from app.commands import CommandRefused, replies
from app.extensions import db
from app.forms import keeps_input, valid_submission
from app.models import ReplyTemplate
from app.services import reply_templates, translations


def template_or_404(template_id: int, manage: bool = True) -> ReplyTemplate:
    """A template the person may use (and, with `manage`, change): 404 for another partnership's, as for none; 403
    for a citywide one to anyone but a citywide admin."""
    template = db.session.get(ReplyTemplate, template_id)
    if template is None or not reply_templates.may_use(me(), template):
        abort(404)
    if manage and not reply_templates.may_manage(me(), template):
        abort(403)
    return template


def _language_or_404(language: str) -> str:
    if language not in translations.other_languages():
        abort(404)
    return language


def _choices(template: ReplyTemplate) -> list[translations.Choice]:
    done = {row.language for row in template.translations}
    return [
        translations.Choice(
            languages.NAMES.get(code, code),
            languages.html_lang(code),
            code in done,
            url_for("admin.reply_template_translation", template_id=template.id, language=code),
        )
        for code in translations.other_languages()
    ]


@admin.route("/reply-templates")
@requires("edit")
def reply_templates_list() -> ResponseReturnValue:
    user = me()
    return render_template(
        "admin/templates/list.html",
        templates=reply_templates.visible(user),
        may_manage=lambda template: reply_templates.may_manage(user, template),
        status_labels=reply_templates.STATUS_LABELS,
        language_names=languages.NAMES,
    )


@admin.route("/reply-templates/new", methods=["GET", "POST"])
@requires("edit")
@keeps_input
def reply_template_new() -> ResponseReturnValue:
    user = me()
    form = ReplyTemplateForm()
    lcps = visible_lcps()
    form.fill_choices(lcps, citywide=user.is_admin)
    if request.method == "GET" and len(lcps) == 1 and not user.is_admin:
        form.lcp.data = lcps[0].slug
    if valid_submission(form):
        try:
            template = replies.create_template(
                acting(), form.chosen_lcp, form.title.data or "", form.body.data or "", form.status.data or ""
            )
        except CommandRefused as refusal:
            form.title.errors = [*form.title.errors, str(refusal)]
        else:
            flash(_("The template “%(title)s” has been added.", title=template.title))
            return redirect(url_for("admin.reply_template_edit", template_id=template.id), 303)
    return render_template("admin/templates/form.html", form=form, template=None)


@admin.route("/reply-templates/<int:template_id>", methods=["GET", "POST"])
@requires("edit")
@keeps_input
def reply_template_edit(template_id: int) -> ResponseReturnValue:
    template = template_or_404(template_id)
    form = ReplyTemplateForm() if request.method == "POST" else ReplyTemplateForm(formdata=None, obj=template)
    # The partnership stays as it was made: the field is not shown, and checked as that one.
    del form.lcp
    form.field_order = ("csrf_token", "title", "body", "status")
    if valid_submission(form):
        try:
            changed = replies.update_template(
                acting(), template, form.title.data or "", form.body.data or "", form.status.data or ""
            )
        except CommandRefused as refusal:
            form.title.errors = [*form.title.errors, str(refusal)]
        else:
            if changed:
                flash(_("The template “%(title)s” has been saved.", title=template.title))
            return redirect(url_for("admin.reply_templates_list"), 303)
    return render_template(
        "admin/templates/form.html",
        form=form,
        template=template,
        translation_links=_choices(template),
        heading=_("In other languages"),
        can_edit=True,
    )


@admin.route("/reply-templates/<int:template_id>/delete", methods=["GET", "POST"])
@requires("edit")
def reply_template_delete(template_id: int) -> ResponseReturnValue:
    template = template_or_404(template_id)
    form = FlaskForm()
    if request.method == "POST" and form.validate():
        title = template.title
        replies.delete_template(acting(), template)
        flash(_("The template “%(title)s” has been deleted.", title=title))
        return redirect(url_for("admin.reply_templates_list"), 303)
    return render_template("admin/templates/delete.html", template=template)


@admin.route("/reply-templates/<int:template_id>/translations/<string:language>", methods=["GET", "POST"])
@requires("edit")
@keeps_input
def reply_template_translation(template_id: int, language: str) -> ResponseReturnValue:
    template = template_or_404(template_id)
    language = _language_or_404(language)
    row = reply_templates.translation(template, language)
    back = url_for("admin.reply_template_edit", template_id=template.id)
    name = languages.NAMES[language]
    if request.method == "POST" and request.form.get("action") == "remove":
        if FlaskForm().validate() and replies.remove_template_translation(acting(), template, language):
            flash(_("The %(language)s version has been removed.", language=name))
        return redirect(back, 303)
    form = ReplyTemplateTranslationForm() if request.method == "POST" else ReplyTemplateTranslationForm(formdata=None)
    if request.method == "GET" and row is not None:
        form.body.data = row.body
    elif valid_submission(form):
        try:
            replies.save_template_translation(acting(), template, language, form.body.data or "")
        except CommandRefused as refusal:
            form.body.errors = [*form.body.errors, str(refusal)]
        else:
            flash(_("The %(language)s version has been saved.", language=name))
            return redirect(back, 303)
    return render_template(
        "admin/templates/translation.html",
        form=form,
        template=template,
        language=language,
        language_tag=languages.html_lang(language),
        language_name=name,
        exists=row is not None,
        back=back,
    )
