"""Open data downloads (`/open-data`): every dataset as CSV (read by `csv` and by pandas) and JSON, the same items as
the API, with the columns the dictionary documents, no count under 10, no example content, a time that matches
`Last-Modified`, ETag and 304, and new files after a content change."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from uuid import uuid4

import pandas
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.models import (
    AgendaItem,
    Lcp,
    Meeting,
    PublishedResponse,
    Routing,
    Submission,
    Topic,
    Update,
)
from app.public import open_data as downloads
from app.services.spreadsheet import BOM
from tests.conftest import Page

DATASETS = list(downloads.DATASETS)
# Where the API lists each dataset's items (None: no list of its own, or a list of summaries).
API_LISTS = {
    "practices": "/api/v1/practices",
    "meetings": "/api/v1/meetings",
    "updates": "/api/v1/updates",
    "responses": "/api/v1/responses",
    "topics": "/api/v1/topics",
    "monthly-counts": "/api/v1/counts/monthly",
}
COUNTED = {"count", "scorecard_items", "scorecard_answered", "scorecard_waiting", "scorecard_with_outcome"}


@pytest.fixture
def published(app: Flask) -> Iterator[dict[str, int]]:
    """Public content that is not example content: a coming meeting with an agenda item, an update, a reply, and
    12 + 3 items shared with Seacroft this month (one topic reaches 10, the other does not)."""
    with app.app_context():
        seacroft = db.session.scalar(select(Lcp).where(Lcp.slug == "seacroft"))
        assert seacroft is not None
        connection, transport = (
            db.session.scalar(select(Topic).where(Topic.slug == slug)) for slug in ("isolation-connection", "transport")
        )
        start = utcnow().replace(microsecond=0) + timedelta(days=20)
        meeting = Meeting(
            lcp=seacroft, title="Open data meeting", starts_at=start, ends_at=start + timedelta(hours=2), published=True
        )
        item = AgendaItem(title="=Winter plans", description="Planning for winter", position=1)
        item.topics = [connection]
        meeting.agenda_items = [item]
        update = Update(
            lcp=seacroft,
            title="Open data update",
            body="A **walking group** starts",
            published=True,
            published_at=utcnow() - timedelta(days=1),
        )
        db.session.add_all([meeting, update])
        submissions = []
        for number in range(15):
            submission = Submission(receipt_code=uuid4().hex[:12].upper(), body="Private words never published")
            submission.topics = [connection if number < 12 else transport]
            submission.routings = [Routing(lcp=seacroft, status="received", created_at=utcnow())]
            submissions.append(submission)
        db.session.add_all(submissions)
        db.session.flush()
        reply = PublishedResponse(
            submission=submissions[0],
            lcp=seacroft,
            you_said="The bus stop has no shelter",
            we_did="We asked the council",
            published_at=utcnow() - timedelta(hours=1),
        )
        db.session.add(reply)
        db.session.commit()
        yield {"meeting": meeting.id, "item": item.id, "update": update.id, "response": reply.id}


def fetch(client: FlaskClient, url: str, **headers: str) -> Any:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    return response


def document(client: FlaskClient, name: str) -> dict[str, Any]:
    return json.loads(fetch(client, f"/open-data/{name}.json").get_data(as_text=True))


def csv_rows(client: FlaskClient, name: str) -> tuple[bytes, list[list[str]]]:
    body = fetch(client, f"/open-data/{name}.csv").data
    text = body.decode("utf-8")
    assert text.startswith(BOM)
    return body, list(csv.reader(io.StringIO(text.removeprefix(BOM))))


def dictionary(client: FlaskClient) -> dict[str, dict[str, Any]]:
    found = json.loads(fetch(client, "/open-data/dictionary.json").get_data(as_text=True))
    return {entry["dataset"]: entry for entry in found["datasets"]}


def api_items(client: FlaskClient, url: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    # The monthly counts come whole; the other lists a page at a time.
    next_url: str | None = url if url.endswith("/monthly") else f"{url}?limit=100"
    while next_url:
        answer = fetch(client, next_url).get_json()
        items.extend(answer["data"])
        next_url = answer["links"].get("next")
    return items


@pytest.mark.parametrize("name", DATASETS)
def test_each_csv_reads_in_csv_and_pandas_with_the_documented_columns(client, published, name: str) -> None:
    columns = [column["name"] for column in dictionary(client)[name]["columns"]]
    body, rows = csv_rows(client, name)
    assert rows[0] == columns
    items = document(client, name)["data"]
    assert len(rows) - 1 == len(items) > 0
    frame = pandas.read_csv(io.BytesIO(body), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(frame.columns) == columns
    assert len(frame) == len(items)
    # Each column is the field the dictionary names, flattened as it says.
    for row, item in zip(rows[1:], items, strict=True):
        for column, cell in zip(columns, row, strict=True):
            field = downloads.DATASETS[name].columns[columns.index(column)].field
            value = downloads._path(item, field)
            if value is None:
                assert cell == ""
            elif isinstance(value, bool):
                assert cell == str(value).lower()
            elif isinstance(value, (int, float)):
                assert cell == str(value)


def test_a_cell_that_would_run_as_a_formula_is_text(client, published) -> None:
    _body, rows = csv_rows(client, "agenda-items")
    titles = [row[rows[0].index("title")] for row in rows[1:]]
    assert "'=Winter plans" in titles


@pytest.mark.parametrize("name", API_LISTS)
def test_json_holds_the_same_items_as_the_api(client, published, name: str) -> None:
    found = document(client, name)
    assert set(found) == {"data", "generated_at", "licence"}
    assert found["data"] == api_items(client, API_LISTS[name])


def test_partnerships_are_the_apis_partnerships_in_detail(client, published) -> None:
    found = document(client, "partnerships")["data"]
    listed = api_items(client, "/api/v1/partnerships")
    assert [item["id"] for item in found] == [item["id"] for item in listed]
    for item in found:
        assert item == fetch(client, f"/api/v1/partnerships/{item['id']}").get_json()


def test_agenda_items_are_the_meetings_items_with_their_meeting(client, published) -> None:
    meetings = api_items(client, "/api/v1/meetings")
    expected = [
        {**item, "meeting": meeting["id"], "partnership": meeting["partnership"]}
        for meeting in meetings
        for item in meeting["agenda_items"]
    ]
    found = document(client, "agenda-items")["data"]
    assert found == expected
    assert any(item["id"] == published["item"] and item["meeting"] == published["meeting"] for item in found)


def test_no_count_under_ten_in_any_file(client, published) -> None:
    counts = document(client, "monthly-counts")["data"]
    mine = {row["topic"]: row["count"] for row in counts if row["partnership"] == "seacroft"}
    assert mine["isolation-connection"] is not None and mine["isolation-connection"] >= 12
    # Three items on transport: the row is there, its count is not.
    assert mine["transport"] is None
    for name in ("monthly-counts", "partnerships"):
        _body, rows = csv_rows(client, name)
        for row in rows[1:]:
            for column, cell in zip(rows[0], row, strict=True):
                if column in COUNTED and cell:
                    assert int(cell) >= 10, (name, column, cell)
    for lcp in document(client, "partnerships")["data"]:
        for key in ("items", "answered", "waiting", "with_outcome", "within_target", "waiting_past_target"):
            assert lcp["scorecard"][key] is None or lcp["scorecard"][key] >= 10


def test_no_example_content_and_no_words_people_sent(app, client, published) -> None:
    with app.app_context():
        examples = {
            "meetings": set(db.session.scalars(select(Meeting.id).where(Meeting.is_demo.is_(True)))),
            "updates": set(db.session.scalars(select(Update.id).where(Update.is_demo.is_(True)))),
            "responses": set(
                db.session.scalars(select(PublishedResponse.id).where(PublishedResponse.is_demo.is_(True)))
            ),
        }
    # The demo content is loaded, so this can fail.
    assert all(examples.values())
    for name, demo_ids in examples.items():
        ids = {item["id"] for item in document(client, name)["data"]}
        assert published[name.removesuffix("s")] in ids
        assert not ids & demo_ids, name
    for name in DATASETS:
        assert "Private words never published" not in fetch(client, f"/open-data/{name}.csv").get_data(as_text=True)
        assert "Private words never published" not in fetch(client, f"/open-data/{name}.json").get_data(as_text=True)


def test_licences(client) -> None:
    for name in DATASETS:
        licence = document(client, name)["licence"]
        assert licence["name"] == "Open Government Licence v3.0"
        assert licence["url"].startswith("https://www.nationalarchives.gov.uk/")
    assert "NHS Organisation Data Service" in document(client, "practices")["licence"]["attribution"]
    assert "NHS" not in document(client, "meetings")["licence"]["attribution"]


def made_at(response: Any) -> datetime:
    assert response.last_modified is not None
    return parsedate_to_datetime(response.headers["Last-Modified"])


def test_generated_at_is_last_modified_and_what_the_page_says(client, get_page) -> None:
    first = fetch(client, "/open-data/topics.json")
    generated = datetime.fromisoformat(first.get_json()["generated_at"].replace("Z", "+00:00"))
    assert made_at(first) == generated
    # Every file of the set says the same time, served fresh or kept.
    for name in DATASETS:
        for kind in ("csv", "json"):
            for _ in range(2):
                assert made_at(fetch(client, f"/open-data/{name}.{kind}")) == generated
    page = get_page("/open-data")
    assert f"at {generated.strftime('%-I:%M%p').lower()}" in page.text("#made")


def test_etag_and_304(client) -> None:
    # Another test changing public content in between makes new files: ask again until two asks see one set.
    for _try in range(5):
        first = fetch(client, "/open-data/practices.csv")
        if fetch(client, "/open-data/practices.csv").headers["ETag"] == first.headers["ETag"]:
            break
    etag = first.headers["ETag"]
    again = client.get("/open-data/practices.csv", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["ETag"] == etag
    # A browser that asks by date is answered by date too.
    by_date = client.get("/open-data/practices.csv", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert by_date.status_code == 304
    assert first.headers["Content-Disposition"] == 'attachment; filename="leeds-lcps-practices.csv"'
    assert first.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert first.headers["Access-Control-Allow-Origin"] == "*"


def test_a_content_change_makes_new_files_with_a_new_time(app, client, monkeypatch) -> None:
    before = fetch(client, "/open-data/updates.json")
    before_csv = fetch(client, "/open-data/updates.csv")
    later = utcnow().replace(microsecond=0) + timedelta(minutes=5)
    monkeypatch.setattr(downloads, "utcnow", lambda: later)
    with app.app_context():
        seacroft = db.session.scalar(select(Lcp).where(Lcp.slug == "seacroft"))
        db.session.add(
            Update(lcp=seacroft, title="News after the change", body="New", published=True, published_at=utcnow())
        )
        db.session.commit()
    after = fetch(client, "/open-data/updates.json", **{"If-None-Match": before.headers["ETag"]})
    assert after.headers["ETag"] != before.headers["ETag"]
    assert after.get_json()["generated_at"] == later.isoformat() + "Z"
    assert made_at(after).replace(tzinfo=None) == later
    assert "News after the change" in [item["title"] for item in after.get_json()["data"]]
    after_csv = client.get("/open-data/updates.csv", headers={"If-None-Match": before_csv.headers["ETag"]})
    assert after_csv.status_code == 200
    assert "News after the change" in after_csv.get_data(as_text=True)


def test_files_are_made_again_when_their_set_is_old(app, client, monkeypatch) -> None:
    """The set is made again after REMADE_AFTER (here: its kept copy dropped); a kept file from the old set is not
    served, so its time always matches the page's."""
    first = fetch(client, "/open-data/topics.json")
    later = utcnow().replace(microsecond=0) + timedelta(hours=2)
    monkeypatch.setattr(downloads, "utcnow", lambda: later)
    with app.test_request_context():
        downloads.page_cache.cache.delete(downloads._stamp_key())
    second = fetch(client, "/open-data/topics.json")
    assert second.get_json()["generated_at"] == later.isoformat() + "Z"
    assert made_at(second).replace(tzinfo=None) == later
    assert second.get_json()["data"] == first.get_json()["data"]


