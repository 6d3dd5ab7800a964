"""Loading the programme's list of practices and partnerships: reading CSV and XLSX, matching, the preview, applying
and undoing (audited, with every change kept), who may, the staff pages and `flask practices`."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from flask import Flask
from sqlalchemy import func, select

from app.clock import utcnow
from app.commands import Actor, CommandRefused, Forbidden, content
from app.commands.practices import apply_import, undo_import
from app.extensions import db
from app.models import (
    Area,
    AuditEvent,
    ContentVersion,
    GpPractice,
    Lcp,
    LcpRedirect,
    PracticeImport,
    PracticeUpload,
    StaffUser,
)
from app.services import practice_import
from app.services.practice_import import FileProblem, read_and_preview, read_rows
from tests.conftest import Page

DATA = Path(__file__).resolve().parent.parent / "app" / "data" / "leeds-gp-practices.json"
HEADER = ["ODS code", "Practice", "Partnership", "PCN", "Agreed"]


# Files made in the test ---------------------------------------------------------------------------------------------


def open_practices() -> list[dict]:
    """The open practices of the NHS list, as the reference data file holds them."""
    practices = json.loads(DATA.read_text(encoding="utf-8"))["practices"]
    return [row for row in practices if row["status"] == "open"]


def site_slugs(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Lcp.slug).order_by(Lcp.slug)))


def programme_rows(slugs: list[str], agreed: str = "") -> list[list[str]]:
    """Every open practice given a partnership, round robin over `slugs`: an invented assignment."""
    return [
        [row["ods_code"], row["official_name"], slugs[index % len(slugs)], "", agreed]
        for index, row in enumerate(open_practices())
    ]


def csv_bytes(
    rows: list[list[str]], header: list[str] = HEADER, delimiter: str = ",", bom: bool = False, encoding: str = "utf-8"
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode(encoding)


def xlsx_bytes(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    # A second sheet is never read.
    book.create_sheet("Notes").append(["ODS code", "Partnership"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def state(app: Flask) -> dict[str, tuple]:
    """Every practice's link, by id."""
    with app.app_context():
        rows = db.session.execute(
            select(
                GpPractice.id,
                GpPractice.lcp_id,
                GpPractice.lcp_source,
                GpPractice.lcp_note,
                GpPractice.lcp_confirmed_by,
                GpPractice.lcp_import_id,
                GpPractice.lcp_linked_at,
                GpPractice.lcp_linked_by_id,
            )
        )
        return {row[0]: tuple(row[1:]) for row in rows}


def practice(ods: str) -> GpPractice:
    found = db.session.scalar(select(GpPractice).where(GpPractice.ods_code == ods))
    assert found is not None
    return found


def lcp(slug: str) -> Lcp:
    found = db.session.scalar(select(Lcp).where(Lcp.slug == slug))
    assert found is not None
    return found


def an_unconfirmed_open_practice() -> GpPractice:
    found = db.session.scalar(
        select(GpPractice)
        .where(GpPractice.lcp_id.is_(None), GpPractice.is_open, GpPractice.ods_code.is_not(None))
        .order_by(GpPractice.ods_code)
    )
    assert found is not None
    return found


def a_linked_open_practice() -> GpPractice:
    found = db.session.scalar(
        select(GpPractice)
        .where(GpPractice.lcp_id.is_not(None), GpPractice.is_open, GpPractice.ods_code.is_not(None))
        .order_by(GpPractice.ods_code)
    )
    assert found is not None
    return found


def content_version() -> int:
    return db.session.scalar(select(ContentVersion.value).where(ContentVersion.id == 1)) or 0


@pytest.fixture
def in_request(app: Flask) -> Iterator[None]:
    with app.test_request_context():
        yield


@pytest.fixture
def admin_actor(app: Flask, make_staff) -> Iterator[Actor]:
    user = make_staff("admin")
    with app.test_request_context():
        yield Actor.staff(db.session.get(StaffUser, user.id))


# Reading ----------------------------------------------------------------------------------------------------------


