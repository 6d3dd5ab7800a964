""" "Tell us which partnership your practice belongs to": a resident's suggestion for a citywide admin to accept or
reject, never shown as a fact. Only open practices with no confirmed partnership take one; any other answers 404.

Nobody signs in and nothing personal is asked: the suggestion keeps what was typed, the partnership it names when
the site can tell, and the language of the page. It changes nothing the public sees until an admin accepts it
(`app.commands.suggestions`).
"""

from __future__ import annotations

from flask import abort, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from app import languages
from app.commands import Actor, CommandRefused
from app.commands import suggestions as suggestion_commands
from app.engage import engage
from app.engage.share import keeps_input_on_limit
from app.engage.suggest_forms import SuggestForm
from app.extensions import db, limiter
from app.forms import csrf_failed, keeps_input, valid_submission
from app.models import GpPractice


def _open_unlinked(practice_id: int) -> GpPractice | None:
    practice = db.session.get(GpPractice, practice_id)
    if practice is None or not practice.is_open or practice.lcp_id is not None:
        return None
    return practice


def not_found() -> ResponseReturnValue:
    """The page-not-found answer, returned rather than raised: the view also runs inside the error handler that shows
    a form again after a failed CSRF check, where a raised 404 would not be handled."""
    return render_template("errors/404.html"), 404


@engage.route("/find/practices/<int:practice_id>/tell-us", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
@keeps_input
@keeps_input_on_limit
def practice_suggest(practice_id: int) -> ResponseReturnValue:
    practice = _open_unlinked(practice_id)
    if practice is None:
        return not_found()
    form = SuggestForm()
    if getattr(g, "limit_hit", False):
        # The rate limit refused it: shown again with what was typed, and nothing kept.
        form.csrf_token.errors = [
            _(
                "You have sent several things in a short time, so we did not accept this one yet. "
                "What you wrote is below: wait a few minutes, then send it again."
            )
        ]
        return render_template("engage/practice_suggest.html", form=form, practice=practice), 429
    if valid_submission(form):
        try:
            # Without the person's network address: nothing here keeps it.
            suggestion_commands.suggest_partnership(
                Actor.resident(), practice, form.partnership.data or "", languages.current()
            )
        except CommandRefused as refusal:
            form.partnership.errors = [str(refusal)]
        else:
            return redirect(url_for("engage.practice_suggest_sent", practice_id=practice.id), 303)
    status = 400 if csrf_failed(form) else 200
    return render_template("engage/practice_suggest.html", form=form, practice=practice), status


@engage.get("/find/practices/<int:practice_id>/tell-us/thank-you")
def practice_suggest_sent(practice_id: int) -> ResponseReturnValue:
    """What happens next. The practice may have been linked meanwhile, so only an unknown one answers 404."""
    practice = db.session.get(GpPractice, practice_id)
    if practice is None:
        abort(404)
    return render_template("engage/practice_suggest_sent.html", practice=practice)
