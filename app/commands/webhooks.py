"""Commands on signed webhooks: an organisation's endpoints (add, remove, resume, send a test event) and the worker
that delivers what is queued (`flask webhooks send`).

An organisation acts through the signed link to its preferences (`Actor.follower(follower.id)`), on its own
endpoints only; the command line and scheduled work may do anything here. Each change commits once with its audit
record ("webhook.added", "webhook.removed", "webhook.resumed", "webhook.test-sent"), which names the endpoint and
its address and events but never its secret. The building blocks, and how delivery, signing, retrying and pausing
work, are in `app.services.webhooks`.

The worker commits as the outbox's does, and for the same reason: each delivery is claimed (committed) before it
is sent, and its attempt recorded (committed) straight after, so a worker that dies never sends one twice except
when its claim runs out, and then with the same `webhook-id`. Giving up on a delivery, or pausing an endpoint,
emails the organisation in the transaction that records it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.commands import Actor, CommandRefused, NotFound, claim_next, require_trusted
from app.extensions import db
from app.models import Follower
from app.models.webhooks import WEBHOOK_EVENTS, WebhookDelivery, WebhookEndpoint
from app.services import audit, mail, webhooks

log = logging.getLogger(__name__)

FAILED_SUBJECT = _l("Your webhook endpoint is failing")


def _require_organisation(actor: Actor, follower: Follower) -> None:
    """Only the organisation a link names (or the command line): anyone else, and a resident, finds nothing here."""
    if not actor.trusted and (actor.kind != "follower" or actor.label != f"follower:{follower.id}"):
        raise NotFound()
    if follower.kind != "organisation" or not follower.confirmed:
        raise NotFound()


def _own(follower: Follower, endpoint: WebhookEndpoint) -> None:
    if endpoint.follower_id != follower.id:
        raise NotFound()


def _audit(actor: Actor, action: str, endpoint: WebhookEndpoint, summary: str, **values: object) -> None:
    audit.record(
        action,
        object_type="webhook_endpoint",
        object_id=endpoint.id,
        summary=summary,
        after={"url": endpoint.url, "events": endpoint.event_list, **values},
        **actor.audit,
    )


def max_endpoints() -> int:
    return int(current_app.config["WEBHOOKS_MAX_ENDPOINTS"])


@dataclass(frozen=True)
class Added:
    endpoint: WebhookEndpoint
    # Shown to the organisation once, on the page that answers the form; kept only with the endpoint.
    secret: str = field(repr=False)


def add_endpoint(actor: Actor, follower: Follower, url: str, events: list[str]) -> Added:
    """Add an endpoint for the organisation's chosen events. The address is checked as it will be at send time
    (only https; no private, loopback or other non-public address); refused with the reason otherwise."""
    _require_organisation(actor, follower)
    url = url.strip()
    chosen = [event for event in WEBHOOK_EVENTS if event in events]
    if not chosen:
        raise CommandRefused("Choose at least one event.")
    if len(url) > 500:
        raise CommandRefused("The address is longer than 500 characters.")
    existing = webhooks.endpoints_of(follower)
    if len(existing) >= max_endpoints():
        raise CommandRefused(f"An organisation may have {max_endpoints()} endpoints at most.")
    if any(endpoint.url == url for endpoint in existing):
        raise CommandRefused("There is already an endpoint at this address.")
    try:
        webhooks.check_url(url)
    except webhooks.Refused as refused:
        raise CommandRefused(f"This address cannot receive webhooks: {refused}.") from None
    secret = webhooks.new_secret()
    endpoint = WebhookEndpoint(follower_id=follower.id, url=url, secret=secret, events=" ".join(chosen))
    db.session.add(endpoint)
    db.session.flush()
    _audit(actor, "webhook.added", endpoint, f"Webhook endpoint {endpoint.id} added by follower {follower.id}")
    db.session.commit()
    return Added(endpoint, secret)


def remove_endpoint(actor: Actor, follower: Follower, endpoint: WebhookEndpoint) -> None:
    """Remove an endpoint, with what waits for it and its delivery log."""
    _require_organisation(actor, follower)
    _own(follower, endpoint)
    _audit(actor, "webhook.removed", endpoint, f"Webhook endpoint {endpoint.id} removed by follower {follower.id}")
    db.session.delete(endpoint)
    db.session.commit()


def resume_endpoint(actor: Actor, follower: Follower, endpoint: WebhookEndpoint) -> bool:
    """Turn a paused endpoint on again; False when it was not paused."""
    _require_organisation(actor, follower)
    _own(follower, endpoint)
    if endpoint.paused_at is None:
        return False
    webhooks.resume(endpoint)
    _audit(actor, webhooks.RESUMED, endpoint, f"Webhook endpoint {endpoint.id} resumed by follower {follower.id}")
    db.session.commit()
    return True


def send_test(actor: Actor, follower: Follower, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue the test event (`webhook.test`) for one endpoint; refused while it is paused."""
    _require_organisation(actor, follower)
    _own(follower, endpoint)
    if endpoint.paused_at is not None:
        raise CommandRefused("The endpoint is paused: resume it first.")
    delivery = webhooks.enqueue_test(endpoint)
    db.session.flush()
    _audit(
        actor,
        "webhook.test-sent",
        endpoint,
        f"Test event queued for webhook endpoint {endpoint.id}",
        message_id=delivery.message_id,
    )
    db.session.commit()
    return delivery