def test_a_csv_with_a_byte_order_mark_semicolons_and_loose_headings_is_read(in_request) -> None:
    data = csv_bytes(
        [["b86003 ", "Armley Moor", "Armley LCP", "West PCN", "03/12/2026"], ["", "", "", "", ""]],
        header=["ods", "Practice name", "Local Care Partnership", "PCN name", "Date agreed"],
        delimiter=";",
        bom=True,
    )
    rows = read_rows(data, "list.csv")
    assert len(rows) == 1  # the blank row is left out
    row = rows[0]
    assert (row.number, row.ods, row.practice, row.partnership, row.pcn, row.agreed) == (
        2,
        "b86003",
        "Armley Moor",
        "Armley LCP",
        "West PCN",
        "03/12/2026",
    )


def test_a_windows_1252_csv_is_read(in_request) -> None:
    data = csv_bytes([["", "Dr Lees’ Surgery", "armley", "", ""]], encoding="cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert read_rows(data)[0].practice == "Dr Lees’ Surgery"


def test_an_xlsx_workbook_is_read_from_its_first_sheet_with_dates(in_request) -> None:
    data = xlsx_bytes(
        [["B86003", "Armley Moor Medical Centre", "armley", "", datetime(2026, 12, 3)], [None, None, None, None, None]]
    )
    rows = read_rows(data, "list.xlsx")
    assert [(row.ods, row.partnership, row.agreed) for row in rows] == [("B86003", "armley", "2026-12-03")]
    preview = practice_import.preview(rows, "list.xlsx")
    assert preview.agreed_on == date(2026, 12, 3) and preview.agreed_from == "file"


@pytest.mark.parametrize(
    ("data", "filename", "words"),
    [
        (b"", "list.csv", "The file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "photo.png", "saved as CSV or as an Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "old.xls", "older Excel file (.xls)"),
        (b"PK\x03\x04 this is no workbook", "list.xlsx", "could not be read as an Excel workbook"),
        (b"%PDF-1.7\n", "list.pdf", "saved as CSV or as an Excel workbook"),
        (b"Name,Town\nArmley,Leeds\n", "list.csv", "The first row of the file must name its columns"),
        (b"ODS code,Partnership\n", "list.csv", "no practices under it"),
        (b"ODS code,Partnership\n" + b"B86003,armley\n" * 2_001, "list.csv", "more than 2,000 rows"),
        (b"ODS code,Partnership\n" + b"x" * 1_000_001, "list.csv", "smaller than 1 MB"),
    ],
)
def test_a_file_that_is_not_the_list_gets_a_clear_message(in_request, data: bytes, filename: str, words: str) -> None:
    with pytest.raises(FileProblem) as problem:
        read_rows(data, filename)
    assert words in problem.value.message


# Matching ---------------------------------------------------------------------------------------------------------


def test_the_84_practice_file_previews_every_open_practice(app: Flask, in_request) -> None:
    slugs = site_slugs(app)
    rows = programme_rows(slugs, agreed="2026-12-03")
    assert len(rows) == 84
    before = state(app)
    preview = read_and_preview(csv_bytes(rows), "programme.csv")
    assert preview.problems == [] and preview.unmatched == [] and preview.unknown == []
    assert preview.agreed_on == date(2026, 12, 3)
    assert len(preview.new) + len(preview.changed) + len(preview.unchanged) == 84
    expected = {row[0]: row[2] for row in rows}
    linked = {p.ods_code: (p.lcp.slug if p.lcp else None) for p in db.session.scalars(select(GpPractice))}
    assert {planned.practice.ods_code for planned in preview.new} == {ods for ods in expected if linked[ods] is None}
    assert {planned.practice.ods_code for planned in preview.unchanged} == {
        ods for ods, slug in expected.items() if linked[ods] == slug
    }
    for planned in preview.changed:
        assert planned.before is not None and planned.after is not None
        assert planned.before.slug == linked[planned.practice.ods_code] != planned.after.slug
    # Every open practice with an ODS code is in the file, so none is left out; nothing was written.
    assert preview.left_out == []
    assert state(app) == before


def test_practices_match_by_name_and_partnerships_by_any_of_their_names(app: Flask, in_request) -> None:
    moor = practice("B86003")
    redirect_to = lcp("otley-aireborough")
    db.session.add(LcpRedirect(old_slug="aireborough-old", lcp_id=redirect_to.id))
    db.session.flush()
    rows = [
        ["", moor.name.upper(), "Otley and Aireborough LCP", "", ""],  # a name in another case; "&" as "and"
        [" b86068 ", "", "Woodsley and Holt Park Local Care Partnership", "", ""],  # a full name
        ["B86051", "", "aireborough-old", "", ""],  # a former slug
        ["B86070", "", "HATCH", "", ""],  # a short name
    ]
    preview = read_and_preview(csv_bytes(rows))
    targets = {planned.practice.ods_code: planned.after.slug for planned in preview.changes + preview.unchanged}
    assert targets == {
        "B86003": "otley-aireborough",
        "B86068": "woodsley-holt-park",
        "B86051": "otley-aireborough",
        "B86070": "hatch",
    }


def test_rows_that_match_no_practice_list_the_closest_and_unknown_partnerships_are_counted(in_request) -> None:
    rows = [
        ["", "Armly Moor Medical Center", "armley", "", ""],
        ["B86999", "", "armley", "", ""],
        ["B86068", "", "Pudsey LCP", "", ""],
        ["B86051", "", "pudsey", "", ""],
        ["B86070", "", "", "", ""],
    ]
    preview = read_and_preview(csv_bytes(rows))
    unmatched = {item.row.number: item for item in preview.unmatched}
    assert set(unmatched) == {2, 3}
    assert unmatched[2].reason == "No Leeds practice has this name"
    assert unmatched[2].candidates[0].ods_code == "B86003"
    assert 1 <= len(unmatched[2].candidates) <= 3
    assert unmatched[3].reason == "No Leeds practice has the ODS code B86999"
    # A row with no partnership (the template not filled in) changes nothing and is no error.
    assert [row.number for row in preview.blank] == [6]
    assert [(item.text, item.rows, item.name) for item in preview.unknown] == [
        ("Pudsey LCP", [4, 5], "Pudsey Local Care Partnership")
    ]
    # Until the admin chooses to create it, its practices wait and nothing would change.
    assert sorted(planned.practice.ods_code for planned in preview.waiting) == ["B86051", "B86068"]
    assert preview.changes == [] and not preview.can_apply
    chosen = read_and_preview(csv_bytes(rows), create=["pudsey"])
    assert sorted(planned.practice.ods_code for planned in chosen.changes) == ["B86051", "B86068"]
    assert {planned.create_name for planned in chosen.changes} == {"Pudsey Local Care Partnership"}


def test_a_practice_given_two_partnerships_is_an_error_and_duplicates_count_once(in_request) -> None:
    rows = [
        ["B86068", "", "armley", "", ""],
        ["B86068", "", "hatch", "", ""],
        ["B86051", "", "armley", "", ""],
        ["b86051", "", "Armley LCP", "", ""],
    ]
    preview = read_and_preview(csv_bytes(rows))
    assert [(item.practice.ods_code, item.rows) for item in preview.conflicts] == [("B86068", [2, 3])]
    assert [(item.practice.ods_code, item.rows) for item in preview.duplicates] == [("B86051", [4, 5])]
    assert [planned.practice.ods_code for planned in preview.changes + preview.unchanged] == ["B86051"]


def test_a_closed_practice_named_is_a_warning(in_request) -> None:
    closed = db.session.scalar(select(GpPractice).where(GpPractice.is_open.is_(False)).order_by(GpPractice.id))
    assert closed is not None
    preview = read_and_preview(csv_bytes([[closed.ods_code, "", "armley", "", ""]]))
    assert [planned.practice.id for planned in preview.closed] == [closed.id]


def test_the_agreed_date_is_one_for_the_whole_list(in_request) -> None:
    two = [["B86068", "", "armley", "", "3/12/2026"], ["B86051", "", "armley", "", "2026-12-04"]]
    preview = read_and_preview(csv_bytes(two))
    assert preview.problems and "different agreed dates (03/12/2026, 04/12/2026)" in preview.problems[0]
    one = [["B86068", "", "armley", "", "3 December 2026"]]
    assert read_and_preview(csv_bytes(one)).agreed_on == date(2026, 12, 3)
    mismatch = read_and_preview(csv_bytes(one), agreed_on=date(2026, 11, 1))
    assert mismatch.date_mismatch and "agreed on 03/12/2026 but the date entered is 01/11/2026" in mismatch.problems[0]
    from_form = read_and_preview(csv_bytes([["B86068", "", "armley", "", ""]]), agreed_on=date(2026, 11, 1))
    assert (from_form.agreed_on, from_form.agreed_from) == (date(2026, 11, 1), "form")
    bad = read_and_preview(csv_bytes([["B86068", "", "armley", "", "soon"]]))
    assert "Row 2: “soon” is not a date" in bad.problems[0]


def test_the_template_lists_every_open_practice_with_its_partnership(app: Flask, in_request) -> None:
    text = practice_import.template_csv()
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == HEADER
    open_count = db.session.scalar(select(func.count()).select_from(GpPractice).where(GpPractice.is_open))
    assert len(rows) - 1 == open_count
    moor = practice("B86003")
    assert [row for row in rows if row[0] == "B86003"] == [
        ["B86003", moor.name, moor.lcp.slug if moor.lcp else "", "", ""]
    ]
    # Read back unchanged, the template changes nothing.
    preview = read_and_preview(text.encode())
    assert preview.changes == [] and preview.unmatched == []
    assert len(preview.blank) == len([row for row in rows[1:] if not row[2]]) > 0


# Applying and undoing ---------------------------------------------------------------------------------------------


def test_applying_links_each_practice_with_one_audit_record_and_every_change_kept(
    app: Flask, admin_actor: Actor
) -> None:
    slugs = site_slugs(app)
    rows = programme_rows(slugs, agreed="2026-12-03")
    rows[0][2] = "Pudsey"
    before = state(app)
    version = content_version()
    audits = db.session.scalar(select(func.count()).select_from(AuditEvent))
    applied = apply_import(admin_actor, csv_bytes(rows), "programme.csv", None, ["pudsey"])
    record = applied.record
    assert (record.filename, record.agreed_on, record.row_count) == ("programme.csv", date(2026, 12, 3), 84)
    assert record.made_by_label == admin_actor.label and record.made_by_id == admin_actor.user.id
    pudsey = lcp("pudsey-local-care-partnership")
    assert (pudsey.name, pudsey.short_name) == ("Pudsey Local Care Partnership", "Pudsey")
    assert [created.id for created in applied.created] == [pudsey.id]
    expected = {row[0]: row[2] for row in rows}
    expected[rows[0][0]] = pudsey.slug
    changes = json.loads(record.changes)
    practice_changes = [change for change in changes if change["kind"] == "practice"]
    assert [change for change in changes if change["kind"] == "partnership"] == [
        {"kind": "partnership", "lcp_id": pudsey.id, "slug": pudsey.slug, "name": pudsey.name}
    ]
    assert len(practice_changes) == len(applied.preview.new) + len(applied.preview.changed) > 40
    for change in practice_changes:
        row = db.session.get(GpPractice, change["practice_id"])
        assert row.lcp.slug == expected[row.ods_code]
        assert row.lcp_confirmed_by == "programme" and row.lcp_import_id == record.id
        assert row.lcp_source == "The programme's list agreed on 3 December 2026"
        assert row.lcp_linked_at is not None and row.lcp_linked_by_id == admin_actor.user.id
        old = before[row.id]
        assert change["before"]["lcp_id"] == old[0] and change["before"]["lcp_source"] == old[1]
        assert change["after"]["lcp_id"] == row.lcp_id and change["after"]["lcp_slug"] == row.lcp.slug
    # Practices already linked as the file says are left exactly as they were.
    for planned in applied.preview.unchanged:
        assert state(app)[planned.practice.id] == before[planned.practice.id]
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(2)).all()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == audits + 1
    event = events[0]
    assert (event.action, event.object_type, event.object_id) == ("practice.import", "practice_import", str(record.id))
    assert "programme.csv: 84 rows" in event.summary and "(1 created)" in event.summary
    assert json.loads(event.after)["created"] == [pudsey.slug]
    assert content_version() > version