def test_unknown_dataset_is_404(client) -> None:
    assert client.get("/open-data/people.csv").status_code == 404
    assert client.get("/open-data/topics.xml").status_code == 404


def test_dictionary_documents_every_column_and_explains_empty_counts(client) -> None:
    found = dictionary(client)
    assert list(found) == DATASETS
    for name, entry in found.items():
        assert entry["files"]["csv"] == f"http://localhost/open-data/{name}.csv"
        for column in entry["columns"]:
            assert column["name"] and column["type"] and column["meaning"], (name, column)
            assert ("fewer than 10" in (column["empty_when"] or "")) == (
                column["name"]
                in COUNTED
                | {
                    "scorecard_within_target",
                    "scorecard_waiting_past_target",
                }
            ), (name, column["name"])


def test_dictionary_in_another_language(client, app) -> None:
    english = dictionary(client)
    polish = json.loads(fetch(client, "/open-data/dictionary.json?lang=pl").get_data(as_text=True))
    assert [d["dataset"] for d in polish["datasets"]] == list(english)
    # Column names are the files' own and never translated.
    assert [c["name"] for c in polish["datasets"][0]["columns"]] == [
        c["name"] for c in english["partnerships"]["columns"]
    ]


def test_the_page_lists_every_dataset_its_licence_and_the_api(client, get_page) -> None:
    page: Page = get_page("/open-data")
    links = {a["href"] for a in page.soup.select("main a[href]")}
    for name in DATASETS:
        assert f"/open-data/{name}.csv" in links and f"/open-data/{name}.json" in links
        table = page.soup.select_one(f"#columns-{name}")
        assert table is not None
        names = [code.get_text() for code in table.select("tbody th code")]
        assert names == downloads.DATASETS[name].header()
    assert "/api/v1/" in links
    assert "/open-data/dictionary.json" in links
    assert any("open-government-licence/version/3" in href for href in links)
    assert "NHS Organisation Data Service" in page.text("main")


