"""Load benchmark for the staff inbox with many submissions: latency of its pages for two signed-in staff members.

It builds a throwaway database (SQLite in a temporary directory by default, or a PostgreSQL database it creates and
drops), migrates and seeds it, bulk-inserts `--submissions` submissions shaped like real ones (routings, topics,
contacts, history), makes a citywide admin and an LCP worker, serves the app with gunicorn, signs both in over HTTP
(password, then a TOTP code) and measures the inbox's pages the way bench/run.py measures the public site. Then it
prints the query plan of the inbox's queries. It asserts nothing about speed. See bench/README.md.

    .venv/bin/python bench/inbox.py [--submissions 200000] [--requests 100] [--concurrency 4] [--timeout 600]
    .venv/bin/python bench/inbox.py --database-url postgresql://postgres@127.0.0.1:5432/bench_inbox
"""

from __future__ import annotations

import argparse
import html
import os
import re
import resource
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import base  # bench/base.py: the shared client, server, sign-in and memory helpers
from base import HOST, ITEM_LINK, ROOT, SIGNED_IN, Browser, OtherCpu, load_average, postgres_recreate, sign_in
from dataset import (  # bench/dataset.py: the bulk loader
    ADMIN_EMAIL,
    COLLEAGUES_PER_LCP,
    COMMON_WORD,
    PASSWORD,
    RARE_WORD,
    WORKER_EMAIL,
    create_staff,
    database_size,
    load_submissions,
    print_submissions_report,
    probes,
    settle,
)

SLOW_P50_MS = 150  # a measured page slower than this at p50 is diagnosed after the tables (--diagnose-over)
SLOW_STATEMENT_MS = 20  # in a diagnosis, the plans of statements slower than this are printed
SLOW_STATEMENTS_SHOWN = 3
FULL_PLAN_MS = 20  # PostgreSQL inbox plans faster than this are summarised
PAGE_DEPTH = 40  # the deep page measured: reached by following the next-page link PAGE_DEPTH - 1 times
PROFILE_LINES = 15  # in a diagnosis, the functions of the app and its templates that took longest

# Signed-in HTTP ------------------------------------------------------------------------------------------------


NEXT_PAGE = (
    rb'<a[^>]*class="[^"]*nhsuk-pagination__link--next[^"]*"[^>]*href="([^"]+)"',
    rb'<a[^>]*href="([^"]+)"[^>]*class="[^"]*nhsuk-pagination__link--next',
    rb'<a[^>]*rel="next"[^>]*href="([^"]+)"',
    rb'<a[^>]*href="([^"]+)"[^>]*rel="next"',
)


def next_page(page: bytes) -> str | None:
    for pattern in NEXT_PAGE:
        if found := re.search(pattern, page):
            return html.unescape(found.group(1).decode())
    return None


def rows_on(page: bytes) -> int:
    """Inbox rows: the distinct items linked from the page."""
    return len(set(re.findall(ITEM_LINK, page)))


@dataclass
class Target:
    label: str
    path: str
    markers: tuple[bytes, ...]
    rows: int | None = None
    pattern: bytes = b""  # a regular expression the page must match too (an inbox row)
    redirect: bool = False  # answered with a redirect (a search by receipt code that goes straight to the item)


def check_for(markers: tuple[bytes, ...], pattern: bytes = b""):
    def check(outcome: base.Outcome) -> str | None:
        missing = [marker.decode() for marker in markers if marker not in outcome.body]
        if pattern and not re.search(pattern, outcome.body):
            missing.append(f"a match for {pattern.decode()}")
        return f"HTTP 200 without {', '.join(missing)}" if missing else None

    return check