def test_undo_puts_every_practice_back_and_removes_the_partnership_it_made(app: Flask, admin_actor: Actor) -> None:
    rows = programme_rows(site_slugs(app))
    rows[0][2] = "Pudsey"
    before = state(app)
    record_id = apply_import(admin_actor, csv_bytes(rows), "programme.csv", date(2026, 12, 3), ["Pudsey"]).record.id
    assert state(app) != before
    undone = undo_import(admin_actor, record_id)
    assert state(app) == before
    assert undone.left == [] and undone.removed_lcps == ["pudsey-local-care-partnership"]
    assert db.session.scalar(select(Lcp).where(Lcp.slug == "pudsey-local-care-partnership")) is None
    record = db.session.get(PracticeImport, record_id)
    assert record.undone_at is not None and record.undone_by_label == admin_actor.label
    event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    assert event.action == "practice.import_undo" and event.object_id == str(record_id)
    with pytest.raises(CommandRefused, match="already been undone"):
        undo_import(admin_actor, record_id)


def test_undo_leaves_a_practice_linked_by_hand_since(app: Flask, admin_actor: Actor) -> None:
    target = an_unconfirmed_open_practice()
    other = a_linked_open_practice()
    rows = [
        [target.ods_code, "", "armley", "", ""],
        [other.ods_code, "", "hatch" if other.lcp.slug != "hatch" else "armley", "", ""],
    ]
    record_id = apply_import(admin_actor, csv_bytes(rows), "two.csv", None, []).record.id
    other_before_import = json.loads(db.session.get(PracticeImport, record_id).changes)[1]["before"]
    content.link_practice(admin_actor, lcp("seacroft"), db.session.get(GpPractice, target.id), "By hand", "")
    undone = undo_import(admin_actor, record_id)
    assert [change["ods"] for change in undone.left] == [target.ods_code]
    assert [change["ods"] for change in undone.restored] == [other.ods_code]
    kept = db.session.get(GpPractice, target.id)
    assert (kept.lcp.slug, kept.lcp_source, kept.lcp_confirmed_by) == ("seacroft", "By hand", "staff")
    restored = db.session.get(GpPractice, other.id)
    assert restored.lcp_id == other_before_import["lcp_id"]
    assert restored.lcp_confirmed_by == other_before_import["lcp_confirmed_by"]


