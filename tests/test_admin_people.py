"""The staff page of who follows each partnership: counts that leave out unconfirmed people, the list of those who
agreed to be contacted (and only them), keyset paging, viewers who see numbers but nobody's address, another
partnership's followers answering 404, and the audited CSV download read back as a spreadsheet would read it.

The database is shared by the whole session, so every follower made here carries a unique marker in its address,
counts are compared before and after the followers are made, and the followers are deleted afterwards.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from uuid import uuid4

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select

from app.extensions import db
from app.models import AuditEvent, Consent, Follower, Lcp, Topic
from app.services import audience
from tests.conftest import Page

# Long before anything else in the test database, so these followers come first in the list's order.
EARLY = datetime(2001, 1, 1, 9, 0)
HEADER = [
    "Email address",
    "Registered as",
    "Organisation name",
    "Organisation type",
    "Reach",
    "Areas served",
    "Partnerships followed",
    "Topics followed",
    "Interests",
    "Digest frequency",
    "Language",
    "Confirmed at",
    "Contact agreed at",
]
FORMULA = '=HYPERLINK("http://x","y")'


@pytest.fixture
def make_follower(app: Flask) -> Iterator[Callable[..., int]]:
    """Makes a follower and returns its id; `consent` is None, "active" or "withdrawn" (for "contact")."""
    made: list[int] = []

    def make(
        email: str,
        lcps: tuple[str, ...],
        *,
        interests: tuple[str, ...] = ("news",),
        consent: str | None = None,
        confirmed: datetime | None = EARLY,
        topics: tuple[str, ...] = (),
        **fields,
    ) -> int:
        with app.app_context():
            follower = Follower(
                email=email,
                interests=" ".join(interests),
                confirmed_at=confirmed,
                lcps=list(db.session.scalars(select(Lcp).where(Lcp.slug.in_(lcps)).order_by(Lcp.id))),
                topics=list(db.session.scalars(select(Topic).where(Topic.slug.in_(topics)).order_by(Topic.id))),
                **fields,
            )
            if consent:
                follower.consents.append(
                    Consent(
                        purpose="contact",
                        wording="The teams of the partnerships I follow may email me.",
                        version="test",
                        given_at=(confirmed or EARLY) + timedelta(minutes=5),
                        withdrawn_at=(confirmed or EARLY) + timedelta(days=3) if consent == "withdrawn" else None,
                    )
                )
            db.session.add(follower)
            db.session.commit()
            made.append(follower.id)
            return follower.id

    yield make
    with app.app_context():
        db.session.execute(delete(Follower).where(Follower.id.in_(made)))
        db.session.commit()


def marker() -> str:
    return f"mark{uuid4().hex[:12]}"


def scenario(make: Callable[..., int], mark: str) -> dict[str, str]:
    """Six people around Armley and Seacroft; two of them may be contacted. Returns their addresses by name."""
    emails = {
        name: f"{name}-{mark}@example.org" for name in ("resident", "group", "quiet", "withdrew", "pending", "stale")
    }
    # Contactable: asked to be contacted and agreed.
    make(
        emails["resident"],
        ("armley",),
        interests=("news", "contact"),
        consent="active",
        topics=("housing", "transport"),
        frequency="monthly",
        language="pl",
    )
    make(
        emails["group"],
        ("armley", "seacroft"),
        interests=("volunteer", "contact"),
        consent="active",
        confirmed=EARLY + timedelta(days=1),
        topics=("housing",),
        kind="organisation",
        organisation_name=FORMULA,
        organisation_type="charity",
        organisation_reach="local",
        organisation_areas="Armley, Wortley",
    )
    # Counted, never listed: did not ask, withdrew, or agreed once but no longer asks to be contacted.
    make(emails["quiet"], ("armley",), interests=("news",), confirmed=EARLY + timedelta(days=2))
    # (Withdrawing normally unticks "contact" too; the consent alone must be enough to keep someone off the list.)
    make(
        emails["withdrew"],
        ("armley",),
        interests=("news", "contact"),
        consent="withdrawn",
        confirmed=EARLY + timedelta(days=3),
    )
    make(
        emails["stale"], ("armley",), interests=("invitations",), consent="active", confirmed=EARLY + timedelta(days=4)
    )
    # Never counted: has not confirmed the address.
    make(emails["pending"], ("armley",), interests=("contact",), consent="active", confirmed=None, topics=("housing",))
    return emails


def numbers(page: Page, row_id: str) -> list[int]:
    row = page.soup.find("tr", id=row_id)
    assert row is not None, f"no row #{row_id}"
    return [int(cell.get_text(strip=True)) for cell in row.find_all("td")]


def change(before: Page, after: Page, row_id: str) -> list[int]:
    return [new - old for old, new in zip(numbers(before, row_id), numbers(after, row_id), strict=True)]


def listed(page: Page) -> list[str]:
    table = page.soup.find("table", id="contactable-table")
    if table is None:
        return []
    return [row.find("td").get_text(strip=True) for row in table.select("tbody tr")]


def not_listed(page: Page) -> int:
    box = page.soup.find(id="not-listed")
    if box is None:
        return 0
    return int(re.search(r"(\d+) followers? (is|are) not listed", box.get_text(" ")).group(1))


def not_agreed(page: Page) -> int:
    return int(
        re.match(r"(\d+) followers? did not agree", page.soup.find(id="not-agreed").get_text(strip=True)).group(1)
    )


def get(client: FlaskClient, url: str, status: int = 200) -> Page:
    response = client.get(url)
    assert response.status_code == status, f"{url} gave {response.status_code}"
    return Page(response)


# Counts -----------------------------------------------------------------------------------------------------------


def test_counts_leave_out_unconfirmed_people_and_count_each_person_once(staff_client, make_follower) -> None:
    client = staff_client("staff", ("armley", "seacroft"))
    before = get(client, "/admin/people?lcp=seacroft")
    mark = marker()
    scenario(make_follower, mark)
    # Someone who follows only another partnership is in nobody's figures here.
    make_follower(f"elsewhere-{mark}@example.org", ("hatch",), interests=("news", "contact"), topics=("housing",))
    after = get(client, "/admin/people?lcp=seacroft")

    # Followers, residents, organisations, agreed to be contacted.
    assert change(before, after, "followers-armley") == [5, 4, 1, 2]
    assert change(before, after, "followers-seacroft") == [1, 0, 1, 1]
    # The group follows both, and is one person in the totals.
    assert change(before, after, "followers-all") == [5, 4, 1, 2]
    # News, invitations, volunteer, contact.
    assert change(before, after, "interests-armley") == [3, 1, 1, 3]
    assert change(before, after, "interests-seacroft") == [0, 0, 1, 1]
    assert change(before, after, "interests-all") == [3, 1, 1, 3]
    # Topics: across both partnerships, then Seacroft (the partnership chosen).
    assert change(before, after, "topic-housing") == [2, 1]
    assert change(before, after, "topic-transport") == [1, 0]
    headers = [th.get_text(strip=True) for th in after.soup.select("#topics-table thead th")]
    assert headers == ["Topic", "All your partnerships", "Seacroft Local Care Partnership"]
    for table in after.soup.select("main table"):
        assert table.caption and table.caption.get_text(strip=True)
        assert all(th.get("scope") == "col" for th in table.select("thead th"))


def test_an_admin_sees_every_partnership(app: Flask, staff_client) -> None:
    page = get(staff_client("admin"), "/admin/people")
    with app.app_context():
        slugs = list(db.session.scalars(select(Lcp.slug).order_by(Lcp.name)))
    rows = [row["id"].removeprefix("followers-") for row in page.soup.select("#followers-table tbody tr")]
    assert rows == [*slugs, "all"]
    assert page.h1 == "People who follow the partnerships"
    assert "All partnerships" in page.text("#followers-table")


# The contactable list -----------------------------------------------------------------------------------------------


def test_only_people_who_agreed_are_listed_and_the_others_are_counted(staff_client, make_follower) -> None:
    client = staff_client("staff", ("armley",))
    before = get(client, "/admin/people?lcp=armley")
    emails = scenario(make_follower, marker())
    page = get(client, "/admin/people?lcp=armley")

    shown = [email for email in listed(page) if email in emails.values()]
    assert shown == [emails["resident"], emails["group"]]
    assert not_listed(page) - not_listed(before) == 3
    html = page.response.get_data(as_text=True)
    for name in ("quiet", "withdrew", "stale", "pending"):
        assert emails[name] not in html

    group = next(row for row in page.soup.select("#contactable-table tbody tr") if emails["group"] in row.get_text())
    text = " ".join(group.get_text(" ").split())
    assert FORMULA in text and "Charity or voluntary organisation" in text and "Armley, Wortley" in text
    assert "Ways to get involved or volunteer" in text and "2 January 2001" in text
    resident = next(
        row for row in page.soup.select("#contactable-table tbody tr") if emails["resident"] in row.get_text()
    )
    assert "Transport" in resident.get_text(" ")
    assert page.soup.select_one("form[action='/admin/people/export'] input[name=lcp]")["value"] == "armley"


def test_a_partnership_with_more_than_a_page_is_paged_by_keyset(staff_client, make_follower) -> None:
    mark = marker()
    emails = [f"page{number:02d}-{mark}@example.org" for number in range(audience.PAGE_SIZE + 2)]
    for number, email in enumerate(emails):
        make_follower(
            email,
            ("wetherby",),
            interests=("contact",),
            consent="active",
            # Two share a moment, so the id settles their order.
            confirmed=EARLY - timedelta(days=400) + timedelta(hours=number // 2),
        )
    client = staff_client("staff", ("wetherby",))
    first = get(client, "/admin/people?lcp=wetherby")
    assert listed(first) == emails[: audience.PAGE_SIZE]
    links = first.links()
    assert "Previous page" not in links
    second = get(client, links["Next page"])
    assert listed(second)[:2] == emails[audience.PAGE_SIZE :]
    back = get(client, second.links()["Previous page"])
    assert listed(back) == emails[: audience.PAGE_SIZE]


def test_keyset_pages_meet_without_gaps_or_repeats(app: Flask, app_context, make_follower) -> None:
    mark = marker()
    ids = [
        make_follower(f"k{n}-{mark}@example.org", ("otley-aireborough",), interests=("contact",), consent="active",
                      confirmed=EARLY - timedelta(days=800) + timedelta(hours=n // 2))
        for n in range(5)
    ]  # fmt: skip
    lcp = db.session.scalar(select(Lcp).where(Lcp.slug == "otley-aireborough"))
    pages = [audience.contactable_page(lcp, size=2)]
    while pages[-1].next_after:
        pages.append(audience.contactable_page(lcp, after=pages[-1].next_after, size=2))
    seen = [follower.id for page in pages for follower in page.followers if follower.id in ids]
    assert seen == ids
    assert pages[0].previous_before is None
    back = audience.contactable_page(lcp, before=pages[1].previous_before, size=2)
    assert [follower.id for follower in back.followers] == ids[:2]
    assert [follower.id for follower in audience.contactable(lcp, batch=2) if follower.id in ids] == ids


# Who may see what -------------------------------------------------------------------------------------------------


def test_a_viewer_sees_counts_but_no_one_and_cannot_download(staff_client, staff_post, make_follower) -> None:
    client = staff_client("viewer", ("armley",))
    before = get(client, "/admin/people?lcp=armley")
    mark = marker()
    scenario(make_follower, mark)
    page = get(client, "/admin/people?lcp=armley")
    assert change(before, page, "followers-armley") == [5, 4, 1, 2]
    html = page.response.get_data(as_text=True)
    assert mark not in html and FORMULA not in html
    assert page.soup.find("table", id="contactable-table") is None
    assert page.soup.select("form[action='/admin/people/export']") == []
    text = page.text()
    assert "not who they are" in text and "Viewers do not see who these people are." in text
    assert not_agreed(page) - not_agreed(before) == 3
    assert page.soup.find(id="not-listed") is None

    response = staff_post(client, "/admin/people/export", {"lcp": "armley"}, form_page="/admin/people")
    assert response.status_code == 403


def test_another_partnerships_followers_are_not_found(staff_client, staff_post, make_follower) -> None:
    mark = marker()
    make_follower(f"seacroft-{mark}@example.org", ("seacroft",), interests=("contact",), consent="active")
    client = staff_client("staff", ("armley",))
    get(client, "/admin/people?lcp=seacroft", status=404)
    get(client, "/admin/people?lcp=no-such-partnership", status=404)
    for slug in ("seacroft", "no-such-partnership", ""):
        response = staff_post(client, "/admin/people/export", {"lcp": slug}, form_page="/admin/people")
        assert response.status_code == 404, slug
        assert mark not in response.get_data(as_text=True)
    # Only the person's own partnerships are offered, and counted.
    page = get(client, "/admin/people")
    assert [option["value"] for option in page.soup.select("#choose-lcp option")] == ["armley"]
    assert [row["id"] for row in page.soup.select("#followers-table tbody tr")] == ["followers-armley"]


def test_the_download_needs_a_csrf_token(staff_client) -> None:
    client = staff_client("staff", ("armley",))
    assert client.post("/admin/people/export", data={"lcp": "armley"}).status_code == 400


# The download -----------------------------------------------------------------------------------------------------


def test_the_download_is_a_safe_spreadsheet_with_every_column_and_is_audited(
    app: Flask, staff_client, staff_post, make_follower
) -> None:
    client = staff_client("staff", ("armley",))
    emails = scenario(make_follower, marker())
    response = staff_post(client, "/admin/people/export", {"lcp": "armley"}, form_page="/admin/people?lcp=armley")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="followers-armley-\d{4}-\d{2}-\d{2}\.csv"', response.headers["Content-Disposition"]
    )
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0] == HEADER
    by_email = {row[0]: dict(zip(HEADER, row, strict=True)) for row in rows[1:]}
    mine = [email for email in by_email if email in emails.values()]
    assert mine == [emails["resident"], emails["group"]]

    group = by_email[emails["group"]]
    assert group["Organisation name"] == "'" + FORMULA
    assert group["Registered as"] == "organisation"
    assert group["Organisation type"] == "charity"
    assert group["Reach"] == "local"
    assert group["Areas served"] == "Armley, Wortley"
    assert group["Partnerships followed"] == "Armley Local Care Partnership; Seacroft Local Care Partnership"
    assert group["Interests"] == "volunteer; contact"
    assert group["Confirmed at"] == "2001-01-02T09:00:00Z"
    assert group["Contact agreed at"] == "2001-01-02T09:05:00Z"

    resident = by_email[emails["resident"]]
    with app.app_context():
        labels = [db.session.scalar(select(Topic.label).where(Topic.slug == slug)) for slug in ("housing", "transport")]
    assert resident["Registered as"] == "resident"
    assert resident["Organisation name"] == "" and resident["Organisation type"] == ""
    assert resident["Topics followed"] == "; ".join(labels)
    assert resident["Interests"] == "news; contact"
    assert resident["Digest frequency"] == "monthly"
    assert resident["Language"] == "pl"
    assert resident["Confirmed at"] == "2001-01-01T09:00:00Z"

    with app.app_context():
        events = list(
            db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "people.export", AuditEvent.actor_id == client.user.id)
            )
        )
        armley = db.session.scalar(select(Lcp.id).where(Lcp.slug == "armley"))
    assert len(events) == 1
    assert events[0].lcp_id == armley
    assert json.loads(events[0].after)["rows"] == len(rows) - 1
    assert f"{len(rows) - 1} rows" in events[0].summary

    # A second download is a second record.
    staff_post(client, "/admin/people/export", {"lcp": "armley"}, form_page="/admin/people?lcp=armley")
    with app.app_context():
        count = len(
            db.session.scalars(
                select(AuditEvent.id).where(AuditEvent.action == "people.export", AuditEvent.actor_id == client.user.id)
            ).all()
        )
    assert count == 2


def test_the_menu_leads_to_people(staff_client) -> None:
    client = staff_client("viewer", ("armley",))
    page = get(client, "/admin/")
    assert page.links("header")["People"] == "/admin/people"
    people = get(client, "/admin/people")
    current = people.soup.select_one("header [aria-current]")
    assert current is not None and current.get_text(strip=True) == "People"
