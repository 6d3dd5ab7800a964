"""The staff dashboard: the partnerships a person looks after, their theme alerts and their figures.

The figures (`app.services.figures`) cover the person's partnerships over a period chosen in the URL
(`?days=30|90|365`). Each is drawn as an SVG chart, given as a table with the same numbers, and can be
downloaded as CSV from `/admin/figures/<name>.csv` with the same `days`.

Working the figures out reads every item of the period in the person's partnerships: for a citywide admin, every
item in the city. So the rendered figures are kept for `FIGURES_SECONDS` (`DASHBOARD_FIGURES_SECONDS` in the
settings; 0 keeps nothing) in the app's cache (`app.page_cache.cache`: each worker's memory, or Redis), under a
key naming exactly whose figures they are: "admin" for a citywide admin, otherwise the person's partnerships,
with the period, the day in Leeds and the language. Two people with the same partnerships share an entry; nobody
is ever shown figures for partnerships other than their own. The page says when the figures were worked out
("Figures as of 2:02pm"), so a kept figure is never presented as live, and the `Server-Timing` header says
whether they came from the cache (for the benchmark and a browser's developer tools). The theme alerts and the
drafts are read afresh each time: they are quick, and a member of staff expects to see their own change at once.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from flask import abort, current_app, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import func, select

from app.admin import admin
from app.admin.access import me, requires, visible_lcps
from app.admin.downloads import csv_response
from app.clock import london_today, utcnow
from app.extensions import db
from app.formatting import decimal
from app.languages import current as current_language
from app.models import Lcp, Meeting, StaffUser, Update
from app.page_cache import cache
from app.services import figures, themes

# Alerts whose period started within this many days are shown on the dashboard.
ALERTS_SHOWN_DAYS = 60
# How long the rendered figures are kept, in seconds, unless DASHBOARD_FIGURES_SECONDS says otherwise.
FIGURES_SECONDS = 60


@admin.route("/")
@requires("view")
def dashboard() -> ResponseReturnValue:
    user = me()
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
    days = figures.period_days(request.args.get("days"))
    started = time.perf_counter()
    section, as_of, kept = _figures_section(user, lcps, days)
    spent = (time.perf_counter() - started) * 1000
    response = make_response(
        render_template(
            "admin/dashboard.html",
            lcps=lcps,
            drafts=drafts,
            user=user,
            alerts=themes.recent(ids, london_today() - timedelta(days=ALERTS_SHOWN_DAYS)),
            days=days,
            figures_section=section,
            figures_as_of=as_of,
            periods=figures.PERIODS,
            one_day=timedelta(days=1),
        )
    )
    source = "from the cache" if kept else "worked out"
    response.headers["Server-Timing"] = f'dashboard-figures;desc="{source}";dur={spent:.1f}'
    return response


def figures_key(user: StaffUser, lcps: list[Lcp], days: int) -> str:
    """Whose figures these are: a citywide admin's (every partnership), or those of exactly these partnerships."""
    scope = "admin" if user.is_admin else "lcps-" + "-".join(str(ident) for ident in sorted(lcp.id for lcp in lcps))
    return f"dashboard-figures:{scope}:{days}:{london_today().isoformat()}:{current_language()}"


def _figures_section(user: StaffUser, lcps: list[Lcp], days: int) -> tuple[Markup, datetime, bool]:
    """The rendered figures, when they were worked out, and whether they came from the cache.

    An entry older than the period is never used, whatever the cache's own expiry does (Redis rounds to seconds)."""
    seconds = int(current_app.config.get("DASHBOARD_FIGURES_SECONDS", FIGURES_SECONDS))
    key = figures_key(user, lcps, days)
    now = utcnow()
    if seconds > 0:
        found = cache.get(key)
        if isinstance(found, dict):
            as_of = datetime.fromisoformat(found["as_of"])
            if timedelta(0) <= now - as_of < timedelta(seconds=seconds):
                return Markup(found["html"]), as_of, True  # noqa: S704 - our own template, rendered and kept
    worked_out = figures.dashboard(lcps, days)
    html = render_template(
        "admin/_dashboard_figures.html",
        user=user,
        figures=worked_out,
        charts=_charts(worked_out),
        tables={name: rows(worked_out, display=True) for name, rows in DOWNLOADS.items()},
    )
    if seconds > 0:
        cache.set(key, {"html": html, "as_of": now.isoformat()}, timeout=seconds)
    return Markup(html), now, False  # noqa: S704 - our own template, just rendered


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
