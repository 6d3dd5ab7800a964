"""The city-sized data the benchmarks load in bulk: staff accounts, submissions with their routings, and followers.

Everything is random but the same on every run (fixed seeds), and shaped like the real thing (see bench/README.md):
partnerships weighted so that some are much busier than others, submissions spread over two years with more of
them lately, statuses by age, followers who follow one to three partnerships and a few topics, with their consents.

bench/inbox.py calls these functions in its own process. bench/city.py runs this file as a program, in a process
of its own for each database, because the app's settings are read from the environment once per process:

    DATABASE_URL=... .venv/bin/python bench/dataset.py --submissions 200000 --followers 50000

which loads the data into the (migrated and seeded) database named by DATABASE_URL, prints what it loaded, and
ends with one line `dataset: {json}` giving the LCP worker's sign-in and the rows loaded.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import base  # bench/base.py, beside this file

ROOT = base.ROOT

CHUNK = 2000  # submissions per bulk insert transaction
SQLITE_LOAD_CACHE_KIB = 256 * 1024  # SQLite page cache while loading
SEED = 20240601  # the random data is the same on every run
PASSWORD = "bench inbox password, not secret"  # throwaway accounts in a throwaway database
ADMIN_EMAIL = "bench-admin@example.org"
WORKER_EMAIL = "bench-worker@example.org"
COLLEAGUES_PER_LCP = 2  # other LCP staff, so assignee lists and names look like a real team's
COMMON_WORD = "pharmacy"  # in a few per cent of bodies: a search that fills its page quickly
RARE_WORD = "defibrillator"  # in about 1 body in 2,000: a search that reads every routing in scope
# Opened by the partnership's staff (Routing.opened_at), for an item nobody has answered or taken yet: by its age in
# days, the chance someone has looked at it. An item answered or assigned has always been opened.
OPENED_BY_AGE = ((1, 0.25), (3, 0.5), (14, 0.75), (60, 0.9), (10_000, 0.97))
# A follow-up from the person (their words added later): this share of items under FOLLOW_UP_DAYS old and still open
# get one; staff have not looked at it yet when it came in the last FOLLOW_UP_UNSEEN_DAYS (the "follow-ups" view).
FOLLOW_UP_SHARE = 0.04
FOLLOW_UP_DAYS = 90
FOLLOW_UP_UNSEEN_DAYS = 21
FOLLOW_UPS = (
    "Just to add: it has happened again this week.",
    "Since I wrote, my neighbour has had the same problem.",
    "An update: the surgery says it is not their responsibility.",
    "I forgot to say that this affects the whole street.",
)
# A working-day target of 10 (the default) is about 14 calendar days: unanswered items older than this are
# counted as past their target in the load report (the app itself counts working days and bank holidays).
TARGET_CALENDAR_DAYS = 14

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

# Submissions ---------------------------------------------------------------------------------------------------


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
    # How the routings stand, for the inbox's views: in every partnership, and in the LCP worker's.
    spread: dict[str, dict[str, int]] = field(default_factory=dict)


SPREAD = (
    "not opened",
    "opened, not answered",
    "answered",
    "assigned",
    "open and unassigned",
    "assigned to the LCP worker",
    "closed in the last 7 days",
    "unanswered past about 10 working days",
    "unseen follow-up",
)


def create_staff(db: Any, lcps: list[Any]) -> Staff:
    """The two measured accounts through the app's own `create_staff`, plus colleagues inserted directly."""
    from sqlalchemy import insert

    from app.clock import utcnow
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

    from app.clock import utcnow
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

    extra = random.Random(SEED + 2)  # opened, follow-ups and versions: the other attributes stay as they were
    spread = {"all": dict.fromkeys(SPREAD, 0), "worker": dict.fromkeys(SPREAD, 0)}

    def tally(lcp_id: int, name: str) -> None:
        spread["all"][name] += 1
        if lcp_id == staff.worker_lcp_id:
            spread["worker"][name] += 1

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
        # Opened: before the first answer when there is one; otherwise by age (OPENED_BY_AGE).
        opened = None
        if first_response is not None:
            opened = created + (first_response - created) * extra.uniform(0.05, 0.9)
        elif assignee is not None or extra.random() < next(share for limit, share in OPENED_BY_AGE if age_days < limit):
            opened = min(now, created + timedelta(hours=extra.uniform(0.1, min(age_days * 24, 72))))
        follow_up = None
        if status != "closed" and age_days < FOLLOW_UP_DAYS and extra.random() < FOLLOW_UP_SHARE:
            follow_up = min(now, created + timedelta(days=extra.uniform(0.2, max(age_days, 0.3))))
            ids["event"] += 1
            events.append(
                {
                    "id": ids["event"],
                    "submission_id": submission_id,
                    "routing_id": None,
                    "kind": "follow-up",
                    "status": "",
                    "body": extra.choice(FOLLOW_UPS),
                    "actor": "person",
                    "staff_id": None,
                    "public": False,
                    "created_at": follow_up,
                }
            )
        unseen = follow_up is not None and (now - follow_up).days < FOLLOW_UP_UNSEEN_DAYS
        by_lcp[lcp_id] += 1
        tally(lcp_id, "not opened" if opened is None else "answered" if first_response else "opened, not answered")
        if assignee is not None:
            tally(lcp_id, "assigned")
        elif status != "closed":
            tally(lcp_id, "open and unassigned")
        if assignee == staff.worker_id:
            tally(lcp_id, "assigned to the LCP worker")
        if closed is not None and (now - closed).days < 7:
            tally(lcp_id, "closed in the last 7 days")
        if first_response is None and age_days > TARGET_CALENDAR_DAYS:
            tally(lcp_id, "unanswered past about 10 working days")
        if unseen:
            tally(lcp_id, "unseen follow-up")
        return {
            "id": ids["routing"],
            "submission_id": submission_id,
            "lcp_id": lcp_id,
            "status": status,
            "status_reason": reason,
            "has_new_follow_up": unseen,
            "assignee_id": assignee,
            "tags": " ".join(sorted(set(rng.sample(TAGS, rng.randint(1, 2))))) if rng.random() < 0.15 else "",
            "first_response_at": first_response,
            "closed_at": closed,
            "created_at": created,
            "updated_at": max(moment for moment in (closed, first_response, follow_up, created) if moment),
            "opened_at": opened,
            # One more for each staff change: the answer, the assignment, the closing.
            "version": 1 + (first_response is not None) + (assignee is not None) + (closed is not None),
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
    report.spread = spread
    return report


def probes(db: Any, staff: Staff) -> dict[str, Any]:
    """What the city benchmark asks for by name, all in the LCP worker's partnership (so the admin sees them too):
    a recent item for the item page (the 51st newest, as a worker opens one from the first pages), and the receipt
    code of an item about a year old, spelled as a person might type it (lower case, no hyphen)."""
    from sqlalchemy import func, select

    from app.models import Routing, Submission

    recent = db.session.scalar(
        select(Routing.submission_id)
        .where(Routing.lcp_id == staff.worker_lcp_id)
        .order_by(Routing.created_at.desc(), Routing.id.desc())
        .offset(50)
        .limit(1)
    )
    middle = (db.session.scalar(select(func.max(Submission.id))) or 0) // 2
    coded = db.session.execute(
        select(Submission.id, Submission.receipt_code)
        .join(Routing, Routing.submission_id == Submission.id)
        .where(Routing.lcp_id == staff.worker_lcp_id, Submission.id >= middle)
        .order_by(Submission.id)
        .limit(1)
    ).first()
    return {
        "item_id": recent,
        "receipt_code": coded.receipt_code.lower() if coded else None,
        "receipt_item_id": coded.id if coded else None,
        "rare_word": RARE_WORD,
        "common_word": COMMON_WORD,
    }


# Tables whose ids the loaders choose: on PostgreSQL their sequences are moved past them afterwards.
SERIAL_TABLES = ("submission", "routing", "submission_contact", "submission_event", "staff_user", "follower", "consent")


def settle(db: Any, postgres: bool) -> str:
    """After the bulk load: sequences past the ids we chose, and statistics, as a live database would have."""
    from sqlalchemy import text

    if postgres:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in SERIAL_TABLES:
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


# Followers -----------------------------------------------------------------------------------------------------

FOLLOWER_CHUNK = 5000  # followers per bulk insert transaction
LANGUAGE_WEIGHTS = {"en_GB": 86, "pl": 4, "ur": 3, "ar": 3, "ro": 2, "zh_Hans": 2}
FREQUENCY_WEIGHTS = {"weekly": 55, "monthly": 35, "none": 10}
INTEREST_CHANCES = {"news": 0.9, "invitations": 0.45, "volunteer": 0.15, "contact": 0.2}
LCPS_FOLLOWED = {0: 5, 1: 60, 2: 25, 3: 10}  # how many partnerships a follower follows (0: topics only)
TOPICS_FOLLOWED = {0: 30, 1: 30, 2: 20, 3: 12, 4: 8}
ORGANISATION_SHARE = 0.08


@dataclass
class FollowerReport:
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)
    followers_by_lcp: dict[str, int] = field(default_factory=dict)


