"""Signed webhooks for organisations: queued with the change that causes them, signed as Standard Webhooks publishes,
delivered once by however many workers, retried with growing waits, given up on after a day with an email, paused
after repeated failure, and never sent to a private address. A real HTTP receiver on 127.0.0.1 takes them (the test
configuration allows loopback and plain HTTP; production allows neither)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, func, select

from app.clock import utcnow
from app.commands import Actor, CommandRefused, NotFound
from app.commands import content as content_commands
from app.commands import meetings as meeting_commands
from app.commands import webhooks as webhook_commands
from app.extensions import db
from app.models import AuditEvent, Follower, Lcp, Meeting, OutboxMessage, Update
from app.models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.services import webhooks
from app.services.tokens import Purpose, make_token
from tests.conftest import Page

WORKER = Actor.system("webhooks")
ALL_EVENTS = ["meeting.published", "meeting.changed", "decision.recorded", "update.published", "response.published"]


# A real receiver ------------------------------------------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Answer:
    status: int = 204
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    # Seconds to wait before answering.
    delay: float = 0
    # Claim this many bytes of body, send `body`, then hold the connection open this long before closing.
    claimed_length: int | None = None
    hold: float = 0


class Receiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.plan: list[Answer] = []
        self.default = Answer()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                with receiver.lock:
                    receiver.received.append(Received(self.path, dict(self.headers.items()), body))
                    answer = receiver.plan.pop(0) if receiver.plan else receiver.default
                time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(answer.claimed_length or len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                    self.wfile.flush()
                    time.sleep(answer.hold)
                except OSError:
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    yield made
    made.close()


# Organisations and their endpoints --------------------------------------------------------------------------------


def lcp(slug: str = "hatch") -> Lcp:
    found = db.session.scalar(select(Lcp).where(Lcp.slug == slug))
    assert found is not None
    return found


def make_organisation(follows: tuple[str, ...] = ("hatch",), kind: str = "organisation") -> Follower:
    person = Follower(
        email=f"hooks-{uuid.uuid4().hex[:12]}@example.org",
        kind=kind,
        organisation_name="Test Community Group" if kind == "organisation" else "",
        frequency="weekly",
        confirmed_at=utcnow(),
    )
    person.lcps = [lcp(slug) for slug in follows]
    db.session.add(person)
    db.session.commit()
    return person


def add(person: Follower, url: str, events: list[str] | None = None) -> webhook_commands.Added:
    return webhook_commands.add_endpoint(Actor.follower(person.id), person, url, events or ALL_EVENTS)


def deliveries(endpoint: WebhookEndpoint) -> list[WebhookDelivery]:
    return list(
        db.session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id).order_by(WebhookDelivery.id)
        )
    )


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """Standard Webhooks verification, written from the specification, not from the site's code."""
    key = base64.b64decode(secret.split("_", 1)[1])
    content = headers["webhook-id"].encode() + b"." + headers["webhook-timestamp"].encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    offered = [part.split(",", 1) for part in headers["webhook-signature"].split()]
    return any(version == "v1" and hmac.compare_digest(value, expected) for version, value in offered)


