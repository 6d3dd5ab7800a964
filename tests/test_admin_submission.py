"""The staff page for one submission: what it shows, who may see it, contact details on request (audited),
notes, sharing with another LCP, duplicates, published replies, and entering a submission on someone's behalf.
"""

from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

import pytest
from flask import Flask
from sqlalchemy import delete, func, select

from app.commands import Actor
from app.commands import casework as casework_commands
from app.commands import sharing as sharing_commands
from app.extensions import db
from app.models import AuditEvent, OutboxMessage, PublishedResponse, Routing, RoutingNote, Submission
from app.services import sharing
from app.services.people import lcps_by_slug
from app.services.sharing import ContactInput, ShareInput
from tests.conftest import Page


@pytest.fixture(autouse=True)
def forget_new_submissions(app: Flask) -> Iterator[None]:
    """Submissions made here (with their routings, notes, replies, history and mail) go afterwards, and so do the
    audit records made meanwhile: their object ids may be reused by the next test's rows."""
    with app.app_context():
        before = db.session.scalar(select(func.max(Submission.id))) or 0
        audits = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    yield
    with app.app_context():
        db.session.execute(delete(Submission).where(Submission.id > before))
        db.session.execute(delete(AuditEvent).where(AuditEvent.id > audits))
        db.session.commit()


def address() -> str:
    return f"casework-{uuid4().hex[:12]}@example.org"


@pytest.fixture
def made(app: Flask):
    """Makes a submission to these LCPs through the public path; returns (id, receipt code as XXXX-XXXX, email)."""

    def make(lcps=("armley",), body: str | None = None, updates: bool = False, words: bool = False):
        body = body or f"The bus stop <b>outside</b> the surgery\nhas gone {uuid4().hex}"
        email = address() if updates else None
        with app.test_request_context():
            shared = sharing_commands.share(
                Actor.resident(),
                ShareInput(
                    body=body,
                    lcps=lcps_by_slug(list(lcps)),
                    may_publish_words=words,
                    contact=ContactInput(email=email, name="Pat Example", may_contact=True, wants_updates=True)
                    if email
                    else None,
                ),
            )
            submission = shared.submission
            return submission.id, sharing.format_code(submission.receipt_code), email

    return make


def url(submission_id: int, action: str = "") -> str:
    return f"/admin/submissions/{submission_id}" + (f"/{action}" if action else "")


def routing_id(app: Flask, submission_id: int, slug: str) -> int:
    with app.app_context():
        submission = db.session.get(Submission, submission_id)
        return next(routing.id for routing in submission.routings if routing.lcp.slug == slug)


def outbox_to(app: Flask, email: str, kind: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.to_address == email, OutboxMessage.kind == kind)
        )


# Seeing it ---------------------------------------------------------------------------------------------------------


def test_page_shows_the_words_escaped_with_line_breaks_and_the_history(staff_client, made):
    submission_id, code, _email = made(body="First line <script>x</script>\nSecond line")
    client = staff_client("staff", ("armley",))
    page = Page(client.get(url(submission_id)))
    assert page.response.status_code == 200
    assert page.response.headers["Cache-Control"] == "no-store"
    paragraphs = [p.get_text() for p in page.soup.select("#submission-body p")]
    assert paragraphs == ["First line <script>x</script>", "Second line"]
    assert "<script>x" not in page.response.get_data(as_text=True)
    assert code in page.text()
    assert "It was received." in page.text("#history-list")
    assert "The person did not leave contact details" in page.text()


def test_another_lcps_worker_gets_404_on_the_page_and_every_post(app, staff_client, made):
    submission_id, _code, _email = made(("armley",), updates=True)
    routing = routing_id(app, submission_id, "armley")
    client = staff_client("staff", ("seacroft",))
    assert client.get(url(submission_id)).status_code == 404
    token = Page(client.get("/admin/submissions/new")).soup.select_one("input[name=csrf_token]")["value"]
    for target in (
        url(submission_id, "contact"),
        url(submission_id, "share"),
        url(submission_id, "duplicate"),
        f"/admin/routings/{routing}/notes",
        f"/admin/routings/{routing}/respond",
    ):
        assert client.post(target, data={"csrf_token": token}).status_code == 404, target


