"""What the benchmarks share: the gunicorn server, a plain HTTP client, /proc readings, the header that says which
machine the figures come from, the throwaway PostgreSQL database, and a staff sign-in over HTTP.

Nothing here measures anything by itself; bench/city.py (`make bench`), bench/run.py and bench/inbox.py do.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import math
import os
import platform
import re
import resource
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
# The venv's own bin directory; not resolved, so a symlinked python still points at .venv/bin.
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"

WARMUP_REQUESTS = 10
SETUP_TIMEOUT = 120.0  # seconds for each `flask` setup command
STARTUP_TIMEOUT = 30.0  # seconds for gunicorn to answer /healthz
STOP_TIMEOUT = 10.0  # seconds for gunicorn to stop after SIGTERM before it is killed
REQUEST_TIMEOUT = 10.0  # seconds for one request
MAX_FAILURES_SHOWN = 5  # distinct failure messages printed per URL
SIGNED_IN = b'action="/admin/logout"'  # the sign-out form in the staff header: only on a signed-in page
INBOX_ROW = b'id="routing-'  # one row of the inbox table
ITEM_LINK = rb'href="/admin/submissions/\d+'  # a link to an item's page: every inbox row has one


@dataclass
class Outcome:
    status: int | None
    seconds: float
    body: bytes = b""
    content_type: str = ""
    error: str = ""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Result:
    label: str
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    wall: float = 0.0
    body_bytes: int | None = None
    gzip_bytes: int | None = None
    skipped: int = 0


def get(port: int, path: str, headers: dict[str, str]) -> Outcome:
    """One GET on a fresh loopback connection, timed from connect to the last byte of the body."""
    start = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - start
        headers = {name.lower(): value for name, value in response.getheaders()}
        return Outcome(response.status, elapsed, body, response.getheader("Content-Type", ""), headers=headers)
    except (OSError, http.client.HTTPException) as error:
        return Outcome(None, time.perf_counter() - start, error=f"{type(error).__name__}: {error}")
    finally:
        connection.close()


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted, non-empty list."""
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def run_flask(env: dict[str, str], *args: str) -> None:
    command = [str(BIN / "flask"), "--app", "wsgi", *args]
    try:
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=SETUP_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise SystemExit(f"`flask {' '.join(args)}` did not finish within {SETUP_TIMEOUT:.0f} s") from None
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"`flask {' '.join(args)}` failed with exit code {done.returncode}")
    last_line = (done.stdout.strip().splitlines() or [""])[-1]
    print(f"  flask {' '.join(args)}: ok{f' ({last_line})' if last_line else ''}")


def wait_until_healthy(server: subprocess.Popen, port: int, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    attempts = int(STARTUP_TIMEOUT / 0.1) + 1
    for _ in range(attempts):
        if server.poll() is not None:
            sys.stderr.write(log_path.read_text(errors="replace")[-4000:])
            raise SystemExit(f"gunicorn exited with code {server.returncode} before answering /healthz")
        outcome = get(port, "/healthz", {})
        if outcome.status == 200:
            return
        if time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    sys.stderr.write(log_path.read_text(errors="replace")[-4000:])
    raise SystemExit(f"gunicorn did not answer /healthz within {STARTUP_TIMEOUT:.0f} s")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        print(f"gunicorn did not stop within {STOP_TIMEOUT:.0f} s of SIGTERM; killing it")
        server.kill()
        server.wait(timeout=STOP_TIMEOUT)


def measure(
    port: int,
    label: str,
    path: str,
    headers: dict[str, str],
    requests: int,
    concurrency: int,
    deadline: float,
    check: Callable[[Outcome], str | None] | None = None,
    statuses: tuple[int, ...] = (200,),
) -> Result:
    """Warm-up, then the measured requests. `check`, if given, looks at each HTTP 200 response and returns why
    it is not the page expected (or None): such a response counts as a failure, not a timing. An answer with another
    status counts as a failure unless it is in `statuses` (a redirect that is the page's answer)."""
    result = Result(label)
    for _ in range(WARMUP_REQUESTS):
        if time.monotonic() >= deadline:
            break
        get(port, path, headers)

    lock = threading.Lock()
    first_ok: list[Outcome] = []

    def one(_: int) -> None:
        if time.monotonic() >= deadline:
            with lock:
                result.skipped += 1
            return
        outcome = get(port, path, headers)
        problem = check(outcome) if check is not None and outcome.status == 200 else None
        with lock:
            if problem is not None:
                result.failures.append(problem)
            elif outcome.status in statuses:
                result.latencies.append(outcome.seconds)
                if not first_ok:
                    first_ok.append(outcome)
            else:
                result.failures.append(outcome.error or f"HTTP {outcome.status}")

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="bench") as pool:
        list(pool.map(one, range(requests)))
    result.wall = time.perf_counter() - start

    if first_ok:
        body = first_ok[0].body
        result.body_bytes = len(body)
        if first_ok[0].content_type.startswith("text/html"):
            result.gzip_bytes = len(gzip.compress(body, compresslevel=6, mtime=0))
    return result


