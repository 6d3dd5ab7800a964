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
import http.client
import os
import random
import re
import resource
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as base  # bench/run.py: the shared client, server and memory helpers

ROOT = base.ROOT
BIN = base.BIN
HOST = base.HOST

CHUNK = 2000  # submissions per bulk insert transaction
SQLITE_LOAD_CACHE_KIB = 256 * 1024  # SQLite page cache while loading
SLOW_P50_MS = 300  # a measured page slower than this at p50 is diagnosed after the tables
SLOW_STATEMENT_MS = 20  # in a diagnosis, the plans of statements slower than this are printed
SLOW_STATEMENTS_SHOWN = 3
FULL_PLAN_MS = 20  # PostgreSQL inbox plans faster than this are summarised
PAGE_DEPTH = 40  # the deep page measured: reached by following the next-page link PAGE_DEPTH - 1 times
SEED = 20240601  # the random data is the same on every run
PASSWORD = "bench inbox password, not secret"  # throwaway accounts in a throwaway database
ADMIN_EMAIL = "bench-admin@example.org"
WORKER_EMAIL = "bench-worker@example.org"
COLLEAGUES_PER_LCP = 2  # other LCP staff, so assignee lists and names look like a real team's
SIGNED_IN = b'action="/admin/logout"'  # the sign-out form in the staff header: only on a signed-in page
INBOX_ROW = b'id="routing-'  # one row of the inbox table
COMMON_WORD = "pharmacy"  # in a few per cent of bodies: a search that fills its page quickly
RARE_WORD = "defibrillator"  # in about 1 body in 2,000: a search that reads every routing in scope

# How busy each partnership is, relative to the others (a slug not listed counts 3).
LCP_WEIGHTS = {
    "hatch": 18,
    "seacroft": 12,
    "beeston-middleton": 11,
    "armley": 10,
    "bramley-wortley-middleton": 9,
    "york-road": 8,
    "morley-district": 7,
    "cross-gates": 6,
    "lsmp-the-light": 5,
    "ls25-ls26": 5,
    "woodsley-holt-park": 4,
    "otley-aireborough": 3,
    "wetherby": 2,
}
TOPIC_WEIGHTS = {
    "access-to-services": 14,
    "housing": 10,
    "mental-health": 9,
    "money-cost-of-living": 8,
    "transport": 6,
    "ageing-well": 6,
    "isolation-connection": 5,
    "children-young-people-families": 5,
    "long-term-conditions": 4,
    "community-safety": 4,
    "green-public-spaces-environment": 3,
    "healthy-living": 3,
    "digital-inclusion": 2,
    "employment-skills": 2,
    "education": 1,
}
SOURCE_WEIGHTS = {"web": 80, "phone": 8, "paper": 6, "event": 6}
# Status by the item's age in days: older items have mostly been dealt with.
STATUS_BY_AGE = (
    (3, {"received": 85, "looking": 15}),
    (30, {"received": 40, "looking": 30, "shared": 15, "acted": 10, "closed": 5}),
    (180, {"received": 10, "looking": 15, "shared": 15, "acted": 30, "closed": 30}),
    (10_000, {"received": 3, "looking": 4, "shared": 8, "acted": 35, "closed": 50}),
)
CLOSE_REASONS = (
    "Passed to the council's housing team, who will contact the tenant.",
    "This is outside what the partnership can change; we have told the practice manager.",
    "Resolved: the surgery has changed its phone system.",
    "Duplicate of an earlier report.",
    "Raised at the partnership meeting; see the published reply.",
)
TAGS = ("urgent", "follow-up", "council", "gp-access", "pharmacy", "damp", "bus-route", "young-carers", "quote")

