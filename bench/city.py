"""City-sized benchmark (`make bench`): the whole of Leeds's data, served as production serves it, loaded with wrk.

For SQLite, then PostgreSQL (when a server answers), it builds a throwaway database with every partnership, the
demo content, 200,000 submissions and 50,000 followers; serves it with gunicorn in production settings; drives
each measured route with wrk (a fixed duration, 16 connections); counts whether every accepted submission was
stored; and reads the workers' memory. Once, on SQLite, it adds up the bytes of a first visit to the home page
and runs Lighthouse on three pages. It prints the figures, writes them to instance/bench.json and asserts
nothing. See bench/README.md.

    .venv/bin/python bench/city.py [--submissions 200000] [--followers 50000] [--duration 15]
    .venv/bin/python bench/city.py --submissions 5000 --followers 2000 --duration 3   # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import base  # bench/base.py: the shared server, client, sign-in, /proc and PostgreSQL helpers
from base import HOST, ITEM_LINK, ROOT, SIGNED_IN, Browser

BENCH = ROOT / "bench"
WRK_SCRIPT = BENCH / "wrk.lua"
LIGHTHOUSE = BENCH / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/bench_city"
DEFAULT_OUTPUT = ROOT / "instance" / "bench.json"
# What a browser sends: the server may compress, and the pages are in English.
BROWSER_HEADERS = {"Accept-Encoding": "gzip, br", "Accept-Language": "en-GB"}
EXEMPT_ADDRESS = HOST

BUSY_LCP = "hatch"  # the busiest partnership in bench/dataset.py's weights, and the LCP worker's
FIND_QUERY = "LS12"  # a postcode district the finder knows (Armley, Wortley, Farnley), as run.py uses
INBOX_TOPIC = "housing"
SHARE_BODY = (
    "Bench: the 42 bus stopped running after 7pm, so I cannot get to the surgery for evening appointments. "
    "My neighbour has the same problem."
)

WRK_TIMEOUT = "10s"  # one request slower than this counts as a wrk timeout error
WRK_SLACK = 30.0  # seconds wrk may take beyond its duration before it is stopped
LOADER_TIMEOUT_BASE = 300.0  # seconds for bench/dataset.py, plus the per-row allowance below
LOADER_SECONDS_PER_ROW = 0.01
SETTLE_TIMEOUT = 15.0  # seconds to wait for submissions still being stored after wrk stops
LIGHTHOUSE_TIMEOUT = 240.0  # seconds for one page's Lighthouse run
PROBE_TIMEOUT = 10.0
POSTGRES_CONNECT_TIMEOUT = 5


# Routes ----------------------------------------------------------------------------------------------------------


@dataclass
class Route:
    name: str
    path: str
    note: str
    markers: tuple[bytes, ...] = ()
    who: str = ""  # "worker" or "admin": signed in as that person (the session cookie in a Cookie header)
    share: bool = False
    connections: int = 0  # 0: --connections
    pattern: bytes = b""  # a regular expression the page must match too (an inbox row: a link to an item)
    redirect_to: str = ""  # a redirect to an address starting with this is the page expected too
    latency: bool = False  # measured again with --latency-connections, for the response time without queueing
    dashboard: bool = False  # its first views (the cache's misses) are timed one by one before the run
    expect: bytes = b""  # a regular expression the page should match (a view marked current): a note if not


# The inbox's navigation marks the view shown as the current page (app/templates/admin/inbox/_views.html).
NEW = rb'view=new"[^>]*aria-current="page"'
OVERDUE = rb'view=overdue"[^>]*aria-current="page"'
# The inbox's first page and its saved views, for each person: the targets' pages.
INBOX_ROUTES = ("inbox", "inbox_admin", "view_new", "view_new_admin", "view_overdue", "view_overdue_admin")
SEARCH_ROUTES = ("search_code", "search_code_admin", "search_rare", "search_rare_admin")
# The public JSON API (app/api): the list of partnerships and the busiest one, kept in the page cache as pages are.
API_ROUTES = ("api_partnerships", "api_partnership")


def routes(args: argparse.Namespace, facts: dict[str, Any]) -> list[Route]:
    probes = facts.get("probes") or {}
    signed_in = (SIGNED_IN,)
    code = probes.get("receipt_code") or "tjydar56"
    rare = probes.get("rare_word") or "defibrillator"
    item = probes.get("item_id") or 1

    def staff(name: str, path: str, note: str, who: str, **more: Any) -> Route:
        more.setdefault("pattern", ITEM_LINK)
        return Route(name, path, note, signed_in, who=who, latency=True, **more)

    everything = [
        Route("healthz", "/healthz", "baseline: no database, no template", (b"ok",)),
        Route("lcp_page", f"/lcps/{BUSY_LCP}", "the busiest partnership's page", (b"<h1",)),
        Route("find", f"/find?q={FIND_QUERY}", "the finder, by postcode district", (b"<h1",)),
        Route("api_partnerships", "/api/v1/partnerships", "API: the partnerships, first page", (b'"data"',)),
        Route("api_partnership", f"/api/v1/partnerships/{BUSY_LCP}", "API: one partnership", (b'"scorecard"',)),
        staff("inbox", "/admin/inbox", "staff inbox, first page (the LCP worker)", "worker"),
        staff("inbox_admin", "/admin/inbox", "staff inbox, first page (the citywide admin)", "admin"),
        staff("view_new", "/admin/inbox?view=new", "view: new, not opened yet (worker)", "worker", expect=NEW),
        staff("view_new_admin", "/admin/inbox?view=new", "view: new (admin)", "admin", expect=NEW),
        staff("view_overdue", "/admin/inbox?view=overdue", "view: past the target (worker)", "worker", expect=OVERDUE),
        staff(
            "view_overdue_admin", "/admin/inbox?view=overdue", "view: past the target (admin)", "admin", expect=OVERDUE
        ),
        staff(
            "inbox_filtered",
            f"/admin/inbox?status=received&topic={INBOX_TOPIC}",
            "staff inbox filtered by status and topic (worker)",
            "worker",
        ),
        staff("item", f"/admin/submissions/{item}", "an item's page, a recent one (worker)", "worker", pattern=rb"<h1"),
        staff(
            "search_code",
            f"/admin/inbox?q={code}",
            "search by receipt code, typed lower case without the hyphen (worker)",
            "worker",
            redirect_to="/admin/submissions/",
        ),
        staff(
            "search_code_admin",
            f"/admin/inbox?q={code}",
            "search by receipt code (admin)",
            "admin",
            redirect_to="/admin/submissions/",
        ),
        staff(
            "search_rare", f"/admin/inbox?q={rare}", "search for a rare word, about 1 item in 2,000 (worker)", "worker"
        ),
        staff("search_rare_admin", f"/admin/inbox?q={rare}", "search for a rare word (admin)", "admin"),
        Route(
            "dashboard_admin",
            "/admin/",
            "the dashboard of a citywide admin (figures kept for a minute)",
            (SIGNED_IN, b'id="figures"'),
            who="admin",
            dashboard=True,
        ),
        Route("share", "/share", "sending a submission (POST)", share=True, connections=args.senders),
        Route("healthz_end", "/healthz", "the baseline again, at the end", (b"ok",)),
    ]
    if not args.only:
        return everything
    wanted = {name.strip() for name in args.only.split(",")} | {"healthz", "healthz_end"}
    return [route for route in everything if route.name in wanted]


# wrk -------------------------------------------------------------------------------------------------------------


@dataclass
class WrkRun:
    rps: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    requests: int = 0
    non_2xx_3xx: int = 0
    socket_errors: dict[str, int] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)
    sent: int = 0
    answered: int = 0
    accepted: int = 0
    other_cpu: float | None = None
    error: str = ""

    @property
    def errors(self) -> int:
        return self.non_2xx_3xx + sum(self.socket_errors.values())


UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def to_ms(number: str, unit: str) -> float:
    return round(float(number) * UNITS_MS[unit], 3)


def parse_wrk(output: str) -> WrkRun:
    """The figures of one wrk run, from its text output (with --latency) and wrk.lua's `bench` lines."""
    run = WrkRun()
    if found := re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M):
        run.rps = float(found.group(1))
    for percent, attribute in (("50", "p50_ms"), ("99", "p99_ms")):
        if found := re.search(rf"^\s+{percent}(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.M):
            setattr(run, attribute, to_ms(*found.groups()))
    if found := re.search(r"^\s+(\d+) requests in ", output, re.M):
        run.requests = int(found.group(1))
    if found := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output):
        run.non_2xx_3xx = int(found.group(1))
    if found := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        run.socket_errors = dict(zip(("connect", "read", "write", "timeout"), map(int, found.groups()), strict=True))
    if found := re.search(r"^bench sent (\d+) answered (\d+) accepted (\d+)$", output, re.M):
        run.sent, run.answered, run.accepted = map(int, found.groups())
    for status, count in re.findall(r"^bench status (\d+) (\d+)$", output, re.M):
        run.statuses[int(status)] = int(count)
    if run.rps is None:
        run.error = "no Requests/sec in wrk's output: " + " | ".join(output.strip().splitlines()[-5:])
    elif run.requests == 0:
        # No response came back within the run: wrk prints a latency distribution of zeros.
        run.p50_ms = run.p99_ms = None
        run.error = "no response within the run"
    return run


