"""The staff inbox: what each person sees, its filters, keyset paging, its compact rows, the bulk bar, and who may do
what.

The database is shared by the whole session, so every submission made here carries a unique marker in its
words (the inbox is filtered by it) and is deleted afterwards; its routings and events go with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from uuid import uuid4

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select

from app.commands import Actor
from app.commands import sharing as sharing_commands
from app.extensions import db
from app.models import AuditEvent, OutboxMessage, Routing, Submission, SubmissionEvent, Topic
from app.services.people import lcps_by_slug
from app.services.sharing import ContactInput, ShareInput
from app.services.triage import normalise_tags
from tests.conftest import Page

BASE = datetime(2026, 10, 1, 12, 0)


@pytest.fixture
def make(app: Flask) -> Iterator[Callable[..., int]]:
    """Shares a submission in one LCP and returns its routing id; `ago` days before 1 October 2026 at noon."""
    made: list[int] = []

    def share(
        marker: str,
        lcp: str = "armley",
        *,
        ago: float = 0,
        email: str | None = None,
        topics: int = 0,
        source: str = "web",
        status: str = "received",
        text: str = "",
    ) -> int:
        with app.test_request_context():
            topic_rows = list(db.session.scalars(select(Topic).order_by(Topic.position).limit(topics)))
            data = ShareInput(
                body=f"{text or 'About the surgery'} {marker}",
                lcps=lcps_by_slug([lcp]),
                topics=topic_rows,
                source=source,
                contact=ContactInput(email=email, wants_updates=True) if email else None,
            )
            submission = sharing_commands.share(Actor.resident(), data).submission
            made.append(submission.id)
            routing = submission.routings[0]
            routing.created_at = BASE - timedelta(days=ago)
            routing.status = status
            db.session.commit()
            return routing.id

    yield share
    with app.app_context():
        db.session.execute(delete(Submission).where(Submission.id.in_(made)))
        db.session.commit()


def marker() -> str:
    return f"mark{uuid4().hex[:12]}"


def rows(client: FlaskClient, url: str) -> tuple[Page, list[int]]:
    response = client.get(url)
    assert response.status_code == 200, url
    page = Page(response)
    return page, [int(row["id"].removeprefix("routing-")) for row in page.soup.select("tbody tr[id^=routing-]")]


def token(client: FlaskClient) -> str:
    return Page(client.get("/admin/inbox")).soup.select_one("meta[name=csrf-token]")["content"]


def post(client: FlaskClient, url: str, data: dict, **kwargs):
    return client.post(url, data={"csrf_token": token(client), **data}, **kwargs)


def routing(app: Flask, routing_id: int) -> Routing:
    with app.app_context():
        row = db.session.get(Routing, routing_id)
        db.session.expunge(row)
        return row


# The newest audit record before each test: rows of other tests' deleted routings may have had the same ids (SQLite
# reuses them), and their audit records stay.
AUDIT_BEFORE: dict[str, int] = {}


@pytest.fixture(autouse=True)
def audit_since(app: Flask) -> None:
    with app.app_context():
        AUDIT_BEFORE["id"] = db.session.scalar(select(func.max(AuditEvent.id))) or 0


def audits(app: Flask, action: str, object_id: str) -> list[AuditEvent]:
    """This test's audit records of this action on this object."""
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent).where(
                    AuditEvent.id > AUDIT_BEFORE["id"], AuditEvent.action == action, AuditEvent.object_id == object_id
                )
            )
        )


# Seeing ------------------------------------------------------------------------------------------------------------


def test_a_worker_sees_only_their_partnerships_items(staff_client, make) -> None:
    mark = marker()
    armley, seacroft = make(mark, "armley"), make(mark, "seacroft")
    _page, worker_sees = rows(staff_client("staff", ("armley",)), f"/admin/inbox?q={mark}")
    assert worker_sees == [armley]
    _page, admin_sees = rows(staff_client("admin"), f"/admin/inbox?q={mark}")
    assert set(admin_sees) == {armley, seacroft}


def test_a_row_shows_what_staff_need_in_a_line_or_two(app, staff_client, make) -> None:
    mark = marker()
    ident = make(mark, topics=1, source="phone", text="word " * 60)
    with app.app_context():
        row = db.session.get(Routing, ident)
        submission_id = row.submission_id
        topic = row.submission.topics[0].label
    worker = staff_client("staff", ("armley",))
    page, _ids = rows(worker, f"/admin/inbox?q={mark}&view=new")
    row = page.soup.select_one(f"#routing-{ident}")
    text = " ".join(row.get_text(" ").split())
    assert f"Item {submission_id}" in text and "Armley" in text and topic in text and "Received" in text
    assert "Nobody" in text and "New" in text and "days" in text
    link = row.select_one("a[href^='/admin/submissions/']")
    assert link["href"] == f"/admin/submissions/{submission_id}?routing={ident}&view=new&q={mark}"
    assert len(link.get_text()) <= 90 and link.get_text().endswith("…")
    # No forms and nothing to type in a row: only the tick box that belongs to the bulk bar's form.
    assert row.select("form") == [] and [box["form"] for box in row.select("input")] == ["inbox-bulk"]
    assert row.select_one("label").get_text(strip=True) == f"Select item {submission_id}"
    assert page.soup.select_one("table caption") is not None


