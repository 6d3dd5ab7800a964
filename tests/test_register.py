"""Registering interest, double opt-in, preferences, data download and deletion, unsubscribing, the private
calendar and follow buttons, as a person's requests (with real CSRF tokens) and the database see them."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from app.clock import utcnow
from app.commands import Actor
from app.commands import people as people_commands
from app.commands.system import deliver_due
from app.extensions import db
from app.models import Consent, Follower, Meeting, OutboxMessage, Topic
from app.services import people
from app.services.feeds import CALENDAR_HISTORY
from app.services.tokens import Purpose, make_token
from tests.conftest import Page

# The outbox worker, as `flask outbox send` runs it.
WORKER = Actor.system("outbox")

RESIDENT = {
    "kind": "resident",
    "lcps": ["seacroft", "armley"],
    "topics": ["mental-health"],
    "interests": ["news", "invitations"],
    "frequency": "weekly",
    "language": "en_GB",
    "consent": "y",
}


@pytest.fixture
def fresh(app_context):
    """No people and no mail before or after each test."""

    def clear() -> None:
        db.session.rollback()
        db.session.execute(OutboxMessage.__table__.delete())
        for follower in db.session.scalars(select(Follower)):
            db.session.delete(follower)
        db.session.commit()

    clear()
    yield
    clear()


def follower(email: str) -> Follower | None:
    db.session.expire_all()
    return db.session.scalar(select(Follower).where(Follower.email == email))


def mail_to(email: str) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == email).order_by(OutboxMessage.id))
    )


def link_in(message: OutboxMessage, path: str) -> str:
    """The path of the first link to `path` in an email's text."""
    url = re.search(rf"http://\S+/{path}/\S+", message.text_body).group(0)
    return urlsplit(url).path


def register(post_form, email: str, **changes):
    return post_form("/register", {**RESIDENT, "email": email, **changes})


def confirmed(post_form, client, email: str, **changes) -> Follower:
    register(post_form, email, **changes)
    confirm_path = link_in(mail_to(email)[-1], "confirm")
    post_form(confirm_path, {})
    return follower(email)


def test_the_form_arrives_with_the_partnership_or_topic_it_came_from(get_page, fresh) -> None:
    page = get_page("/register?lcp=seacroft&topic=mental-health")
    ticked = {box["value"] for box in page.soup.select("input[type=checkbox][checked]")}
    assert ticked == {"seacroft", "mental-health"}
    assert not page.soup.select("input[name=consent][checked]"), "consent boxes start unticked"


def test_the_language_list_offers_the_site_languages_with_english_chosen(get_page, fresh) -> None:
    options = get_page("/register").soup.select("select[name=language] option")
    assert [(o["value"], o.get_text(), o.has_attr("selected")) for o in options] == [
        ("en_GB", "English", True),
        ("pl", "Polski", False),
        ("ar", "العربية", False),
        ("ro", "Română", False),
        ("zh_Hans", "简体中文", False),
        ("ur", "اردو", False),
    ]


def test_an_unknown_partnership_in_the_link_is_named_and_not_a_crash(get_page, fresh) -> None:
    page = get_page("/register?lcp=nowhere&lcp=seacroft")
    assert "We do not know a partnership called “nowhere”. Choose from the list." in page.text()
    assert [box["value"] for box in page.soup.select("input[name=lcps][checked]")] == ["seacroft"]


def test_registering_keeps_nothing_as_a_follower_until_confirmed(client, post_form, fresh) -> None:
    response = register(post_form, "Ann.Resident@Example.ORG")
    assert response.status_code == 302 and response.location.endswith("/register/check-your-email")
    person = follower("ann.resident@example.org")
    assert person is not None and not person.confirmed
    assert {lcp.slug for lcp in person.lcps} == {"seacroft", "armley"}
    [email] = mail_to("ann.resident@example.org")
    assert email.kind == "confirm" and "/confirm/" in email.text_body
    assert "List-Unsubscribe" not in email.headers

    consent = db.session.scalar(select(Consent).where(Consent.follower_id == person.id))
    assert consent.purpose == "emails" and consent.version == people.CONSENT_VERSION
    assert consent.wording == str(people.CONSENTS["emails"]) and consent.given_at is not None


