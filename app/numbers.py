"""Numbers read from what people send: never superscripts such as "²", and never too large for a column."""

from __future__ import annotations

# The largest id a database column holds (a 32-bit integer on PostgreSQL, and far below SQLite's limit).
LARGEST_ID = 2**31 - 1


def database_id(value: str | None) -> int | None:
    """A query argument read as an id: None unless it is a whole number a table could hold."""
    if value is None or not value.isascii() or not value.isdigit() or len(value) > len(str(LARGEST_ID)):
        return None
    number = int(value)
    return number if 0 < number <= LARGEST_ID else None


def whole_number(value: str, most_digits: int) -> int | None:
    """Decimal digits (any script's, such as ٤٠), at most `most_digits` of them, as a number; None for anything
    else, including superscripts such as "²", which are digits but not decimal ones."""
    if not value.isdecimal() or len(value) > most_digits:
        return None
    return int(value)
