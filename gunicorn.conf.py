"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app` (docs/deploy.md).

Every value a deployment may need to change comes from the environment (deploy/lcp.env.example), so this
file stays the same on every host.
"""

from __future__ import annotations

import os
import re

from gunicorn.glogging import Logger


def _cores() -> int:
    # The cores this process may run on (a container or CPU affinity can allow fewer than the machine has).
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS has no sched_getaffinity
        return os.cpu_count() or 1


# nginx in front talks to this address; loopback keeps gunicorn off the network.
bind = os.environ.get("BIND", "127.0.0.1:8000")

# The usual rule for sync workers, 2 per core plus 1, and never fewer than 2 so one slow request cannot
# hold up everyone. WEB_CONCURRENCY overrides it (each worker holds its own copy of the app in memory).
workers = int(os.environ.get("WEB_CONCURRENCY") or 0) or max(2, 2 * _cores() + 1)

# Sync workers: one request at a time per process. The app does short database work and no long polling,
# and nginx buffers slow clients, so nothing here needs threads or an event loop.
worker_class = "sync"

# A request that takes longer than this is stuck: the worker is killed and replaced.
timeout = 30
# On restart or reload, workers get this long to finish the request in hand.
graceful_timeout = 30
# Seconds an idle keep-alive connection stays open. The sync worker closes every connection after its
# response, so this only takes effect if worker_class changes; nginx keeps the browser's connection open.
keepalive = 5

# Workers are not replaced after a number of requests: their memory holds steady (about 100 to 160 MiB each
# under `make bench`), and a replacement costs the worker a second of starting up, which under a surge of
# visitors showed as the slowest 1 % of requests taking most of a second. MAX_REQUESTS turns it on if a
# leak ever needs it (the jitter spreads the restarts out).
max_requests = int(os.environ.get("MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10

# Trust X-Forwarded-Proto (https) only from nginx on this host; anyone else could pretend to be on https.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Each worker imports the app itself: a reload (HUP) picks up new code, and no database connection made
# while importing is shared between processes.
preload_app = False

# Workers signal they are alive through a file they touch; on disk that can stall on slow I/O, in memory
# it cannot.
SHARED_MEMORY = "/dev/shm"  # noqa: S108 - only the heartbeat file, which holds nothing
if os.path.isdir(SHARED_MEMORY):
    worker_tmp_dir = SHARED_MEMORY

# The control socket (gunicornc) is not used: `systemctl reload lcp-web` sends HUP. Left on, it would need
# a writable home directory, which the systemd unit does not give.
control_socket_disable = True


# Paths whose segments are keys to one person's data: signed links from emails and receipt codes.
PRIVATE_SEGMENT = re.compile(r"(/(?:confirm|preferences|unsubscribe|calendar|track|more)/)[^/]+")


class PrivateLogger(Logger):
    """Access log lines without the keys that some paths carry (a link from an email, a receipt code)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = PRIVATE_SEGMENT.sub(r"\1[private]", atoms.get("U") or "")
        return atoms


logger_class = PrivateLogger
# Access log to stdout and errors to stderr; under systemd both go to the journal. A line holds the
# method, the path without its query string (which may hold a postcode), the status, the size and the
# time taken: no network address, user agent or referrer, as docs/CONVENTIONS.md asks of every log.
accesslog = "-"
errorlog = "-"
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'


def post_worker_init(worker: object) -> None:
    """Once the worker has imported the app: collect the garbage of starting up, then move everything left into the
    permanent generation, so the collector never walks the app's own objects again. Under `make bench` full
    collections of those objects paused a worker for 100 to 160 ms about once every 120 staff pages."""
    import gc

    gc.collect()
    gc.freeze()
