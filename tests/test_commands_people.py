"""The commands for residents, followers and scheduled work (`app.commands.people`, `.sharing`, `.system`): who
may run each, that each commits its change with the email it causes, and that the command line's work needs no
request (the CLI adapters no longer make one)."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

import pytest
from flask import Flask
from sqlalchemy import delete, func, select

from app.clock import utcnow
from app.commands import Actor, CommandRefused, Forbidden, NotFound, system
from app.commands import people as people_commands
from app.commands import sharing as sharing_commands
from app.extensions import db
from app.models import AuditEvent, Follower, Lcp, OutboxMessage, StaffUser, Submission, SubmissionEvent
from app.services.people import Choices, lcps_by_slug
from app.services.sharing import ContactInput, ShareInput


def unique_email(word: str) -> str:
    return f"{word}-{uuid4().hex[:10]}@example.org"


@pytest.fixture
def person(app: Flask):
    """A confirmed follower of Armley, deleted afterwards; yields its id."""
    with app.app_context():
        follower = Follower(email=unique_email("cmd"), confirmed_at=utcnow(), frequency="weekly")
        follower.lcps = lcps_by_slug(["armley"])
        db.session.add(follower)
        db.session.commit()
        follower_id = follower.id
    yield follower_id
    with app.app_context():
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.follower_id == follower_id))
        db.session.execute(delete(Follower).where(Follower.id == follower_id))
        db.session.commit()


@pytest.fixture
def made(app: Flask):
    """Ids of the submissions a test makes; deleted afterwards with everything that hangs on them."""
    ids: list[int] = []
    yield ids
    with app.app_context():
        db.session.execute(delete(Submission).where(Submission.id.in_(ids)))
        db.session.commit()


# Who may act on a registration ------------------------------------------------------------------------------------


def test_a_follower_link_changes_only_the_person_it_names(app: Flask, person: int) -> None:
    with app.app_context():
        follower = db.session.get(Follower, person)
        for stranger in (Actor.follower(person + 100000), Actor.resident()):
            with pytest.raises(Forbidden):
                people_commands.unsubscribe(stranger, follower)
            with pytest.raises(Forbidden):
                people_commands.delete_follower(stranger, follower)
        assert db.session.get(Follower, person).frequency == "weekly"
        assert people_commands.unsubscribe(Actor.follower(person), follower) is True
        db.session.rollback()
        assert db.session.get(Follower, person).frequency == "none"


def test_a_member_of_staff_cannot_change_someones_registration(app: Flask, person: int, make_staff) -> None:
    admin = make_staff("admin")
    with app.app_context():
        follower = db.session.get(Follower, person)
        actor = Actor.staff(db.session.get(StaffUser, admin.id))
        with pytest.raises(Forbidden):
            people_commands.follow(actor, follower, follower.lcps[0], False)
        with pytest.raises(Forbidden):
            people_commands.purge_unconfirmed(actor)


def test_registering_commits_the_person_with_their_confirmation_email(app: Flask) -> None:
    address = unique_email("register")
    with app.app_context():
        people_commands.register(Actor.resident(), address, Choices(lcps=lcps_by_slug(["armley"])))
        db.session.rollback()  # nothing left uncommitted
        follower = db.session.scalar(select(Follower).where(Follower.email == address))
        assert follower is not None and not follower.confirmed
        [message] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == address))
        assert message.kind == "confirm" and "/confirm/" in message.text_body
        assert message.text_body.count("http://") + message.text_body.count("https://") >= 1
        assert people_commands.confirm(Actor.follower(follower.id), follower) is True
        assert people_commands.confirm(Actor.follower(follower.id), follower) is False
        people_commands.delete_follower(Actor.follower(follower.id), follower)
        assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == address)) is None


def test_the_preferences_link_goes_only_to_a_confirmed_person(app: Flask, person: int) -> None:
    with app.app_context():
        address = db.session.get(Follower, person).email
        people_commands.send_preferences_link(Actor.resident(), unique_email("nobody"))
        people_commands.send_preferences_link(Actor.resident(), address)
        db.session.rollback()
        kinds = db.session.scalars(select(OutboxMessage.kind).where(OutboxMessage.follower_id == person)).all()
        assert kinds == ["preferences-link"]


# The staff export --------------------------------------------------------------------------------------------------


def test_the_export_is_audited_in_the_name_of_whoever_asked(app: Flask, make_staff) -> None:
    editor = make_staff("staff", ("armley",))
    viewer = make_staff("viewer", ("armley",))
    elsewhere = make_staff("staff", ("seacroft",))
    with app.app_context():
        armley = db.session.scalar(select(Lcp).where(Lcp.slug == "armley"))
        with pytest.raises(Forbidden):
            people_commands.export_followers(Actor.staff(db.session.get(StaffUser, viewer.id)), armley)
        with pytest.raises(NotFound):
            people_commands.export_followers(Actor.staff(db.session.get(StaffUser, elsewhere.id)), armley)
        export = people_commands.export_followers(
            Actor.staff(db.session.get(StaffUser, editor.id), "192.0.2.7"), armley
        )
        assert export.filename.startswith("followers-armley-")
        [event] = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "people.export", AuditEvent.actor_id == editor.id)
        )
        assert event.address == "192.0.2.7"
        assert event.summary == (
            f"Contactable followers of {armley.name} exported: {len(export.rows)} rows ({export.filename})"
        )
        export = people_commands.export_followers(Actor.cli("ops"), armley)
        assert db.session.scalar(
            select(AuditEvent.id).where(AuditEvent.action == "people.export", AuditEvent.actor_label == "cli:ops")
        )


# Sharing ------------------------------------------------------------------------------------------------------------


def test_sharing_commits_the_submission_with_its_receipt_and_finds_a_form_sent_twice(app: Flask, made) -> None:
    email, key = unique_email("share"), uuid4().hex
    data = ShareInput(
        body=f"The bus shelter is broken {key}",
        contact=ContactInput(email=email),
        form_key=key,
    )
    with app.app_context():
        # Records of an earlier submission that had the same id (SQLite reuses the id of a deleted row) are not this
        # one's: only records after this point count.
        log_so_far = db.session.scalar(select(func.max(AuditEvent.id))) or 0
        data.lcps = lcps_by_slug(["armley"])
        first = sharing_commands.share(Actor.resident(), data)
        made.append(first.submission.id)
        db.session.rollback()
        assert db.session.get(Submission, first.submission.id) is not None
        [receipt] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == email))
        assert receipt.kind == "receipt"
        again = sharing_commands.share(Actor.resident(), data)
        assert again.repeated and again.submission.id == first.submission.id
        about_it = (
            AuditEvent.object_type == "submission",
            AuditEvent.object_id == str(first.submission.id),
            AuditEvent.id > log_so_far,
        )
        assert db.session.scalar(select(AuditEvent.id).where(*about_it)) is None


def test_staff_entering_a_submission_are_named_and_audited_in_the_same_transaction(
    app: Flask, made, make_staff
) -> None:
    worker = make_staff("staff", ("armley",))
    outsider = make_staff("staff", ("seacroft",))
    data = ShareInput(body=f"Told us by phone {uuid4().hex}", source="phone")
    with app.app_context():
        data.lcps = lcps_by_slug(["armley"])
        with pytest.raises(NotFound):
            sharing_commands.share(Actor.staff(db.session.get(StaffUser, outsider.id)), data)
        shared = sharing_commands.share(Actor.staff(db.session.get(StaffUser, worker.id), "192.0.2.9"), data)
        made.append(shared.submission.id)
        submission = db.session.get(Submission, shared.submission.id)
        assert submission.entered_by_id == worker.id
        [received] = [event for event in submission.events if event.kind == "received"]
        assert (received.actor, received.staff_id) == ("staff", worker.id)
        [event] = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "submission.entered", AuditEvent.object_id == str(submission.id)
            )
        )
        assert event.actor_id == worker.id and event.address == "192.0.2.9"
        assert event.summary == f"Submission {submission.id} entered from phone"


def test_a_receipt_link_changes_nothing_for_a_follower_or_staff(app: Flask, made, make_staff) -> None:
    data = ShareInput(body=f"Contact me {uuid4().hex}", contact=ContactInput(email=unique_email("c")))
    admin = make_staff("admin")
    with app.app_context():
        data.lcps = lcps_by_slug(["armley"])
        shared = sharing_commands.share(Actor.resident(), data)
        made.append(shared.submission.id)
        contact = shared.submission.contact
        for actor in (Actor.follower(1), Actor.staff(db.session.get(StaffUser, admin.id))):
            with pytest.raises(Forbidden):
                sharing_commands.delete_contact(actor, contact)
        sharing_commands.add_follow_up(Actor.resident(), contact, "One more thing.")
        sharing_commands.stop_updates(Actor.resident(), contact)
        db.session.rollback()
        submission = db.session.get(Submission, shared.submission.id)
        assert submission.contact is not None and submission.contact.wants_updates is False
        assert [event.body for event in submission.events if event.kind == "follow-up"] == ["One more thing."]
        assert all(routing.has_new_follow_up for routing in submission.routings)
        sharing_commands.delete_contact(Actor.resident(), submission.contact)
        db.session.rollback()
        assert db.session.get(Submission, shared.submission.id).contact is None


# Scheduled and setup work -------------------------------------------------------------------------------------------


def test_scheduled_work_is_for_the_command_line_and_the_system_only(app: Flask, make_staff) -> None:
    admin = make_staff("admin")
    with app.app_context():
        staff = Actor.staff(db.session.get(StaffUser, admin.id))
        for actor in (Actor.resident(), Actor.follower(1), staff):
            with pytest.raises(Forbidden):
                system.purge_retention(actor)
            with pytest.raises(Forbidden):
                system.send_digests(actor, "weekly")
            with pytest.raises(Forbidden):
                system.seed(actor)
            with pytest.raises(Forbidden):
                system.load_demo(actor)


def test_demo_content_is_refused_in_production(app: Flask, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    with app.app_context(), pytest.raises(CommandRefused, match="never loaded in production"):
        system.load_demo(Actor.cli())


def test_the_contact_purge_needs_no_request_and_writes_its_note_in_english(app: Flask, made) -> None:
    closed_at = datetime(2023, 3, 1, 12, 0)  # before anything else the tests close
    data = ShareInput(body=f"Old {uuid4().hex}", contact=ContactInput(email=unique_email("old")))
    with app.app_context():
        data.lcps = lcps_by_slug(["armley"])
        submission = sharing_commands.share(Actor.resident(), data).submission
        made.append(submission.id)
        for routing in submission.routings:
            routing.status, routing.closed_at = "closed", closed_at
        db.session.commit()
        removed = system.purge_contacts(Actor.system("retention"), now=closed_at + timedelta(days=366))
        assert removed >= 1
        db.session.rollback()
        assert db.session.get(Submission, submission.id).contact is None
        [note] = db.session.scalars(
            select(SubmissionEvent.body).where(
                SubmissionEvent.submission_id == submission.id, SubmissionEvent.kind == "contact-removed"
            )
        )
        assert note == "Contact details removed: 365 days had passed since every partnership closed it."
