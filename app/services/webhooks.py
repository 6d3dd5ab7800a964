"""Signed webhooks: the building blocks of `app.commands.webhooks` (these never commit).

**Events.** `enqueue(event_type, lcp, data)` writes one `WebhookDelivery` for each endpoint that should hear of
it: the endpoint is not paused, chose the event, and belongs to a confirmed organisation that follows `lcp`. It adds
rows to the caller's session only, so a delivery exists exactly when the change that caused it is committed (a
rolled-back publish queues nothing), as email does through the outbox. The commands that publish a meeting or change
a published one, record a decision, publish an update or publish a reply call it. `data` is the same JSON as the
public API gives for the thing (`app.services.open_data`): `meeting_data`, `update_data`, `response_data` build it.
The body sent is `{"type": …, "timestamp": …, "data": {…}}`; the test event ("Send a test event" on the
preferences page) has the type `webhook.test` and goes to one endpoint whatever it chose.

**Signing** follows Standard Webhooks (https://www.standardwebhooks.com/): each delivery has a `message_id`
("msg_" and 24 random URL-safe characters, the same on every attempt) sent as `webhook-id`; `webhook-timestamp`
is the attempt's time in whole seconds since 1970; `webhook-signature` is `v1,` and the base64 of the HMAC-SHA256,
keyed with the base64-decoded part of the secret after `whsec_`, of `{webhook-id}.{webhook-timestamp}.{body}`.

**Delivery** (`flask webhooks send`) claims one due delivery at a time with one conditional UPDATE (queued →
sending), as the outbox does: on PostgreSQL the pick is `FOR UPDATE SKIP LOCKED`, and on every database only one
worker's UPDATE matches, so two workers never send the same delivery. A claim a dead worker left runs out after
`CLAIM_FOR`.

**Sending** (`post`) is guarded against server-side request forgery. The host is resolved at send time and every
address it resolves to must be public: private, loopback, link-local, multicast, reserved, unspecified, shared
(100.64/10) and other non-global addresses are refused, IPv4 and IPv6 alike, and an IPv4-mapped IPv6 address is
judged as the IPv4 address it carries. The connection is made to the address that was checked (never resolved
again), with the original name as the Host header and for TLS (SNI and the certificate check). Only https is
allowed; http, and loopback addresses, only when `WEBHOOKS_ALLOW_LOOPBACK` is on (the test configuration). A
redirect is never followed: it counts as a failed attempt. Each socket operation times out after
`WEBHOOKS_TIMEOUT` seconds, and the whole exchange after twice that; at most `WEBHOOKS_MAX_RESPONSE_BYTES` of the
answer are read. Any 2xx status is delivered.

**Retrying.** After a failed attempt the delivery waits `RETRY_WAITS` (1 minute, 5, 30, 2 hours, then 6 hours each
time); when the next try would fall more than `WEBHOOKS_GIVE_UP_HOURS` (24) after the event, it is given up on
(status failed) and the organisation is emailed (`email/webhook-failed`). An endpoint is paused after
`WEBHOOKS_PAUSE_AFTER_GIVEN_UP` (3) deliveries in a row given up on, or `WEBHOOKS_PAUSE_AFTER_FAILED_ATTEMPTS` (15)
failed attempts in a row, whichever comes first; a delivered one resets both counts. A paused endpoint is sent
nothing and queues nothing until the organisation resumes it on the preferences page; what waited for it is then
tried again (once more, for anything older than a day).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import CursorResult, Select, delete, func, select, update

from app.clock import as_utc, utcnow
from app.extensions import db
from app.models import AgendaItem, AuditEvent, Follower, Lcp, Meeting, PublishedResponse, Update
from app.models.people import FollowerLcp
from app.models.webhooks import WEBHOOK_EVENTS, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.services import open_data, work_queue

log = logging.getLogger(__name__)

TEST_EVENT = "webhook.test"
# How long a worker may hold a claimed delivery before another may try it.
CLAIM_FOR = timedelta(minutes=2)
# The wait after the 1st, 2nd, … failed attempt; the last repeats.
RETRY_WAITS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
# How often one pick may lose the race for a delivery to another worker before the run gives up (SQLite only).
CLAIM_RACES = 50
SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
USER_AGENT = "Leeds-LCP-Webhooks/1"
# The delivery log shows this many attempts.
LOG_SIZE = 50


# Secrets and signatures ---------------------------------------------------------------------------------------------


def new_secret() -> str:
    """A Standard Webhooks secret: "whsec_" and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def new_message_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def signing_key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """The `webhook-signature` header's value: `v1,` and the base64 HMAC-SHA256 of "{id}.{timestamp}.{body}"."""
    signed = f"{message_id}.{timestamp}.{body}".encode()
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signed_headers(secret: str, message_id: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
    }


