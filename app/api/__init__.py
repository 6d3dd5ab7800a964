"""The public read-only JSON API, version 1, under /api/v1/: what the site publishes, for anyone to build on.

Every endpoint is a GET (HEAD and OPTIONS answered too), open to any origin (CORS, no credentials), rate limited as
the site's searches are, kept in the page cache (a strong ETag, 304 for a client that already has this version, a
new version the moment staff change what it shows), and described by the OpenAPI 3.1 document at
/api/v1/openapi.json, which spectree generates from the pydantic models in `schemas.py` and the views in `views.py`;
a readable reference made from the same document is at /api/v1/. Errors on these paths are problem details
(RFC 9457), never an HTML page (`problems.py`, and the error handlers in app/__init__.py).

The JSON is what app/services/open_data.py makes: the open data downloads and the webhooks carry the same.
"""

from __future__ import annotations

import time

from flask import Blueprint, Flask, Response, current_app
from spectree import SpecTree

from app.api import problems, schemas
from app.extensions import limiter

api = Blueprint("api", __name__, url_prefix="/api/v1")

# Requests an address may make to the API, as /find allows (the site's busiest public search).
DEFAULT_LIMIT = "300 per minute"


def rate_limit() -> str:
    return str(current_app.config.get("API_RATE_LIMIT") or DEFAULT_LIMIT)


limiter.limit(rate_limit)(api)

# Only the views this instance validates are in the document ("strict"); its own pages (Swagger UI and the like, which
# load scripts from other hosts) are never registered: the document is served by `views.openapi_json`.
spec = SpecTree(
    "flask",
    mode="strict",
    annotations=False,
    title="Leeds Local Care Partnerships open data API",
    version="1.0.0",
    validation_error_status=400,
    validation_error_model=schemas.Problem,
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda parent, child: child,
)

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "If-None-Match, If-Modified-Since, Accept, Accept-Language",
    "Access-Control-Expose-Headers": (
        "ETag, Link, Last-Modified, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, "
        "RateLimit-Policy, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
    ),
    "Access-Control-Max-Age": "86400",
}


def api_headers(response: Response) -> Response:
    """On every response under /api/v1/ (errors included): CORS, and the rate limit in the IETF draft's headers.

    Flask-Limiter adds its own `X-RateLimit-*` headers (Reset as a Unix time) after this; the `RateLimit-*` ones here
    follow draft-ietf-httpapi-ratelimit-headers: Reset is the seconds until the window ends."""
    if not problems.on_api_path():
        return response
    for name, value in CORS_HEADERS.items():
        response.headers[name] = value
    current = limiter.current_limit if limiter.enabled else None
    if current is not None:
        window = current.limit.get_expiry()
        response.headers["RateLimit-Limit"] = str(current.limit.amount)
        response.headers["RateLimit-Remaining"] = str(max(current.remaining, 0))
        response.headers["RateLimit-Reset"] = str(max(int(current.reset_at - time.time()), 0))
        response.headers["RateLimit-Policy"] = f"{current.limit.amount};w={window}"
    return response


def register(app: Flask) -> None:
    from app.api import reference, views  # noqa: F401 - the views register themselves on the blueprint

    app.register_blueprint(api)
    # The document is generated from this app's routes (spectree's backend reads `current_app`); its own UI routes
    # are not added, since `spec.register` is not called.
    spec.app = app
    app.after_request(api_headers)


__all__ = ["api", "register", "spec"]
