"""Staff pages for meetings, agenda items, decisions, updates and maturity self-assessments, and drafts kept off
every public page and feed until they are published.

The database is shared by the whole session, so everything made here carries a unique title or note and
is deleted afterwards, with its audit rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import feedparser
import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar
from sqlalchemy import delete, or_, select

from app.clock import utcnow
from app.commands import Actor
from app.commands import sharing as sharing_commands
from app.commands.system import load_demo
from app.extensions import db
from app.formatting import uk_date
from app.models import (
    AgendaItem,
    AuditEvent,
    Follower,
    Lcp,
    MaturityAssessment,
    MaturityElement,
    MaturityLevel,
    Meeting,
    OutboxMessage,
    Submission,
    Update,
)
from app.services import digest
from app.services.sharing import ContactInput, ShareInput
from tests.conftest import Page

LCP = "armley"
OTHER_LCP = "seacroft"
LONDON = ZoneInfo("Europe/London")
MARK = f"Staff test {uuid4().hex[:8]}"


def unique(words: str) -> str:
    return f"{MARK}: {words} {uuid4().hex[:6]}"


# Rows made here, and their removal ---------------------------------------------------------------------------------


@pytest.fixture
def run(app: Flask) -> Callable:
    """Runs a function in a request context of its own, apart from the requests' sessions, and returns its result."""

    def call(function: Callable, *args):
        with app.test_request_context():
            try:
                return function(*args)
            finally:
                db.session.rollback()

    return call


@pytest.fixture(autouse=True)
def forget_what_was_made(app: Flask) -> Iterator[None]:
    """Meetings, updates and assessments made by a test (marked by MARK), their comments and audit rows, go after it."""
    yield
    with app.app_context():
        meetings = list(db.session.scalars(select(Meeting).where(Meeting.title.startswith(MARK))))
        updates = list(db.session.scalars(select(Update).where(Update.title.startswith(MARK))))
        assessments = list(
            db.session.scalars(select(MaturityAssessment).where(MaturityAssessment.note.startswith(MARK)))
        )
        item_ids = [str(item.id) for meeting in meetings for item in meeting.agenda_items]
        for submission in db.session.scalars(select(Submission).where(Submission.body.startswith(MARK))):
            db.session.delete(submission)
        mine = [
            (AuditEvent.object_type == "meeting") & AuditEvent.object_id.in_([str(m.id) for m in meetings]),
            (AuditEvent.object_type == "agenda_item") & AuditEvent.object_id.in_(item_ids),
            (AuditEvent.object_type == "lcp_update") & AuditEvent.object_id.in_([str(u.id) for u in updates]),
            (AuditEvent.object_type == "maturity_assessment")
            & AuditEvent.object_id.in_([str(a.id) for a in assessments]),
            AuditEvent.summary.contains(MARK),
        ]
        db.session.execute(delete(AuditEvent).where(or_(*mine)))
        for row in [*meetings, *updates, *assessments]:
            db.session.delete(row)
        db.session.commit()


@pytest.fixture
def editor(staff_client) -> FlaskClient:
    return staff_client("staff", lcps=(LCP,))


def meeting_form(**changes) -> dict:
    day = date.today() + timedelta(days=10)
    return {
        "title": unique("Partnership meeting"),
        "day": day.isoformat(),
        "starts": "14:00",
        "ends": "16:00",
        "location": "Armley Library, Meeting Room",
        "joining_details": "Ask at reception for the partnership meeting. https://example.org/join",
        "public_may_attend": "yes",
        "summary": "Partners and residents plan the year.",
        "outcome": "",
        "action": "save",
        **changes,
    }