# Where a webhook may go ---------------------------------------------------------------------------------------------


class Refused(Exception):
    """An address a webhook may not go to. `reason` is a code the preferences form words for people: scheme,
    credentials, host, port, unresolved, private; `str()` is the English detail for the delivery log."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str


def allow_loopback() -> bool:
    return bool(current_app.config.get("WEBHOOKS_ALLOW_LOOPBACK"))


def parse_url(url: str, loopback: bool | None = None) -> Target:
    """The parts of an endpoint's address, or `Refused` when it is not one a webhook may go to (before resolving)."""
    loopback = allow_loopback() if loopback is None else loopback
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise Refused("host", "not a valid web address") from None
    schemes = {"https", "http"} if loopback else {"https"}
    if parts.scheme.lower() not in schemes:
        raise Refused("scheme", "only https addresses are allowed")
    if parts.username is not None or parts.password is not None:
        raise Refused("credentials", "the address may not carry a user name or password")
    host = (parts.hostname or "").rstrip(".")
    if not host or any(character.isspace() for character in url.strip()):
        raise Refused("host", "the address has no host name")
    scheme = parts.scheme.lower()
    port = port or (443 if scheme == "https" else 80)
    if not 0 < port < 65536:
        raise Refused("port", "not a valid port")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme, host, port, path)


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (tests replace this to play a resolver)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def address_problem(address: str, loopback: bool | None = None) -> str:
    """Why a webhook may not go to this IP address ("" when it may)."""
    loopback = allow_loopback() if loopback is None else loopback
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "" if loopback else "a loopback address"
    for test, words in (
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_private, "a private address"),
        (ip.is_reserved, "a reserved address"),
    ):
        if test:
            return words
    if not ip.is_global:
        return "not a public address"
    return ""


def checked_address(target: Target, loopback: bool | None = None) -> str:
    """Resolve the host now and return the address to connect to; `Refused` if it does not resolve, or if any of
    its addresses is not public (a name that resolves to a private address among public ones is refused whole)."""
    try:
        addresses = resolve(target.host, target.port)
    except (OSError, UnicodeError) as error:
        raise Refused("unresolved", f"the host name {target.host} could not be resolved ({error})") from None
    if not addresses:
        raise Refused("unresolved", f"the host name {target.host} could not be resolved")
    for address in addresses:
        problem = address_problem(address, loopback)
        if problem:
            raise Refused("private", f"refused: {target.host} resolves to {address}, {problem}")
    return addresses[0]


def check_url(url: str) -> Target:
    """The whole check of an address as it stands now: its form, then where it resolves (`Refused` otherwise)."""
    target = parse_url(url)
    checked_address(target)
    return target


# Sending ------------------------------------------------------------------------------------------------------------


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address checked beforehand; the Host header keeps the name."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As `_PinnedHTTPConnection`, over TLS checked against the host name (SNI and the certificate)."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.address = address

    def connect(self) -> None:
        raw = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(raw, server_hostname=self.host)


@dataclass(frozen=True)
class Outcome:
    """One attempt: the status code (None when there was no answer) and, when it failed, why."""

    status_code: int | None
    error: str
    duration_ms: int

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300 and not self.error


def _read_some(response: http.client.HTTPResponse, limit: int, deadline: float) -> int:
    """Read at most `limit` bytes of the answer (and never wait past `deadline`); how many were read."""
    read = 0
    while read < limit and time.monotonic() < deadline:
        chunk = response.read1(min(16 * 1024, limit - read))
        if not chunk:
            break
        read += len(chunk)
    return read


