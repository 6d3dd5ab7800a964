"""Downloads from the staff area: a CSV file built by `app.services.spreadsheet`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from flask import Response

from app.services.spreadsheet import csv_text


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> Response:
    """A download: `filename` must be plain ASCII without quotes (the callers build it from slugs and dates)."""
    response = Response(csv_text(header, rows), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