def made_id(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return int(response.location.split("?")[0].split("#")[0].rstrip("/").rsplit("/", 1)[1])


def new_meeting(client: FlaskClient, staff_post, **changes) -> int:
    return made_id(staff_post(client, f"/admin/lcps/{LCP}/meetings/new", meeting_form(**changes)))


def new_item(client: FlaskClient, staff_post, meeting_id: int, **changes) -> int:
    data = {"title": unique("Agenda item"), "description": "", "papers": "", **changes}
    response = staff_post(client, f"/admin/meetings/{meeting_id}/items/new", data)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    with client.application.app_context():
        return db.session.scalar(select(AgendaItem.id).where(AgendaItem.title == data["title"]))


def new_update(client: FlaskClient, staff_post, **changes) -> int:
    data = {"title": unique("Update"), "body": "We **opened** a new clinic.", "action": "save", **changes}
    return made_id(staff_post(client, f"/admin/lcps/{LCP}/updates/new", data))


def title_in(client: FlaskClient, url: str) -> str:
    """The title as saved, from the form's title box."""
    return Page(client.get(url)).soup.select_one("input[name=title]")["value"]


def atom_titles(client: FlaskClient, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    return [entry.title for entry in feed.entries]


def calendar_events(client: FlaskClient, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    return {str(event["summary"]): event for event in Calendar.from_ical(response.data).walk("VEVENT")}


# Meetings: drafts, publishing, the agenda ---------------------------------------------------------------------------


def test_a_new_meeting_is_a_draft_that_no_public_page_or_feed_shows(editor, staff_post, client, get_page) -> None:
    meeting_id = new_meeting(editor, staff_post)
    item_id = new_item(editor, staff_post, meeting_id, topics=["transport"])
    page = Page(editor.get(f"/admin/meetings/{meeting_id}"))
    title = page.h1
    assert "Draft" in page.text()

    assert title not in get_page(f"/lcps/{LCP}").text()
    get_page(f"/lcps/{LCP}/meetings/{meeting_id}", status=404)
    assert client.get(f"/lcps/{LCP}/meetings/{meeting_id}.ics").status_code == 404
    assert title not in calendar_events(client, f"/lcps/{LCP}/meetings.ics")
    assert title not in calendar_events(client, "/meetings.ics")
    assert title not in get_page("/").text()
    assert title not in get_page("/topics/transport").text()
    # An item of a draft meeting cannot be commented on: the form treats it as an unknown item.
    share = get_page(f"/share?item={item_id}")
    assert "we could not find it" in share.text()
    assert share.soup.select_one("input[name=item]").get("value", "") == ""


def test_a_comment_sent_for_a_draft_meetings_item_is_filed_without_it(
    app: Flask, editor, staff_post, client, run
) -> None:
    meeting_id = new_meeting(editor, staff_post)
    item_id = new_item(editor, staff_post, meeting_id)
    page = Page(client.get("/share"))
    body = unique("About a draft item")
    response = client.post(
        "/share",
        data={
            "csrf_token": page.soup.select_one("input[name=csrf_token]")["value"],
            "form_key": page.soup.select_one("input[name=form_key]")["value"],
            "item": str(item_id),
            "body": body,
            "lcps": [LCP],
            "speaks_for": "self",
            "contact": "no",
        },
    )
    assert response.status_code == 303
    assert run(lambda: db.session.scalar(select(Submission.agenda_item_id).where(Submission.body == body))) is None


def test_publishing_a_meeting_shows_it_at_once_with_its_agenda_papers_and_joining_details(
    editor, staff_post, client, get_page
) -> None:
    day = date.today() + timedelta(days=12)
    meeting_id = new_meeting(editor, staff_post, day=day.isoformat())
    new_item(
        editor,
        staff_post,
        meeting_id,
        title=f"{MARK} Bus links",
        papers="Budget report | https://example.org/budget.pdf\nhttps://example.org/minutes.pdf",
        topics=["transport"],
    )
    form = meeting_form(day=day.isoformat(), action="publish")
    form["title"] = title_in(editor, f"/admin/meetings/{meeting_id}")
    response = staff_post(editor, f"/admin/meetings/{meeting_id}", form)
    assert response.status_code == 303
    assert "Meeting published" in Page(editor.get(response.location)).text()

    card = get_page(f"/lcps/{LCP}").soup.find(id=f"meeting-{meeting_id}")
    assert card is not None and form["title"] in card.get_text()
    assert "Ask at reception for the partnership meeting." in card.get_text()
    assert "Example content" not in card.get_text()
    page = get_page(f"/lcps/{LCP}/meetings/{meeting_id}")
    assert page.links()["Budget report"] == "https://example.org/budget.pdf"
    assert page.links()["https://example.org/minutes.pdf"] == "https://example.org/minutes.pdf"
    assert "Members of the public are welcome." in page.text()
    assert f"{MARK} Bus links" in get_page("/topics/transport").text()

    events = calendar_events(client, f"/lcps/{LCP}/meetings.ics")
    event = events[form["title"]]
    starts = datetime.combine(day, time(14, 0), tzinfo=LONDON).astimezone(UTC)
    assert event.decoded("dtstart") == starts
    assert event.decoded("dtend") == starts + timedelta(hours=2)
    assert "Bus links" in str(event["description"])
    assert form["title"] in calendar_events(client, f"/lcps/{LCP}/meetings/{meeting_id}.ics")


def test_withdrawing_a_meeting_takes_it_off_the_public_pages(editor, staff_post, client, get_page) -> None:
    meeting_id = new_meeting(editor, staff_post, action="publish")
    title = title_in(editor, f"/admin/meetings/{meeting_id}")
    get_page(f"/lcps/{LCP}/meetings/{meeting_id}")
    form = meeting_form(title=title, action="withdraw")
    assert staff_post(editor, f"/admin/meetings/{meeting_id}", form).status_code == 303
    get_page(f"/lcps/{LCP}/meetings/{meeting_id}", status=404)
    assert title not in calendar_events(client, "/meetings.ics")
    listing = Page(editor.get(f"/admin/lcps/{LCP}/meetings"))
    drafts = listing.soup.find("h2", id="drafts").find_next("table")
    assert title in drafts.get_text() and "Draft" in drafts.get_text()


def test_meeting_times_are_read_as_leeds_time_and_stored_as_utc(editor, staff_post, run) -> None:
    summer = date(date.today().year + 1, 7, 1)
    meeting_id = new_meeting(editor, staff_post, day=summer.isoformat(), starts="09:30", ends="11:00")
    starts, ends = run(
        lambda: db.session.execute(select(Meeting.starts_at, Meeting.ends_at).where(Meeting.id == meeting_id)).one()
    )
    assert (starts, ends) == (datetime.combine(summer, time(8, 30)), datetime.combine(summer, time(10, 0)))
    page = Page(editor.get(f"/admin/meetings/{meeting_id}"))
    assert page.soup.select_one("input[name=starts]")["value"] == "09:30"
    assert page.soup.select_one("input[name=day]")["value"] == summer.isoformat()


def test_agenda_items_can_be_moved_changed_and_deleted(editor, staff_post, get_page) -> None:
    meeting_id = new_meeting(editor, staff_post, action="publish")
    first = new_item(editor, staff_post, meeting_id, title=f"{MARK} first")
    second = new_item(editor, staff_post, meeting_id, title=f"{MARK} second")
    meeting_page = f"/admin/meetings/{meeting_id}"
    staff_post(editor, f"/admin/agenda-items/{second}/move", {"direction": "up"}, form_page=meeting_page)
    public = get_page(f"/lcps/{LCP}/meetings/{meeting_id}")
    order = [li["id"] for li in public.soup.select("li[id^=item-]")]
    assert order == [f"item-{second}", f"item-{first}"]

    changed = {"title": f"{MARK} first, renamed", "description": "Now with words.", "papers": ""}
    assert staff_post(editor, f"/admin/agenda-items/{first}", changed).status_code == 303
    assert "Now with words." in get_page(f"/lcps/{LCP}/meetings/{meeting_id}").text()

    staff_post(editor, f"/admin/agenda-items/{second}/delete", {}, form_page=f"/admin/agenda-items/{second}")
    order = [li["id"] for li in get_page(f"/lcps/{LCP}/meetings/{meeting_id}").soup.select("li[id^=item-]")]
    assert order == [f"item-{first}"]


def test_a_recorded_decision_shows_on_the_public_meeting_page_tells_commenters_and_is_audited(
    editor, staff_post, get_page, run
) -> None:
    past = date.today() - timedelta(days=3)
    meeting_id = new_meeting(editor, staff_post, day=past.isoformat(), action="publish")
    item_id = new_item(editor, staff_post, meeting_id)
    email = f"commenter-{uuid4().hex[:10]}@example.org"

    def comment() -> None:
        item = db.session.get(AgendaItem, item_id)
        lcp = item.meeting.lcp
        for words in ("first", "second"):
            contact = ContactInput(email=email)
            sharing_commands.share(
                Actor.resident(),
                ShareInput(body=f"{MARK} {words} comment", lcps=[lcp], agenda_item=item, contact=contact),
            )

    run(comment)
    decision = "Partners agreed to fund the bus link for a year."
    response = staff_post(editor, f"/admin/agenda-items/{item_id}/decision", {"decision": decision})
    assert response.status_code == 303
    assert "People told by email: 1." in Page(editor.get(response.location)).text()
    told = run(
        lambda: db.session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.to_address == email, OutboxMessage.kind == "decision-recorded")
        ).all()
    )
    assert len(told) == 1
    card = get_page(f"/lcps/{LCP}/meetings/{meeting_id}").soup.find(id=f"item-{item_id}")
    assert decision in card.get_text()

    def audited():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "agenda-item.decision", AuditEvent.object_id == str(item_id))
        )
        return event.lcp_id, json.loads(event.after)["decision"], event.actor_id

    lcp_id, after, actor = run(audited)
    assert after == decision and actor == editor.user.id
    assert lcp_id == run(lambda: db.session.scalar(select(Lcp.id).where(Lcp.slug == LCP)))