PLACES = (
    "Harehills", "Chapeltown", "Burmantofts", "Richmond Hill", "Seacroft", "Armley", "Bramley", "Wortley",
    "Beeston", "Middleton", "Morley", "Garforth", "Kippax", "Rothwell", "Otley", "Yeadon", "Guiseley", "Wetherby",
    "Boston Spa", "Cross Gates", "Whinmoor", "Holt Park", "Woodsley", "Hyde Park", "Belle Isle", "Hunslet",
    "Osmondthorpe", "Gipton", "Killingbeck", "Farnley", "Pudsey", "Horsforth",
)  # fmt: skip
OPENERS = (
    "I live in {place} and",
    "My mum lives in {place} and",
    "As an unpaid carer in {place},",
    "Our residents' group in {place} met last week and",
    "I am writing on behalf of a neighbour in {place}:",
    "I wanted to let you know that in {place}",
    "We run a lunch club in {place} and",
    "I have lived in {place} for {years} years and",
    "Speaking as a parent in {place},",
    "",
)
SENTENCES = {
    "access-to-services": (
        "it takes three weeks to get a GP appointment",
        "the pharmacy on the main road keeps running out of my prescriptions",
        "ringing the surgery at 8am is hopeless, the line is engaged until every slot has gone",
        "the walk-in centre has closed, so people go to A&E instead",
        "the online booking system does not work for people without a smartphone",
        "the dentist is not taking NHS patients any more",
        "there is no interpreter available when my father sees the nurse",
    ),
    "housing": (
        "our flat has damp and black mould in both bedrooms",
        "the landlord will not fix the heating and the children keep getting chest infections",
        "the lift in our block has been broken for a month",
        "we were moved to temporary accommodation far from our school and our surgery",
    ),
    "mental-health": (
        "the waiting list for talking therapies is over a year",
        "my son was discharged from the crisis team with no follow-up",
        "there is nowhere local to go when you are struggling at night",
        "the peer support group was brilliant but its funding ended",
    ),
    "money-cost-of-living": (
        "people are choosing between heating and eating this winter",
        "the food bank at the church has run out twice this month",
        "prescription charges are too much for people on low wages",
    ),
    "transport": (
        "the 42 bus stopped running after 7pm, so I cannot get to the hospital for evening appointments",
        "there is no step-free access at the station",
        "the community transport minibus needs booking a week ahead",
    ),
    "ageing-well": (
        "older people feel forgotten since the day centre closed",
        "my dad waited six hours for an ambulance after a fall",
        "the falls prevention class was really helpful and should be run again",
    ),
    "isolation-connection": (
        "a lot of people on our estate do not see anyone from one week to the next",
        "the library's coffee morning is the only place some people talk to anyone",
    ),
}
GENERIC = (
    "nobody seems to know who is responsible",
    "things have got worse over the last year",
    "the staff are kind but clearly overstretched",
    "it would help to have information in other languages",
    "the leaflet we were given was out of date",
    "we would like to come to a partnership meeting to talk about it",
)
FILLERS = (
    "This has been going on since {month}.",
    "My neighbour has the same problem.",
    "We have {n} children and it is hard to manage.",
    "I have already told the council but heard nothing back.",
    "The receptionist was very helpful though.",
    "Please do something about it before the winter.",
    "I do not want to complain about the doctors, they do their best.",
    "I heard about this website from the community centre.",
)
CLOSERS = ("Thank you for listening.", "Please can someone get back to me.", "I hope this helps.", "", "", "")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October")
FIRST_NAMES = ("Amina", "Ben", "Chloe", "Dev", "Ewa", "Farah", "George", "Hui", "Imran", "Jade", "Kofi", "Lena")
AGE_GROUP_VALUES = ("children", "young-people", "adults", "older-people")
GROUP_VALUES = ("carers", "disability", "long-term-conditions", "mental-health", "low-income", "ethnic-minorities")
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"


# Data ------------------------------------------------------------------------------------------------------------


def weighted(rng: random.Random, table: dict[str, int]) -> str:
    return rng.choices(list(table), weights=list(table.values()))[0]


