"""Preparing a person's words for quoting: the redaction step, at /admin/submissions/<id>/quote.

Reached from the item page's "Quoting their words" section (and its reply forms) when the person agreed to be
quoted. The page shows their words as written (staff only), with each personal detail found marked; a checkbox for
each detail, all ticked at first; and a box for other words to remove (names, streets). "Preview" shows the words
as the public would read them, everything typed kept (a plain POST: no script needed); "Save the prepared words"
stores them through `app.commands.quotes.prepare_quote` and goes back to the item page's `#quote` section with a
banner. A typed word that is not in their words is refused beside the box, as is saving or previewing it, and what
was typed stays.

Only people who may change the work of one of the item's partnerships reach it (`requires("edit")`; another
partnership's item answers 404, as one that does not exist). The address keeps the inbox view the item page was
opened from, so the way back keeps it too.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from app.admin import admin
from app.admin.access import acting, requires
from app.admin.quote_forms import QuoteForm
from app.admin.submission_views import page_args, submission_or_404
from app.commands import quotes
from app.forms import keeps_input, valid_submission
from app.models import Submission
from app.services import quoting, safety


def _unknown(words: list[str]) -> str:
    shown = ", ".join(f"“{word}”" for word in words)
    return ngettext(
        "%(words)s is not in their words: check the spelling",
        "%(words)s are not in their words: check the spelling",
        len(words),
        words=shown,
    )


def _render(
    submission: Submission, form: QuoteForm, details: list[safety.Detail], **context: Any
) -> ResponseReturnValue:
    args = page_args()
    return render_template(
        "admin/submission/quote.html",
        submission=submission,
        form=form,
        words=quoting.marked(submission.body, details),
        details_found=quoting.found_list(details),
        quote_paragraphs=quoting.paragraphs(submission.quote_text or ""),
        action=url_for("admin.submission_quote", submission_id=submission.id, **args),
        item_url=url_for("admin.submission", submission_id=submission.id, **args),
        **context,
    )


@admin.route("/submissions/<int:submission_id>/quote", methods=["GET", "POST"])
@requires("edit")
@keeps_input
def submission_quote(submission_id: int) -> ResponseReturnValue:
    found = submission_or_404(submission_id, edit=True)
    details = safety.personal_details(found.body)
    form = QuoteForm()
    form.fill_choices(details)
    if request.method == "GET":
        form.remove.data = [detail.key for detail in details]
    if not found.may_publish_words or not valid_submission(form):
        return _render(found, form, details)
    keys = list(form.remove.data or [])
    words = safety.words_to_remove(form.words.data or "")
    missing = quoting.unknown_words(found.body, words)
    if missing:
        form.words.errors = [*form.words.errors, _unknown(missing)]
        return _render(found, form, details)
    if request.form.get("action") != "save":
        spans = safety.removal_spans(found.body, keys, words)
        return _render(found, form, details, preview=quoting.redacted(found.body, spans))
    try:
        quotes.prepare_quote(acting(), found, keys, words)
    except quotes.UnknownWord as refusal:
        form.words.errors = [*form.words.errors, _unknown(refusal.words)]
        return _render(found, form, details)
    except quotes.NotAgreed:
        return _render(found, form, details)
    flash(_("Their words are prepared for quoting. A reply can now quote them."))
    return redirect(url_for("admin.submission", submission_id=found.id, _anchor="quote", **page_args()), 303)
