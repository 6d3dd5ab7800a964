"""Open data downloads at `/open-data`: every dataset the API serves, whole, as CSV and as JSON, with a data
dictionary, and the code to embed a partnership's snippet (`app/public/embed.py`) on another site.

The rows are the API's own (`app.services.open_data`): the JSON files hold exactly its dicts, and each CSV column is
one field of them (named in the dictionary's `json` entry), lists joined with "; ". Meetings and their agenda items
are two datasets: `meetings` (one row a meeting; the JSON keeps its agenda items, as the API does) and
`agenda-items` (one row an agenda item, with its meeting's id and partnership).

**When a file was made.** All the files of one content version are made together, once (`made()`): the rows of
every dataset and one time, `generated_at`, kept in the page cache's store under the content version. So a change
to anything public makes new files with a new time, and the page, each JSON file's `generated_at` and each file's
`Last-Modified` say the same time. They are also made again at least every `REMADE_AFTER` seconds: the scorecard,
the next meeting and the monthly counts (of private casework) move with the clock, not the content version. Each
response is kept by the page cache (`page_cache.page`, with its ETag and 304); a kept file made from an older set
than the current one is not served (`_dated`), so a file never disagrees with the page about its time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import wraps
from typing import Any

from flask import Response, abort, g, render_template, request
from flask_babel import lazy_gettext as _l

from app import page_cache
from app.clock import as_utc, utcnow
from app.links import absolute_url_for
from app.public import public
from app.services import directory
from app.services import open_data as api
from app.services.spreadsheet import csv_text

JSON = dict[str, Any]
# Words from `lazy_gettext`, put in the reader's language when shown (Flask-Babel's Words, untyped).
Words = Any
# All files are made again at least this often (seconds), whatever the content version.
REMADE_AFTER = 3600
# A file's time is remembered (by its ETag) this long after it was last made: longer than any kept page lives.
STAMP_SECONDS = 2 * REMADE_AFTER
OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
OGL_NAME = "Open Government Licence v3.0"
LIST_SEPARATOR = "; "


# Licences ---------------------------------------------------------------------------------------------------------

OURS: JSON = {
    "name": OGL_NAME,
    "url": OGL_URL,
    "attribution": "Contains public sector information licensed under the Open Government Licence v3.0. "
    "Source: Leeds Local Care Partnerships website.",
}
PRACTICES_LICENCE: JSON = {
    "name": OGL_NAME,
    "url": OGL_URL,
    "attribution": "Practice codes, names, postcodes and open or closed status: NHS Organisation Data Service, "
    "national GP practice list (epraccur), published under the Open Government Licence v3.0. Partnership links: "
    "Leeds Local Care Partnerships website, Open Government Licence v3.0.",
    "source": "NHS Organisation Data Service national GP practice list (epraccur.csv)",
}


# Columns and datasets ---------------------------------------------------------------------------------------------


def _path(item: JSON, dotted: str) -> Any:
    value: Any = item
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _cell(value: Any) -> object:
    """A JSON value as one CSV cell: lists joined with "; ", true/false in lower case, null as empty."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(_cell(part)) for part in value)
    return value


def _names(key: str) -> Callable[[Any], Any]:
    return lambda items: [entry[key] for entry in items or []]


def _papers(papers: Any) -> list[str]:
    return [f"{paper['title']} <{paper['url']}>" for paper in papers or []]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Words
    meaning: Words
    example: str
    json: str = ""
    shape: Callable[[Any], Any] | None = None
    # A count: empty (null) when under 10, as FEWER says.
    counted: bool = False

    @property
    def field(self) -> str:
        return self.json or self.name

    def value(self, item: JSON) -> object:
        found = _path(item, self.field)
        return _cell(self.shape(found) if self.shape else found)


@dataclass(frozen=True)
class Dataset:
    name: str
    title: Words
    description: Words
    columns: tuple[Column, ...]
    rows: Callable[[], list[JSON]]
    licence: JSON = field(default_factory=lambda: OURS)
    derived_from: str = ""

    def header(self) -> list[str]:
        return [column.name for column in self.columns]

    def csv_rows(self, items: list[JSON]) -> Iterator[list[object]]:
        for item in items:
            yield [column.value(item) for column in self.columns]


TEXT = _l("text")
WHOLE = _l("whole number")
NUMBER = _l("number")
DAY = _l("date (YYYY-MM-DD)")
MONTH = _l("month (YYYY-MM)")
MOMENT = _l("date and time (ISO 8601, with the UK offset)")
YES_NO = _l("true or false")
ADDRESS = _l("web address")
LIST = _l("list of text, separated by “; ”")
FEWER = _l("Empty (null in JSON) when it is fewer than 10, so that no figure describes one or two people.")


