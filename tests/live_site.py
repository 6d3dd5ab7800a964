"""The site as production runs it, for the reliability tests: a throwaway database, gunicorn, browsers, a TCP proxy.

Nothing here depends on `bench/`. Every wait is bounded, and everything started has a way to stop it that
the tests call from `finally` blocks or fixtures.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, Request, build_opener
from uuid import uuid4

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.config import database_url
from tests.mailbox import free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"

SETUP_TIMEOUT = 120.0  # seconds for `flask db upgrade` or `flask seed`
START_TIMEOUT = 60.0  # seconds for gunicorn to answer /healthz
STOP_TIMEOUT = 20.0  # seconds for gunicorn to stop after SIGTERM before it is killed
REQUEST_TIMEOUT = 30.0  # seconds for one request


def on_postgresql() -> bool:
    """The suite's convention (tests/conftest.py, test_share_concurrency.py): TEST_DATABASE_URL names PostgreSQL."""
    return os.environ.get("TEST_DATABASE_URL", "").startswith(("postgresql", "postgres:"))


# A throwaway database ----------------------------------------------------------------------------------------------


@contextlib.contextmanager
def throwaway_database(directory: Path, prefix: str = "test_load") -> Iterator[str]:
    """A new database, migrated and seeded by the commands a deployment runs; its URL (with the driver).

    A SQLite file in `directory`, or, when TEST_DATABASE_URL names PostgreSQL, a database `<prefix>_<random>` on
    that server, dropped afterwards.
    """
    if not on_postgresql():
        url = f"sqlite:///{directory / f'{prefix}.sqlite3'}"
        prepare(url)
        yield url
        return
    server = make_url(database_url(os.environ["TEST_DATABASE_URL"], ""))
    name = f"{prefix}_{uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = server.set(database=name).render_as_string(hide_password=False)
            prepare(url)
            yield url
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def site_environment(url: str, **extra: str) -> dict[str, str]:
    """The environment of a development site on `url`: no SMTP (mail waits in the outbox), share limit raised."""
    env = {key: value for key, value in os.environ.items() if key != "TEST_DATABASE_URL"}
    env.update(
        DATABASE_URL=url,
        APP_ENV="development",
        FLASK_APP="wsgi",
        SMTP_HOST="",
        SHARE_LIMIT="100000 per minute",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


# The public address a production site under test believes it has; requests carry it as their Host, and
# X-Forwarded-Proto says https, as nginx would send them (TRUSTED_PROXY_COUNT is 1 in production).
PRODUCTION_SITE_URL = "https://lcp.test"
PRODUCTION_HEADERS = {"Host": "lcp.test", "X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}


def production_environment(url: str, **extra: str) -> dict[str, str]:
    """The environment of a production site on `url`: every required setting given, mail waiting in the outbox."""
    env = site_environment(
        url,
        APP_ENV="production",
        SECRET_KEY="production-test-" + "k" * 32,
        SITE_URL=PRODUCTION_SITE_URL,
        CONTACT_EMAIL="engagement@lcp.test",
        TRUSTED_PROXY_COUNT="1",
    )
    env.pop("TRUSTED_HOSTS", None)
    env.update(extra)
    return env


def flask(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=SETUP_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def prepare(url: str) -> None:
    env = site_environment(url)
    flask(env, "db", "upgrade")
    flask(env, "seed")


# gunicorn ------------------------------------------------------------------------------------------------------


class Gunicorn:
    """gunicorn with 2 sync workers on a free loopback port, its output in a log file.

    It runs from the project's root, so it reads gunicorn.conf.py as production does; the options given here win.
    """

    def __init__(self, env: dict[str, str], log_path: Path, workers: int = 2) -> None:
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.log_path = log_path
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "-w",
                    str(workers),
                    "-b",
                    f"{HOST}:{self.port}",
                    "--graceful-timeout",
                    "5",
                    # The project's gunicorn.conf.py is read too (as in production); workers are never recycled
                    # here, whatever MAX_REQUESTS says, so a new worker always means one died or was killed.
                    "--max-requests",
                    "0",
                    "wsgi:app",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.workers_wanted = workers
        # A production site answers only its own name (TRUSTED_HOSTS), behind a proxy that says https.
        self.headers = dict(PRODUCTION_HEADERS) if env.get("APP_ENV") == "production" else {}

    def browser(self) -> Browser:
        """A browser that reaches this site as its public address would (see `headers`)."""
        return Browser(self.base, headers=self.headers)

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self, since: int = 0) -> str:
        return self.log_path.read_bytes()[since:].decode(errors="replace")

    def log_size(self) -> int:
        return self.log_path.stat().st_size

    def wait_until_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Until /healthz answers and every worker is up; fails with the log otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, f"gunicorn stopped ({self.process.returncode}):\n{self.log()[-4000:]}"
            healthy = status_of(self.base + "/healthz", headers=self.headers) == 200
            if len(self.workers()) == self.workers_wanted and healthy:
                return
            assert time.monotonic() < deadline, f"gunicorn not ready within {timeout:.0f} s:\n{self.log()[-4000:]}"
            time.sleep(0.1)

    def workers(self) -> list[int]:
        """The worker processes' ids: the live children of the gunicorn master (Linux /proc)."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid …: comm may hold spaces and brackets, so split after the last ")".
            fields = stat.rpartition(")")[2].split()
            if len(fields) >= 2 and fields[0] != "Z" and int(fields[1]) == self.pid:
                found.append(int(entry.name))
        return sorted(found)

    def kill_worker(self, pid: int) -> None:
        os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT)


@contextlib.contextmanager
def running_site(env: dict[str, str], log_path: Path) -> Iterator[Gunicorn]:
    server = Gunicorn(env, log_path)
    try:
        server.wait_until_ready()
        yield server
    finally:
        server.stop()


# A browser -------------------------------------------------------------------------------------------------------


class NoRedirects(HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str
    seconds: float


# What a client sees when the server process dies under it or nobody listens.
CONNECTION_ERRORS = (URLError, OSError, http.client.HTTPException)


class HttpsCookies(DefaultCookiePolicy):
    """Sends `Secure` cookies over the plain loopback connection that stands for the proxy's HTTPS."""

    def return_ok_secure(self, cookie, request) -> bool:
        return True


class Browser:
    """One person's browser: its own cookies; redirects are left for the test to see.

    `headers` go with every request (a production site's Host and X-Forwarded-Proto); with them, cookies marked
    `Secure` are sent back as a browser on HTTPS would.
    """

    def __init__(self, base: str, headers: dict[str, str] | None = None) -> None:
        self.base = base
        self.headers = dict(headers or {})
        self.cookies = CookieJar(HttpsCookies() if self.headers else None)
        self.opener = build_opener(HTTPCookieProcessor(self.cookies), NoRedirects())

    def open(
        self, path: str, form: dict | None = None, timeout: float = REQUEST_TIMEOUT, headers: dict | None = None
    ) -> Answer:
        """The answer, whatever its status; raises one of CONNECTION_ERRORS when there is none."""
        data = urlencode(form, doseq=True).encode() if form is not None else None
        started = time.monotonic()
        request = Request(self.base + path, data=data, headers={**self.headers, **(headers or {})})
        try:
            with self.opener.open(request, timeout=timeout) as response:
                body = response.read().decode(errors="replace")
                return Answer(response.status, dict(response.headers), body, time.monotonic() - started)
        except HTTPError as error:
            with error:
                body = error.read().decode(errors="replace")
                return Answer(error.code, dict(error.headers), body, time.monotonic() - started)


def status_of(url: str, timeout: float = 5.0, headers: dict[str, str] | None = None) -> int | None:
    try:
        return Browser(url.rsplit("/", 1)[0], headers).open("/" + url.rsplit("/", 1)[1], timeout=timeout).status
    except CONNECTION_ERRORS:
        return None


def input_value(html: str, name: str) -> str:
    """The value of the <input name=…> in a page, without parsing the whole page (the load tests parse many)."""
    tag = re.search(rf'<input\b[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    assert tag is not None, f"the page has no input called {name}"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


RECEIPT_CODE = re.compile(r'id="receipt-code"[^>]*>\s*([0-9A-Z]{4}-[0-9A-Z]{4})\s*<')


def receipt_code(html: str) -> str | None:
    found = RECEIPT_CODE.search(html)
    return found.group(1).replace("-", "") if found else None


# A TCP proxy that can be cut -----------------------------------------------------------------------------------


class TcpProxy:
    """Forwards a loopback port to a server (PostgreSQL here); `cut()` closes the listener and every connection,
    as a database that went away would, and `restore()` listens again on the same port."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._stop = threading.Event()
        self._accepting: threading.Thread | None = None
        self.connections = 0

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, self.port))
        listener.listen(128)
        listener.settimeout(0.1)
        self._stop = threading.Event()
        self._listener = listener
        self._accepting = threading.Thread(target=self._accept, args=(listener, self._stop), daemon=True)
        self._accepting.start()

    restore = start

    def _accept(self, listener: socket.socket, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                client, _address = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            client.settimeout(None)
            upstream.settimeout(None)
            with self._lock:
                if stop.is_set():
                    client.close()
                    upstream.close()
                    return
                self._sockets.update((client, upstream))
                self.connections += 1
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                self._close(end)

    def _close(self, end: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(end)
        with contextlib.suppress(OSError):
            end.shutdown(socket.SHUT_RDWR)
        end.close()

    def cut(self) -> None:
        """No listener and no open connection: connecting is refused, and every open connection is closed."""
        self._stop.set()
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        if self._accepting is not None:
            self._accepting.join(timeout=5)
        with self._lock:
            ends = list(self._sockets)
        for end in ends:
            self._close(end)

    close = cut
