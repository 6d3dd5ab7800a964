"""The command layer: one meaning for each action, whether staff do it on the site or an operator at the command line.

Each of the four actions that moved there (a routing's status, routing a submission to a partnership, publishing a
reply, recording a decision) is done once through the staff pages and once through `flask …`, and the two leave the
same audit record (only who did it differs: the staff member's email, or `cli:<login name>`), the same history
entry and the same emails. A decision is refused before its meeting has started, from both.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from flask import Flask
from sqlalchemy import delete, func, select

from app.clock import utcnow
from app.commands import Actor, login_name, quotes
from app.commands import sharing as sharing_commands
from app.extensions import db
from app.models import (
    AgendaItem,
    AuditEvent,
    Lcp,
    Meeting,
    OutboxMessage,
    PublishedResponse,
    Routing,
    StaffUser,
    Submission,
    SubmissionEvent,
)
from app.services import sharing
from app.services.sharing import ContactInput, ShareInput
from tests.conftest import Page

LCP = "armley"
OTHER = "seacroft"
CLI = f"cli:{login_name()}"


def lcp_named(slug: str) -> Lcp:
    return db.session.scalar(select(Lcp).where(Lcp.slug == slug))


@pytest.fixture(autouse=True)
def forget_what_was_made(app: Flask) -> Iterator[None]:
    """Submissions, meetings and audit rows made here go afterwards."""
    with app.app_context():
        submissions = db.session.scalar(select(func.max(Submission.id))) or 0
        meetings = db.session.scalar(select(func.max(Meeting.id))) or 0
        audits = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    yield
    with app.app_context():
        db.session.execute(delete(Submission).where(Submission.id > submissions))
        for meeting in db.session.scalars(select(Meeting).where(Meeting.id > meetings)):
            db.session.delete(meeting)
        db.session.execute(delete(AuditEvent).where(AuditEvent.id > audits))
        db.session.commit()


@dataclass(frozen=True)
class Made:
    id: int
    code: str
    email: str


@pytest.fixture
def shared(app: Flask) -> Callable[..., Made]:
    """A submission to Armley from someone who asked for updates and agreed to be quoted."""

    def make(agenda_item: int | None = None) -> Made:
        email = f"commands-{uuid4().hex[:12]}@example.org"
        with app.test_request_context():
            submission = sharing_commands.share(
                Actor.resident(),
                ShareInput(
                    body=f"The bus stop outside the surgery has gone {uuid4().hex}",
                    lcps=[lcp_named(LCP)],
                    may_publish_words=True,
                    agenda_item=db.session.get(AgendaItem, agenda_item) if agenda_item else None,
                    contact=ContactInput(email=email, wants_updates=True),
                ),
            ).submission
            return Made(submission.id, sharing.format_code(submission.receipt_code), email)

    return make


@pytest.fixture
def meeting_item(app: Flask) -> Callable[..., int]:
    """An agenda item of an Armley meeting that started `days` days ago (negative: one still to come)."""

    def make(days: float = 2) -> int:
        with app.app_context():
            starts = utcnow() - timedelta(days=days)
            meeting = Meeting(
                lcp=lcp_named(LCP),
                title=f"Commands meeting {uuid4().hex[:8]}",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                location="Armley Library",
                published=True,
            )
            meeting.agenda_items = [AgendaItem(title="Warm spaces this winter", position=0)]
            db.session.add(meeting)
            db.session.commit()
            return meeting.agenda_items[0].id

    return make


@pytest.fixture
def worker(staff_client):
    return staff_client("staff", (LCP,))


def cli(app: Flask, *args: str):
    result = app.test_cli_runner().invoke(args=list(args))
    return result


def routing_of(app: Flask, submission: Made, slug: str = LCP) -> int:
    with app.app_context():
        return db.session.scalar(
            select(Routing.id).join(Lcp).where(Routing.submission_id == submission.id, Lcp.slug == slug)
        )


# The newest audit record before the test began: rows deleted by earlier tests may have had the same ids as this
# test's (SQLite reuses them), and their audit records stay.
AUDIT_BEFORE: dict[str, int] = {}


@pytest.fixture(autouse=True)
def audit_since(app: Flask) -> None:
    with app.app_context():
        AUDIT_BEFORE["id"] = db.session.scalar(select(func.max(AuditEvent.id))) or 0


def audit_row(app: Flask, action: str, object_type: str, object_id: int) -> dict[str, Any]:
    """The one audit record of this action on this row made during the test, as plain values."""
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.id > AUDIT_BEFORE["id"],
                AuditEvent.action == action,
                AuditEvent.object_type == object_type,
                AuditEvent.object_id == str(object_id),
            )
        ).all()
        assert len(rows) == 1, f"{len(rows)} audit records of {action} on {object_type} {object_id}"
        row = rows[0]
        return {
            "action": row.action,
            "object_type": row.object_type,
            "lcp_id": row.lcp_id,
            "summary": row.summary,
            "before": json.loads(row.before) if row.before else None,
            "after": json.loads(row.after) if row.after else None,
            "actor_id": row.actor_id,
            "actor_label": row.actor_label,
        }


def same_record(staff: dict[str, Any], command_line: dict[str, Any], worker, *, ignore: tuple[str, ...] = ()) -> None:
    """Everything but who did it (and what `ignore` names, such as the moment it happened) is the same."""
    assert (staff["actor_id"], staff["actor_label"]) == (worker.user.id, worker.user.email)
    assert (command_line["actor_id"], command_line["actor_label"]) == (None, CLI)
    for record in (staff, command_line):
        del record["actor_id"], record["actor_label"]
        for name in ignore:
            record["after"].pop(name, None)
    assert staff == command_line


def history(app: Flask, submission: Made, kind: str) -> list[tuple]:
    with app.app_context():
        events = db.session.scalars(
            select(SubmissionEvent)
            .where(SubmissionEvent.submission_id == submission.id, SubmissionEvent.kind == kind)
            .order_by(SubmissionEvent.id)
        ).all()
        return [(event.kind, event.status, event.body, event.actor, event.public, event.staff_id) for event in events]


def mail_kinds(app: Flask, submission: Made) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(OutboxMessage.kind)
                .where(OutboxMessage.to_address == submission.email)
                .order_by(OutboxMessage.id)
            )
        )


# The four actions, from the staff area and from the command line -------------------------------------------------


def test_a_status_change_reads_the_same_from_the_staff_area_and_the_command_line(
    app: Flask, shared, worker, staff_post
) -> None:
    by_staff, by_cli = shared(), shared()
    staff_routing, cli_routing = routing_of(app, by_staff), routing_of(app, by_cli)
    reason = "Passed to the pharmacy, which sets its hours."

    prefix = f"status-{staff_routing}-"
    response = staff_post(
        worker,
        f"/admin/items/{staff_routing}/status",
        {f"{prefix}status": "shared", f"{prefix}reason": reason, f"{prefix}version": "1"},
        form_page=f"/admin/submissions/{by_staff.id}",
    )
    assert response.status_code == 303
    result = cli(app, "submissions", "status", by_cli.code, "--lcp", LCP, "shared", "--reason", reason)
    assert result.exit_code == 0, result.output

    staff_record = audit_row(app, "routing.status", "routing", staff_routing)
    cli_record = audit_row(app, "routing.status", "routing", cli_routing)
    assert cli_record["after"] == {"status": "shared", "status_reason": reason}
    same_record(staff_record, cli_record, worker)
    assert history(app, by_staff, "status") == [("status", "shared", reason, "staff", True, worker.user.id)]
    assert history(app, by_cli, "status") == [("status", "shared", reason, "staff", True, None)]
    assert mail_kinds(app, by_staff) == mail_kinds(app, by_cli) == ["receipt", "status-changed"]


def test_the_command_line_keeps_the_staff_areas_status_rules(app: Flask, shared) -> None:
    submission = shared()
    closing = cli(app, "submissions", "status", submission.code, "--lcp", LCP, "closed")
    assert closing.exit_code == 1
    assert "Enter why the item is being closed" in closing.output
    looking = cli(app, "submissions", "status", submission.code, "--lcp", LCP, "looking")
    again = cli(app, "submissions", "status", submission.code, "--lcp", LCP, "looking")
    assert looking.exit_code == again.exit_code == 0
    assert "was already looking: nothing changed" in again.output
    assert mail_kinds(app, submission) == ["receipt", "status-changed"]
    assert len(history(app, submission, "status")) == 1


def test_routing_to_a_partnership_reads_the_same_from_the_staff_area_and_the_command_line(
    app: Flask, shared, worker, staff_post
) -> None:
    by_staff, by_cli = shared(), shared()
    response = staff_post(
        worker,
        f"/admin/submissions/{by_staff.id}/share",
        {"lcp": OTHER},
        form_page=f"/admin/submissions/{by_staff.id}",
    )
    assert response.status_code == 303
    result = cli(app, "submissions", "route", by_cli.code, "--lcp", OTHER)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{by_cli.code} is now with {OTHER}: received."

    staff_record = audit_row(app, "submission.shared", "submission", by_staff.id)
    cli_record = audit_row(app, "submission.shared", "submission", by_cli.id)
    with app.app_context():
        assert cli_record["lcp_id"] == lcp_named(OTHER).id
    assert cli_record["after"] == {"lcp": OTHER}
    # The summary names the submission's own number; otherwise the same.
    assert staff_record.pop("summary").replace(str(by_staff.id), "N") == cli_record.pop("summary").replace(
        str(by_cli.id), "N"
    )
    same_record(staff_record, cli_record, worker)
    assert history(app, by_staff, "routed") == [("routed", "received", "", "staff", True, worker.user.id)]
    assert history(app, by_cli, "routed") == [("routed", "received", "", "staff", True, None)]
    assert mail_kinds(app, by_staff) == mail_kinds(app, by_cli) == ["receipt"]
    assert routing_of(app, by_staff, OTHER) and routing_of(app, by_cli, OTHER)

    # Once there, routing it again changes nothing and records nothing.
    again = cli(app, "submissions", "route", by_cli.code, "--lcp", OTHER)
    assert again.output.strip() == f"{by_cli.code} was already with {OTHER}."
    audit_row(app, "submission.shared", "submission", by_cli.id)


def test_a_reply_reads_the_same_from_the_staff_area_and_the_command_line(
    app: Flask, shared, worker, staff_post
) -> None:
    by_staff, by_cli = shared(), shared()
    with app.test_request_context():
        # A reply quotes only words prepared for quoting (app.commands.quotes).
        for made in (by_staff, by_cli):
            quotes.prepare_quote(Actor.cli(), db.session.get(Submission, made.id), [], [])
    staff_routing = routing_of(app, by_staff)
    you_said, we_did = "The bus stop had gone.", f"We asked for it back, and it is back {uuid4().hex[:6]}."
    prefix = f"respond-{staff_routing}-"
    response = staff_post(
        worker,
        f"/admin/routings/{staff_routing}/respond",
        {f"{prefix}you_said": you_said, f"{prefix}we_did": we_did, f"{prefix}quote_words": "y"},
        form_page=f"/admin/submissions/{by_staff.id}",
    )
    assert response.status_code == 303
    result = cli(
        app, "submissions", "respond", by_cli.code, "--lcp", LCP, "--you-said", you_said, "--we-did", we_did, "--quote"
    )
    assert result.exit_code == 0, result.output

    with app.app_context():
        staff_reply, cli_reply = (
            db.session.scalar(select(PublishedResponse.id).where(PublishedResponse.submission_id == submission.id))
            for submission in (by_staff, by_cli)
        )
    staff_record = audit_row(app, "submission.response-published", "published_response", staff_reply)
    cli_record = audit_row(app, "submission.response-published", "published_response", cli_reply)
    assert cli_record["after"] == {"you_said": you_said, "we_did": we_did, "quote_words": True}
    assert staff_record.pop("summary").replace(str(by_staff.id), "N") == cli_record.pop("summary").replace(
        str(by_cli.id), "N"
    )
    same_record(staff_record, cli_record, worker)
    assert history(app, by_staff, "response") == [("response", "", we_did, "staff", True, worker.user.id)]
    assert history(app, by_cli, "response") == [("response", "", we_did, "staff", True, None)]
    assert mail_kinds(app, by_staff) == mail_kinds(app, by_cli) == ["receipt", "reply-published"]


def test_a_decision_reads_the_same_from_the_staff_area_and_the_command_line(
    app: Flask, shared, meeting_item, worker, staff_post
) -> None:
    staff_item, cli_item = meeting_item(), meeting_item()
    staff_comment, cli_comment = shared(agenda_item=staff_item), shared(agenda_item=cli_item)
    decision = "Warm spaces open in four libraries on weekday afternoons."

    response = staff_post(worker, f"/admin/agenda-items/{staff_item}/decision", {"decision": decision})
    assert response.status_code == 303
    assert "People told by email: 1." in Page(worker.get(response.location)).text()
    result = cli(app, "meetings", "decide", str(cli_item), decision)
    assert result.exit_code == 0, result.output
    assert "1 person told by email." in result.output

    staff_record = audit_row(app, "agenda-item.decision", "agenda_item", staff_item)
    cli_record = audit_row(app, "agenda-item.decision", "agenda_item", cli_item)
    assert cli_record["after"]["decision"] == decision
    assert cli_record["before"] == {"decision": "", "decided_at": None}
    # Each names its own meeting; otherwise the same, but for the moment it was recorded.
    with app.app_context():
        meetings = [db.session.get(AgendaItem, item).meeting_id for item in (staff_item, cli_item)]
    assert staff_record.pop("summary").replace(str(meetings[0]), "N") == cli_record.pop("summary").replace(
        str(meetings[1]), "N"
    )
    same_record(staff_record, cli_record, worker, ignore=("decided_at",))
    # The comment's history does not name who recorded it, from either.
    assert history(app, staff_comment, "decision") == history(app, cli_comment, "decision")
    assert history(app, cli_comment, "decision") == [("decision", "", decision, "staff", True, None)]
    assert mail_kinds(app, staff_comment) == mail_kinds(app, cli_comment) == ["receipt", "decision-recorded"]


def test_a_decision_is_refused_before_its_meeting_starts_from_both(
    app: Flask, meeting_item, worker, staff_post
) -> None:
    item = meeting_item(days=-3)

    result = cli(app, "meetings", "decide", str(item), "Something was decided.")
    assert result.exit_code == 1
    assert "has not started yet" in result.output

    response = staff_post(worker, f"/admin/agenda-items/{item}/decision", {"decision": "Something was decided."})
    page = Page(response)
    assert response.status_code == 200
    assert page.soup.title.get_text().startswith("Error:")
    refusal = page.text(".nhsuk-error-summary").split("There is a problem", 1)[-1].strip()
    assert "The meeting has not started yet" in refusal
    # The same sentence, from the same rule.
    assert refusal in " ".join(result.output.split())
    with app.app_context():
        assert db.session.get(AgendaItem, item).decision == ""
        assert not db.session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.id > AUDIT_BEFORE["id"],
                AuditEvent.action == "agenda-item.decision",
                AuditEvent.object_id == str(item),
            )
        )


# The actor -----------------------------------------------------------------------------------------------------------


def test_actors_name_themselves_and_the_command_line_is_trusted_like_an_admin(app: Flask, make_staff) -> None:
    assert Actor.cli("pat").label == "cli:pat" and Actor.cli().label == CLI
    assert Actor.system("retention").label == "system:retention"
    assert Actor.cli().audit == {"actor_label": CLI, "address": ""}
    assert Actor.cli().sees(None) and Actor.cli().can_edit
    assert not Actor.resident().can_edit and not Actor.resident().sees(1)
    viewer_id, staff_id = make_staff("viewer", (LCP,)).id, make_staff("staff", (LCP,)).id
    with app.app_context():
        viewer, staff = db.session.get(StaffUser, viewer_id), db.session.get(StaffUser, staff_id)
        armley, seacroft = lcp_named(LCP).id, lcp_named(OTHER).id
        as_viewer, as_staff = Actor.staff(viewer), Actor.staff(staff)
        assert as_staff.audit == {"actor": staff, "address": ""} and as_staff.label == staff.email
        assert as_staff.sees(armley) and not as_staff.sees(seacroft) and as_staff.can_edit
        assert as_viewer.sees(armley) and not as_viewer.can_edit


def test_a_command_refuses_staff_of_another_partnership_as_if_it_did_not_exist(app: Flask, shared, make_staff) -> None:
    from app.commands import Forbidden, NotFound
    from app.commands import casework as commands

    submission = shared()
    routing_id = routing_of(app, submission)
    outsider_id, viewer_id = make_staff("staff", (OTHER,)).id, make_staff("viewer", (LCP,)).id
    with app.test_request_context():
        routing = db.session.get(Routing, routing_id)
        outsider = Actor.staff(db.session.get(StaffUser, outsider_id))
        viewer = Actor.staff(db.session.get(StaffUser, viewer_id))
        with pytest.raises(NotFound):
            commands.change_status(outsider, routing, "looking")
        with pytest.raises(Forbidden):
            commands.change_status(viewer, routing, "looking")
        with pytest.raises(NotFound):
            commands.route(outsider, routing.submission, lcp_named(OTHER))
        with pytest.raises(NotFound):
            commands.respond(outsider, routing, "Said", "Did")
        assert routing.status == "received"


# tests/test_layers.py proves for every module what these commands promise: nothing of the web below them, and no
# commit, audit record or email anywhere else.


# Casework: what staff do with what people shared ---------------------------------------------------------------------


def staff_actor(user_id: int) -> Actor:
    return Actor.staff(db.session.get(StaffUser, user_id), "192.0.2.7")


def routing_lcp(app: Flask, routing_id: int) -> int:
    with app.app_context():
        return db.session.get(Routing, routing_id).lcp_id


def audit_rows(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.id > AUDIT_BEFORE["id"], AuditEvent.action == action)
        ).all()
        db.session.expunge_all()
        return list(rows)


def test_assigning_and_tagging_are_audited_with_the_actor_and_refused_outside_its_rule(
    app: Flask, shared, make_staff
) -> None:
    from app.commands import CommandRefused, NotFound
    from app.commands import casework as commands

    submission = shared()
    routing_id = routing_of(app, submission)
    worker_id = make_staff("staff", (LCP,)).id
    outsider_id = make_staff("staff", (OTHER,)).id
    with app.app_context():
        routing = db.session.get(Routing, routing_id)
        worker = staff_actor(worker_id)
        assert commands.assign(worker, routing, str(worker_id)).id == worker_id
        # The same again changes nothing and records nothing.
        commands.assign(worker, routing, str(worker_id))
        with pytest.raises(CommandRefused, match="Choose someone who works on"):
            commands.assign(worker, routing, str(outsider_id))
        with pytest.raises(CommandRefused, match="Only a member of staff"):
            commands.assign(Actor.cli(), routing, "none")
        with pytest.raises(NotFound):
            commands.tag(staff_actor(outsider_id), routing, "buses")
        assert commands.tag(worker, routing, "Buses, late-night  buses") is True
        assert commands.tag(worker, routing, "buses late-night") is False
    with app.app_context():
        routing = db.session.get(Routing, routing_id)
        assert (routing.assignee_id, routing.tags) == (worker_id, "buses late-night")
    assert history(app, submission, "assigned") == [("assigned", "", "Test staff", "staff", False, worker_id)]
    assert history(app, submission, "tagged") == [("tagged", "", "buses late-night", "staff", False, worker_id)]
    assign = audit_row(app, "routing.assign", "routing", routing_id)
    assert (assign["actor_id"], assign["before"], assign["after"]) == (
        worker_id,
        {"assignee_id": None},
        {"assignee_id": worker_id},
    )
    tags = audit_row(app, "routing.tags", "routing", routing_id)
    assert (tags["actor_id"], tags["after"]) == (worker_id, {"tags": "buses late-night"})
    assert [row.address for row in audit_rows(app, "routing.tags")] == ["192.0.2.7"]


def test_the_item_page_assigns_and_tags_through_the_commands(app: Flask, shared, worker, staff_post) -> None:
    submission = shared()
    routing_id = routing_of(app, submission)
    form_page = f"/admin/submissions/{submission.id}"
    response = staff_post(
        worker,
        f"/admin/items/{routing_id}/assign",
        {f"assign-{routing_id}-assignee": str(worker.user.id), f"assign-{routing_id}-version": "1"},
        form_page=form_page,
    )
    assert response.status_code == 303
    response = staff_post(
        worker,
        f"/admin/items/{routing_id}/tags",
        {f"tags-{routing_id}-tags": "Pharmacy", f"tags-{routing_id}-version": "2"},
        form_page=form_page,
    )
    assert response.status_code == 303
    assert audit_row(app, "routing.assign", "routing", routing_id)["actor_label"] == worker.user.email
    assert audit_row(app, "routing.tags", "routing", routing_id)["after"] == {"tags": "pharmacy"}


def test_a_note_is_audited_and_refused_when_empty_or_outside_the_actors_partnerships(
    app: Flask, shared, make_staff
) -> None:
    from app.commands import CommandRefused, Forbidden, NotFound
    from app.commands import casework as commands
    from app.models import RoutingNote

    submission = shared()
    routing_id = routing_of(app, submission)
    worker_id, viewer_id = make_staff("staff", (LCP,)).id, make_staff("viewer", (LCP,)).id
    outsider_id = make_staff("staff", (OTHER,)).id
    with app.app_context():
        routing = db.session.get(Routing, routing_id)
        with pytest.raises(CommandRefused, match="Write the note"):
            commands.add_note(staff_actor(worker_id), routing, "   ")
        with pytest.raises(Forbidden):
            commands.add_note(staff_actor(viewer_id), routing, "Rang the pharmacy.")
        with pytest.raises(NotFound):
            commands.add_note(staff_actor(outsider_id), routing, "Rang the pharmacy.")
        note = commands.add_note(staff_actor(worker_id), routing, "  Rang the pharmacy.  ")
        note_id = note.id
    with app.app_context():
        assert [(n.body, n.author_id) for n in db.session.get(Routing, routing_id).notes] == [
            ("Rang the pharmacy.", worker_id)
        ]
    record = audit_row(app, "routing.note-added", "routing_note", note_id)
    with app.app_context():
        assert record["summary"] == f"Note on submission {submission.id} for {lcp_named(LCP).name}"
    assert (record["actor_id"], record["lcp_id"]) == (worker_id, routing_lcp(app, routing_id))
    with app.app_context():
        assert db.session.scalar(select(func.count(RoutingNote.id)).where(RoutingNote.routing_id == routing_id)) == 1


def test_looking_at_contact_details_is_audited_every_time_and_never_for_an_anonymous_one(
    app: Flask, shared, worker, staff_post
) -> None:
    from app.commands import casework as commands

    submission = shared()
    response = staff_post(
        worker, f"/admin/submissions/{submission.id}/contact", {}, form_page=f"/admin/submissions/{submission.id}"
    )
    assert response.status_code == 200
    assert submission.email in Page(response).text("#contact-details")
    record = audit_row(app, "submission.contact-viewed", "submission", submission.id)
    assert record["actor_id"] == worker.user.id
    assert record["summary"] == f"Contact details of submission {submission.id} ({submission.code})"
    with app.app_context():
        anonymous = sharing_commands.share(
            Actor.resident(), ShareInput(body=f"Anonymous {uuid4().hex}", lcps=[lcp_named(LCP)])
        ).submission
        assert commands.view_contact(Actor.cli(), anonymous) is None
        anonymous_id = anonymous.id
    assert not [row for row in audit_rows(app, "submission.contact-viewed") if row.object_id == str(anonymous_id)]


def test_marking_a_duplicate_closes_the_actors_routings_tells_the_person_and_refuses_a_code_it_cannot_see(
    app: Flask, shared, make_staff
) -> None:
    from app.commands import CommandRefused
    from app.commands import casework as commands

    copy, original = shared(), shared()
    worker_id = make_staff("staff", (LCP,)).id
    with app.app_context():
        submission = db.session.get(Submission, copy.id)
        commands.route(Actor.cli(), submission, lcp_named(OTHER))
        elsewhere = sharing_commands.share(
            Actor.resident(), ShareInput(body=f"Seacroft only {uuid4().hex}", lcps=[lcp_named(OTHER)])
        ).submission
        worker = staff_actor(worker_id)
        for code, refusal in (
            (sharing.format_code(elsewhere.receipt_code), "No submission you can see has that receipt code"),
            ("nonsense", "No submission you can see has that receipt code"),
            (copy.code, "Enter the receipt code of a different submission"),
        ):
            with pytest.raises(CommandRefused, match=refusal):
                commands.mark_duplicate(worker, submission, code)
        marked = commands.mark_duplicate(worker, submission, original.code)
        assert marked.original.id == original.id
        assert [routing.lcp.slug for routing in marked.closed] == [LCP]
        db.session.expire_all()
        submission = db.session.get(Submission, copy.id)
        assert submission.duplicate_of_id == original.id
        assert {routing.lcp.slug: routing.status for routing in submission.routings} == {
            LCP: "closed",
            OTHER: "received",
        }
    assert mail_kinds(app, copy) == ["receipt", "status-changed"]
    record = audit_row(app, "submission.duplicate", "submission", copy.id)
    assert record["after"] == {"duplicate_of_id": original.id, "closed": [LCP]}
    assert record["actor_id"] == worker_id
    assert history(app, copy, "status") == [
        ("status", "closed", "The same as another report, which we are handling", "staff", True, worker_id)
    ]


def test_entering_a_submission_names_who_entered_it_and_is_refused_to_a_resident_or_an_outsider(
    app: Flask, make_staff
) -> None:
    from app.commands import Forbidden, NotFound
    from app.commands import casework as commands

    worker_id, outsider_id = make_staff("staff", (LCP,)).id, make_staff("staff", (OTHER,)).id
    with app.app_context():
        data = ShareInput(body=f"Said on the phone {uuid4().hex}", lcps=[lcp_named(LCP)], source="phone")
        with pytest.raises(Forbidden):
            commands.enter(Actor.resident(), data)
        with pytest.raises(NotFound):
            commands.enter(staff_actor(outsider_id), data)
        entered = commands.enter(staff_actor(worker_id), data)
        assert not entered.repeated
        submission_id = entered.submission.id
    with app.app_context():
        submission = db.session.get(Submission, submission_id)
        assert submission.entered_by_id == worker_id
        assert [(e.kind, e.actor, e.staff_id) for e in submission.events] == [("received", "staff", worker_id)]
    record = audit_row(app, "submission.entered", "submission", submission_id)
    assert record["after"] == {"source": "phone", "lcps": [LCP]} and record["actor_id"] == worker_id


def test_a_bulk_status_change_tells_each_person_who_asked(app: Flask, shared, worker, staff_post) -> None:
    first, second = shared(), shared()
    ids = [routing_of(app, first), routing_of(app, second)]
    response = staff_post(
        worker,
        "/admin/inbox/bulk",
        {"routing": [str(i) for i in ids], "action": "status", "status": "looking", "back": "/admin/inbox"},
        form_page="/admin/inbox",
    )
    assert response.status_code == 303
    assert mail_kinds(app, first) == mail_kinds(app, second) == ["receipt", "status-changed"]


def test_the_theme_check_never_fails_its_caller(app: Flask, shared, monkeypatch, caplog) -> None:
    from app.commands import casework as commands
    from app.services import themes

    submission = shared()

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(themes, "due", broken)
    with app.app_context():
        assert commands.check_themes(db.session.get(Submission, submission.id)) == []
    assert f"theme alert check (system:themes) failed for submission {submission.id}" in caplog.text


# Versions, replies that move the status, assignment emails, opening an item -----------------------------------------


def test_a_change_from_an_older_version_is_refused_whole_and_says_what_changed(app: Flask, shared, make_staff) -> None:
    from app.commands import casework as commands

    submission = shared()
    routing_id = routing_of(app, submission)
    sam_id = make_staff("staff", (LCP,), name="Sam Patel").id
    jo_id = make_staff("staff", (LCP,), name="Jo Bloggs").id
    with app.test_request_context():
        routing = db.session.get(Routing, routing_id)
        assert commands.change_status(staff_actor(sam_id), routing, "looking", expected_version=1) is True
        assert routing.version == 2
        jo = staff_actor(jo_id)
        for attempt in (
            lambda: commands.change_status(jo, routing, "shared", "To the council", expected_version=1),
            lambda: commands.assign(jo, routing, str(jo_id), expected_version=1),
            lambda: commands.tag(jo, routing, "council", expected_version=1),
            lambda: commands.respond(jo, routing, "Said", "Did", expected_version=1),
        ):
            with pytest.raises(commands.ChangedMeanwhile) as refused:
                attempt()
            assert refused.value.version == 2
            assert [entry.text for entry in refused.value.changes] == ["Sam Patel changed the status to Looking at it"]
            assert str(refused.value) == "Someone else changed this item since you opened it"
        routing = db.session.get(Routing, routing_id)
        assert (routing.status, routing.assignee_id, routing.tags, routing.version) == ("looking", None, "", 2)
        assert routing.submission.responses == []
        # From the current version, and without one (the command line, the bulk bar), it goes through.
        assert commands.tag(jo, routing, "council", expected_version=2) is True
        assert commands.assign(jo, routing, str(jo_id)) is not None
        assert routing.version == 4
    assert len(audit_rows(app, "routing.status")) == 1
    assert mail_kinds(app, submission) == ["receipt", "status-changed"]


def test_a_change_committed_by_someone_else_after_the_check_still_refuses_this_one(app: Flask, shared, worker) -> None:
    """The version is checked again by the UPDATE that raises it, so two changes drawn from one version cannot both
    pass: here the other one is written between this command reading the routing and writing it."""
    from sqlalchemy import update

    from app.commands import casework as commands

    submission = shared()
    routing_id = routing_of(app, submission)
    with app.test_request_context():
        routing = db.session.get(Routing, routing_id)
        assert routing.version == 1
        db.session.execute(
            update(Routing)
            .where(Routing.id == routing_id)
            .values(version=2)
            .execution_options(synchronize_session=False)
        )
        with pytest.raises(commands.ChangedMeanwhile):
            commands.change_status(staff_actor(worker.user.id), routing, "looking", expected_version=1)
        assert db.session.get(Routing, routing_id).status == "received"
    assert audit_rows(app, "routing.status") == []
    assert mail_kinds(app, submission) == ["receipt"]


def test_each_staff_change_adds_one_to_the_version_and_a_note_does_not(app: Flask, shared, worker, make_staff) -> None:
    from app.commands import casework as commands

    first, second = shared(), shared()
    first_id, second_id = routing_of(app, first), routing_of(app, second)
    with app.test_request_context():
        actor = staff_actor(worker.user.id)
        one, two = db.session.get(Routing, first_id), db.session.get(Routing, second_id)
        commands.add_note(actor, one, "Rang them")
        assert one.version == 1
        commands.bulk(actor, [one, two], "tag", "winter")
        assert (one.version, two.version) == (2, 2)
        commands.bulk(actor, [one, two], "status", "looking")
        assert (one.version, two.version) == (3, 3)
        commands.mark_duplicate(actor, two.submission, first.code)
        assert two.version == 4
        # A reply that also moves the status is two changes.
        commands.respond(actor, one, "Said", "Did")
        assert (one.status, one.version) == ("acted", 5)


def test_a_reply_moves_received_or_looking_to_acted_on_and_emails_the_person_once(app: Flask, shared, worker) -> None:
    from app.commands import CommandRefused
    from app.commands import casework as commands

    looking, shared_one, closing, leaving = shared(), shared(), shared(), shared()
    with app.test_request_context():
        actor = staff_actor(worker.user.id)
        routing = db.session.get(Routing, routing_of(app, looking))
        commands.change_status(actor, routing, "looking")
        commands.respond(actor, routing, "Said", "Did")
        assert routing.status == "acted"

        routing = db.session.get(Routing, routing_of(app, shared_one))
        commands.change_status(actor, routing, "shared", "To the pharmacy")
        commands.respond(actor, routing, "Said", "Did")
        assert (routing.status, routing.status_reason) == ("shared", "To the pharmacy")

        routing = db.session.get(Routing, routing_of(app, closing))
        with pytest.raises(CommandRefused, match="Enter why the item is being closed"):
            commands.respond(actor, routing, "Said", "Did", then_status="closed")
        assert routing.submission.responses == [] and routing.version == 1
        commands.respond(actor, routing, "Said", "Did", then_status="closed", reason="Done, as our reply says")
        assert (routing.status, routing.status_reason) == ("closed", "Done, as our reply says")

        routing = db.session.get(Routing, routing_of(app, leaving))
        commands.respond(actor, routing, "Said", "Did", then_status="")
        assert routing.status == "received"
    assert mail_kinds(app, looking) == ["receipt", "status-changed", "reply-published"]
    assert mail_kinds(app, shared_one) == ["receipt", "status-changed", "reply-published"]
    assert mail_kinds(app, closing) == mail_kinds(app, leaving) == ["receipt", "reply-published"]
    moved = [row for row in audit_rows(app, "routing.status") if row.object_id == str(routing_of(app, closing))]
    assert [json.loads(row.after)["status"] for row in moved] == ["closed"]
    assert history(app, closing, "status")[-1][:3] == ("status", "closed", "Done, as our reply says")


def test_assigning_someone_else_emails_them_once_but_not_oneself_nor_those_who_chose_not_to_hear(
    app: Flask, shared, worker, make_staff
) -> None:
    from app.commands import casework as commands

    colleague = make_staff("staff", (LCP,), name="Jo Bloggs")
    quiet = make_staff("staff", (LCP,), name="Quiet Worker")
    first, second, third = shared(), shared(), shared()
    with app.test_request_context():
        db.session.get(StaffUser, quiet.id).notify_assigned = False
        db.session.commit()
        actor = staff_actor(worker.user.id)
        commands.assign(actor, db.session.get(Routing, routing_of(app, first)), str(worker.user.id))
        commands.assign(actor, db.session.get(Routing, routing_of(app, first)), str(colleague.id))
        commands.assign(actor, db.session.get(Routing, routing_of(app, first)), str(colleague.id))
        commands.assign(actor, db.session.get(Routing, routing_of(app, second)), str(quiet.id))
        both = [db.session.get(Routing, routing_of(app, made)) for made in (second, third)]
        commands.bulk(actor, both, "assign", str(colleague.id))
    with app.app_context():

        def sent_to(email: str) -> list[str]:
            return list(
                db.session.scalars(
                    select(OutboxMessage.subject)
                    .where(OutboxMessage.to_address == email, OutboxMessage.kind == "staff-assigned")
                    .order_by(OutboxMessage.id)
                )
            )

        assert sent_to(colleague.email) == [f"Item {made.id} is assigned to you" for made in (first, second, third)]
        assert sent_to(worker.user.email) == [] and sent_to(quiet.email) == []


def test_opening_an_item_marks_it_for_those_who_may_change_it_and_is_not_audited(
    app: Flask, shared, worker, make_staff
) -> None:
    from app.commands import casework as commands

    submission = shared()
    viewer_id = make_staff("viewer", (LCP,)).id
    with app.test_request_context():
        found = db.session.get(Submission, submission.id)
        assert commands.open_item(staff_actor(viewer_id), found) == 0
        assert commands.open_item(Actor.cli(), found) == 0
        assert found.routings[0].opened_at is None
        assert commands.open_item(staff_actor(worker.user.id), found) == 1
        assert commands.open_item(staff_actor(worker.user.id), found) == 0
        assert found.routings[0].opened_at is not None and found.routings[0].version == 1
    with app.app_context():
        recorded = select(func.count(AuditEvent.id)).where(
            AuditEvent.id > AUDIT_BEFORE["id"], AuditEvent.object_type.in_(("routing", "submission"))
        )
        assert db.session.scalar(recorded) == 0
