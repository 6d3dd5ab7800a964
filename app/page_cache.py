"""Public pages kept ready-made: each is the same for everyone reading it in one language.

A view marked with `@page_cache.page("q", "practice")` is kept, rendered and compressed, under a key made of
its address (only the query arguments it names, plus `lang`), the reader's language, whether htmx asked for
a fragment, and the **content version**: a counter in the database (`ContentVersion`) that goes up in the
same transaction as any change to what public pages show. So a page is out of date the moment staff commit
a change, on every worker and host at once, and nothing has to find and delete old entries: they are
simply never asked for again and expire. Each worker reads the counter at most once a second (`RECHECK`),
so another worker's change shows within a second; its own at once. Entries also expire after
`PAGE_CACHE_SECONDS`, for what depends on the clock (the next meeting, the 90-day scorecard).

What is never kept: a page that read or wrote the session (a form with a CSRF token, a message for one
person), anything but a 200, and an address with query arguments the view does not name (they would only
fill the cache). The cache is Flask-Caching: in each worker's memory, or Redis through `REDIS_URL`, shared.

Every kept page carries a strong `ETag` (per encoding) and `Last-Modified`, so a browser or feed reader that
asks again gets `304 Not Modified`; and a Brotli and a gzip copy, so a hit costs no compression.
"""

from __future__ import annotations

import gzip
import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from itertools import chain
from typing import Any, cast

import brotli
from flask import Flask, Response, current_app, make_response, request
from flask.globals import request_ctx
from flask_caching import Cache
from sqlalchemy import Table, event, select, update
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction, scoped_session

from app.clock import utcnow
from app.extensions import db
from app.htmx import wants_fragment

cache = Cache()

# How often (seconds) a worker asks the database whether public content changed.
RECHECK = 1.0
# Headers a kept page keeps; the rest (cookies above all) belong to the request that made it.
KEPT_HEADERS = ("Content-Type", "Cache-Control", "X-Robots-Tag", "Content-Language", "Link")
ENCODINGS = ("br", "gzip")

# Changes to these tables never alter a public page as it is kept: people's own records, staff accounts and
# casework. (The scorecard's figures, from submissions, follow within PAGE_CACHE_SECONDS.)
PRIVATE_TABLES = frozenset(
    {
        "audit_event",
        "consent",
        "content_version",
        "digest_item",
        "digest_run",
        "follower",
        "follower_lcp",
        "outbox_message",
        "practice_suggestion",
        "recovery_code",
        "routing",
        "routing_note",
        "staff_session",
        "staff_user",
        "submission",
        "submission_contact",
        "submission_event",
        "theme_alert",
    }
)

_known: dict[str, Any] = {"version": None, "read_at": 0.0}


def setup(app: Flask) -> None:
    redis_url = app.config.get("REDIS_URL")
    app.config.setdefault("CACHE_TYPE", "RedisCache" if redis_url else "SimpleCache")
    app.config.setdefault("CACHE_REDIS_URL", redis_url)
    app.config.setdefault("CACHE_KEY_PREFIX", "lcp:")
    app.config.setdefault("CACHE_DEFAULT_TIMEOUT", app.config["PAGE_CACHE_SECONDS"])
    # In memory, at most this many pages per worker (about 100 kB each with both compressed copies).
    app.config.setdefault("CACHE_THRESHOLD", 400)
    cache.init_app(app)


# The content version ----------------------------------------------------------------------------------------------


def content_version() -> int:
    """The counter as this worker last read it, read again when it is more than RECHECK seconds old."""
    now = time.monotonic()
    if _known["version"] is None or now - _known["read_at"] > RECHECK:
        from app.models import ContentVersion

        _known["version"] = db.session.scalar(select(ContentVersion.value).where(ContentVersion.id == 1)) or 0
        _known["read_at"] = now
    return _known["version"]


def forget_version() -> None:
    _known["version"] = None


def public_change(session: Session | scoped_session[Any]) -> None:
    """Count this transaction's next flush as a change to public pages, although it changes only private tables:
    for a change to a private record that a public page reads (a person withdrawing their agreement to be quoted
    hides a published reply's quote)."""
    session.info["public_change"] = True


