"""Registering, following, confirming and preferences, as a person does them in Chromium, with mail over real SMTP.

Each test registers its own address through the form, delivers the outbox to the test SMTP server and
follows the links in the email it receives, so the tests share nothing but the demo content.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timedelta
from email.message import EmailMessage
from html import escape
from pathlib import Path
from urllib.parse import urlsplit
from uuid import uuid4

import pytest
from flask import Flask
from icalendar import Calendar
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import func, select

from app.clock import utcnow
from app.commands import Actor
from app.commands.system import deliver_due
from app.extensions import db
from app.models import Follower, Lcp, Meeting, OutboxMessage
from app.services.outbox import SmtpSettings
from app.services.people import CONSENT_VERSION
from tests.browser.checks import axe_violations, describe
from tests.browser.pages import (
    CONSENT_LABEL,
    ConfirmPage,
    DeletePage,
    FollowSlot,
    PreferencesPage,
    PreferencesRequestPage,
    RegisterPage,
    Say,
    SitePage,
    UnsubscribePage,
    english,
    tab_to,
)
from tests.mailbox import Mailbox

# The outbox worker, as `flask outbox send` runs it.
WORKER = Actor.system("outbox")

pytestmark = pytest.mark.browser

ARMLEY = "Armley Local Care Partnership"
CROSS_GATES = "Cross Gates Local Care Partnership"
MORLEY = "Morley and District Local Care Partnership"
OTLEY = "Otley & Aireborough Local Care Partnership"
SEACROFT = "Seacroft Local Care Partnership"
WETHERBY = "Wetherby Local Care Partnership"
HOUSING = "Housing"
LONELINESS = "Loneliness and social connection"
CONFIRM_SUBJECT = "Confirm your email address for Leeds Local Care Partnerships"
PREFERENCES_SUBJECT = "Your link to change what you get from Leeds Local Care Partnerships"
REGISTERED = "You are registered. Here is what you follow: change it whenever you like."
SAVED = "Your choices are saved."
EMPTY_FORM_ERRORS = [
    ("Enter your email address", "#email"),
    ("Choose whether you are registering for yourself or an organisation", "#kind-0"),
    ("Choose at least one partnership or topic to follow", "#lcps-0"),
    ("Choose how often we should email you", "#frequency-0"),
    ("Tick the box to agree, or we cannot send you anything", "#consent"),
]
BAD_EMAIL = "Enter an email address in the correct format, like name@example.com"


# Helpers ----------------------------------------------------------------------------------------------------------


def unique_email(who: str) -> str:
    return f"{who}-{uuid4().hex[:12]}@example.org"


def deliver(app: Flask, smtp: SmtpSettings) -> None:
    """What the outbox worker does: send every queued email to the test SMTP server."""
    with app.app_context():
        deliver_due(WORKER, smtp)


def only_email(mailbox: Mailbox, address: str) -> EmailMessage:
    messages = mailbox.to(address)
    assert len(messages) == 1, f"{len(messages)} emails to {address}: {[m['Subject'] for m in messages]}"
    return messages[0]


def link_in(mailbox: Mailbox, message: EmailMessage, live_server: str, path: str) -> str:
    """The one link to `path` in an email; the HTML part must carry the same link as the text part.

    An email in another language links to pages in that language (`?lang=…`)."""
    links = set(re.findall(rf"{re.escape(live_server)}/{path}/[\w.-]+(?:\?lang=\w+)?", mailbox.text(message)))
    assert len(links) == 1, f"expected one /{path}/ link in the email, found {links}"
    link = links.pop()
    assert f'href="{escape(link)}"' in mailbox.html(message), f"the HTML part lacks {link}"
    return link


def expect_ticked(group: Locator, names: list[str]) -> None:
    """Exactly these boxes of a fieldset are ticked."""
    expect(group.get_by_role("checkbox", checked=True)).to_have_count(len(names))
    for name in names:
        expect(group.get_by_role("checkbox", name=name, exact=True)).to_be_checked()


def set_marker(page: Page) -> None:
    # A full page load throws the window away, so a surviving marker proves htmx swapped in place.
    page.evaluate("window.__marker = 1")


def expect_marker(page: Page) -> None:
    assert page.evaluate("window.__marker") == 1, "the page was reloaded instead of updated in place"


def register_by_form(
    page: Page,
    app: Flask,
    mailbox: Mailbox,
    smtp: SmtpSettings,
    live_server: str,
    address: str,
    lcps: tuple[str, ...] = (),
    topics: tuple[str, ...] = (),
) -> str:
    """Register through the form and return the confirmation link from the email that arrives."""
    register = RegisterPage(page)
    register.open()
    register.fill(address, lcps=lcps, topics=topics)
    register.register_button.click()
    expect(register.heading).to_have_text("Check your email")
    deliver(app, smtp)
    message = only_email(mailbox, address)
    assert message["Subject"] == CONFIRM_SUBJECT
    return link_in(mailbox, message, live_server, "confirm")


def confirm(page: Page, confirm_link: str, say: Say = english) -> PreferencesPage:
    """Open the link from the email and press the button; the person lands on their preferences."""
    page.goto(confirm_link)
    confirm_page = ConfirmPage(page, say=say)
    expect(confirm_page.heading).to_have_text(say("Confirm your email address"))
    confirm_page.confirm_button.click()
    preferences = PreferencesPage(page, say=say)
    expect(preferences.success).to_contain_text(say(REGISTERED))
    expect(page).to_have_url(re.compile(r"/preferences/[\w.-]+(\?lang=\w+)?$"))
    return preferences


def register_and_confirm(
    page: Page,
    app: Flask,
    mailbox: Mailbox,
    smtp: SmtpSettings,
    live_server: str,
    address: str,
    lcps: tuple[str, ...] = (),
    topics: tuple[str, ...] = (),
) -> PreferencesPage:
    return confirm(page, register_by_form(page, app, mailbox, smtp, live_server, address, lcps, topics))


# 1. Following from public pages, registering and confirming -------------------------------------------------------


def test_resident_follows_two_lcps_and_a_topic_and_confirms(
    page: Page, app: Flask, mailbox: Mailbox, smtp: SmtpSettings, live_server: str
) -> None:
    address = unique_email("resident")
    page.goto("/lcps/seacroft")
    FollowSlot(page, "Seacroft").link.click()

    register = RegisterPage(page)
    expect(page).to_have_url(re.compile(r"/register\?lcp=seacroft$"))
    expect(register.heading).to_have_text("Follow Local Care Partnerships")
    expect_ticked(register.lcps, [SEACROFT])
    expect_ticked(register.topics, [])

    register.fill(address, lcps=(ARMLEY,), topics=(LONELINESS,))
    register.register_button.click()
    expect(register.heading).to_have_text("Check your email")
    # Nothing is sent until the worker runs: the email waits in the outbox with the registration.
    assert mailbox.to(address) == []
    deliver(app, smtp)
    message = only_email(mailbox, address)
    assert message["Subject"] == CONFIRM_SUBJECT
    confirm_link = link_in(mailbox, message, live_server, "confirm")

    preferences = confirm(page, confirm_link)
    expect(preferences.heading).to_contain_text(address)
    expect_ticked(preferences.lcps, [ARMLEY, SEACROFT])
    expect_ticked(preferences.topics, [LONELINESS])
    expect(preferences.frequency_choice("Once a week")).to_be_checked()

    # Recognised by the cookie now: a third partnership's page swaps its link for a toggle.
    page.goto("/lcps/wetherby")
    wetherby = FollowSlot(page, "Wetherby")
    expect(wetherby.follow_button).to_be_visible()
    expect(wetherby.link).to_have_count(0)
    expect(wetherby.following).to_have_count(0)
    set_marker(page)
    wetherby.follow_button.click()
    expect(wetherby.following).to_be_visible()
    expect(wetherby.stop_button).to_be_visible()
    expect(wetherby.follow_button).to_have_count(0)
    expect_marker(page)
    expect(page).to_have_url(re.compile(r"/lcps/wetherby$"))

    # The link in the email, used again after confirming, leads to the preferences.
    page.goto(confirm_link)
    expect(preferences.heading).to_contain_text("Your choices")
    expect_ticked(preferences.lcps, [ARMLEY, SEACROFT, WETHERBY])
    expect_ticked(preferences.topics, [LONELINESS])

    page.goto("/lcps/wetherby")
    expect(wetherby.stop_button).to_be_visible()
    expect(wetherby.following).to_be_visible()
    set_marker(page)
    wetherby.stop_button.click()
    expect(wetherby.follow_button).to_be_visible()
    expect(wetherby.following).to_have_count(0)
    expect(wetherby.stop_button).to_have_count(0)
    expect_marker(page)

    page.goto(confirm_link)
    expect(preferences.heading).to_contain_text("Your choices")
    expect_ticked(preferences.lcps, [ARMLEY, SEACROFT])
    # Confirming sent the preferences link, once; following and unfollowing send nothing.
    deliver(app, smtp)
    assert [message["Subject"] for message in mailbox.to(address)] == [CONFIRM_SUBJECT, PREFERENCES_SUBJECT]


def test_follow_link_on_a_topic_page_ticks_that_topic(page: Page) -> None:
    page.goto("/topics/isolation-connection")
    FollowSlot(page, LONELINESS).link.click()
    register = RegisterPage(page)
    expect(page).to_have_url(re.compile(r"/register\?topic=isolation-connection$"))
    expect_ticked(register.topics, [LONELINESS])
    expect_ticked(register.lcps, [])


# 2. Changing preferences, downloading and deleting ----------------------------------------------------------------


def test_person_changes_preferences_downloads_and_deletes_their_data(
    page: Page, app: Flask, mailbox: Mailbox, smtp: SmtpSettings, live_server: str
) -> None:
    address = unique_email("changes")
    register = RegisterPage(page)
    register.open()
    # The exact words the person agrees to, as the download must record them.
    wording = " ".join(page.get_by_text(CONSENT_LABEL).inner_text().split())
    link = register_by_form(page, app, mailbox, smtp, live_server, address, (ARMLEY, CROSS_GATES), (HOUSING,))
    preferences = confirm(page, link)
    preferences_url = page.url

    preferences.lcp(CROSS_GATES).uncheck()
    preferences.frequency_choice("Once a month").check()
    preferences.save_button.click()
    expect(preferences.success).to_contain_text(SAVED)
    expect_ticked(preferences.lcps, [ARMLEY])
    expect_ticked(preferences.topics, [HOUSING])
    expect(preferences.frequency_choice("Once a month")).to_be_checked()

    with page.expect_download() as json_download:
        preferences.json_link.click()
    assert json_download.value.suggested_filename == "my-lcp-data.json"
    data = json.loads(Path(json_download.value.path()).read_text(encoding="utf-8"))
    assert data["email"] == address
    assert data["registered_as"] == "resident"
    assert data["partnerships_followed"] == [{"slug": "armley", "name": ARMLEY}]
    assert data["topics_followed"] == [{"slug": "housing", "label": HOUSING}]
    assert data["digest_frequency"] == "monthly"
    assert data["confirmed_at"]
    [consent] = data["consents"]
    assert consent["purpose"] == "emails"
    assert consent["wording"] == wording
    assert consent["version"] == CONSENT_VERSION
    assert consent["withdrawn_at"] == ""
    given_at = consent["given_at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", given_at), given_at
    with app.app_context():
        now = utcnow()
    assert now - timedelta(minutes=5) < datetime.fromisoformat(given_at.removesuffix("Z")) <= now + timedelta(seconds=1)
    # The preferences link sent on confirming waits in the outbox: this test runs no worker after confirming.
    assert [(email["kind"], email["status"]) for email in data["emails"]] == [
        ("confirm", "sent"),
        ("preferences-link", "queued"),
    ]

    with page.expect_download() as csv_download:
        preferences.csv_link.click()
    assert csv_download.value.suggested_filename == "my-lcp-data.csv"
    rows = list(csv.reader(io.StringIO(Path(csv_download.value.path()).read_text(encoding="utf-8"))))
    assert rows[0] == ["section", "field", "value"]
    facts = {(section, field): value for section, field, value in rows[1:]}
    assert facts[("person", "email")] == address
    assert facts[("person", "digest_frequency")] == "monthly"
    assert facts[("partnerships_followed[1]", "slug")] == "armley"
    assert ("partnerships_followed[2]", "slug") not in facts
    assert facts[("topics_followed[1]", "label")] == HOUSING
    assert facts[("consents[1]", "wording")] == wording
    assert facts[("consents[1]", "version")] == CONSENT_VERSION
    assert facts[("consents[1]", "given_at")] == given_at

    preferences.delete_link.click()
    delete = DeletePage(page)
    expect(delete.heading).to_have_text("Delete all your data")
    delete.delete_button.click()
    expect(delete.heading).to_have_text("Your data has been deleted")
    assert not [cookie for cookie in page.context.cookies() if cookie["name"] == "lcp_follower"]

    page.watch.allow_error_status(preferences_url, 400)  # type: ignore[attr-defined]
    response = page.goto(preferences_url)
    assert response is not None and response.status == 400
    expect(SitePage(page).heading).to_have_text("This link does not work")

    with app.app_context():
        assert db.session.scalar(select(Follower).where(Follower.email == address)) is None
        waiting = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.to_address == address)
        assert db.session.scalar(waiting) == 0


# 3. The private calendar ------------------------------------------------------------------------------------------


def test_private_calendar_holds_the_followed_lcps_meetings_only(
    page: Page, app: Flask, mailbox: Mailbox, smtp: SmtpSettings, live_server: str
) -> None:
    address = unique_email("calendar")
    preferences = register_and_confirm(page, app, mailbox, smtp, live_server, address, (MORLEY, OTLEY))
    expect_ticked(preferences.topics, [])

    calendar_url = preferences.calendar_box.input_value()
    assert calendar_url.startswith(f"{live_server}/calendar/") and calendar_url.endswith(".ics"), calendar_url
    expect(preferences.subscribe_link).to_have_attribute(
        "href", urlsplit(calendar_url)._replace(scheme="webcal").geturl()
    )

    response = page.request.get(calendar_url)
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.body())
    events = list(calendar.walk("VEVENT"))
    assert events, "the calendar has no meetings"
    followed = {"morley-district", "otley-aireborough"}
    pages = re.compile(rf"^{re.escape(live_server)}/lcps/({'|'.join(followed)})#meeting-\d+$")
    uids = set()
    for event in events:
        url = str(event["URL"])
        assert pages.match(url), f"{event['SUMMARY']} links to {url}, not a followed partnership"
        assert url in str(event["DESCRIPTION"])
        uids.add(str(event["UID"]))

    with app.app_context():
        upcoming = db.session.execute(
            select(Meeting.id, Lcp.slug)
            .join(Lcp, Meeting.lcp_id == Lcp.id)
            .where(Lcp.slug.in_(followed), Meeting.starts_at >= utcnow())
        ).all()
    assert {slug for _id, slug in upcoming} == followed, "the demo should give each partnership a coming meeting"
    missing = {f"meeting-{meeting_id}@127.0.0.1" for meeting_id, _slug in upcoming} - uids
    assert not missing, f"upcoming meetings missing from the calendar: {missing}"


# 4. Bad input -----------------------------------------------------------------------------------------------------


def test_empty_registration_shows_every_problem_and_keeps_what_was_typed(page: Page) -> None:
    register = RegisterPage(page)
    register.open()
    register.register_button.click()

    expect(register.error_summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Follow Local Care Partnerships"))
    summary_links = register.error_summary.get_by_role("link")
    expect(summary_links).to_have_text([message for message, _anchor in EMPTY_FORM_ERRORS])
    for index, (_message, anchor) in enumerate(EMPTY_FORM_ERRORS):
        expect(summary_links.nth(index)).to_have_attribute("href", anchor)
    # Each field says what is wrong with it, where a screen reader hears it.
    for field, (message, _anchor) in zip(
        (register.email, register.kind, register.lcps, register.frequency, register.consent),
        EMPTY_FORM_ERRORS,
        strict=True,
    ):
        expect(field).to_have_accessible_description(re.compile(rf"Error:\s+{re.escape(message)}\s*$"))
    register.error_summary.get_by_role("link", name="Enter your email address").click()
    expect(register.email).to_be_focused()

    register.email.fill("ann@")
    register.lcp(ARMLEY).check()
    register.lcp(SEACROFT).check()
    register.register_button.click()
    expect(register.error_summary).to_be_focused()
    expect(register.error_summary.get_by_role("link", name=BAD_EMAIL)).to_have_attribute("href", "#email")
    expect(register.email).to_have_accessible_description(re.compile(rf"Error:\s+{re.escape(BAD_EMAIL)}\s*$"))
    expect(register.email).to_have_value("ann@")
    expect_ticked(register.lcps, [ARMLEY, SEACROFT])
    # Two partnerships are ticked, so "choose at least one" has gone.
    expect(register.error_summary).not_to_contain_text("Choose at least one partnership or topic")


def test_tampered_confirmation_link_does_not_work(
    page: Page, app: Flask, mailbox: Mailbox, smtp: SmtpSettings, live_server: str
) -> None:
    link = register_by_form(page, app, mailbox, smtp, live_server, unique_email("tampered"), (ARMLEY,))
    base, token = link.rsplit("/", 1)
    tampered = f"{base}/{'Y' if token[0] == 'X' else 'X'}{token[1:]}"
    page.watch.allow_error_status(tampered, 400)  # type: ignore[attr-defined]
    response = page.goto(tampered)
    assert response is not None and response.status == 400
    site = SitePage(page)
    expect(site.heading).to_have_text("This link does not work")
    expect(ConfirmPage(page).confirm_button).to_have_count(0)
    expect(site.main.get_by_role("link", name="register again")).to_have_attribute("href", "/register")


# 5. Accessibility and the keyboard --------------------------------------------------------------------------------


class AxeLog:
    """axe on each step of a journey; every page's violations are reported together at the end."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []

    def check(self, label: str) -> None:
        violations = axe_violations(self.page)
        if violations:
            self.problems.append(f"{label} ({self.page.url}):\n{describe(violations)}")

    def assert_clean(self) -> None:
        assert not self.problems, "axe violations:\n" + "\n".join(self.problems)


