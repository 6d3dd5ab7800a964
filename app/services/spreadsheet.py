"""CSV that opens cleanly in a spreadsheet: UTF-8 with a byte-order mark, and nothing a person typed run as a formula.

Excel reads a CSV without a byte-order mark as the machine's legacy code page, so "Ł" or "ا" would arrive
garbled; the mark tells it the file is UTF-8. A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
return would be taken as a formula (and could run one), even after spaces or line breaks before it (some
spreadsheets skip them), so such a cell is written with a leading apostrophe, which spreadsheets show as text.
Numbers the site itself computed are written as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from numbers import Number

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A cell a spreadsheet shows as text; numbers (not text that looks like one) pass unchanged."""
    if value is None:
        return ""
    if isinstance(value, Number) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return "'" + text if text.lstrip(" \n\u00a0").startswith(FORMULA_STARTS) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]], bom: bool = True) -> str:
    buffer = io.StringIO()
    if bom:
        buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return buffer.getvalue()
