"""The outbox speaks SMTP to a real server: delivery, retries while refused, giving up loudly, exactly once."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.clock import utcnow
from app.commands import Actor
from app.commands.system import deliver_due
from app.extensions import db
from app.models import OutboxMessage
from app.services import outbox
from app.services.outbox import SmtpSettings

# The outbox worker, as `flask outbox send` runs it.
WORKER = Actor.system("outbox")


@pytest.fixture
def clean_outbox(app_context):
    db.session.execute(OutboxMessage.__table__.delete())
    db.session.commit()
    yield
    db.session.execute(OutboxMessage.__table__.delete())
    db.session.commit()


def queue_one(to: str = "reader@example.org", **headers: str) -> OutboxMessage:
    message = outbox.queue(
        to=to,
        subject="A test message",
        text="Plain words.",
        html="<p>Plain words.</p>",
        kind="test",
        headers=headers or None,
    )
    db.session.commit()
    return message


def make_due(message: OutboxMessage) -> None:
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()


def test_a_queued_message_arrives_with_both_parts_and_its_headers(clean_outbox, mailbox, smtp) -> None:
    message = queue_one(**{"List-Unsubscribe": "<http://localhost/unsubscribe/x>"})
    result = deliver_due(WORKER, smtp)
    assert result.sent == 1
    [received] = mailbox.to("reader@example.org")
    assert received["Subject"] == "A test message"
    assert received["Message-ID"] == message.message_id
    assert received["List-Unsubscribe"] == "<http://localhost/unsubscribe/x>"
    assert mailbox.text(received).strip() == "Plain words."
    assert mailbox.html(received).strip() == "<p>Plain words.</p>"
    db.session.refresh(message)
    assert message.status == "sent" and message.sent_at is not None and message.attempts == 1


def test_nothing_goes_until_the_transaction_that_queued_it_commits(clean_outbox, mailbox, smtp) -> None:
    outbox.queue(to="undo@example.org", subject="Never", text="Rolled back.", kind="test")
    db.session.rollback()
    assert deliver_due(WORKER, smtp).sent == 0
    assert mailbox.messages == []


def test_a_refusing_server_is_retried_with_growing_waits_until_it_accepts(clean_outbox, mailbox, smtp) -> None:
    message = queue_one("patient@example.org")
    mailbox.refuse_next(2)

    first = deliver_due(WORKER, smtp)
    assert (first.sent, first.retrying) == (0, 1)
    db.session.refresh(message)
    first_wait = message.next_attempt_at - utcnow()
    assert message.status == "queued" and message.attempts == 1 and "451" in message.last_error
    assert first_wait > timedelta(seconds=50)
    # Not due yet: a second run straight away leaves it alone.
    assert deliver_due(WORKER, smtp) == outbox.Delivery()

    make_due(message)
    assert deliver_due(WORKER, smtp).retrying == 1
    db.session.refresh(message)
    assert message.attempts == 2
    assert message.next_attempt_at - utcnow() > first_wait  # the wait doubled

    make_due(message)
    assert deliver_due(WORKER, smtp).sent == 1
    assert mailbox.refused == 2
    assert len(mailbox.to("patient@example.org")) == 1


def test_after_the_limit_it_gives_up_and_says_so(app, clean_outbox, mailbox, smtp, caplog) -> None:
    message = queue_one("never@example.org")
    mailbox.refuse_next(100)
    limit = app.config["OUTBOX_MAX_ATTEMPTS"]
    with caplog.at_level(logging.ERROR, logger="app.services.outbox"):
        for _attempt in range(limit):
            make_due(message)
            deliver_due(WORKER, smtp)
    db.session.refresh(message)
    assert message.status == "failed" and message.attempts == limit
    assert any("Gave up on email" in record.getMessage() for record in caplog.records), caplog.records
    make_due(message)
    assert deliver_due(WORKER, smtp) == outbox.Delivery()
    mailbox.refuse_next(0)


def test_an_unreachable_server_is_a_retry_not_a_crash(clean_outbox, mailbox) -> None:
    from tests.mailbox import free_port

    message = queue_one("later@example.org")
    result = deliver_due(WORKER, SmtpSettings(host="127.0.0.1", port=free_port(), security="none", timeout=2))
    assert result.retrying == 1
    db.session.refresh(message)
    assert message.status == "queued" and "Error" in message.last_error


# Outbox workers in threads, each with its own connection.
@pytest.mark.no_rollback
def test_each_message_is_delivered_exactly_once_however_often_and_however_many_workers_run(
    app, clean_outbox, mailbox, smtp
) -> None:
    addresses = [f"once-{number}@example.org" for number in range(12)]
    for address in addresses:
        queue_one(address)

    def worker() -> None:
        with app.app_context():
            deliver_due(WORKER, smtp)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    deliver_due(WORKER, smtp)
    deliver_due(WORKER, smtp)

    assert sorted(message["To"] for message in mailbox.messages) == sorted(addresses)
    statuses = db.session.scalars(select(OutboxMessage.status)).all()
    assert statuses == ["sent"] * len(addresses)


def test_a_worker_that_died_mid_send_leaves_a_claim_that_runs_out(clean_outbox, mailbox, smtp) -> None:
    message = queue_one("orphan@example.org")
    message.status = "sending"
    message.claimed_until = utcnow() + timedelta(minutes=1)
    db.session.commit()
    assert deliver_due(WORKER, smtp).sent == 0
    message.claimed_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert deliver_due(WORKER, smtp).sent == 1
    [received] = mailbox.to("orphan@example.org")
    assert received["Message-ID"] == message.message_id


def test_the_command_prints_waiting_mail_when_no_server_is_configured(app, clean_outbox) -> None:
    queue_one("printed@example.org")
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 1
    assert "To: printed@example.org" in result.output
    assert "No SMTP server is configured" in result.output
    assert db.session.scalar(select(OutboxMessage.status)) == "queued"


def test_the_command_delivers_over_the_configured_server(app, clean_outbox, mailbox, smtp, monkeypatch) -> None:
    queue_one("command@example.org")
    monkeypatch.setitem(app.config, "SMTP_HOST", smtp.host)
    monkeypatch.setitem(app.config, "SMTP_PORT", smtp.port)
    monkeypatch.setitem(app.config, "SMTP_SECURITY", "none")
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    assert len(mailbox.to("command@example.org")) == 1


def test_the_development_page_shows_queued_mail(client, clean_outbox) -> None:
    message = queue_one("shown@example.org")
    page = client.get("/dev/outbox").get_data(as_text=True)
    assert "shown@example.org" in page and "A test message" in page
    html = client.get(f"/dev/outbox/{message.id}.html")
    assert html.get_data(as_text=True) == "<p>Plain words.</p>"
    assert "script-src" not in html.headers["Content-Security-Policy"]


def test_production_has_no_development_outbox_page(monkeypatch) -> None:
    from app import create_app
    from app.config import ProductionConfig

    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("SITE_URL", "https://lcp.example.org")
    monkeypatch.setenv("CONTACT_EMAIL", "engagement@lcp.example.org")
    production = create_app(ProductionConfig())
    assert "dev.outbox_page" not in production.view_functions
