"""Reliability: email that survives a mail server going away, several outbox workers at once, and sharing under load
while a gunicorn worker is killed or (on PostgreSQL) the database goes away.

The load tests run the site as production does, gunicorn with 2 sync workers, on a throwaway database made for
this module (a SQLite file, or a new PostgreSQL database when TEST_DATABASE_URL names PostgreSQL), migrated and
seeded by `flask db upgrade` and `flask seed`. The clients are browsers of their own: each fetches the share form
for its CSRF token and cookie, sends it, and reads its receipt code; afterwards the codes the clients were shown
are compared with the database, and every submission there must be whole (its routings, its history, its contact
and receipt email when an address was left).

How long the load runs comes from the environment: `make test` runs a short version of each, and `make soak` the
same tests for minutes: RELIABILITY_LOAD_SECONDS (the plain load, 10 s), RELIABILITY_FAULT_SECONDS (load with
workers killed, 10 s; the database test makes one round of flapping and a 4 s outage per 20 s of it, at least one,
about 20 s) and RELIABILITY_MESSAGES (queued for two outbox workers, 100).
"""

from __future__ import annotations

import asyncio
import os
import platform
import random
import re
import signal
import subprocess
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from email.utils import parsedate_to_datetime
from importlib import metadata
from pathlib import Path
from uuid import uuid4

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine, make_url

from app.clock import utcnow
from app.commands import Actor
from app.commands.system import deliver_due
from app.config import database_url
from app.extensions import db
from app.models import Lcp, OutboxMessage, Routing, Submission, SubmissionContact, SubmissionEvent
from app.services import outbox
from app.services.outbox import Delivery, SmtpSettings
from tests.live_site import (
    BIN,
    CONNECTION_ERRORS,
    HOST,
    ROOT,
    Answer,
    Browser,
    Gunicorn,
    TcpProxy,
    input_value,
    on_postgresql,
    receipt_code,
    running_site,
    site_environment,
    status_of,
    throwaway_database,
)
from tests.mailbox import Mailbox, free_port

# The outbox worker, as `flask outbox send` runs it.
WORKER = Actor.system("outbox")

# `make soak` selects these tests with `-m soak` and runs them for longer.
# Outbox workers and gunicorn in other processes read and write what the tests commit: no per-test transaction.
pytestmark = [pytest.mark.soak, pytest.mark.no_rollback]

LOAD_SECONDS = float(os.environ.get("RELIABILITY_LOAD_SECONDS", "10"))
FAULT_SECONDS = float(os.environ.get("RELIABILITY_FAULT_SECONDS", "10"))
MESSAGES = int(os.environ.get("RELIABILITY_MESSAGES", "100"))
SUBMITTERS = 32
LCPS = ["armley", "hatch", "seacroft", "wetherby", "cross-gates", "morley-district"]
TOPICS = ["transport", "housing", "mental-health", "ageing-well", "digital-inclusion"]

needs_postgresql = pytest.mark.skipif(
    not on_postgresql(),
    reason="needs PostgreSQL: set TEST_DATABASE_URL=postgresql://… (CI's second pass does)",
)