def test_other_lcps_routings_show_only_name_and_status(app, staff_client, made):
    submission_id, _code, _email = made(("armley", "seacroft"))
    with app.app_context():
        seacroft = db.session.get(Routing, routing_id(app, submission_id, "seacroft"))
        db.session.add(RoutingNote(routing=seacroft, body="Seacroft-only note"))
        db.session.commit()
    page = Page(staff_client("staff", ("armley",)).get(url(submission_id)))
    assert "Seacroft-only note" not in page.text()
    others = page.text("#other-routings")
    assert "Seacroft" in others and "Received" in others


def test_a_viewer_may_read_but_not_change_or_see_contact(app, staff_client, made):
    submission_id, _code, email = made(("armley",), updates=True)
    routing = routing_id(app, submission_id, "armley")
    client = staff_client("viewer", ("armley",))
    page = Page(client.get(url(submission_id)))
    assert page.response.status_code == 200
    assert "The person left contact details." in page.text()
    assert email not in page.text()
    assert not page.soup.select("form[action$='/contact']")
    token = page.soup.select_one("meta[name=csrf-token]")["content"]
    for target in (
        url(submission_id, "contact"),
        url(submission_id, "share"),
        url(submission_id, "duplicate"),
        f"/admin/routings/{routing}/notes",
        f"/admin/routings/{routing}/respond",
    ):
        assert client.post(target, data={"csrf_token": token}).status_code == 403, target


def test_showing_contact_details_is_audited_every_time(app, staff_client, staff_post, made):
    submission_id, _code, email = made(("armley",), updates=True)
    client = staff_client("staff", ("armley",))
    page = Page(client.get(url(submission_id)))
    assert email not in page.response.get_data(as_text=True)
    for _time in range(2):
        shown = Page(staff_post(client, url(submission_id, "contact"), {}, form_page=url(submission_id)))
        assert shown.response.status_code == 200
        assert email in shown.text("#contact-details")
        assert "Pat Example" in shown.text("#contact-details")
    with app.app_context():
        views = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "submission.contact-viewed", AuditEvent.object_id == str(submission_id)
            )
        ).all()
        assert len(views) == 2
        assert {event.actor_id for event in views} == {client.user.id}


# Changing it --------------------------------------------------------------------------------------------------------


def test_a_note_is_added_and_shown(app, staff_client, staff_post, made):
    submission_id, _code, _email = made(("armley",))
    routing = routing_id(app, submission_id, "armley")
    client = staff_client("staff", ("armley",))
    response = staff_post(
        client,
        f"/admin/routings/{routing}/notes",
        {f"note-{routing}-body": "Rang the practice"},
        form_page=url(submission_id),
    )
    assert response.status_code == 303
    page = Page(client.get(url(submission_id)))
    assert "Rang the practice" in page.text(f"#routing-{routing}-notes")
    with app.app_context():
        note = db.session.scalar(select(RoutingNote).where(RoutingNote.routing_id == routing))
        assert note.author_id == client.user.id
        assert db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "routing.note-added", AuditEvent.object_id == str(note.id))
        )


def test_an_empty_note_says_what_to_do(app, staff_client, staff_post, made):
    submission_id, _code, _email = made(("armley",))
    routing = routing_id(app, submission_id, "armley")
    client = staff_client("staff", ("armley",))
    page = Page(staff_post(client, f"/admin/routings/{routing}/notes", {}, form_page=url(submission_id)))
    assert page.response.status_code == 200
    assert page.soup.title.get_text().startswith("Error:")
    assert "Write the note" in page.text(".nhsuk-error-summary")


