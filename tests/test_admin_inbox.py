"""The staff inbox: what each person sees, its filters, keyset paging, inline and bulk triage, and who may do it.

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


def test_a_row_shows_what_staff_need(staff_client, make) -> None:
    mark = marker()
    long_text = "word " * 60
    ident = make(mark, topics=1, source="phone", text=long_text)
    page, _ids = rows(staff_client("staff", ("armley",)), f"/admin/inbox?q={mark}")
    row = page.soup.select_one(f"#routing-{ident}")
    text = " ".join(row.get_text(" ").split())
    assert "Armley" in text and "Phone" in text and "1 October 2026" in text and "Received" in text
    link = row.select_one("a[href^='/admin/submissions/']")
    assert len(link.get_text()) < 200 and "…" in link.get_text()
    assert row.select_one("input[name=csrf_token]") is not None
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


# Inline changes ----------------------------------------------------------------------------------------------------


def test_status_change_redirects_back_or_answers_with_the_row(app, staff_client, make) -> None:
    mark = marker()
    address = f"person-{uuid4().hex[:8]}@example.org"
    ident = make(mark, email=address)
    worker = staff_client("staff", ("armley",))
    back = f"/admin/inbox?q={mark}&status=received"
    response = post(worker, f"/admin/routings/{ident}/status", {"status": "looking", "back": back})
    assert response.status_code == 303 and response.headers["Location"].endswith(back)
    assert routing(app, ident).status == "looking"
    with app.app_context():
        sent = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.to_address == address, OutboxMessage.kind == "status-changed")
        ).all()
        assert len(sent) == 1
        event = db.session.scalar(
            select(SubmissionEvent).where(SubmissionEvent.routing_id == ident, SubmissionEvent.kind == "status")
        )
        assert event.staff_id == worker.user.id
    assert len(audits(app, "routing.status", str(ident))) == 1

    response = post(
        worker, f"/admin/routings/{ident}/status", {"status": "acted", "back": back}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    fragment = Page(response)
    assert fragment.soup.select_one("tr")["id"] == f"routing-{ident}"
    assert fragment.soup.select_one("html") is None
    assert routing(app, ident).status == "acted"


def test_a_foreign_back_address_is_not_followed(staff_client, make) -> None:
    ident = make(marker())
    worker = staff_client("staff", ("armley",))
    response = post(worker, f"/admin/routings/{ident}/status", {"status": "looking", "back": "https://example.com/"})
    assert response.headers["Location"].endswith("/admin/inbox")


def test_closing_needs_a_reason(app, staff_client, make) -> None:
    ident = make(marker())
    worker = staff_client("staff", ("armley",))
    response = post(worker, f"/admin/routings/{ident}/status", {"status": "closed", "back": "/admin/inbox"})
    assert response.status_code == 200
    page = Page(response)
    assert page.soup.title.get_text().startswith("Error:")
    assert "Enter why the item is being closed" in page.text()
    assert routing(app, ident).status == "received"
    response = post(worker, f"/admin/routings/{ident}/status", {"status": "closed"}, headers={"HX-Request": "true"})
    assert "Enter why the item is being closed" in response.get_data(as_text=True)
    assert routing(app, ident).status == "received"
    post(worker, f"/admin/routings/{ident}/status", {"status": "closed", "reason": "Answered by the practice"})
    closed = routing(app, ident)
    assert closed.status == "closed" and closed.status_reason == "Answered by the practice"


def test_assign_and_tags(app, staff_client, make) -> None:
    ident = make(marker())
    worker = staff_client("staff", ("armley",))
    outsider = staff_client("staff", ("seacroft",))
    response = post(worker, f"/admin/routings/{ident}/assign", {"assignee": str(worker.user.id)})
    assert response.status_code == 303
    assert routing(app, ident).assignee_id == worker.user.id
    refused = post(worker, f"/admin/routings/{ident}/assign", {"assignee": str(outsider.user.id)})
    assert refused.status_code == 200 and "Choose someone who works on" in refused.get_data(as_text=True)
    assert routing(app, ident).assignee_id == worker.user.id
    post(worker, f"/admin/routings/{ident}/assign", {"assignee": "none"})
    assert routing(app, ident).assignee_id is None

    response = post(
        worker,
        f"/admin/routings/{ident}/tags",
        {"tags": "Needs-Reply, GP_access  urgent"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and "gp-access" in response.get_data(as_text=True)
    assert routing(app, ident).tags == "needs-reply gp-access urgent"
    with app.app_context():
        kinds = set(db.session.scalars(select(SubmissionEvent.kind).where(SubmissionEvent.routing_id == ident)).all())
        assert {"assigned", "tagged"} <= kinds
    assert len(audits(app, "routing.assign", str(ident))) == 2
    assert len(audits(app, "routing.tags", str(ident))) == 1


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


def test_bulk_status_on_three_items_with_one_audit_record(app, staff_client, make) -> None:
    mark = marker()
    idents = [make(mark, ago=index) for index in range(3)]
    worker = staff_client("staff", ("armley",))
    back = f"/admin/inbox?q={mark}"
    response = post(
        worker, "/admin/inbox/bulk", {"routing": idents, "action": "status", "status": "shared", "back": back}
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(back)
    assert [routing(app, ident).status for ident in idents] == ["shared"] * 3
    records = audits(app, "routing.bulk", ",".join(map(str, idents)))
    assert len(records) == 1
    refused = post(worker, "/admin/inbox/bulk", {"routing": idents, "action": "status", "status": "closed"})
    assert refused.status_code == 200 and "Enter why the item is being closed" in refused.get_data(as_text=True)
    post(worker, "/admin/inbox/bulk", {"routing": idents, "action": "tag", "tags": "Batch"})
    assert {routing(app, ident).tags for ident in idents} == {"batch"}
    post(worker, "/admin/inbox/bulk", {"routing": idents[:1], "action": "assign", "assignee": str(worker.user.id)})
    assert routing(app, idents[0]).assignee_id == worker.user.id


# Who may ---------------------------------------------------------------------------------------------------------


def test_another_partnerships_worker_gets_404_and_nothing_changes(app, staff_client, make) -> None:
    mark = marker()
    armley, seacroft = make(mark, "armley"), make(mark, "seacroft")
    outsider = staff_client("staff", ("seacroft",))
    for action, data in (("status", {"status": "looking"}), ("assign", {"assignee": "none"}), ("tags", {"tags": "x"})):
        assert post(outsider, f"/admin/routings/{armley}/{action}", data).status_code == 404
    mixed = post(outsider, "/admin/inbox/bulk", {"routing": [seacroft, armley], "action": "status", "status": "acted"})
    assert mixed.status_code == 404
    assert routing(app, armley).status == "received" and routing(app, armley).tags == ""
    assert routing(app, seacroft).status == "received"
    assert audits(app, "routing.bulk", f"{seacroft},{armley}") == []


def test_a_viewer_may_read_but_not_change(app, staff_client, make) -> None:
    mark = marker()
    ident = make(mark)
    viewer = staff_client("viewer", ("armley",))
    page, found = rows(viewer, f"/admin/inbox?q={mark}")
    assert found == [ident] and page.soup.select("main form[method=post]") == []
    for url in (f"/admin/routings/{ident}/status", f"/admin/routings/{ident}/assign", "/admin/inbox/bulk"):
        assert post(viewer, url, {"status": "looking", "routing": ident, "action": "status"}).status_code == 403
    assert routing(app, ident).status == "received"


def test_no_csrf_token_is_refused(app, staff_client, make) -> None:
    ident = make(marker())
    worker = staff_client("staff", ("armley",))
    assert worker.post(f"/admin/routings/{ident}/status", data={"status": "looking"}).status_code == 400
    assert worker.post("/admin/inbox/bulk", data={"routing": ident, "action": "status"}).status_code == 400
    assert routing(app, ident).status == "received"


def test_signed_out_people_are_sent_to_sign_in(client) -> None:
    assert client.get("/admin/inbox").status_code == 302