def lower(headers: dict[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


# Signing and delivering ------------------------------------------------------------------------------------------


def test_a_test_event_arrives_signed_as_standard_webhooks_publishes(app: Flask, receiver: Receiver) -> None:
    with app.app_context():
        person = make_organisation()
        added = add(person, receiver.url())
        assert added.secret.startswith("whsec_") and len(base64.b64decode(added.secret[6:])) == 32
        delivery = webhook_commands.send_test(Actor.follower(person.id), person, added.endpoint)
        assert delivery.message_id.startswith("msg_")
        run = webhook_commands.deliver_due(WORKER)
        assert run.delivered >= 1
        [request] = receiver.received
        headers = lower(request.headers)
        assert verify(added.secret, headers, request.body)
        assert headers["webhook-id"] == delivery.message_id
        assert abs(int(headers["webhook-timestamp"]) - time.time()) < 30
        assert headers["content-type"] == "application/json"
        assert not verify(webhooks.new_secret(), headers, request.body)
        assert not verify(added.secret, headers, request.body + b" ")
        body = json.loads(request.body)
        assert body["type"] == "webhook.test" and body["timestamp"].endswith("Z")
        db.session.refresh(delivery)
        assert delivery.status == "delivered" and delivery.attempts == 1
        [attempt] = db.session.scalars(select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery.id))
        assert attempt.status_code == 204 and attempt.error == ""


def test_the_same_webhook_id_comes_again_on_a_retry(app: Flask, receiver: Receiver) -> None:
    with app.app_context():
        person = make_organisation()
        added = add(person, receiver.url())
        delivery = webhook_commands.send_test(Actor.follower(person.id), person, added.endpoint)
        receiver.plan = [Answer(status=503)]
        assert webhook_commands.deliver_due(WORKER).retrying == 1
        db.session.refresh(delivery)
        delivery.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert webhook_commands.deliver_due(WORKER).delivered == 1
        first, second = receiver.received
        assert lower(first.headers)["webhook-id"] == lower(second.headers)["webhook-id"] == delivery.message_id
        assert verify(added.secret, lower(second.headers), second.body)


# Queued with what causes them ------------------------------------------------------------------------------------


def meeting_values(title: str, starts_in: timedelta = timedelta(days=7)) -> dict[str, Any]:
    starts = (utcnow() + starts_in).replace(microsecond=0)
    return {
        "title": title,
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=2),
        "location": "Test Hall",
        "public_may_attend": True,
    }


def test_publishing_and_changing_a_meeting_queue_events_for_the_organisations_that_chose_them(
    app: Flask, receiver: Receiver
) -> None:
    with app.test_request_context():
        chose = make_organisation()
        wanted = add(chose, receiver.url("/wanted")).endpoint
        other_events = add(make_organisation(), receiver.url("/other"), ["update.published"]).endpoint
        other_lcp = add(make_organisation(("seacroft",)), receiver.url("/elsewhere")).endpoint
        resident = make_organisation(kind="resident")
        hatch = lcp()

        meeting = Meeting(lcp_id=hatch.id)
        assert content_commands.save_meeting(Actor.cli(), meeting, meeting_values("Webhook draft"), "save") == "created"
        assert deliveries(wanted) == []
        content_commands.save_meeting(Actor.cli(), meeting, {}, "publish")
        [published] = deliveries(wanted)
        body = json.loads(published.payload)
        assert body["type"] == "meeting.published"
        assert body["data"]["meeting"]["id"] == meeting.id and body["data"]["partnership"]["id"] == "hatch"
        assert body["data"]["meeting"]["title"] == "Webhook draft"

        content_commands.save_meeting(Actor.cli(), meeting, {"title": "Webhook meeting"}, "save")
        content_commands.add_agenda_item(Actor.cli(), meeting, {"title": "Item one", "description": ""})
        content_commands.save_meeting(Actor.cli(), meeting, {}, "withdraw")
        changes = [json.loads(row.payload) for row in deliveries(wanted)[1:]]
        assert [(row["type"], row["data"]["change"]) for row in changes] == [
            ("meeting.changed", "edited"),
            ("meeting.changed", "edited"),
            ("meeting.changed", "withdrawn"),
        ]
        assert changes[0]["data"]["meeting"]["title"] == "Webhook meeting"
        assert [item["title"] for item in changes[1]["data"]["meeting"]["agenda_items"]] == ["Item one"]
        assert changes[2]["data"]["meeting"] == {"id": meeting.id}
        # Nothing for an endpoint that chose other events, one following another partnership, or a resident.
        assert deliveries(other_events) == [] and deliveries(other_lcp) == []
        assert resident.kind == "resident"
        # Each message id is its own.
        ids = [row.message_id for row in deliveries(wanted)]
        assert len(set(ids)) == len(ids)