def _links(kind: str) -> tuple[Column, Column]:
    return (
        Column("url", ADDRESS, _l("The page on this site."), f"https://example.org/{kind}", "links.html"),
        Column("api_url", ADDRESS, _l("The same item in the API."), f"https://example.org/api/v1/{kind}", "links.self"),
    )


PARTNERSHIP_COLUMNS = (
    Column("id", TEXT, _l("The partnership’s identifier, used in addresses (its slug)."), "seacroft"),
    Column("name", TEXT, _l("The partnership’s full name."), "Seacroft Local Care Partnership"),
    Column("short_name", TEXT, _l("The name used inside a sentence."), "Seacroft"),
    Column(
        "confidence",
        TEXT,
        _l("How sure the sources are of its name and coverage: high, medium or low."),
        "high",
    ),
    Column("summary", TEXT, _l("What the partnership is, in a few sentences."), "A partnership in LS14…"),
    Column("areas", LIST, _l("The neighbourhoods, towns or wards it covers."), "Seacroft; Swarcliffe"),
    Column(
        "practices",
        LIST,
        _l("Its confirmed GP practices: ODS codes, or the name of a practice without one."),
        "B86032; B86071",
    ),
    Column("partners", LIST, _l("Organisations named as part of it."), "A community trust", shape=_names("name")),
    Column("priorities", LIST, _l("What it says it works on."), "Frailty", shape=_names("title")),
    Column(
        "next_meeting_id",
        WHOLE,
        _l("Its next published meeting (the meetings dataset’s id); empty when none is published."),
        "42",
        "next_meeting.id",
    ),
    Column(
        "next_meeting_starts_at",
        MOMENT,
        _l("When its next published meeting starts."),
        "2026-03-05T18:30:00+00:00",
        "next_meeting.starts_at",
    ),
    Column(
        "scorecard_days", WHOLE, _l("The days the scorecard covers, up to the file’s time."), "90", "scorecard.days"
    ),
    Column(
        "scorecard_suppressed",
        YES_NO,
        _l("True when fewer than 10 items reached it in those days, so no figure is given."),
        "false",
        "scorecard.suppressed",
    ),
    Column(
        "scorecard_items",
        WHOLE,
        _l("Items people shared that reached it in those days."),
        "24",
        "scorecard.items",
        counted=True,
    ),
    Column(
        "scorecard_answered",
        WHOLE,
        _l("Of those, how many it has answered."),
        "20",
        "scorecard.answered",
        counted=True,
    ),
    Column(
        "scorecard_waiting",
        WHOLE,
        _l("Of those, how many are waiting for a first answer."),
        "",
        "scorecard.waiting",
        counted=True,
    ),
    Column(
        "scorecard_median_days",
        NUMBER,
        _l("Working days to a first answer, the middle value; empty when fewer than 10 were answered."),
        "2.5",
        "scorecard.median_days",
    ),
    Column(
        "scorecard_with_outcome",
        WHOLE,
        _l("Items with an outcome recorded."),
        "12",
        "scorecard.with_outcome",
        counted=True,
    ),
    Column(
        "scorecard_outcome_percent",
        WHOLE,
        _l("The share of items with an outcome, in per cent; empty when fewer than 10 have one."),
        "50",
        "scorecard.outcome_percent",
    ),
    Column(
        "scorecard_target_days",
        WHOLE,
        _l("The target for a first answer, in working days."),
        "5",
        "scorecard.target_days",
    ),
    Column(
        "scorecard_within_target",
        WHOLE,
        _l("Items answered within the target."),
        "18",
        "scorecard.within_target",
        counted=True,
    ),
    Column(
        "scorecard_within_target_percent",
        WHOLE,
        _l("The share answered within the target, in per cent; empty when fewer than 10 were."),
        "75",
        "scorecard.within_target_percent",
    ),
    Column(
        "scorecard_waiting_past_target",
        WHOLE,
        _l("Items still waiting after the target."),
        "",
        "scorecard.waiting_past_target",
        counted=True,
    ),
    *_links("lcps/seacroft"),
)