def test_publishing_is_audited_with_before_and_after(editor, staff_post, run) -> None:
    meeting_id = new_meeting(editor, staff_post)
    title = title_in(editor, f"/admin/meetings/{meeting_id}")
    staff_post(
        editor, f"/admin/meetings/{meeting_id}", meeting_form(title=title, location="Town Hall", action="publish")
    )

    def events():
        rows = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == "meeting", AuditEvent.object_id == str(meeting_id))
            .order_by(AuditEvent.id)
        )
        return [(row.action, row.lcp_id is not None, row.before, row.after) for row in rows]

    [(created, *_), (published, has_lcp, before, after)] = run(events)
    assert (created, published, has_lcp) == ("meeting.created", "meeting.published", True)
    assert json.loads(before) == {"published": False, "location": "Armley Library, Meeting Room"}
    assert json.loads(after) == {"published": True, "location": "Town Hall"}


def test_digests_carry_meetings_and_updates_only_once_published(editor, staff_post, run) -> None:
    meeting_id = new_meeting(editor, staff_post)
    update_id = new_update(editor, staff_post)

    def in_digest() -> tuple[bool, bool]:
        lcp_id = db.session.scalar(select(Lcp.id).where(Lcp.slug == LCP))
        now, someone = utcnow(), Follower(id=None)
        meetings = digest.meetings_coming_up(someone, [lcp_id], [], now)
        updates = digest.updates_published(someone, [lcp_id], [], now - timedelta(days=1), now + timedelta(minutes=1))
        return meeting_id in {m.id for m in meetings}, update_id in {u.id for u in updates}

    assert run(in_digest) == (False, False)
    title = title_in(editor, f"/admin/meetings/{meeting_id}")
    staff_post(editor, f"/admin/meetings/{meeting_id}", meeting_form(title=title, action="publish"))
    update_title = title_in(editor, f"/admin/updates/{update_id}")
    staff_post(editor, f"/admin/updates/{update_id}", {"title": update_title, "body": "Words.", "action": "publish"})
    assert run(in_digest) == (True, True)