def wait_for(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.05) -> float:
    """Seconds until `condition()` held; fails saying `what` if it did not within `timeout`."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, f"{what}: not within {timeout:.0f} s"
        time.sleep(interval)
    return time.monotonic() - started


# Email: a mail server that goes away, and two workers at once ---------------------------------------------------


@pytest.fixture
def empty_outbox(app_context) -> Iterator[None]:
    db.session.execute(OutboxMessage.__table__.delete())
    db.session.commit()
    yield
    db.session.rollback()
    db.session.execute(OutboxMessage.__table__.delete())
    db.session.commit()


def queue_messages(prefix: str, count: int) -> list[OutboxMessage]:
    messages = [
        outbox.queue(
            to=f"{prefix}-{number}@example.org",
            subject=f"Message {number}",
            text=f"Message {number} of {count}.",
            html=f"<p>Message {number} of {count}.</p>",
            kind="test",
        )
        for number in range(count)
    ]
    db.session.commit()
    return messages


def outbox_rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def all_due() -> bool:
    db.session.expire_all()
    waiting = db.session.scalar(
        select(func.count()).where(OutboxMessage.status == "queued", OutboxMessage.next_attempt_at > utcnow())
    )
    db.session.rollback()
    return waiting == 0


def test_mail_queued_while_the_mail_server_is_down_goes_exactly_once_when_it_is_back(
    app: Flask, empty_outbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    count = 50
    monkeypatch.setitem(app.config, "OUTBOX_FIRST_RETRY", 0.05)
    port = free_port()
    settings = SmtpSettings(host=HOST, port=port, security="none", timeout=5)
    sent_ids = {message.message_id for message in queue_messages("patient", count)}

    # Nothing listens on the port: every attempt fails and is put back for later, once per run.
    down_runs = 3
    for run in range(1, down_runs + 1):
        wait_for(all_due, 10, "the retries fell due")
        before = utcnow()
        assert deliver_due(WORKER, settings) == Delivery(retrying=count)
        rows = outbox_rows()
        assert {(row.status, row.attempts) for row in rows} == {("queued", run)}
        assert all("ConnectionRefusedError" in row.last_error for row in rows), rows[0].last_error
        # Put back for later, the wait doubling each time.
        wait = timedelta(seconds=0.05 * 2 ** (run - 1))
        assert all(row.next_attempt_at >= before + wait for row in rows)

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname=HOST, port=port)
    controller.start()
    try:
        wait_for(all_due, 10, "the retries fell due")
        assert deliver_due(WORKER, settings) == Delivery(sent=count)
        wait_for(all_due, 10, "anything left fell due")
        assert deliver_due(WORKER, settings) == Delivery()
    finally:
        controller.stop()

    received = Counter(message["Message-ID"] for message in mailbox.messages)
    assert set(received) == sent_ids
    assert [mid for mid, times in received.items() if times != 1] == []
    rows = outbox_rows()
    assert {(row.status, row.attempts) for row in rows} == {("sent", down_runs + 1)}


class GatedMailbox(Mailbox):
    """Holds each message to a `starter-` address until every starter has arrived: with one starter for each worker,
    and a worker sending one message at a time, delivery only goes on once every worker is sending at once."""

    def __init__(self, starters: int, timeout: float = 20) -> None:
        super().__init__()
        self.starters = starters
        self.timeout = timeout
        self.arrived = 0
        self.gate: asyncio.Event | None = None
        self.timed_out = False

    async def handle_DATA(self, server, session, envelope) -> str:
        if any(address.startswith("starter-") for address in envelope.rcpt_tos):
            if self.gate is None:
                self.gate = asyncio.Event()
            self.arrived += 1
            if self.arrived >= self.starters:
                self.gate.set()
            try:
                await asyncio.wait_for(self.gate.wait(), self.timeout)
            except TimeoutError:
                self.timed_out = True
        return await super().handle_DATA(server, session, envelope)


def test_two_outbox_workers_at_once_send_each_message_exactly_once(app: Flask, empty_outbox, tmp_path: Path) -> None:
    workers = 2
    starters = queue_messages("starter", workers)
    for message in starters:
        message.next_attempt_at = utcnow() - timedelta(minutes=1)  # claimed first, one by each worker
    db.session.commit()
    queued = [*starters, *queue_messages("many", MESSAGES)]
    expected = {message.message_id for message in queued}

    mailbox = GatedMailbox(starters=workers)
    port = free_port()
    controller = Controller(mailbox, hostname=HOST, port=port)
    controller.start()
    env = site_environment(
        app.config["SQLALCHEMY_DATABASE_URI"], SMTP_HOST=HOST, SMTP_PORT=str(port), SMTP_SECURITY="none"
    )
    processes: list[tuple[subprocess.Popen, Path, Path]] = []
    try:
        for number in range(workers):
            out, err = tmp_path / f"worker{number}.out", tmp_path / f"worker{number}.err"
            with out.open("wb") as stdout, err.open("wb") as stderr:
                command = [str(BIN / "flask"), "--app", "wsgi", "outbox", "send", "--loop", "--interval", "0.1"]
                processes.append((subprocess.Popen(command, cwd=ROOT, env=env, stdout=stdout, stderr=stderr), out, err))

        def all_sent() -> bool:
            for process, _out, err in processes:
                assert process.poll() is None, f"an outbox worker stopped:\n{err.read_text()}"
            sent = db.session.scalar(select(func.count()).where(OutboxMessage.status == "sent"))
            db.session.rollback()
            return sent == len(queued)

        def reported() -> list[int]:
            return [
                sum(int(sent) for sent in re.findall(r"^sent (\d+),", out.read_text(), re.MULTILINE))
                for _process, out, _err in processes
            ]

        elapsed = wait_for(all_sent, 60 + MESSAGES / 4, "every message sent", interval=0.2)
        # The last batch is in the database a moment before its worker says so.
        wait_for(lambda: sum(reported()) >= len(queued), 15, "the workers reported what they sent", interval=0.1)
        # Anything a worker would still send (a message sent twice) has a moment to arrive.
        time.sleep(0.5)
    finally:
        for process, _out, _err in processes:
            process.send_signal(signal.SIGTERM)
        for process, _out, _err in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        controller.stop()

    assert not mailbox.timed_out, "the workers never sent at the same time"
    received = Counter(message["Message-ID"] for message in mailbox.messages)
    assert [mid for mid, times in received.items() if times != 1] == [], "a message arrived more than once"
    assert set(received) == expected
    assert {row.status for row in outbox_rows()} == {"sent"}
    for _process, _out, err in processes:
        assert "Traceback" not in err.read_text(), err.read_text()
    each = reported()
    assert sum(each) == len(queued), each
    assert all(sent >= 1 for sent in each), each
    print(f"\n{len(queued)} messages by {workers} workers in {elapsed:.1f}s, each sent {each}")


@needs_postgresql
def test_on_postgresql_a_message_another_worker_holds_is_passed_over_not_waited_for(
    app: Flask, empty_outbox, mailbox: Mailbox, smtp: SmtpSettings
) -> None:
    held, *others = queue_messages("locked", 3)
    holder = db.engine.connect()
    lock = holder.begin()
    holder.execute(select(OutboxMessage.id).where(OutboxMessage.id == held.id).with_for_update())
    done: dict[str, Delivery] = {}

    def worker() -> None:
        with app.app_context():
            done["delivery"] = deliver_due(WORKER, smtp)

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        thread.join(timeout=10)
        waited = thread.is_alive()
    finally:
        lock.rollback()
        holder.close()
        thread.join(timeout=30)
    assert not waited, "the worker waited for the message another worker held instead of passing over it"
    assert done["delivery"] == Delivery(sent=2)
    assert sorted(message["To"] for message in mailbox.messages) == sorted(message.to_address for message in others)
    assert deliver_due(WORKER, smtp) == Delivery(sent=1)
    assert mailbox.to(held.to_address)[0]["Message-ID"] == held.message_id


# Sharing under load ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with throwaway_database(tmp_path_factory.mktemp("reliability")) as url:
        yield url


@pytest.fixture(scope="module")
def site(site_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gunicorn]:
    log_path = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with running_site(site_environment(site_database), log_path) as server:
        yield server


@dataclass(frozen=True)
class Plan:
    """What one person shares."""

    body: str
    lcps: tuple[str, ...]
    topics: tuple[str, ...]
    email: str | None
    organisation: bool

    def form(self, page: str) -> dict:
        form = {
            "csrf_token": input_value(page, "csrf_token"),
            "form_key": input_value(page, "form_key"),
            "item": input_value(page, "item"),
            "body": self.body,
            "lcps": list(self.lcps),
            "topics": list(self.topics),
            "neighbourhood": "Near the clinic",
            "speaks_for": "organisation" if self.organisation else "self",
            "contact": "yes" if self.email else "no",
        }
        if not self.lcps:
            form["lcp_unsure"] = "y"
        if self.organisation:
            form |= {"organisation_name": "Friends of the park", "people_count": "40"}
        if self.email:
            form |= {"email": self.email, "name": "A resident", "wants_updates": "y", "may_contact": "y"}
        return form


def plan_for(tag: str, person: int, number: int) -> Plan:
    """A varied mix: one partnership, two, or "not sure"; an email address in a third; an organisation in a fifth."""
    key = person * 7919 + number
    if key % 7 == 3:
        lcps: tuple[str, ...] = ()
    elif key % 4 == 1:
        lcps = (LCPS[key % len(LCPS)], LCPS[(key + 1) % len(LCPS)])
    else:
        lcps = (LCPS[key % len(LCPS)],)
    return Plan(
        body=f"{tag} person {person} item {number}: the bus to the clinic is late again",
        lcps=lcps,
        topics=(TOPICS[key % len(TOPICS)],),
        email=f"{tag}-{person}-{number}@example.org" if key % 3 == 0 else None,
        organisation=key % 5 == 2,
    )


@dataclass
class Seen:
    """One answer (or its absence), for the checks on status codes and error pages."""

    method: str
    path: str
    started: float
    ended: float
    answer: Answer | None
    error: str = ""


@dataclass
class Attempt:
    plan: Plan
    # How far it got: "form" (no form), "post" (sent, no clear answer), "refused" (answered, not stored),
    # "receipt" (stored, code not read) or "accepted" (the receipt page showed its code).
    stage: str = "form"
    code: str | None = None
    post_status: int | None = None
    error: str = ""


@dataclass
class Load:
    """Submitters that share, one after another, until a deadline; what each request got is kept."""

    base: str
    tag: str = field(default_factory=lambda: f"reliability-{uuid4().hex[:10]}")
    attempts: list[Attempt] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    failures: list[str] = field(default_factory=list)
    stopped: threading.Event = field(default_factory=threading.Event)

    def _open(self, browser: Browser, path: str, form: dict | None = None) -> Answer:
        method = "POST" if form is not None else "GET"
        started = time.monotonic()
        try:
            answer = browser.open(path, form)
        except CONNECTION_ERRORS as error:
            with self.lock:
                self.seen.append(
                    Seen(method, path, started, time.monotonic(), None, f"{type(error).__name__}: {error}")
                )
            raise
        # Only an error page's body is kept (for its checks): thousands of 30 kB forms would fill the memory.
        kept = answer if answer.status >= 500 else replace(answer, body="")
        with self.lock:
            self.seen.append(Seen(method, path, started, time.monotonic(), kept))
        return answer

    def share(self, browser: Browser, plan: Plan) -> Attempt:
        attempt = Attempt(plan)
        try:
            page = self._open(browser, "/share")
            if page.status != 200:
                return attempt
            attempt.stage = "post"
            sent = self._open(browser, "/share", plan.form(page.body))
            attempt.post_status = sent.status
            if sent.status != 303:
                attempt.stage = "refused"
                return attempt
            attempt.stage = "receipt"
            receipt = self._open(browser, "/share/sent")
            attempt.code = receipt_code(receipt.body) if receipt.status == 200 else None
            if attempt.code is not None:
                attempt.stage = "accepted"
        except CONNECTION_ERRORS as error:
            attempt.error = f"{type(error).__name__}: {error}"
        return attempt

    def person(self, number: int, deadline: float) -> None:
        try:
            browser = Browser(self.base)
            item = 0
            while time.monotonic() < deadline and not self.stopped.is_set():
                attempt = self.share(browser, plan_for(self.tag, number, item))
                item += 1
                with self.lock:
                    self.attempts.append(attempt)
                if attempt.stage != "accepted":
                    time.sleep(0.1)  # as a person would, before trying again
        except Exception as error:  # noqa: BLE001 - a bug in the test itself, reported at the end
            self.failures.append(f"person {number}: {type(error).__name__}: {error}")

    def start(self, people: int, seconds: float) -> list[threading.Thread]:
        deadline = time.monotonic() + seconds
        threads = [
            threading.Thread(target=self.person, args=(number, deadline), daemon=True) for number in range(people)
        ]
        for thread in threads:
            thread.start()
        return threads

    def stop(self) -> None:
        """Each submitter finishes what it is sending and starts nothing more."""
        self.stopped.set()

    def finish(self, threads: list[threading.Thread], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(timeout=max(0.1, deadline - time.monotonic()))
        assert not any(thread.is_alive() for thread in threads), "a submitter never finished"
        assert self.failures == []

    # What happened, for the assertions ------------------------------------------------------------------------

    def accepted(self) -> dict[str, Plan]:
        return {attempt.code: attempt.plan for attempt in self.attempts if attempt.code is not None}

    def stages(self) -> Counter:
        return Counter(attempt.stage for attempt in self.attempts)

    def server_errors(self) -> list[Seen]:
        return [seen for seen in self.seen if seen.answer is not None and seen.answer.status >= 500]

    def connection_errors(self) -> list[Seen]:
        return [seen for seen in self.seen if seen.answer is None]

    def summary(self, seconds: float) -> str:
        posts = sorted(s.answer.seconds for s in self.seen if s.method == "POST" and s.answer is not None)
        p50 = posts[len(posts) // 2] if posts else 0
        p95 = posts[int(len(posts) * 0.95)] if posts else 0
        statuses = Counter(seen.answer.status if seen.answer else "no answer" for seen in self.seen)
        return (
            f"{len(self.accepted())} accepted in {seconds:.0f}s ({len(self.accepted()) / seconds:.1f}/s), "
            f"stages {dict(self.stages())}, answers {dict(statuses)}, "
            f"POST p50 {p50 * 1000:.0f} ms p95 {p95 * 1000:.0f} ms"
        )


def check_whole(url: str, load: Load, *, unexplained_allowed: int) -> int:
    """Every submission the clients were shown is stored, and every stored one is whole; the whole database has
    no partial rows. Returns how many of this load's submissions are stored without a client having read the code,
    which must be at most `unexplained_allowed` (requests whose answer was lost)."""
    engine: Engine = create_engine(database_url(url, ""))
    try:
        with engine.connect() as connection:
            ours = Submission.body.like(f"{load.tag} %")
            rows = connection.execute(
                select(Submission.id, Submission.receipt_code, Submission.body, Submission.lcp_unsure).where(ours)
            ).all()
            routings = defaultdict(set)
            for submission_id, slug in connection.execute(
                select(Routing.submission_id, Lcp.slug).join(Lcp).join(Submission).where(ours)
            ):
                routings[submission_id].add(slug)
            received = Counter(
                connection.scalars(
                    select(SubmissionEvent.submission_id)
                    .join(Submission)
                    .where(ours, SubmissionEvent.kind == "received")
                )
            )
            contacts = {
                row.submission_id: row
                for row in connection.execute(
                    select(SubmissionContact.submission_id, SubmissionContact.id, SubmissionContact.email)
                    .join(Submission)
                    .where(ours)
                )
            }
            receipts = Counter(
                connection.execute(
                    select(OutboxMessage.contact_id, OutboxMessage.to_address).where(OutboxMessage.kind == "receipt")
                ).all()
            )
            whole_database = problems_anywhere(connection)
    finally:
        engine.dispose()

    accepted = load.accepted()
    stored = {row.receipt_code: row for row in rows}
    missing = sorted(code for code in accepted if code not in stored)
    assert missing == [], f"{len(missing)} accepted submissions are not in the database: {missing[:10]}"
    plans = {attempt.plan.body: attempt.plan for attempt in load.attempts}
    problems = []
    for row in rows:
        plan = plans.get(row.body)
        if plan is None:
            problems.append(f"{row.receipt_code}: stored, but no client sent {row.body!r}")
            continue
        if row.receipt_code in accepted and accepted[row.receipt_code] != plan:
            problems.append(f"{row.receipt_code}: shown to the client who sent {accepted[row.receipt_code].body!r}")
        if routings[row.id] != set(plan.lcps) or row.lcp_unsure != (not plan.lcps):
            problems.append(f"{row.receipt_code}: routed to {sorted(routings[row.id])}, sent to {list(plan.lcps)}")
        if received[row.id] != 1:
            problems.append(f"{row.receipt_code}: {received[row.id]} 'received' history entries")
        contact = contacts.get(row.id)
        if (contact.email if contact else None) != plan.email:
            problems.append(f"{row.receipt_code}: contact {contact.email if contact else None}, sent {plan.email}")
        if contact is not None and receipts[(contact.id, contact.email)] != 1:
            problems.append(f"{row.receipt_code}: {receipts[(contact.id, contact.email)]} receipt emails queued")
    assert problems == [], f"{len(problems)} partial or wrong submissions:\n" + "\n".join(problems[:20])
    assert whole_database == {}, whole_database
    unexplained = len(rows) - len(accepted)
    assert 0 <= unexplained <= unexplained_allowed, (
        f"{unexplained} submissions stored without their code reaching a client; at most {unexplained_allowed} "
        "requests lost their answer"
    )
    return unexplained


def problems_anywhere(connection) -> dict[str, int]:
    """Partial rows anywhere in the database: each kind with how many, none expected."""
    submission = Submission.__table__
    checks = {
        "routings without a submission": select(func.count())
        .select_from(Routing)
        .outerjoin(Submission)
        .where(submission.c.id.is_(None)),
        "history without a submission": select(func.count())
        .select_from(SubmissionEvent)
        .outerjoin(Submission)
        .where(submission.c.id.is_(None)),
        "contacts without a submission": select(func.count())
        .select_from(SubmissionContact)
        .outerjoin(Submission)
        .where(submission.c.id.is_(None)),
        "receipt emails without a contact": select(func.count())
        .select_from(OutboxMessage)
        .outerjoin(SubmissionContact, OutboxMessage.contact_id == SubmissionContact.id)
        .where(OutboxMessage.kind == "receipt", SubmissionContact.id.is_(None)),
        "submissions without their 'received' entry": select(func.count())
        .select_from(Submission)
        .where(
            ~select(SubmissionEvent.id)
            .where(SubmissionEvent.submission_id == Submission.id, SubmissionEvent.kind == "received")
            .exists()
        ),
        "submissions for a partnership without a routing": select(func.count())
        .select_from(Submission)
        .where(
            Submission.lcp_unsure.is_(False), ~select(Routing.id).where(Routing.submission_id == Submission.id).exists()
        ),
        "contacts without their receipt email": select(func.count())
        .select_from(SubmissionContact)
        .where(
            ~select(OutboxMessage.id)
            .where(OutboxMessage.contact_id == SubmissionContact.id, OutboxMessage.kind == "receipt")
            .exists()
        ),
    }
    found = {name: connection.scalar(query) for name, query in checks.items()}
    return {name: number for name, number in found.items() if number}


def test_thirty_two_people_sharing_for_a_while_lose_nothing(site: Gunicorn, site_database: str) -> None:
    log_from = site.log_size()
    load = Load(site.base)
    started = time.monotonic()
    load.finish(load.start(SUBMITTERS, LOAD_SECONDS), LOAD_SECONDS + 60)
    seconds = time.monotonic() - started
    print(f"\nload on {make_url(site_database).get_backend_name()}: {load.summary(seconds)}")

    assert [(s.method, s.path, s.answer.status) for s in load.server_errors()][:10] == []
    assert [(s.method, s.path, s.error) for s in load.connection_errors()][:10] == []
    assert load.stages() == {"accepted": len(load.attempts)}, load.stages()
    assert len(load.accepted()) >= SUBMITTERS
    assert len(set(load.accepted())) == len(load.attempts), "two people were shown the same receipt code"
    check_whole(site_database, load, unexplained_allowed=0)
    log = site.log(log_from)
    assert "Traceback" not in log and "[ERROR]" not in log, log[-4000:]


def replaced(site: Gunicorn, gone: int) -> bool:
    workers = site.workers()
    return len(workers) == 2 and gone not in workers


def test_a_worker_killed_mid_run_loses_no_accepted_submission_and_leaves_nothing_half_written(
    site: Gunicorn, site_database: str
) -> None:
    log_from = site.log_size()
    seconds = FAULT_SECONDS
    every = max(3.5, seconds / 8)
    load = Load(site.base)
    started = time.monotonic()
    threads = load.start(SUBMITTERS, seconds)
    killed: list[int] = []
    try:
        while time.monotonic() - started + every <= seconds:
            time.sleep(every if killed else min(3.0, every))
            workers = site.workers()
            assert workers, "gunicorn has no worker left"
            victim = random.choice(workers)
            site.kill_worker(victim)
            killed.append(victim)
            # gunicorn starts another in its place; the next kill waits for it.
            wait_for(lambda gone=victim: replaced(site, gone), 30, "a new worker started")
    finally:
        load.finish(threads, seconds + 60)
    elapsed = time.monotonic() - started
    print(f"\n{len(killed)} workers killed on {make_url(site_database).get_backend_name()}: {load.summary(elapsed)}")

    assert len(killed) >= 1
    assert site.process.poll() is None, "gunicorn itself stopped"
    wait_for(lambda: len(site.workers()) == 2, 30, "gunicorn back to two workers")
    assert not set(killed) & set(site.workers())
    assert [(s.method, s.path, s.answer.status) for s in load.server_errors()][:10] == []
    # A sync worker serves one request at a time, so each kill can cost at most the one it was serving.
    lost = load.connection_errors()
    assert len(lost) <= len(killed), [(s.method, s.path, s.error) for s in lost]
    assert len(load.accepted()) >= SUBMITTERS
    assert status_of(site.base + "/share") == 200
    unexplained = check_whole(site_database, load, unexplained_allowed=len(lost))
    print(f"connection errors {len(lost)}, stored without the client seeing the code {unexplained}")
    log = site.log(log_from)
    assert "Traceback" not in log, log[-4000:]


# The database going away (PostgreSQL) ---------------------------------------------------------------------------

OUTAGE = 4.0  # seconds the long cut lasts, while the probes ask
# Short cuts before it: FLAPS of them, each FLAP_DOWN seconds, with FLAP_UP seconds of database between them, long
# enough for requests to get back to work, so that each cut catches some at another step.
FLAPS = 10
FLAP_DOWN = 0.2
FLAP_UP = 0.6
RECOVERY = 10.0  # seconds the site may take to serve again once the database is back
GRACE = 3.0  # seconds after the database is back in which an answer may still be the outage's


def versions() -> list[str]:
    """Version strings an error page must not show."""
    found = [re.sub(r"\+.*", "", metadata.version(name)) for name in ("sqlalchemy", "psycopg", "flask", "werkzeug")]
    return [*found, platform.python_version()]


def unhandled(log: str, blocks: int = 3) -> str:
    """Each exception that escaped the app (gunicorn then answers with its own bare error page), shortened to the
    frames of the app, Flask and Flask-SQLAlchemy, and the error."""
    found: list[list[str]] = []
    inside = False
    for line in log.splitlines():
        if "Error handling request" in line:
            found.append([line])
            inside = True
        elif inside and line.startswith("["):
            inside = False
        elif inside:
            found[-1].append(line)
    shown = []
    for block in found[:blocks]:
        frames = [line for line in block if re.search(r'File ".*(/app/|flask_sqlalchemy|flask/ctx\.py)', line)]
        errors = [line for line in block if re.match(r"^[\w.]+(Error|Exception)\b", line)]
        shown.append("\n".join([block[0], *frames, *errors[-1:]]))
    return "\n...\n".join(shown) or "(none)"


def assert_friendly_503(answer: Answer, what: str, server_version: str) -> None:
    assert answer.status == 503, f"{what} gave {answer.status} while the database was away:\n{answer.body[:2000]}"
    retry_after = answer.headers.get("Retry-After", "")
    assert retry_after.strip(), f"{what}: 503 without a Retry-After header"
    if not retry_after.strip().isdigit():
        parsedate_to_datetime(retry_after)  # raises if it is neither seconds nor an HTTP date
    assert answer.headers.get("Content-Type", "").startswith("text/html"), answer.headers
    assert "<h1" in answer.body, f"{what}: the 503 page has no heading:\n{answer.body[:2000]}"
    lowered = answer.body.lower()
    for leak in ("traceback", "sqlalchemy", "psycopg", "operationalerror", 'file "'):
        assert leak not in lowered, f"{what}: the 503 page shows {leak!r}"
    for version in [*versions(), server_version]:
        assert version not in answer.body, f"{what}: the 503 page shows the version {version}"


@needs_postgresql
def test_the_database_going_away_gives_friendly_503s_and_the_same_server_recovers(
    site_database: str, tmp_path: Path
) -> None:
    target = make_url(site_database)
    proxy = TcpProxy(target.host or HOST, target.port or 5432)
    proxy.start()
    engine = create_engine(database_url(site_database, ""))
    with engine.connect() as connection:
        server_version = connection.exec_driver_sql("SHOW server_version").scalar().split()[0]
    engine.dispose()
    proxied = target.set(host=HOST, port=proxy.port).render_as_string(hide_password=False)
    # Each round: the database there for 3 s, then flapping (short cuts, as a flaky network gives, each a chance to
    # catch requests at every step), then away for OUTAGE seconds while probes ask, then back.
    rounds = max(1, int(FAULT_SECONDS // 20))
    outages: list[tuple[float, float]] = []
    recoveries: list[float] = []
    probes: list[str] = []  # what each probe got wrong
    probed = 0

    def cut() -> float:
        proxy.cut()
        return time.monotonic()

    def restore(cut_at: float) -> None:
        proxy.restore()
        outages.append((cut_at, time.monotonic()))

    try:
        with running_site(site_environment(proxied), tmp_path / "gunicorn.log") as server:
            workers = server.workers()
            load = Load(server.base)
            started = time.monotonic()
            threads = load.start(8, 3600)
            try:
                for round_number in range(rounds):
                    time.sleep(3.0)
                    # A form fetched while the database is there, sent while it is away.
                    early = Browser(server.base)
                    form = plan_for(load.tag, 1000 + round_number, 0).form(early.open("/share").body)
                    for _flap in range(FLAPS):
                        cut_at = cut()
                        time.sleep(FLAP_DOWN)
                        restore(cut_at)
                        time.sleep(FLAP_UP)
                    cut_at = cut()
                    time.sleep(1.0)  # requests under way when it went finish going wrong
                    while time.monotonic() - cut_at < OUTAGE:
                        for path, answer in (
                            ("GET /healthz", Browser(server.base).open("/healthz")),
                            ("GET /readyz", Browser(server.base).open("/readyz")),
                        ):
                            wanted = 200 if path == "GET /healthz" else 503
                            if answer.status != wanted:
                                probes.append(f"{path} gave {answer.status} while the database was away")
                        for what, answer in (
                            ("GET /share", Browser(server.base).open("/share")),
                            ("POST /share", early.open("/share", form)),
                        ):
                            try:
                                assert_friendly_503(answer, what, server_version)
                            except AssertionError as error:
                                probes.append(str(error))
                        probed += 1
                        time.sleep(0.2)
                    restore(cut_at)
                    recoveries.append(
                        wait_for(
                            lambda: (
                                status_of(server.base + "/readyz") == 200 and status_of(server.base + "/share") == 200
                            ),
                            RECOVERY,
                            "the site serving again once the database was back",
                            interval=0.1,
                        )
                    )
                    again = [Browser(server.base).open("/share").status for _ in range(10)]
                    assert again == [200] * 10, again
                # The load goes on for as long as asked, and at least 3 s past the last outage.
                time.sleep(max(3.0, started + FAULT_SECONDS - time.monotonic()))
            finally:
                load.stop()
                load.finish(threads, 60)
            elapsed = time.monotonic() - started
            assert server.process.poll() is None and server.workers() == workers, "gunicorn or a worker restarted"
            log = server.log()
    finally:
        proxy.close()
    print(
        f"\n{rounds} rounds of {FLAPS} flaps and a {OUTAGE:.0f}s outage, back in "
        f"{[f'{r:.2f}s' for r in recoveries]}, {probed} probe rounds: {load.summary(elapsed)}"
    )
    assert probed >= rounds
    assert probes == [], "\n".join(probes[:10]) + "\n\nerrors gunicorn logged:\n" + unhandled(log)

    assert "WORKER TIMEOUT" not in log, log[-4000:]

    def during_an_outage(seen: Seen) -> bool:
        return any(cut - 0.1 <= seen.ended <= back + GRACE for cut, back in outages)

    wrong = []
    for seen in load.server_errors():
        what = f"{seen.method} {seen.path}"
        if not during_an_outage(seen):
            wrong.append(f"{what} gave {seen.answer.status} while the database was there")
            continue
        try:
            assert_friendly_503(seen.answer, what, server_version)
        except AssertionError as error:
            wrong.append(str(error).splitlines()[0])
    assert wrong == [], "\n".join(wrong[:10]) + "\n\nerrors gunicorn logged:\n" + unhandled(log)
    assert [(s.method, s.path, s.error) for s in load.connection_errors()] == []
    assert len(load.accepted()) >= 8
    # A POST whose commit reached the database just before the cut may be stored although it answered 503.
    answered_503 = sum(1 for attempt in load.attempts if attempt.post_status == 503)
    check_whole(site_database, load, unexplained_allowed=answered_503 + load.stages()["receipt"])