def children_of(pid: int) -> list[int]:
    found: set[int] = set()
    for children_file in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found.update(int(child) for child in children_file.read_text().split())
        except OSError:
            continue
    if found:
        return sorted(found)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        if f"\nPPid:\t{pid}\n" in status:
            found.add(int(entry.name))
    return sorted(found)


def memory_kib(pid: int) -> tuple[int | None, int | None]:
    """(VmHWM, VmRSS) in KiB: the peak and the current resident set size."""
    values: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                values[key] = int(rest.split()[0])
    except OSError:
        pass
    return values.get("VmHWM"), values.get("VmRSS")


def mib(kib: int | None) -> str:
    return "n/a" if kib is None else f"{kib / 1024:.1f} MiB"


def print_memory(master_pid: int) -> None:
    print("\nGunicorn memory (from /proc/<pid>/status; VmHWM is the peak resident set size over the process's life)")
    rows = [("master", master_pid)] + [("worker", pid) for pid in children_of(master_pid)]
    total = 0
    for role, pid in rows:
        peak, current = memory_kib(pid)
        total += peak or 0
        print(f"  {role:<7} pid {pid:<8} peak {mib(peak):>11}   now {mib(current):>11}")
    print(f"  sum of peaks {mib(total):>11}  (pages shared after fork count in every process, so this overstates)")


WORKERS = 2  # gunicorn workers: WEB_CONCURRENCY, as production sets it for a 2-core machine
# The project's settings; BENCH_GUNICORN_CONF names another file, to measure a change to them before making it.
GUNICORN_CONF = Path(os.environ.get("BENCH_GUNICORN_CONF") or ROOT / "gunicorn.conf.py")


def gunicorn_command(port: int) -> list[str]:
    """Production's command: the project's gunicorn.conf.py (which reads WEB_CONCURRENCY and BIND) when it has one,
    else 2 sync workers. The bind is given on the command line too, which gunicorn lets override the file."""
    if GUNICORN_CONF.is_file():
        return [str(BIN / "gunicorn"), "-c", str(GUNICORN_CONF), "-b", f"{HOST}:{port}", "wsgi:app"]
    return [str(BIN / "gunicorn"), "-w", str(WORKERS), "-b", f"{HOST}:{port}", "wsgi:app"]


def describe_gunicorn() -> str:
    if GUNICORN_CONF.is_file():
        return f"gunicorn {{gunicorn}} -c {GUNICORN_CONF.name}, WEB_CONCURRENCY={WORKERS}"
    return f"gunicorn {{gunicorn}} -w {WORKERS} (sync workers; no gunicorn.conf.py in the project)"


