"""A citywide admin loads the programme's list of 84 practices in Chromium: upload by keyboard, the preview, apply,
the finder now naming the partnership of a practice that was "not confirmed", then undo and the finder saying
"not confirmed" again. axe on the upload, preview, imports and undo pages. The database is put back as it was."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import delete, select

from app.extensions import db
from app.models import AuditEvent, GpPractice, Lcp, PracticeImport
from app.services.practice_import import STATE_FIELDS
from tests.browser.pages import FindPage, tab_to
from tests.browser.test_admin import assert_accessible, secret_of, sign_in

pytestmark = pytest.mark.browser

DATA = Path(__file__).resolve().parent.parent.parent / "app" / "data" / "leeds-gp-practices.json"
FILENAME = "browser-programme-list.csv"
# The link fields an import sets, as the service names them for its undo.
LINK_FIELDS = STATE_FIELDS


def programme_file(slugs: list[str]) -> bytes:
    """Every open practice of the NHS list given a partnership round robin over the site's: an invented list."""
    practices = [row for row in json.loads(DATA.read_text(encoding="utf-8"))["practices"] if row["status"] == "open"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["ODS code", "Practice", "Partnership", "PCN", "Agreed"])
    for index, row in enumerate(practices):
        writer.writerow([row["ods_code"], row["official_name"], slugs[index % len(slugs)], "", "2026-12-03"])
    return buffer.getvalue().encode("utf-8")


@pytest.fixture
def put_back(app: Flask) -> Iterator[None]:
    """Afterwards puts every practice's link back as it was and
    removes the imports this test made and their audit records (undo does it too; this covers a failure)."""
    with app.app_context():
        saved = {
            row.id: {name: getattr(row, name) for name in LINK_FIELDS} for row in db.session.scalars(select(GpPractice))
        }
    yield
    with app.app_context():
        for row in db.session.scalars(select(GpPractice)):
            for name, value in saved.get(row.id, {}).items():
                setattr(row, name, value)
        db.session.flush()
        mine = list(db.session.scalars(select(PracticeImport.id).where(PracticeImport.filename == FILENAME)))
        if mine:
            db.session.execute(
                delete(AuditEvent).where(
                    AuditEvent.object_type == "practice_import", AuditEvent.object_id.in_([str(i) for i in mine])
                )
            )
            db.session.execute(delete(PracticeImport).where(PracticeImport.id.in_(mine)))
        db.session.commit()


def test_an_admin_loads_the_list_the_finder_answers_and_undo_puts_it_back(
    page: Page, app: Flask, make_staff, put_back: None
) -> None:
    with app.app_context():
        slugs = list(db.session.scalars(select(Lcp.slug).order_by(Lcp.slug)))
        data = programme_file(slugs)
        given = {row[0]: row[2] for row in csv.reader(io.StringIO(data.decode())) if row[0] != "ODS code"}
        unconfirmed = db.session.scalar(
            select(GpPractice)
            .where(GpPractice.lcp_id.is_(None), GpPractice.is_open, GpPractice.ods_code.in_(list(given)))
            .order_by(GpPractice.name)
        )
        assert unconfirmed is not None
        name = unconfirmed.name
        partnership = db.session.scalar(select(Lcp.name).where(Lcp.slug == given[unconfirmed.ods_code]))

    find = FindPage(page)

    def finder_says(text: str) -> None:
        find.open()
        find.search_box.fill(name)
        find.find_button.click()
        expect(find.main).to_contain_text(text)

    not_confirmed = f"We have not confirmed the partnership for {name} yet"
    finder_says(not_confirmed)

    def counts() -> tuple[int, int]:
        """(confirmed, open) as the public directory says them, checked against the staff's coverage page."""
        page.goto("/lcps")
        said = page.locator("#practice-coverage").inner_text()
        public = re.match(r"Of the (\d+) open GP practices .*, (\d+) ha", said)
        assert public is not None
        page.goto("/admin/coverage")
        staff = re.match(r"(\d+) of (\d+) open practices", page.locator("#coverage-summary").inner_text())
        assert staff is not None
        assert (int(public[2]), int(public[1])) == (int(staff[1]), int(staff[2]))
        return int(staff[1]), int(staff[2])

    user = make_staff("admin", name="Programme Lead")
    sign_in(page, user.email, secret_of(app, user), set())
    confirmed_before, open_total = counts()
    page.goto("/admin/coverage/import")
    expect(page.get_by_role("heading", level=1)).to_have_text("Load the programme’s list of practices")
    expect(page.get_by_role("link", name="Download the template (CSV)")).to_be_visible()
    assert_accessible(page)

    # By keyboard: Tab to the file input (a person would choose the file in the dialog it opens), then the button.
    file_input = page.get_by_label("The programme’s list of practices")
    tab_to(page, file_input)
    file_input.set_input_files(files=[{"name": FILENAME, "mimeType": "text/csv", "buffer": data}])
    check = page.get_by_role("button", name="Check the file")
    tab_to(page, check)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Check the changes before applying them")
    expect(page.get_by_text("Nothing has changed yet.")).to_be_visible()
    expect(page.get_by_role("heading", name="Rows not matched")).to_have_count(0)
    new_links = page.get_by_role("table", name="New links")
    expect(new_links.get_by_role("row").filter(has_text=name)).to_contain_text(partnership)
    assert_accessible(page)
    apply = page.get_by_role("button", name="Apply these changes")
    tab_to(page, apply, limit=120)
    # Still nothing changed: the finder has not heard of it yet.
    with app.app_context():
        assert db.session.get(GpPractice, unconfirmed.id).lcp_id is None
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Imports of the programme’s list")
    applied = page.locator("#applied")
    expect(applied).to_contain_text("applied")
    expect(applied.get_by_role("link", name="See which practices still have no confirmed partnership")).to_be_visible()
    assert_accessible(page)
    with app.app_context():
        record_id = db.session.scalar(
            select(PracticeImport.id).where(PracticeImport.filename == FILENAME, PracticeImport.undone_at.is_(None))
        )
    assert record_id is not None

    finder_says(f"Your GP practice, {name}, is in {partnership}")
    # The public directory and the coverage page agree, and both count the practices the list confirmed.
    confirmed_after, _open = counts()
    assert confirmed_after > confirmed_before and _open == open_total

    page.goto("/admin/coverage/imports")
    page.get_by_role("link", name=f"Undo this import (import {record_id})").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Undo import {record_id}")
    assert_accessible(page)
    undo = page.get_by_role("button", name="Undo this import")
    tab_to(page, undo)
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"Import {record_id} has been undone")).to_be_visible()
    expect(page.get_by_role("table").get_by_role("row").filter(has_text=FILENAME).first).to_contain_text("Undone")
    assert_accessible(page)

    finder_says(not_confirmed)
    assert counts()[0] < confirmed_after
