"""The content commands (`app.commands.content`): what staff publish about their partnership, and what citywide
admins manage besides accounts.

Each command checks who may (a partnership's own staff, or a citywide admin; the command line as an admin), refuses
with a sentence before writing anything, audits in the actor's name and commits. The services under them keep the
building blocks and neither commit, nor audit, nor read the request.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from uuid import uuid4

import pytest
from flask import Flask
from sqlalchemy import delete, func, select

from app.clock import utcnow
from app.commands import Actor, CommandRefused, Forbidden, NotFound, content, login_name
from app.extensions import db
from app.models import (
    AgendaItem,
    AuditEvent,
    GpPractice,
    Lcp,
    LcpTranslation,
    MaturityAssessment,
    MaturityElement,
    MaturityLevel,
    Meeting,
    Priority,
    StaffUser,
    Topic,
)
from app.services import lcp_content, translations

LCP = "armley"
OTHER = "seacroft"
MORLEY_PRACTICE = "B86678"  # Drighlington Medical Centre: linked to Morley in the seed
CLI = f"cli:{login_name()}"
MARK = f"Content command {uuid4().hex[:8]}"


def lcp_named(slug: str) -> Lcp:
    return db.session.scalar(select(Lcp).where(Lcp.slug == slug))


def audits_since(first: int, action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.id > first).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


def last_audit_id() -> int:
    return db.session.scalar(select(func.max(AuditEvent.id))) or 0


@pytest.fixture(autouse=True)
def forget_what_was_made(app: Flask) -> Iterator[None]:
    """Partnerships, topics, meetings, priorities and audit rows made here go afterwards."""
    with app.app_context():
        lcps = db.session.scalar(select(func.max(Lcp.id))) or 0
        topics = db.session.scalar(select(func.max(Topic.id))) or 0
        audits = last_audit_id()
    yield
    with app.app_context():
        db.session.rollback()
        for meeting in db.session.scalars(select(Meeting).where(Meeting.title.startswith(MARK))):
            db.session.delete(meeting)
        for assessment in db.session.scalars(
            select(MaturityAssessment).where(MaturityAssessment.note.startswith(MARK))
        ):
            db.session.delete(assessment)
        db.session.execute(delete(Priority).where(Priority.title.startswith(MARK)))
        db.session.execute(delete(Topic).where(Topic.id > topics))
        db.session.execute(delete(Lcp).where(Lcp.id > lcps))
        db.session.execute(delete(AuditEvent).where(AuditEvent.id > audits))
        db.session.commit()


def staff_actor(make_staff, role: str, lcps: tuple[str, ...] = ()) -> Actor:
    """A staff actor, loaded in the caller's app context."""
    return Actor.staff(db.session.get(StaffUser, make_staff(role, lcps).id))


# Who may ------------------------------------------------------------------------------------------------------------


def test_staff_of_another_partnership_and_viewers_are_refused_before_anything_is_written(
    app: Flask, make_staff
) -> None:
    with app.app_context():
        outsider = staff_actor(make_staff, "staff", (OTHER,))
        viewer = staff_actor(make_staff, "viewer", (LCP,))
        lcp = lcp_named(LCP)
        first = last_audit_id()
        with pytest.raises(NotFound):
            content.save_priority(outsider, lcp, None, f"{MARK} outsider", "", [])
        with pytest.raises(Forbidden):
            content.save_priority(viewer, lcp, None, f"{MARK} viewer", "", [])
        with pytest.raises(NotFound):
            content.save_meeting(outsider, Meeting(lcp_id=lcp.id), {"title": f"{MARK} meeting"})
        with pytest.raises(Forbidden):
            content.save_summary_translation(viewer, lcp, translations.other_languages()[0], "Words")
        with pytest.raises(NotFound):
            content.set_theme_alerts(outsider, lcp, 5, 14)
        db.session.rollback()
        assert db.session.scalar(select(Priority.id).where(Priority.title.startswith(MARK))) is None
        assert audits_since(first) == []


def test_only_a_citywide_admin_or_the_command_line_changes_topics_and_partnerships(app: Flask, make_staff) -> None:
    with app.app_context():
        staff = staff_actor(make_staff, "staff", (LCP,))
        admin = staff_actor(make_staff, "admin")
        for actor in (staff, Actor.resident("192.0.2.1")):
            with pytest.raises(Forbidden):
                content.add_topic(actor, f"{MARK} topic")
            with pytest.raises(Forbidden):
                content.add_partnership(actor, f"{MARK} Partnership", "Partnership")
            with pytest.raises(Forbidden):
                content.rename_partnership(actor, lcp_named(LCP), "Renamed", "Renamed", LCP)
        topic = content.add_topic(admin, f"{MARK} admin topic", "About it")
        assert db.session.scalar(select(Topic.id).where(Topic.label == f"{MARK} admin topic")) == topic.id
        by_cli = content.add_topic(Actor.cli(), f"{MARK} cli topic")
        event = audits_since(0, "topic.create")[-1]
        assert (event.object_id, event.actor_label, event.actor_id) == (str(by_cli.id), CLI, None)
        assert event.summary == f"topic {MARK} cli topic added"