def load_followers(db: Any, count: int, lcps: list[Any], topics: list[Any]) -> FollowerReport:
    """Bulk-inserts `count` confirmed followers, each following partnerships (weighted as submissions are) and
    topics, with the consents the registration form records: `emails` always, `contact` when they chose it."""
    from flask import current_app
    from sqlalchemy import func, select

    from app.clock import utcnow
    from app.models import Consent, Follower
    from app.models.people import ORGANISATION_TYPES, FollowerLcp, follower_topic
    from app.services.people import CONSENT_VERSION, CONSENTS

    rng = random.Random(SEED + 1)
    report = FollowerReport()
    started = time.perf_counter()
    now = utcnow()
    two_years = 730 * 86400.0
    ages = sorted((two_years * rng.random() ** 1.5 for _ in range(count)), reverse=True)
    lcp_ids = [lcp.id for lcp in lcps]
    lcp_weights = [LCP_WEIGHTS.get(lcp.slug, 3) for lcp in lcps]
    topic_ids = [topic.id for topic in topics]
    topic_weights = [TOPIC_WEIGHTS.get(topic.slug, 2) for topic in topics]
    with current_app.test_request_context("/"):  # the words as an English reader saw them
        wording = {purpose: str(text) for purpose, text in CONSENTS.items()}
    by_lcp = dict.fromkeys(lcp_ids, 0)
    totals = dict.fromkeys(("follower", "follower_lcp", "follower_topic", "consent"), 0)
    with db.engine.connect() as connection:
        follower_id = connection.scalar(select(func.coalesce(func.max(Follower.id), 0)))
        consent_id = connection.scalar(select(func.coalesce(func.max(Consent.id), 0)))

    def pick(ids: list[int], weights: list[int], how_many: int) -> list[int]:
        chosen: list[int] = []
        for _attempt in range(how_many * 4):
            if len(chosen) == how_many:
                break
            candidate = rng.choices(ids, weights=weights)[0]
            if candidate not in chosen:
                chosen.append(candidate)
        return chosen

    for start in range(0, count, FOLLOWER_CHUNK):
        followers, follows_lcp, follows_topic, consents = [], [], [], []
        for age in ages[start : start + FOLLOWER_CHUNK]:
            follower_id += 1
            created = now - timedelta(seconds=age)
            confirmed = min(now, created + timedelta(minutes=rng.uniform(2, 60 * 48)))
            chosen_lcps = pick(lcp_ids, lcp_weights, int(weighted(rng, LCPS_FOLLOWED)))
            chosen_topics = pick(topic_ids, topic_weights, int(weighted(rng, TOPICS_FOLLOWED)))
            if not chosen_lcps and not chosen_topics:
                chosen_lcps = pick(lcp_ids, lcp_weights, 1)
            interests = [name for name, chance in INTEREST_CHANCES.items() if rng.random() < chance] or ["news"]
            organisation = rng.random() < ORGANISATION_SHARE
            language = weighted(rng, LANGUAGE_WEIGHTS)
            followers.append(
                {
                    "id": follower_id,
                    "email": f"follower{follower_id}@example.org",
                    "kind": "organisation" if organisation else "resident",
                    "organisation_name": f"{rng.choice(PLACES)} Friends Group" if organisation else "",
                    "organisation_type": rng.choice(ORGANISATION_TYPES) if organisation else "",
                    "organisation_reach": rng.choice(("citywide", "local")) if organisation else "",
                    "organisation_areas": rng.choice(PLACES) if organisation else "",
                    "interests": " ".join(interests),
                    "frequency": weighted(rng, FREQUENCY_WEIGHTS),
                    "language": language,
                    "link_key": f"{rng.getrandbits(128):032x}"[:22],
                    "created_at": created,
                    "confirmed_at": confirmed,
                    "updated_at": confirmed,
                }
            )
            follows_lcp.extend({"follower_id": follower_id, "lcp_id": lcp_id} for lcp_id in chosen_lcps)
            follows_topic.extend({"follower_id": follower_id, "topic_id": topic_id} for topic_id in chosen_topics)
            for lcp_id in chosen_lcps:
                by_lcp[lcp_id] += 1
            for purpose in ("emails", "contact") if "contact" in interests else ("emails",):
                consent_id += 1
                consents.append(
                    {
                        "id": consent_id,
                        "follower_id": follower_id,
                        "purpose": purpose,
                        "wording": wording[purpose],
                        "version": CONSENT_VERSION,
                        "language": language,
                        "given_at": created,
                        "withdrawn_at": None,
                    }
                )
        with db.engine.begin() as connection:
            for table, rows in (
                (Follower.__table__, followers),
                (FollowerLcp.__table__, follows_lcp),
                (follower_topic, follows_topic),
                (Consent.__table__, consents),
            ):
                bulk_insert(connection, table, rows)
                totals[table.name] += len(rows)
    report.seconds = time.perf_counter() - started
    report.rows = totals
    slugs = {lcp.id: lcp.slug for lcp in lcps}
    report.followers_by_lcp = {slugs[lcp_id]: n for lcp_id, n in sorted(by_lcp.items(), key=lambda kv: -kv[1])}
    return report