def test_each_filter(app, staff_client, make) -> None:
    mark = marker()
    worker = staff_client("staff", ("armley", "seacroft"))
    plain = make(mark, ago=1)
    looking = make(mark, ago=2, status="looking")
    topical = make(mark, ago=3, topics=1)
    phoned = make(mark, ago=4, source="paper")
    old = make(mark, ago=40)
    elsewhere = make(mark, "seacroft", ago=5)
    odd = make(mark, ago=6, text="Parking at the CLINIC")
    with app.app_context():
        db.session.get(Routing, plain).assignee_id = worker.user.id
        db.session.commit()
        topic = db.session.scalar(select(Topic).order_by(Topic.position)).slug
    everything = {plain, looking, topical, phoned, old, elsewhere, odd}
    base = f"/admin/inbox?q={mark}"
    assert set(rows(worker, base)[1]) == everything
    assert rows(worker, f"{base}&status=looking")[1] == [looking]
    assert rows(worker, f"{base}&topic={topic}")[1] == [topical]
    assert rows(worker, f"{base}&assignee=me")[1] == [plain]
    assert rows(worker, f"{base}&assignee={worker.user.id}")[1] == [plain]
    assert set(rows(worker, f"{base}&assignee=none")[1]) == everything - {plain}
    assert rows(worker, f"{base}&source=paper")[1] == [phoned]
    assert rows(worker, f"{base}&lcp=seacroft")[1] == [elsewhere]
    assert rows(worker, f"{base}&from=2026-08-01&to=2026-08-31")[1] == [old]
    assert old not in rows(worker, f"{base}&from=2026-09-01")[1]
    assert rows(worker, f"/admin/inbox?q=the+clinic+{mark}")[1] == [odd]
    assert set(rows(worker, f"/admin/inbox?q=SURGERY+{mark}")[1]) == everything - {odd}
    newest, oldest = rows(worker, base)[1], rows(worker, f"{base}&sort=oldest")[1]
    assert newest == list(reversed(oldest)) and newest[0] == plain


def test_a_partnership_outside_the_persons_is_ignored_with_a_message(staff_client, make) -> None:
    mark = marker()
    armley, _seacroft = make(mark, "armley"), make(mark, "seacroft")
    page, found = rows(staff_client("staff", ("armley",)), f"/admin/inbox?q={mark}&lcp=seacroft")
    assert found == [armley]
    assert "filter was ignored" in page.text()


def test_keyset_paging_has_no_gaps_or_overlaps(staff_client, make) -> None:
    mark = marker()
    made = [make(mark, ago=index / 24) for index in range(32)]
    worker = staff_client("staff", ("armley",))
    first, page_one = rows(worker, f"/admin/inbox?q={mark}")
    assert page_one == made[:25]
    older = first.links()["Older"]
    assert "after=" in older and f"q={mark}" in older and "offset" not in older
    second, page_two = rows(worker, older)
    assert page_two == made[25:]
    assert "Older" not in second.links()
    _back, again = rows(worker, second.links()["Newer"])
    assert again == page_one
    _page, oldest_first = rows(worker, f"/admin/inbox?q={mark}&sort=oldest")
    assert oldest_first == list(reversed(made))[:25]


# The old changes in each row are gone: an item is changed on its own page -----------------------------------------


def test_the_rows_own_change_addresses_are_gone(staff_client, make) -> None:
    ident = make(marker())
    worker = staff_client("staff", ("armley",))
    for action in ("status", "assign", "tags"):
        assert post(worker, f"/admin/routings/{ident}/{action}", {"status": "looking"}).status_code == 404


def test_normalise_tags() -> None:
    assert normalise_tags(" Urgent, urgent GP/access ") == ["urgent", "gp-access"]
    assert normalise_tags("") == []


def test_new_follow_up_is_shown(app, staff_client, make) -> None:
    mark = marker()
    ident = make(mark)
    with app.app_context():
        db.session.get(Routing, ident).has_new_follow_up = True
        db.session.commit()
    page, _found = rows(staff_client("staff", ("armley",)), f"/admin/inbox?q={mark}")
    assert "New follow-up" in page.text()