def make_body(rng: random.Random, topic_slugs: list[str]) -> str:
    """A few sentences about the item's topics, of very different lengths, in a resident's voice."""
    parts = []
    for index in range(rng.choices((1, 2, 3, 5, 8, 14), weights=(20, 30, 25, 15, 7, 3))[0]):
        pool = SENTENCES.get(topic_slugs[index % len(topic_slugs)], GENERIC) if rng.random() < 0.7 else GENERIC
        opener = rng.choice(OPENERS) if index == 0 else ""
        sentence = rng.choice(pool)
        opener = opener.format(place=rng.choice(PLACES), years=rng.randint(2, 40))
        text = f"{opener} {sentence}".strip()
        parts.append(text[0].upper() + text[1:] + ".")
        if rng.random() < 0.35:
            parts.append(rng.choice(FILLERS).format(month=rng.choice(MONTHS), n=rng.randint(1, 6)))
    if rng.random() < 0.0005:
        parts.append(f"There is no {RARE_WORD} anywhere near the shops in {rng.choice(PLACES)}.")
    parts.append(rng.choice(CLOSERS))
    separator = "\n\n" if len(parts) > 8 else " "
    return separator.join(part for part in parts if part)


def receipt_code(rng: random.Random, used: set[str]) -> str:
    for _attempt in range(100):
        code = "".join(rng.choices(RECEIPT_ALPHABET, k=8))
        if code not in used:
            used.add(code)
            return code
    raise RuntimeError("could not find a free receipt code in 100 attempts")


@dataclass
class Staff:
    admin_id: int
    worker_id: int
    worker_lcp_id: int
    worker_lcp_slug: str
    by_lcp: dict[int, list[int]]  # LCP id: the staff who work on it (for assignees)


@dataclass
class LoadReport:
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)
    routings_by_lcp: dict[str, int] = field(default_factory=dict)
    common_hits: int = 0
    rare_hits: int = 0


def create_staff(db: Any, lcps: list[Any]) -> Staff:
    """The two measured accounts through the app's own `create_staff`, plus colleagues inserted directly."""
    from sqlalchemy import insert

    from app.formatting import utcnow
    from app.models import StaffUser
    from app.models.staff import staff_lcp
    from app.services import auth

    busiest = max(lcps, key=lambda lcp: LCP_WEIGHTS.get(lcp.slug, 3))
    admin = auth.create_staff(ADMIN_EMAIL, "Bench citywide admin", "admin", PASSWORD, [])
    worker = auth.create_staff(WORKER_EMAIL, "Bench LCP worker", "staff", PASSWORD, [busiest])
    now = utcnow()
    for user in (admin, worker):
        user.totp_enrolled_at = now  # enrolled already, so sign-in goes straight to the code step
    db.session.commit()

    by_lcp: dict[int, list[int]] = {lcp.id: [] for lcp in lcps}
    by_lcp[busiest.id].append(worker.id)
    shared_hash = auth.hash_password(PASSWORD)
    next_id = worker.id + 1
    users, links = [], []
    for lcp in lcps:
        for number in range(COLLEAGUES_PER_LCP):
            users.append(
                {
                    "id": next_id,
                    "email": f"bench-{lcp.slug}-{number}@example.org",
                    "name": f"{rng_name(next_id)} ({lcp.slug})",
                    "role": "staff",
                    "password_hash": shared_hash,
                    "totp_secret": auth.new_totp_secret(),
                    "totp_enrolled_at": now,
                    "failed_attempts": 0,
                    "created_at": now,
                }
            )
            links.append({"staff_user_id": next_id, "lcp_id": lcp.id})
            by_lcp[lcp.id].append(next_id)
            next_id += 1
    with db.engine.begin() as connection:
        connection.execute(insert(StaffUser.__table__), users)
        connection.execute(insert(staff_lcp), links)
    return Staff(admin.id, worker.id, busiest.id, busiest.slug, by_lcp)


def rng_name(number: int) -> str:
    return f"{FIRST_NAMES[number % len(FIRST_NAMES)]} {chr(ord('A') + number % 26)}."


