"""Who follows a partnership, in Chromium: a worker signs in with a TOTP code, opens People from the menu,
chooses their partnership, finds the follower who agreed to be contacted (and not the one who did not), and
downloads the spreadsheet, which Python's csv module reads back with its header and the follower's row.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import delete, select

from app.extensions import db
from app.models import Consent, Follower, Lcp, Topic
from tests.browser.checks import assert_accessible
from tests.browser.pages import PeoplePage
from tests.browser.test_admin import secret_of, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def followers(app: Flask) -> Iterator[tuple[str, str]]:
    """Two confirmed followers of Cross Gates: an organisation that agreed to be contacted, a resident who did not."""
    mark = time.monotonic_ns()
    agreed, quiet = f"agreed-{mark}@example.org", f"quiet-{mark}@example.org"
    with app.app_context():
        cross_gates = db.session.scalar(select(Lcp).where(Lcp.slug == "cross-gates"))
        housing = db.session.scalar(select(Topic).where(Topic.slug == "housing"))
        moment = datetime(2001, 3, 4, 10, 0)
        db.session.add_all(
            [
                Follower(
                    email=agreed,
                    kind="organisation",
                    organisation_name="Cross Gates Good Neighbours",
                    organisation_type="community-group",
                    organisation_reach="local",
                    organisation_areas="Cross Gates, Whinmoor",
                    interests="invitations contact",
                    confirmed_at=moment,
                    lcps=[cross_gates],
                    topics=[housing],
                    consents=[Consent(purpose="contact", wording="May be contacted.", version="test", given_at=moment)],
                ),
                Follower(email=quiet, interests="news", confirmed_at=moment, lcps=[cross_gates]),
            ]
        )
        db.session.commit()
    yield agreed, quiet
    with app.app_context():
        db.session.execute(delete(Follower).where(Follower.email.in_((agreed, quiet))))
        db.session.commit()


def test_a_worker_finds_who_agreed_to_be_contacted_and_downloads_them(
    page: Page, app: Flask, make_staff, followers: tuple[str, str], tmp_path: Path
) -> None:
    agreed, quiet = followers
    user = make_staff("staff", ("cross-gates",), name="People Worker")
    staff = sign_in(page, user.email, secret_of(app, user), set())

    staff.menu_link("People").click()
    people = PeoplePage(page)
    expect(people.heading).to_have_text("People who follow your partnerships")
    expect(page.get_by_role("table", name="Confirmed followers of each partnership")).to_contain_text(
        "Cross Gates Local Care Partnership"
    )
    people.partnership.select_option(label="Cross Gates Local Care Partnership")
    people.show.click()

    row = people.row(agreed)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Cross Gates Good Neighbours")
    expect(row).to_contain_text("Cross Gates, Whinmoor")
    expect(row).to_contain_text("Invitations to meetings and events")
    expect(row).to_contain_text("4 March 2001")
    expect(people.main).not_to_contain_text(quiet)
    expect(people.not_listed).to_contain_text("not listed here because they did not agree to be contacted")
    assert_accessible(page)

    with page.expect_download() as download_info:
        people.download.click()
    download = download_info.value
    assert download.suggested_filename.startswith("followers-cross-gates-")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    raw = saved.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0][:3] == ["Email address", "Registered as", "Organisation name"]
    assert rows[0][-2:] == ["Confirmed at", "Contact agreed at"]
    mine = [row for row in rows[1:] if row[0] in (agreed, quiet)]
    assert mine == [
        [
            agreed,
            "organisation",
            "Cross Gates Good Neighbours",
            "community-group",
            "local",
            "Cross Gates, Whinmoor",
            "Cross Gates Local Care Partnership",
            "Housing",
            "invitations; contact",
            "weekly",
            "en_GB",
            "2001-03-04T10:00:00Z",
            "2001-03-04T10:00:00Z",
        ]
    ]
    # The page is still there after the download, and still passes axe.
    expect(people.row(agreed)).to_have_count(1)
