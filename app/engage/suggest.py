""" "Tell us which partnership your practice belongs to": a resident's suggestion for a citywide admin to accept or
reject, never shown as a fact. (Being built: the form, its command and the admin's coverage page.)"""

from __future__ import annotations

from flask import abort
from flask.typing import ResponseReturnValue

from app.engage import engage
from app.extensions import db
from app.models import GpPractice


@engage.route("/find/practices/<int:practice_id>/tell-us", methods=["GET", "POST"])
def practice_suggest(practice_id: int) -> ResponseReturnValue:
    practice = db.session.get(GpPractice, practice_id)
    if practice is None or not practice.is_open or practice.lcp_id is not None:
        abort(404)
    return practice.name
