"""The staff dashboard: the partnerships a person looks after, their theme alerts and their figures.

The figures (`app.services.figures`) cover the person's partnerships over a period chosen in the URL
(`?days=30|90|365`). Each is drawn as an SVG chart, given as a table with the same numbers, and can be
downloaded as CSV from `/admin/figures/<name>.csv` with the same `days`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.admin import admin
from app.admin.access import me, requires, visible_lcps
from app.admin.downloads import csv_response
from app.clock import london_today
from app.extensions import db
from app.formatting import decimal
from app.models import Meeting, Update
from app.services import figures, themes

# Alerts whose period started within this many days are shown on the dashboard.
ALERTS_SHOWN_DAYS = 60


@admin.route("/")
@requires("view")
def dashboard():
    lcps = visible_lcps()
    ids = [lcp.id for lcp in lcps]
    drafts: dict[int, int] = {}
    for model in (Meeting, Update):
        for lcp_id, count in db.session.execute(
            select(model.lcp_id, func.count())
            .where(model.lcp_id.in_(ids), model.published.is_(False))
            .group_by(model.lcp_id)
        ):
            drafts[lcp_id] = drafts.get(lcp_id, 0) + count
    found = figures.dashboard(lcps, figures.period_days(request.args.get("days")))
    return render_template(
        "admin/dashboard.html",
        lcps=lcps,
        drafts=drafts,
        user=me(),
        alerts=themes.recent(ids, london_today() - timedelta(days=ALERTS_SHOWN_DAYS)),
        figures=found,
        charts=_charts(found),
        tables={name: rows(found, display=True) for name, rows in DOWNLOADS.items()},
        periods=figures.PERIODS,
        one_day=timedelta(days=1),
    )


def _number(value: float | None, display: bool) -> float | str:
    """A figure to one decimal place: as the person's language writes it on the page, as a plain number in CSV."""
    if value is None:
        return "–" if display else ""
    return decimal(value) if display else round(value, 1)


def _status_rows(found: figures.Figures, display: bool = False) -> tuple[list[Any], list[Any]]:
    return [_("Status"), _("Items")], [(label, count) for _status, label, count in found.by_status]


def _topic_rows(found: figures.Figures, display: bool = False) -> tuple[list[Any], list[Any]]:
    starts = [bucket.label if display else bucket.start.isoformat() for bucket in found.buckets]
    return [_("Topic"), *starts, _("Total")], [[label, *counts, sum(counts)] for label, counts in found.by_topic]


def _response_rows(found: figures.Figures, display: bool = False) -> tuple[list[Any], list[Any]]:
    header = [_("Partnership"), _("Items"), _("Answered"), _("Waiting"), _("Median days to first response")]
    rows = [
        (lcp.name, shown.items, shown.answered, shown.waiting, _number(shown.median_days, display))
        for lcp, shown in found.by_lcp
    ]
    return header, rows


def _outcome_rows(found: figures.Figures, display: bool = False) -> tuple[list[Any], list[Any]]:
    header = [_("Partnership"), _("Items"), _("With a published outcome"), _("Per cent")]
    rows = [
        (lcp.name, shown.items, shown.with_outcome, _number(shown.outcome_percent, display))
        for lcp, shown in found.by_lcp
    ]
    return header, rows


DOWNLOADS = {"status": _status_rows, "topics": _topic_rows, "response": _response_rows, "outcomes": _outcome_rows}


def _charts(found: figures.Figures) -> dict[str, list[tuple[str, float | None, str]]]:
    """The bars of each chart: (label, value, the words at the bar's end)."""
    response: list[tuple[str, float | None, str]] = []
    outcomes: list[tuple[str, float | None, str]] = []
    for lcp, shown in found.by_lcp:
        if shown.median_days is None:
            response.append((lcp.short_name, None, _("No answers yet")))
        else:
            days = decimal(shown.median_days)
            response.append((lcp.short_name, shown.median_days, _("%(days)s days", days=days)))
        if not shown.items:
            outcomes.append((lcp.short_name, None, _("No items")))
        else:
            words = _(
                "%(percent)s%% (%(count)s of %(items)s)",
                percent=shown.outcome_percent,
                count=shown.with_outcome,
                items=shown.items,
            )
            outcomes.append((lcp.short_name, shown.outcome_percent, words))
    return {
        "status": [(label, count, str(count)) for _status, label, count in found.by_status],
        "response": response,
        "outcomes": outcomes,
    }


@admin.route("/figures/<string:name>.csv")
@requires("view")
def figures_csv(name: str) -> ResponseReturnValue:
    """One dashboard figure as CSV, for the same partnerships and period as the dashboard."""
    if name not in DOWNLOADS:
        abort(404)
    found = figures.dashboard(visible_lcps(), figures.period_days(request.args.get("days")))
    header, rows = DOWNLOADS[name](found)
    return csv_response(f"{name}-{found.start.isoformat()}-to-{found.end.isoformat()}.csv", header, rows)