def test_an_update_and_a_decision_are_queued_and_drafts_are_not(app: Flask) -> None:
    with app.test_request_context():
        endpoint = add(make_organisation(), "http://127.0.0.1:9/hook").endpoint
        hatch = lcp()
        update = Update(lcp_id=hatch.id)
        content_commands.save_update(Actor.cli(), update, {"title": "Draft news", "body": "Words"}, "save")
        assert deliveries(endpoint) == []
        content_commands.save_update(Actor.cli(), update, {}, "publish")
        [news] = deliveries(endpoint)
        assert json.loads(news.payload)["data"]["update"]["id"] == update.id

        meeting = Meeting(lcp_id=hatch.id)
        values = meeting_values("Decided meeting", starts_in=-timedelta(days=1))
        content_commands.save_meeting(Actor.cli(), meeting, values, "publish")
        item = content_commands.add_agenda_item(Actor.cli(), meeting, {"title": "Benches", "description": ""})
        meeting_commands.record_decision(Actor.cli(), item, "We will add two benches.")
        decided = json.loads(deliveries(endpoint)[-1].payload)
        assert decided["type"] == "decision.recorded"
        assert (
            decided["data"]["agenda_item_id"] == item.id and decided["data"]["decision"] == "We will add two benches."
        )
        assert decided["data"]["meeting"]["agenda_items"][0]["decision"] == "We will add two benches."


def test_a_published_reply_is_queued_with_the_api_json(app: Flask) -> None:
    from app.commands import casework as casework_commands
    from app.commands import sharing as sharing_commands
    from app.services.sharing import ShareInput

    with app.test_request_context():
        endpoint = add(make_organisation(), "http://127.0.0.1:9/hook", ["response.published"]).endpoint
        submission = sharing_commands.share(
            Actor.resident(), ShareInput(body="The bus stop moved.", lcps=[lcp()])
        ).submission
        response = casework_commands.respond(
            Actor.cli(), submission.routings[0], "The bus stop moved.", "We asked the council.", then_status=""
        )
        [queued] = deliveries(endpoint)
        body = json.loads(queued.payload)
        assert body["type"] == "response.published"
        assert body["data"]["response"]["id"] == response.id
        assert body["data"]["response"]["we_did"] == "We asked the council."


def test_a_rolled_back_publish_queues_nothing(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    with app.test_request_context():
        endpoint = add(make_organisation(), "http://127.0.0.1:9/hook").endpoint
        meeting = Meeting(lcp_id=lcp().id)
        content_commands.save_meeting(Actor.cli(), meeting, meeting_values("Never published"), "save")

        def broken(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError("the database went away")

        monkeypatch.setattr("app.services.audit.record_change", broken)
        with pytest.raises(RuntimeError):
            content_commands.save_meeting(Actor.cli(), meeting, {}, "publish")
        db.session.rollback()
        assert deliveries(endpoint) == []
        assert db.session.get(Meeting, meeting.id).published is False


def test_a_paused_endpoint_queues_nothing(app: Flask) -> None:
    with app.test_request_context():
        endpoint = add(make_organisation(), "http://127.0.0.1:9/hook").endpoint
        endpoint.paused_at = utcnow()
        db.session.commit()
        content_commands.save_meeting(Actor.cli(), Meeting(lcp_id=lcp().id), meeting_values("Quiet"), "publish")
        assert deliveries(endpoint) == []


# Retrying, giving up, pausing ------------------------------------------------------------------------------------


def make_due(delivery: WebhookDelivery) -> None:
    delivery.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()


def test_failures_are_retried_with_growing_waits_then_given_up_after_a_day_with_an_email(
    app: Flask, receiver: Receiver
) -> None:
    receiver.default = Answer(status=500)
    with app.test_request_context():
        person = make_organisation()
        endpoint = add(person, receiver.url()).endpoint
        delivery = webhook_commands.send_test(Actor.follower(person.id), person, endpoint)
        waits = []
        for _attempt in range(7):
            before = utcnow()
            assert webhook_commands.deliver_due(WORKER).retrying == 1
            db.session.refresh(delivery)
            waits.append(round((delivery.next_attempt_at - before).total_seconds() / 60))
            make_due(delivery)
        assert waits == [1, 5, 30, 120, 360, 360, 360]
        assert delivery.status == "queued" and delivery.attempts == 7
        # A day after the event, the next failure is the last.
        delivery.created_at = utcnow() - timedelta(hours=23)
        make_due(delivery)
        run = webhook_commands.deliver_due(WORKER)
        assert run.failed == 1 and run.retrying == 0
        db.session.refresh(delivery)
        assert delivery.status == "failed" and delivery.last_error == "HTTP 500"
        db.session.refresh(endpoint)
        assert endpoint.failures_in_a_row == 1 and endpoint.paused_at is None
        [email] = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "webhook-failed", OutboxMessage.follower_id == person.id)
        )
        assert email.to_address == person.email
        assert receiver.url() in email.text_body and "HTTP 500" in email.text_body
        assert f"http://localhost/preferences/{make_token(person, Purpose.PREFERENCES)}"[:40] in email.text_body
        assert email.subject == "Your webhook endpoint is failing"
        # Given up on: never tried again.
        make_due(delivery)
        assert webhook_commands.deliver_due(WORKER).failed == 0
        assert len(receiver.received) == 8