# Bulk ------------------------------------------------------------------------------------------------------------


def checked_boxes(page: Page) -> list[int]:
    return [int(box["value"]) for box in page.soup.select("input[name=routing][checked]")]


def test_bulk_status_on_three_items_with_one_audit_record_and_the_persons_emails(app, staff_client, make) -> None:
    mark = marker()
    addresses = [f"person-{uuid4().hex[:8]}@example.org" for _ in range(3)]
    idents = [make(mark, ago=index, email=address) for index, address in enumerate(addresses)]
    worker = staff_client("staff", ("armley",))
    back = f"/admin/inbox?q={mark}&view=new"
    response = post(worker, "/admin/inbox/bulk", {"routing": idents, "status": "shared", "back": back})
    assert response.status_code == 303 and response.headers["Location"].endswith(back)
    assert [routing(app, ident).status for ident in idents] == ["shared"] * 3
    assert len(audits(app, "routing.bulk", ",".join(map(str, idents)))) == 1
    with app.app_context():
        told = db.session.scalars(
            select(OutboxMessage.to_address).where(
                OutboxMessage.to_address.in_(addresses), OutboxMessage.kind == "status-changed"
            )
        ).all()
    assert sorted(told) == sorted(addresses)
    landed = Page(worker.get(back))
    assert "3 items changed." in landed.text()


def test_one_bulk_change_sets_a_status_an_assignee_and_tags_together(app, staff_client, make) -> None:
    mark = marker()
    idents = [make(mark, ago=index) for index in range(2)]
    worker = staff_client("staff", ("armley",))
    data = {"routing": idents, "status": "looking", "assignee": "me", "tags": "Needs-Reply, GP_access"}
    response = post(worker, "/admin/inbox/bulk", {**data, "back": f"/admin/inbox?q={mark}"}, follow_redirects=True)
    assert "2 items changed." in Page(response).text()
    for ident in idents:
        row = routing(app, ident)
        assert (row.status, row.assignee_id, row.tags) == ("looking", worker.user.id, "needs-reply gp-access")
    joined = ",".join(map(str, idents))
    assert len(audits(app, "routing.bulk", joined)) == 3
    with app.app_context():
        kinds = db.session.scalars(select(SubmissionEvent.kind).where(SubmissionEvent.routing_id == idents[0])).all()
    assert {"status", "assigned", "tagged"} <= set(kinds)
    # Tags are added to those there already; nobody takes the items back; a change to nothing changes nothing.
    post(worker, "/admin/inbox/bulk", {"routing": idents, "tags": "urgent", "assignee": "none"})
    assert {(routing(app, i).tags, routing(app, i).assignee_id) for i in idents} == {
        ("needs-reply gp-access urgent", None)
    }
    again = post(worker, "/admin/inbox/bulk", {"routing": idents, "status": "looking"}, follow_redirects=True)
    assert "0 items changed." in Page(again).text()


def test_a_refused_close_keeps_the_ticks_and_what_was_typed(app, staff_client, make) -> None:
    mark = marker()
    first, second, third = (make(mark, ago=index) for index in range(3))
    worker = staff_client("staff", ("armley",))
    back = f"/admin/inbox?q={mark}"
    response = post(
        worker,
        "/admin/inbox/bulk",
        {"routing": [first, third], "status": "closed", "tags": "kept words", "assignee": "me", "back": back},
    )
    assert response.status_code == 200
    page = Page(response)
    assert page.soup.title.get_text().startswith("Error:")
    summary = page.soup.select_one(".nhsuk-error-summary")
    assert summary["tabindex"] == "-1" and summary.select_one("a")["href"] == "#plain_reason"
    assert "Enter why the item is being closed" in summary.get_text()
    assert "Enter why the item is being closed" in page.soup.select_one("#plain_reason-error").get_text()
    assert sorted(checked_boxes(page)) == sorted([first, third])
    assert page.soup.select_one("#tags")["value"] == "kept words"
    assert page.soup.select_one("#assignee option[selected]")["value"] == "me"
    assert page.soup.select_one("#status option[selected]")["value"] == "closed"
    # The list is the one the person was on, and nothing changed.
    assert {int(row["id"].removeprefix("routing-")) for row in page.soup.select("tbody tr")} == {first, second, third}
    assert page.soup.select_one("input[name=back]")["value"] == back
    assert {routing(app, ident).status for ident in (first, third)} == {"received"}
    assert {routing(app, ident).tags for ident in (first, third)} == {""}

    closed = post(worker, "/admin/inbox/bulk", {"routing": [first], "status": "closed", "reason": "Answered"})
    assert closed.status_code == 303
    row = routing(app, first)
    assert (row.status, row.status_reason) == ("closed", "Answered")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "status", "Choose a status, someone to assign the items to, or tags to add"),
        ({"status": "lost"}, "status", "Choose a status"),
        ({"assignee": "999999999"}, "assignee", "Choose someone from the list, or Nobody"),
        ({"tags": " ,;, "}, "tags", "Enter tags as words"),
        ({"tags": "x" * 301}, "tags", "Shorten the tags"),
        ({"reason": "Fine\u202e", "status": "closed"}, "reason", "hidden control characters"),
    ],
)
def test_each_refusal_is_shown_beside_its_box(app, staff_client, make, data, field, message) -> None:
    ident = make(marker())
    worker = staff_client("staff", ("armley",))
    response = post(worker, "/admin/inbox/bulk", {"routing": [ident], **data})
    assert response.status_code == 200
    page = Page(response)
    assert message in page.soup.select_one(f"#{field}-error").get_text()
    assert page.soup.select_one(".nhsuk-error-summary a")["href"] == f"#{field}"
    assert checked_boxes(page) == [ident]
    row = routing(app, ident)
    assert (row.status, row.assignee_id, row.tags) == ("received", None, "")