def test_undoing_an_older_import_leaves_what_a_newer_one_changed(app: Flask, admin_actor: Actor) -> None:
    first_practice, second_practice = db.session.scalars(
        select(GpPractice)
        .where(GpPractice.lcp_id.is_(None), GpPractice.is_open, GpPractice.ods_code.is_not(None))
        .order_by(GpPractice.ods_code)
        .limit(2)
    ).all()
    older = apply_import(
        admin_actor,
        csv_bytes([[first_practice.ods_code, "", "armley", "", ""], [second_practice.ods_code, "", "armley", "", ""]]),
        "older.csv",
    ).record.id
    newer = apply_import(
        admin_actor, csv_bytes([[first_practice.ods_code, "", "hatch", "", ""]]), "newer.csv"
    ).record.id
    undone = undo_import(admin_actor, older)
    assert [change["ods"] for change in undone.left] == [first_practice.ods_code]
    assert db.session.get(GpPractice, first_practice.id).lcp.slug == "hatch"
    assert db.session.get(GpPractice, second_practice.id).lcp_id is None
    # The newer one still undoes, back to the older import's link (which the older undo could not touch).
    undo_import(admin_actor, newer)
    assert db.session.get(GpPractice, first_practice.id).lcp.slug == "armley"


def test_a_created_partnership_something_refers_to_stays_on_undo(app: Flask, admin_actor: Actor) -> None:
    target = an_unconfirmed_open_practice()
    applied = apply_import(admin_actor, csv_bytes([[target.ods_code, "", "Pudsey", "", ""]]), "p.csv", None, ["pudsey"])
    pudsey = applied.created[0]
    db.session.add(Area(lcp_id=pudsey.id, name="Pudsey town"))
    db.session.commit()
    undone = undo_import(admin_actor, applied.record.id)
    assert undone.kept_lcps == [pudsey.slug] and undone.removed_lcps == []
    assert db.session.get(Lcp, pudsey.id) is not None
    assert db.session.get(GpPractice, target.id).lcp_id is None