def targets_for(browser: Browser, date_from: date, date_to: date, found: dict) -> tuple[list[Target], str]:
    """The URLs measured for one person; the deep page is found by following the next-page link."""
    inbox = (SIGNED_IN,)
    code = found["receipt_code"]

    def listing(label: str, path: str) -> Target:
        return Target(label, path, inbox, pattern=ITEM_LINK)

    targets = [
        Target("/healthz", "/healthz", (b"ok",)),
        listing("inbox, first page", "/admin/inbox"),
        listing("view=new", "/admin/inbox?view=new"),
        listing("view=overdue", "/admin/inbox?view=overdue"),
        listing("status=received&topic=housing", "/admin/inbox?status=received&topic=housing"),
        listing(f"q={code} (receipt code)", f"/admin/inbox?q={code}"),
        listing(f"q={COMMON_WORD}", f"/admin/inbox?q={COMMON_WORD}"),
        listing(f"q={RARE_WORD} (rare)", f"/admin/inbox?q={RARE_WORD}"),
        listing("from/to (one month)", f"/admin/inbox?from={date_from}&to={date_to}"),
        Target("item page (recent)", f"/admin/submissions/{found['item_id']}", inbox, pattern=rb"<h1"),
    ]
    path, timings = "/admin/inbox", []
    for _ in range(PAGE_DEPTH - 1):
        started = time.perf_counter()
        status, _, page = browser.request("GET", path)
        timings.append(time.perf_counter() - started)
        found = next_page(page) if status == 200 else None
        if found is None:
            raise SystemExit(f"no next-page link on {path} (HTTP {status}): too few submissions for page {PAGE_DEPTH}")
        path = found
    targets.append(listing(f"page {PAGE_DEPTH} (keyset cursor)", path))
    targets.append(Target("/admin/ (dashboard)", "/admin/", (SIGNED_IN,)))
    walk = (
        f"followed the next-page link {PAGE_DEPTH - 1} times, one request at a time: "
        f"median {statistics.median(timings) * 1000:.1f} ms, max {max(timings) * 1000:.1f} ms"
    )
    return targets, walk


def probe(browser: Browser, target: Target) -> None:
    """One request before measuring: the page must be the one expected, or the figures would mean nothing. A search
    by receipt code may answer with a redirect to the item's page: then the redirect is what is timed."""
    status, location, page = browser.request("GET", target.path)
    if status in (302, 303) and "/admin/submissions/" in location and "q=" in target.path:
        target.label += " (redirect)"
        target.redirect = True
        return
    check = check_for(target.markers, target.pattern)
    problem = check(base.Outcome(status, 0.0, page)) if status == 200 else f"HTTP {status}"
    if problem:
        where = f" to {location}" if location else ""
        raise SystemExit(f"{target.label} ({target.path}): {problem}{where}; not measuring a wrong page")
    if target.pattern == ITEM_LINK:
        target.rows = rows_on(page)


# Output --------------------------------------------------------------------------------------------------------


def print_table(title: str, targets: list[Target], results: list[base.Result], others: dict[str, float | None]) -> None:
    baseline = None
    if results and results[0].latencies:
        baseline = base.percentile(sorted(results[0].latencies), 50)
    header = (
        f"{'URL':<34} {'rows':>4} {'reqs':>5} {'fail':>4} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'req/s':>7} {'bytes':>8} {'p50/healthz':>11} {'other CPU':>9}"
    )
    print(f"\n{title}")
    print(header)
    print("-" * len(header))
    for target, r in zip(targets, results, strict=True):
        done = len(r.latencies) + len(r.failures)
        size = f"{r.body_bytes:,}" if r.body_bytes is not None else "-"
        rows = str(target.rows) if target.rows is not None else "-"
        ratio = "-"
        if r.latencies:
            ordered = sorted(r.latencies)
            p50, p95, p99 = (f"{base.percentile(ordered, p) * 1000:.1f}" for p in (50, 95, 99))
            peak = f"{ordered[-1] * 1000:.1f}"
            if baseline:
                ratio = f"{base.percentile(ordered, 50) / baseline:.1f}x"
        else:
            p50 = p95 = p99 = peak = "-"
        rate = f"{done / r.wall:.1f}" if r.wall > 0 and done else "-"
        other = others.get(r.label)
        busy = f"{other:.0f} %" if other is not None else "-"
        print(
            f"{r.label:<34} {rows:>4} {done:>5} {len(r.failures):>4} {p50:>8} {p95:>8} {p99:>8} {peak:>8} "
            f"{rate:>7} {size:>8} {ratio:>11} {busy:>9}"
        )
    for r in results:
        if r.failures:
            print(f"  {r.label}: {len(r.failures)} failed request(s)")
            distinct = sorted(set(r.failures))
            for message in distinct[: base.MAX_FAILURES_SHOWN]:
                print(f"    {r.failures.count(message)} x {message}")
        if r.skipped:
            print(f"  {r.label}: {r.skipped} request(s) not sent: the URL's time budget or the overall timeout ran out")