def test_sharing_with_another_lcp_shows_both_statuses_on_track(app, client, staff_client, staff_post, made):
    submission_id, code, _email = made(("armley",))
    armley = routing_id(app, submission_id, "armley")
    with app.app_context():
        casework_commands.change_status(Actor.cli(), db.session.get(Routing, armley), "looking")
    worker = staff_client("staff", ("armley",))
    response = staff_post(worker, url(submission_id, "share"), {"lcp": "seacroft"}, form_page=url(submission_id))
    assert response.status_code == 303
    track = Page(client.get(f"/track/{code}"))
    statuses = track.text("#statuses")
    assert "Armley" in statuses and "Being looked at" in statuses
    assert "Seacroft" in statuses and "Received" in statuses
    with app.app_context():
        submission = db.session.get(Submission, submission_id)
        routed = next(event for event in submission.events if event.kind == "routed")
        assert routed.staff_id == worker.user.id
        assert db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "submission.shared", AuditEvent.object_id == str(submission_id)
            )
        )
    # Already routed LCPs are not offered again.
    page = Page(worker.get(url(submission_id)))
    offered = [option["value"] for option in page.soup.select("#lcp option")]
    assert "seacroft" not in offered and "armley" not in offered


def test_marking_a_duplicate_closes_it_and_emails_its_person(app, staff_client, staff_post, made):
    original_id, original_code, _email = made(("armley",))
    duplicate_id, _duplicate_code, email = made(("armley",), updates=True)
    client = staff_client("staff", ("armley",))
    before = outbox_to(app, email, "status-changed")
    response = staff_post(
        client, url(duplicate_id, "duplicate"), {"code": original_code.lower()}, form_page=url(duplicate_id)
    )
    assert response.status_code == 303
    assert outbox_to(app, email, "status-changed") == before + 1
    with app.app_context():
        duplicate = db.session.get(Submission, duplicate_id)
        assert duplicate.duplicate_of_id == original_id
        assert duplicate.routings[0].status == "closed"
        assert duplicate.routings[0].status_reason == "The same as another report, which we are handling"
        event = [event for event in duplicate.events if event.kind == "status"][-1]
        assert event.staff_id == client.user.id
    page = Page(client.get(url(duplicate_id)))
    assert page.links("#duplicate-of") == {original_code: url(original_id)}


def test_a_duplicate_of_a_submission_you_cannot_see_is_refused(staff_client, staff_post, made):
    _hidden_id, hidden_code, _email = made(("seacroft",))
    submission_id, _code, _email = made(("armley",))
    client = staff_client("staff", ("armley",))
    page = Page(
        staff_post(client, url(submission_id, "duplicate"), {"code": hidden_code}, form_page=url(submission_id))
    )
    assert page.response.status_code == 200
    assert "No submission you can see has that receipt code" in page.text(".nhsuk-error-summary")


def test_publishing_a_reply_shows_on_track_and_the_lcp_page_and_emails(app, client, staff_client, staff_post, made):
    submission_id, code, email = made(("armley",), updates=True, words=True)
    routing = routing_id(app, submission_id, "armley")
    worker = staff_client("staff", ("armley",))
    page = Page(worker.get(url(submission_id)))
    # They agreed to be quoted, but their words are not prepared yet: the reply form links to preparing them.
    assert page.soup.select_one(f"input[name=respond-{routing}-quote_words]") is None
    assert page.soup.select_one(f"#routing-{routing} a[href^='{url(submission_id, 'quote')}']") is not None
    we_did = f"We moved the bus stop back {uuid4().hex}"
    response = staff_post(
        worker,
        f"/admin/routings/{routing}/respond",
        {f"respond-{routing}-you_said": "The bus stop had gone", f"respond-{routing}-we_did": we_did},
        form_page=url(submission_id),
    )
    assert response.status_code == 303
    assert we_did in Page(client.get(f"/track/{code}")).text()
    assert we_did in Page(client.get("/lcps/armley")).text()
    assert outbox_to(app, email, "reply-published") == 1
    with app.app_context():
        published = db.session.scalar(select(PublishedResponse).where(PublishedResponse.submission_id == submission_id))
        assert published.we_did == we_did
        assert db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "submission.response-published", AuditEvent.object_id == str(published.id)
            )
        )


