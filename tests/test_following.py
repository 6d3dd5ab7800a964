"""Following without floods: where followed topics bring news from (the partnerships followed, or across Leeds),
why each digest item and calendar event is there, meetings the public cannot attend (labelled everywhere, and
left out of the private calendar unless asked for), the preferences link emailed once on confirming, and the
areas /match passes to the registration form.

Every row made here is made in the test's own transaction and rolled back with it. Meetings and updates are made
far in the future (`NOW`), past every demo item, so only this test's rows are new to a digest; calendars hold
demo meetings too, so what they are checked for is scoped to the partnerships and meetings a test names.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from flask import render_template
from icalendar import Calendar
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from app.clock import utcnow
from app.commands import Actor, system
from app.commands import people as people_commands
from app.extensions import db
from app.models import AgendaItem, Follower, Lcp, Meeting, OutboxMessage, Topic, Update
from app.services import digest
from app.services.tokens import Purpose, make_token
from tests.conftest import Page

DIGESTS = Actor.system("digests")
NOW = (utcnow() + timedelta(days=1000)).replace(hour=7, minute=0, second=0, microsecond=0)
DAY = timedelta(days=1)

FOLLOWED = ("hatch", "seacroft")
TOPICS = ("mental-health", "transport")
MINDS = "Mental health and wellbeing"
TRANSPORT = "Transport and getting around"
PARTNERS_ONLY = "Partners only: the public cannot attend"

REGISTRATION = {
    "kind": "resident",
    "lcps": list(FOLLOWED),
    "topics": list(TOPICS),
    "interests": ["news"],
    "frequency": "weekly",
    "language": "en_GB",
    "consent": "y",
}


def lcp(slug: str) -> Lcp:
    return db.session.scalar(select(Lcp).where(Lcp.slug == slug))


def topic(slug: str) -> Topic:
    return db.session.scalar(select(Topic).where(Topic.slug == slug))


def unique(title: str) -> str:
    return f"{title} {uuid.uuid4().hex[:8]}"


def make_follower(
    lcps: tuple[str, ...] = FOLLOWED, topics: tuple[str, ...] = TOPICS, scope: str = "followed", **values
) -> Follower:
    person = Follower(
        email=f"following-{uuid.uuid4().hex[:12]}@example.org",
        frequency="weekly",
        confirmed_at=utcnow(),
        topic_scope=scope,
        **values,
    )
    person.lcps = [lcp(slug) for slug in lcps]
    person.topics = [topic(slug) for slug in topics]
    db.session.add(person)
    db.session.commit()
    return person


def make_meeting(
    lcp_slug: str, title: str, starts_at: datetime, topics: tuple[str, ...] = (), public: bool | None = True
) -> Meeting:
    meeting = Meeting(
        lcp=lcp(lcp_slug),
        title=unique(title),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        location="Test Hall",
        public_may_attend=public,
        agenda_items=[AgendaItem(title=f"Agenda of {title}", topics=[topic(slug) for slug in topics])],
    )
    db.session.add(meeting)
    db.session.commit()
    return meeting


def make_update(lcp_slug: str, title: str, published_at: datetime, topics: tuple[str, ...] = ()) -> Update:
    item = Update(
        lcp=lcp(lcp_slug),
        title=unique(title),
        body="Something happened.",
        published_at=published_at,
        topics=[topic(slug) for slug in topics],
    )
    db.session.add(item)
    db.session.commit()
    return item


class Elsewhere:
    """One meeting and one update in each followed partnership, and on each followed topic in partnerships not
    followed, and one on a topic nobody follows."""

    def __init__(self) -> None:
        self.hatch_meeting = make_meeting("hatch", "HATCH meeting", NOW + 3 * DAY)
        self.seacroft_update = make_update("seacroft", "Seacroft minds news", NOW - DAY, topics=("mental-health",))
        self.wetherby_meeting = make_meeting("wetherby", "Wetherby minds meeting", NOW + 4 * DAY, ("mental-health",))
        self.armley_update = make_update("armley", "Armley bus news", NOW - 2 * DAY, topics=("transport",))
        self.unfollowed = make_update("armley", "Armley housing news", NOW - DAY, topics=("housing",))

    @property
    def followed_titles(self) -> set[str]:
        return {self.hatch_meeting.title, self.seacroft_update.title}

    @property
    def across_leeds_titles(self) -> set[str]:
        return {self.wetherby_meeting.title, self.armley_update.title}


def reasons_by_title(html: str) -> dict[str, list[str]]:
    soup = BeautifulSoup(html, "html.parser")
    return {
        block.select_one("h2 a").get_text(strip=True): [p.get_text(strip=True) for p in block.select("p.reason")]
        for block in soup.select("main .item")
    }


def digest_email(person: Follower) -> OutboxMessage:
    assert system.send_digest(DIGESTS, person, "weekly", NOW) == digest.QUEUED
    [message] = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.follower_id == person.id, OutboxMessage.kind == "digest")
    )
    return message


def calendar_of(client, person: Follower) -> list:
    response = client.get(f"/calendar/{make_token(person, Purpose.CALENDAR)}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    return list(Calendar.from_ical(response.get_data()).walk("VEVENT"))


def event_for(events: list, meeting: Meeting):
    found = [event for event in events if str(event["UID"]).startswith(f"meeting-{meeting.id}@")]
    assert len(found) <= 1
    return found[0] if found else None


# Where topics bring news from --------------------------------------------------------------------------------------


def test_with_topics_in_the_partnerships_followed_the_digest_keeps_to_those_partnerships(app_context) -> None:
    things = Elsewhere()
    person = make_follower(scope="followed")
    content = digest.collect(person, "weekly", now=NOW)
    titles = {entry.item.title for entry in content.items + content.held_back}
    assert titles == things.followed_titles
    assert {entry.lcp.slug for entry in content.items} <= set(FOLLOWED)

    html = digest_email(person).html_body
    assert reasons_by_title(html) == {
        things.hatch_meeting.title: ["You follow HATCH"],
        things.seacroft_update.title: ["You follow Seacroft", f"You follow the topic {MINDS}"],
    }
    assert "across Leeds" not in html


def test_with_topics_across_leeds_the_digest_adds_other_partnerships_each_saying_why(app_context) -> None:
    things = Elsewhere()
    person = make_follower(scope="leeds")
    titles = {entry.item.title for entry in digest.collect(person, "weekly", now=NOW).items}
    assert titles == things.followed_titles | things.across_leeds_titles
    assert things.unfollowed.title not in titles

    message = digest_email(person)
    assert reasons_by_title(message.html_body) == {
        things.hatch_meeting.title: ["You follow HATCH"],
        things.seacroft_update.title: ["You follow Seacroft", f"You follow the topic {MINDS}"],
        things.wetherby_meeting.title: [f"You follow the topic {MINDS} (across Leeds)"],
        things.armley_update.title: [f"You follow the topic {TRANSPORT} (across Leeds)"],
    }
    # The text part says the same under each item.
    text = message.text_body
    for title, reason in (
        (things.wetherby_meeting.title, f"You follow the topic {MINDS} (across Leeds)"),
        (things.armley_update.title, f"You follow the topic {TRANSPORT} (across Leeds)"),
        (things.hatch_meeting.title, "You follow HATCH"),
    ):
        after = text.split(title, 1)[1].split("=" * 60, 1)[0]
        assert reason in after, (title, after)


def test_topics_with_no_partnership_followed_come_from_across_leeds(app_context, client) -> None:
    things = Elsewhere()
    person = make_follower(lcps=(), scope="followed")
    titles = {entry.item.title for entry in digest.collect(person, "weekly", now=NOW).items}
    assert titles == {things.seacroft_update.title} | things.across_leeds_titles
    assert things.hatch_meeting.title not in titles

    # The preferences page says so beside the choice.
    page = Page(client.get(f"/preferences/{make_token(person, Purpose.PREFERENCES)}"))
    assert "You follow no partnership, so your topics bring news from across Leeds." in page.text()


def test_the_private_calendar_keeps_to_the_followed_partnerships_or_reaches_across_leeds(app_context, client) -> None:
    things = Elsewhere()
    person = make_follower(scope="followed")
    events = calendar_of(client, person)
    assert events
    for event in events:
        assert re.search(r"/lcps/(hatch|seacroft)#meeting-\d+$", str(event["URL"])), event["URL"]
        description = str(event["DESCRIPTION"])
        assert "You follow HATCH" in description or "You follow Seacroft" in description, description
    assert event_for(events, things.wetherby_meeting) is None
    hatch = event_for(events, things.hatch_meeting)
    assert str(hatch["DESCRIPTION"]).startswith("You follow HATCH\n\n")

    person.topic_scope = "leeds"
    db.session.commit()
    events = calendar_of(client, person)
    wetherby = event_for(events, things.wetherby_meeting)
    assert wetherby is not None
    assert f"You follow the topic {MINDS} (across Leeds)" in str(wetherby["DESCRIPTION"])
    assert "You follow Wetherby" not in str(wetherby["DESCRIPTION"])
    slugs = {re.search(r"/lcps/([\w-]+)#", str(event["URL"]))[1] for event in events}
    assert slugs > set(FOLLOWED), "across Leeds adds the meetings of other partnerships on the topics"


# Meetings the public cannot attend -------------------------------------------------------------------------------


def test_partners_only_meetings_stay_out_of_the_private_calendar_unless_asked_for(
    app_context, client, post_form
) -> None:
    closed = make_meeting("hatch", "Closed partners meeting", NOW + 5 * DAY, public=False)
    unsaid = make_meeting("hatch", "Meeting nobody said about", NOW + 6 * DAY, public=None)
    open_meeting = make_meeting("hatch", "Open meeting", NOW + 7 * DAY, public=True)
    person = make_follower(scope="followed")

    events = calendar_of(client, person)
    assert event_for(events, closed) is None
    assert event_for(events, unsaid) is not None and event_for(events, open_meeting) is not None
    assert all(not str(event["SUMMARY"]).startswith("Partners only") for event in events)

    path = f"/preferences/{make_token(person, Purpose.PREFERENCES)}"
    page = Page(client.get(path))
    box = page.soup.select_one("#calendar-form input[name=partners_only]")
    assert box is not None and not box.has_attr("checked")
    label = page.soup.select_one("label[for=partners_only]").get_text(strip=True)
    assert label == "Include meetings the public cannot attend"

    response = post_form(f"{path}/calendar", {"partners_only": "y"}, form_page=path)
    assert response.status_code == 302 and response.location.endswith("#calendar")
    db.session.expire_all()
    assert db.session.get(Follower, person.id).calendar_partners_only is True
    page = Page(client.get(path))
    assert "Your calendar choice is saved." in page.text()
    assert page.soup.select_one("#calendar-form input[name=partners_only]").has_attr("checked")

    events = calendar_of(client, db.session.get(Follower, person.id))
    event = event_for(events, closed)
    assert event is not None
    assert str(event["SUMMARY"]) == f"Partners only: {closed.title}"
    assert str(event["DESCRIPTION"]).startswith(f"{PARTNERS_ONLY}\n\nYou follow HATCH")
    assert not str(event_for(events, unsaid)["SUMMARY"]).startswith("Partners only")

    # Unticking takes them out again; saving the calendar choice leaves the other choices as they were.
    post_form(f"{path}/calendar", {}, form_page=path)
    db.session.expire_all()
    saved = db.session.get(Follower, person.id)
    assert saved.calendar_partners_only is False
    assert {item.slug for item in saved.lcps} == set(FOLLOWED) and saved.topic_scope == "followed"
    assert event_for(calendar_of(client, saved), closed) is None


def test_the_calendar_choice_refuses_a_forged_form(app_context, client) -> None:
    person = make_follower()
    path = f"/preferences/{make_token(person, Purpose.PREFERENCES)}"
    client.get(path)
    response = client.post(f"{path}/calendar", data={"partners_only": "y", "csrf_token": "forged"})
    assert response.status_code == 400
    assert "We could not accept the form" in Page(response).text(".nhsuk-error-summary")
    db.session.expire_all()
    assert db.session.get(Follower, person.id).calendar_partners_only is False


def test_partners_only_is_labelled_on_the_pages_the_public_calendar_and_the_digest(app_context, client) -> None:
    closed = make_meeting("hatch", "Closed partners meeting", NOW + 5 * DAY, public=False)
    unsaid = make_meeting("hatch", "Meeting nobody said about", NOW + 6 * DAY, public=None)

    card = BeautifulSoup(render_template("partials/meeting.html", meeting=closed, now=utcnow()), "html.parser")
    assert PARTNERS_ONLY in card.get_text(" ")
    other = BeautifulSoup(render_template("partials/meeting.html", meeting=unsaid, now=utcnow()), "html.parser")
    assert PARTNERS_ONLY not in other.get_text(" ")
    assert "The partnership has not said whether the public can attend." in " ".join(other.get_text(" ").split())

    page = Page(client.get(f"/lcps/hatch/meetings/{closed.id}"))
    assert page.soup.select_one("main h1 + p").get_text(strip=True) == PARTNERS_ONLY
    assert PARTNERS_ONLY not in Page(client.get(f"/lcps/hatch/meetings/{unsaid.id}")).text()

    public = list(Calendar.from_ical(client.get("/lcps/hatch/meetings.ics").get_data()).walk("VEVENT"))
    event = event_for(public, closed)
    assert event is not None, "the public calendar still lists it"
    assert str(event["SUMMARY"]) == f"Partners only: {closed.title}"
    assert str(event["DESCRIPTION"]).startswith(PARTNERS_ONLY)
    assert str(event_for(public, unsaid)["SUMMARY"]) == unsaid.title

    person = make_follower(lcps=("hatch",), topics=())
    message = digest_email(person)
    soup = BeautifulSoup(message.html_body, "html.parser")
    blocks = {block.select_one("h2 a").get_text(strip=True): block for block in soup.select("main .item")}
    assert PARTNERS_ONLY in blocks[closed.title].get_text(" ")
    assert PARTNERS_ONLY not in blocks[unsaid.title].get_text(" ")
    assert PARTNERS_ONLY in message.text_body.split(closed.title, 1)[1].split("=" * 60, 1)[0]
    assert message.text_body.count(PARTNERS_ONLY) == 1


# Registering and the preferences page ----------------------------------------------------------------------------


def register(post_form, email: str, **changes):
    return post_form("/register", {**REGISTRATION, "email": email, **changes})


def follower_by(email: str) -> Follower:
    db.session.expire_all()
    return db.session.scalar(select(Follower).where(Follower.email == email))


def mail_to(email: str) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == email).order_by(OutboxMessage.id))
    )


def test_the_registration_form_asks_where_topics_bring_news_from(get_page) -> None:
    page = get_page("/register")
    group = page.soup.select_one("input[name=topic_scope]").find_parent("fieldset")
    assert group.legend.get_text(strip=True) == "Topics: news from…"
    radios = {
        radio["value"]: (
            page.soup.select_one(f"label[for={radio['id']}]").get_text(strip=True),
            radio.has_attr("checked"),
        )
        for radio in group.select("input[type=radio]")
    }
    assert radios == {"followed": ("the partnerships you follow", True), "leeds": ("across Leeds", False)}
    assert "If you follow no partnership, your topics bring news from across Leeds" in group.get_text(" ")


def test_registering_and_changing_preferences_store_the_topic_scope(app_context, client, post_form) -> None:
    email = f"scope-{uuid.uuid4().hex[:10]}@example.org"
    assert register(post_form, email, topic_scope="leeds").status_code == 302
    assert follower_by(email).topic_scope == "leeds"

    other = f"scope-{uuid.uuid4().hex[:10]}@example.org"
    assert register(post_form, other).status_code == 302
    assert follower_by(other).topic_scope == "followed", "not choosing keeps the default"

    person = follower_by(email)
    person.confirmed_at = utcnow()
    db.session.commit()
    path = f"/preferences/{make_token(person, Purpose.PREFERENCES)}"
    page = Page(client.get(path))
    assert page.soup.select_one("input[name=topic_scope][value=leeds]").has_attr("checked")
    form = {**REGISTRATION, "topic_scope": "followed"}
    form.pop("consent")
    form.pop("kind")
    assert post_form(path, form).status_code == 302
    assert follower_by(email).topic_scope == "followed"


def test_a_bad_topic_scope_is_refused_beside_the_field_with_the_answers_kept(app_context, post_form) -> None:
    email = f"badscope-{uuid.uuid4().hex[:10]}@example.org"
    response = register(post_form, email, topic_scope="mars")
    assert response.status_code == 200
    page = Page(response)
    message = "Choose whether your topics bring news from the partnerships you follow or from across Leeds"
    assert message in page.text(".nhsuk-error-summary")
    assert page.soup.select_one(".nhsuk-error-summary a[href='#topic_scope-0']") is not None
    assert message in page.soup.select_one("#topic_scope-error").get_text()
    assert page.soup.select_one("[name=email]")["value"] == email
    assert {box["value"] for box in page.soup.select("input[name=topics][checked]")} == set(TOPICS)
    assert follower_by(email) is None


def test_the_preferences_page_says_what_the_calendar_carries(app_context, client) -> None:
    narrow = Page(client.get(f"/preferences/{make_token(make_follower(scope='followed'), Purpose.PREFERENCES)}"))
    assert "Your own calendar link carries the meetings of the partnerships you follow." in narrow.text()
    wide = Page(client.get(f"/preferences/{make_token(make_follower(scope='leeds'), Purpose.PREFERENCES)}"))
    assert "and meetings about the topics you follow from across Leeds" in wide.text()
    assert "You follow no partnership" not in wide.text()


# The preferences link on confirming ------------------------------------------------------------------------------


def test_confirming_emails_the_preferences_link_once(app_context, client, post_form) -> None:
    email = f"welcome-{uuid.uuid4().hex[:10]}@example.org"
    register(post_form, email)
    confirm_path = urlsplit(re.search(r"http://\S+/confirm/\S+", mail_to(email)[0].text_body)[0]).path
    token = Page(client.get(confirm_path)).soup.select_one("input[name=csrf_token]")["value"]
    assert client.post(confirm_path, data={"csrf_token": token}).status_code == 302
    # A second press of the same button, and the link opened again afterwards, send nothing more.
    assert client.post(confirm_path, data={"csrf_token": token}).status_code == 302
    assert client.get(confirm_path).status_code == 302

    messages = mail_to(email)
    assert [message.kind for message in messages] == ["confirm", "preferences-link"]
    welcome = messages[1]
    assert "You are registered with Leeds Local Care Partnerships. Keep this email" in welcome.text_body
    assert "You asked for a link" not in welcome.text_body
    person = follower_by(email)
    assert f"/preferences/{make_token(person, Purpose.PREFERENCES)}" in welcome.text_body
    assert "List-Unsubscribe-Post" in welcome.headers
    soup = BeautifulSoup(welcome.html_body, "html.parser")
    assert soup.select_one("main a.button")["href"].startswith("http://localhost/preferences/")


def test_a_confirmation_claimed_meanwhile_sends_nothing(app_context) -> None:
    """Two presses at once: the second finds the row confirmed by the first, though its copy says otherwise."""
    person = make_follower()
    person.confirmed_at = None
    db.session.commit()
    db.session.execute(update(Follower).where(Follower.id == person.id).values(confirmed_at=utcnow()))
    db.session.commit()
    # This session's copy says unconfirmed, as another request's read before the first press committed would.
    set_committed_value(person, "confirmed_at", None)
    assert not person.confirmed
    assert people_commands.confirm(Actor.follower(person.id), person) is False
    assert db.session.scalars(select(OutboxMessage).where(OutboxMessage.follower_id == person.id)).all() == []

    fresh = make_follower()
    fresh.confirmed_at = None
    db.session.commit()
    assert people_commands.confirm(Actor.follower(fresh.id), fresh) is True
    assert fresh.confirmed_at is not None
    kinds = db.session.scalars(select(OutboxMessage.kind).where(OutboxMessage.follower_id == fresh.id)).all()
    assert kinds == ["preferences-link"]


# Areas from /match -----------------------------------------------------------------------------------------------


def test_areas_from_match_fill_the_organisations_areas(get_page) -> None:
    page = get_page("/register?kind=organisation&areas=LS9+and+LS14%2C+Seacroft&topic=transport")
    assert page.soup.select_one("input[name=kind][value=organisation]").has_attr("checked")
    assert page.soup.select_one("textarea[name=organisation_areas]").get_text() == "LS9 and LS14, Seacroft"

    long = get_page("/register?kind=organisation&areas=" + "A" * 5000)
    assert long.soup.select_one("textarea[name=organisation_areas]").get_text() == "A" * 1000

    hidden = get_page("/register?kind=organisation&areas=LS9%E2%80%AE%00+Harehills")
    assert hidden.soup.select_one("textarea[name=organisation_areas]").get_text() == "LS9 Harehills"

    assert get_page("/register").soup.select_one("textarea[name=organisation_areas]").get_text() == ""


@pytest.mark.parametrize("scope", ["followed", "leeds"])
def test_an_unsaved_person_reads_as_following_their_partnerships(app_context, scope) -> None:
    """A person not yet saved (as the email previews make) has no scope set: it reads as the default."""
    person = Follower(email="preview@example.org", topic_scope=None if scope == "followed" else scope)
    person.lcps = [lcp("hatch")]
    person.topics = [topic("transport")]
    from app.services.feeds import topics_across_leeds

    assert topics_across_leeds(person) is (scope == "leeds")
