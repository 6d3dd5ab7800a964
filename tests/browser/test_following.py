"""Following two partnerships and two topics without a flood, in Chromium with mail over real SMTP: topics kept to
the partnerships followed, every calendar event saying why it is there, meetings the public cannot attend added
to the calendar only when asked for, the preferences link emailed on confirming, and the preferences page at
320 px in Urdu with each radio and tick box beside its words.

The tests register their own addresses and make their own partners-only meeting (deleted afterwards); what they
read from the calendar is scoped to the partnerships they follow and the meeting they made.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from uuid import uuid4

import pytest
from flask import Flask
from icalendar import Calendar
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.models import AgendaItem, Lcp, Meeting, Topic
from app.services.outbox import SmtpSettings
from tests.browser.checks import SMALLEST_PHONE, axe_violations, describe, sideways_problems
from tests.browser.pages import PreferencesPage, RegisterPage, tab_to
from tests.browser.test_follow import (
    CONFIRM_SUBJECT,
    PREFERENCES_SUBJECT,
    confirm,
    deliver,
    link_in,
    only_email,
    unique_email,
)
from tests.mailbox import Mailbox

pytestmark = pytest.mark.browser

FOLLOWED = ("morley-district", "otley-aireborough")
MORLEY = "Morley and District Local Care Partnership"
OTLEY = "Otley & Aireborough Local Care Partnership"
TOPICS = {"isolation-connection": "Loneliness and social connection", "housing": "Housing"}
SCOPE_LEGEND = "Topics: news from…"
IN_FOLLOWED = "the partnerships you follow"
ACROSS_LEEDS = "across Leeds"
INCLUDE_CLOSED = "Include meetings the public cannot attend"
PARTNERS_ONLY = "Partners only: the public cannot attend"


def events_of(page: Page, url: str) -> list:
    response = page.request.get(url)
    assert response.status == 200 and response.headers["content-type"].startswith("text/calendar")
    return list(Calendar.from_ical(response.body()).walk("VEVENT"))


def axe_clean(page: Page, label: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe on {label} ({page.url}):\n{describe(violations)}"


@pytest.fixture
def closed_meeting(app: Flask) -> Iterator[Meeting]:
    """A coming meeting of Morley the public cannot attend, on a followed topic; deleted afterwards."""
    with app.app_context():
        topic = db.session.scalar(select(Topic).where(Topic.slug == "housing"))
        start = (utcnow() + timedelta(days=20)).replace(minute=0, second=0, microsecond=0)
        meeting = Meeting(
            lcp=db.session.scalar(select(Lcp).where(Lcp.slug == "morley-district")),
            title=f"Partners' housing workshop {uuid4().hex[:6]}",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            location="Morley Town Hall",
            public_may_attend=False,
            agenda_items=[AgendaItem(title="Housing partners", topics=[topic])],
        )
        db.session.add(meeting)
        db.session.commit()
        db.session.refresh(meeting)
        db.session.expunge(meeting)
    yield meeting
    with app.app_context():
        if (row := db.session.get(Meeting, meeting.id)) is not None:
            db.session.delete(row)
            db.session.commit()


def short_names(app: Flask) -> dict[str, str]:
    with app.app_context():
        return {lcp.slug: lcp.short_name for lcp in db.session.scalars(select(Lcp).where(Lcp.slug.in_(FOLLOWED)))}


def topic_meetings_elsewhere(app: Flask) -> int:
    """Coming meetings on the followed topics in partnerships not followed: what "across Leeds" would add."""
    with app.app_context():
        query = (
            select(Meeting)
            .join(Lcp, Meeting.lcp_id == Lcp.id)
            .where(Lcp.slug.not_in(FOLLOWED), Meeting.starts_at >= utcnow(), Meeting.published.is_(True))
        )
        return sum(
            1
            for meeting in db.session.scalars(query)
            if any(topic.slug in TOPICS for item in meeting.agenda_items for topic in item.topics)
        )


def test_two_partnerships_and_two_topics_keep_the_calendar_to_those_partnerships(
    page: Page, app: Flask, mailbox: Mailbox, smtp: SmtpSettings, live_server: str, closed_meeting: Meeting
) -> None:
    assert topic_meetings_elsewhere(app) > 0, "the demo content should have meetings on the topics elsewhere"
    names = short_names(app)
    address = unique_email("following")

    register = RegisterPage(page)
    register.open()
    scope = register.main.get_by_role("group", name=SCOPE_LEGEND, exact=True)
    expect(scope.get_by_role("radio", name=IN_FOLLOWED, exact=True)).to_be_checked()
    axe_clean(page, "register")
    register.fill(address, lcps=(MORLEY, OTLEY), topics=tuple(TOPICS.values()))
    scope.get_by_role("radio", name=ACROSS_LEEDS, exact=True).check()
    scope.get_by_role("radio", name=IN_FOLLOWED, exact=True).check()
    register.register_button.click()
    expect(register.heading).to_have_text("Check your email")
    deliver(app, smtp)
    message = only_email(mailbox, address)
    assert message["Subject"] == CONFIRM_SUBJECT

    preferences = confirm(page, link_in(mailbox, message, live_server, "confirm"))
    preferences_url = page.url
    scope = preferences.main.get_by_role("group", name=SCOPE_LEGEND, exact=True)
    expect(scope.get_by_role("radio", name=IN_FOLLOWED, exact=True)).to_be_checked()
    axe_clean(page, "preferences after confirming")

    # Confirming emailed the preferences link, once.
    deliver(app, smtp)
    subjects = [received["Subject"] for received in mailbox.to(address)]
    assert subjects == [CONFIRM_SUBJECT, PREFERENCES_SUBJECT]
    welcome = mailbox.to(address)[1]
    assert "You are registered with Leeds Local Care Partnerships" in mailbox.text(welcome)
    emailed = link_in(mailbox, welcome, live_server, "preferences")
    assert emailed.split("/preferences/")[1] == preferences_url.split("/preferences/")[1].split("?")[0]

    # The calendar holds the two partnerships' meetings only, each saying why, and not the partners-only one.
    calendar_url = preferences.calendar_box.input_value()
    events = events_of(page, calendar_url)
    assert events
    pages = re.compile(rf"^{re.escape(live_server)}/lcps/({'|'.join(FOLLOWED)})#meeting-\d+$")
    for event in events:
        url = str(event["URL"])
        assert pages.match(url), f"{event['SUMMARY']} links to {url}, not a followed partnership"
        slug = pages.match(url)[1]
        assert f"You follow {names[slug]}" in str(event["DESCRIPTION"]), str(event["DESCRIPTION"])
        assert not str(event["SUMMARY"]).startswith("Partners only")
    uid = f"meeting-{closed_meeting.id}@"
    assert not [event for event in events if str(event["UID"]).startswith(uid)]

    # Ticked by keyboard and saved: the partners-only meeting comes, labelled.
    include = preferences.main.get_by_role("checkbox", name=INCLUDE_CLOSED, exact=True)
    expect(include).not_to_be_checked()
    tab_to(page, include, limit=80)
    page.keyboard.press("Space")
    expect(include).to_be_checked()
    save = preferences.main.get_by_role("button", name="Save calendar choice", exact=True)
    tab_to(page, save)
    page.keyboard.press("Enter")
    expect(preferences.success).to_contain_text("Your calendar choice is saved.")
    expect(include).to_be_checked()
    expect(scope.get_by_role("radio", name=IN_FOLLOWED, exact=True)).to_be_checked()
    axe_clean(page, "preferences with the calendar choice saved")

    events = events_of(page, calendar_url)
    [closed] = [event for event in events if str(event["UID"]).startswith(uid)]
    assert str(closed["SUMMARY"]) == f"Partners only: {closed_meeting.title}"
    description = str(closed["DESCRIPTION"])
    assert description.startswith(f"{PARTNERS_ONLY}\n\nYou follow {names['morley-district']}")
    assert all(pages.match(str(event["URL"])) for event in events)

    # The meeting's own page and its partnership's page say so too.
    page.goto(f"/lcps/morley-district/meetings/{closed_meeting.id}")
    expect(page.get_by_role("main")).to_contain_text(PARTNERS_ONLY)
    axe_clean(page, "a partners-only meeting's page")
    page.goto("/lcps/morley-district")
    card = page.locator(f"#meeting-{closed_meeting.id}")
    expect(card).to_contain_text(PARTNERS_ONLY)
    axe_clean(page, "a partnership's page with a partners-only meeting")


def text_box(label: Locator) -> dict[str, float]:
    """Where a label's words are drawn: the label's box includes the space the control sits in."""
    return label.evaluate(
        """label => {
            const range = document.createRange();
            range.selectNodeContents(label);
            const box = range.getBoundingClientRect();
            return {x: box.x, right: box.right, top: box.top, bottom: box.bottom};
        }"""
    )


def expect_beside_in_rtl(control: Locator, label: Locator, what: str) -> None:
    """In right-to-left, the control is to the right of its words, on the same line, without overlapping them."""
    box = control.bounding_box()
    words = text_box(label)
    assert box is not None
    assert box["x"] >= words["right"] - 0.5, f"{what}: the control ({box}) is not right of its words ({words})"
    assert box["x"] + box["width"] <= SMALLEST_PHONE["width"] + 0.5, f"{what}: the control is off the screen"
    assert words["x"] >= -0.5, f"{what}: the words run off the screen ({words})"
    middle = box["y"] + box["height"] / 2
    assert words["top"] - box["height"] <= middle <= words["bottom"] + box["height"], f"{what}: not on its line"


def test_the_preferences_page_in_urdu_on_the_smallest_phone(
    rtl_phone_page: Page, app: Flask, mailbox: Mailbox, smtp: SmtpSettings, live_server: str, say_in
) -> None:
    page, say = rtl_phone_page, say_in("ur")
    page.set_viewport_size(SMALLEST_PHONE)
    address = unique_email("following-ur")
    register = RegisterPage(page)
    register.open("/register?lang=en_GB")
    register.fill(address, lcps=(MORLEY,), topics=(TOPICS["housing"],))
    register.register_button.click()
    expect(register.heading).to_have_text("Check your email")
    deliver(app, smtp)
    preferences = confirm(page, link_in(mailbox, only_email(mailbox, address), live_server, "confirm"))

    page.goto(page.url.split("?")[0] + "?lang=ur")
    preferences = PreferencesPage(page, say=say)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ur")
    scope = preferences.main.get_by_role("group", name=say(SCOPE_LEGEND), exact=True)
    for name in (IN_FOLLOWED, ACROSS_LEEDS):
        radio = scope.get_by_role("radio", name=say(name), exact=True)
        label = page.locator(f"label[for='{radio.get_attribute('id')}']")
        expect(label).to_be_visible()
        expect_beside_in_rtl(radio, label, name)
    include = preferences.main.get_by_role("checkbox", name=say(INCLUDE_CLOSED), exact=True)
    expect_beside_in_rtl(include, page.locator("label[for='partners_only']"), INCLUDE_CLOSED)
    problems = sideways_problems(page)
    assert not problems, "\n".join(problems)
    axe_clean(page, "preferences in Urdu at 320 px")

    # The choices work by keyboard there too.
    across = scope.get_by_role("radio", name=say(ACROSS_LEEDS), exact=True)
    across.focus()
    page.keyboard.press("Space")
    expect(across).to_be_checked()
    tab_to(page, preferences.save_button, limit=60)
    page.keyboard.press("Enter")
    expect(preferences.success).to_be_visible()
    expect(scope.get_by_role("radio", name=say(ACROSS_LEEDS), exact=True)).to_be_checked()
    problems = sideways_problems(page)
    assert not problems, "\n".join(problems)