def short_sql(statement: str) -> str:
    statement = " ".join(statement.split())
    return re.sub(r"^SELECT .*? FROM ", "SELECT routing.* FROM ", statement, count=1)


def plan_lines(db: Any, postgres: bool, statement: str, parameters: Any) -> list[str]:
    """The plan of one statement as the database sees it: EXPLAIN QUERY PLAN (SQLite, as a tree) or
    EXPLAIN (ANALYZE, BUFFERS) (PostgreSQL, which runs it)."""
    kind = "EXPLAIN (ANALYZE, BUFFERS)" if postgres else "EXPLAIN QUERY PLAN"
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(f"{kind} {statement}", parameters)
        rows = cursor.fetchall()
        raw.rollback()
    finally:
        raw.close()
    if postgres:
        return [line for (line,) in rows]
    lines, depth = [], {0: 0}
    for ident, parent, _unused, detail in rows:
        depth[ident] = depth.get(parent, 0) + 1
        lines.append(f"{'  ' * (depth[ident] - 1)}{detail}")
    return lines


def execution_ms(lines: list[str]) -> float | None:
    for line in lines:
        if line.strip().startswith("Execution Time:"):
            return float(line.split(":")[1].split()[0])
    return None


def print_plan(lines: list[str], full: bool) -> None:
    """A PostgreSQL plan is long: in full when asked for or slow; otherwise its nodes, conditions, rows removed by
    filters and execution time, without the buffer, memory and planning lines."""
    took = execution_ms(lines)
    if full or took is None or took >= FULL_PLAN_MS:
        for line in lines:
            print(f"    {line}")
        return
    kept = ("->", "Limit", "Index Cond", "Filter", "Rows Removed", "Recheck Cond", "Hash Cond", "Execution Time")
    for line in lines:
        if line.strip().startswith(kept):
            print(f"    {line}")
    print(f"    (shortened: plans are shown whole for the worker's first page and any query over {FULL_PLAN_MS} ms)")


def signed_in_client(app: Any, db: Any, user_id: int) -> Any:
    """A test client with a staff session for this person, made as the sign-in pages make one."""
    from app.admin.access import SESSION_KEY
    from app.commands import Actor, accounts
    from app.models import StaffUser

    with app.app_context():
        token = accounts.start_session(Actor.staff(db.session.get(StaffUser, user_id)), "bench")
    client = app.test_client()
    with client.session_transaction() as session:
        session[SESSION_KEY] = token
    return client