def test_confirming_needs_a_press_of_the_button_not_just_opening_the_link(client, post_form, fresh) -> None:
    register(post_form, "button@example.org")
    path = link_in(mail_to("button@example.org")[0], "confirm")
    page = Page(client.get(path))
    assert page.h1 == "Confirm your email address"
    assert not follower("button@example.org").confirmed

    response = post_form(path, {})
    assert response.status_code == 302 and "/preferences/" in response.location
    assert "lcp_follower=" in response.headers["Set-Cookie"]
    assert follower("button@example.org").confirmed
    shown = Page(client.get(urlsplit(response.location).path))
    assert "You are registered." in shown.text()
    assert {box["value"] for box in shown.soup.select("input[name=lcps][checked]")} == {"seacroft", "armley"}


def test_the_page_says_the_same_whether_or_not_an_address_is_registered(client, post_form, fresh) -> None:
    confirmed(post_form, client, "known@example.org")
    before = follower("known@example.org")
    choices = ({lcp.slug for lcp in before.lcps}, before.frequency)

    known = register(post_form, "known@example.org", lcps=["hatch"], frequency="monthly")
    new = register(post_form, "unknown@example.org")
    assert known.status_code == new.status_code == 302
    assert known.location == new.location
    assert client.get(known.location).get_data() == client.get(new.location).get_data()

    after = follower("known@example.org")
    assert ({lcp.slug for lcp in after.lcps}, after.frequency) == choices, "nothing changes for a known address"
    kinds = [message.kind for message in mail_to("known@example.org")]
    assert kinds == ["confirm", "preferences-link", "already-registered"]
    assert "/preferences/" in mail_to("known@example.org")[-1].text_body


def test_registering_again_before_confirming_replaces_the_choices_and_cancels_the_old_link(
    client, post_form, fresh
) -> None:
    register(post_form, "again@example.org")
    old_link = link_in(mail_to("again@example.org")[0], "confirm")
    register(post_form, "again@example.org", lcps=["hatch"])
    assert [lcp.slug for lcp in follower("again@example.org").lcps] == ["hatch"]
    assert client.get(old_link).status_code == 400
    new_link = link_in(mail_to("again@example.org")[-1], "confirm")
    assert client.get(new_link).status_code == 200


def test_one_address_gets_at_most_three_registration_emails_an_hour(post_form, fresh) -> None:
    for _attempt in range(5):
        assert register(post_form, "flood@example.org").status_code == 302
    assert len(mail_to("flood@example.org")) == people.EMAILS_PER_ADDRESS_PER_HOUR


@pytest.mark.parametrize(
    ("changes", "message", "field", "kept"),
    [
        ({"email": "ann@"}, "Enter an email address in the correct format, like name@example.com", "email", "ann@"),
        ({"email": ""}, "Enter your email address", "email", ""),
        ({"consent": ""}, "Tick the box to agree, or we cannot send you anything", "email", "keep@example.org"),
        ({"lcps": [], "topics": []}, "Choose at least one partnership or topic to follow", "email", "keep@example.org"),
        (
            {"lcps": ["seacroft", "atlantis"]},
            "We do not know a partnership called “atlantis”",
            "email",
            "keep@example.org",
        ),
        ({"frequency": ""}, "Choose how often we should email you", "email", "keep@example.org"),
        (
            {"kind": "organisation", "organisation_name": ""},
            "Enter the name of the organisation",
            "email",
            "keep@example.org",
        ),
        (
            {"kind": "organisation", "organisation_name": "Big Group " * 30, "organisation_type": "charity"},
            "Enter an organisation name of 200 characters or fewer",
            "organisation_name",
            ("Big Group " * 30),
        ),
    ],
)
def test_bad_input_gets_a_clear_message_and_keeps_what_was_typed(
    post_form, fresh, changes, message, field, kept
) -> None:
    data = {"email": "keep@example.org", **changes}
    response = register(post_form, **data) if "email" not in changes else post_form("/register", {**RESIDENT, **data})
    assert response.status_code == 200
    page = Page(response)
    assert page.soup.title.get_text().startswith("Error:")
    summary = page.text(".nhsuk-error-summary")
    assert message in summary
    typed = page.soup.select_one(f"[name={field}]")
    assert (typed.get("value") if typed.name == "input" else typed.get_text()) == kept
    if "lcps" not in changes:
        assert {box["value"] for box in page.soup.select("input[name=lcps][checked]")} == {"seacroft", "armley"}
    assert follower("keep@example.org") is None and mail_to("keep@example.org") == []