# Validation -------------------------------------------------------------------------------------------------------


def test_meeting_form_refuses_an_end_before_the_start_and_keeps_what_was_typed(editor, staff_post) -> None:
    form = meeting_form(starts="15:00", ends="14:30")
    response = staff_post(editor, f"/admin/lcps/{LCP}/meetings/new", form)
    assert response.status_code == 200
    page = Page(response)
    assert page.soup.title.get_text().startswith("Error: ")
    assert "The end time must be after the start time" in page.text(".nhsuk-error-summary")
    assert page.soup.select_one("input[name=title]")["value"] == form["title"]
    assert page.soup.select_one("input[name=ends]")["value"] == "14:30"


def test_meeting_form_asks_for_a_title(editor, staff_post) -> None:
    page = Page(staff_post(editor, f"/admin/lcps/{LCP}/meetings/new", meeting_form(title="")))
    assert "Enter the meeting’s title" in page.text(".nhsuk-error-summary")


def test_agenda_item_form_names_the_line_of_a_paper_without_a_web_address(editor, staff_post) -> None:
    meeting_id = new_meeting(editor, staff_post)
    papers = "Budget | https://example.org/budget.pdf\nMinutes | example.org/minutes"
    response = staff_post(editor, f"/admin/meetings/{meeting_id}/items/new", {"title": "Item", "papers": papers})
    page = Page(response)
    assert response.status_code == 200 and page.soup.title.get_text().startswith("Error: ")
    message = page.text(".nhsuk-error-summary")
    assert "Line 2 of the papers" in message and "Minutes | example.org/minutes" in message
    assert "https://" in message
    assert page.soup.select_one("textarea[name=papers]").get_text() == papers