def request_selects(app: Any, db: Any, client: Any, path: str) -> tuple[Any, float, list[tuple[str, Any]]]:
    """One request in this process (after one unmeasured, as the measured requests had a warm-up): its response,
    its time in ms, and every SELECT it sent, with its parameters."""
    from sqlalchemy import event

    captured: list[tuple[str, Any]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            captured.append((statement, parameters))

    client.get(path)
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        started = time.perf_counter()
        response = client.get(path)
        whole = (time.perf_counter() - started) * 1000
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return response, whole, captured


def rerun(db: Any, statement: str, parameters: Any) -> tuple[float, int]:
    """A statement run again on its own, its rows fetched: (ms, rows)."""
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        started = time.perf_counter()
        cursor.execute(statement, parameters)
        count = len(cursor.fetchall())
        took = (time.perf_counter() - started) * 1000
        raw.rollback()
    finally:
        raw.close()
    return took, count


INBOX_TABLES = re.compile(r"\bFROM routing\b|\bJOIN routing\b|\bsubmission_fts\b", re.I)
PLANS_PER_PAGE = 3


def explain(app: Any, db: Any, postgres: bool, user_id: int, targets: list[Target], title: str) -> None:
    """The plans of the inbox's slowest queries for each measured inbox URL, exactly as the page sends them: the
    request is made in this process, and each statement that reads the routings is re-run and timed; the slowest
    PLANS_PER_PAGE are explained."""
    kind = "EXPLAIN (ANALYZE, BUFFERS)" if postgres else "EXPLAIN QUERY PLAN"
    print(f"\n{kind} of the inbox's slowest queries, {title}")
    client = signed_in_client(app, db, user_id)
    for index, target in enumerate(targets):
        if not target.path.startswith("/admin/inbox"):
            continue
        response, whole, captured = request_selects(app, db, client, target.path)
        with app.app_context():
            timed = []
            for statement, parameters in captured:
                if INBOX_TABLES.search(statement):
                    took, count = rerun(db, statement, parameters)
                    timed.append((took, count, statement, parameters))
            timed.sort(key=lambda entry: -entry[0])
            print(
                f"\n  {target.label}  ({target.path}): HTTP {response.status_code} in {whole:.0f} ms here; "
                f"{len(captured)} SELECTs, {len(timed)} of them on the routings "
                f"({sum(entry[0] for entry in timed):.0f} ms re-run)"
            )
            for took, count, statement, parameters in timed[:PLANS_PER_PAGE]:
                print(f"\n    {took:.1f} ms, {count:,} rows: {short_sql(statement)[:600]}")
                print(f"    parameters: {parameters}")
                print_plan(
                    plan_lines(db, postgres, statement, parameters), full=index == 1 and "worker" in title.lower()
                )
            db.session.remove()


def diagnose(app: Any, db: Any, postgres: bool, user_id: int, target: Target, p50_ms: float) -> None:
    """Why a page is slow: its request once more in this process, every SELECT it sent re-run and timed with its
    rows fetched, and the plans of the slow ones. Whatever is not database time is Python (queries, rendering)."""
    client = signed_in_client(app, db, user_id)
    response, whole, captured = request_selects(app, db, client, target.path)
    with app.app_context():
        timed = []
        for statement, parameters in captured:
            took, count = rerun(db, statement, parameters)
            timed.append((took, count, statement, parameters))
        in_database = sum(ms for ms, *_rest in timed)
        print(
            f"\n  {target.label} ({target.path}), p50 {p50_ms:.0f} ms: one request in this process took {whole:.0f} ms "
            f"(HTTP {response.status_code}); its {len(timed)} SELECTs, re-run with their rows fetched, took "
            f"{in_database:.0f} ms; the rest ({max(whole - in_database, 0):.0f} ms) is Python: building objects, "
            "computing, rendering"
        )
        slow = sorted((t for t in timed if t[0] >= SLOW_STATEMENT_MS), key=lambda t: -t[0])[:SLOW_STATEMENTS_SHOWN]
        for ms, count, statement, parameters in slow:
            text = " ".join(statement.split())
            text = text if len(text) <= 700 else text[:700] + " …"
            print(f"\n    {ms:.0f} ms, {count:,} rows: {text}")
            print_plan(plan_lines(db, postgres, statement, parameters), full=True)
        db.session.remove()
    profile(client, target.path)


def profile(client: Any, path: str) -> None:
    """The request once more under cProfile: the app's own functions and templates that took longest, with their
    cumulative time (which includes the database's time for the queries they ran)."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    client.get(path)
    profiler.disable()
    stats = pstats.Stats(profiler)
    ours = [
        (cumulative, calls, f"{Path(filename).relative_to(ROOT)}:{line} {name}")
        for (filename, line, name), (calls, _primitive, _total, cumulative, _callers) in stats.stats.items()
        if filename.startswith(str(ROOT / "app"))
    ]
    ours.sort(key=lambda entry: -entry[0])
    print(f"\n    cProfile, the app's functions and templates by cumulative time (top {PROFILE_LINES}):")
    for cumulative, calls, where in ours[:PROFILE_LINES]:
        print(f"      {cumulative * 1000:8.1f} ms {calls:>7} calls  {where}")


def print_context(args: argparse.Namespace, postgres: bool) -> None:
    database = "PostgreSQL (version below)" if postgres else f"SQLite {sqlite3.sqlite_version}"
    base.print_header(
        "Leeds LCP site benchmark: the staff inbox",
        [
            ("busy", f"{load_average()} before the run"),
            ("server", f"{base.describe_gunicorn()}; {database}"),
            (
                "load",
                f"{args.submissions:,} submissions; {base.WARMUP_REQUESTS} warm-up then {args.requests} requests "
                f"per URL, {args.concurrency} client threads, new connection per request, at most "
                f"{args.url_budget:.0f} s per URL and {args.timeout:.0f} s in all",
            ),
        ],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=base.positive_int, default=200_000, help="submissions to load (200000)")
    parser.add_argument("--requests", type=base.positive_int, default=100, help="measured requests per URL (100)")
    parser.add_argument("--concurrency", type=base.positive_int, default=4, help="concurrent client threads (4)")
    parser.add_argument("--timeout", type=float, default=600.0, help="overall seconds for all requests (600)")
    parser.add_argument(
        "--url-budget", type=float, default=60.0, help="seconds for one URL's requests; the rest are not sent (60)"
    )
    parser.add_argument(
        "--diagnose-over", type=float, default=SLOW_P50_MS, help="diagnose pages with a p50 over this, in ms (150)"
    )
    parser.add_argument(
        "--database-url",
        default="",
        help="a PostgreSQL URL whose database (named bench…) is created, used and dropped; SQLite when left out",
    )
    args = parser.parse_args()
    postgres = args.database_url.startswith(("postgresql://", "postgres://"))
    if args.database_url and not postgres:
        raise SystemExit("--database-url must be a postgresql:// URL; leave it out for SQLite")
    minimum = (PAGE_DEPTH + 1) * 25 * 12
    if args.submissions < minimum:
        raise SystemExit(f"--submissions must be at least {minimum:,} so that page {PAGE_DEPTH} exists for the worker")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print_context(args, postgres)

    with tempfile.TemporaryDirectory(prefix="lcp-bench-inbox-") as temp:
        temp_dir = Path(temp)
        sqlite_path = None if postgres else temp_dir / "bench.sqlite3"
        url = args.database_url if postgres else f"sqlite:///{sqlite_path}"
        env = dict(os.environ)
        env.update(DATABASE_URL=url, APP_ENV="development", FLASK_APP="wsgi", PYTHONUNBUFFERED="1")
        server = None
        app = db = None
        try:
            if postgres:
                postgres_recreate(url)
            print(f"\nThrowaway database: {url}")
            for command in (("db", "upgrade"), ("seed",)):
                base.run_flask(env, *command)

            # The app in this process, on the same database: for the bulk load and the query plans.
            os.environ.update(env)
            sys.path.insert(0, str(ROOT))
            from sqlalchemy import select, text

            from app import create_app
            from app.extensions import db
            from app.models import Lcp, StaffUser, Topic

            app = create_app()
            with app.app_context():
                if postgres:
                    with db.engine.connect() as connection:
                        print(f"  server: {connection.scalar(text('SHOW server_version'))}")
                lcps = list(db.session.scalars(select(Lcp).order_by(Lcp.id)))
                topics = list(db.session.scalars(select(Topic).order_by(Topic.position)))
                staff = create_staff(db, lcps)
                secrets_by_id = dict(
                    db.session.execute(
                        select(StaffUser.id, StaffUser.totp_secret).where(
                            StaffUser.id.in_((staff.admin_id, staff.worker_id))
                        )
                    ).all()
                )
                print(
                    f"  staff: {ADMIN_EMAIL} (admin), {WORKER_EMAIL} (staff, {staff.worker_lcp_slug}), "
                    f"{COLLEAGUES_PER_LCP} colleagues per LCP"
                )
                report = load_submissions(db, args.submissions, lcps, topics, staff)
                found = probes(db, staff)
                settled = time.perf_counter()
                note = settle(db, postgres)
                settle_seconds = time.perf_counter() - settled
                print_submissions_report(report, args.submissions)
                print(f"  then: {note} ({settle_seconds:.1f} s)")
                print(f"  database size: {database_size(db, postgres, sqlite_path)}")
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                print(f"  peak memory of this script (loader): {base.mib(peak)}")
                db.session.remove()
                db.engine.dispose()

            port = base.free_port()
            log_path = temp_dir / "gunicorn.log"
            server = base.start_gunicorn(env, port, log_path)
            base.wait_until_healthy(server, port, log_path)
            print(f"\ngunicorn pid {server.pid} answering on http://{HOST}:{port}")

            today = date.today()
            date_from, date_to = today - timedelta(days=395), today - timedelta(days=365)
            deadline = time.monotonic() + args.timeout
            measured: list[tuple[str, int, list[Target]]] = []
            for title, email, user_id in (
                (f"LCP worker ({staff.worker_lcp_slug}: {report.routings_by_lcp[staff.worker_lcp_slug]:,} routings)",
                 WORKER_EMAIL, staff.worker_id),
                (f"Citywide admin (every LCP: {report.rows['routing']:,} routings)", ADMIN_EMAIL, staff.admin_id),
            ):  # fmt: skip
                browser = sign_in(port, email, secrets_by_id[user_id], PASSWORD)
                print(f"\n{email} signed in (password, then TOTP code)")
                targets, walk = targets_for(browser, date_from, date_to, found)
                print(f"  {walk}")
                for target in targets:
                    probe(browser, target)
                results = []
                others: dict[str, float | None] = {}
                for target in targets:
                    if time.monotonic() >= deadline:
                        results.append(base.Result(target.label, skipped=args.requests))
                        continue
                    watch = OtherCpu(server.pid)
                    results.append(
                        base.measure(
                            port,
                            target.label,
                            target.path,
                            browser.cookie_header(),
                            args.requests,
                            args.concurrency,
                            min(deadline, time.monotonic() + args.url_budget),
                            check=check_for(target.markers, target.pattern),
                            statuses=(200, 302, 303) if target.redirect else (200,),
                        )
                    )
                    others[target.label] = watch.percent()
                print_table(title, targets, results, others)
                measured.append((title, user_id, targets, results))
            if time.monotonic() >= deadline:
                print(f"\nOverall timeout of {args.timeout:.0f} s reached: some figures above are partial.")
            base.print_memory(server.pid)
            base.stop(server)

            # Each request in this process pushes its own application context (Flask-Login keeps the user there).
            for title, user_id, targets, _results in measured:
                explain(app, db, postgres, user_id, targets, title)
            slow = [
                (title, user_id, target, base.percentile(sorted(result.latencies), 50) * 1000)
                for title, user_id, targets, results in measured
                for target, result in zip(targets, results, strict=True)
                if result.latencies and base.percentile(sorted(result.latencies), 50) * 1000 > args.diagnose_over
            ]
            if slow:
                print(f"\nPages with a p50 over {args.diagnose_over:g} ms, and where their time goes")
            for title, user_id, target, p50_ms in slow:
                print(f"\n{title}")
                diagnose(app, db, postgres, user_id, target, p50_ms)
        finally:
            if server is not None:
                base.stop(server)
            if db is not None and app is not None:
                with app.app_context():
                    db.session.remove()
                    db.engine.dispose()
            if postgres:
                postgres_recreate(url, drop_only=True)
                print(f"\nDropped the throwaway database {url.rsplit('/', 1)[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
