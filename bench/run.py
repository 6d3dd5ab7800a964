"""Load benchmark for the public site: latency, throughput, response sizes, worker memory and asset sizes.

It builds a throwaway SQLite database in a temporary directory (migrate, seed, demo), serves the app with gunicorn
on a free loopback port, sends a bounded number of requests to each public URL from a small pool of client threads
and prints what it measured. It asserts nothing about speed: the figures are for reading, in the context of the
machine printed at the top. See bench/README.md.

    .venv/bin/python bench/run.py [--requests 200] [--concurrency 4] [--timeout 120]
"""

from __future__ import annotations

import argparse
import gzip
import os
import signal
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from base import (  # bench/base.py: the shared client, server and memory helpers
    HOST,
    MAX_FAILURES_SHOWN,
    ROOT,
    WARMUP_REQUESTS,
    Result,
    describe_gunicorn,
    free_port,
    measure,
    percentile,
    positive_int,
    print_header,
    print_memory,
    run_flask,
    start_gunicorn,
    stop,
    wait_until_healthy,
)

# (label, path, extra headers)
TARGETS: list[tuple[str, str, dict[str, str]]] = [
    ("/", "/", {}),
    ("/lcps", "/lcps", {}),
    ("/lcps?topic=ageing-well", "/lcps?topic=ageing-well", {}),
    ("/lcps/ls25-ls26", "/lcps/ls25-ls26", {}),
    ("/lcps/seacroft", "/lcps/seacroft", {}),
    ("/find?q=garforth", "/find?q=garforth", {}),
    ("/find?q=LS12", "/find?q=LS12", {}),
    ("/find?q=LS12 [htmx]", "/find?q=LS12", {"HX-Request": "true"}),
    ("/topics/ageing-well", "/topics/ageing-well", {}),
    ("/updates.atom", "/updates.atom", {}),
    ("/meetings.ics", "/meetings.ics", {}),
    ("/lcps/hatch/meetings.ics", "/lcps/hatch/meetings.ics", {}),
    ("/api/v1/partnerships", "/api/v1/partnerships", {}),
    ("/api/v1/partnerships/hatch", "/api/v1/partnerships/hatch", {}),
]


def print_assets() -> None:
    print("\nStatic assets (raw bytes, and gzip -6 as a server would send them)")
    # The built files, whatever their names (the build may put a hash of the content in them).
    dist = ROOT / "app/static/dist"
    files = sorted(dist.glob("*.css")) or [dist / "*.css"]
    for folder in (dist, dist / "js", ROOT / "app/static/js"):
        files.extend(sorted(folder.glob("*.js")))
    for path in files:
        name = str(path.relative_to(ROOT))
        if not path.is_file():
            print(f"  {name:<40} missing (run `npm run build`)")
            continue
        data = path.read_bytes()
        packed = len(gzip.compress(data, compresslevel=6, mtime=0))
        print(f"  {name:<40} {len(data):>9,} B   gzip {packed:>8,} B")


def print_table(results: list[Result]) -> None:
    header = (
        f"{'URL':<26} {'reqs':>5} {'fail':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'req/s':>7} {'bytes':>8} {'gzip':>7}"
    )
    print("\n" + header)
    print("-" * len(header))
    for r in results:
        done = len(r.latencies) + len(r.failures)
        size = f"{r.body_bytes:,}" if r.body_bytes is not None else "-"
        packed = f"{r.gzip_bytes:,}" if r.gzip_bytes is not None else "-"
        if r.latencies:
            ordered = sorted(r.latencies)
            p50, p95, p99 = (f"{percentile(ordered, p) * 1000:.1f}" for p in (50, 95, 99))
            peak = f"{ordered[-1] * 1000:.1f}"
        else:
            p50 = p95 = p99 = peak = "-"
        rate = f"{done / r.wall:.1f}" if r.wall > 0 and done else "-"
        print(
            f"{r.label:<26} {done:>5} {len(r.failures):>5} {p50:>8} {p95:>8} {p99:>8} {peak:>8} "
            f"{rate:>7} {size:>8} {packed:>7}"
        )
    for r in results:
        if r.failures:
            print(f"\n{r.label}: {len(r.failures)} failed request(s)")
            distinct = sorted(set(r.failures))
            for message in distinct[:MAX_FAILURES_SHOWN]:
                print(f"  {r.failures.count(message)} x {message}")
            if len(distinct) > MAX_FAILURES_SHOWN:
                print(f"  ... and {len(distinct) - MAX_FAILURES_SHOWN} other distinct failure(s)")
    skipped = [r for r in results if r.skipped]
    if skipped:
        print("\nNot sent because the overall timeout was reached (URL: requests):")
        for r in skipped:
            print(f"  {r.label}: {r.skipped}")
    total_failures = sum(len(r.failures) for r in results)
    print(f"\nFailures in total: {total_failures}")


def print_context(args: argparse.Namespace) -> None:
    print_header(
        "Leeds LCP site benchmark",
        [
            ("server", f"{describe_gunicorn()}; SQLite {sqlite3.sqlite_version}"),
            (
                "load",
                f"{WARMUP_REQUESTS} warm-up then {args.requests} requests per URL, {args.concurrency} client "
                f"threads, new connection per request, overall timeout {args.timeout:.0f} s",
            ),
        ],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=positive_int, default=200, help="measured requests per URL (200)")
    parser.add_argument("--concurrency", type=positive_int, default=4, help="concurrent client threads (4)")
    parser.add_argument("--timeout", type=float, default=120.0, help="overall seconds for all requests (120)")
    args = parser.parse_args()

    # A SIGTERM to this script still runs the `finally` below that stops gunicorn.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print_context(args)

    with tempfile.TemporaryDirectory(prefix="lcp-bench-") as temp:
        temp_dir = Path(temp)
        env = dict(os.environ)
        env.update(
            DATABASE_URL=f"sqlite:///{temp_dir / 'bench.sqlite3'}",
            APP_ENV="development",
            FLASK_APP="wsgi",
            PYTHONUNBUFFERED="1",
        )
        print(f"\nThrowaway database: {env['DATABASE_URL']}")
        for command in (("db", "upgrade"), ("seed",), ("demo",)):
            run_flask(env, *command)

        port = free_port()
        log_path = temp_dir / "gunicorn.log"
        server = start_gunicorn(env, port, log_path)
        try:
            wait_until_healthy(server, port, log_path)
            print(f"gunicorn pid {server.pid} answering on http://{HOST}:{port}")

            deadline = time.monotonic() + args.timeout
            results: list[Result] = []
            for label, path, headers in TARGETS:
                if time.monotonic() >= deadline:
                    results.append(Result(label, skipped=args.requests))
                    continue
                results.append(measure(port, label, path, headers, args.requests, args.concurrency, deadline))
            if time.monotonic() >= deadline:
                print(f"\nOverall timeout of {args.timeout:.0f} s reached: the figures below are partial.")
            print_table(results)
            print_memory(server.pid)
        finally:
            stop(server)
        print_assets()
    return 0


if __name__ == "__main__":
    sys.exit(main())