PRACTICE_COLUMNS = (
    Column(
        "id",
        TEXT,
        _l("The practice’s NHS ODS code, or for one without, “name:” and its name in lower-case words with hyphens."),
        "B86032",
    ),
    Column("ods_code", TEXT, _l("The NHS ODS code; empty when the NHS list has none."), "B86032"),
    Column("name", TEXT, _l("The name people use for the practice."), "Example Medical Centre"),
    Column("postcode", TEXT, _l("The practice’s postcode."), "LS14 1AA"),
    Column("status", TEXT, _l("open or closed, as the NHS list says."), "open"),
    Column("closed_on", DAY, _l("When it closed, for a closed practice."), ""),
    Column(
        "partnership",
        TEXT,
        _l("The partnership it belongs to (its id), only where that is confirmed; empty when not confirmed."),
        "seacroft",
    ),
    Column(
        "confirmed_by",
        TEXT,
        _l(
            "How the link was confirmed: published (the partnership’s own published list), programme (the "
            "programme’s list) or staff; empty when not confirmed."
        ),
        "published",
    ),
    *_links("find?practice=12"),
)

MEETING_COLUMNS = (
    Column("id", WHOLE, _l("The meeting’s number."), "42"),
    Column("partnership", TEXT, _l("The partnership that meets (its id)."), "seacroft"),
    Column("title", TEXT, _l("The meeting’s title."), "Seacroft LCP meeting"),
    Column("starts_at", MOMENT, _l("When it starts."), "2026-03-05T18:30:00+00:00"),
    Column("ends_at", MOMENT, _l("When it ends."), "2026-03-05T20:00:00+00:00"),
    Column(
        "public_may_attend",
        YES_NO,
        _l("Whether members of the public may come; empty when the partnership has not said."),
        "true",
    ),
    Column("partners_only", YES_NO, _l("True when the public cannot attend."), "false"),
    Column("location", TEXT, _l("Where it is held."), "A community centre in Seacroft"),
    Column("online", YES_NO, _l("Whether it is held online."), "false"),
    Column("joining_details", TEXT, _l("How to join, as the partnership wrote it."), ""),
    Column("summary", TEXT, _l("What the meeting is about."), ""),
    Column("outcome", TEXT, _l("What was decided, after the meeting."), ""),
    Column(
        "agenda_items",
        LIST,
        _l("The titles of its agenda items, in order (each in full in the agenda items dataset)."),
        "Welcome; Winter plans",
        shape=_names("title"),
    ),
    *_links("lcps/seacroft/meetings/42"),
)

AGENDA_COLUMNS = (
    Column("id", WHOLE, _l("The agenda item’s number."), "7"),
    Column("meeting", WHOLE, _l("The meeting it belongs to (the meetings dataset’s id)."), "42"),
    Column("partnership", TEXT, _l("The partnership that meets (its id)."), "seacroft"),
    Column("title", TEXT, _l("The item’s title."), "Winter plans"),
    Column("description", TEXT, _l("What the item is about."), ""),
    Column("topics", LIST, _l("The topics it is tagged with (their ids)."), "ageing-well; loneliness"),
    Column(
        "papers",
        LIST,
        _l("Papers for the item, each as its title and its address in angle brackets."),
        "Winter plan <https://example.org/winter.pdf>",
        shape=_papers,
    ),
    Column("decision", TEXT, _l("What was decided on this item, once it is recorded."), ""),
    Column("decided_at", MOMENT, _l("When the decision was recorded."), ""),
)

UPDATE_COLUMNS = (
    Column("id", WHOLE, _l("The update’s number."), "12"),
    Column("partnership", TEXT, _l("The partnership that published it (its id)."), "seacroft"),
    Column("title", TEXT, _l("The update’s title."), "New walking group"),
    Column("body", TEXT, _l("The update as written, in Markdown."), "A walking group starts…"),
    Column("body_html", TEXT, _l("The update as HTML, cleaned to a few safe tags."), "<p>A walking group starts…</p>"),
    Column("published_at", MOMENT, _l("When it was published."), "2026-02-01T09:00:00+00:00"),
    Column("topics", LIST, _l("The topics it is tagged with (their ids)."), "loneliness"),
    *_links("lcps/seacroft#update-12"),
)

RESPONSE_COLUMNS = (
    Column("id", WHOLE, _l("The reply’s number."), "3"),
    Column("partnership", TEXT, _l("The partnership that replied (its id)."), "seacroft"),
    Column("you_said", TEXT, _l("What was raised, in the partnership’s words."), "The bus stop has no shelter."),
    Column("we_did", TEXT, _l("What the partnership did about it."), "We asked the council…"),
    Column(
        "quote",
        TEXT,
        _l(
            "The person’s own words, only as prepared for quoting (other people’s details removed) and only while "
            "they agree; empty otherwise. Never the text they sent."
        ),
        "",
    ),
    Column("published_at", MOMENT, _l("When the reply was published."), "2026-02-01T09:00:00+00:00"),
    Column("topics", LIST, _l("The topics of what was raised (their ids)."), "transport"),
    *_links("lcps/seacroft#response-3"),
)

