"""Urgent items on the staff side: marking an item "urgent: check today" or removing the mark (with a reason) from its
page, and the number of open urgent items in the staff header on every page.

The item page (`submission_views`) includes `admin/submission/_urgent.html` under its heading; this module gives
the staff templates what that partial and the header need (`urgent_context`): how the item was marked, its form
(as sent, after a refusal, or blank), whether the person may change the mark, and the header's count
(`inbox_counts.urgent_count`, kept with the inbox's counts). The form posts here; a change comes back to the item
page in the inbox view it was opened from, with a banner; a refusal shows the item page again with the error
summary and what was typed. The changes are commands (`app.commands.safeguarding`).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from app.admin import admin, submission_views
from app.admin.access import acting, me, requires, visible_lcps
from app.admin.urgent_forms import UrgentForm
from app.commands import CommandRefused
from app.commands import safeguarding as safeguarding_commands
from app.forms import valid_submission
from app.models import Submission
from app.numbers import database_id
from app.services import inbox_counts, item_page, triage


def _header_count() -> int:
    return inbox_counts.urgent_count(me())


def may_mark(submission: Submission) -> bool:
    """Whether the person may mark or unmark the item: they may change the work of one of its partnerships (an item
    with none yet: citywide admins), as the command checks."""
    user = me()
    if not user.can_edit:
        return False
    if not submission.routings:
        return user.is_admin
    return any(user.sees(routing.lcp_id) for routing in submission.routings)


def form_for(submission: Submission, error_form: Any = None) -> UrgentForm:
    """The urgent form as the person sent it, after a refusal; else a blank one for what can be done now."""
    if isinstance(error_form, UrgentForm):
        return error_form
    return UrgentForm.blank("remove" if submission.urgent else "add")


@admin.context_processor
def urgent_context() -> dict[str, Any]:
    return {
        "urgent_header_count": _header_count,
        "urgent_mark": item_page.urgent_mark,
        "urgent_form_for": form_for,
        "may_mark_urgent": may_mark,
    }


def _back(submission: Submission) -> BaseResponse:
    """Back to the item page, to its urgent part, in the inbox view it was opened from (the form's address
    carries it)."""
    filters = triage.read_filters(request.args, me(), visible_lcps())
    args: dict[str, Any] = {}
    routing = database_id(request.args.get("routing"))
    if routing is not None:
        args["routing"] = routing
    args.update(filters.query_args())
    return redirect(url_for("admin.submission", submission_id=submission.id, _anchor="urgent", **args), 303)


@admin.route("/submissions/<int:submission_id>/urgent", methods=["POST"])
@requires("edit")
def submission_urgent(submission_id: int) -> ResponseReturnValue:
    found = submission_views.submission_or_404(submission_id, edit=True)
    form = UrgentForm.sent()
    if form.chosen == "":
        abort(400)
    if valid_submission(form):
        try:
            if form.chosen == "add":
                safeguarding_commands.mark_urgent(acting(), found, form.reason.data or "")
            else:
                safeguarding_commands.clear_urgent(acting(), found, form.reason.data or "")
        except (safeguarding_commands.AlreadyUrgent, safeguarding_commands.NotUrgent) as already:
            # Someone else changed the mark first: it is already as the person wanted.
            flash(str(already))
            return _back(found)
        except CommandRefused as refusal:
            form.reason.errors = [str(refusal)]
        else:
            if form.chosen == "add":
                flash(_("Marked as urgent. Its safeguarding contacts have been emailed."))
            else:
                flash(_("The urgent mark is removed."))
            return _back(found)
    return submission_views._page(submission_views.submission_or_404(submission_id), urgent=form)
