"""Many people sharing at the same moment, against a real gunicorn server with several workers.

The server runs on a database of its own, made fresh for this module on whichever database the suite
runs on: a temporary SQLite file, or a new database on the PostgreSQL server that `TEST_DATABASE_URL`
names. Every accepted submission must be in that database with its receipt code, its routing and (when
an email address was left) its receipt email: nothing lost, nothing doubled, no server errors.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urlsplit
from urllib.request import HTTPCookieProcessor, Request, build_opener
from uuid import uuid4

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from app.config import database_url
from app.models import OutboxMessage, Routing, Submission, SubmissionContact, SubmissionEvent
from tests.live_site import NoRedirects
from tests.mailbox import free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PEOPLE = 32
LCPS = ["seacroft", "armley", "hatch", "wetherby"]


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A new, empty database on the server the suite uses; its URL as DATABASE_URL takes it."""
    suite_url = os.environ.get("TEST_DATABASE_URL", "")
    if not suite_url.startswith(("postgresql", "postgres:")):
        yield f"sqlite:///{tmp_path_factory.mktemp('concurrency') / 'lcp.sqlite3'}"
        return
    server = make_url(database_url(suite_url, ""))
    name = f"lcp_concurrency_{os.getpid()}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def server(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """gunicorn with four workers on the fresh database, migrated and seeded by the commands a deployment runs."""
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "APP_ENV": "development",
        "SHARE_LIMIT": "1000 per minute",
        "SMTP_HOST": "",
    }
    for command in (["db", "upgrade"], ["seed"]):
        done = subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, f"flask {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    port = free_port()
    log_path = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", "4", "-b", f"127.0.0.1:{port}", "--timeout", "120", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"gunicorn stopped:\n{log_path.read_text()}"
            try:
                with build_opener().open(f"{base}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except (URLError, OSError):
                pass
            assert time.monotonic() < deadline, f"gunicorn did not answer /healthz:\n{log_path.read_text()}"
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        server_log = log_path.read_text()
        assert "Traceback" not in server_log, server_log


@dataclass
class Answer:
    status: int
    location: str
    body: str


class Browser:
    """One person's browser: its own cookies, and redirects left for the test to see."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()), NoRedirects())

    def open(self, path: str, form: dict | None = None) -> Answer:
        data = urlencode(form, doseq=True).encode() if form is not None else None
        request = Request(self.base + path, data=data)
        try:
            with self.opener.open(request, timeout=120) as response:
                return Answer(response.status, response.headers.get("Location", ""), response.read().decode())
        except HTTPError as error:
            with error:
                return Answer(error.code, error.headers.get("Location", ""), error.read().decode())


@dataclass
class Person:
    number: int
    body: str
    lcp: str
    email: str | None
    sent: Answer | None = None
    code: str | None = None
    error: BaseException | None = None


def share_at_once(base: str, people: list[Person]) -> None:
    barrier = threading.Barrier(len(people), timeout=120)

    def act(person: Person) -> None:
        try:
            browser = Browser(base)
            page = browser.open("/share")
            assert page.status == 200, f"GET /share gave {page.status}"
            soup = BeautifulSoup(page.body, "html.parser")
            form = {
                "csrf_token": soup.select_one("input[name=csrf_token]")["value"],
                "form_key": soup.select_one("input[name=form_key]")["value"],
                "body": person.body,
                "lcps": [person.lcp],
                "topics": ["transport"],
                "speaks_for": "self",
                "contact": "yes" if person.email else "no",
            }
            if person.email:
                form |= {"email": person.email, "wants_updates": "y"}
            barrier.wait()
            person.sent = browser.open("/share", form)
            if person.sent.status == 303:
                receipt = BeautifulSoup(browser.open("/share/sent").body, "html.parser")
                person.code = receipt.select_one("#receipt-code").get_text(strip=True).replace("-", "")
        except Exception as error:  # noqa: BLE001 - reported with the person it happened to
            person.error = error
            barrier.abort()

    threads = [threading.Thread(target=act, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"


def test_every_submission_sent_at_the_same_moment_is_stored_with_its_receipt(server: str, database: str) -> None:
    run = uuid4().hex[:8]
    people = [
        Person(
            number=number,
            body=f"Person {number} of run {run}: the bus to the clinic is late again",
            lcp=LCPS[number % len(LCPS)],
            email=f"person{number}-{run}@example.org" if number % 2 == 0 else None,
        )
        for number in range(PEOPLE)
    ]
    started = time.monotonic()
    share_at_once(server, people)
    elapsed = time.monotonic() - started

    problems = [(p.number, repr(p.error)) for p in people if p.error is not None]
    assert problems == []
    statuses = sorted(p.sent.status for p in people)
    assert not [status for status in statuses if status >= 500], f"server errors: {statuses}"
    assert statuses == [303] * PEOPLE, statuses
    assert {urlsplit(p.sent.location).path for p in people} == {"/share/sent"}
    codes = {p.code for p in people}
    assert None not in codes and len(codes) == PEOPLE

    engine = create_engine(database_url(database, ""))
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(Submission.id, Submission.receipt_code, Submission.body).order_by(Submission.id)
            ).all()
            assert {row.receipt_code: row.body for row in rows} == {p.code: p.body for p in people}
            ids = [row.id for row in rows]
            routed = connection.execute(
                select(Routing.submission_id, func.count(Routing.id))
                .where(Routing.submission_id.in_(ids))
                .group_by(Routing.submission_id)
            ).all()
            assert dict(routed) == dict.fromkeys(ids, 1)
            received = connection.scalar(
                select(func.count(SubmissionEvent.id)).where(
                    SubmissionEvent.submission_id.in_(ids), SubmissionEvent.kind == "received"
                )
            )
            assert received == PEOPLE
            receipts = connection.execute(
                select(OutboxMessage.to_address, SubmissionContact.submission_id)
                .join(SubmissionContact, OutboxMessage.contact_id == SubmissionContact.id)
                .where(OutboxMessage.kind == "receipt")
                .order_by(OutboxMessage.id)
            ).all()
            by_code = {row.receipt_code: row.id for row in rows}
            expected = {(p.email, by_code[p.code]) for p in people if p.email}
            assert len(receipts) == PEOPLE // 2
            assert set(map(tuple, receipts)) == expected
    finally:
        engine.dispose()
    print(f"{PEOPLE} submissions at once on {make_url(database).get_backend_name()} took {elapsed:.2f}s")