def test_a_label_or_title_in_use_is_refused_with_the_sentence_the_form_shows(app: Flask, make_staff) -> None:
    with app.app_context():
        admin = staff_actor(make_staff, "admin")
        content.add_topic(admin, f"{MARK} health")
        first = last_audit_id()
        with pytest.raises(CommandRefused, match="There is already a topic called"):
            content.add_topic(admin, f"{MARK} HEALTH ")
        lcp = lcp_named(LCP)
        content.save_priority(admin, lcp, None, f"{MARK} priority", "", [])
        first = last_audit_id()
        with pytest.raises(CommandRefused, match="already has a priority called"):
            content.save_priority(admin, lcp, None, f"{MARK} PRIORITY", "", [])
        assert audits_since(first) == []
        assert db.session.scalar(select(func.count(Priority.id)).where(Priority.title.startswith(MARK))) == 1


# A partnership's life, from the command line ------------------------------------------------------------------------


def test_a_partnership_added_changed_renamed_and_merged_from_the_command_line_is_audited_as_cli(app: Flask) -> None:
    cli = Actor.cli()
    with app.app_context():
        first = last_audit_id()
        lcp = content.add_partnership(cli, f"{MARK} North", "North", "A new partnership")
        other = content.add_partnership(cli, f"{MARK} South", "South")
        changes = lcp_content.PageChanges(
            summary="Changed summary", contact_email="north@example.org", areas=["Hill"], districts=[], partners=[]
        )
        assert content.save_page(cli, lcp, changes) is True
        assert content.save_page(cli, lcp, changes) is False
        old_slug, merged_slug = lcp.slug, other.slug
        with pytest.raises(CommandRefused, match="Another partnership uses or used"):
            content.rename_partnership(cli, lcp, lcp.name, lcp.short_name, LCP)
        assert content.rename_partnership(cli, lcp, f"{MARK} Northern", "Northern", f"{old_slug}-new") is True
        summary = content.merge_partnerships(cli, other, lcp)
        with pytest.raises(CommandRefused, match="Choose a different partnership"):
            content.merge_partnerships(cli, lcp, lcp)
        events = audits_since(first)
        assert [event.action for event in events] == ["lcp.create", "lcp.create", "lcp.edit", "lcp.rename", "lcp.merge"]
        assert {event.actor_label for event in events} == {CLI}
        assert events[2].summary == f"{old_slug}: page facts"
        assert "Changed summary" in events[2].after and '"areas": ["Hill"]' in events[2].after
        assert events[3].summary == f"renamed {MARK} Northern"
        assert events[4].summary.startswith(f"{merged_slug} merged into {old_slug}-new: ")
        assert summary.text() in events[4].summary
        assert db.session.get(Lcp, lcp.id).edited_at is not None


# GP practices -------------------------------------------------------------------------------------------------------


@pytest.fixture
def morley_practice(app: Flask) -> Iterator[str]:
    fields = ("lcp_id", "lcp_source", "lcp_note", "lcp_linked_at", "lcp_linked_by_id")
    with app.app_context():
        practice = db.session.scalar(select(GpPractice).where(GpPractice.ods_code == MORLEY_PRACTICE))
        state = {name: getattr(practice, name) for name in fields}
    yield MORLEY_PRACTICE
    with app.app_context():
        practice = db.session.scalar(select(GpPractice).where(GpPractice.ods_code == MORLEY_PRACTICE))
        for name, value in state.items():
            setattr(practice, name, value)
        db.session.commit()


def test_a_practice_of_another_partnership_moves_only_for_an_admin_or_the_command_line(
    app: Flask, make_staff, morley_practice
) -> None:
    with app.app_context():
        staff = staff_actor(make_staff, "staff", (LCP,))
        practice = db.session.scalar(select(GpPractice).where(GpPractice.ods_code == morley_practice))
        lcp, morley = lcp_named(LCP), practice.lcp
        first = last_audit_id()
        with pytest.raises(CommandRefused, match=f"This practice is linked to {morley.name}"):
            content.link_practice(staff, lcp, practice, "test", "")
        assert practice.lcp_id == morley.id and audits_since(first) == []
        with pytest.raises(NotFound):
            content.unlink_practice(staff, lcp, practice)
        content.link_practice(Actor.cli(), lcp, practice, "the command line", "moved")
        assert (practice.lcp_id, practice.lcp_linked_by_id) == (lcp.id, None)
        event = audits_since(first, "practice.link")[-1]
        assert (event.actor_label, event.object_id) == (CLI, morley_practice)
        assert event.summary == f"{morley_practice} {practice.name} to {LCP}"
        content.unlink_practice(staff, lcp, practice)
        assert practice.lcp_id is None and practice.lcp_linked_by_id == staff.user.id
        event = audits_since(first, "practice.unlink")[-1]
        assert event.actor_id == staff.user.id and event.summary == f"{morley_practice} {practice.name} from {LCP}"


# Meetings -----------------------------------------------------------------------------------------------------------