def test_nothing_ticked_is_refused(staff_client, make) -> None:
    make(marker())
    worker = staff_client("staff", ("armley",))
    response = post(worker, "/admin/inbox/bulk", {"status": "looking"})
    assert response.status_code == 200 and "Select at least one item" in Page(response).text()


def test_an_assignee_must_work_on_every_ticked_items_partnership(app, staff_client, make) -> None:
    mark = marker()
    armley, seacroft = make(mark, "armley"), make(mark, "seacroft")
    worker = staff_client("staff", ("armley", "seacroft"))
    colleague = staff_client("staff", ("armley",))
    response = post(worker, "/admin/inbox/bulk", {"routing": [armley, seacroft], "assignee": str(colleague.user.id)})
    assert response.status_code == 200
    assert "does not work on every selected item’s partnership" in Page(response).text()
    assert routing(app, armley).assignee_id is None
    post(worker, "/admin/inbox/bulk", {"routing": [armley], "assignee": str(colleague.user.id)})
    assert routing(app, armley).assignee_id == colleague.user.id


def test_the_bulk_bar_offers_colleagues_not_the_whole_citys_staff(staff_client, make) -> None:
    make(marker())
    worker = staff_client("staff", ("armley",))
    colleague = staff_client("staff", ("armley",))
    stranger = staff_client("staff", ("seacroft",))
    page = Page(worker.get("/admin/inbox"))
    offered = {option["value"] for option in page.soup.select("#assignee option")}
    assert {"", "me", "none", str(colleague.user.id), str(worker.user.id)} <= offered
    assert str(stranger.user.id) not in offered


# Who may ---------------------------------------------------------------------------------------------------------


def test_another_partnerships_item_in_a_bulk_change_is_404_for_all(app, staff_client, make) -> None:
    mark = marker()
    armley, seacroft = make(mark, "armley"), make(mark, "seacroft")
    outsider = staff_client("staff", ("seacroft",))
    mixed = post(outsider, "/admin/inbox/bulk", {"routing": [seacroft, armley], "status": "acted", "tags": "x"})
    assert mixed.status_code == 404
    assert routing(app, armley).status == "received" and routing(app, armley).tags == ""
    assert routing(app, seacroft).status == "received" and routing(app, seacroft).tags == ""
    assert audits(app, "routing.bulk", f"{seacroft},{armley}") == []


def test_a_viewer_may_read_but_not_change(app, staff_client, make) -> None:
    mark = marker()
    ident = make(mark)
    viewer = staff_client("viewer", ("armley",))
    page, found = rows(viewer, f"/admin/inbox?q={mark}")
    assert found == [ident] and page.soup.select("main form[method=post]") == []
    assert page.soup.select("input[name=routing]") == []
    assert post(viewer, "/admin/inbox/bulk", {"status": "looking", "routing": ident}).status_code == 403
    assert routing(app, ident).status == "received"


def test_no_csrf_token_is_refused(app, staff_client, make) -> None:
    ident = make(marker())
    worker = staff_client("staff", ("armley",))
    assert worker.post("/admin/inbox/bulk", data={"routing": ident, "status": "looking"}).status_code == 400
    assert routing(app, ident).status == "received"


def test_a_foreign_back_address_is_not_followed(staff_client, make) -> None:
    ident = make(marker())
    worker = staff_client("staff", ("armley",))
    response = post(
        worker, "/admin/inbox/bulk", {"routing": ident, "status": "looking", "back": "https://example.com/"}
    )
    assert response.headers["Location"].endswith("/admin/inbox")


def test_signed_out_people_are_sent_to_sign_in(client) -> None:
    assert client.get("/admin/inbox").status_code == 302