def test_three_deliveries_given_up_in_a_row_pause_the_endpoint_until_it_is_resumed(
    app: Flask, receiver: Receiver
) -> None:
    receiver.default = Answer(status=404)
    with app.test_request_context():
        person = make_organisation()
        endpoint = add(person, receiver.url()).endpoint
        actor = Actor.follower(person.id)
        for _number in range(4):
            delivery = webhook_commands.send_test(actor, person, endpoint)
            delivery.created_at = utcnow() - timedelta(days=2)
        db.session.commit()
        run = webhook_commands.deliver_due(WORKER)
        assert run.failed == 3 and run.paused == 1
        db.session.refresh(endpoint)
        assert endpoint.paused_at is not None and endpoint.failures_in_a_row == 3
        assert len(receiver.received) == 3
        emails = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "webhook-failed", OutboxMessage.follower_id == person.id)
        ).all()
        assert len(emails) == 3 and "paused" in emails[-1].text_body
        # Paused: nothing is queued for it, nothing is sent, and no test event is allowed.
        content_commands.save_meeting(Actor.cli(), Meeting(lcp_id=lcp().id), meeting_values("While paused"), "publish")
        assert [row.event_type for row in deliveries(endpoint)] == ["webhook.test"] * 4
        with pytest.raises(CommandRefused):
            webhook_commands.send_test(actor, person, endpoint)
        assert webhook_commands.deliver_due(WORKER).failed == 0
        # Resumed: the one left is due again.
        receiver.default = Answer(status=200)
        assert webhook_commands.resume_endpoint(actor, person, endpoint) is True
        assert webhook_commands.deliver_due(WORKER).delivered == 1
        db.session.refresh(endpoint)
        assert endpoint.paused_at is None and endpoint.failures_in_a_row == 0


def test_many_failed_attempts_in_a_row_pause_the_endpoint(
    app: Flask, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "WEBHOOKS_PAUSE_AFTER_FAILED_ATTEMPTS", 4)
    receiver.default = Answer(status=500)
    with app.test_request_context():
        person = make_organisation()
        endpoint = add(person, receiver.url()).endpoint
        for _number in range(6):
            webhook_commands.send_test(Actor.follower(person.id), person, endpoint)
        run = webhook_commands.deliver_due(WORKER)
        assert run.retrying == 4 and run.paused == 1
        assert len(receiver.received) == 4
        db.session.refresh(endpoint)
        assert endpoint.paused_at is not None
        # Resuming starts the count again: one more failure does not pause it at once.
        webhook_commands.resume_endpoint(Actor.follower(person.id), person, endpoint)
        run = webhook_commands.deliver_due(WORKER, limit=1)
        db.session.refresh(endpoint)
        assert run.retrying == 1 and run.paused == 0 and endpoint.paused_at is None


# Exactly once, however many workers --------------------------------------------------------------------------------


