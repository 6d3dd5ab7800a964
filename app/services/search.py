"""Finding items: the inbox's search box.

`matching` narrows a query of routings joined to their submissions (`app.services.triage.filtered`) with one more
WHERE clause, so the inbox's counts, keyset pages and the item page's previous and next all still start from it.
What may be typed:

- **A receipt code**, in any case and spacing: `TJYD-AR56`, `tjydar56`, `tjyd ar56` (`find_code`). It matches the
  submission with that code exactly (`receipt_code` is unique and indexed), **or** the words, as typed or as the
  code is written (`TJYDAR56`, `TJYD-AR56`), since someone may have quoted an earlier code in what they sent.
- **An item number**: `123`, `#123`, `item 123` (`item_number`). Staff know items by the submission's id (the inbox
  and the item page call it the item number); routing ids are never shown to staff as numbers, so they are not
  searched. It matches that submission **or** the words (a number may be in what someone wrote: "bus 42").
- **Words**: every word typed must appear, in any order and any case.
  - On PostgreSQL each word is `ILIKE '%word%'` on `submission.body` (LIKE's wildcards escaped by
    `app.services.like`), which the trigram index of migration 0009 serves (a word of fewer than three characters
    cannot use it, but the longer words beside it narrow the rows first). Accents count: `cafe` does not find
    `café` (`café` and `CAFÉ` find each other).
  - On SQLite each word is a quoted prefix term of the FTS5 table `submission_fts` (migration 0012; its tokenizer
    is unicode61 with remove_diacritics 2, so case and Latin accents do not count, and `cafe` finds `café`), and
    the terms are ANDed: `"clinic"* "parking"*`. Quoting neutralises FTS5's syntax: a quote is doubled, and `*`,
    `-`, `:`, `^`, parentheses, `AND`, `OR`, `NOT` and `NEAR` inside quotes are only text, so nothing typed can
    make a syntax error. The condition is `routing.submission_id IN (SELECT rowid FROM submission_fts WHERE
    submission_fts MATCH :terms)`: the same rows as `submission.id IN (…)` through the join, but tested on the
    routing before its submission is read, which halves a partnership worker's rare-word search (SQLite has no
    statistics, so it walks the worker's routings newest first and stops at a page's worth; an admin's search is
    driven from the FTS rows; the code and number are tested on `routing.submission_id` too, so SQLite can join
    the three with a MULTI-INDEX OR). Measured with 50,000 submissions (the first page of 26 rows, on a busy
    machine): a rare word in under 1 ms for an admin and 7–9 ms for the busiest partnership's worker (2 ms on
    PostgreSQL for both); a code in under 1 ms for an admin and about 10 ms for that worker (3 ms on PostgreSQL:
    a BitmapOr of the trigram and receipt-code indexes).
    Two kinds of word FTS5 cannot find are matched with LIKE instead (reading every item in scope, as PostgreSQL
    would without its index): a word in a script written without spaces (Chinese, Japanese, Thai, Lao, Khmer,
    Myanmar), because unicode61 keeps a whole run of such characters as one token, so `医生` would never match
    inside `简体中文的医生`; and a word with no letter or digit at all (an emoji, `£`), which unicode61 drops.
  - PostgreSQL matches what is typed as it is, punctuation included (`(clinic)` needs the brackets); SQLite's
    tokenizer reads only the letters and digits inside each quoted term.

Control characters (NUL above all, which PostgreSQL refuses in any text) are removed before anything is matched;
what is left empty matches everything, as an empty box does.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, column, or_, select, table

from app.extensions import db
from app.models import Routing, Submission
from app.numbers import database_id
from app.services.like import ESCAPE, containing
from app.services.sharing import ALPHABET, CODE_LENGTH, format_code

# Spaces and every kind of hyphen or dash a person (or a word processor) may put inside a code.
CODE_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\ufe63\uff0d]+")
# `123`, `#123`, `item 123`, `Item #123`, `item no. 123`: ASCII digits (`app.numbers.database_id` reads them).
ITEM_NUMBER = re.compile(r"(?:item\s*)?(?:no\.?\s*)?#?\s*([0-9]+)", re.IGNORECASE)
# Scripts written without spaces between words, which unicode61 does not split: Thai and Lao, Myanmar, Khmer,
# CJK punctuation, kana, Han (with its extensions and compatibility forms), half-width kana.
UNSPACED = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\uff66-\uff9f\U00020000-\U0003ffff]"
)
# The SQLite FTS5 table of what people wrote (migration 0012): its rowid is submission.id, and the hidden column
# named after the table is the one MATCH searches every column through.
submission_fts = table("submission_fts", column("rowid"), column("submission_fts"))


def find_code(typed: str) -> str | None:
    """The receipt code as stored (eight characters of `sharing.ALPHABET`, upper case), when what was typed has a
    code's shape in any case, spacing or hyphenation (`tjyd ar56`, `TJYD–AR56`); None for anything else."""
    code = CODE_SEPARATORS.sub("", typed or "").upper()
    if len(code) != CODE_LENGTH or any(character not in ALPHABET for character in code):
        return None
    return code