def start_gunicorn(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen:
    """The site as production serves it (`gunicorn_command`), its output in `log_path`."""
    env = {"WEB_CONCURRENCY": str(WORKERS), **env, "BIND": f"{HOST}:{port}"}
    with log_path.open("wb") as log:
        return subprocess.Popen(gunicorn_command(port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def usable_cores_and_gunicorn() -> tuple[int | None, str]:
    """The cores this process may run on, and the installed gunicorn's version."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    try:
        gunicorn_version = metadata.version("gunicorn")
    except metadata.PackageNotFoundError:
        gunicorn_version = "unknown"
    return usable, gunicorn_version


def print_header(title: str, lines: list[tuple[str, str]]) -> None:
    """The benchmark's title, then this machine and its software, then `lines`, as aligned "name: value" rows."""
    usable, gunicorn_version = usable_cores_and_gunicorn()
    rows = [
        ("machine", f"{os.cpu_count()} cores ({usable} usable by this process), {platform.machine()}"),
        *[(name, value) for name, value in lines if name == "busy"],
        ("system", f"{platform.system()} {platform.release()}"),
        ("python", f"{platform.python_implementation()} {platform.python_version()} ({sys.executable})"),
        *[(name, value.format(gunicorn=gunicorn_version)) for name, value in lines if name != "busy"],
    ]
    width = max(len(name) for name, _value in rows) + 2
    print(title)
    for name, value in rows:
        print(f"  {name + ':':<{width}}{value}")


def positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def non_negative_int(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return number


def machine_busy_ticks() -> int:
    """Clock ticks all cores spent running user and kernel code of any process, from /proc/stat."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return 0
    user, nice, system = (int(value) for value in fields[1:4])
    return user + nice + system


def process_ticks(pids: list[int], children_too: bool = False) -> int:
    """Clock ticks these processes (all their threads) spent on a CPU, user and kernel; with `children_too`, also
    the ticks of their children that have ended and been waited for (a gunicorn worker replaced by the master)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
        if children_too:
            total += int(fields[13]) + int(fields[14])  # cutime, cstime
    return total


def waited_children_ticks(ticks_per_second: int) -> int:
    """Clock ticks of the child processes this script has waited for (such as a finished wrk run)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return round((usage.ru_utime + usage.ru_stime) * ticks_per_second)


class OtherCpu:
    """How much of the machine other processes used while one URL was measured. Ours are this script, the
    children it waited for meanwhile (wrk), the gunicorn master and its workers, including workers that the
    master replaced meanwhile; anything else (a test run, a browser, the PostgreSQL server) competes with them
    and skews the figures."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.ticks_per_second = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.cores = os.cpu_count() or 1
        self.start = (time.monotonic(), machine_busy_ticks(), self.ours())

    def ours(self) -> int:
        return (
            process_ticks([os.getpid()])
            + waited_children_ticks(self.ticks_per_second)
            + process_ticks([self.server_pid], children_too=True)
            + process_ticks(children_of(self.server_pid))
        )

    def percent(self) -> float | None:
        started, busy, ours = self.start
        seconds = time.monotonic() - started
        if seconds <= 0 or not busy:
            return None
        others = (machine_busy_ticks() - busy) - (self.ours() - ours)
        return max(0.0, 100 * others / (seconds * self.ticks_per_second * self.cores))


def load_average() -> str:
    """Other work on the machine competes with the server and the client: read the figures with this in mind."""
    try:
        one, five, _fifteen = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min)"


# PostgreSQL database -------------------------------------------------------------------------------------------


def postgres_admin(url: str) -> tuple[dict[str, Any], str]:
    """Connection arguments for the server's `postgres` database, and the name of the database to create."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = parsed.database or ""
    if not name.startswith("bench"):
        raise SystemExit(
            f"refusing to use database {name!r}: it is created and dropped here, so its name must start with 'bench'"
        )
    arguments = {"host": parsed.host or "127.0.0.1", "port": parsed.port or 5432, "user": parsed.username}
    if parsed.password:
        arguments["password"] = parsed.password
    return {key: value for key, value in arguments.items() if value is not None} | {"dbname": "postgres"}, name


def postgres_recreate(url: str, drop_only: bool = False) -> None:
    import psycopg
    from psycopg import sql

    arguments, name = postgres_admin(url)
    with psycopg.connect(**arguments, autocommit=True, connect_timeout=10) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if not drop_only:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


# Signed-in HTTP ------------------------------------------------------------------------------------------------


class Browser:
    """Just enough of a browser to sign in: keeps cookies, never follows redirects."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def cookie_header(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str, bytes]:
        headers = self.cookie_header()
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
            for value in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(value).items():
                    if morsel.value:
                        self.cookies[name] = morsel.value
                    else:
                        self.cookies.pop(name, None)
            return response.status, response.getheader("Location", ""), content
        finally:
            connection.close()


def csrf_token(page: bytes) -> str:
    found = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
    if not found:
        raise SystemExit("no csrf_token field on the page")
    return found.group(1).decode()


def sign_in(port: int, email: str, secret: str, password: str) -> Browser:
    """Password step, then a TOTP code computed from the account's secret, as a person with an app would."""
    import pyotp

    browser = Browser(port)
    status, _, page = browser.request("GET", "/admin/login")
    if status != 200:
        raise SystemExit(f"GET /admin/login answered HTTP {status}")
    status, location, _ = browser.request(
        "POST", "/admin/login", {"csrf_token": csrf_token(page), "email": email, "password": password}
    )
    if status not in (302, 303) or not location.endswith("/admin/login/code"):
        raise SystemExit(f"the password step for {email} answered HTTP {status} to {location!r}")
    status, _, page = browser.request("GET", "/admin/login/code")
    code = pyotp.TOTP(secret).now()
    status, location, _ = browser.request("POST", "/admin/login/code", {"csrf_token": csrf_token(page), "code": code})
    if status not in (302, 303) or "/login" in location:
        raise SystemExit(f"the code step for {email} answered HTTP {status} to {location!r}")
    # One page in the browser first, so the session cookie holds what a real browser's would (the CSRF secret).
    status, _, page = browser.request("GET", "/admin/")
    if status != 200 or SIGNED_IN not in page:
        raise SystemExit(f"{email} is not signed in after the code step (HTTP {status})")
    return browser
