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
import http.client
import math
import os
import platform
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

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
]


@dataclass
class Outcome:
    status: int | None
    seconds: float
    body: bytes = b""
    content_type: str = ""
    error: str = ""


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
        return Outcome(response.status, elapsed, body, response.getheader("Content-Type", ""))
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
) -> Result:
    """Warm-up, then the measured requests. `check`, if given, looks at each HTTP 200 response and returns why
    it is not the page expected (or None): such a response counts as a failure, not a timing."""
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
            elif outcome.status == 200:
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


def print_assets() -> None:
    print("\nStatic assets (raw bytes, and gzip -6 as a server would send them)")
    files = [ROOT / "app/static/dist/main.css"]
    for folder in (ROOT / "app/static/dist/js", ROOT / "app/static/js"):
        files.extend(sorted(folder.glob("*.js")) if folder.is_dir() else [folder / "*.js"])
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


def start_gunicorn(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen:
    """The site as production serves it: gunicorn with 2 sync workers, its output in `log_path`."""
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", "2", "-b", f"{HOST}:{port}", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def print_header(title: str, lines: list[tuple[str, str]]) -> None:
    """The benchmark's title, then this machine and its software, then `lines`, as aligned "name: value" rows."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    try:
        gunicorn_version = metadata.version("gunicorn")
    except metadata.PackageNotFoundError:
        gunicorn_version = "unknown"
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


def print_context(args: argparse.Namespace) -> None:
    print_header(
        "Leeds LCP site benchmark",
        [
            ("server", f"gunicorn {{gunicorn}}, 2 sync workers; SQLite {sqlite3.sqlite_version}"),
            (
                "load",
                f"{WARMUP_REQUESTS} warm-up then {args.requests} requests per URL, {args.concurrency} client "
                f"threads, new connection per request, overall timeout {args.timeout:.0f} s",
            ),
        ],
    )


def positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


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
