"""Errors on the API's paths as RFC 9457 problem details (`application/problem+json`), never an HTML page."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, request
from flask_babel import gettext as _

from app.links import absolute_url_for

PREFIX = "/api/v1/"
MEDIA_TYPE = "application/problem+json"


def on_api_path() -> bool:
    return request.path == PREFIX.rstrip("/") or request.path.startswith(PREFIX)


def titles() -> dict[int, str]:
    return {
        400: _("Bad request parameters"),
        404: _("Not found"),
        405: _("Method not allowed"),
        429: _("Too many requests"),
        500: _("Something went wrong"),
        503: _("Service unavailable"),
    }


def details() -> dict[int, str]:
    return {
        400: _("One or more parameters are not right: each is listed in errors."),
        404: _("Nothing has this address. Check the id, or find it in the list it belongs to."),
        405: _("This API only answers GET, HEAD and OPTIONS requests."),
        429: _("Too many requests from this address. Wait until the time RateLimit-Reset gives, then try again."),
        500: _("The site could not answer this request. Try again later."),
        503: _("The database cannot be reached just now. Try again in a short while."),
    }


def problem(status: int, detail: str | None = None, errors: list[dict[str, str]] | None = None) -> Response:
    body: dict[str, Any] = {
        "type": absolute_url_for("api.reference", lang=None, _anchor=f"error-{status}"),
        "title": titles().get(status, _("Error")),
        "status": status,
        "detail": detail or details().get(status, ""),
        "errors": errors or [],
    }
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=MEDIA_TYPE)
    response.headers["Cache-Control"] = "no-store"
    return response
