"""Keyset pages: rows in order of (a time, an id), a page at a time, forwards and back.

A cursor names the last (or first) row a page showed, as `<time in ISO 8601>_<id>`; the next page starts
just after it. Unlike an offset, this costs the same on page 1,000 as on page 1, and a row added meanwhile
neither repeats nor hides one. The inbox and the list of followers who may be contacted both page this way.

A cursor comes back in the address, where anyone can change it, so only one this module could have written is
read: anything else (an id too large for a column, a time in another shape, digits of another script) is no
cursor at all, and the list starts at its first page, as other query arguments the site cannot use are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from app.extensions import db
from app.numbers import database_id

# What `write_cursor` writes: a naive time as `datetime.isoformat` gives it (microseconds only when there are
# some), then an id, in ASCII digits with no sign, no spaces and no leading zero.
CURSOR = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{6})?)_([1-9][0-9]*)")


@dataclass
class Page:
    rows: list[Any]
    # Cursors for the next page in the chosen order and for the page before; None when there is none.
    next_after: str | None
    previous_before: str | None


def write_cursor(moment: datetime, ident: int) -> str:
    return f"{moment.isoformat()}_{ident}"


def read_cursor(value: str | None) -> tuple[datetime, int] | None:
    """The time and id in a cursor `write_cursor` could have written; None for anything else, such as an id no
    column can hold (a database refuses to compare with it) or a time that is not a real one."""
    found = CURSOR.fullmatch(value or "")
    ident = database_id(found[2]) if found else None
    if found is None or ident is None:
        return None
    try:
        return datetime.fromisoformat(found[1]), ident
    except ValueError:
        return None


def page(
    query: Select[Any],
    moment: InstrumentedAttribute[Any],
    ident: InstrumentedAttribute[int],
    *,
    newest_first: bool,
    after: str | None = None,
    before: str | None = None,
    size: int,
    options: Sequence[Any] = (),
) -> Page:
    """One page of `query` ordered by (`moment`, `ident`), after (or before) a cursor."""
    after_key, before_key = read_cursor(after), read_cursor(before)
    # Going back a page reads the other way from the cursor, then turns the rows round.
    backwards = before_key is not None and after_key is None
    descending = newest_first != backwards
    key = before_key if backwards else after_key
    if key is not None:
        at, last = key
        # The plain bound on the time lets the database start its index scan at the cursor; the OR alone
        # would have it read every row before the cursor and test each one.
        if descending:
            query = query.where(moment <= at, or_(moment < at, and_(moment == at, ident < last)))
        else:
            query = query.where(moment >= at, or_(moment > at, and_(moment == at, ident > last)))
    order = (moment.desc(), ident.desc()) if descending else (moment, ident)
    rows = list(db.session.scalars(query.order_by(*order).limit(size + 1).options(*options)))
    more = len(rows) > size
    rows = rows[:size]

    def cursor(row: Any) -> str:
        return write_cursor(getattr(row, moment.key), getattr(row, ident.key))

    if backwards:
        rows.reverse()
        return Page(rows, cursor(rows[-1]) if rows else None, cursor(rows[0]) if rows and more else None)
    return Page(
        rows, cursor(rows[-1]) if rows and more else None, cursor(rows[0]) if rows and key is not None else None
    )