# Updates ----------------------------------------------------------------------------------------------------------


def test_an_update_is_a_draft_until_published_then_in_the_atom_feeds(editor, staff_post, client, get_page, run) -> None:
    update_id = new_update(editor, staff_post)
    title = title_in(editor, f"/admin/updates/{update_id}")
    assert title not in atom_titles(client, f"/lcps/{LCP}/updates.atom")
    assert title not in atom_titles(client, "/updates.atom")
    assert title not in get_page(f"/lcps/{LCP}").text()

    form = {"title": title, "body": "We **opened** a new clinic.", "action": "publish"}
    response = staff_post(editor, f"/admin/updates/{update_id}", form)
    assert response.status_code == 303
    assert "Update published" in Page(editor.get(response.location)).text()
    assert title in atom_titles(client, f"/lcps/{LCP}/updates.atom")
    assert title in atom_titles(client, "/updates.atom")
    card = get_page(f"/lcps/{LCP}").soup.find(id=f"update-{update_id}")
    assert card is not None and f"Published {run(uk_date, utcnow())}" in card.get_text()

    staff_post(editor, f"/admin/updates/{update_id}", {**form, "action": "withdraw"})
    assert title not in atom_titles(client, f"/lcps/{LCP}/updates.atom")
    assert title in Page(editor.get(f"/admin/lcps/{LCP}/updates")).text()


def test_preview_shows_the_update_as_it_will_read_without_saving(editor, staff_post, run) -> None:
    title = unique("Previewed update")
    body = "A **bold** start.\n\n- one\n- two\n\n<script>alert(1)</script>"
    response = staff_post(editor, f"/admin/lcps/{LCP}/updates/new", {"title": title, "body": body, "action": "preview"})
    assert response.status_code == 200
    preview = Page(response).soup.select_one(".app-preview")
    assert preview.select_one("strong").get_text() == "bold"
    assert [li.get_text() for li in preview.select("li")] == ["one", "two"]
    assert preview.select_one("script") is None
    assert Page(response).soup.select_one("textarea[name=body]").get_text() == body
    assert run(lambda: db.session.scalar(select(Update.id).where(Update.title == title))) is None


def test_update_form_asks_for_the_text(editor, staff_post) -> None:
    page = Page(staff_post(editor, f"/admin/lcps/{LCP}/updates/new", {"title": unique("No body"), "body": ""}))
    assert "Enter the text of the update" in page.text(".nhsuk-error-summary")


# Maturity ---------------------------------------------------------------------------------------------------------


def maturity_choices(run) -> tuple[list[int], list[int]]:
    return run(
        lambda: (
            list(db.session.scalars(select(MaturityElement.id).order_by(MaturityElement.position))),
            list(db.session.scalars(select(MaturityLevel.id).order_by(MaturityLevel.rank))),
        )
    )


def test_a_new_self_assessment_shows_on_the_public_page(editor, staff_post, get_page, run) -> None:
    elements, levels = maturity_choices(run)
    day = date.today() - timedelta(days=1)
    form = {"assessed_on": day.isoformat(), "note": f"{MARK} after the away day"}
    form |= {f"element_{element}": str(levels[-1]) for element in elements[:-1]}
    form[f"element_{elements[-1]}"] = ""
    response = staff_post(editor, f"/admin/lcps/{LCP}/maturity/new", form)
    assert response.status_code == 303
    listing = Page(editor.get(response.location))
    shown = run(uk_date, day)
    assert shown in listing.text("table")
    assert "Not assessed" in listing.text("table")
    assert f"This is its self-assessment of {shown}." in get_page(f"/lcps/{LCP}").text()

    again = Page(staff_post(editor, f"/admin/lcps/{LCP}/maturity/new", form))
    assert "already has a self-assessment on that date" in again.text(".nhsuk-error-summary")