# Loading, and this file as a program -----------------------------------------------------------------------------


def print_submissions_report(report: LoadReport, count: int) -> None:
    print(f"\nSubmissions: {report.seconds:.1f} s ({count / max(report.seconds, 1e-9):,.0f} submissions/s)")
    print("  rows: " + ", ".join(f"{name} {n:,}" for name, n in report.rows.items()))
    print("  routings per LCP: " + ", ".join(f"{slug} {n:,}" for slug, n in report.routings_by_lcp.items()))
    print(
        f"  bodies containing {COMMON_WORD!r}: {report.common_hits:,}; containing {RARE_WORD!r}: {report.rare_hits:,}"
    )
    if report.spread:
        print("  routings, for the inbox's views (all partnerships; the LCP worker's):")
        for name in SPREAD:
            print(f"    {name:<40} {report.spread['all'][name]:>8,}  {report.spread['worker'][name]:>7,}")


def print_followers_report(report: FollowerReport, count: int) -> None:
    print(f"\nFollowers: {report.seconds:.1f} s ({count / max(report.seconds, 1e-9):,.0f} followers/s)")
    print("  rows: " + ", ".join(f"{name} {n:,}" for name, n in report.rows.items()))
    top = list(report.followers_by_lcp.items())
    print("  followers per LCP: " + ", ".join(f"{slug} {n:,}" for slug, n in top))


