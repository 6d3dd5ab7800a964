"""The inbox's navigation: its views and the person's saved views, each with the exact number of items it holds.

Each count is one `COUNT` over `triage.filtered`, the same definition the inbox's pages use, so a count never
disagrees with the list it names. The counts are kept for `COUNT_SECONDS` in the app's cache
(`app.page_cache.cache`: each worker's memory, or Redis when `REDIS_URL` is set), under keys that name exactly whose
they are: the views everyone with the same partnerships shares ("admin" for a citywide admin, otherwise the
partnerships' ids), and the person's own ("mine" and their saved views, by id and query). Each key also carries the
day in Leeds (the overdue view moves on at midnight, "closed this week" on Monday) and a **generation**: a token
in the same cache that is replaced whenever a routing, a submission or a partnership is written (the session
events below), so a change shows in the counts at once rather than up to a minute later. Without Redis each
worker keeps its own generation, so another worker's change can take up to `COUNT_SECONDS` to show there.

The staff header shows the urgent view's count on every page (`urgent_count`), from the same kept counts when the
inbox worked them out, else from one count of its own.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import has_app_context
from sqlalchemy import event, func, select
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction
from werkzeug.datastructures import MultiDict

from app.clock import london_today
from app.extensions import db
from app.models import Lcp, Routing, SavedView, StaffUser
from app.page_cache import cache
from app.services import triage

log = logging.getLogger(__name__)

COUNT_SECONDS = 60
GENERATION_KEY = "inbox-counts:generation"
# The views that depend only on the partnerships, not on who is looking: shared by everyone with the same ones.
SHARED_VIEWS = ("urgent", "new", "unassigned", "overdue", "follow-ups", "closed-week")
# Writes to these tables can change a count.
WATCHED_TABLES = frozenset({"routing", "submission", "submission_topic", "lcp"})


@dataclass(frozen=True)
class ViewLink:
    """One entry of the inbox's navigation: a view of the inbox or a saved one, its address's query and count."""

    key: str
    label: str
    query: str
    count: int
    saved_id: int | None = None


def count(user: StaffUser, filters: triage.Filters) -> int:
    """How many routings the filters hold for this person: one COUNT query."""
    query = triage.filtered(user, filters).with_only_columns(func.count(Routing.id)).order_by(None)
    return int(db.session.scalar(query) or 0)


def saved_views(user: StaffUser) -> list[SavedView]:
    return list(db.session.scalars(select(SavedView).where(SavedView.staff_id == user.id).order_by(SavedView.name)))


def normal_query(filters: triage.Filters) -> str:
    """The query string of these filters as a saved view keeps it, and as the navigation compares it."""
    return urlencode(filters.query_args())


def saved_filters(view: SavedView, user: StaffUser, lcps: list[Lcp]) -> triage.Filters:
    return triage.read_filters(MultiDict(parse_qsl(view.query)), user, lcps)


# The generation ---------------------------------------------------------------------------------------------------


def generation() -> str:
    found = cache.get(GENERATION_KEY)
    if isinstance(found, str):
        return found
    return renew()


def renew() -> str:
    """A new generation: every count kept so far is never read again (and expires)."""
    token = uuid.uuid4().hex
    try:
        cache.set(GENERATION_KEY, token, timeout=0)
    except Exception:  # the cache away (Redis down) must never fail the write that touched it
        log.warning("The inbox counts' generation could not be renewed", exc_info=True)
    return token


def _touches_counts(objects: Iterable[Any]) -> bool:
    return any(getattr(obj, "__tablename__", None) in WATCHED_TABLES for obj in objects)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context: UOWTransaction) -> None:
    # Renewed at the flush (a request that reads the counts after it, in the same transaction, sees its change) and
    # again at the commit (a count worked out by another request between the two would have missed it).
    if has_app_context() and _touches_counts(chain(session.new, session.dirty, session.deleted)):
        session.info["inbox_counts_changed"] = True
        renew()


@event.listens_for(Session, "do_orm_execute")
def _bulk_write(state: ORMExecuteState) -> None:
    """An UPDATE or DELETE statement (not a change to loaded rows) on a watched table: renewed at the commit, once
    however many such statements the transaction sent (a flag left by a transaction rolled back only renews once
    more, which costs a count, never a wrong one)."""
    if state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in WATCHED_TABLES:
            state.session.info["inbox_counts_changed"] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop("inbox_counts_changed", False) and has_app_context():
        renew()


# The navigation ---------------------------------------------------------------------------------------------------


def _scope(user: StaffUser, lcps: list[Lcp]) -> str:
    return _scope_of(user, {lcp.id for lcp in lcps})


def _scope_of(user: StaffUser, lcp_ids: set[int]) -> str:
    return "admin" if user.is_admin else "lcps-" + "-".join(str(ident) for ident in sorted(lcp_ids))


def _shared_key(scope: str, day: str, current: str) -> str:
    return f"inbox-counts:{scope}:{day}:{current}"


def _kept(key: str, work_out: Any) -> dict[str, int]:
    found = cache.get(key)
    if isinstance(found, dict):
        return found
    counts: dict[str, int] = work_out()
    try:
        cache.set(key, counts, timeout=COUNT_SECONDS)
    except Exception:  # without the cache the counts are simply worked out each time
        log.warning("The inbox counts could not be kept", exc_info=True)
    return counts


def navigation(user: StaffUser, lcps: list[Lcp], saved: list[SavedView]) -> list[ViewLink]:
    """The inbox's views, then the person's saved views, each with its count (kept for `COUNT_SECONDS`)."""
    day = london_today().isoformat()
    current = generation()
    scope = _scope(user, lcps)
    targets = {lcp.id: lcp.response_target_days for lcp in lcps}

    def view_filters(view: str) -> triage.Filters:
        return triage.Filters(view=view, targets=targets)

    shared = _kept(
        _shared_key(scope, day, current),
        lambda: {view: count(user, view_filters(view)) for view in SHARED_VIEWS},
    )
    saved_key = ",".join(f"{view.id}={view.query}" for view in saved)
    own = _kept(
        f"inbox-counts:person-{user.id}:{scope}:{day}:{current}:{uuid.uuid5(uuid.NAMESPACE_URL, saved_key).hex}",
        lambda: {
            "mine": count(user, view_filters("mine")),
            **{f"saved-{view.id}": count(user, saved_filters(view, user, lcps)) for view in saved},
        },
    )
    counts = {**shared, **own}
    links = [
        ViewLink(view, str(label), urlencode({"view": view}), counts.get(view, 0))
        for view, label in triage.VIEWS.items()
    ]
    links += [
        ViewLink(f"saved-{view.id}", view.name, view.query, counts.get(f"saved-{view.id}", 0), view.id)
        for view in saved
    ]
    return links


def urgent_count(user: StaffUser) -> int:
    """How many open urgent routings the person's partnerships hold, for the staff header on every page: read from
    the inbox's own kept counts when a page of the inbox worked them out within the minute (no statement at all),
    else one COUNT of the urgent view alone, kept as they are."""
    day = london_today().isoformat()
    current = generation()
    scope = _scope_of(user, user.lcp_ids)
    shared = cache.get(_shared_key(scope, day, current))
    if isinstance(shared, dict) and "urgent" in shared:
        return int(shared["urgent"])
    kept = _kept(
        f"inbox-counts:urgent:{scope}:{day}:{current}",
        lambda: {"urgent": count(user, triage.Filters(view="urgent"))},
    )
    return int(kept.get("urgent", 0))