TOPIC_COLUMNS = (
    Column("id", TEXT, _l("The topic’s identifier (its slug)."), "loneliness"),
    Column("label", TEXT, _l("The topic’s name."), "Loneliness"),
    Column("summary", TEXT, _l("What the topic covers."), ""),
    *_links("topics/loneliness"),
)

COUNT_COLUMNS = (
    Column("month", MONTH, _l("The month, in Leeds, in which items reached the partnership."), "2026-01"),
    Column("partnership", TEXT, _l("The partnership the items reached (its id)."), "seacroft"),
    Column("topic", TEXT, _l("The topic (its id); empty for items with no topic."), "loneliness"),
    Column(
        "count",
        WHOLE,
        _l(
            "Items people shared that reached this partnership in this month on this topic: an item about two "
            "partnerships counts for each, an item on two topics under each."
        ),
        "12",
        counted=True,
    ),
)


def _partnerships() -> list[JSON]:
    found = (api.find_partnership(item["id"]) for item in api.every(api.partnerships_page))
    return [api.partnership_detail(lcp) for lcp in found if lcp is not None]


def _agenda_items(meetings: list[JSON]) -> list[JSON]:
    return [
        {**item, "meeting": meeting["id"], "partnership": meeting["partnership"]}
        for meeting in meetings
        for item in meeting["agenda_items"]
    ]


DATASETS: dict[str, Dataset] = {
    dataset.name: dataset
    for dataset in (
        Dataset(
            "partnerships",
            _l("Partnerships"),
            _l(
                "Each Local Care Partnership: its areas, confirmed practices, partners, priorities, next meeting and "
                "its scorecard for the last 90 days."
            ),
            PARTNERSHIP_COLUMNS,
            _partnerships,
        ),
        Dataset(
            "practices",
            _l("GP practices"),
            _l("Every Leeds GP practice in the NHS list, open or closed, and its partnership where it is confirmed."),
            PRACTICE_COLUMNS,
            lambda: api.every(api.practices_page),
            licence=PRACTICES_LICENCE,
        ),
        Dataset(
            "meetings",
            _l("Meetings"),
            _l("Every published meeting. In the JSON file each meeting holds its agenda items."),
            MEETING_COLUMNS,
            lambda: api.every(api.meetings_page),
        ),
        Dataset(
            "agenda-items",
            _l("Agenda items"),
            _l("Every agenda item of a published meeting, one a row, with what was decided."),
            AGENDA_COLUMNS,
            lambda: [],
            derived_from="meetings",
        ),
        Dataset(
            "updates",
            _l("Updates"),
            _l("Every published update from a partnership."),
            UPDATE_COLUMNS,
            lambda: api.every(api.updates_page),
        ),
        Dataset(
            "responses",
            _l("You said, we did"),
            _l(
                "Every published reply to something people raised: what was raised and what was done, in the "
                "partnership’s words."
            ),
            RESPONSE_COLUMNS,
            lambda: api.every(api.responses_page),
        ),
        Dataset(
            "topics",
            _l("Topics"),
            _l("The topics partnerships, meetings and updates are tagged with."),
            TOPIC_COLUMNS,
            lambda: api.every(api.topics_page),
        ),
        Dataset(
            "monthly-counts",
            _l("Monthly counts"),
            _l("How many items people shared reached each partnership each month, by topic. Never their words."),
            COUNT_COLUMNS,
            api.monthly_counts,
        ),
    )
}


# The files of one content version ---------------------------------------------------------------------------------


@dataclass
class Made:
    """Every dataset's rows as one set, and when the set was made (aware UTC, to the second)."""

    generated_at: datetime
    rows: dict[str, list[JSON]]


def _stamp_key() -> str:
    return f"open-data:made:{page_cache.content_version()}"


def _make() -> Made:
    rows = {name: dataset.rows() for name, dataset in DATASETS.items() if not dataset.derived_from}
    rows["agenda-items"] = _agenda_items(rows["meetings"])
    return Made(as_utc(utcnow().replace(microsecond=0)), rows)


def current_stamp() -> datetime | None:
    """When the current set of files was made, or None when none is kept."""
    return page_cache.cache.get(_stamp_key())