@pytest.mark.no_rollback  # workers in threads, each with its own connection, see each other's commits
def test_each_event_is_delivered_exactly_once_by_two_workers_at_once(app: Flask, receiver: Receiver) -> None:
    with app.test_request_context():
        person = make_organisation()
        person_id = person.id
        endpoint = add(person, receiver.url()).endpoint
        ids = [webhook_commands.send_test(Actor.follower(person.id), person, endpoint).message_id for _ in range(12)]
    try:
        start = threading.Barrier(2)
        errors: list[BaseException] = []

        def worker() -> None:
            try:
                with app.app_context():
                    start.wait()
                    webhook_commands.deliver_due(WORKER)
            except Exception as error:  # noqa: BLE001 - reported below, whatever it is
                errors.append(error)

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        with app.app_context():
            webhook_commands.deliver_due(WORKER)
        received = [lower(request.headers)["webhook-id"] for request in receiver.received]
        assert sorted(received) == sorted(ids)
        with app.app_context():
            statuses = db.session.scalars(
                select(WebhookDelivery.status).join(WebhookEndpoint).where(WebhookEndpoint.follower_id == person_id)
            ).all()
            assert statuses == ["delivered"] * 12
    finally:
        with app.app_context():
            db.session.delete(db.session.get(Follower, person_id))
            # The audit records this test's organisation left, so a later one reusing its id finds none of them.
            db.session.execute(delete(AuditEvent).where(AuditEvent.actor_label == f"follower:{person_id}"))
            db.session.commit()


def test_a_claim_a_dead_worker_left_runs_out(app: Flask, receiver: Receiver) -> None:
    with app.app_context():
        person = make_organisation()
        endpoint = add(person, receiver.url()).endpoint
        delivery = webhook_commands.send_test(Actor.follower(person.id), person, endpoint)
        delivery.status = "sending"
        delivery.claimed_until = utcnow() + timedelta(minutes=1)
        db.session.commit()
        assert webhook_commands.deliver_due(WORKER).delivered == 0
        delivery.claimed_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert webhook_commands.deliver_due(WORKER).delivered == 1


# Server-side request forgery ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "127.0.0.1",
        "169.254.169.254",
        "0.0.0.0",
        "224.0.0.1",
        "100.64.0.1",
        "240.0.0.1",
        "::1",
        "::",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "ff02::1",
        "::ffff:10.0.0.1",
        "::ffff:127.0.0.1",
    ],
)
def test_private_and_special_addresses_are_refused(app: Flask, address: str) -> None:
    with app.app_context():
        assert webhooks.address_problem(address, loopback=False) != ""


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700:4700::1111", "::ffff:93.184.215.14"])
def test_public_addresses_are_allowed(app: Flask, address: str) -> None:
    with app.app_context():
        assert webhooks.address_problem(address, loopback=False) == ""


def test_loopback_and_http_only_with_the_test_flag(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    with app.app_context():
        assert webhooks.address_problem("127.0.0.1") == ""
        monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_LOOPBACK", False)
        with pytest.raises(webhooks.Refused) as refused:
            webhooks.check_url("http://127.0.0.1:8080/hook")
        assert refused.value.reason == "scheme"
        monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["127.0.0.1"])
        with pytest.raises(webhooks.Refused) as refused:
            webhooks.check_url("https://localhost/hook")
        assert refused.value.reason == "private"
        assert "loopback" in str(refused.value)


def test_production_never_allows_loopback() -> None:
    from app.config import Config, ProductionConfig

    assert Config.WEBHOOKS_ALLOW_LOOPBACK is False and ProductionConfig.WEBHOOKS_ALLOW_LOOPBACK is False


@pytest.mark.parametrize(
    "url",
    ["ftp://example.org/hook", "https://user:pass@example.org/hook", "https:///hook", "https://exa mple.org/", "nope"],
)
def test_malformed_addresses_are_refused(app: Flask, url: str) -> None:
    with app.app_context(), pytest.raises(webhooks.Refused):
        webhooks.parse_url(url, loopback=False)