def test_registering_pages_are_accessible(
    page: Page, app: Flask, mailbox: Mailbox, smtp: SmtpSettings, live_server: str
) -> None:
    axe = AxeLog(page)
    address = unique_email("axe-register")
    register = RegisterPage(page)
    register.open()
    axe.check("register")
    register.register_button.click()
    expect(register.error_summary).to_be_focused()
    axe.check("register with errors")

    register.fill(address, lcps=(ARMLEY,))
    register.register_button.click()
    expect(register.heading).to_have_text("Check your email")
    axe.check("check your email")

    deliver(app, smtp)
    page.goto(link_in(mailbox, only_email(mailbox, address), live_server, "confirm"))
    expect(ConfirmPage(page).confirm_button).to_be_visible()
    axe.check("confirm")
    ConfirmPage(page).confirm_button.click()
    expect(PreferencesPage(page).success).to_be_visible()
    axe.check("preferences with the success banner")

    page.goto("/lcps/armley")
    armley = FollowSlot(page, "Armley")
    expect(armley.stop_button).to_be_visible()
    axe.check("LCP page with the personal toggle, following")
    armley.stop_button.click()
    expect(armley.follow_button).to_be_visible()
    axe.check("LCP page with the personal toggle, not following")
    axe.assert_clean()


def test_pages_after_registering_are_accessible(
    page: Page, app: Flask, mailbox: Mailbox, smtp: SmtpSettings, live_server: str
) -> None:
    axe = AxeLog(page)
    address = unique_email("axe-after")
    register_and_confirm(page, app, mailbox, smtp, live_server, address, (SEACROFT,))
    # The preferences link sent on confirming goes now, so the one asked for below is the only email after.
    deliver(app, smtp)
    mailbox.clear()

    request = PreferencesRequestPage(page)
    request.open()
    axe.check("get a link")
    request.email.fill(address)
    request.send_button.click()
    expect(request.heading).to_have_text("Check your email")
    expect(request.main).to_contain_text("If that address is registered, we have sent it a link")
    axe.check("check your email, for a preferences link")

    deliver(app, smtp)
    message = only_email(mailbox, address)
    preferences_link = link_in(mailbox, message, live_server, "preferences")
    page.goto(link_in(mailbox, message, live_server, "unsubscribe"))
    unsubscribe = UnsubscribePage(page)
    expect(unsubscribe.heading).to_have_text("Stop emails")
    axe.check("unsubscribe")
    unsubscribe.stop_button.click()
    expect(unsubscribe.heading).to_have_text("You are unsubscribed")
    axe.check("unsubscribed")

    broken = f"{live_server}/preferences/not-a-real-link"
    page.watch.allow_error_status(broken, 400)  # type: ignore[attr-defined]
    page.goto(broken)
    expect(SitePage(page).heading).to_have_text("This link does not work")
    axe.check("link problem")

    page.goto(preferences_link)
    preferences = PreferencesPage(page)
    expect(preferences.frequency_choice("No emails: I will use my calendar link and the website")).to_be_checked()
    preferences.delete_link.click()
    delete = DeletePage(page)
    expect(delete.delete_button).to_be_visible()
    axe.check("delete")
    delete.delete_button.click()
    expect(delete.heading).to_have_text("Your data has been deleted")
    axe.check("deleted")
    axe.assert_clean()


def test_register_with_the_keyboard(page: Page, app: Flask, mailbox: Mailbox, smtp: SmtpSettings) -> None:
    address = unique_email("keyboard")
    register = RegisterPage(page)
    register.open()
    tab_to(page, register.email)
    page.keyboard.type(address)
    for box in (
        register.kind.get_by_role("radio", name="Myself, as someone who lives or works in Leeds"),
        register.lcp(WETHERBY),
        register.frequency.get_by_role("radio", name="Once a week"),
    ):
        tab_to(page, box, limit=60)
        page.keyboard.press("Space")
        expect(box).to_be_checked()
    # Within a group of radios the arrow keys move the choice.
    page.keyboard.press("ArrowDown")
    expect(register.frequency.get_by_role("radio", name="Once a month")).to_be_checked()
    tab_to(page, register.consent)
    page.keyboard.press("Space")
    expect(register.consent).to_be_checked()
    tab_to(page, register.register_button)
    page.keyboard.press("Enter")
    expect(register.heading).to_have_text("Check your email")
    deliver(app, smtp)
    assert only_email(mailbox, address)["Subject"] == CONFIRM_SUBJECT