def made() -> Made:
    """This content version's files, made now when none are kept (or they are older than REMADE_AFTER)."""
    stamp = current_stamp()
    if stamp is not None:
        found = page_cache.cache.get(f"{_stamp_key()}:{stamp.isoformat()}")
        if isinstance(found, Made):
            return found
    fresh = _make()
    # A request holding changes not yet committed (as in a test) sees them, and keeps nothing, as the page cache does.
    if not page_cache._changing():
        page_cache.cache.set(f"{_stamp_key()}:{fresh.generated_at.isoformat()}", fresh, timeout=REMADE_AFTER)
        page_cache.cache.set(_stamp_key(), fresh.generated_at, timeout=REMADE_AFTER)
    return fresh


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def file_body(dataset: Dataset, kind: str, found: Made) -> str:
    items = found.rows[dataset.name]
    if kind == "csv":
        return csv_text(dataset.header(), dataset.csv_rows(items))
    document = {"data": items, "generated_at": iso(found.generated_at), "licence": dataset.licence}
    return json.dumps(document, ensure_ascii=False, indent=1)


def dataset_or_404(name: str) -> Dataset:
    dataset = DATASETS.get(name)
    if dataset is None:
        abort(404)
    return dataset


# Views ------------------------------------------------------------------------------------------------------------

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
# Where a freshly made file leaves its time for `_dated`.
MADE_NOW = "open_data_made"


def _etag_key(response: Response) -> str | None:
    etag, _weak = response.get_etag()
    # A kept page's ETag carries its compression after a colon (page_cache); the body's time does not depend on it.
    return f"open-data:etag:{etag.split(':')[0]}" if etag else None


def _dated(view: Callable[..., Response]) -> Callable[..., Response]:
    """Around a kept file: `Last-Modified` is when its set was made (the page cache would say when it kept it), and a
    kept file made from an older set than the current one is made again rather than served."""

    @wraps(view)
    def dated(*args: Any, **kwargs: Any) -> Response:
        response = view(*args, **kwargs)
        key = _etag_key(response)
        fresh = g.pop(MADE_NOW, None)
        if fresh is None:
            kept = page_cache.cache.get(key) if key else None
            if kept is None or kept != current_stamp():
                # Made from an older set: make it again from the current one (not kept, so the old entry soon expires).
                response = view.__wrapped__(*args, **kwargs)  # type: ignore[attr-defined]
                fresh = g.pop(MADE_NOW)
            else:
                fresh = kept
        elif key:
            page_cache.cache.set(key, fresh, timeout=STAMP_SECONDS)
        response.last_modified = fresh
        response.headers["Access-Control-Allow-Origin"] = "*"
        if kwargs.get("kind") == "csv":
            # A CSV downloads under a name that says what it is (a kept page keeps no Content-Disposition).
            response.headers["Content-Disposition"] = f'attachment; filename="leeds-lcps-{kwargs["name"]}.csv"'
        return response

    return dated


@public.get("/open-data/<string:name>.<any(csv, json):kind>")
@_dated
@page_cache.page()
def open_data_file(name: str, kind: str) -> Response:
    dataset = dataset_or_404(name)
    found = made()
    setattr(g, MADE_NOW, found.generated_at)
    response = Response(file_body(dataset, kind, found), content_type=MEDIA_TYPES[kind])
    response.headers["Cache-Control"] = "public, no-cache"
    return response


def dictionary() -> list[JSON]:
    """Every dataset and each of its columns, in the reader's language."""
    return [
        {
            "dataset": dataset.name,
            "title": str(dataset.title),
            "description": str(dataset.description),
            "files": {
                kind: absolute_url_for("public.open_data_file", name=dataset.name, kind=kind, lang=None)
                for kind in ("csv", "json")
            },
            "licence": dataset.licence,
            "columns": [
                {
                    "name": column.name,
                    "type": str(column.kind),
                    "meaning": str(column.meaning),
                    "example": column.example,
                    "json": column.field,
                    "empty_when": str(FEWER) if column.counted else None,
                }
                for column in dataset.columns
            ],
        }
        for dataset in DATASETS.values()
    ]


@public.get("/open-data/dictionary.json")
@page_cache.page()
def open_data_dictionary() -> Response:
    body = json.dumps({"datasets": dictionary(), "licence": OURS}, ensure_ascii=False, indent=1)
    response = Response(body, content_type="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@public.get("/open-data")
def open_data_page() -> str:
    """The datasets, when their files were made, their licences and dictionary, and the embed code (`?lcp=`).

    Not kept by the page cache: it says when the current files were made, which a kept copy could not."""
    found = made()
    lcps = directory.all_lcps()
    chosen = next((lcp for lcp in lcps if lcp.slug == request.args.get("lcp")), None)
    return render_template(
        "public/open_data.html",
        datasets=DATASETS.values(),
        rows=found.rows,
        generated_at=found.generated_at,
        lcps=lcps,
        chosen=chosen,
        unknown_lcp=bool(request.args.get("lcp")) and chosen is None,
        ogl_url=OGL_URL,
        fewer=FEWER,
    )