@event.listens_for(Session, "after_flush")
def _count_public_changes(session: Session, flush_context: UOWTransaction) -> None:
    """In the flush's own transaction, count a change to anything a public page shows (once per transaction)."""
    if session.info.get("content_changed"):
        return
    changed = chain(session.new, session.dirty, session.deleted)
    forced = session.info.pop("public_change", False)
    if not forced and not any(getattr(obj, "__tablename__", None) not in PRIVATE_TABLES for obj in changed):
        return
    from app.models import ContentVersion

    connection = session.connection()
    bumped = connection.execute(
        update(ContentVersion).where(ContentVersion.id == 1).values(value=ContentVersion.value + 1, changed_at=utcnow())
    )
    if bumped.rowcount == 0:
        connection.execute(cast(Table, ContentVersion.__table__).insert().values(id=1, value=1, changed_at=utcnow()))
    session.info["content_changed"] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop("public_change", None)
    if session.info.pop("content_changed", False):
        forget_version()


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    session.info.pop("content_changed", None)
    session.info.pop("public_change", None)


# Marking views ----------------------------------------------------------------------------------------------------


def page(*arguments: str) -> Callable:
    """Keep this view's pages; `arguments` are the query arguments that change what it shows.

    Put it under any rate limit (`@limiter.limit` above it), so that a kept page is still counted.
    """
    allowed = frozenset(arguments) | {"lang"}

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def kept(*args: Any, **kwargs: Any) -> Response:
            key = _key(allowed)
            if key is not None:
                found = cache.get(key)
                if found is not None:
                    return _response_from(found)
            response = make_response(view(*args, **kwargs))
            return response if key is None else _keep(key, response)

        return kept

    return decorate


def _key(allowed: frozenset[str]) -> str | None:
    """This request's key, or None when it may not be served from or kept in the cache."""
    if request.method not in ("GET", "HEAD") or not current_app.config.get("PAGE_CACHE_SECONDS"):
        return None
    if any(name not in allowed for name in request.args) or _changing():
        return None
    from app.languages import current

    query = sorted(request.args.items(multi=True))
    fragment = "f" if wants_fragment() else "p"
    # No host or scheme: pages carry only SITE_URL's (app/links.py), so a forged Host cannot add entries.
    return f"page:{content_version()}:{current()}:{fragment}:{request.path}?{query!r}"


# Serving and keeping ----------------------------------------------------------------------------------------------


def _changing() -> bool:
    """This request's own session holds changes not yet committed (as in a test): show the truth, keep nothing."""
    current = db.session
    return bool(current.info.get("content_changed") or current.new or current.dirty or current.deleted)


def _session_used() -> bool:
    """Whether the page read or wrote the session (a form's CSRF token, a message for one person). Asked of the
    context's own session object: the `session` proxy would mark it used by asking."""
    # `request_ctx` is a werkzeug LocalProxy, typed as the RequestContext it stands for.
    opened = getattr(request_ctx._get_current_object(), "_session", None)  # type: ignore[attr-defined]
    return bool(opened is None or opened.accessed)


def _keep(key: str, response: Response) -> Response:
    if response.status_code != 200 or response.direct_passthrough or response.is_streamed:
        return response
    if _session_used() or _changing():
        return response
    body = response.get_data()
    kept = {
        "body": body,
        "headers": [(name, response.headers[name]) for name in KEPT_HEADERS if name in response.headers],
        "vary": sorted(response.vary),
        "etag": hashlib.blake2b(body, digest_size=12).hexdigest(),
        "modified": datetime.now(UTC).replace(microsecond=0),
        "br": brotli.compress(body, quality=5),
        "gzip": gzip.compress(body, compresslevel=6),
    }
    cache.set(key, kept)
    return _conditional(response, kept, None)


def _response_from(kept: dict[str, Any]) -> Response:
    encoding = request.accept_encodings.best_match(ENCODINGS) if len(kept["body"]) >= 500 else None
    response = Response(kept[encoding] if encoding else kept["body"], headers=kept["headers"])
    for name in kept["vary"]:
        response.vary.add(name)
    return _conditional(response, kept, encoding)


def _conditional(response: Response, kept: dict[str, Any], encoding: str | None) -> Response:
    """Validators on a kept page; a request that already holds this version gets 304.

    A freshly rendered page gets the same validators and is then compressed by Flask-Compress, which adds
    the encoding to the ETag as `_response_from` does, so both ways give one ETag per encoding.
    """
    response.headers.setdefault("Cache-Control", "public, no-cache")
    response.last_modified = kept["modified"]
    if encoding:
        response.headers["Content-Encoding"] = encoding
        response.vary.add("Accept-Encoding")
        response.set_etag(f"{kept['etag']}:{encoding}")
    else:
        response.set_etag(kept["etag"])
    response.make_conditional(request)  # changes and returns the response itself
    return response