def test_a_self_assessment_cannot_be_dated_in_the_future_or_rate_nothing(editor, staff_post, run) -> None:
    elements, levels = maturity_choices(run)
    future = {"assessed_on": (date.today() + timedelta(days=2)).isoformat(), "note": MARK}
    future[f"element_{elements[0]}"] = str(levels[0])
    page = Page(staff_post(editor, f"/admin/lcps/{LCP}/maturity/new", future))
    assert page.soup.title.get_text().startswith("Error: ")
    assert "must be today or in the past" in page.text(".nhsuk-error-summary")
    nothing = Page(
        staff_post(editor, f"/admin/lcps/{LCP}/maturity/new", {"assessed_on": date.today().isoformat(), "note": MARK})
    )
    assert "Choose a level for at least one part" in nothing.text(".nhsuk-error-summary")


# Example content ----------------------------------------------------------------------------------------------------


def test_editing_an_example_meeting_makes_it_staff_content_that_flask_demo_keeps(
    app: Flask, editor, staff_post, get_page, run
) -> None:
    def demo_meeting() -> int:
        lcp_id = db.session.scalar(select(Lcp.id).where(Lcp.slug == LCP))
        return db.session.scalar(
            select(Meeting.id)
            .where(Meeting.lcp_id == lcp_id, Meeting.is_demo, Meeting.ends_at > utcnow())
            .order_by(Meeting.starts_at)
        )

    meeting_id = run(demo_meeting)
    card = get_page(f"/lcps/{LCP}").soup.find(id=f"meeting-{meeting_id}")
    assert "Example content" in card.get_text()
    form = {
        name: field.get("value", "")
        for name, field in (
            (field["name"], field)
            for field in Page(editor.get(f"/admin/meetings/{meeting_id}")).soup.select("form#form-start input")
        )
        if field.get("type") not in ("radio", "checkbox", "hidden")
    }
    form |= {"title": unique("Staff's own meeting"), "public_may_attend": "yes", "action": "save"}
    assert staff_post(editor, f"/admin/meetings/{meeting_id}", form).status_code == 303
    card = get_page(f"/lcps/{LCP}").soup.find(id=f"meeting-{meeting_id}")
    assert form["title"] in card.get_text() and "Example content" not in card.get_text()

    def reload_demo() -> bool:
        load_demo(Actor.cli())
        return db.session.get(Meeting, meeting_id) is not None

    assert run(reload_demo)
    # The fixture deletes it afterwards, by its marked title.


# Who may do what ----------------------------------------------------------------------------------------------------


@pytest.fixture
def rows(app: Flask) -> Iterator[dict[str, int]]:
    """A meeting with an item and an update in LCP, made directly."""
    with app.app_context():
        lcp = db.session.scalar(select(Lcp).where(Lcp.slug == LCP))
        starts = utcnow() + timedelta(days=20)
        meeting = Meeting(
            lcp=lcp, title=unique("Access meeting"), starts_at=starts, ends_at=starts + timedelta(hours=1)
        )
        meeting.agenda_items = [AgendaItem(title="Access item", position=0), AgendaItem(title="Other", position=1)]
        update = Update(lcp=lcp, title=unique("Access update"), body="Words.", published_at=utcnow())
        db.session.add_all([meeting, update])
        db.session.commit()
        made = {"meeting": meeting.id, "item": meeting.agenda_items[0].id, "update": update.id}
    yield made


def urls(made: dict[str, int]) -> list[tuple[str, dict]]:
    """Every address of these pages, with a valid-looking form for a POST."""
    return [
        (f"/admin/lcps/{LCP}/meetings", {}),
        (f"/admin/lcps/{LCP}/meetings/new", meeting_form()),
        (f"/admin/meetings/{made['meeting']}", meeting_form()),
        (f"/admin/meetings/{made['meeting']}/items/new", {"title": "x"}),
        (f"/admin/agenda-items/{made['item']}", {"title": "x"}),
        (f"/admin/agenda-items/{made['item']}/delete", {}),
        (f"/admin/agenda-items/{made['item']}/move", {"direction": "down"}),
        (f"/admin/agenda-items/{made['item']}/decision", {"decision": "x"}),
        (f"/admin/lcps/{LCP}/updates", {}),
        (f"/admin/lcps/{LCP}/updates/new", {"title": "x", "body": "x"}),
        (f"/admin/updates/{made['update']}", {"title": "x", "body": "x"}),
        (f"/admin/lcps/{LCP}/maturity", {}),
        (f"/admin/lcps/{LCP}/maturity/new", {"assessed_on": "2020-01-01"}),
    ]