def item_number(typed: str) -> int | None:
    """The item (submission) number in `123`, `#123` or `item 123`; None when it is not one or no table could hold
    it."""
    found = ITEM_NUMBER.fullmatch((typed or "").strip())
    return database_id(found[1]) if found else None


def words(typed: str) -> list[str]:
    """What was typed split at spaces, without control characters (no database stores NUL), duplicates dropped."""
    cleaned = "".join(
        character for character in typed or "" if not unicodedata.category(character).startswith(("Cc", "Cs"))
    )
    found: list[str] = []
    for word in cleaned.split():
        if word.casefold() not in (seen.casefold() for seen in found):
            found.append(word)
    return found


def fts_term(word: str) -> str:
    """One word as an FTS5 prefix term: quoted (a quote inside doubled), so none of its characters is syntax."""
    return '"' + word.replace('"', '""') + '"*'


def _indexable(word: str) -> bool:
    """Whether FTS5 can find the word: it has a letter or digit, and no character of a script without spaces."""
    return any(character.isalnum() for character in word) and UNSPACED.search(word) is None


def _like(word: str) -> ColumnElement[bool]:
    return Submission.body.ilike(containing(word), escape=ESCAPE)


def words_condition(found: list[str], dialect: str) -> ColumnElement[bool]:
    """Every word appears in the submission's body, on this database (see the module's docstring)."""
    if dialect != "sqlite":
        return and_(*(_like(word) for word in found))
    indexed = [word for word in found if _indexable(word)]
    conditions = [_like(word) for word in found if not _indexable(word)]
    if indexed:
        terms = " ".join(fts_term(word) for word in indexed)
        rowids = select(submission_fts.c.rowid).where(submission_fts.c.submission_fts.match(terms))
        conditions.insert(0, Routing.submission_id.in_(rowids))
    return and_(*conditions)


def condition(typed: str, dialect: str | None = None) -> ColumnElement[bool] | None:
    """What `matching` adds to the query: the code's submission, the numbered item, or every word (any of them);
    None when nothing is left to match."""
    found = words(typed)
    if not found:
        return None
    dialect = dialect or db.session.get_bind().dialect.name
    whole = " ".join(found)
    either = [words_condition(found, dialect)]
    code = find_code(whole)
    sqlite = dialect == "sqlite"
    if code is not None:
        for written in (code, format_code(code)):
            if [written] != found:
                either.append(words_condition([written], dialect))
        either.append(
            Routing.submission_id.in_(select(Submission.id).where(Submission.receipt_code == code))
            if sqlite
            else Submission.receipt_code == code
        )
    number = item_number(whole)
    if number is not None:
        either.append(Routing.submission_id == number if sqlite else Submission.id == number)
    return or_(*either) if len(either) > 1 else either[0]


def matching(query: Select[Any], q: str) -> Select[Any]:
    """The routings of `query` (which joins Submission) whose submission has the code or number typed, or holds
    every word typed."""
    found = condition(q)
    return query if found is None else query.where(found)