def test_a_forged_csrf_token_is_refused_with_the_answers_kept(client, fresh) -> None:
    client.get("/register")
    response = client.post("/register", data={**RESIDENT, "email": "forged@example.org", "csrf_token": "forged"})
    assert response.status_code == 400
    page = Page(response)
    assert "We could not accept the form" in page.text(".nhsuk-error-summary")
    assert page.soup.select_one("[name=email]")["value"] == "forged@example.org"
    assert {box["value"] for box in page.soup.select("input[name=lcps][checked]")} == {"seacroft", "armley"}
    assert page.soup.select_one("input[name=csrf_token]")["value"] != "forged"
    assert follower("forged@example.org") is None


def test_an_oversized_form_gets_a_page_that_says_so(client, fresh) -> None:
    response = client.post("/register", data={"email": "big@example.org", "organisation_areas": "x" * 400_000})
    assert response.status_code == 413
    assert "What you sent is too large" in Page(response).h1
    assert follower("big@example.org") is None


@pytest.mark.parametrize("purpose", ["confirm", "preferences", "unsubscribe"])
def test_a_tampered_link_is_explained_not_a_crash(client, post_form, fresh, purpose) -> None:
    person = confirmed(post_form, client, "tamper@example.org")
    token = make_token(person, Purpose(purpose))
    for bad in (token[:-3] + "abc", "nonsense", make_token(person, Purpose.CALENDAR)):
        response = client.get(f"/{purpose}/{bad}")
        assert response.status_code == 400
        assert Page(response).h1 == "This link does not work"


def test_an_expired_confirmation_link_says_so_and_offers_to_register_again(
    client, post_form, fresh, monkeypatch, app
) -> None:
    register(post_form, "late@example.org")
    path = link_in(mail_to("late@example.org")[0], "confirm")
    later = time.time() + app.config["CONFIRMATION_HOURS"] * 3600 + 60
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)
    page = Page(client.get(path))
    assert page.response.status_code == 400
    assert page.h1 == "This link has expired"
    assert page.links()["Register again"] == "/register"


def test_unconfirmed_registrations_are_deleted_after_the_confirmation_window(client, post_form, fresh, app) -> None:
    register(post_form, "stale@example.org")
    confirmed(post_form, client, "kept@example.org")
    stale = follower("stale@example.org")
    stale.created_at = stale.created_at.replace(year=stale.created_at.year - 1)
    db.session.commit()
    assert people_commands.purge_unconfirmed(Actor.cli()) == 1
    assert follower("stale@example.org") is None and mail_to("stale@example.org") == []
    assert follower("kept@example.org") is not None


def test_preferences_change_what_is_followed_and_record_contact_consent(client, post_form, fresh) -> None:
    person = confirmed(post_form, client, "prefs@example.org")
    path = f"/preferences/{make_token(person, Purpose.PREFERENCES)}"
    response = post_form(
        path,
        {"lcps": ["hatch"], "topics": [], "interests": ["contact"], "frequency": "monthly", "language": "en_GB"},
    )
    assert response.status_code == 302
    page = Page(client.get(path))
    assert "Your choices are saved." in page.text()
    person = follower("prefs@example.org")
    assert [lcp.slug for lcp in person.lcps] == ["hatch"] and person.frequency == "monthly"
    assert people.active_consent(person, "contact").wording == str(people.CONSENTS["contact"])
    assert page.response.headers["Cache-Control"] == "no-store"
    assert page.response.headers["Referrer-Policy"] == "no-referrer"

    post_form(path, {"lcps": ["hatch"], "interests": [], "frequency": "monthly", "language": "en_GB"})
    person = follower("prefs@example.org")
    assert people.active_consent(person, "contact") is None
    assert [c.withdrawn_at is not None for c in person.consents if c.purpose == "contact"] == [True]


def test_a_lost_link_is_sent_again_only_to_a_confirmed_address(client, post_form, fresh) -> None:
    confirmed(post_form, client, "lost@example.org")
    for address in ("lost@example.org", "stranger@example.org"):
        response = post_form("/preferences", {"email": address})
        assert response.status_code == 302 and response.location.endswith("check-your-email?sent=preferences")
    # The first link came on confirming; the second is the one asked for.
    assert [m.kind for m in mail_to("lost@example.org")] == ["confirm", "preferences-link", "preferences-link"]
    assert "You asked for a link" in mail_to("lost@example.org")[-1].text_body
    assert mail_to("stranger@example.org") == []
    assert "List-Unsubscribe-Post" in mail_to("lost@example.org")[-1].headers


