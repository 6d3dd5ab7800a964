"""Urgent items on the staff side: the Urgent view and its counts (the inbox's and the header's), the red mark in
each row, the block above every other view, marking and unmarking from the item page (a reason each time, audited,
emailed, refused for whoever may not), the history's sentences, safeguarding contacts, and the hourly check that
tells the citywide admins of urgent items nobody opened within a day (`flask staff urgent-check`).

Each test makes partnerships of its own (rolled back with it), so the counts it reads are exact.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import uuid4

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.clock import utcnow
from app.commands import Actor, CommandRefused, Forbidden, NotFound
from app.commands import safeguarding as safeguarding_commands
from app.commands import system as system_commands
from app.extensions import db
from app.models import AuditEvent, Lcp, OutboxMessage, Routing, StaffUser, Submission, SubmissionEvent
from app.services import item_page
from tests.conftest import Page


@pytest.fixture
def add(app: Flask) -> Callable[..., int]:
    """An item in a partnership, written directly; `marked` (hours ago) makes it urgent as the words list does.
    Returns the submission's id."""

    def add(
        lcp: Lcp | None,
        *,
        marked: float | None = None,
        status: str = "received",
        opened: bool = False,
        body: str = "The bus to the surgery stopped running",
    ) -> int:
        with app.app_context():
            now = utcnow()
            submission = Submission(receipt_code=uuid4().hex[:12].upper(), body=body, created_at=now)
            if marked is not None:
                submission.urgent_at = now - timedelta(hours=marked)
                submission.urgent_words = "hurt myself\nnot safe"
                submission.events.append(
                    SubmissionEvent(kind="urgent", body="hurt myself, not safe", actor="system", public=False)
                )
            if lcp is not None:
                db.session.add(
                    Routing(
                        submission=submission,
                        lcp_id=lcp.id,
                        status=status,
                        created_at=now,
                        opened_at=now if opened else None,
                        closed_at=now if status == "closed" else None,
                    )
                )
            db.session.add(submission)
            db.session.commit()
            return submission.id

    return add


def routing_of(app: Flask, submission_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(Routing.id).where(Routing.submission_id == submission_id))


def listed(client: FlaskClient, url: str) -> tuple[Page, list[int]]:
    response = client.get(url)
    assert response.status_code == 200
    page = Page(response)
    ids = [int(row["id"].removeprefix("routing-")) for row in page.soup.select("tbody tr.app-inbox-row")]
    return page, ids


def nav_links(page: Page) -> list[str]:
    return [" ".join(link.get_text(" ").split()) for link in page.soup.select("nav.app-inbox-views a")]


def post(client: FlaskClient, url: str, data: dict, form_page: str) -> object:
    token = Page(client.get(form_page)).soup.select_one("input[name=csrf_token]")["value"]
    return client.post(url, data={"csrf_token": token, **data})


# The Urgent view, its counts and the marks -------------------------------------------------------------------------


def test_the_urgent_view_holds_the_open_urgent_items_of_the_persons_partnerships(
    app, make_lcp, add, staff_client
) -> None:
    lcp, other = make_lcp(), make_lcp()
    urgent = add(lcp, marked=1)
    add(lcp, marked=2, status="closed")
    add(lcp)
    add(other, marked=1)
    worker = staff_client("staff", (lcp.slug,))

    page, rows = listed(worker, "/admin/inbox?view=urgent")
    assert rows == [routing_of(app, urgent)]
    links = nav_links(page)
    # The first view after "All items", with its count; red while it holds any.
    assert links[1] == "Urgent 1 item"
    assert page.soup.select_one(".app-inbox-views__item--urgent") is not None
    assert page.soup.title.get_text().startswith("Urgent")
    mark = page.soup.select_one(f"#routing-{rows[0]} .app-inbox-row__mark--urgent")
    assert mark is not None and "nhsuk-tag--red" in mark["class"] and mark.get_text() == "Urgent: check today"
    # Each item link keeps the view, for previous and next on the item page.
    assert page.soup.select_one("tbody a.app-inbox-row__link")["href"].endswith("&view=urgent")
    # The row of an item that is not urgent has no such mark.
    _page, every = listed(worker, "/admin/inbox")
    assert len(every) == 3
    assert len(_page.soup.select("tbody .app-inbox-row__mark--urgent")) == 2

    # Closing it takes it out of the view and the counts at once.
    response = post(
        worker,
        "/admin/inbox/bulk",
        {"routing": rows[0], "status": "closed", "reason": "We phoned them"},
        form_page="/admin/inbox",
    )
    assert response.status_code == 303
    page, rows = listed(worker, "/admin/inbox?view=urgent")
    assert rows == [] and nav_links(page)[1] == "Urgent 0 items"
    assert page.soup.select_one(".app-inbox-views__item--urgent") is None


