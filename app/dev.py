"""Development only: the email outbox as a page, so mail is seen when no SMTP server is configured.

Registered only when `DEV_OUTBOX` is set, which production never does.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template

from app.extensions import db
from app.models import OutboxMessage
from app.services import outbox

dev = Blueprint("dev", __name__, url_prefix="/dev")

# An email's HTML is shown as sent, with its own styles, and may load nothing from anywhere.
EMAIL_PREVIEW_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"


@dev.get("/outbox")
def outbox_page() -> Response:
    response = current_app.make_response(
        render_template(
            "dev/outbox.html",
            messages=outbox.recent(),
            counts=outbox.counts(),
            smtp_configured=bool(current_app.config.get("SMTP_HOST")),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@dev.get("/outbox/<int:message_id>.html")
def email_html(message_id: int) -> Response:
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    response = Response(message.html_body, mimetype="text/html")
    response.headers["Content-Security-Policy"] = EMAIL_PREVIEW_POLICY
    response.headers["Cache-Control"] = "no-store"
    return response