def test_a_person_downloads_everything_held_about_them(client, post_form, fresh) -> None:
    person = confirmed(
        post_form,
        client,
        "data@example.org",
        kind="organisation",
        organisation_name="=Seacroft Friends",
        organisation_type="community-group",
        organisation_reach="local",
    )
    token = make_token(person, Purpose.PREFERENCES)
    as_json = client.get(f"/preferences/{token}/my-data.json")
    assert as_json.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(as_json.get_data())
    assert data["email"] == "data@example.org"
    assert data["organisation"]["name"] == "=Seacroft Friends"
    assert {p["slug"] for p in data["partnerships_followed"]} == {"seacroft", "armley"}
    assert data["consents"][0]["wording"] == str(people.CONSENTS["emails"])
    assert data["emails"][0]["kind"] == "confirm"

    rows = list(csv.reader(io.StringIO(client.get(f"/preferences/{token}/my-data.csv").get_data(as_text=True))))
    assert rows[0] == ["section", "field", "value"]
    assert ["person", "email", "data@example.org"] in rows
    # A spreadsheet never runs what a person typed as a formula.
    assert ["organisation", "name", "'=Seacroft Friends"] in rows


def test_deleting_removes_the_person_their_choices_consents_and_waiting_mail(client, post_form, fresh) -> None:
    person = confirmed(post_form, client, "gone@example.org")
    token = make_token(person, Purpose.PREFERENCES)
    person_id = person.id
    assert Page(client.get(f"/preferences/{token}/delete")).h1 == "Delete all your data"
    assert follower("gone@example.org") is not None, "opening the page deletes nothing"
    response = post_form(f"/preferences/{token}/delete", {})
    assert response.status_code == 302 and response.location.endswith("/deleted")
    assert 'lcp_follower=""' in response.headers["Set-Cookie"] or "lcp_follower=;" in response.headers["Set-Cookie"]
    assert follower("gone@example.org") is None and mail_to("gone@example.org") == []
    assert db.session.scalar(select(func.count()).select_from(Consent).where(Consent.follower_id == person_id)) == 0
    assert client.get(f"/preferences/{token}").status_code == 400


