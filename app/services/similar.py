"""Items that may say the same as another: the item page lists them, and staff decide (nothing acts by itself).

`for_submission(submission, user)` suggests up to five other submissions that:

- were routed to one of the same partnerships, among those the person may see (admins: every partnership the item
  went to; anyone else: only their own), so another partnership's items are never suggested;
- arrived in the last `WINDOW_DAYS` days (counted from now, so an old item's suggestions are recent ones);
- are not the item itself, not already tied to it (a duplicate of it, counted together with it, or its own
  original), and not already counted together with the same original as it;
- and whose words are close. Finding candidates is the database's work, bounded by the window and the
  partnerships first:
  - on SQLite, an FTS5 query of the item's most distinctive words (`keywords`: stop-words, bare numbers and words
    under three letters dropped, then the longest first, at most `TERMS`), quoted and ORed, ranked by bm25; the
    FTS5 rowid is bounded below by the window's first submission, so only recent rows are ranked (a third of the
    time). With 50,000 submissions (9,300 in the window): about 20 ms an item, for an admin or a worker.
  - on PostgreSQL, pg_trgm's `similarity()` of the first `COMPARED` characters of each body with the item's, worked
    out for the window's newest `EXAMINED` submissions in those partnerships (the `created_at` index and the
    routings' partnership index find them), highest first. The trigram index cannot serve a whole text's
    similarity (`body % :text` read the whole index: 700 ms), and similarity() costs about 50 µs a row, so the
    rows are bounded rather than indexed: about 100 ms an item at worst, however busy the partnership, and a
    partnership with more than `EXAMINED` items in 90 days has only its newest compared.
  The best `CANDIDATES` are then scored alike on both databases with RapidFuzz's `token_set_ratio` over their
  distinctive words (`comparable`), and only those scoring `THRESHOLD` or more are suggested, closest first.

"Raised by N people" (`raised_by`) counts an original and every submission counted together with it
(`Submission.same_issue_as_id`, set by `app.commands.same_issue`). Nothing here changes anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from rapidfuzz import fuzz
from sqlalchemy import ColumnElement, Select, exists, false, func, literal_column, or_, select
from sqlalchemy.orm import selectinload

from app.clock import utcnow
from app.extensions import db
from app.models import Routing, StaffUser, Submission
from app.services import sharing, triage
from app.services.search import fts_term, submission_fts

WINDOW_DAYS = 90
LIMIT = 5
# Distinctive words in the FTS5 query, and the candidates the database hands on to be scored.
TERMS = 12
CANDIDATES = 40
# The least RapidFuzz token_set_ratio (0–100) of the two items' distinctive words for a suggestion.
THRESHOLD = 60
# How much of each text PostgreSQL compares: trigram similarity of whole long texts costs more and says no more.
COMPARED = 300
# On PostgreSQL, the most items of the window whose similarity is worked out (the newest).
EXAMINED = 1000
MIN_WORD = 3
EXCERPT = 160

# Words too common to say what an item is about.
_STOP_WORDS = """
    a about above after again against all also am an and any are aren't as at be because been before being below
    between both but by can can't cannot could couldn't day did didn't do does doesn't doing don't down during each
    even every few for from further get gets getting got had hadn't has hasn't have haven't having he her here hers
    herself him himself his how i i'm i've if in into is isn't it it's its itself just know last like lot lots made
    make many me more most much my myself need needs new no nor not now of off on once one only or other our ours
    ourselves out over own people please really same said say says see she should so some still such than thank
    thanks that that's the their theirs them themselves then there there's these they they're this those through
    time to too under until up upon us use used very want was wasn't way we we're well were weren't what when where
    which while who whom why will with won't would wouldn't year years yes yet you you're your yours yourself
    yourselves
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())
WORD = re.compile(r"\w+(?:['’]\w+)?")


def _words(text: str) -> list[str]:
    return [word.replace("’", "'") for word in WORD.findall((text or "").casefold())]


def _distinctive(word: str) -> bool:
    return (
        len(word) >= MIN_WORD
        and word not in STOP_WORDS
        and not word.strip("_").isdigit()
        and any(character.isalnum() for character in word)
    )