def bulk_insert(connection: Any, table: Any, rows: list[dict]) -> None:
    """Many rows in one go: COPY on PostgreSQL (through psycopg), an executemany INSERT on SQLite."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        from sqlalchemy import insert

        connection.execute(insert(table), rows)
        return
    from psycopg import sql

    columns = list(rows[0])
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[column] for column in columns])


def load_submissions(db: Any, count: int, lcps: list[Any], topics: list[Any], staff: Staff) -> LoadReport:
    """Bulk-inserts `count` submissions with their routings, topics, contacts and history, oldest first."""
    from sqlalchemy import func, select

    from app.formatting import utcnow
    from app.models import Routing, Submission, SubmissionContact, SubmissionEvent
    from app.models.submissions import submission_topic
    from app.services.sharing import CONTACT_WORDING_VERSION

    rng = random.Random(SEED)
    report = LoadReport()
    started = time.perf_counter()
    now = utcnow()
    two_years = 730 * 86400.0
    # Oldest first, so ids grow with time as they do in a real table; more arrive lately than two years ago.
    ages = sorted((two_years * rng.random() ** 1.25 for _ in range(count)), reverse=True)
    lcp_weights = {lcp.id: LCP_WEIGHTS.get(lcp.slug, 3) for lcp in lcps}
    lcp_slugs = {lcp.id: lcp.slug for lcp in lcps}
    topic_ids = [topic.id for topic in topics]
    topic_slugs = {topic.id: topic.slug for topic in topics}
    topic_weights = [TOPIC_WEIGHTS.get(topic.slug, 2) for topic in topics]

    with db.engine.connect() as connection:
        ids = {
            name: connection.scalar(select(func.coalesce(func.max(table.c.id), 0)))
            for name, table in (
                ("submission", Submission.__table__),
                ("routing", Routing.__table__),
                ("contact", SubmissionContact.__table__),
                ("event", SubmissionEvent.__table__),
            )
        }
    used_codes: set[str] = set()
    totals = dict.fromkeys(("submission", "routing", "submission_topic", "submission_contact", "submission_event"), 0)
    by_lcp: dict[int, int] = dict.fromkeys(lcp_weights, 0)

    def status_for(age_days: float) -> str:
        for limit, table in STATUS_BY_AGE:
            if age_days < limit:
                return weighted(rng, table)
        return "closed"

    def routing_row(submission_id: int, lcp_id: int, created: datetime, events: list[dict]) -> dict:
        ids["routing"] += 1
        age_days = (now - created).total_seconds() / 86400
        status = status_for(age_days)
        first_response = closed = None
        reason = ""
        assignee = None
        if status != "received":
            first_response = min(now, created + timedelta(hours=rng.uniform(1, 24 * 14)))
            if rng.random() < 0.5 and staff.by_lcp.get(lcp_id):
                assignee = rng.choice(staff.by_lcp[lcp_id])
        elif rng.random() < 0.05:
            assignee = staff.admin_id
        if status == "closed":
            closed = min(now, first_response + timedelta(days=rng.uniform(0, 30)))
            reason = rng.choice(CLOSE_REASONS)
        if status != "received":
            ids["event"] += 1
            events.append(
                {
                    "id": ids["event"],
                    "submission_id": submission_id,
                    "routing_id": ids["routing"],
                    "kind": "status",
                    "status": status,
                    "body": reason,
                    "actor": "staff",
                    "staff_id": assignee,
                    "public": True,
                    "created_at": closed or first_response,
                }
            )
        by_lcp[lcp_id] += 1
        return {
            "id": ids["routing"],
            "submission_id": submission_id,
            "lcp_id": lcp_id,
            "status": status,
            "status_reason": reason,
            "has_new_follow_up": rng.random() < 0.02,
            "assignee_id": assignee,
            "tags": " ".join(sorted(set(rng.sample(TAGS, rng.randint(1, 2))))) if rng.random() < 0.15 else "",
            "first_response_at": first_response,
            "closed_at": closed,
            "created_at": created,
            "updated_at": closed or first_response or created,
        }

    lcp_ids, weights = list(lcp_weights), list(lcp_weights.values())
    for start in range(0, count, CHUNK):
        submissions, routings, links, contacts, events = [], [], [], [], []
        for age in ages[start : start + CHUNK]:
            ids["submission"] += 1
            submission_id = ids["submission"]
            created = now - timedelta(seconds=age)
            chosen_topics = list(dict.fromkeys(rng.choices(topic_ids, weights=topic_weights, k=rng.choice((1, 1, 2)))))
            body = make_body(rng, [topic_slugs[topic_id] for topic_id in chosen_topics])
            lowered = body.lower()
            report.common_hits += COMMON_WORD in lowered
            report.rare_hits += RARE_WORD in lowered
            source = weighted(rng, SOURCE_WEIGHTS)
            organisation = rng.random() < 0.1
            submissions.append(
                {
                    "id": submission_id,
                    "receipt_code": receipt_code(rng, used_codes),
                    "body": body,
                    "neighbourhood": rng.choice(PLACES) if rng.random() < 0.6 else "",
                    "age_groups": " ".join(g for g in AGE_GROUP_VALUES if rng.random() < 0.25),
                    "groups": " ".join(g for g in GROUP_VALUES if rng.random() < 0.12),
                    "speaks_for": "organisation" if organisation else "self",
                    "organisation_name": f"{rng.choice(PLACES)} Community Association" if organisation else "",
                    "people_count": rng.randint(5, 400) if organisation else None,
                    "lcp_unsure": False,
                    "may_publish_words": rng.random() < 0.4,
                    "agenda_item_id": None,
                    "source": source,
                    "entered_by_id": None if source == "web" else rng.choice((staff.admin_id, staff.worker_id)),
                    "duplicate_of_id": None,
                    "language": "en_GB",
                    "form_key": f"{rng.getrandbits(128):032x}" if source == "web" else None,
                    "created_at": created,
                    "is_demo": False,
                }
            )
            links.extend({"submission_id": submission_id, "topic_id": topic_id} for topic_id in chosen_topics)
            ids["event"] += 1
            events.append(
                {
                    "id": ids["event"],
                    "submission_id": submission_id,
                    "routing_id": None,
                    "kind": "received",
                    "status": "received",
                    "body": "",
                    "actor": "person" if source == "web" else "staff",
                    "staff_id": None,
                    "public": True,
                    "created_at": created,
                }
            )
            first_lcp = rng.choices(lcp_ids, weights=weights)[0]
            routings.append(routing_row(submission_id, first_lcp, created, events))
            if rng.random() < 0.1:
                second_lcp = rng.choices(lcp_ids, weights=weights)[0]
                if second_lcp != first_lcp:
                    routed = min(now, created + timedelta(hours=rng.uniform(1, 24 * 10)))
                    routings.append(routing_row(submission_id, second_lcp, routed, events))
                    ids["event"] += 1
                    events.append(
                        {
                            "id": ids["event"],
                            "submission_id": submission_id,
                            "routing_id": ids["routing"],
                            "kind": "routed",
                            "status": "received",
                            "body": "",
                            "actor": "staff",
                            "staff_id": staff.admin_id,
                            "public": True,
                            "created_at": routed,
                        }
                    )
            if rng.random() < 0.3:
                ids["contact"] += 1
                wants = rng.random() < 0.5
                contacts.append(
                    {
                        "id": ids["contact"],
                        "submission_id": submission_id,
                        "name": rng.choice(FIRST_NAMES) if rng.random() < 0.7 else "",
                        "email": f"person{submission_id}@example.org",
                        "may_contact": rng.random() < 0.7,
                        "may_share": rng.random() < 0.4,
                        "wants_updates": wants,
                        "wording_version": CONTACT_WORDING_VERSION,
                        "link_key": f"{rng.getrandbits(96):024x}",
                        "created_at": created,
                    }
                )
        with db.engine.begin() as connection:
            if connection.dialect.name == "sqlite":
                # A page cache big enough for the indexes being filled (this connection only; the app's stay as set).
                connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_LOAD_CACHE_KIB}")
            for table, rows in (
                (Submission.__table__, submissions),
                (Routing.__table__, routings),
                (submission_topic, links),
                (SubmissionContact.__table__, contacts),
                (SubmissionEvent.__table__, events),
            ):
                bulk_insert(connection, table, rows)
        for name, rows in (
            ("submission", submissions),
            ("routing", routings),
            ("submission_topic", links),
            ("submission_contact", contacts),
            ("submission_event", events),
        ):
            totals[name] += len(rows)
    report.seconds = time.perf_counter() - started
    report.rows = totals
    report.routings_by_lcp = {lcp_slugs[lcp_id]: n for lcp_id, n in sorted(by_lcp.items(), key=lambda kv: -kv[1])}
    return report


def settle(db: Any, postgres: bool) -> str:
    """After the bulk load: sequences past the ids we chose, and statistics, as a live database would have."""
    from sqlalchemy import text

    if postgres:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in ("submission", "routing", "submission_contact", "submission_event", "staff_user"):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT coalesce(max(id), 1) FROM {table}))"
                    )
                )
            connection.execute(text("VACUUM ANALYZE"))
        return "sequences moved past the loaded ids; VACUUM ANALYZE"
    with db.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return "WAL checkpointed; no ANALYZE (the app never runs one, so the planner has no statistics)"


def database_size(db: Any, postgres: bool, sqlite_path: Path | None) -> str:
    from sqlalchemy import text

    if postgres:
        with db.engine.connect() as connection:
            size = connection.scalar(text("SELECT pg_database_size(current_database())"))
    else:
        size = sum(p.stat().st_size for p in sqlite_path.parent.glob(sqlite_path.name + "*"))
    return f"{size / 1024 / 1024:.0f} MiB"


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
        connection = http.client.HTTPConnection(HOST, self.port, timeout=base.REQUEST_TIMEOUT)
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
        raise SystemExit("no csrf_token field on the sign-in page")
    return found.group(1).decode()


def sign_in(port: int, email: str, secret: str) -> Browser:
    """Password step, then a TOTP code computed from the account's secret, as a person with an app would."""
    import pyotp

    browser = Browser(port)
    status, _, page = browser.request("GET", "/admin/login")
    if status != 200:
        raise SystemExit(f"GET /admin/login answered HTTP {status}")
    status, location, _ = browser.request(
        "POST", "/admin/login", {"csrf_token": csrf_token(page), "email": email, "password": PASSWORD}
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


def next_page(page: bytes) -> str | None:
    found = re.search(rb'class="nhsuk-pagination__link nhsuk-pagination__link--next" href="([^"]+)"', page)
    return html.unescape(found.group(1).decode()) if found else None


def rows_on(page: bytes) -> int:
    return page.count(INBOX_ROW)


@dataclass
class Target:
    label: str
    path: str
    markers: tuple[bytes, ...]
    rows: int | None = None


def check_for(markers: tuple[bytes, ...]):
    def check(outcome: base.Outcome) -> str | None:
        missing = [marker.decode() for marker in markers if marker not in outcome.body]
        return f"HTTP 200 without {', '.join(missing)}" if missing else None

    return check


def targets_for(browser: Browser, date_from: date, date_to: date) -> tuple[list[Target], str]:
    """The URLs measured for one person; the deep page is found by following the next-page link."""
    inbox = (SIGNED_IN, INBOX_ROW)
    targets = [
        Target("/healthz", "/healthz", (b"ok",)),
        Target("inbox, first page", "/admin/inbox", inbox),
        Target("status=received&topic=housing", "/admin/inbox?status=received&topic=housing", inbox),
        Target(f"q={COMMON_WORD}", f"/admin/inbox?q={COMMON_WORD}", inbox),
        Target(f"q={RARE_WORD} (rare)", f"/admin/inbox?q={RARE_WORD}", inbox),
        Target("from/to (one month)", f"/admin/inbox?from={date_from}&to={date_to}", inbox),
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
    targets.append(Target(f"page {PAGE_DEPTH} (keyset cursor)", path, inbox))
    targets.append(Target("/admin/ (dashboard)", "/admin/", (SIGNED_IN,)))
    walk = (
        f"followed the next-page link {PAGE_DEPTH - 1} times, one request at a time: "
        f"median {statistics.median(timings) * 1000:.1f} ms, max {max(timings) * 1000:.1f} ms"
    )
    return targets, walk


def probe(browser: Browser, target: Target) -> None:
    """One request before measuring: the page must be the one expected, or the figures would mean nothing."""
    status, location, page = browser.request("GET", target.path)
    problem = check_for(target.markers)(base.Outcome(status, 0.0, page)) if status == 200 else f"HTTP {status}"
    if problem:
        where = f" to {location}" if location else ""
        raise SystemExit(f"{target.label} ({target.path}): {problem}{where}; not measuring a wrong page")
    if INBOX_ROW in target.markers:
        target.rows = rows_on(page)


# Output --------------------------------------------------------------------------------------------------------


def machine_busy_ticks() -> int:
    """Clock ticks all cores spent running user and kernel code of any process, from /proc/stat."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return 0
    user, nice, system = (int(value) for value in fields[1:4])
    return user + nice + system


def process_ticks(pids: list[int]) -> int:
    """Clock ticks these processes (all their threads) spent on a CPU, user and kernel."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total


class OtherCpu:
    """How much of the machine other processes used while one URL was measured: this client and the gunicorn
    master and workers are ours; anything else (a test run, a browser) competes with them and skews the figures."""

    def __init__(self, server_pid: int) -> None:
        self.pids = [os.getpid(), server_pid, *base.children_of(server_pid)]
        self.ticks_per_second = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.cores = os.cpu_count() or 1
        self.start = (time.monotonic(), machine_busy_ticks(), process_ticks(self.pids))

    def percent(self) -> float | None:
        started, busy, ours = self.start
        seconds = time.monotonic() - started
        if seconds <= 0 or not busy:
            return None
        others = (machine_busy_ticks() - busy) - (process_ticks(self.pids) - ours)
        return max(0.0, 100 * others / (seconds * self.ticks_per_second * self.cores))


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


def explain(app: Any, db: Any, postgres: bool, user_id: int, targets: list[Target], title: str) -> None:
    """The plan of the inbox's main query for each measured inbox URL, built by the triage service itself."""
    from sqlalchemy import event
    from sqlalchemy import select as sa_select

    from app.models import Lcp, StaffUser
    from app.services import triage

    kind = "EXPLAIN (ANALYZE, BUFFERS)" if postgres else "EXPLAIN QUERY PLAN"
    print(f"\n{kind} of the inbox's page query, {title}")
    for index, target in enumerate(targets):
        if not target.path.startswith("/admin/inbox"):
            continue
        captured: list[tuple[str, Any]] = []

        def capture(_conn, _cursor, statement, parameters, _context, _many, into=captured) -> None:
            if "FROM routing JOIN submission" in statement and not into:
                into.append((statement, parameters))

        with app.test_request_context(target.path):
            from flask import request

            user = db.session.get(StaffUser, user_id)
            lcps = list(db.session.scalars(sa_select(Lcp).order_by(Lcp.name))) if user.is_admin else list(user.lcps)
            filters = triage.read_filters(request.args, user, lcps)
            event.listen(db.engine, "before_cursor_execute", capture)
            try:
                triage.inbox(user, filters, after=request.args.get("after"), before=request.args.get("before"))
            finally:
                event.remove(db.engine, "before_cursor_execute", capture)
            db.session.rollback()
        if not captured:
            print(f"\n  {target.label}: the page query was not seen")
            continue
        statement, parameters = captured[0]
        print(f"\n  {target.label}  ({target.path})")
        print(f"    SQL: {short_sql(statement)}")
        print(f"    parameters: {parameters}")
        print_plan(plan_lines(db, postgres, statement, parameters), full=index == 1 and "worker" in title.lower())


def diagnose(app: Any, db: Any, postgres: bool, user_id: int, target: Target, p50_ms: float) -> None:
    """Why a page is slow: its request once more in this process, every SELECT it sent re-run and timed with its
    rows fetched, and the plans of the slow ones. Whatever is not database time is Python (queries, rendering)."""
    from sqlalchemy import event

    from app.admin.access import SESSION_KEY
    from app.models import StaffUser
    from app.services import auth

    captured: list[tuple[str, Any]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    with app.app_context():
        token = auth.start_session(db.session.get(StaffUser, user_id), "bench diagnosis")
        client = app.test_client()
        with client.session_transaction() as session:
            session[SESSION_KEY] = token
        client.get(target.path)  # warm-up, as the measured requests had
        event.listen(db.engine, "before_cursor_execute", capture)
        try:
            started = time.perf_counter()
            response = client.get(target.path)
            whole = (time.perf_counter() - started) * 1000
        finally:
            event.remove(db.engine, "before_cursor_execute", capture)
        timed = []
        for statement, parameters in captured:
            raw = db.engine.raw_connection()
            try:
                cursor = raw.cursor()
                started = time.perf_counter()
                cursor.execute(statement, parameters)
                count = len(cursor.fetchall())
                timed.append(((time.perf_counter() - started) * 1000, count, statement, parameters))
                raw.rollback()
            finally:
                raw.close()
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


def load_average() -> str:
    """Other work on the machine competes with the server and the client: read the figures with this in mind."""
    try:
        one, five, _fifteen = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min)"


def print_context(args: argparse.Namespace, postgres: bool) -> None:
    database = "PostgreSQL (version below)" if postgres else f"SQLite {sqlite3.sqlite_version}"
    base.print_header(
        "Leeds LCP site benchmark: the staff inbox",
        [
            ("busy", f"{load_average()} before the run"),
            ("server", f"gunicorn {{gunicorn}}, 2 sync workers; {database}"),
            (
                "load",
                f"{args.submissions:,} submissions; {base.WARMUP_REQUESTS} warm-up then {args.requests} requests "
                f"per URL, {args.concurrency} client threads, new connection per request, at most "
                f"{args.url_budget:.0f} s per URL and {args.timeout:.0f} s in all",
            ),
        ],
    )


def positive_int(value: str) -> int:
    return base.positive_int(value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=positive_int, default=200_000, help="submissions to load (200000)")
    parser.add_argument("--requests", type=positive_int, default=100, help="measured requests per URL (100)")
    parser.add_argument("--concurrency", type=positive_int, default=4, help="concurrent client threads (4)")
    parser.add_argument("--timeout", type=float, default=600.0, help="overall seconds for all requests (600)")
    parser.add_argument(
        "--url-budget", type=float, default=60.0, help="seconds for one URL's requests; the rest are not sent (60)"
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
                settled = time.perf_counter()
                note = settle(db, postgres)
                settle_seconds = time.perf_counter() - settled
                print(f"\nBulk load: {report.seconds:.1f} s ({args.submissions / report.seconds:,.0f} submissions/s)")
                print("  rows: " + ", ".join(f"{name} {n:,}" for name, n in report.rows.items()))
                print("  routings per LCP: " + ", ".join(f"{slug} {n:,}" for slug, n in report.routings_by_lcp.items()))
                print(
                    f"  bodies containing {COMMON_WORD!r}: {report.common_hits:,}; "
                    f"containing {RARE_WORD!r}: {report.rare_hits:,}"
                )
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
                browser = sign_in(port, email, secrets_by_id[user_id])
                print(f"\n{email} signed in (password, then TOTP code)")
                targets, walk = targets_for(browser, date_from, date_to)
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
                            check=check_for(target.markers),
                        )
                    )
                    others[target.label] = watch.percent()
                print_table(title, targets, results, others)
                measured.append((title, user_id, targets, results))
            if time.monotonic() >= deadline:
                print(f"\nOverall timeout of {args.timeout:.0f} s reached: some figures above are partial.")
            base.print_memory(server.pid)
            base.stop(server)

            with app.app_context():
                for title, user_id, targets, _results in measured:
                    explain(app, db, postgres, user_id, targets, title)
            slow = [
                (title, user_id, target, base.percentile(sorted(result.latencies), 50) * 1000)
                for title, user_id, targets, results in measured
                for target, result in zip(targets, results, strict=True)
                if result.latencies and base.percentile(sorted(result.latencies), 50) * 1000 > SLOW_P50_MS
            ]
            if slow:
                print(f"\nPages with a p50 over {SLOW_P50_MS} ms, and where their time goes")
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