def test_work_on_an_example_meeting_claims_it_once_in_the_actors_name(app: Flask, make_staff) -> None:
    with app.app_context():
        staff = Actor.staff(db.session.get(StaffUser, make_staff("staff", (LCP,)).id), "192.0.2.7")
        starts = utcnow() + timedelta(days=30)
        meeting = Meeting(
            lcp=lcp_named(LCP), title=f"{MARK} example", starts_at=starts, ends_at=starts + timedelta(hours=1)
        )
        meeting.is_demo = True
        db.session.add(meeting)
        db.session.commit()
        first = last_audit_id()
        item = content.add_agenda_item(staff, meeting, {"title": "First"})
        content.add_agenda_item(staff, meeting, {"title": "Second"})
        assert content.move_agenda_item(staff, item, "up") is False
        assert content.move_agenda_item(staff, item, "down") is True
        events = audits_since(first)
        assert [event.action for event in events] == [
            "meeting.edited",
            "agenda-item.created",
            "agenda-item.created",
            "agenda-item.moved",
        ]
        assert {(event.actor_id, event.address) for event in events} == {(staff.user.id, "192.0.2.7")}
        assert events[1].summary == f"agenda item “First” of meeting {meeting.id}"
        assert not db.session.get(Meeting, meeting.id).is_demo
        content.delete_agenda_item(staff, db.session.get(AgendaItem, item.id))
        assert [row.title for row in meeting.agenda_items] == ["Second"] and meeting.agenda_items[0].position == 0
        assert audits_since(first)[-1].action == "agenda-item.deleted"


def test_a_meeting_is_saved_as_a_draft_and_published_with_what_changed(app: Flask) -> None:
    cli = Actor.cli()
    with app.app_context():
        starts = utcnow() + timedelta(days=40)
        meeting = Meeting(lcp_id=lcp_named(LCP).id)
        values = {"title": f"{MARK} meeting", "starts_at": starts, "ends_at": starts + timedelta(hours=1)}
        assert content.save_meeting(cli, meeting, values) == "created"
        assert meeting.published is False
        assert content.save_meeting(cli, meeting, {"location": "Library"}, "publish") == "published"
        events = audits_since(0, "meeting.published")
        assert events[-1].object_id == str(meeting.id) and events[-1].actor_label == CLI
        assert '"published": true' in events[-1].after and '"location": "Library"' in events[-1].after


# Maturity and translations ------------------------------------------------------------------------------------------


def test_a_second_self_assessment_on_one_day_is_refused(app: Flask) -> None:
    with app.app_context():
        lcp = lcp_named(OTHER)
        element = db.session.scalar(select(MaturityElement).order_by(MaturityElement.position))
        level = db.session.scalar(select(MaturityLevel).order_by(MaturityLevel.rank))
        day = date(2021, 2, 3)
        content.add_assessment(Actor.cli(), lcp, day, {element.id: level.id}, f"{MARK} first")
        event = audits_since(0, "maturity.created")[-1]
        assert event.summary == "maturity self-assessment of 2021-02-03" and element.slug in event.after
        with pytest.raises(CommandRefused, match="already has a self-assessment on that date"):
            content.add_assessment(Actor.cli(), lcp, day, {element.id: level.id}, f"{MARK} second")


def test_translations_need_a_language_the_site_offers_and_are_audited_before_and_after(app: Flask) -> None:
    cli = Actor.cli()
    with app.app_context():
        lcp = lcp_named(OTHER)
        language = translations.other_languages()[0]
        with pytest.raises(NotFound):
            content.save_summary_translation(cli, lcp, "xx", "Words")
        first = last_audit_id()
        content.save_summary_translation(cli, lcp, language, f"{MARK} one")
        content.save_summary_translation(cli, lcp, language, f"{MARK} two")
        assert content.remove_summary_translation(cli, lcp, language) is True
        assert content.remove_summary_translation(cli, lcp, language) is False
        assert translations.lcp_translation(lcp, language) is None
        events = audits_since(first)
        assert [event.action for event in events] == ["lcp.translation", "lcp.translation", "lcp_translation.remove"]
        assert events[0].summary == f"lcp.translation into {language}" and events[0].before == ""
        assert f"{MARK} one" in events[1].before and f"{MARK} two" in events[1].after
        assert events[2].summary == f"translation into {language} removed" and f"{MARK} two" in events[2].before


def test_a_translated_summary_is_read_once_for_each_cache_it_is_handed(app: Flask) -> None:
    with app.app_context():
        lcp = lcp_named(OTHER)
        language = translations.other_languages()[0]
        content.save_summary_translation(Actor.cli(), lcp, language, f"{MARK} translated")
    with app.test_request_context(f"/?lang={language}"):
        lcp = lcp_named(OTHER)
        cache: dict[str, object] = {}
        assert translations.summary_shown(lcp, cache).body == f"{MARK} translated"
        assert cache == {f"lcp.summaries.{language}": {lcp.id: f"{MARK} translated"}}
        cache[f"lcp.summaries.{language}"] = {lcp.id: "from the cache"}
        assert translations.summary_shown(lcp, cache).body == "from the cache"
        db.session.execute(delete(LcpTranslation).where(LcpTranslation.lcp_id == lcp.id))
        db.session.commit()