def test_applying_refuses_a_file_that_changes_nothing_or_has_two_dates(app: Flask, admin_actor: Actor) -> None:
    with pytest.raises(CommandRefused, match="nothing to apply"):
        apply_import(admin_actor, csv_bytes([["B86999", "", "armley", "", ""]]), "x.csv")
    two = [["B86068", "", "armley", "", "3/12/2026"], ["B86051", "", "armley", "", "4/12/2026"]]
    with pytest.raises(CommandRefused, match="different agreed dates"):
        apply_import(admin_actor, csv_bytes(two), "x.csv")
    with pytest.raises(CommandRefused, match="The file is empty"):
        apply_import(admin_actor, b"", "x.csv")
    assert (
        db.session.scalar(select(func.count()).select_from(PracticeImport).where(PracticeImport.filename == "x.csv"))
        == 0
    )


@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_only_citywide_admins_apply_or_undo(app: Flask, make_staff, admin_actor: Actor, role: str) -> None:
    user = make_staff(role, ("armley",))
    actor = Actor.staff(db.session.get(StaffUser, user.id))
    data = csv_bytes([[an_unconfirmed_open_practice().ods_code, "", "armley", "", ""]])
    with pytest.raises(Forbidden):
        apply_import(actor, data, "x.csv")
    record_id = apply_import(admin_actor, data, "x.csv").record.id
    with pytest.raises(Forbidden):
        undo_import(actor, record_id)
    assert db.session.get(PracticeImport, record_id).undone_at is None