def test_the_header_shows_how_many_urgent_items_wait_on_every_staff_page(app, make_lcp, add, staff_client) -> None:
    lcp, other = make_lcp(), make_lcp()
    worker = staff_client("staff", (lcp.slug,))
    add(other, marked=1)
    for url in ("/admin/", "/admin/inbox", "/admin/account"):
        assert Page(worker.get(url)).soup.select_one("#header-urgent") is None, url
    add(lcp, marked=1)
    add(lcp, marked=3)
    for url in ("/admin/", "/admin/inbox", "/admin/account"):
        page = Page(worker.get(url))
        tag = page.soup.select_one("#header-urgent")
        assert tag is not None, url
        assert " ".join(tag.get_text(" ").split()) == "Urgent 2 urgent items"
        assert "nhsuk-tag--red" in tag["class"]
        assert tag.find_parent("a")["href"] == "/admin/inbox"
        assert tag.select_one(".nhsuk-u-visually-hidden").get_text(strip=True) == "urgent items"
    # A citywide admin counts every partnership's.
    admin = Page(staff_client("admin").get("/admin/")).soup.select_one("#header-urgent")
    assert admin is not None and int(admin.get_text(" ").split()[1]) >= 3


def test_every_other_view_starts_with_the_newest_urgent_items(app, make_lcp, add, staff_client) -> None:
    lcp, other = make_lcp(), make_lcp()
    worker = staff_client("staff", (lcp.slug,))
    add(lcp)
    page, _rows = listed(worker, "/admin/inbox")
    assert page.soup.select_one("#urgent-top") is None
    # Six, marked one to six hours ago; another partnership's and a closed one are not the worker's to see.
    marked = [add(lcp, marked=hours) for hours in range(1, 7)]
    add(lcp, marked=0.5, status="closed")
    add(other, marked=0.5)

    for url in ("/admin/inbox", "/admin/inbox?view=new", "/admin/inbox?view=closed-week", "/admin/inbox?q=bus"):
        page, _rows = listed(worker, url)
        block = page.soup.select_one("#urgent-top")
        assert block is not None, url
        assert block.h2.get_text(strip=True) == "Urgent: check today"
        items = block.select(".app-urgent-top__item")
        # Up to five, the newest marked first, each linked within the Urgent view, with its partnership.
        assert [item.a.get_text(strip=True) for item in items] == [f"Item {ident}" for ident in marked[:5]]
        first = items[0]
        assert first.a["href"] == f"/admin/submissions/{marked[0]}?routing={routing_of(app, marked[0])}&view=urgent"
        assert lcp.name in first.get_text(" ") and "marked" in first.get_text(" ")
        everything = block.select_one(".app-urgent-top__all a")
        assert everything["href"] == "/admin/inbox?view=urgent"
        assert everything.get_text(strip=True) == "Open the Urgent view: all 6 items"
    # The Urgent view itself lists them all instead.
    page, rows = listed(worker, "/admin/inbox?view=urgent")
    assert page.soup.select_one("#urgent-top") is None and len(rows) == 6


# Marking and unmarking ----------------------------------------------------------------------------------------------