def test_one_click_unsubscribe_works_from_a_mail_client_with_no_page_visit(
    app, client, post_form, fresh, mailbox, smtp
) -> None:
    person = confirmed(post_form, client, "oneclick@example.org")
    deliver_due(WORKER, smtp)
    # The email sent on confirming, with the preferences link, is the first to carry the unsubscribe headers.
    [received] = [m for m in mailbox.to("oneclick@example.org") if "List-Unsubscribe" in m]
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = received["List-Unsubscribe"].strip("<>")
    assert url in mailbox.text(received), "the body carries the same link"

    # A fresh client: no cookie, no session, no CSRF token, as a mail provider's server posts it.
    mail_client = app.test_client()
    response = mail_client.post(urlsplit(url).path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert follower("oneclick@example.org").frequency == "none"
    assert person.id == follower("oneclick@example.org").id, "unsubscribing keeps the registration"


def test_opening_an_unsubscribe_link_changes_nothing_until_the_button(client, post_form, fresh) -> None:
    person = confirmed(post_form, client, "look@example.org")
    path = f"/unsubscribe/{make_token(person, Purpose.UNSUBSCRIBE)}"
    assert Page(client.get(path)).h1 == "Stop emails"
    assert follower("look@example.org").frequency == "weekly"
    page = Page(client.post(path))
    assert page.h1 == "You are unsubscribed"
    assert follower("look@example.org").frequency == "none"


def _meeting_ids(calendar_bytes: bytes) -> set[int]:
    events = Calendar.from_ical(calendar_bytes).walk("VEVENT")
    return {int(str(event["UID"]).split("@")[0].removeprefix("meeting-")) for event in events}


def test_the_private_calendar_carries_the_followed_partnerships_and_topics_meetings(client, post_form, fresh) -> None:
    person = confirmed(post_form, client, "cal@example.org", topics=[])
    path = f"/calendar/{make_token(person, Purpose.CALENDAR)}.ics"
    response = client.get(path)
    assert response.mimetype == "text/calendar"
    assert "private" in response.headers["Cache-Control"] and "public" not in response.headers["Cache-Control"]
    followed = {lcp.id for lcp in person.lcps}
    window = utcnow() - CALENDAR_HISTORY
    # Meetings the public cannot attend are left out unless the person asks for them (tests/test_following.py).
    open_to_all = Meeting.public_may_attend.is_not(False)
    expected = set(
        db.session.scalars(
            select(Meeting.id).where(Meeting.lcp_id.in_(followed), Meeting.ends_at >= window, open_to_all)
        )
    )
    assert expected, "the demo content gives the followed partnerships meetings"
    assert _meeting_ids(response.get_data()) == expected

    # A topic keeps to the partnerships followed, unless the person chooses topics across Leeds.
    topic = db.session.scalar(select(Topic).where(Topic.slug == "mental-health"))
    person = follower("cal@example.org")
    people_commands.follow(Actor.follower(person.id), person, topic, True)
    assert _meeting_ids(client.get(path).get_data()) == expected
    people_commands.update_preferences(
        Actor.follower(person.id),
        person,
        people.Choices(lcps=list(person.lcps), topics=[topic], interests=person.interest_list, topic_scope="leeds"),
    )
    about_topic = {
        meeting.id
        for meeting in db.session.scalars(select(Meeting).where(Meeting.ends_at >= window, open_to_all))
        if any(topic in item.topics for item in meeting.agenda_items)
    }
    assert about_topic - expected, "the demo content has meetings on the topic elsewhere"
    assert _meeting_ids(client.get(path).get_data()) == expected | about_topic
    assert client.get(f"/calendar/{make_token(person, Purpose.PREFERENCES)}.ics").status_code == 404


def test_public_pages_are_the_same_with_or_without_the_follower_cookie(app, client, post_form, fresh) -> None:
    confirmed(post_form, client, "cookie@example.org")
    stranger = app.test_client()
    for url in ("/lcps/hatch", "/topics/mental-health"):
        mine, theirs = client.get(url), stranger.get(url)
        assert mine.get_data() == theirs.get_data()
        assert "Set-Cookie" not in mine.headers
        # Only the language can depend on a cookie; a page whose address names its language depends on none.
        explicit = client.get(f"{url}?lang=en_GB")
        assert "Cookie" not in explicit.headers.get("Vary", "")


def test_the_follow_button_toggles_for_a_recognised_person_and_invites_anyone_else(
    app, client, post_form, fresh
) -> None:
    confirmed(post_form, client, "toggle@example.org")
    anonymous = Page(app.test_client().get("/follow/lcp/hatch"))
    assert anonymous.links("div")["Follow HATCH"] == "/register?lcp=hatch"
    assert anonymous.response.headers["Cache-Control"] == "private, no-store"

    mine = Page(client.get("/follow/lcp/hatch"))
    assert mine.soup.select_one("button").get_text(strip=True) == "Follow HATCH"
    token = mine.soup.select_one("input[name=csrf_token]")["value"]
    toggled = Page(
        client.post("/follow/lcp/hatch", data={"csrf_token": token, "follow": "yes"}, headers={"HX-Request": "true"})
    )
    assert "You follow HATCH." in toggled.text("div")
    assert "hatch" in {lcp.slug for lcp in follower("toggle@example.org").lcps}
    client.post("/follow/lcp/hatch", data={"csrf_token": token, "follow": "no"}, headers={"HX-Request": "true"})
    assert "hatch" not in {lcp.slug for lcp in follower("toggle@example.org").lcps}

    response = app.test_client().post("/follow/lcp/hatch", data={"follow": "yes"})
    assert response.status_code == 400, "no CSRF token, no change"
    assert client.get("/follow/lcp/atlantis").status_code == 404
    assert client.get("/follow/planet/hatch").status_code == 404


def test_following_several_at_once_from_a_recognised_device(client, post_form, fresh) -> None:
    confirmed(post_form, client, "many@example.org", lcps=["seacroft"], topics=[])
    response = post_form(
        "/follow",
        {"lcp": ["hatch", "armley"], "topic": ["housing"]},
        form_page="/register?lcp=hatch&lcp=armley&topic=housing",
    )
    assert response.status_code == 302
    person = follower("many@example.org")
    assert {lcp.slug for lcp in person.lcps} == {"seacroft", "hatch", "armley"}
    assert [topic.slug for topic in person.topics] == ["housing"]


def test_the_privacy_notice_says_what_following_keeps_why_how_long_and_how_to_delete(get_page) -> None:
    text = get_page("/privacy").text()
    for words in (
        "your email address",
        "consent",
        "72 hours",
        "Delete all my data",
        "Download",
        "unsubscribe",
    ):
        assert words.lower() in text.lower(), words
