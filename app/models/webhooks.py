"""Signed webhooks for organisations that follow partnerships: their endpoints, and each event's delivery to each.

An organisation (a confirmed `Follower` of kind "organisation") adds an HTTPS endpoint and chooses events
(`WEBHOOK_EVENTS`) for the partnerships it follows. When one of those happens, a `WebhookDelivery` is written in
the same transaction as the change that caused it, as email goes through the outbox; a worker claims it with one
conditional update, signs it (Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`, HMAC-SHA256
with the endpoint's secret), posts it, and on failure tries again with growing waits, giving up after a day.
Every attempt is kept (`WebhookAttempt`) for the delivery log on the preferences page. Deleting the follower deletes
all of it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import Model
from app.models.people import Follower

# The events an endpoint may choose, each about something in a partnership the organisation follows.
WEBHOOK_EVENTS = (
    "meeting.published",
    "meeting.changed",
    "decision.recorded",
    "update.published",
    "response.published",
)
DELIVERY_STATES = ("queued", "sending", "delivered", "failed")


class WebhookEndpoint(Model):
    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    follower_id: Mapped[int] = mapped_column(ForeignKey("follower.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    # "whsec_" and the base64 of 32 random bytes: shown to the organisation once, when the endpoint is added.
    secret: Mapped[str] = mapped_column(String(100))
    # Space-separated values from WEBHOOK_EVENTS.
    events: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set after repeated failure: nothing is sent until the organisation turns it on again.
    paused_at: Mapped[datetime | None]
    # Deliveries given up on in a row; reset by a delivered one.
    failures_in_a_row: Mapped[int] = mapped_column(default=0, server_default="0")

    follower: Mapped[Follower] = relationship()

    @property
    def event_list(self) -> list[str]:
        return [event for event in self.events.split() if event in WEBHOOK_EVENTS]


class WebhookDelivery(Model):
    """One event for one endpoint: the same `message_id` (the `webhook-id` header) on every attempt."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (UniqueConstraint("endpoint_id", "message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[str] = mapped_column(String(60))
    event_type: Mapped[str] = mapped_column(String(40))
    # The JSON body as sent: {"type": …, "timestamp": …, "data": {…the API's object…}}.
    payload: Mapped[str] = mapped_column(Text)
    # DELIVERY_STATES.
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    claimed_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")

    endpoint: Mapped[WebhookEndpoint] = relationship()


class WebhookAttempt(Model):
    """One try at a delivery, for the delivery log: when, the status code (None when no answer) and what failed."""

    __tablename__ = "webhook_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_delivery.id", ondelete="CASCADE"), index=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id", ondelete="CASCADE"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_code: Mapped[int | None]
    error: Mapped[str] = mapped_column(Text, default="")
    duration_ms: Mapped[int] = mapped_column(default=0)