def test_a_worker_marks_an_item_urgent_with_a_reason_and_its_safeguarding_contact_is_emailed(
    app, make_lcp, add, staff_client, make_staff
) -> None:
    lcp = make_lcp()
    item = add(lcp)
    contact = make_staff("staff", (lcp.slug,), name="Safe Contact")
    with app.app_context():
        db.session.get(StaffUser, contact.id).safeguarding = True
        db.session.commit()
    worker = staff_client("staff", (lcp.slug,))
    routing = routing_of(app, item)
    page_url = f"/admin/submissions/{item}?routing={routing}&view=new"
    page = Page(worker.get(page_url))
    assert page.soup.select_one("#urgent.nhsuk-card--care--urgent") is None
    details = page.soup.select_one("details#urgent")
    assert details is not None and not details.has_attr("open")
    form = details.select_one("form")
    assert form["action"] == f"/admin/submissions/{item}/urgent?routing={routing}&view=new"

    # No reason: the page again, the box open with its error, nothing changed.
    url = f"/admin/submissions/{item}/urgent?routing={routing}&view=new"
    response = post(worker, url, {"urgent-action": "add", "urgent-reason": "  "}, form_page=page_url)
    assert response.status_code == 200
    page = Page(response)
    assert page.soup.select_one(".nhsuk-error-summary a")["href"] == "#urgent-reason"
    assert page.soup.select_one("details#urgent").has_attr("open")
    # Too long a reason: refused, and what was typed is kept.
    long_reason = "They said they are scared " * 80
    page = Page(post(worker, url, {"urgent-action": "add", "urgent-reason": long_reason}, form_page=page_url))
    assert page.soup.select_one("#urgent-reason").get_text() == long_reason
    assert "2,000" in page.text(".nhsuk-error-summary")
    with app.app_context():
        assert db.session.get(Submission, item).urgent_at is None

    reason = "They said their carer has stopped coming and they cannot get out of bed"
    response = post(worker, url, {"urgent-action": "add", "urgent-reason": reason}, form_page=page_url)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/submissions/{item}?routing={routing}&view=new#urgent"
    page = Page(worker.get(response.headers["Location"]))
    assert "Marked as urgent" in page.text(".nhsuk-notification-banner")
    card = page.soup.select_one("#urgent.nhsuk-card--care--urgent")
    assert card.h2.get_text(strip=True) == "Urgent: check today"
    assert page.text("#urgent-how") == f"Marked by {worker.user.name} because: {reason}"
    assert card.select_one("form textarea#urgent-reason") is not None
    assert f"{worker.user.name} marked it as urgent: {reason}" in page.text("#history-list")
    with app.app_context():
        submission = db.session.get(Submission, item)
        assert submission.urgent_at is not None
        event = db.session.scalar(
            select(SubmissionEvent).where(SubmissionEvent.submission_id == item, SubmissionEvent.kind == "urgent-added")
        )
        assert (event.body, event.staff_id, event.public) == (reason, worker.user.id, False)
        audit = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "submission.urgent-added", AuditEvent.object_id == str(item))
        )
        assert audit.actor_id == worker.user.id and reason in audit.summary
        emails = list(
            db.session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.kind == "staff-urgent", OutboxMessage.to_address == contact.email
                )
            )
        )
        assert len(emails) == 1 and f"item {item}" in emails[0].subject
        # The email names the item and never quotes what was written.
        assert "bus to the surgery" not in emails[0].text_body

    # In the inbox it is now urgent.
    _page, rows = listed(worker, "/admin/inbox?view=urgent")
    assert rows == [routing]


def test_removing_the_mark_needs_a_reason_and_keeps_the_words_that_matched(app, make_lcp, add, staff_client) -> None:
    lcp = make_lcp()
    item = add(lcp, marked=2)
    worker = staff_client("staff", (lcp.slug,))
    page_url = f"/admin/submissions/{item}"
    page = Page(worker.get(page_url))
    assert page.text("#urgent-how") == "What they wrote matched the urgent list: hurt myself, not safe"
    assert "What they wrote matched the urgent list: hurt myself, not safe" in page.text("#history-list")
    url = f"/admin/submissions/{item}/urgent"

    page = Page(post(worker, url, {"urgent-action": "remove", "urgent-reason": ""}, form_page=page_url))
    assert page.soup.select_one(".nhsuk-error-summary a")["href"] == "#urgent-reason"
    assert page.soup.select_one("#urgent.nhsuk-card--care--urgent") is not None

    reason = "We phoned them: they were quoting a film"
    response = post(worker, url, {"urgent-action": "remove", "urgent-reason": reason}, form_page=page_url)
    assert response.status_code == 303
    page = Page(worker.get(response.headers["Location"]))
    assert page.soup.select_one("#urgent.nhsuk-card--care--urgent") is None
    assert page.soup.select_one("details#urgent") is not None
    assert f"{worker.user.name} removed the urgent mark: {reason}" in page.text("#history-list")
    with app.app_context():
        submission = db.session.get(Submission, item)
        assert submission.urgent_at is None and submission.urgent_word_list == ["hurt myself", "not safe"]
        assert db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "submission.urgent-removed", AuditEvent.object_id == str(item)
            )
        )
    # Removing it again (a colleague was quicker): nothing changes, and the page says so.
    response = post(worker, url, {"urgent-action": "remove", "urgent-reason": reason}, form_page=page_url)
    assert response.status_code == 303
    assert "It is not marked as urgent." in Page(worker.get(response.headers["Location"])).text()