# The worker ---------------------------------------------------------------------------------------------------------


@dataclass
class WebhookRun:
    """What one run of the worker did."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    paused: int = 0
    purged: int = 0


def _claim_next(skip: list[int]) -> int | None:
    return claim_next(webhooks.next_due, webhooks.claim, skip, webhooks.CLAIM_RACES)


def _tell(endpoint: WebhookEndpoint, delivery: WebhookDelivery, recorded: webhooks.Recorded) -> None:
    follower = endpoint.follower
    mail.send_to_follower(
        follower,
        "webhook-failed",
        subject=FAILED_SUBJECT,
        endpoint_url=endpoint.url,
        event_type=delivery.event_type,
        message_id=delivery.message_id,
        attempts=delivery.attempts,
        last_error=delivery.last_error,
        gave_up=recorded.result == "failed",
        paused=recorded.paused,
    )


def deliver_due(actor: Actor, limit: int = 100) -> WebhookRun:
    """Send up to `limit` due deliveries, each tried at most once this run; returns what happened."""
    require_trusted(actor)
    webhooks.release_stale_claims()
    db.session.commit()
    run = WebhookRun()
    tried: list[int] = []
    while len(tried) < limit:
        delivery_id = _claim_next(tried)
        if delivery_id is None:
            break
        tried.append(delivery_id)
        delivery = db.session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            continue
        url, secret = delivery.endpoint.url, delivery.endpoint.secret
        message_id, body = delivery.message_id, delivery.payload
        # No transaction stays open while the network is waited on.
        db.session.commit()
        outcome = webhooks.post(url, body, webhooks.signed_headers(secret, message_id, body))
        delivery = db.session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            # Removed (with its endpoint or organisation) while it was being sent.
            db.session.rollback()
            continue
        recorded = webhooks.record_attempt(delivery, outcome)
        if recorded.result == "failed" or recorded.paused:
            _tell(delivery.endpoint, delivery, recorded)
        db.session.commit()
        if recorded.result == "delivered":
            run.delivered += 1
        elif recorded.result == "failed":
            run.failed += 1
        else:
            run.retrying += 1
        run.paused += recorded.paused
    return run


def webhooks_round(actor: Actor, now: datetime | None = None) -> WebhookRun:
    """One round of `flask webhooks send`: forget attempts and finished deliveries older than
    WEBHOOKS_RETENTION_DAYS, then deliver what is due."""
    require_trusted(actor)
    purged = webhooks.purge_old(now)
    db.session.commit()
    run = deliver_due(actor)
    run.purged = purged
    return run