POST_ONLY = ("/delete", "/move")
LISTS = ("/meetings", "/updates", "/maturity")


def test_staff_of_another_partnership_get_404_on_every_page_and_form(staff_client, staff_post, rows, run) -> None:
    outsider = staff_client("staff", lcps=(OTHER_LCP,))
    for url, data in urls(rows):
        if not url.endswith(POST_ONLY):
            assert outsider.get(url).status_code == 404, url
        if not url.endswith(LISTS):
            assert staff_post(outsider, url, data, form_page="/admin/account").status_code == 404, url
    assert run(lambda: db.session.get(AgendaItem, rows["item"]).title) == "Access item"


def test_viewers_may_read_the_lists_but_change_nothing(staff_client, staff_post, rows, run) -> None:
    viewer = staff_client("viewer", lcps=(LCP,))
    for url, data in urls(rows):
        if url.endswith(LISTS):
            page = Page(viewer.get(url))
            assert page.response.status_code == 200, url
            assert not page.soup.select(f"a[href='{url}/new']"), url
            continue
        if not url.endswith(POST_ONLY):
            assert viewer.get(url).status_code == 403, url
        assert staff_post(viewer, url, data, form_page="/admin/account").status_code == 403, url
    assert run(lambda: db.session.get(AgendaItem, rows["item"]).title) == "Access item"


def test_a_form_without_its_csrf_token_is_refused(editor, rows, run) -> None:
    for url, data in urls(rows):
        if url.endswith(LISTS):
            continue
        assert editor.post(url, data=data).status_code == 400, url
    assert run(lambda: db.session.get(AgendaItem, rows["item"]).title) == "Access item"


def test_the_lists_show_drafts_and_published_rows_with_status_tags(editor, rows, staff_post) -> None:
    meetings = Page(editor.get(f"/admin/lcps/{LCP}/meetings"))
    upcoming = meetings.soup.find("h2", id="upcoming").find_next("table")
    assert "Access meeting" in upcoming.get_text() and "Published" in upcoming.get_text()
    assert meetings.soup.select(f"a[href='/admin/meetings/{rows['meeting']}']")
    updates = Page(editor.get(f"/admin/lcps/{LCP}/updates"))
    assert updates.soup.select(f"a[href='/admin/updates/{rows['update']}']")
    assert all(table.caption for table in [*meetings.soup.select("table"), *updates.soup.select("table")])


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("2019-12-31", "Enter a date from 1 January 2020 to "),
        ("0001-01-01", "Enter a date from 1 January 2020 to "),
        ("9999-12-31", "Enter a date from 1 January 2020 to "),
        (None, "Enter a date from 1 January 2020 to "),
    ],
    ids=["before-2020", "year-one", "year-9999", "six-years-ahead"],
)
def test_a_meeting_date_outside_a_sensible_range_is_refused_with_the_range(editor, staff_post, day, message) -> None:
    """A slip of the keyboard (2062 for 2026) would put a meeting out of everyone's sight; it is refused, typed
    words kept, and the message says which dates are taken."""
    if day is None:
        day = (date.today() + timedelta(days=6 * 366)).isoformat()
    form = meeting_form(day=day)
    page = Page(staff_post(editor, f"/admin/lcps/{LCP}/meetings/new", form))
    assert page.response.status_code == 200
    assert page.soup.title.get_text().startswith("Error: ")
    assert message in page.text(".nhsuk-error-summary")
    assert page.soup.select_one("input[name=title]")["value"] == form["title"]
    # The last day of the range is taken.
    latest = date.today() + timedelta(days=5 * 365)
    assert made_id(staff_post(editor, f"/admin/lcps/{LCP}/meetings/new", meeting_form(day=latest.isoformat())))


def test_a_self_assessment_before_2020_is_refused(editor, staff_post, run) -> None:
    elements, levels = maturity_choices(run)
    form = {"assessed_on": "2019-06-30", "note": MARK, f"element_{elements[0]}": str(levels[0])}
    page = Page(staff_post(editor, f"/admin/lcps/{LCP}/maturity/new", form))
    assert "Enter a date from 1 January 2020" in page.text(".nhsuk-error-summary")