def test_only_who_may_change_the_items_work_may_mark_it(app, make_lcp, add, staff_client, make_staff) -> None:
    lcp, other = make_lcp(), make_lcp()
    item = add(lcp)
    url = f"/admin/submissions/{item}/urgent"
    data = {"urgent-action": "add", "urgent-reason": "Worried"}
    stranger = staff_client("staff", (other.slug,))
    assert post(stranger, url, data, form_page="/admin/inbox").status_code == 404
    viewer = staff_client("viewer", (lcp.slug,))
    assert post(viewer, url, data, form_page="/admin/inbox").status_code == 403
    page = Page(viewer.get(f"/admin/submissions/{item}"))
    assert page.soup.select_one("#urgent") is None
    worker = staff_client("staff", (lcp.slug,))
    assert (
        post(worker, url, {"urgent-action": "sideways", "urgent-reason": "x"}, form_page="/admin/inbox").status_code
        == 400
    )
    with app.test_request_context():
        submission = db.session.get(Submission, item)
        assert submission.urgent_at is None
        with pytest.raises(NotFound):
            safeguarding_commands.mark_urgent(Actor.staff(db.session.get(StaffUser, stranger.user.id)), submission, "x")
        with pytest.raises(Forbidden):
            safeguarding_commands.mark_urgent(Actor.staff(db.session.get(StaffUser, viewer.user.id)), submission, "x")
        with pytest.raises(CommandRefused):
            safeguarding_commands.mark_urgent(Actor.cli(), submission, "   ")
        # An item with no partnership yet: citywide admins only.
        unrouted = db.session.get(Submission, add(None))
        with pytest.raises(NotFound):
            safeguarding_commands.mark_urgent(Actor.staff(db.session.get(StaffUser, worker.user.id)), unrouted, "x")
        admin = db.session.get(StaffUser, make_staff("admin").id)
        safeguarding_commands.mark_urgent(Actor.staff(admin), unrouted, "Nobody has it yet")
        assert unrouted.urgent_at is not None
        with pytest.raises(safeguarding_commands.AlreadyUrgent):
            safeguarding_commands.mark_urgent(Actor.staff(admin), unrouted, "Again")


# The history ------------------------------------------------------------------------------------------------------


def test_the_history_says_how_it_became_urgent_and_what_was_done(app, make_lcp, add, make_staff) -> None:
    lcp = make_lcp()
    item = add(lcp)
    sam = make_staff("staff", (lcp.slug,), name="Sam Patel")
    with app.test_request_context():
        submission = db.session.get(Submission, item)
        entries = [
            ("urgent", "system", None, "hurt myself"),
            ("urgent", "person", None, "not safe"),
            ("urgent-added", "staff", sam.id, "They sounded frightened"),
            ("urgent-removed", "staff", sam.id, "We called: they are safe"),
            ("quote-prepared", "staff", sam.id, "a phone number (07700 900123), Sam"),
            ("quote-prepared", "staff", sam.id, ""),
            ("quote-withdrawn", "person", None, ""),
        ]
        for kind, actor, staff_id, body in entries:
            submission.events.append(
                SubmissionEvent(kind=kind, actor=actor, staff_id=staff_id, body=body, public=False)
            )
        db.session.commit()
        user = db.session.get(StaffUser, sam.id)
        texts = [entry.text for entry in item_page.history(db.session.get(Submission, item), user)]
    assert texts[-7:] == [
        "What they wrote matched the urgent list: hurt myself",
        "What they added matched the urgent list: not safe",
        "Sam Patel marked it as urgent: They sounded frightened",
        "Sam Patel removed the urgent mark: We called: they are safe",
        "Sam Patel prepared their words for quoting, removing: a phone number (07700 900123), Sam",
        "Sam Patel prepared their words for quoting, removing nothing",
        "The person withdrew their agreement to be quoted",
    ]


# Safeguarding contacts ----------------------------------------------------------------------------------------------