def test_a_reply_needs_both_parts(app, staff_client, staff_post, made):
    submission_id, _code, _email = made(("armley",))
    routing = routing_id(app, submission_id, "armley")
    worker = staff_client("staff", ("armley",))
    page = Page(worker.get(url(submission_id)))
    assert page.soup.select_one(f"input[name=respond-{routing}-quote_words]") is None
    page = Page(
        staff_post(
            worker,
            f"/admin/routings/{routing}/respond",
            {f"respond-{routing}-you_said": "Something"},
            form_page=url(submission_id),
        )
    )
    assert page.response.status_code == 200
    assert "Write what the partnership did about it" in page.text(".nhsuk-error-summary")


# Entering on someone's behalf ---------------------------------------------------------------------------------------


def test_a_phone_submission_is_stored_with_its_source_and_who_entered_it(app, staff_client, staff_post):
    client = staff_client("staff", ("armley",))
    form = Page(client.get("/admin/submissions/new"))
    offered = [option["value"] for option in form.soup.select("#lcp option") if option["value"]]
    assert offered == ["armley"]
    body = f"Rang about the pharmacy hours {uuid4().hex}"
    response = staff_post(
        client,
        "/admin/submissions/new",
        {
            "source": "phone",
            "body": body,
            "lcp": "armley",
            "form_key": form.soup.select_one("input[name=form_key]")["value"],
        },
    )
    assert response.status_code == 303
    with app.app_context():
        submission = db.session.scalar(select(Submission).where(Submission.body == body))
        assert submission.source == "phone"
        assert submission.entered_by_id == client.user.id
        assert submission.contact is None
        assert [routing.lcp.slug for routing in submission.routings] == ["armley"]
        assert submission.events[0].staff_id == client.user.id
        assert response.headers["Location"].endswith(url(submission.id))
        assert db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "submission.entered", AuditEvent.object_id == str(submission.id)
            )
        )
    page = Page(client.get(url(submission.id)))
    assert "By phone" in page.text("#source")


def test_entry_needs_a_source_and_one_of_the_persons_lcps(staff_client, staff_post):
    client = staff_client("staff", ("armley",))
    page = Page(staff_post(client, "/admin/submissions/new", {"body": "Something", "lcp": "seacroft"}))
    assert page.response.status_code == 200
    summary = page.text(".nhsuk-error-summary")
    assert "Choose whether it came by phone, on paper or at an event" in summary
    assert "Choose the partnership that should hear it" in summary


def test_posts_without_a_csrf_token_are_refused(app, staff_client, made):
    submission_id, _code, _email = made(("armley",), updates=True)
    routing = routing_id(app, submission_id, "armley")
    client = staff_client("staff", ("armley",))
    for target, data in (
        (url(submission_id, "contact"), {}),
        (url(submission_id, "share"), {"lcp": "seacroft"}),
        (url(submission_id, "duplicate"), {"code": "ABCD-2345"}),
        (f"/admin/routings/{routing}/notes", {f"note-{routing}-body": "x"}),
        (f"/admin/routings/{routing}/respond", {f"respond-{routing}-you_said": "x", f"respond-{routing}-we_did": "y"}),
        ("/admin/submissions/new", {"source": "phone", "body": "x", "lcp": "armley"}),
    ):
        assert client.post(target, data=data).status_code == 400, target


def test_staff_see_a_follow_ups_words_and_an_admin_sees_any_submission(app, staff_client, made):
    submission_id, _code, _email = made(("seacroft",), updates=True)
    words = f"It happened again on Tuesday {uuid4().hex}"
    with app.test_request_context():
        sharing_commands.add_follow_up(Actor.resident(), db.session.get(Submission, submission_id).contact, words)
    page = Page(staff_client("admin").get(url(submission_id)))
    assert page.response.status_code == 200
    assert words in page.text("#history-list")