def main() -> int:
    parser = argparse.ArgumentParser(description="Load city-sized data into the database named by DATABASE_URL.")
    parser.add_argument("--submissions", type=base.non_negative_int, default=200_000, help="submissions (200000)")
    parser.add_argument("--followers", type=base.non_negative_int, default=50_000, help="followers (50000)")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        raise SystemExit("DATABASE_URL must name the (migrated and seeded) database to load")
    postgres = url.startswith(("postgresql", "postgres://"))
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.models import Lcp, StaffUser, Topic

    app = create_app()
    with app.app_context():
        lcps = list(db.session.scalars(select(Lcp).order_by(Lcp.id)))
        topics = list(db.session.scalars(select(Topic).order_by(Topic.position)))
        staff = create_staff(db, lcps)
        secret = db.session.scalar(select(StaffUser.totp_secret).where(StaffUser.id == staff.worker_id))
        admin_secret = db.session.scalar(select(StaffUser.totp_secret).where(StaffUser.id == staff.admin_id))
        print(
            f"  staff: {ADMIN_EMAIL} (admin), {WORKER_EMAIL} (staff, {staff.worker_lcp_slug}), "
            f"{COLLEAGUES_PER_LCP} colleagues per LCP"
        )
        submissions = load_submissions(db, args.submissions, lcps, topics, staff)
        print_submissions_report(submissions, args.submissions)
        followers = load_followers(db, args.followers, lcps, topics)
        print_followers_report(followers, args.followers)
        found = probes(db, staff)
        print(
            f"  for the benchmark: item {found['item_id']} (recent, {staff.worker_lcp_slug}); receipt code "
            f"{found['receipt_code']} (item {found['receipt_item_id']})"
        )
        started = time.perf_counter()
        note = settle(db, postgres)
        print(f"\n  then: {note} ({time.perf_counter() - started:.1f} s)")
        sqlite_path = None if postgres else Path(url.removeprefix("sqlite:///"))
        print(f"  database size: {database_size(db, postgres, sqlite_path)}")
        print(f"  peak memory of the loader: {base.mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)}")
        db.session.remove()
        db.engine.dispose()
    facts = {
        "worker_email": WORKER_EMAIL,
        "worker_secret": secret,
        "worker_lcp": staff.worker_lcp_slug,
        "admin_email": ADMIN_EMAIL,
        "admin_secret": admin_secret,
        "password": PASSWORD,
        "probes": found,
        "spread": submissions.spread,
        "seconds": round(submissions.seconds + followers.seconds, 1),
        "rows": submissions.rows | followers.rows,
        "routings_by_lcp": submissions.routings_by_lcp,
    }
    print("dataset: " + json.dumps(facts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
