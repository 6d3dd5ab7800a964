"""The audit log: one row for each sign-in, failure, lockout, permission change, content change, export and deletion.

`record()` adds the row to the caller's transaction, so a change and its record are committed together
or not at all. Content changes keep the fields that changed, before and after (`snapshot` and
`record_change`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select

from app.extensions import db
from app.models import AuditEvent, StaffUser
from app.services.like import ESCAPE, containing


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return [_plain(item) for item in value]
    if hasattr(value, "slug"):
        return value.slug
    return value


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of a row as plain JSON values; lists of topics or LCPs become their slugs."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


def record(
    action: str,
    *,
    actor: StaffUser | None = None,
    actor_label: str = "",
    obj: Any = None,
    object_type: str = "",
    object_id: Any = "",
    lcp_id: int | None = None,
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    address: str = "",
) -> AuditEvent:
    """Add an audit record to the session, in the caller's transaction (a command's). The caller names the actor:
    a staff member (`actor`) or a label (`actor_label`, such as `cli:<login name>`), and the network address the
    change came from ("" from the command line and scheduled work)."""
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = object_id or getattr(obj, "id", "")
        if lcp_id is None:
            lcp_id = getattr(obj, "lcp_id", None)
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        actor_label=actor.email if actor else actor_label,
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        lcp_id=lcp_id,
        summary=summary[:2000],
        before=json.dumps(before, ensure_ascii=False, sort_keys=True) if before else "",
        after=json.dumps(after, ensure_ascii=False, sort_keys=True) if after else "",
        address=address,
    )
    db.session.add(event)
    return event


def record_change(action: str, obj: Any, before: dict[str, Any], fields: Iterable[str], **kwargs: Any) -> bool:
    """Records the fields of `obj` that differ from `before`; returns False (and records nothing) if none do."""
    old, new = changed(before, snapshot(obj, fields))
    if not new:
        return False
    record(action, obj=obj, before=old, after=new, **kwargs)
    return True


def search(
    text: str = "",
    action: str = "",
    before_id: int | None = None,
    limit: int = 50,
) -> list[AuditEvent]:
    """Newest first; `before_id` pages back (keyset), so a deep page costs what the first does."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if text:
        like = containing(text.strip())
        columns = (
            AuditEvent.actor_label,
            AuditEvent.summary,
            AuditEvent.object_type,
            AuditEvent.before,
            AuditEvent.after,
        )
        query = query.where(or_(*(column.ilike(like, escape=ESCAPE) for column in columns)))
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    if before_id:
        query = query.where(AuditEvent.id < before_id)
    return list(db.session.scalars(query))
