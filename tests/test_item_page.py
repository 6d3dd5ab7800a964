"""The item page as a worker lives in it, through the test client (no scripts): the status, assignee and tags forms
near the top, with their errors and what was typed kept; the version check that refuses a change to an item someone
else changed meanwhile and says what they did; previous and next within the inbox view it was opened from; opening
it marks it seen; a reply moves the status and sends one email; a reply template fills the reply box; the history
reads as sentences naming who did what.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit
from uuid import uuid4

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.clock import utcnow
from app.commands import Actor, replies
from app.commands import casework as casework_commands
from app.commands import sharing as sharing_commands
from app.extensions import db
from app.models import AuditEvent, Lcp, OutboxMessage, Routing, StaffUser, Submission
from app.services import sharing
from app.services.people import lcps_by_slug
from app.services.sharing import ContactInput, ShareInput
from tests.conftest import Page

LCP = "armley"


@pytest.fixture
def made(app: Flask):
    """Shares something with these partnerships through the public path; returns (submission id, code, email)."""

    def make(lcps=(LCP,), body: str | None = None, updates: bool = False, language: str = "", ago: float = 0):
        email = f"item-{uuid4().hex[:12]}@example.org" if updates else None
        with app.test_request_context():
            submission = sharing_commands.share(
                Actor.resident(),
                ShareInput(
                    body=body or f"The lift at the clinic is broken {uuid4().hex}",
                    lcps=lcps_by_slug(list(lcps)),
                    contact=ContactInput(email=email, wants_updates=True) if email else None,
                    language=language,
                ),
            ).submission
            if ago:
                moment = utcnow() - timedelta(minutes=ago)
                submission.created_at = moment
                for routing in submission.routings:
                    routing.created_at = moment
                db.session.commit()
            return submission.id, sharing.format_code(submission.receipt_code), email

    return make


def routing_of(app: Flask, submission_id: int, slug: str = LCP) -> Routing:
    with app.app_context():
        routing = db.session.scalar(
            select(Routing).join(Lcp).where(Routing.submission_id == submission_id, Lcp.slug == slug)
        )
        db.session.expunge(routing)
        return routing


def fresh(app: Flask, routing_id: int) -> Routing:
    with app.app_context():
        routing = db.session.get(Routing, routing_id)
        db.session.expunge(routing)
        return routing


def item(submission_id: int, **args: str) -> str:
    query = "&".join(f"{name}={value}" for name, value in args.items())
    return f"/admin/submissions/{submission_id}" + (f"?{query}" if query else "")


def mail(app: Flask, to: str, kind: str | None = None) -> list[str]:
    with app.app_context():
        query = select(OutboxMessage.kind).where(OutboxMessage.to_address == to).order_by(OutboxMessage.id)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        return list(db.session.scalars(query))


@pytest.fixture
def worker(staff_client):
    return staff_client("staff", (LCP,))


# The work forms -----------------------------------------------------------------------------------------------------


def test_status_assignee_and_tags_change_from_the_page_and_come_back_to_it(app, worker, staff_post, made):
    submission_id, _code, _email = made()
    routing = routing_of(app, submission_id)
    page = Page(worker.get(item(submission_id)))
    work = page.soup.select_one(f"#work-{routing.id}")
    assert [label.get_text(strip=True) for label in work.select("label")] == [
        "Status",
        "Reason the person reads",
        "Your own words",
        "Assigned to",
        "Tags",
    ]
    assert work.select_one(f"input[name='status-{routing.id}-version']")["value"] == "1"

    response = staff_post(
        worker,
        f"/admin/items/{routing.id}/status?routing={routing.id}&q=lift",
        {
            f"status-{routing.id}-status": "looking",
            f"status-{routing.id}-reason": "",
            f"status-{routing.id}-version": "1",
        },
        form_page=item(submission_id),
    )
    assert response.status_code == 303
    back = urlsplit(response.headers["Location"])
    assert back.path == f"/admin/submissions/{submission_id}" and back.fragment == f"work-{routing.id}"
    assert parse_qs(back.query) == {"routing": [str(routing.id)], "q": ["lift"]}
    page = Page(worker.get(response.headers["Location"]))
    assert "Armley Local Care Partnership: the status is now Looking at it." in page.text(".nhsuk-notification-banner")
    assert page.text(f"#routing-{routing.id}-status") == "Looking at it"
    assert fresh(app, routing.id).version == 2

    response = staff_post(
        worker,
        f"/admin/items/{routing.id}/assign",
        {
            f"assign-{routing.id}-to_me": "1",
            f"assign-{routing.id}-assignee": "none",
            f"assign-{routing.id}-version": "2",
        },
        form_page=item(submission_id),
    )
    assert response.status_code == 303
    response = staff_post(
        worker,
        f"/admin/items/{routing.id}/tags",
        {f"tags-{routing.id}-tags": "Winter, lifts", f"tags-{routing.id}-version": "3"},
        form_page=item(submission_id),
    )
    assert response.status_code == 303
    changed = fresh(app, routing.id)
    assert (changed.status, changed.assignee_id, changed.tags, changed.version) == (
        "looking",
        worker.user.id,
        "winter lifts",
        4,
    )
    page = Page(worker.get(item(submission_id)))
    assert page.text(f"#routing-{routing.id}-assignee") == "Test staff"
    history = page.text("#history-list")
    assert "Test staff changed the status to Looking at it." in history
    assert "Test staff assigned it to Test staff." in history
    assert "Test staff added the tags winter, lifts." in history
    # Assigning themselves sends them nothing.
    assert mail(app, worker.user.email) == []


def test_closing_without_a_reason_is_refused_with_the_choice_kept(app, worker, staff_post, made):
    submission_id, _code, _email = made()
    routing = routing_of(app, submission_id)
    page = Page(
        staff_post(
            worker,
            f"/admin/items/{routing.id}/status",
            {f"status-{routing.id}-status": "closed", f"status-{routing.id}-version": "1"},
            form_page=item(submission_id),
        )
    )
    assert page.response.status_code == 200
    assert page.soup.title.get_text().startswith("Error:")
    summary = page.soup.select_one(".nhsuk-error-summary")
    link = summary.select_one("a")
    assert link["href"] == f"#status-{routing.id}-plain_reason"
    assert "Enter why the item is being closed" in link.get_text()
    assert "Enter why the item is being closed" in page.text(f"#status-{routing.id}-plain_reason-error")
    assert page.soup.select_one(f"#status-{routing.id}-status option[selected]")["value"] == "closed"
    assert (fresh(app, routing.id).status, fresh(app, routing.id).version) == ("received", 1)


def test_a_change_to_an_item_someone_else_changed_meanwhile_is_refused_and_says_what_they_did(
    app, worker, staff_post, made, make_staff
):
    submission_id, _code, _email = made()
    routing = routing_of(app, submission_id)
    other = make_staff("staff", (LCP,), name="Sam Patel")
    drawn = Page(worker.get(item(submission_id)))
    token = drawn.soup.select_one("input[name=csrf_token]")["value"]
    with app.app_context():
        casework_commands.change_status(
            Actor.staff(db.session.get(StaffUser, other.id)), db.session.get(Routing, routing.id), "looking", "", 1
        )
    audits = audit_count(app)

    page = Page(
        worker.post(
            f"/admin/items/{routing.id}/tags?routing={routing.id}",
            data={"csrf_token": token, f"tags-{routing.id}-tags": "my careful tags", f"tags-{routing.id}-version": "1"},
        )
    )
    assert page.response.status_code == 200
    assert page.soup.title.get_text().startswith("Error:")
    conflict = page.text("#conflict")
    assert "Someone else changed this item since you opened it" in conflict
    assert "Sam Patel changed the status to Looking at it" in conflict
    # The item as it is now, and what this person typed, ready to send again from the new version.
    assert page.text(f"#routing-{routing.id}-status") == "Looking at it"
    assert page.soup.select_one(f"#tags-{routing.id}-tags")["value"] == "my careful tags"
    assert page.soup.select_one(f"input[name='tags-{routing.id}-version']")["value"] == "2"
    changed = fresh(app, routing.id)
    assert (changed.tags, changed.version) == ("", 2)
    assert audit_count(app) == audits

    again = worker.post(
        f"/admin/items/{routing.id}/tags",
        data={"csrf_token": token, f"tags-{routing.id}-tags": "my careful tags", f"tags-{routing.id}-version": "2"},
    )
    assert again.status_code == 303
    assert fresh(app, routing.id).tags == "my careful tags"


def audit_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AuditEvent.id)))


def test_assigning_someone_else_emails_them(app, worker, staff_post, made, make_staff):
    submission_id, _code, _email = made()
    routing = routing_of(app, submission_id)
    colleague = make_staff("staff", (LCP,), name="Jo Bloggs")
    page = Page(worker.get(item(submission_id)))
    offered = [option.get_text() for option in page.soup.select(f"#assign-{routing.id}-assignee option")]
    assert offered[0] == "Nobody" and "Jo Bloggs" in offered and "Test staff" in offered
    response = staff_post(
        worker,
        f"/admin/items/{routing.id}/assign",
        {f"assign-{routing.id}-assignee": str(colleague.id), f"assign-{routing.id}-version": "1"},
        form_page=item(submission_id),
    )
    assert response.status_code == 303
    assert mail(app, colleague.email) == ["staff-assigned"]
    page = Page(worker.get(item(submission_id)))
    assert "Test staff assigned it to Jo Bloggs." in page.text("#history-list")


def test_a_viewer_reads_the_work_but_has_no_forms_and_does_not_mark_it_opened(app, staff_client, made):
    submission_id, _code, _email = made()
    routing = routing_of(app, submission_id)
    viewer = staff_client("viewer", (LCP,))
    page = Page(viewer.get(item(submission_id)))
    assert page.response.status_code == 200
    assert page.text(f"#routing-{routing.id}-status") == "Received"
    assert not page.soup.select(f"#work-{routing.id} form")
    assert fresh(app, routing.id).opened_at is None
    token = page.soup.select_one("meta[name=csrf-token]")["content"]
    for action in ("status", "assign", "tags"):
        assert viewer.post(f"/admin/items/{routing.id}/{action}", data={"csrf_token": token}).status_code == 403


def test_another_partnerships_routing_is_not_found_by_the_work_forms(app, staff_client, made):
    submission_id, _code, _email = made(("seacroft",))
    routing = routing_of(app, submission_id, "seacroft")
    outsider = staff_client("staff", (LCP,))
    token = Page(outsider.get("/admin/submissions/new")).soup.select_one("input[name=csrf_token]")["value"]
    for action in ("status", "assign", "tags"):
        response = outsider.post(
            f"/admin/items/{routing.id}/{action}",
            data={
                "csrf_token": token,
                f"{action}-{routing.id}-status": "looking",
                f"{action}-{routing.id}-version": "1",
            },
        )
        assert response.status_code == 404, action
    assert fresh(app, routing.id).status == "received"


# Opening it -----------------------------------------------------------------------------------------------------------


def test_opening_the_page_marks_the_persons_partnerships_routings_seen_without_auditing(
    app, worker, made, staff_client
):
    submission_id, _code, _email = made((LCP, "seacroft"))
    armley, seacroft = routing_of(app, submission_id), routing_of(app, submission_id, "seacroft")
    audits = audit_count(app)
    assert worker.get(item(submission_id)).status_code == 200
    opened = fresh(app, armley.id).opened_at
    assert opened is not None
    assert fresh(app, seacroft.id).opened_at is None
    assert fresh(app, armley.id).version == 1
    assert audit_count(app) == audits
    # The first opening stays the one recorded.
    worker.get(item(submission_id))
    assert fresh(app, armley.id).opened_at == opened


# Previous and next --------------------------------------------------------------------------------------------------


def test_previous_and_next_follow_the_inbox_view_it_was_opened_from(app, worker, made):
    word = f"escalator{uuid4().hex[:8]}"
    newest, middle, oldest = (
        made(body=f"The {word} is stuck, report {n}", ago=ago)[0] for n, ago in ((1, 1), (2, 2), (3, 3))
    )
    made(body="Something else entirely", ago=1.5)
    routings = {ident: routing_of(app, ident).id for ident in (newest, middle, oldest)}

    page = Page(worker.get(item(middle, routing=str(routings[middle]), q=word)))
    assert page.text("#item-position") == "Item 2 of 3 in this view"
    previous = page.soup.select_one("[data-app-shortcut=previous]")
    following = page.soup.select_one("[data-app-shortcut=next]")
    assert previous["href"] == item(newest, routing=str(routings[newest]), q=word)
    assert following["href"] == item(oldest, routing=str(routings[oldest]), q=word)
    assert page.links(".app-item-nav")["Back to the inbox"] == f"/admin/inbox?q={word}"

    page = Page(worker.get(item(newest, routing=str(routings[newest]), q=word)))
    assert page.text("#item-position") == "Item 1 of 3 in this view"
    assert page.soup.select_one("[data-app-shortcut=previous]") is None

    oldest_first = Page(worker.get(item(middle, routing=str(routings[middle]), q=word, sort="oldest")))
    assert oldest_first.soup.select_one("[data-app-shortcut=previous]")["href"] == item(
        oldest, routing=str(routings[oldest]), q=word, sort="oldest"
    )
    assert oldest_first.soup.select_one("[data-app-shortcut=next]")["href"] == item(
        newest, routing=str(routings[newest]), q=word, sort="oldest"
    )


def test_a_saved_view_narrows_previous_and_next_and_travels_with_them(app, worker, made):
    word = f"ramp{uuid4().hex[:8]}"
    newest, middle, oldest = (
        made(body=f"The {word} is steep, report {n}", ago=ago)[0] for n, ago in ((1, 1), (2, 2), (3, 3))
    )
    routings = {ident: routing_of(app, ident).id for ident in (newest, middle, oldest)}
    with app.app_context():
        casework_commands.assign(
            Actor.staff(db.session.get(StaffUser, worker.user.id)), db.session.get(Routing, routings[middle]), "none"
        )
        casework_commands.assign(
            Actor.staff(db.session.get(StaffUser, worker.user.id)),
            db.session.get(Routing, routings[newest]),
            str(worker.user.id),
        )
    page = Page(worker.get(item(oldest, routing=str(routings[oldest]), view="unassigned", q=word)))
    assert page.text("#item-position") == "Item 2 of 2 in this view"
    assert page.soup.select_one("[data-app-shortcut=previous]")["href"] == item(
        middle, routing=str(routings[middle]), view="unassigned", q=word
    )
    assert page.soup.select_one("[data-app-shortcut=next]") is None
    # Its forms come back to the same view.
    action = page.soup.select_one(f"#work-{routings[oldest]} form")["action"]
    assert parse_qs(urlsplit(action).query) == {
        "routing": [str(routings[oldest])],
        "view": ["unassigned"],
        "q": [word],
    }


def test_without_a_view_previous_and_next_walk_all_the_persons_items(app, worker, made):
    # Minutes no other test uses: an item another test makes meanwhile must not fall between the two.
    newer, older = made(ago=7777.125)[0], made(ago=7777.25)[0]
    page = Page(worker.get(item(older)))
    assert page.soup.select_one("[data-app-shortcut=previous]")["href"] == item(
        newer, routing=str(routing_of(app, newer).id)
    )
    assert "in this view" in page.text("#item-position")


# Replies ------------------------------------------------------------------------------------------------------------


def reply(worker, staff_post, routing_id: int, submission_id: int, **fields: str):
    prefix = f"respond-{routing_id}-"
    data = {f"{prefix}you_said": "The lift was broken", f"{prefix}we_did": "We had it mended", f"{prefix}version": "1"}
    data.update({f"{prefix}{name}": value for name, value in fields.items()})
    return staff_post(worker, f"/admin/routings/{routing_id}/respond", data, form_page=item(submission_id))


def test_a_reply_moves_a_received_item_to_acted_on_with_one_email(app, client, worker, staff_post, made):
    submission_id, code, email = made(updates=True)
    routing = routing_of(app, submission_id)
    page = Page(worker.get(item(submission_id)))
    assert page.soup.select_one(f"input[name='respond-{routing.id}-then'][checked]")["value"] == "acted"
    response = reply(worker, staff_post, routing.id, submission_id, then="acted")
    assert response.status_code == 303
    assert fresh(app, routing.id).status == "acted"
    assert mail(app, email) == ["receipt", "reply-published"]
    track = Page(client.get(f"/track/{code}"))
    assert "Acted on" in track.text("#statuses")
    assert "We had it mended" in track.text()
    history = Page(worker.get(item(submission_id))).text("#history-list")
    assert "Test staff published a reply for Armley Local Care Partnership: We had it mended" in history
    assert "Test staff changed the status to Acted on." in history


def test_a_reply_can_leave_the_status_or_close_it_with_a_reason(app, worker, staff_post, made):
    submission_id, _code, _email = made()
    routing = routing_of(app, submission_id)
    assert reply(worker, staff_post, routing.id, submission_id, then="leave").status_code == 303
    assert (fresh(app, routing.id).status, fresh(app, routing.id).version) == ("received", 2)

    page = Page(reply(worker, staff_post, routing.id, submission_id, then="closed", version="2"))
    assert page.response.status_code == 200
    assert "Enter why the item is being closed" in page.text(f"#respond-{routing.id}-plain_reason-error")
    assert page.soup.select_one(f"#respond-{routing.id}-we_did").get_text() == "We had it mended"
    with app.app_context():
        assert len(db.session.get(Submission, submission_id).responses) == 1

    closing = reply(worker, staff_post, routing.id, submission_id, then="closed", reason="Mended", version="2")
    assert closing.status_code == 303
    closed = fresh(app, routing.id)
    assert (closed.status, closed.status_reason) == ("closed", "Mended")


def test_a_template_fills_the_reply_box_in_the_items_language_and_chooses_its_status(app, worker, made):
    submission_id, _code, _email = made(language="pl")
    routing = routing_of(app, submission_id)
    with app.test_request_context():
        lcp = db.session.scalar(select(Lcp).where(Lcp.slug == LCP))
        template = replies.create_template(Actor.cli(), lcp, "Fixed", "We fixed it.", "closed")
        replies.save_template_translation(Actor.cli(), template, "pl", "Naprawiliśmy to.")
        citywide = replies.create_template(Actor.cli(), None, "Thanks", "Thank you for telling us.")
        template_id, citywide_id = template.id, citywide.id
    page = Page(worker.get(item(submission_id)))
    offered = {option["value"]: option.get_text() for option in page.soup.select(f"#template-{routing.id} option")}
    assert offered[str(template_id)] == "Fixed" and offered[str(citywide_id)] == "Thanks (citywide)"
    assert page.soup.select_one(f"#respond-{routing.id}-we_did").get_text() == ""

    page = Page(
        worker.get(item(submission_id, routing=str(routing.id), reply_for=str(routing.id), template=str(template_id)))
    )
    assert page.soup.select_one(f"#respond-{routing.id}-we_did").get_text() == "Naprawiliśmy to."
    assert page.soup.select_one(f"input[name='respond-{routing.id}-then'][checked]")["value"] == "closed"
    assert "Edit it before you publish: nothing has been published." in page.text(f"#template-chosen-{routing.id}")
    with app.app_context():
        assert db.session.get(Submission, submission_id).responses == []

    # Another partnership's template is not offered, and asking for it fills nothing.
    with app.test_request_context():
        seacroft = db.session.scalar(select(Lcp).where(Lcp.slug == "seacroft"))
        hidden = replies.create_template(Actor.cli(), seacroft, "Seacroft only", "Seacroft words.").id
    page = Page(worker.get(item(submission_id, reply_for=str(routing.id), template=str(hidden))))
    assert str(hidden) not in {option["value"] for option in page.soup.select(f"#template-{routing.id} option")}
    assert page.soup.select_one(f"#respond-{routing.id}-we_did").get_text() == ""


# The history ----------------------------------------------------------------------------------------------------------


def test_the_history_names_who_did_what_and_a_former_member_of_staff(app, worker, made, make_staff):
    submission_id, _code, _email = made()
    routing = routing_of(app, submission_id)
    gone = make_staff("staff", (LCP,), name="Former Worker")
    with app.app_context():
        actor = Actor.staff(db.session.get(StaffUser, gone.id))
        row = db.session.get(Routing, routing.id)
        casework_commands.tag(actor, row, "winter buses")
        casework_commands.tag(actor, row, "buses")
        casework_commands.assign(actor, row, str(gone.id))
        casework_commands.assign(actor, row, "none")
        db.session.delete(db.session.get(StaffUser, gone.id))
        db.session.commit()
    history = Page(worker.get(item(submission_id))).text("#history-list")
    assert "It was received." in history
    assert "A former member of staff added the tags winter, buses." in history
    assert "A former member of staff removed the tag winter." in history
    assert "A former member of staff assigned it to Former Worker." in history
    assert "A former member of staff assigned it to nobody." in history


def test_another_partnerships_staff_only_entries_stay_out_of_the_history(app, worker, made, make_staff):
    submission_id, _code, _email = made((LCP, "seacroft"))
    seacroft = routing_of(app, submission_id, "seacroft")
    other = make_staff("staff", ("seacroft",), name="Seacroft Worker")
    with app.app_context():
        actor = Actor.staff(db.session.get(StaffUser, other.id))
        casework_commands.tag(actor, db.session.get(Routing, seacroft.id), "private-label")
        casework_commands.change_status(actor, db.session.get(Routing, seacroft.id), "looking")
    history = Page(worker.get(item(submission_id))).text("#history-list")
    assert "private-label" not in history
    assert "Seacroft Worker changed the status for Seacroft Local Care Partnership to Looking at it." in history