def run_bounded(command: list[str], timeout: float, env: dict[str, str] | None = None) -> tuple[int | None, str]:
    """Runs a command in a process group of its own and returns (exit code, stdout and stderr); when the time is
    up, or this script is stopped, the whole group (a browser that Lighthouse started, say) is ended."""
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    try:
        output, _ = process.communicate(timeout=timeout)
        return process.returncode, output
    except subprocess.TimeoutExpired:
        end_group(process)
        output, _ = process.communicate()
        return None, (output or "") + f"\n(stopped after {timeout:.0f} s)"
    except BaseException:
        end_group(process)
        raise


def end_group(process: subprocess.Popen) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=5)
            return
        except subprocess.TimeoutExpired:
            continue


def wrk(
    port: int,
    path: str,
    seconds: float,
    connections: int,
    threads: int,
    headers: dict[str, str],
    script_args: list[str],
    server_pid: int,
) -> WrkRun:
    command = ["wrk", "-t", str(min(threads, connections)), "-c", str(connections), "-d", f"{seconds:g}s"]
    command += ["--latency", "--timeout", WRK_TIMEOUT, "-s", str(WRK_SCRIPT)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command += [f"http://{HOST}:{port}{path}", "--", *script_args]
    watch = base.OtherCpu(server_pid)
    code, output = run_bounded(command, seconds + WRK_SLACK)
    result = parse_wrk(output)
    result.other_cpu = watch.percent()
    if code != 0 and not result.error:
        result.error = f"wrk exited with {code}"
    return result


# HTTP checks -----------------------------------------------------------------------------------------------------


def probe(port: int, route: Route, cookie: dict[str, str]) -> tuple[str | None, int | None]:
    """One request before measuring, uncompressed, then one as a browser asks (compressed): the page must be the
    one expected, or the figures would mean nothing. Returns (what is wrong, or None; bytes on the wire)."""
    plain = base.get(port, route.path, cookie)
    where = plain.headers.get("location", "")
    if route.redirect_to and plain.status in (302, 303) and urlsplit(where).path.startswith(route.redirect_to):
        return None, wire_bytes(plain)
    if plain.status != 200:
        return f"HTTP {plain.status or plain.error}{f' to {where}' if where else ''}", None
    missing = [marker.decode() for marker in route.markers if marker not in plain.body]
    if route.pattern and not re.search(route.pattern, plain.body):
        missing.append(f"a match for {route.pattern.decode()}")
    if missing:
        return f"HTTP 200 without {', '.join(missing)}", None
    if route.expect and not re.search(route.expect, plain.body):
        print(f"  {route.name}: note: the page has no match for {route.expect.decode()} (is the view applied?)")
    packed = base.get(port, route.path, {**cookie, **BROWSER_HEADERS})
    return None, wire_bytes(packed)


def wire_bytes(outcome: base.Outcome) -> int:
    length = outcome.headers.get("content-length")
    return int(length) if length and length.isdigit() else len(outcome.body)


def share_form(port: int) -> tuple[Browser, str]:
    """The share page as a browser first sees it: its session cookie (holding the CSRF secret) and the form's
    fields, URL-encoded, without form_key (wrk.lua adds one per send)."""
    browser = Browser(port)
    status, _, page = browser.request("GET", "/share")
    if status != 200:
        raise RuntimeError(f"GET /share answered HTTP {status}")
    fields = {
        "csrf_token": base.csrf_token(page),
        "body": SHARE_BODY,
        "topics": "transport",
        "lcps": BUSY_LCP,
        "speaks_for": "self",
        "contact": "no",
        "item": "",
    }
    if not browser.cookies:
        raise RuntimeError("GET /share set no cookie, so a CSRF token cannot be sent back")
    return browser, urlencode(fields)


def check_share(browser: Browser, fields: str, form_key: str) -> str | None:
    """One send with the same cookie and fields, as wrk.lua will send them: it must be accepted (303 to the receipt)."""
    connection_headers = {**browser.cookie_header(), "Content-Type": "application/x-www-form-urlencoded"}
    outcome = post(browser.port, "/share", f"{fields}&form_key={form_key}", connection_headers)
    location = outcome.headers.get("location", "")
    if outcome.status == 303 and "/share/sent" in location:
        return None
    return f"HTTP {outcome.status or outcome.error}{f' to {location}' if location else ''}"


def post(port: int, path: str, body: str, headers: dict[str, str]) -> base.Outcome:
    import http.client

    connection = http.client.HTTPConnection(HOST, port, timeout=base.REQUEST_TIMEOUT)
    started = time.perf_counter()
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read()
        headers_read = {name.lower(): value for name, value in response.getheaders()}
        return base.Outcome(response.status, time.perf_counter() - started, content, headers=headers_read)
    except (OSError, http.client.HTTPException) as error:
        return base.Outcome(None, time.perf_counter() - started, error=f"{type(error).__name__}: {error}")
    finally:
        connection.close()


# The database ----------------------------------------------------------------------------------------------------


@dataclass
class Database:
    kind: str  # "sqlite" or "postgresql"
    url: str
    sqlite_path: Path | None = None
    server_version: str = ""


def count_stored(database: Database, prefix: str) -> int:
    """Submissions whose form_key wrk.lua made in this run (so neither the warm-up's nor the demo's count)."""
    query = "SELECT count(*) FROM submission WHERE form_key LIKE %s"
    pattern = f"{prefix}-%"
    if database.kind == "sqlite":
        with sqlite3.connect(database.sqlite_path, timeout=30) as connection:
            return connection.execute(query.replace("%s", "?"), (pattern,)).fetchone()[0]
    with psycopg.connect(database.url, connect_timeout=POSTGRES_CONNECT_TIMEOUT) as connection:
        return connection.execute(query, (pattern,)).fetchone()[0]


def stored_after_settling(database: Database, prefix: str) -> int:
    """The count once it stops growing: requests in flight when wrk stopped are still finished by the workers."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    last = count_stored(database, prefix)
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = count_stored(database, prefix)
        if now == last:
            break
        last = now
    return last


def postgres_version(url: str) -> tuple[str | None, str]:
    """(server version, or None when no server answers; the reason)."""
    try:
        arguments, _name = base.postgres_admin(url)
        with psycopg.connect(**arguments, connect_timeout=POSTGRES_CONNECT_TIMEOUT) as connection:
            return connection.execute("SHOW server_version").fetchone()[0], ""
    except SystemExit as refused:
        return None, str(refused)
    except (OSError, psycopg.Error) as error:
        first_line = (str(error).strip().splitlines() or [""])[0]
        return None, f"{type(error).__name__}: {first_line}"


def load_dataset(env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    """Migrate, seed and demo through `flask`, then bench/dataset.py in a process of its own."""
    for command in (("db", "upgrade"), ("seed",), ("demo",)):
        base.run_flask(env, *command)
    timeout = LOADER_TIMEOUT_BASE + LOADER_SECONDS_PER_ROW * (args.submissions + args.followers)
    command = [sys.executable, str(BENCH / "dataset.py"), "--submissions", str(args.submissions)]
    command += ["--followers", str(args.followers)]
    print(
        f"  bench/dataset.py: {args.submissions:,} submissions and {args.followers:,} followers "
        f"(at most {timeout:.0f} s; its report follows when it ends)",
        flush=True,
    )
    started = time.perf_counter()
    code, output = run_bounded(command, timeout, env)
    facts = None
    for line in output.splitlines():
        if line.startswith("dataset: "):
            facts = json.loads(line.removeprefix("dataset: "))
        else:
            print(f"  {line}" if line.strip() else "")
    if code != 0 or facts is None:
        raise RuntimeError(f"bench/dataset.py failed (exit code {code})")
    facts["load_seconds"] = round(time.perf_counter() - started, 1)
    print(f"  loaded in {facts['load_seconds']:.0f} s")
    return facts


# One database, measured ------------------------------------------------------------------------------------------


def serve_env(database: Database, port: int) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("FLASK_", "GUNICORN_"))}
    env.update(
        APP_ENV="production",
        SECRET_KEY=secrets.token_hex(32),
        DATABASE_URL=database.url,
        SITE_URL=f"http://{HOST}:{port}",
        CONTACT_EMAIL="bench@lcp.test",
        TRUSTED_PROXY_COUNT="0",
        RATELIMIT_EXEMPT_ADDRESSES=EXEMPT_ADDRESS,
        WEB_CONCURRENCY=str(base.WORKERS),
        PYTHONUNBUFFERED="1",
    )
    return env


def setup_env(database: Database) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GUNICORN_")}
    env.update(DATABASE_URL=database.url, APP_ENV="development", FLASK_APP="wsgi", PYTHONUNBUFFERED="1")
    return env


def measure_database(database: Database, args: argparse.Namespace, temp_dir: Path, once: dict[str, Any]) -> dict:
    """Load, serve and measure one database; `once` collects what runs on the first database only."""
    result: dict[str, Any] = {"database": database.url}
    print(
        f"\n=== {database.kind}: {database.url}"
        + (f" (server {database.server_version})" if database.server_version else "")
    )
    facts = load_dataset(setup_env(database), args)
    result["dataset"] = {key: facts.get(key) for key in ("rows", "load_seconds", "spread", "probes")}

    port = base.free_port()
    log_path = temp_dir / f"gunicorn-{database.kind}.log"
    server = base.start_gunicorn(serve_env(database, port), port, log_path)
    try:
        base.wait_until_healthy(server, port, log_path)
        print(
            f"\ngunicorn pid {server.pid} on http://{HOST}:{port}: {' '.join(base.gunicorn_command(port)[1:])}, "
            f"APP_ENV=production, WEB_CONCURRENCY={base.WORKERS}"
        )
        print(
            f"  rate limits: RATELIMIT_EXEMPT_ADDRESSES={EXEMPT_ADDRESS} lifts them for this benchmark's own address, "
            "since all its load comes from one address"
        )
        cookies: dict[str, dict[str, str]] = {}
        for who, email, secret, role in (
            ("worker", facts["worker_email"], facts["worker_secret"], f"LCP worker, {facts['worker_lcp']}"),
            ("admin", facts["admin_email"], facts["admin_secret"], "citywide admin"),
        ):
            cookies[who] = base.sign_in(port, email, secret, facts["password"]).cookie_header()
            print(f"  signed in as {email} ({role}): password, then TOTP code")

        measured: dict[str, dict[str, Any]] = {}
        memory = WorkerMemory(server.pid)
        memory.start()
        try:
            for route in routes(args, facts):
                measured[route.name] = measure_route(database, route, port, server.pid, cookies, args)
        finally:
            workers = memory.finish()
        baselines = [measured.get(name, {}).get("rps") for name in ("healthz", "healthz_end")]
        present = [value for value in baselines if value]
        baseline = sum(present) / len(present) if present else None
        result["baseline_rps"] = round(baseline, 1) if baseline else None
        for figures in measured.values():
            figures["ratio"] = round(figures["rps"] / baseline, 4) if baseline and figures.get("rps") else None
        result["routes"] = measured
        result["targets"] = judge(measured)
        share = measured.get("share", {}).get("share", {})
        result["lost"] = share.get("lost")
        result["workers"] = workers
        hwm = [w["hwm_mb"] for w in result["workers"] if w["hwm_mb"] is not None]
        result["worker_rss_mb"] = max(hwm) if hwm else None

        if not once.get("done"):
            once["done"] = True
            once["first_visit"] = first_visit(port)
            once["lighthouse"] = lighthouse(port, args) if not args.no_lighthouse else skipped_lighthouse()
        result["gunicorn_errors"] = log_errors(log_path)
    finally:
        base.stop(server)
    print_database(database.kind, result)
    return result


def measure_route(
    database: Database,
    route: Route,
    port: int,
    server_pid: int,
    cookies: dict[str, dict[str, str]],
    args: argparse.Namespace,
) -> dict[str, Any]:
    connections = route.connections or args.connections
    cookie = cookies.get(route.who, {})
    headers = {**BROWSER_HEADERS, **cookie}
    figures: dict[str, Any] = {"path": route.path, "method": "POST" if route.share else "GET"}
    figures["connections"] = connections
    if route.who:
        figures["signed_in_as"] = route.who
    script_args = ["get"]
    prefix = ""
    if route.share:
        try:
            browser, fields = share_form(port)
            prefix = f"bench-{secrets.token_hex(4)}"
            problem = check_share(browser, fields, f"{prefix}-check")
        except RuntimeError as error:
            problem = str(error)
        if problem:
            print(f"  {route.name}: a single send was not accepted ({problem}); not measuring it")
            return figures | {"rps": None, "error": f"not accepted: {problem}"}
        headers.update(browser.cookie_header())
        script_args = ["share", fields]
    else:
        problem, size = probe(port, route, cookie)
        if problem:
            print(f"  {route.name} ({route.path}): {problem}; not measuring a wrong page")
            return figures | {"rps": None, "error": problem}
        figures["bytes"] = size
    if route.dashboard:
        figures["first_views"] = first_views(port, route.path, cookie)
    if args.warmup > 0:
        warm_args = [*script_args, f"{prefix}-warm"] if route.share else script_args
        wrk(port, route.path, args.warmup, connections, args.threads, headers, warm_args, server_pid)
    run_args = [*script_args, f"{prefix}-run"] if route.share else script_args
    run = wrk(port, route.path, args.duration, connections, args.threads, headers, run_args, server_pid)
    figures.update(
        rps=run.rps,
        p50_ms=run.p50_ms,
        p99_ms=run.p99_ms,
        requests=run.requests,
        errors=run.errors,
        non_2xx_3xx=run.non_2xx_3xx,
        socket_errors=run.socket_errors,
        statuses={str(status): n for status, n in sorted(run.statuses.items())},
        other_cpu_percent=None if run.other_cpu is None else round(run.other_cpu, 1),
    )
    if run.error:
        figures["error"] = run.error
    if route.share:
        stored = stored_after_settling(database, f"{prefix}-run")
        in_flight = max(0, run.sent - run.answered)
        figures["share"] = {
            "accepted": run.accepted,
            "stored": stored,
            "lost": max(0, run.accepted - stored),
            "stored_unanswered": max(0, stored - run.accepted),
            "in_flight_at_stop": in_flight,
        }
    line = f"  {route.name:<18} {fmt(run.rps, 1):>8} req/s  p50 {fmt(run.p50_ms, 1)} ms  p99 {fmt(run.p99_ms, 1)} ms"
    line += f"  errors {run.errors}" + (f"  ({run.error})" if run.error else "")
    if route.latency and args.latency_duration > 0:
        quiet = wrk(
            port, route.path, args.latency_duration, args.latency_connections, 1, headers, script_args, server_pid
        )
        figures["latency"] = {
            "connections": args.latency_connections,
            "seconds": args.latency_duration,
            "rps": quiet.rps,
            "p50_ms": quiet.p50_ms,
            "p99_ms": quiet.p99_ms,
            "requests": quiet.requests,
            "errors": quiet.errors,
            "other_cpu_percent": None if quiet.other_cpu is None else round(quiet.other_cpu, 1),
        }
        line += (
            f"   | {args.latency_connections} connections: p50 {fmt(quiet.p50_ms, 1)} ms  p99 {fmt(quiet.p99_ms, 1)} ms"
            f" ({quiet.requests} requests)"
        )
    print(line)
    return figures


FIRST_VIEW_PERIODS = (90, 30, 365)  # the dashboard's periods: each is worked out, then kept, on its own
HIT_REQUESTS = 20


def first_views(port: int, path: str, cookie: dict[str, str]) -> dict[str, Any]:
    """The dashboard's cache, timed one request at a time: each period's first view on each worker (a miss: the
    figures are worked out; `Server-Timing` says which it was and how long the figures took in the worker), then
    HIT_REQUESTS views of `path` served from the cache. The workers keep their own copies (no REDIS_URL here), so
    each period misses once per worker: requests go on until WORKERS misses are seen (or 4 times that many sent)."""
    misses: list[dict[str, Any]] = []
    hits: list[dict[str, Any]] = []
    for days in FIRST_VIEW_PERIODS:
        address = f"{path}?days={days}"
        seen = 0
        for _attempt in range(4 * base.WORKERS):
            outcome = base.get(port, address, cookie)
            timing = outcome.headers.get("server-timing", "")
            found = re.search(r'desc="([^"]+)";dur=([\d.]+)', timing)
            if outcome.status != 200 or not found:
                return {"error": f"HTTP {outcome.status or outcome.error} without Server-Timing for {address}"}
            entry = {"days": days, "ms": round(outcome.seconds * 1000, 1), "figures_ms": float(found.group(2))}
            if found.group(1) == "worked out":
                misses.append(entry)
                seen += 1
                if seen == base.WORKERS:
                    break
            else:
                hits.append(entry)
    for _request in range(HIT_REQUESTS):
        outcome = base.get(port, path, cookie)
        found = re.search(r'desc="([^"]+)";dur=([\d.]+)', outcome.headers.get("server-timing", ""))
        if outcome.status == 200 and found and found.group(1) == "from the cache":
            hits.append({"days": 90, "ms": round(outcome.seconds * 1000, 1), "figures_ms": float(found.group(2))})

    def middle(entries: list[dict[str, Any]], key: str) -> float | None:
        return round(statistics.median(entry[key] for entry in entries), 1) if entries else None

    summary = {
        "miss_p50_ms": middle(misses, "ms"),
        "miss_figures_p50_ms": middle(misses, "figures_ms"),
        "hit_p50_ms": middle(hits, "ms"),
        "hit_figures_p50_ms": middle(hits, "figures_ms"),
        "misses": misses,
        "hits": len(hits),
    }
    print(
        f"  dashboard, one request at a time: first view (worked out) p50 {fmt(summary['miss_p50_ms'])} ms "
        f"(figures {fmt(summary['miss_figures_p50_ms'])} ms, {len(misses)} misses); from the cache p50 "
        f"{fmt(summary['hit_p50_ms'])} ms (figures {fmt(summary['hit_figures_p50_ms'], 2)} ms, {len(hits)} hits)"
    )
    return summary


# The targets: (name, routes, the run, the figure, at least or under, the limit, what is aimed for).
TARGETS: tuple[tuple[str, tuple[str, ...], str, str, str, float, float | None], ...] = (
    ("inbox and views: req/s ratio to /healthz", INBOX_ROUTES, "load", "ratio", "at least", 0.25, 0.4),
    ("inbox and views: p99", INBOX_ROUTES, "load", "p99_ms", "under", 100.0, None),
    ("inbox and views: p99", INBOX_ROUTES, "latency", "p99_ms", "under", 100.0, None),
    ("item page: req/s ratio to /healthz", ("item",), "load", "ratio", "at least", 0.25, None),
    ("API: req/s ratio to /healthz", API_ROUTES, "load", "ratio", "at least", 0.6, None),
    ("search: p50", SEARCH_ROUTES, "load", "p50_ms", "under", 50.0, None),
    ("search: p50", SEARCH_ROUTES, "latency", "p50_ms", "under", 50.0, None),
)


def judge(measured: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Each target against the figure measured: met or missed. For reading only: nothing fails on a miss."""
    judged = []
    for name, names, run, key, how, limit, aim in TARGETS:
        for route in names:
            figures = measured.get(route)
            if figures is None:
                continue
            source = figures if run == "load" else figures.get("latency", {})
            value = source.get(key)
            met = None if value is None else (value >= limit if how == "at least" else value < limit)
            entry = {"target": name, "route": route, "run": run, "figure": key, "value": value}
            entry |= {"limit": f"{how} {limit:g}", "met": met}
            if aim is not None and value is not None:
                entry["aim"] = f"{how} {aim:g}"
                entry["aim_met"] = value >= aim if how == "at least" else value < aim
            judged.append(entry)
    return judged


class WorkerMemory(threading.Thread):
    """Reads VmRSS and VmHWM of every gunicorn worker twice a second while the routes are measured: a worker that
    gunicorn replaces (after a crash, or after MAX_REQUESTS when that is set) would take its peak with it unread."""

    INTERVAL = 0.5

    def __init__(self, master_pid: int) -> None:
        super().__init__(name="worker-memory", daemon=True)
        self.master_pid = master_pid
        self.stopping = threading.Event()
        self.workers: dict[int, dict[str, Any]] = {}

    def read(self) -> None:
        for pid in base.children_of(self.master_pid):
            peak, current = base.memory_kib(pid)
            if peak is None or current is None:
                continue  # ended between the listing and the reading
            seen = self.workers.setdefault(pid, {"pid": pid, "rss_mb": 0.0, "hwm_mb": 0.0})
            seen["rss_mb"] = round(current / 1024, 1)
            seen["hwm_mb"] = max(seen["hwm_mb"], round(peak / 1024, 1))

    def run(self) -> None:
        while not self.stopping.wait(self.INTERVAL):
            self.read()

    def finish(self) -> list[dict[str, Any]]:
        self.stopping.set()
        self.join(timeout=5)
        self.read()
        return list(self.workers.values())


def log_errors(log_path: Path) -> list[str]:
    """Tracebacks and worker deaths in gunicorn's log, so a failing route shows why (at most 5 lines)."""
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except OSError:
        return []
    wanted = ("Traceback", "Error", "CRITICAL", "WORKER TIMEOUT", "Exception")
    return [line[:300] for line in lines if any(word in line for word in wanted)][:5]


# First visit -----------------------------------------------------------------------------------------------------


class PageAssets(HTMLParser):
    """What a browser fetches from a page's HTML for its first paint: stylesheets, scripts, icons, eager images."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []  # (kind, address)
        self.classes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.classes.update(values.get("class", "").split())
        if tag == "link" and values.get("href"):
            rels = set(values.get("rel", "").lower().split())
            if "stylesheet" in rels:
                self.found.append(("css", values["href"]))
            elif rels & {"icon", "shortcut", "apple-touch-icon"}:
                self.found.append(("icon", values["href"]))
            elif "modulepreload" in rels or ("preload" in rels and values.get("as") == "script"):
                self.found.append(("js", values["href"]))
            elif "preload" in rels:
                self.found.append((values.get("as") or "other", values["href"]))
        elif tag == "script" and values.get("src"):
            self.found.append(("js", values["src"]))
        elif tag == "img" and values.get("src") and values.get("loading") != "lazy":
            self.found.append(("image", values["src"]))


JS_IMPORT = re.compile(r"""(?:^|[;\s}])(?:import|export)\s*(?:[\w*{}\s,$]+\s*from\s*)?["']([^"']+)["']""", re.M)
CSS_IMPORT = re.compile(r"""@import\s+(?:url\()?\s*["']?([^"')\s;]+)""")
CSS_RULE = re.compile(r"([^{}]*)\{([^{}]*)\}")
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)""")
# States a first paint does not have: a rule for these loads its image only when a person interacts.
INTERACTIVE = re.compile(r":(hover|focus|focus-visible|focus-within|active|checked|visited|target)\b|search-cancel")


def css_first_paint_urls(css: str, page_classes: set[str]) -> list[str]:
    """url(...)s in rules that could apply to the page as first painted: every class the selector names is on the
    page, and it needs no interaction. Fonts in @font-face count whenever they are declared. An estimate: the
    browser's own answer is Lighthouse's total-byte-weight, also kept in the JSON."""
    found = []
    for selector, body in CSS_RULE.findall(css):
        urls = CSS_URL.findall(body)
        if not urls:
            continue
        selector = selector.rsplit(";", 1)[-1].strip()
        if selector.startswith("@font-face"):
            found.extend(urls[:1])  # the first source a browser can use
            continue
        for one in selector.split(","):
            classes = set(re.findall(r"\.([\w-]+)", one))
            if not INTERACTIVE.search(one) and classes <= page_classes:
                found.extend(urls)
                break
    return [url for url in dict.fromkeys(found) if not url.startswith("data:")]


def first_visit(port: int) -> dict[str, Any]:
    """The bytes on the wire for a first visit to the home page: the HTML and every asset it loads for the first
    paint, each fetched once as a browser asks (`Accept-Encoding: gzip, br`), its Content-Length when compressed."""
    origin = f"http://{HOST}:{port}"
    assets: list[dict[str, Any]] = []
    seen: set[str] = set()
    skipped: list[str] = []

    def fetch(kind: str, address: str, parse) -> None:
        parts = urlsplit(urljoin(origin + "/", address))
        if f"{parts.scheme}://{parts.netloc}" != origin:
            skipped.append(address)
            return
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path in seen:
            return
        seen.add(path)
        packed = base.get(port, path, BROWSER_HEADERS)
        entry = {"path": path, "kind": kind, "status": packed.status, "bytes": wire_bytes(packed)}
        entry["encoding"] = packed.headers.get("content-encoding", "")
        assets.append(entry)
        if parse is not None and packed.status == 200:
            plain = base.get(port, path, {"Accept-Language": "en-GB"})
            entry["raw_bytes"] = len(plain.body)
            parse(origin + path, plain.body.decode("utf-8", errors="replace"))

    page_classes: set[str] = set()

    def parse_css(url: str, text: str) -> None:
        for address in CSS_IMPORT.findall(text):
            fetch("css", urljoin(url, address), parse_css)
        for address in css_first_paint_urls(text, page_classes):
            fetch("css-url", urljoin(url, address), None)

    def parse_js(url: str, text: str) -> None:
        for address in JS_IMPORT.findall(text):
            if address.startswith((".", "/")):
                fetch("js", urljoin(url, address), parse_js)

    def parse_html(url: str, text: str) -> None:
        parser = PageAssets()
        parser.feed(text)
        page_classes.update(parser.classes)
        for kind, address in parser.found:
            fetch(kind, urljoin(url, address), {"css": parse_css, "js": parse_js}.get(kind))

    fetch("html", "/", parse_html)
    total = sum(asset["bytes"] for asset in assets if asset["status"] == 200)
    js = sum(asset["bytes"] for asset in assets if asset["status"] == 200 and asset["kind"] == "js")
    failed = [asset["path"] for asset in assets if asset["status"] != 200]
    return {"bytes": total, "js_bytes": js, "assets": assets, "not_fetched": skipped, "failed": failed}


# Lighthouse ------------------------------------------------------------------------------------------------------


def lighthouse_pages() -> list[tuple[str, str]]:
    return [("home", "/"), ("lcp_page", f"/lcps/{BUSY_LCP}"), ("find", f"/find?q={FIND_QUERY}")]


def skipped_lighthouse() -> dict[str, Any]:
    return {"error": "skipped (--no-lighthouse)", "pages": {}}


def lighthouse(port: int, args: argparse.Namespace) -> dict[str, Any]:
    """Lighthouse (bench/node_modules, pinned by bench/package-lock.json) with Debian's Chromium, mobile, on three
    pages: the four category scores (0-100) and the main metrics of each; an error is recorded, never raised."""
    if not LIGHTHOUSE.exists():
        return {"error": "Lighthouse is not installed: run `npm ci --prefix bench` (make bench does)", "pages": {}}
    if not Path(CHROMIUM).exists():
        return {"error": f"{CHROMIUM} is missing: `make chromium` installs Debian's chromium", "pages": {}}
    env = dict(os.environ, CHROME_PATH=CHROMIUM)
    pages: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="lcp-bench-lighthouse-") as temp:
        for name, path in lighthouse_pages():
            report_path = Path(temp) / f"{name}.json"
            command = [
                str(LIGHTHOUSE),
                f"http://{HOST}:{port}{path}",
                "--output=json",
                f"--output-path={report_path}",
                f"--only-categories={','.join(CATEGORIES)}",
                f"--chrome-flags={CHROME_FLAGS}",
                "--quiet",
            ]
            started = time.perf_counter()
            code, output = run_bounded(command, args.lighthouse_timeout, env)
            pages[name] = read_lighthouse(report_path, path, code, output)
            pages[name]["seconds"] = round(time.perf_counter() - started, 1)
            scores = ", ".join(f"{c} {pages[name].get('scores', {}).get(c, '-')}" for c in CATEGORIES)
            print(f"  lighthouse {name} ({path}): {pages[name].get('error') or scores}")
    return {"pages": pages}


def read_lighthouse(report_path: Path, path: str, code: int | None, output: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"path": path}
    try:
        report = json.loads(report_path.read_text())
    except (OSError, ValueError):
        tail = " | ".join(line for line in output.strip().splitlines()[-4:])
        entry["error"] = f"no report (exit code {code}): {tail or 'no output'}"
        return entry
    if report.get("runtimeError"):
        entry["error"] = f"{report['runtimeError'].get('code')}: {report['runtimeError'].get('message', '')}"
    entry["scores"] = {
        name: None if report["categories"].get(name, {}).get("score") is None
        else round(report["categories"][name]["score"] * 100)
        for name in CATEGORIES
    }  # fmt: skip
    audits = report.get("audits", {})
    metrics = {
        "first_contentful_paint_ms": "first-contentful-paint",
        "largest_contentful_paint_ms": "largest-contentful-paint",
        "total_blocking_time_ms": "total-blocking-time",
        "cumulative_layout_shift": "cumulative-layout-shift",
        "speed_index_ms": "speed-index",
        "total_byte_weight": "total-byte-weight",
    }
    entry["metrics"] = {
        key: None if audits.get(audit, {}).get("numericValue") is None else round(audits[audit]["numericValue"], 3)
        for key, audit in metrics.items()
    }
    failing = [
        audit_id
        for audit_id, audit in audits.items()
        if audit.get("score") is not None
        and audit["score"] < 0.9
        and audit.get("scoreDisplayMode") in ("binary", "metricSavings")
    ]
    entry["failing_audits"] = sorted(failing)
    entry["lighthouse_version"] = report.get("lighthouseVersion")
    return entry


# Output ----------------------------------------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def print_database(kind: str, result: dict[str, Any]) -> None:
    print(f"\n{kind}: {result.get('database', '')}")
    if result.get("skipped") or result.get("error"):
        print(f"  {result.get('skipped') or result.get('error')}")
        return
    quiet_connections = sorted(
        {r["latency"]["connections"] for r in result.get("routes", {}).values() if "latency" in r}
    )
    at = f"@{quiet_connections[0]}c" if quiet_connections else "@-"
    header = (
        f"  {'route':<18} {'req/s':>9} {'ratio':>7} {'p50 ms':>9} {'p99 ms':>9} {'errors':>7} {'bytes':>8} "
        f"{'other CPU':>9}   {'p50 ' + at:>9} {'p99 ' + at:>9}"
    )
    print(header)
    print("  " + "-" * (len(header) - 2))
    for name, r in result.get("routes", {}).items():
        size = f"{r['bytes']:,}" if r.get("bytes") is not None else "-"
        other = f"{r['other_cpu_percent']:.0f} %" if r.get("other_cpu_percent") is not None else "-"
        errors = str(r.get("errors", "-")) if r.get("rps") is not None else "n/a"
        quiet = r.get("latency", {})
        print(
            f"  {name:<18} {fmt(r.get('rps')):>9} {fmt(r.get('ratio'), 3):>7} {fmt(r.get('p50_ms')):>9} "
            f"{fmt(r.get('p99_ms')):>9} {errors:>7} {size:>8} {other:>9}   {fmt(quiet.get('p50_ms')):>9} "
            f"{fmt(quiet.get('p99_ms')):>9}"
        )
    quiet_connections = sorted(
        {r["latency"]["connections"] for r in result.get("routes", {}).values() if "latency" in r}
    )
    if result.get("baseline_rps"):
        print(
            f"  ratio: req/s over /healthz's {result['baseline_rps']:,.1f} req/s (the mean of its runs at the start "
            "and the end)"
        )
    if quiet_connections:
        print(
            f"  p50/p99 @{quiet_connections[0]}c: the staff pages again with {quiet_connections[0]} connections "
            "(one per worker: the workers busy, nothing queued behind them)"
        )
    for name, r in result.get("routes", {}).items():
        notes = []
        if r.get("error"):
            notes.append(r["error"])
        expected = {"303"} if name == "share" else {"200", "302", "303"} if name.startswith("search_code") else {"200"}
        unexpected = {s: n for s, n in r.get("statuses", {}).items() if s not in expected}
        if unexpected:
            notes.append(
                "answers other than expected: " + ", ".join(f"HTTP {s} x {n:,}" for s, n in unexpected.items())
            )
        if "429" in r.get("statuses", {}):
            notes.append(
                "429 means the rate limits still applied to 127.0.0.1: does the app honour RATELIMIT_EXEMPT_ADDRESSES?"
            )
        if any(r.get("socket_errors", {}).values()):
            notes.append("socket errors: " + ", ".join(f"{k} {v}" for k, v in r["socket_errors"].items() if v))
        if r.get("latency", {}).get("errors"):
            notes.append(f"{r['latency']['errors']} errors in the quiet run")
        for note in notes:
            print(f"  {name}: {note}")
    dashboard = result.get("routes", {}).get("dashboard_admin", {}).get("first_views")
    if dashboard:
        if dashboard.get("error"):
            print(f"  dashboard first views: {dashboard['error']}")
        else:
            print(
                f"  dashboard (citywide admin), one request at a time: first view {fmt(dashboard['miss_p50_ms'])} ms "
                f"(figures worked out in {fmt(dashboard['miss_figures_p50_ms'])} ms; median of "
                f"{len(dashboard['misses'])} first views), from the cache {fmt(dashboard['hit_p50_ms'])} ms "
                f"(figures {fmt(dashboard['hit_figures_p50_ms'], 2)} ms; {dashboard['hits']} views)"
            )
    share = result.get("routes", {}).get("share", {}).get("share")
    if share:
        print(
            f"  share: {share['accepted']:,} accepted (303 to /share/sent), {share['stored']:,} stored, "
            f"lost {share['lost']}"
            + (
                f"; {share['stored_unanswered']} stored whose answer wrk did not wait for "
                f"({share['in_flight_at_stop']} in flight when it stopped)"
                if share["stored_unanswered"]
                else ""
            )
        )
    for worker in result.get("workers", []):
        print(
            f"  worker pid {worker['pid']}: VmRSS {fmt(worker['rss_mb'])} MiB, VmHWM (peak) {fmt(worker['hwm_mb'])} MiB"
        )
    print_targets(result.get("targets", []))
    for line in result.get("gunicorn_errors", []):
        print(f"  gunicorn log: {line}")


def print_targets(targets: list[dict[str, Any]]) -> None:
    if not targets:
        return
    print("  targets (for reading; nothing fails on a miss):")
    for entry in targets:
        run = "under load" if entry["run"] == "load" else "one per worker"
        value = entry["value"]
        shown = "-" if value is None else (f"{value:.3f}" if entry["figure"] == "ratio" else f"{value:.1f} ms")
        verdict = "not measured" if entry["met"] is None else "met" if entry["met"] else "MISSED"
        if entry.get("aim"):
            verdict += f" (aim {entry['aim']}: {'met' if entry['aim_met'] else 'not yet'})"
        print(f"    {entry['target']:<38} {entry['limit']:<13} {entry['route']:<19} {run:<18} {shown:>10}  {verdict}")


def print_summary(report: dict[str, Any]) -> None:
    print("\n" + "=" * 40 + " Summary " + "=" * 40)
    for kind in ("sqlite", "postgresql"):
        if kind in report:
            print_database(kind, report[kind])
    print(f"\nworker memory (largest worker's peak RSS): {fmt(report.get('worker_rss_mb'))} MiB")
    visit = report.get("first_visit", {})
    if visit:
        print(
            f"first visit to / : {report['first_visit_bytes']:,} bytes on the wire, of which JavaScript "
            f"{report['first_visit_js_bytes']:,}"
        )
        for asset in visit.get("assets", []):
            raw = f", {asset['raw_bytes']:,} uncompressed" if asset.get("raw_bytes") is not None else ""
            print(
                f"  {asset['kind']:<8} {asset['path']:<52} {asset['bytes']:>9,} B {asset['encoding'] or 'identity':<8}"
                f"{raw}{'' if asset['status'] == 200 else '  HTTP ' + str(asset['status'])}"
            )
        for address in visit.get("not_fetched", []):
            print(f"  not counted (another origin): {address}")
    print(f"lost submissions: {report.get('lost')}")
    lh = report.get("lighthouse_detail", {})
    if lh.get("error"):
        print(f"Lighthouse: {lh['error']}")
    for name, page in lh.get("pages", {}).items():
        if page.get("scores"):
            scores = "  ".join(f"{c} {page['scores'].get(c, '-')}" for c in CATEGORIES)
            metrics = page.get("metrics", {})
            print(
                f"Lighthouse {name:<9} {scores}   LCP {fmt(metrics.get('largest_contentful_paint_ms'), 0)} ms, "
                f"TBT {fmt(metrics.get('total_blocking_time_ms'), 0)} ms, "
                f"{fmt(metrics.get('total_byte_weight'), 0)} bytes"
                + (f"  ({page['error']})" if page.get("error") else "")
            )
            if page.get("failing_audits"):
                print(f"  {'':<19}audits not passed: {', '.join(page['failing_audits'])}")
        else:
            print(f"Lighthouse {name:<9} {page.get('error', 'no scores')}")


# The machine -----------------------------------------------------------------------------------------------------


def tool_version(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    lines = (done.stdout + done.stderr).strip().splitlines()
    return lines[0].strip() if lines else "unknown"


def lighthouse_version() -> str:
    try:
        return json.loads((BENCH / "node_modules" / "lighthouse" / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return "not installed (npm ci --prefix bench)"


def machine(args: argparse.Namespace, postgres: str) -> dict[str, Any]:
    usable, gunicorn_version = base.usable_cores_and_gunicorn()
    return {
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "arch": platform.machine(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "gunicorn": gunicorn_version,
        "gunicorn_command": base.describe_gunicorn().format(gunicorn=gunicorn_version),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres,
        "wrk": tool_version(["wrk", "--version"]),
        "node": tool_version(["node", "--version"]),
        "chromium": tool_version([CHROMIUM, "--version"]) if Path(CHROMIUM).exists() else "missing",
        "lighthouse": lighthouse_version(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }


def print_context(args: argparse.Namespace, facts: dict[str, Any]) -> None:
    base.print_header(
        "Leeds LCP site benchmark: the city",
        [
            ("busy", f"{base.load_average()} before the run"),
            ("server", f"{base.describe_gunicorn()}, APP_ENV=production"),
            ("databases", f"SQLite {facts['sqlite']}; PostgreSQL {facts['postgresql']}"),
            ("tools", f"{facts['wrk']}; Lighthouse {facts['lighthouse']} with {facts['chromium']}"),
            (
                "load",
                f"{args.submissions:,} submissions, {args.followers:,} followers; wrk {args.duration:g} s per route "
                f"after {args.warmup:g} s of warm-up, {args.connections} connections ({args.senders} for the share "
                f"form), {args.threads} threads, headers: "
                + ", ".join(f"{k}: {v}" for k, v in BROWSER_HEADERS.items()),
            ),
        ],
    )


# Main ------------------------------------------------------------------------------------------------------------


def max_of(values: list[Any]) -> Any:
    present = [value for value in values if value is not None]
    return max(present) if present else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=base.non_negative_int, default=200_000, help="submissions (200000)")
    parser.add_argument("--followers", type=base.non_negative_int, default=50_000, help="followers (50000)")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of wrk load per route (15)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of unrecorded load first (2)")
    parser.add_argument("--connections", type=base.positive_int, default=16, help="wrk connections (16)")
    parser.add_argument("--senders", type=base.positive_int, default=32, help="connections sending the form (32)")
    parser.add_argument("--threads", type=base.positive_int, default=2, help="wrk threads (2)")
    parser.add_argument(
        "--latency-connections",
        type=base.positive_int,
        default=2,
        help="connections of the staff pages' second run (2)",
    )
    parser.add_argument("--latency-duration", type=float, default=5.0, help="seconds of that run (5; 0: none)")
    parser.add_argument("--only", default="", help="measure only these routes, comma-separated (and /healthz)")
    parser.add_argument("--database-url", default=DEFAULT_POSTGRES_URL, help=f"PostgreSQL ({DEFAULT_POSTGRES_URL})")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--no-lighthouse", action="store_true", help="skip Lighthouse")
    parser.add_argument("--lighthouse-timeout", type=float, default=LIGHTHOUSE_TIMEOUT, help="seconds per page (240)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON written here (instance/bench.json)")
    args = parser.parse_args()
    if args.duration <= 0:
        parser.error("--duration must be more than 0")
    if not args.database_url.startswith(("postgresql://", "postgres://")):
        parser.error("--database-url must be a postgresql:// URL")
    if shutil.which("wrk") is None:
        print(
            "wrk is missing: install Debian's package (sudo apt-get install wrk), or run `make bench`, "
            "which installs it when run as root",
            file=sys.stderr,
        )
        return 2
    if not WRK_SCRIPT.is_file():
        print(f"{WRK_SCRIPT} is missing", file=sys.stderr)
        return 2

    # A SIGTERM to this script still runs the `finally` blocks that stop gunicorn and drop the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    postgres_server, postgres_problem = (None, "not asked for (--no-postgres)")
    if not args.no_postgres:
        postgres_server, postgres_problem = postgres_version(args.database_url)
    facts = machine(args, postgres_server or f"not measured: {postgres_problem}")
    print_context(args, facts)
    report: dict[str, Any] = {"started_at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": facts}
    report["settings"] = {
        key: getattr(args, key)
        for key in (
            "submissions",
            "followers",
            "duration",
            "warmup",
            "connections",
            "senders",
            "threads",
            "latency_connections",
            "latency_duration",
            "only",
        )
    }
    report["settings"]["ratelimit_exempt_addresses"] = EXEMPT_ADDRESS
    once: dict[str, Any] = {}

    with tempfile.TemporaryDirectory(prefix="lcp-bench-city-") as temp:
        temp_dir = Path(temp)
        sqlite_path = temp_dir / "bench.sqlite3"
        databases = [Database("sqlite", f"sqlite:///{sqlite_path}", sqlite_path=sqlite_path)]
        if postgres_server:
            databases.append(Database("postgresql", args.database_url, server_version=postgres_server))
        else:
            print(f"\nPostgreSQL: not measured: {postgres_problem}")
            report["postgresql"] = {"skipped": postgres_problem, "database": args.database_url}
        for database in databases:
            try:
                if database.kind == "postgresql":
                    base.postgres_recreate(database.url)
                report[database.kind] = measure_database(database, args, temp_dir, once)
            except (Exception, SystemExit) as error:
                if isinstance(error, SystemExit) and error.code == 143:
                    raise
                message = f"{type(error).__name__}: {error}"
                print(f"\n{database.kind}: could not be measured: {message}")
                report[database.kind] = {"error": message, "database": database.url}
            finally:
                if database.kind == "postgresql":
                    try:
                        base.postgres_recreate(database.url, drop_only=True)
                        print(f"  dropped the throwaway database {database.url.rsplit('/', 1)[-1]}")
                    except (OSError, psycopg.Error) as error:
                        print(f"  could not drop {database.url}: {error}")

    visit = once.get("first_visit", {})
    report["first_visit_bytes"] = visit.get("bytes")
    report["first_visit_js_bytes"] = visit.get("js_bytes")
    report["first_visit"] = visit
    detail = once.get("lighthouse", {"error": "not run: no database could be served", "pages": {}})
    report["lighthouse"] = {
        name: page.get("scores") or {"error": page.get("error", "no scores")} for name, page in detail["pages"].items()
    }
    if detail.get("error"):
        report["lighthouse"]["error"] = detail["error"]
    report["lighthouse_detail"] = detail
    measured = [report[kind] for kind in ("sqlite", "postgresql") if report.get(kind, {}).get("routes")]
    report["lost"] = max_of([result.get("lost") for result in measured])
    report["worker_rss_mb"] = max_of([result.get("worker_rss_mb") for result in measured])
    facts["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    order = ("started_at", "machine", "settings", "sqlite", "postgresql", "first_visit_bytes", "first_visit_js_bytes")
    report = {key: report[key] for key in sorted(report, key=lambda k: order.index(k) if k in order else len(order))}

    print_summary(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nWrote {args.output}")
    return 0 if measured else 1


if __name__ == "__main__":
    sys.exit(main())