def test_an_admin_makes_someone_a_safeguarding_contact(app, make_lcp, staff_client, make_staff) -> None:
    lcp = make_lcp()
    person = make_staff("staff", (lcp.slug,), name="Pat Contact")
    admin = staff_client("admin")
    url = f"/admin/staff/{person.id}"
    page = Page(admin.get(url))
    box = page.soup.select_one("#safeguarding")
    assert box is not None and not box.has_attr("checked")
    hint = page.text("#safeguarding-hint")
    assert "When a partnership has no safeguarding contact, the citywide admins are told." in hint
    assert f"No safeguarding contact yet for {lcp.name}." in hint

    response = post(admin, f"{url}/safeguarding", {"safeguarding": "y"}, form_page=url)
    assert response.status_code == 302
    page = Page(admin.get(url))
    assert page.soup.select_one("#safeguarding")["checked"] is not None
    assert "No safeguarding contact yet" not in page.text("#safeguarding-hint")
    listing = Page(admin.get("/admin/staff"))
    row = next(a for a in listing.soup.select("tbody a") if a.get_text(strip=True) == "Pat Contact").find_parent("tr")
    assert "Safeguarding contact" in row.get_text(" ")
    with app.app_context():
        assert db.session.get(StaffUser, person.id).safeguarding is True
        audit = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "staff.safeguarding", AuditEvent.object_id == str(person.id))
        )
        assert audit.actor_id == admin.user.id and '"safeguarding": true' in audit.after

    # Unticked: no longer one.
    post(admin, f"{url}/safeguarding", {}, form_page=url)
    with app.app_context():
        assert db.session.get(StaffUser, person.id).safeguarding is False

    # Only admins: a worker's page is refused, as is the command.
    worker = staff_client("staff", (lcp.slug,))
    assert post(worker, f"{url}/safeguarding", {"safeguarding": "y"}, form_page="/admin/inbox").status_code == 403
    with app.test_request_context():
        user = db.session.get(StaffUser, person.id)
        with pytest.raises(Forbidden):
            safeguarding_commands.set_safeguarding(Actor.staff(db.session.get(StaffUser, worker.user.id)), user, True)
        assert safeguarding_commands.set_safeguarding(Actor.cli(), user, True) is True
        assert safeguarding_commands.set_safeguarding(Actor.cli(), user, True) is False


# The hourly check --------------------------------------------------------------------------------------------------


def told_of(app: Flask, email: str) -> list[OutboxMessage]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.kind == "staff-urgent-unopened", OutboxMessage.to_address == email
                )
            )
        )


def escalated(app: Flask, item: int) -> datetime | None:
    with app.app_context():
        return db.session.get(Submission, item).urgent_escalated_at


def test_the_check_tells_the_admins_once_of_urgent_items_nobody_opened_in_a_day(app, make_lcp, add, make_staff) -> None:
    lcp = make_lcp()
    admin = make_staff("admin")
    waiting = add(lcp, marked=0)
    opened = add(lcp, marked=0, opened=True)
    actor = Actor.system("staff-urgent-check")
    with app.test_request_context():
        # Within the day: quiet.
        assert system_commands.check_urgent(actor, utcnow() + timedelta(hours=23)) == 0
    assert told_of(app, admin.email) == [] and escalated(app, waiting) is None

    later = utcnow() + timedelta(hours=25)
    with app.test_request_context():
        told = system_commands.check_urgent(actor, later)
    assert told >= 1
    emails = told_of(app, admin.email)
    assert len(emails) == 1
    assert f"/admin/submissions/{waiting}" in emails[0].text_body
    assert f"/admin/submissions/{opened}" not in emails[0].text_body
    assert escalated(app, waiting) == later and escalated(app, opened) is None

    # Told once: the next runs say nothing more.
    with app.test_request_context():
        assert system_commands.check_urgent(actor, later + timedelta(hours=1)) == 0
        with pytest.raises(Forbidden):
            system_commands.check_urgent(Actor.staff(db.session.get(StaffUser, admin.id)), later)
    assert len(told_of(app, admin.email)) == 1


def test_flask_staff_urgent_check(app, make_lcp, add, make_staff) -> None:
    lcp = make_lcp()
    admin = make_staff("admin")
    item = add(lcp, marked=30)
    result = app.test_cli_runner().invoke(args=["staff", "urgent-check"])
    assert result.exit_code == 0, result.output
    assert "Urgent items not opened for a day:" in result.output and "admins are told" in result.output
    assert escalated(app, item) is not None
    assert len(told_of(app, admin.email)) == 1
    again = app.test_cli_runner().invoke(args=["staff", "urgent-check"])
    assert again.exit_code == 0 and "none" in again.output