def test_a_name_resolving_to_a_private_address_is_refused_at_send_time_without_connecting(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_connection(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("connected to a refused address")

    monkeypatch.setattr(socket, "create_connection", no_connection)
    with app.app_context():
        for addresses in (["10.0.0.7"], ["93.184.215.14", "192.168.0.2"], ["fd00::5"], ["169.254.169.254"]):
            monkeypatch.setattr(webhooks, "resolve", lambda host, port, found=addresses: found)
            outcome = webhooks.post("https://hooks.example.org/in", "{}", {})
            assert outcome.status_code is None and "refused" in outcome.error, addresses
            assert not outcome.delivered


def test_an_address_that_was_public_when_added_is_checked_again_when_sending(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app.test_request_context():
        monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["93.184.215.14"])
        person = make_organisation()
        added = add(person, "https://hooks.example.org/in")
        delivery = webhook_commands.send_test(Actor.follower(person.id), person, added.endpoint)
        # The name now points inside (DNS rebinding): the attempt is refused and logged, and nothing connects.
        monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["10.9.8.7"])
        monkeypatch.setattr(socket, "create_connection", lambda *args, **kwargs: pytest.fail("connected"))
        assert webhook_commands.deliver_due(WORKER).retrying == 1
        db.session.refresh(delivery)
        assert "10.9.8.7" in delivery.last_error and "private" in delivery.last_error


def test_adding_refuses_a_private_address_with_the_reason(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    with app.test_request_context():
        person = make_organisation()
        monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["10.0.0.1"])
        with pytest.raises(CommandRefused, match=r"10\.0\.0\.1"):
            add(person, "https://intranet.example.org/hook")
        assert webhooks.endpoints_of(person) == []


def test_the_connection_goes_to_the_checked_address_with_the_original_host_name(
    app: Flask, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        looked_up.append(host)
        return ["127.0.0.1"]

    monkeypatch.setattr(webhooks, "resolve", resolver)
    with app.app_context():
        outcome = webhooks.post(f"http://hooks.example.test:{receiver.port}/pinned", "{}", {})
    assert outcome.delivered, outcome
    assert looked_up == ["hooks.example.test"]
    [request] = receiver.received
    assert request.path == "/pinned" and lower(request.headers)["host"] == f"hooks.example.test:{receiver.port}"


def test_a_redirect_is_not_followed(app: Flask, receiver: Receiver) -> None:
    receiver.plan = [Answer(status=302, headers={"Location": receiver.url("/elsewhere")})]
    with app.app_context():
        outcome = webhooks.post(receiver.url(), "{}", {})
    assert outcome.status_code == 302 and not outcome.delivered and "redirect" in outcome.error
    assert [request.path for request in receiver.received] == ["/hook"]


def test_a_slow_endpoint_times_out(app: Flask, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "WEBHOOKS_TIMEOUT", 0.5)
    receiver.plan = [Answer(status=200, delay=3)]
    with app.app_context():
        started = time.monotonic()
        outcome = webhooks.post(receiver.url(), "{}", {})
    assert time.monotonic() - started < 2.5
    assert outcome.status_code is None and "no answer within 0.5 seconds" in outcome.error


def test_a_large_answer_is_not_read_beyond_the_limit(
    app: Flask, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[int] = []
    original = webhooks._read_some

    def counting(response: Any, limit: int, deadline: float) -> int:
        read.append(original(response, limit, deadline))
        return read[-1]

    monkeypatch.setattr(webhooks, "_read_some", counting)
    # 200 KB sent, 10 MB promised, and the connection held open: reading it all would wait for the timeout.
    receiver.plan = [Answer(status=200, body=b"x" * 200_000, claimed_length=10_000_000, hold=4)]
    with app.app_context():
        started = time.monotonic()
        outcome = webhooks.post(receiver.url(), "{}", {})
        limit = app.config["WEBHOOKS_MAX_RESPONSE_BYTES"]
    assert outcome.delivered and time.monotonic() - started < 3
    assert read == [limit]


# The preferences page ------------------------------------------------------------------------------------------


def preferences(person: Follower) -> str:
    return f"/preferences/{make_token(person, Purpose.PREFERENCES)}"


def test_an_organisation_adds_an_endpoint_and_sees_its_secret_once(
    app: Flask, client: Any, post_form: Any, receiver: Receiver
) -> None:
    with app.app_context():
        person = make_organisation()
        path = preferences(person)
        audited_before = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    page = Page(client.get(path))
    assert page.soup.find("h2", id="webhooks") is not None
    response = post_form(
        f"{path}/webhooks",
        {"webhook_url": receiver.url(), "webhook_events": ["meeting.published", "update.published"]},
        form_page=path,
    )
    assert response.status_code == 200
    added = Page(response)
    secret = added.soup.select_one("#webhook-secret")["value"]
    assert secret.startswith("whsec_")
    with app.app_context():
        [endpoint] = webhooks.endpoints_of(db.session.get(Follower, person.id))
        assert endpoint.secret == secret and endpoint.event_list == ["meeting.published", "update.published"]
        [record] = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "webhook.added",
                AuditEvent.object_id == str(endpoint.id),
                AuditEvent.id > audited_before,
            )
        )
        assert secret not in record.after + record.summary and receiver.url() in record.after
        endpoint_id = endpoint.id
    again = client.get(path).get_data(as_text=True)
    assert secret not in again and receiver.url() in again
    # A test event, delivered, in the log.
    response = post_form(f"{path}/webhooks/{endpoint_id}/send-test", {}, form_page=path, follow_redirects=True)
    assert "A test event is on its way" in response.get_data(as_text=True)
    with app.app_context():
        webhook_commands.deliver_due(WORKER)
    log = Page(client.get(path)).text(f"#webhook-{endpoint_id}-title ~ table")
    assert "webhook.test" in log and "Delivered (HTTP 204)" in log
    # Removed.
    post_form(f"{path}/webhooks/{endpoint_id}/remove", {}, form_page=path)
    with app.app_context():
        assert db.session.get(WebhookEndpoint, endpoint_id) is None


def test_bad_addresses_are_refused_beside_the_field_with_what_was_typed_kept(
    app: Flask, client: Any, post_form: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["10.0.0.1"])
    with app.app_context():
        person = make_organisation()
        path = preferences(person)
    for typed, events, message in (
        ("https://intranet.example.org/hook", ["meeting.published"], "private or local network"),
        ("ftp://example.org/hook", ["meeting.published"], "starts with https://"),
        ("", ["meeting.published"], "Enter the address of your endpoint"),
        ("https://intranet.example.org/hook", [], "Choose at least one event"),
    ):
        page = Page(post_form(f"{path}/webhooks", {"webhook_url": typed, "webhook_events": events}, form_page=path))
        assert page.response.status_code == 200
        assert message in page.text(".nhsuk-error-summary")
        assert message in page.text("#webhook-form")
        assert page.soup.select_one("#webhook_url")["value"] == typed
        assert page.soup.title.get_text().startswith("Error:")
    with app.app_context():
        assert webhooks.endpoints_of(db.session.get(Follower, person.id)) == []


def test_residents_have_no_webhooks(app: Flask, client: Any, post_form: Any) -> None:
    with app.app_context():
        person = make_organisation(kind="resident")
        path = preferences(person)
        with pytest.raises(NotFound):
            add(person, "http://127.0.0.1:9/hook")
    page = Page(client.get(path))
    assert page.soup.find("h2", id="webhooks") is None
    assert post_form(f"{path}/webhooks", {"webhook_url": "http://127.0.0.1:9/x"}, form_page=path).status_code == 404


def test_an_organisation_reaches_only_its_own_endpoints(app: Flask, client: Any, post_form: Any) -> None:
    with app.app_context():
        owner = make_organisation()
        endpoint = add(owner, "http://127.0.0.1:9/hook").endpoint
        other = make_organisation()
        path = preferences(other)
        with pytest.raises(NotFound):
            webhook_commands.remove_endpoint(Actor.follower(other.id), other, endpoint)
        with pytest.raises(NotFound):
            webhook_commands.remove_endpoint(Actor.follower(other.id), owner, endpoint)
        endpoint_id = endpoint.id
    assert post_form(f"{path}/webhooks/{endpoint_id}/remove", {}, form_page=path).status_code == 404
    assert post_form(f"{path}/webhooks/{endpoint_id}/send-test", {}, form_page=path).status_code == 404
    with app.app_context():
        assert db.session.get(WebhookEndpoint, endpoint_id) is not None


def test_the_forms_need_their_csrf_token(app: Flask) -> None:
    from app import create_app
    from app.config import TestingConfig

    config = TestingConfig()
    config.WTF_CSRF_ENABLED = True
    config.SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
    strict = create_app(config)
    with strict.app_context():
        person = make_organisation()
        endpoint = add(person, "http://127.0.0.1:9/hook").endpoint
        path = preferences(person)
        endpoint_id = endpoint.id
    client = strict.test_client()
    assert client.post(f"{path}/webhooks", data={"webhook_url": "http://127.0.0.1:9/x"}).status_code == 400
    assert client.post(f"{path}/webhooks/{endpoint_id}/remove").status_code == 400
    with strict.app_context():
        assert db.session.get(WebhookEndpoint, endpoint_id) is not None


def test_a_paused_endpoint_shows_it_and_can_be_resumed(app: Flask, client: Any, post_form: Any) -> None:
    with app.app_context():
        person = make_organisation()
        endpoint = add(person, "http://127.0.0.1:9/hook").endpoint
        endpoint.paused_at = utcnow()
        db.session.commit()
        path, endpoint_id = preferences(person), endpoint.id
        audited_before = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    page = Page(client.get(path))
    assert "Paused" in page.text("#webhooks ~ section")
    assert page.soup.find("button", string=lambda text: text and "Send a test event" in text) is None
    post_form(f"{path}/webhooks/{endpoint_id}/resume", {}, form_page=path)
    with app.app_context():
        assert db.session.get(WebhookEndpoint, endpoint_id).paused_at is None
        assert db.session.scalar(
            select(AuditEvent.id).where(
                AuditEvent.action == "webhook.resumed",
                AuditEvent.object_id == str(endpoint_id),
                AuditEvent.id > audited_before,
            )
        )


# The command line, retention, deleting --------------------------------------------------------------------------


def test_the_command_line_delivers(app: Flask, receiver: Receiver) -> None:
    with app.app_context():
        person = make_organisation()
        endpoint = add(person, receiver.url()).endpoint
        webhook_commands.send_test(Actor.follower(person.id), person, endpoint)
    result = app.test_cli_runner().invoke(args=["webhooks", "send"])
    assert result.exit_code == 0, result.output
    assert "delivered 1" in result.output
    assert len(receiver.received) == 1


def test_old_attempts_are_forgotten(app: Flask, receiver: Receiver) -> None:
    with app.app_context():
        person = make_organisation()
        endpoint = add(person, receiver.url()).endpoint
        delivery_id = webhook_commands.send_test(Actor.follower(person.id), person, endpoint).id
        webhook_commands.deliver_due(WORKER)
        later = utcnow() + timedelta(days=31)
        run = webhook_commands.webhooks_round(WORKER, now=later)
        assert run.purged == 2
        assert db.session.scalar(select(WebhookDelivery.id).where(WebhookDelivery.id == delivery_id)) is None


def test_deleting_the_organisation_deletes_its_endpoints(app: Flask) -> None:
    from app.commands import people as people_commands

    with app.app_context():
        person = make_organisation()
        endpoint_id = add(person, "http://127.0.0.1:9/hook").endpoint.id
        people_commands.delete_follower(Actor.follower(person.id), person)
        assert db.session.get(WebhookEndpoint, endpoint_id) is None


def test_the_signature_matches_the_standard_webhooks_example() -> None:
    # The example in the Standard Webhooks specification's reference libraries.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    headers = webhooks.signed_headers(
        secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", '{"test": 2432232314}', timestamp=1614265330
    )
    assert headers["webhook-signature"] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