def keywords(text: str, limit: int = TERMS) -> list[str]:
    """The item's most distinctive words, for the FTS5 query: each once, no stop-words, no short words or bare
    numbers, the longest first (a long word is more often a rare one), at most `limit`."""
    unique = list(dict.fromkeys(word for word in _words(text) if _distinctive(word)))
    return sorted(unique, key=len, reverse=True)[:limit]


def comparable(text: str) -> str:
    """The distinctive words of a text, in order, as RapidFuzz compares them."""
    return " ".join(word for word in _words(text) if _distinctive(word))


def closeness(first: str, second: str) -> float:
    """0–100: how close two texts' distinctive words are (RapidFuzz token_set_ratio)."""
    return float(fuzz.token_set_ratio(comparable(first), comparable(second)))


@dataclass(frozen=True)
class SimilarItem:
    """One suggestion, with what the list shows of it."""

    submission: Submission
    score: float
    code: str
    excerpt: str
    # The routings the person may see: each partnership's name and status.
    routings: list[Routing]

    def status_label(self, routing: Routing) -> str:
        return str(triage.STATUS_LABELS.get(routing.status, routing.status))


@dataclass
class Similar:
    """The item page's similar items (iterate it, or `items`), with its same-issue counts: how many people raised it
    (`raised_by`, 1 + the items counted together with it; `counted`, those the person may open) and, when it is
    counted together with another, that original (`counted_with`; `counted_with_visible` says whether the person may
    open it)."""

    items: list[SimilarItem] = field(default_factory=list)
    raised_by: int = 1
    counted_with: Submission | None = None
    counted_with_visible: bool = False
    # The items counted together with this one that the person may open, oldest first.
    counted: list[Submission] = field(default_factory=list)
    # How far back suggestions reach, for the page to say.
    days: int = WINDOW_DAYS

    def __iter__(self) -> Iterator[SimilarItem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def _scope(submission: Submission, user: StaffUser) -> set[int]:
    """The item's partnerships that the person may see."""
    return {routing.lcp_id for routing in submission.routings if user.sees(routing.lcp_id)}


def _eligible(submission: Submission, lcp_ids: set[int]) -> list[ColumnElement[bool]]:
    """Other submissions of the window, in these partnerships, not already tied to this one."""
    conditions: list[ColumnElement[bool]] = [
        Submission.id != submission.id,
        Submission.created_at >= utcnow() - timedelta(days=WINDOW_DAYS),
        exists().where(Routing.submission_id == Submission.id, Routing.lcp_id.in_(lcp_ids)),
        or_(Submission.duplicate_of_id.is_(None), Submission.duplicate_of_id != submission.id),
        or_(Submission.same_issue_as_id.is_(None), Submission.same_issue_as_id != submission.id),
    ]
    tied = [ident for ident in (submission.same_issue_as_id, submission.duplicate_of_id) if ident is not None]
    if tied:
        conditions.append(Submission.id.not_in(tied))
    if submission.same_issue_as_id is not None:
        conditions.append(
            or_(Submission.same_issue_as_id.is_(None), Submission.same_issue_as_id != submission.same_issue_as_id)
        )
    return conditions


def _first_in_window() -> int:
    """The id of the window's first submission, to bound the FTS5 rowids ranked (a third of the time of ranking the
    whole table). Ids grow with time, as each submission's `created_at` is the moment it is stored; the window's
    own `created_at` condition still decides."""
    since = utcnow() - timedelta(days=WINDOW_DAYS)
    first = select(Submission.id).where(Submission.created_at >= since).order_by(Submission.created_at).limit(1)
    return db.session.scalar(first) or 0


def _sqlite_candidates(submission: Submission, lcp_ids: set[int]) -> Select[int]:
    terms = keywords(submission.body)
    if not terms:
        return select(Submission.id).where(false())
    rank: ColumnElement[float] = literal_column("bm25(submission_fts)")
    return (
        select(Submission.id)
        .join(submission_fts, submission_fts.c.rowid == Submission.id)
        .where(
            submission_fts.c.submission_fts.match(" OR ".join(fts_term(term).removesuffix("*") for term in terms)),
            submission_fts.c.rowid >= _first_in_window(),
            *_eligible(submission, lcp_ids),
        )
        .order_by(rank)
        .limit(CANDIDATES)
    )


def _postgresql_candidates(submission: Submission, lcp_ids: set[int]) -> Select[int]:
    # The window's newest items in these partnerships first (the created_at index), then their trigram similarity:
    # worked out for at most EXAMINED rows, however busy the partnership.
    recent = (
        select(Submission.id, Submission.body)
        .where(*_eligible(submission, lcp_ids))
        .order_by(Submission.created_at.desc(), Submission.id.desc())
        .limit(EXAMINED)
        .subquery()
    )
    trigrams = func.similarity(func.left(recent.c.body, COMPARED), submission.body[:COMPARED])
    return select(recent.c.id).order_by(trigrams.desc(), recent.c.id.desc()).limit(CANDIDATES)


def _sees(user: StaffUser, submission: Submission) -> bool:
    return user.is_admin or any(user.sees(routing.lcp_id) for routing in submission.routings)


def _visible_routings(candidate: Submission, user: StaffUser) -> list[Routing]:
    return [routing for routing in candidate.routings if user.sees(routing.lcp_id)]


def for_submission(submission: Submission, user: StaffUser, limit: int = LIMIT) -> Similar:
    """Up to `limit` items the person can see, from the last `WINDOW_DAYS` days, whose words are close to this one's,
    closest first; with this item's same-issue counts."""
    found = Similar(raised_by=raised_by([submission.id])[submission.id])
    if found.raised_by > 1:
        found.counted = [item for item in counted_with(submission) if _sees(user, item)]
    original = submission.same_issue_as
    if original is not None:
        found.counted_with = original
        found.counted_with_visible = _sees(user, original)
    lcp_ids = _scope(submission, user)
    if not lcp_ids or not submission.body.strip():
        return found
    dialect = db.session.get_bind().dialect.name
    query = (
        _sqlite_candidates(submission, lcp_ids) if dialect == "sqlite" else _postgresql_candidates(submission, lcp_ids)
    )
    ids = list(db.session.scalars(query))
    if not ids:
        return found
    rows = db.session.scalars(
        select(Submission)
        .where(Submission.id.in_(ids))
        .options(selectinload(Submission.routings).selectinload(Routing.lcp))
    )
    mine = comparable(submission.body)
    scored = [(float(fuzz.token_set_ratio(mine, comparable(row.body))), row) for row in rows]
    scored = [(score, row) for score, row in scored if score >= THRESHOLD]
    scored.sort(key=lambda pair: (-pair[0], -pair[1].created_at.timestamp(), -pair[1].id))
    found.items = [
        SimilarItem(
            submission=row,
            score=score,
            code=sharing.format_code(row.receipt_code),
            excerpt=triage.excerpt(row.body, EXCERPT),
            routings=_visible_routings(row, user),
        )
        for score, row in scored[:limit]
    ]
    return found


def raised_by(submission_ids: Iterable[int]) -> dict[int, int]:
    """For each submission: 1 + how many submissions are counted together with it (its people, as the public "you
    said, we did" and the item page say "Raised by N people")."""
    ids = list(dict.fromkeys(submission_ids))
    counts = {ident: 1 for ident in ids}
    if not ids:
        return counts
    rows = db.session.execute(
        select(Submission.same_issue_as_id, func.count(Submission.id))
        .where(Submission.same_issue_as_id.in_(ids))
        .group_by(Submission.same_issue_as_id)
    )
    for ident, count in rows:
        if ident is not None:
            counts[ident] = 1 + count
    return counts


def counted_with(original: Submission) -> list[Submission]:
    """The submissions counted together with an original, oldest first."""
    return list(
        db.session.scalars(select(Submission).where(Submission.same_issue_as_id == original.id).order_by(Submission.id))
    )