# The staff pages --------------------------------------------------------------------------------------------------


@pytest.fixture
def kept_uploads(app: Flask) -> Callable[[], int]:
    """How many files the admins this test makes have kept for a preview (kept in the database, for any host)."""
    with app.app_context():
        first = (db.session.scalar(select(func.max(PracticeUpload.id))) or 0) + 1

    def count() -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(PracticeUpload).where(PracticeUpload.id >= first))

    return count


@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_the_pages_are_for_citywide_admins_only(staff_client, role: str) -> None:
    client = staff_client(role, ("armley",))
    for url in ("/admin/coverage/import", "/admin/coverage/imports", "/admin/coverage/import/template.csv"):
        assert client.get(url).status_code == 403, url


def test_an_admin_uploads_sees_the_preview_applies_and_undoes(
    app: Flask, staff_client, staff_post, kept_uploads: Callable[[], int]
) -> None:
    client = staff_client("admin")
    page = Page(client.get("/admin/coverage/import"))
    assert page.h1 == "Load the programme’s list of practices"
    assert page.links()["Download the template (CSV)"] == "/admin/coverage/import/template.csv"
    template = client.get("/admin/coverage/import/template.csv")
    assert template.mimetype == "text/csv" and "attachment" in template.headers["Content-Disposition"]

    rows = programme_rows(site_slugs(app), agreed="2026-12-03")
    rows[0][2] = "Pudsey"
    rows.append(["", "Armly Moor Medical Center", "armley", "", ""])
    before = state(app)
    response = staff_post(
        client, "/admin/coverage/import", {"file": (io.BytesIO(xlsx_bytes(rows)), "programme.xlsx"), "agreed_on": ""}
    )
    preview = Page(response)
    assert response.status_code == 200 and preview.h1 == "Check the changes before applying them"
    text = preview.text()
    assert "Nothing has changed yet" in text and "never unlinks a practice" in text
    for heading in ("new", "changed", "unknown", "unmatched", "unchanged", "left-out"):
        assert preview.soup.find("h2", id=heading) is not None, heading
    assert "Armley Moor Medical Centre (B86003)" in preview.soup.select_one("#unmatched ~ table").get_text(" ")
    assert preview.soup.select_one("label[for=create-0]").get_text(strip=True) == (
        "Create the partnership Pudsey Local Care Partnership"
    )
    assert state(app) == before  # the preview changed nothing
    assert kept_uploads() == 1

    token = preview.soup.select_one("input[name=token]")["value"]
    csrf = preview.soup.select_one("#form-start input[name=csrf_token]")["value"]
    # A forged token applies nothing.
    forged = client.post("/admin/coverage/import/apply", data={"csrf_token": csrf, "token": "x" + token})
    assert forged.status_code == 302 and forged.headers["Location"].endswith("/admin/coverage/import")
    assert state(app) == before

    done = client.post("/admin/coverage/import/apply", data={"csrf_token": csrf, "token": token, "create": "pudsey"})
    assert done.status_code == 302 and "/admin/coverage/imports?done=" in done.headers["Location"]
    assert kept_uploads() == 0
    with app.app_context():
        record = db.session.scalar(select(PracticeImport).order_by(PracticeImport.id.desc()).limit(1))
        assert record.filename == "programme.xlsx" and record.agreed_on == date(2026, 12, 3)
        assert db.session.scalar(select(Lcp.name).where(Lcp.slug == "pudsey-local-care-partnership"))
    assert state(app) != before
    listing = Page(client.get(done.headers["Location"]))
    assert f"Import {record.id} applied" in listing.text()
    assert listing.links()["See which practices still have no confirmed partnership"] == "/admin/coverage"
    assert f"Undo this import (import {record.id})" in listing.links()
    # Applying the same upload again finds it gone.
    again = client.post("/admin/coverage/import/apply", data={"csrf_token": csrf, "token": token})
    assert again.status_code == 302 and again.headers["Location"].endswith("/admin/coverage/import")

    confirm_url = f"/admin/coverage/imports/undo?import={record.id}"
    confirm = Page(client.get(confirm_url))
    assert confirm.h1 == f"Undo import {record.id}"
    undone = staff_post(client, "/admin/coverage/imports/undo", {"import_id": str(record.id)}, form_page=confirm_url)
    assert undone.status_code == 302
    assert state(app) == before
    with app.app_context():
        assert db.session.scalar(select(Lcp.id).where(Lcp.slug == "pudsey-local-care-partnership")) is None
    assert "Undone" in Page(client.get("/admin/coverage/imports")).text()


