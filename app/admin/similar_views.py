"""Counting items together from the item page's "Similar items" (`admin/submission/_similar.html`).

"Same issue (count together)" posts the suggested item's number here; "Stop counting together" undoes it. Each is
one command (`app.commands.same_issue`), which checks that the person may change the item's work and can see the
original (another partnership's item answers 404, as one that does not exist), audits and commits. The item itself
is reached only through one of the person's partnerships, so another partnership's item answers 404 before its form
is read. "Mark this one as a duplicate of it" posts to the duplicate form of `submission_views` instead.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app.admin import admin
from app.admin.access import acting, me, requires
from app.admin.similar_forms import SameIssueForm
from app.commands import CommandRefused, same_issue
from app.models import Submission
from app.numbers import database_id
from app.services import casework, similar

# The command's refusals, in the words the staff area shows (the command line prints the command's own).
REFUSALS = {
    same_issue.SameItem: _l("Choose a different item to count it together with."),
    same_issue.AlreadyOriginal: _l("That item is already counted together with this one."),
    same_issue.NotCounted: _l("This item is not counted together with another."),
}


def _submission_or_404(submission_id: int) -> Submission:
    """An item of one of the person's partnerships (any, for admins) that they may change; 404 for any other."""
    found = casework.load_submission(submission_id)
    if found is None or not casework.sees_submission(found, me()):
        abort(404)
    if not me().can_edit:
        abort(403)
    return found


def _refused(found: Submission, refusal: CommandRefused) -> ResponseReturnValue:
    message = next((str(text) for kind, text in REFUSALS.items() if isinstance(refusal, kind)), str(refusal))
    return render_template("admin/submission/same_issue_refused.html", submission=found, message=message)


def _to_similar(found: Submission) -> ResponseReturnValue:
    return redirect(url_for("admin.submission", submission_id=found.id, _anchor="similar"), 303)


@admin.route("/submissions/<int:submission_id>/same-issue", methods=["POST"])
@requires("edit")
def submission_same_issue(submission_id: int) -> ResponseReturnValue:
    found = _submission_or_404(submission_id)
    form = SameIssueForm()
    original_id = database_id(form.original.data or "")
    original = casework.load_submission(original_id) if original_id is not None else None
    if not form.validate() or original is None:
        abort(404)
    try:
        counted = same_issue.count_together(acting(), found, original)
    except CommandRefused as refusal:
        return _refused(found, refusal)
    people = similar.raised_by([counted.original.id])[counted.original.id]
    if counted.changed:
        flash(
            ngettext(
                "Counted together with item %(item)s, which is now raised by %(num)d person.",
                "Counted together with item %(item)s, which is now raised by %(num)d people.",
                people,
                item=counted.original.id,
            )
        )
    else:
        flash(_("It was already counted together with item %(item)s.", item=counted.original.id))
    return _to_similar(found)


@admin.route("/submissions/<int:submission_id>/same-issue/stop", methods=["POST"])
@requires("edit")
def submission_same_issue_stop(submission_id: int) -> ResponseReturnValue:
    found = _submission_or_404(submission_id)
    try:
        original = same_issue.stop_counting(acting(), found)
    except CommandRefused as refusal:
        return _refused(found, refusal)
    flash(_("No longer counted together with item %(item)s.", item=original.id))
    return _to_similar(found)
