"""Coverage at a glance (`/admin/coverage`): every open GP practice with its partnership or "not confirmed", how each
link was confirmed, counts per partnership, and what residents suggested for practices with none.

Any signed-in staff member may read it: it holds no personal details (residents are asked for none). Only citywide
admins accept or reject a suggestion, through `app.commands.suggestions`, which checks, audits and commits; these
views read the form, call it, and say what happened. The suggestion's id travels in the form, not the address.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from app.admin import admin
from app.admin.access import acting, me, requires
from app.admin.coverage_forms import AcceptForm, CoverageFilterForm, SuggestionForm
from app.commands import CommandRefused
from app.commands import suggestions as suggestion_commands
from app.extensions import db
from app.forms import csrf_failed, keeps_input, valid_submission
from app.models import Lcp, PracticeSuggestion
from app.numbers import database_id
from app.services import practice_coverage


@dataclass
class Problem:
    """An error for the summary at the top of the page, and where it links to."""

    message: str
    anchor: str


def _lcps() -> list[Lcp]:
    return list(db.session.scalars(select(Lcp).order_by(Lcp.name)))


def _field_id(suggestion_id: int) -> str:
    return f"suggestion-{suggestion_id}-lcp"


def coverage_page(
    failed: AcceptForm | None = None,
    failed_id: int | None = None,
    problems: list[Problem] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    """The page; after a refused answer, with its errors at the top and the failed form as it was sent."""
    lcps = _lcps()
    filter_form = CoverageFilterForm(formdata=None)
    filter_form.fill_choices(lcps)
    filters = practice_coverage.read_filters(
        request.args.get("lcp"), request.args.get("unconfirmed"), request.args.get("how")
    )
    filter_form.lcp.data, filter_form.unconfirmed.data, filter_form.how.data = (
        filters.lcp,
        filters.unconfirmed,
        filters.how,
    )
    report = practice_coverage.report(filters)
    answers = []
    for suggestion in report.suggestions:
        if failed is not None and suggestion.id == failed_id:
            form = failed
        else:
            form = AcceptForm(formdata=None)
            form.fill_choices(lcps)
            form.lcp.data = suggestion.lcp.slug if suggestion.lcp else ""
        form.lcp.id = _field_id(suggestion.id)
        answers.append((suggestion, form))
    return render_template(
        "admin/coverage/page.html",
        report=report,
        filter_form=filter_form,
        answers=answers,
        problems=problems or [],
        can_decide=me().is_admin,
    ), status


@admin.route("/coverage")
@requires("view")
def coverage() -> ResponseReturnValue:
    return coverage_page()


def _suggestion(value: str | None) -> PracticeSuggestion | None:
    ident = database_id(value)
    return db.session.get(PracticeSuggestion, ident) if ident is not None else None


def not_found() -> ResponseReturnValue:
    """Returned rather than raised: these views also run inside the handler of a failed CSRF check (`keeps_input`),
    where a raised 404 would not be handled."""
    return render_template("errors/404.html"), 404


def _refused(suggestion: PracticeSuggestion, message: str) -> list[Problem]:
    """Where an error is shown: beside the partnership box for a suggestion still open, else at the list's head."""
    anchor = _field_id(suggestion.id) if suggestion.status == "new" else "suggestions"
    return [Problem(message, anchor)]


@admin.post("/coverage/suggestions/accept")
@requires("admin")
@keeps_input
def suggestion_accept() -> ResponseReturnValue:
    """Links the practice to the partnership chosen (the one the resident named, unless the admin changed it)."""
    form = AcceptForm()
    form.fill_choices(_lcps())
    suggestion = _suggestion(form.suggestion.data)
    if suggestion is None:
        return not_found()
    problems: list[Problem] = []
    if valid_submission(form):
        lcp = db.session.scalar(select(Lcp).where(Lcp.slug == (form.lcp.data or ""))) if form.lcp.data else None
        practice = suggestion.practice
        try:
            suggestion_commands.accept_suggestion(acting(), suggestion, lcp)
        except CommandRefused as refusal:
            form.lcp.errors = [str(refusal)]
            problems = _refused(suggestion, str(refusal))
        else:
            assert lcp is not None  # the command refuses without one
            flash(_("%(practice)s is now linked to %(lcp)s.", practice=practice.name, lcp=lcp.short_name))
            return redirect(url_for("admin.coverage", _anchor="suggestions"))
    elif csrf_failed(form):
        problems = [Problem(str(form.csrf_token.errors[0]), _field_id(suggestion.id))]
    return coverage_page(form, suggestion.id, problems, 400 if csrf_failed(form) else 200)


@admin.post("/coverage/suggestions/reject")
@requires("admin")
@keeps_input
def suggestion_reject() -> ResponseReturnValue:
    """The suggestion is set aside; the practice stays as it is."""
    form = SuggestionForm()
    suggestion = _suggestion(form.suggestion.data)
    if suggestion is None:
        return not_found()
    problems: list[Problem] = []
    if valid_submission(form):
        try:
            suggestion_commands.reject_suggestion(acting(), suggestion)
        except CommandRefused as refusal:
            problems = _refused(suggestion, str(refusal))
        else:
            flash(_("The suggestion for %(practice)s has been rejected.", practice=suggestion.practice.name))
            return redirect(url_for("admin.coverage", _anchor="suggestions"))
    elif csrf_failed(form):
        problems = [Problem(str(form.csrf_token.errors[0]), "suggestions")]
    return coverage_page(problems=problems, status=400 if csrf_failed(form) else 200)