def test_a_bad_upload_is_refused_beside_the_field_keeping_the_date(staff_client, staff_post, kept_uploads) -> None:
    client = staff_client("admin")
    nothing = Page(staff_post(client, "/admin/coverage/import", {"agreed_on": "2026-01-02"}))
    assert (
        nothing.soup.select_one("#file-error").get_text(" ", strip=True)
        == "Error: Choose the file with the programme’s list"
    )
    assert nothing.soup.select_one(".nhsuk-error-summary a[href='#file']") is not None
    assert nothing.soup.select_one("#agreed_on")["value"] == "2026-01-02"
    picture = staff_post(
        client, "/admin/coverage/import", {"file": (io.BytesIO(b"\x89PNG\r\n\x00"), "me.png"), "agreed_on": ""}
    )
    assert "saved as CSV or as an Excel workbook" in Page(picture).soup.select_one("#file-error").get_text()
    mismatch = staff_post(
        client,
        "/admin/coverage/import",
        {
            "file": (io.BytesIO(csv_bytes([["B86068", "", "armley", "", "2026-01-03"]])), "l.csv"),
            "agreed_on": "2026-01-02",
        },
    )
    assert "but the date entered is 02/01/2026" in Page(mismatch).soup.select_one("#agreed_on-error").get_text()
    assert kept_uploads() == 0


# The command line -------------------------------------------------------------------------------------------------


