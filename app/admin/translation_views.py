"""Staff give a partnership's summary and each of its updates a version in another language.

One page per thing and language: the English beside the form, Save, and Remove when a translation exists.
The partnership comes from the address (`lcp_or_404`, `scoped_or_404`), the language must be one the site
offers, and every save and removal is one command of `app.commands.content`, which audits and commits it.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from app import languages
from app.admin import admin
from app.admin.access import acting, lcp_or_404, requires, scoped_or_404
from app.admin.activity_forms import SummaryTranslationForm, UpdateTranslationForm
from app.commands import content
from app.forms import keeps_input, valid_submission
from app.models import Update
from app.services import translations


def _language_or_404(language: str) -> str:
    if language not in translations.other_languages():
        abort(404)
    return language


@admin.route("/lcps/<string:slug>/summary/<string:language>", methods=["GET", "POST"])
@requires("edit")
@keeps_input
def summary_translation(slug: str, language: str) -> ResponseReturnValue:
    lcp = lcp_or_404(slug, edit=True)
    language = _language_or_404(language)
    row = translations.lcp_translation(lcp, language)
    if request.method == "POST" and request.form.get("action") == "remove":
        if row is not None and FlaskForm().validate() and content.remove_summary_translation(acting(), lcp, language):
            flash(_("The %(language)s summary has been removed.", language=languages.NAMES[language]))
        return redirect(url_for("admin.lcp_overview", slug=lcp.slug), 303)
    form = SummaryTranslationForm() if request.method == "POST" else SummaryTranslationForm(formdata=None)
    if request.method == "GET" and row is not None:
        form.summary.data = row.summary
    elif request.method == "POST" and valid_submission(form):
        content.save_summary_translation(acting(), lcp, language, (form.summary.data or "").strip())
        flash(_("The %(language)s summary has been saved.", language=languages.NAMES[language]))
        return redirect(url_for("admin.lcp_overview", slug=lcp.slug), 303)
    return render_template(
        "admin/translation_form.html",
        form=form,
        lcp=lcp,
        language=language,
        language_name=languages.NAMES[language],
        exists=row is not None,
        english=lcp.summary,
        back=url_for("admin.lcp_overview", slug=lcp.slug),
    )


@admin.route("/updates/<int:update_id>/translations/<string:language>", methods=["GET", "POST"])
@requires("edit")
@keeps_input
def update_translation(update_id: int, language: str) -> ResponseReturnValue:
    update = scoped_or_404(Update, update_id, edit=True)
    language = _language_or_404(language)
    row = translations.update_translation(update, language)
    back = url_for("admin.update_edit", update_id=update.id)
    if request.method == "POST" and request.form.get("action") == "remove":
        if row is not None and FlaskForm().validate() and content.remove_update_translation(acting(), update, language):
            flash(_("The %(language)s version has been removed.", language=languages.NAMES[language]))
        return redirect(back, 303)
    form = UpdateTranslationForm() if request.method == "POST" else UpdateTranslationForm(formdata=None)
    if request.method == "GET" and row is not None:
        form.title.data, form.body.data = row.title, row.body
    elif request.method == "POST" and valid_submission(form):
        content.save_update_translation(
            acting(), update, language, (form.title.data or "").strip(), (form.body.data or "").strip()
        )
        flash(_("The %(language)s version has been saved.", language=languages.NAMES[language]))
        return redirect(back, 303)
    return render_template(
        "admin/translation_form.html",
        form=form,
        lcp=update.lcp,
        update=update,
        language=language,
        language_name=languages.NAMES[language],
        exists=row is not None,
        english=update.body,
        back=back,
    )