def post(url: str, body: str, headers: dict[str, str]) -> Outcome:
    """POST `body` as JSON to `url`, after checking where it resolves; never raises for a network failure."""
    config = current_app.config
    timeout = float(config["WEBHOOKS_TIMEOUT"])
    limit = int(config["WEBHOOKS_MAX_RESPONSE_BYTES"])
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        target = parse_url(url)
        address = checked_address(target)
    except Refused as refused:
        return Outcome(None, str(refused), took())
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target.host, target.port, address, timeout)
    data = body.encode()
    try:
        connection.request(
            "POST",
            target.path,
            body=data,
            headers={
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "Connection": "close",
                **headers,
            },
        )
        response = connection.getresponse()
        _read_some(response, limit, started + 2 * timeout)
        status = response.status
    except TimeoutError:
        return Outcome(None, f"no answer within {timeout:g} seconds", took())
    except ssl.SSLError as error:
        return Outcome(None, f"TLS failed: {error}", took())
    except (OSError, http.client.HTTPException) as error:
        return Outcome(None, f"{type(error).__name__}: {error}"[:500], took())
    finally:
        connection.close()
    if 300 <= status < 400:
        return Outcome(status, f"redirect (HTTP {status}) not followed", took())
    if not 200 <= status < 300:
        return Outcome(status, f"HTTP {status}", took())
    return Outcome(status, "", took())


# Queueing -----------------------------------------------------------------------------------------------------------


def body_for(event_type: str, data: dict[str, Any], when: datetime | None = None) -> str:
    moment = as_utc(when or utcnow())
    envelope = {"type": event_type, "timestamp": moment.isoformat().replace("+00:00", "Z"), "data": data}
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"), sort_keys=False)


def listening(event_type: str, lcp_id: int) -> list[WebhookEndpoint]:
    """The active endpoints of confirmed organisations following the partnership that chose this event."""
    query = (
        select(WebhookEndpoint)
        .join(Follower, Follower.id == WebhookEndpoint.follower_id)
        .join(FollowerLcp, FollowerLcp.follower_id == Follower.id)
        .where(
            FollowerLcp.lcp_id == lcp_id,
            Follower.kind == "organisation",
            Follower.confirmed_at.is_not(None),
            WebhookEndpoint.paused_at.is_(None),
        )
        .order_by(WebhookEndpoint.id)
    )
    return [endpoint for endpoint in db.session.scalars(query) if event_type in endpoint.event_list]


def _add_delivery(endpoint: WebhookEndpoint, event_type: str, body: str) -> WebhookDelivery:
    now = utcnow()
    delivery = WebhookDelivery(
        endpoint=endpoint,
        message_id=new_message_id(),
        event_type=event_type,
        payload=body,
        status="queued",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        last_error="",
    )
    db.session.add(delivery)
    return delivery


def enqueue(event_type: str, lcp: Lcp | None, data: dict[str, Any]) -> int:
    """Queue the event for every endpoint listening for it about `lcp`, in the caller's transaction; how many."""
    if event_type not in WEBHOOK_EVENTS:
        raise ValueError(f"unknown webhook event {event_type!r}")
    if lcp is None or lcp.id is None:
        return 0
    endpoints = listening(event_type, lcp.id)
    if not endpoints:
        return 0
    body = body_for(event_type, data)
    for endpoint in endpoints:
        _add_delivery(endpoint, event_type, body)
    return len(endpoints)


def enqueue_test(endpoint: WebhookEndpoint) -> WebhookDelivery:
    """The test event, for one endpoint, whatever events it chose."""
    data = {
        "message": "A test event from the Leeds Local Care Partnerships website. Your endpoint received it.",
        "endpoint": endpoint.url,
    }
    return _add_delivery(endpoint, TEST_EVENT, body_for(TEST_EVENT, data))


# What each event carries: the public API's JSON --------------------------------------------------------------------
#
# Each helper below is what a command calls: it sends nothing about example content or anything not public (the same
# rule as the API: `open_data.find_*`), and serialises nothing when no endpoint listens.


def _enqueue_built(event_type: str, lcp: Lcp, build: Callable[[], dict[str, Any] | None]) -> int:
    if lcp.id is None or not listening(event_type, lcp.id):
        return 0
    data = build()
    return 0 if data is None else enqueue(event_type, lcp, data)


def meeting_data(meeting: Meeting, change: str = "") -> dict[str, Any] | None:
    """A meeting as the API gives it, with its partnership (None when it is not public); `change` ("edited",
    "withdrawn") for meeting.changed. A withdrawn meeting is no longer public: only its id is sent."""
    data: dict[str, Any] = {"partnership": open_data.partnership(meeting.lcp)}
    if change:
        data["change"] = change
    if change == "withdrawn":
        if meeting.is_demo:
            return None
        data["meeting"] = {"id": meeting.id}
        return data
    public = open_data.find_meeting(meeting.id)
    if public is None:
        return None
    data["meeting"] = open_data.meeting(public)
    return data