def test_flask_practices_import_dry_run_prints_and_changes_nothing(app: Flask, tmp_path: Path) -> None:
    rows = programme_rows(site_slugs(app))
    rows.append(["B86999", "", "Pudsey", "", ""])
    path = tmp_path / "programme.csv"
    path.write_bytes(csv_bytes(rows, delimiter=";", bom=True))
    before = state(app)
    result = app.test_cli_runner().invoke(args=["practices", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "File: programme.csv (85 rows)" in result.output
    assert "row 86: not matched (B86999)" in result.output
    assert "partnership 'Pudsey' (1 rows): not on the site: add --create pudsey" in result.output
    assert "Dry run: nothing was changed." in result.output
    assert state(app) == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PracticeImport)) == 0


def test_flask_practices_import_applies_and_undo_puts_back(app: Flask, tmp_path: Path) -> None:
    rows = programme_rows(site_slugs(app))
    path = tmp_path / "programme.xlsx"
    path.write_bytes(xlsx_bytes(rows))
    before = state(app)
    result = app.test_cli_runner().invoke(args=["practices", "import", str(path), "--agreed-on", "2026-12-03"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        record = db.session.scalar(select(PracticeImport).order_by(PracticeImport.id.desc()).limit(1))
        assert record.made_by_label.startswith("cli:") and record.agreed_on == date(2026, 12, 3)
        event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
        assert event.action == "practice.import" and event.actor_label.startswith("cli:")
        record_id = record.id
    assert f"Import {record_id} applied" in result.output
    assert state(app) != before
    undone = app.test_cli_runner().invoke(args=["practices", "undo", str(record_id)])
    assert undone.exit_code == 0 and f"Import {record_id} undone" in undone.output
    assert state(app) == before
    assert "already been undone" in app.test_cli_runner().invoke(args=["practices", "undo", str(record_id)]).output
    assert (
        "No import has the number 999999" in app.test_cli_runner().invoke(args=["practices", "undo", "999999"]).output
    )


def test_flask_practices_refuses_bad_input(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"Name\nx\n")
    result = app.test_cli_runner().invoke(args=["practices", "import", str(path)])
    assert result.exit_code != 0 and "must name its columns" in result.output
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([["B86068", "", "armley", "", ""]]))
    result = app.test_cli_runner().invoke(args=["practices", "import", str(good), "--agreed-on", "3/12/2026"])
    assert result.exit_code != 0 and "YYYY-MM-DD" in result.output


def test_flask_practices_template_writes_the_file(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "template.csv"
    result = app.test_cli_runner().invoke(args=["practices", "template", str(path)])
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[0] == HEADER and len(rows) > 80


def test_a_kept_file_is_applied_only_by_who_uploaded_it_and_only_for_a_day(
    app: Flask, make_staff, kept_uploads: Callable[[], int]
) -> None:
    from app.commands import practices as practices_commands

    data = csv_bytes(programme_rows(site_slugs(app)))
    first, second = make_staff("admin"), make_staff("admin")
    with app.test_request_context():
        owner, other = db.session.get(StaffUser, first.id), db.session.get(StaffUser, second.id)
        token = practices_commands.keep_upload(Actor.staff(owner), data, "programme.csv", None)
        # In the database, so any app host reads the same bytes.
        assert practices_commands.kept_upload(Actor.staff(owner), token).data == data
        assert practices_commands.kept_upload(Actor.staff(other), token) is None
        # Uploading again replaces the person's earlier file.
        newer = practices_commands.keep_upload(Actor.staff(owner), data, "programme.csv", None)
        assert practices_commands.kept_upload(Actor.staff(owner), token) is None
        kept = practices_commands.kept_upload(Actor.staff(owner), newer)
        assert kept is not None and kept_uploads() == 1
        # A day later it is gone, and the next upload by anyone removes it.
        kept.created_at = utcnow() - timedelta(days=1, minutes=1)
        db.session.commit()
        assert practices_commands.kept_upload(Actor.staff(owner), newer) is None
        latest = practices_commands.keep_upload(Actor.staff(other), data, "programme.csv", None)
        assert kept_uploads() == 1
        practices_commands.discard_upload(Actor.staff(other), latest)
        assert kept_uploads() == 0