def test_the_embed_code_for_a_chosen_partnership(client, get_page) -> None:
    page = get_page("/open-data?lcp=seacroft")
    box = page.soup.select_one("#embed-code-box")
    assert box is not None
    code = box.get_text()
    assert code.startswith('<iframe src="http://localhost/embed/lcps/seacroft"')
    assert 'title="Seacroft Local Care Partnership: next meeting and latest update"' in code
    assert page.soup.select_one("iframe.app-open-data__preview")["src"] == "http://localhost/embed/lcps/seacroft"
    chosen = page.soup.select_one("#lcp option[selected]")
    assert chosen is not None and chosen["value"] == "seacroft"


def test_the_embed_code_in_urdu_carries_the_language(client, get_page) -> None:
    page = get_page("/open-data?lcp=seacroft&lang=ur")
    assert 'src="http://localhost/embed/lcps/seacroft?lang=ur"' in page.soup.select_one("#embed-code-box").get_text()
    assert page.soup.select_one("form input[name=lang]")["value"] == "ur"


def test_an_unknown_partnership_is_an_error_beside_the_list(client, get_page) -> None:
    page = get_page("/open-data?lcp=nowhere")
    assert page.soup.select_one("#lcp-error") is not None
    assert page.soup.select_one("#lcp")["aria-describedby"] == "lcp-error"
    assert page.soup.select_one("#embed-code-box") is None


def test_footer_and_directory_link_to_open_data(client, get_page) -> None:
    for url in ("/", "/lcps"):
        page = get_page(url)
        assert page.soup.select_one("footer a[href='/open-data']") is not None, url
    directory = get_page("/lcps")
    assert directory.soup.select_one("#open-data a[href='/open-data']") is not None