def meeting_saved(meeting: Meeting, what: str) -> int:
    """After `save_meeting`: published → meeting.published; a published one edited, or withdrawn → meeting.changed."""
    if what == "published":
        return _enqueue_built("meeting.published", meeting.lcp, lambda: meeting_data(meeting))
    if what == "withdrawn" or (what == "edited" and meeting.published):
        return _enqueue_built("meeting.changed", meeting.lcp, lambda: meeting_data(meeting, what))
    return 0


def agenda_changed(meeting: Meeting) -> int:
    """A published meeting's agenda changed (an item added, changed, moved or taken off) → meeting.changed."""
    if not meeting.published:
        return 0
    return _enqueue_built("meeting.changed", meeting.lcp, lambda: meeting_data(meeting, "edited"))


def decision_recorded(item: AgendaItem) -> int:
    meeting = item.meeting

    def build() -> dict[str, Any] | None:
        data = meeting_data(meeting)
        if data is None:
            return None
        return {**data, "agenda_item_id": item.id, "decision": item.decision}

    return _enqueue_built("decision.recorded", meeting.lcp, build)


def update_saved(row: Update, what: str) -> int:
    if what != "published":
        return 0

    def build() -> dict[str, Any] | None:
        public = open_data.find_update(row.id)
        return (
            None
            if public is None
            else {"partnership": open_data.partnership(row.lcp), "update": open_data.update(public)}
        )

    return _enqueue_built("update.published", row.lcp, build)


def response_published(response: PublishedResponse) -> int:
    def build() -> dict[str, Any] | None:
        public = open_data.find_response(response.id)
        if public is None:
            return None
        return {"partnership": open_data.partnership(response.lcp), "response": open_data.response(public)}

    return _enqueue_built("response.published", response.lcp, build)


# Claiming -----------------------------------------------------------------------------------------------------------


def _due(skip: Collection[int] = ()) -> Select[int]:
    query = (
        select(WebhookDelivery.id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookDelivery.status == "queued",
            WebhookDelivery.next_attempt_at <= utcnow(),
            WebhookEndpoint.paused_at.is_(None),
        )
    )
    if skip:
        query = query.where(WebhookDelivery.id.not_in(skip))
    return query.order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)


def next_due(skip: Collection[int]) -> int | None:
    """The next due delivery not in `skip` (locked and skipped by other workers on PostgreSQL), or None."""
    return db.session.scalar(_due(skip).limit(1).with_for_update(skip_locked=True, of=WebhookDelivery))


def claim(delivery_id: int) -> bool:
    """Move a due delivery from queued to sending (`work_queue.claim`); False if another worker did."""
    return work_queue.claim(WebhookDelivery, delivery_id, CLAIM_FOR)


def release_stale_claims() -> int:
    return work_queue.release_stale_claims(WebhookDelivery)


# After an attempt ---------------------------------------------------------------------------------------------------


