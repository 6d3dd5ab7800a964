"""Rows waiting for a worker: emails in the outbox (`OutboxMessage`) and webhook deliveries (`WebhookDelivery`).

Both are written in the transaction that caused them, with `status` "queued" and a `next_attempt_at`. A worker
takes one by moving it from queued to sending with one conditional UPDATE (`claim`), committed before it sends, so
two workers never take the same row: on PostgreSQL the row is first chosen with FOR UPDATE SKIP LOCKED, so a second
worker passes over it; SQLite ignores FOR UPDATE, and there only one worker's UPDATE matches. A claim lasts
`claim_for`; one a dead worker left goes back in the queue when it runs out (`release_stale_claims`). The worker
loop that claims and commits is `app.commands.claim_next`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, update

from app.clock import utcnow
from app.extensions import db
from app.models import OutboxMessage, WebhookDelivery

Queued = type[OutboxMessage] | type[WebhookDelivery]


def claim(model: Queued, row_id: int, claim_for: timedelta) -> bool:
    """Move one due row from queued to sending, in the caller's transaction (which commits it at once, before
    sending); False if another worker got there first."""
    now = utcnow()
    claimed = db.session.execute(
        update(model)
        .where(model.id == row_id, model.status == "queued", model.next_attempt_at <= now)
        .values(status="sending", claimed_until=now + claim_for)
        .execution_options(synchronize_session=False)
    )
    return cast("CursorResult[Any]", claimed).rowcount == 1


def release_stale_claims(model: Queued) -> int:
    """Rows a dead worker claimed go back in the queue once their claim runs out (in the caller's transaction)."""
    released = db.session.execute(
        update(model)
        .where(model.status == "sending", model.claimed_until < utcnow())
        .values(status="queued", claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    return cast("CursorResult[Any]", released).rowcount