def retry_wait(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt."""
    return RETRY_WAITS[min(max(attempts, 1), len(RETRY_WAITS)) - 1]


def give_up_after() -> timedelta:
    return timedelta(hours=float(current_app.config["WEBHOOKS_GIVE_UP_HOURS"]))


RESUMED = "webhook.resumed"


def _failed_attempts_in_a_row(endpoint: WebhookEndpoint) -> int:
    """Failed attempts since the endpoint's last delivered one, counting only those since it was last resumed."""
    limit = int(current_app.config["WEBHOOKS_PAUSE_AFTER_FAILED_ATTEMPTS"])
    query = select(WebhookAttempt.status_code, WebhookAttempt.error).where(WebhookAttempt.endpoint_id == endpoint.id)
    resumed = db.session.scalar(
        select(func.max(AuditEvent.at)).where(
            AuditEvent.action == RESUMED,
            AuditEvent.object_type == "webhook_endpoint",
            AuditEvent.object_id == str(endpoint.id),
        )
    )
    if resumed is not None:
        query = query.where(WebhookAttempt.attempted_at > resumed)
    recent = db.session.execute(query.order_by(WebhookAttempt.id.desc()).limit(limit)).all()
    count = 0
    for status_code, error in recent:
        if status_code is not None and 200 <= status_code < 300 and not error:
            break
        count += 1
    return count


@dataclass(frozen=True)
class Recorded:
    """What an attempt did: "delivered", "retrying" or "failed" (given up), and whether it paused the endpoint."""

    result: str
    paused: bool = False


def record_attempt(delivery: WebhookDelivery, outcome: Outcome, now: datetime | None = None) -> Recorded:
    """Keep the attempt for the log and move the delivery on (in the caller's transaction)."""
    now = now or utcnow()
    endpoint = delivery.endpoint
    attempt = WebhookAttempt(
        delivery_id=delivery.id,
        endpoint_id=endpoint.id,
        attempted_at=now,
        status_code=outcome.status_code,
        error=outcome.error[:2000],
        duration_ms=outcome.duration_ms,
    )
    db.session.add(attempt)
    delivery.attempts += 1
    delivery.claimed_until = None
    if outcome.delivered:
        delivery.status = "delivered"
        delivery.delivered_at = now
        delivery.last_error = ""
        endpoint.failures_in_a_row = 0
        return Recorded("delivered")
    delivery.last_error = outcome.error or f"HTTP {outcome.status_code}"
    wait = retry_wait(delivery.attempts)
    gave_up = now + wait > delivery.created_at + give_up_after()
    if gave_up:
        delivery.status = "failed"
        endpoint.failures_in_a_row += 1
        log.warning(
            "Gave up on webhook %s (%s) to endpoint %s after %d attempts: %s",
            delivery.message_id,
            delivery.event_type,
            endpoint.id,
            delivery.attempts,
            delivery.last_error,
        )
    else:
        delivery.status = "queued"
        delivery.next_attempt_at = now + wait
    db.session.flush()
    paused = False
    if endpoint.paused_at is None and (
        endpoint.failures_in_a_row >= int(current_app.config["WEBHOOKS_PAUSE_AFTER_GIVEN_UP"])
        or _failed_attempts_in_a_row(endpoint) >= int(current_app.config["WEBHOOKS_PAUSE_AFTER_FAILED_ATTEMPTS"])
    ):
        endpoint.paused_at = now
        paused = True
        log.warning("Paused webhook endpoint %s after repeated failure", endpoint.id)
    return Recorded("failed" if gave_up else "retrying", paused)


def resume(endpoint: WebhookEndpoint) -> None:
    """Turn a paused endpoint on again (the command audits it as "webhook.resumed", which starts the count of failed
    attempts in a row again): what waited for it is due now."""
    endpoint.paused_at = None
    endpoint.failures_in_a_row = 0
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == "queued")
        .values(next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )


# Reading ------------------------------------------------------------------------------------------------------------


def endpoints_of(follower: Follower) -> list[WebhookEndpoint]:
    return list(
        db.session.scalars(
            select(WebhookEndpoint).where(WebhookEndpoint.follower_id == follower.id).order_by(WebhookEndpoint.id)
        )
    )


def endpoint_of(follower: Follower, endpoint_id: int) -> WebhookEndpoint | None:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.follower_id != follower.id:
        return None
    return endpoint


@dataclass(frozen=True)
class LogLine:
    attempted_at: datetime
    event_type: str
    status_code: int | None
    error: str


def delivery_log(endpoint: WebhookEndpoint, limit: int = LOG_SIZE) -> list[LogLine]:
    """The endpoint's latest attempts, newest first."""
    rows = db.session.execute(
        select(
            WebhookAttempt.attempted_at, WebhookDelivery.event_type, WebhookAttempt.status_code, WebhookAttempt.error
        )
        .join(WebhookDelivery, WebhookDelivery.id == WebhookAttempt.delivery_id)
        .where(WebhookAttempt.endpoint_id == endpoint.id)
        .order_by(WebhookAttempt.id.desc())
        .limit(limit)
    )
    return [LogLine(*row) for row in rows]


def waiting(endpoint: WebhookEndpoint) -> int:
    """Deliveries still to be sent (queued or being sent)."""
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status.in_(("queued", "sending")))
        )
        or 0
    )


def purge_old(now: datetime | None = None) -> int:
    """Delete attempts, and finished deliveries, older than WEBHOOKS_RETENTION_DAYS (in the caller's transaction)."""
    cutoff = (now or utcnow()) - timedelta(days=int(current_app.config["WEBHOOKS_RETENTION_DAYS"]))
    attempts = db.session.execute(
        delete(WebhookAttempt).where(WebhookAttempt.attempted_at < cutoff).execution_options(synchronize_session=False)
    )
    deliveries = db.session.execute(
        delete(WebhookDelivery)
        .where(WebhookDelivery.status.in_(("delivered", "failed")), WebhookDelivery.created_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    return cast("CursorResult[Any]", attempts).rowcount + cast("CursorResult[Any]", deliveries).rowcount
