"""The staff area in Chromium: enrolling an authenticator and signing in with real TOTP codes, the content
journeys a development worker and a citywide admin make, and axe on every staff page.

Codes come from pyotp, computed from the key the enrolment page shows, exactly as an authenticator app
computes them. Each code is accepted once, so a journey that signs in twice waits for the next one.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import StaffUser
from tests.browser.checks import axe_violations, describe
from tests.browser.pages import StaffPage, StaffSignIn, tab_to
from tests.conftest import STAFF_PASSWORD
from tests.test_admin_access import guarded, url_for_rule

pytestmark = pytest.mark.browser


def next_code(secret: str, used: set[str]) -> str:
    """The authenticator's current code; if it was used already, the next one (each code works once)."""
    totp = pyotp.TOTP(secret)
    code = totp.now()
    while code in used:
        time.sleep(1)
        code = totp.now()
    used.add(code)
    return code


def secret_of(app: Flask, user: StaffUser) -> str:
    with app.app_context():
        return db.session.get(StaffUser, user.id).totp_secret


def sign_in(page: Page, email: str, secret: str, used: set[str]) -> StaffPage:
    login = StaffSignIn(page)
    login.open()
    login.password_step(email, STAFF_PASSWORD)
    login.code.fill(next_code(secret, used))
    login.sign_in_button.click()
    staff = StaffPage(page)
    expect(staff.heading).to_contain_text("Staff dashboard")
    return staff


def test_a_new_worker_sets_up_the_authenticator_by_keyboard_and_signs_in(page: Page, app: Flask, make_staff) -> None:
    user = make_staff("staff", ("armley",), enrolled=False, name="Asha Worker")
    login = StaffSignIn(page)
    login.open()
    expect(login.heading).to_have_text("Sign in to the staff area")
    tab_to(page, login.email)
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    page.keyboard.type(STAFF_PASSWORD)
    page.keyboard.press("Enter")

    expect(login.heading).to_have_text("Set up your authenticator app")
    expect(login.qr).to_be_visible()
    assert_accessible(page)
    secret = login.secret.inner_text().replace(" ", "")
    assert secret == secret_of(app, user)
    used: set[str] = set()
    login.code.fill(next_code(secret, used))
    login.continue_button.click()

    expect(login.heading).to_have_text("Save your recovery codes")
    expect(login.recovery_codes).to_have_count(10)
    assert_accessible(page)
    login.saved_codes.click()
    staff = StaffPage(page)
    expect(staff.heading).to_contain_text("Staff dashboard")
    expect(staff.main.get_by_role("link", name="Armley Local Care Partnership")).to_be_visible()
    assert_accessible(page)

    staff.sign_out.click()
    expect(login.heading).to_have_text("Sign in to the staff area")
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    # Signed out means signed out: the dashboard asks for a sign-in again.
    page.goto("/admin/")
    expect(login.heading).to_have_text("Sign in to the staff area")
    # And the code from the app signs in next time (a new code: each works once).
    sign_in(page, user.email, secret, used)


def test_a_wrong_password_gets_one_message_and_keeps_the_address(page: Page, make_staff) -> None:
    user = make_staff()
    login = StaffSignIn(page)
    login.open()
    login.password_step(user.email, "not my password at all")
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("The email address or password is not right")
    expect(login.email).to_have_value(user.email)
    expect(login.password).to_have_value("")
    assert page.title().startswith("Error:")
    assert_accessible(page)


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe violations on {page.url}:\n{describe(violations)}"


@pytest.fixture
def admin_page(page: Page, app: Flask, make_staff) -> Iterator[Page]:
    user = make_staff("admin", name="Axe Admin")
    sign_in(page, user.email, secret_of(app, user), set())
    yield page


@pytest.fixture
def worker_page(page: Page, app: Flask, make_staff) -> Iterator[Page]:
    user = make_staff("staff", ("cross-gates",), name="Axe Worker")
    sign_in(page, user.email, secret_of(app, user), set())
    yield page


def staff_urls(app: Flask, slug: str, permissions: tuple[str, ...] = ("view", "edit", "admin")) -> list[str]:
    """Every staff page reached by GET with one of these permissions; CSV downloads are not pages (their own
    tests read them)."""
    return [
        url_for_rule(app, rule, slug)
        for rule in guarded(app)
        if "GET" in rule.methods
        and not rule.rule.endswith(".csv")
        and app.view_functions[rule.endpoint].permission in permissions
    ]


def sweep(page: Page, urls: list[str]) -> list[str]:
    problems = []
    for url in urls:
        response = page.goto(url)
        assert response is not None and response.status in (200,), f"{url} gave {response and response.status}"
        violations = axe_violations(page)
        if violations:
            problems.append(f"{url}:\n{describe(violations)}")
    return problems


def test_every_staff_page_passes_axe_for_an_admin(admin_page: Page, app: Flask) -> None:
    urls = staff_urls(app, "cross-gates")
    assert len(urls) > 15
    problems = sweep(admin_page, urls)
    assert not problems, "\n".join(problems)


def test_every_staff_page_a_worker_may_open_passes_axe(worker_page: Page, app: Flask) -> None:
    problems = sweep(worker_page, staff_urls(app, "cross-gates", ("view", "edit")))
    assert not problems, "\n".join(problems)


def test_the_sign_in_pages_pass_axe_with_errors_shown(page: Page, make_staff) -> None:
    user = make_staff()
    login = StaffSignIn(page)
    login.open()
    login.continue_button.click()
    expect(page.get_by_role("alert")).to_contain_text("Enter your email address")
    assert_accessible(page)
    login.password_step(user.email, STAFF_PASSWORD)
    expect(login.heading).to_have_text("Enter the code from your authenticator app")
    login.code.fill("12")
    login.sign_in_button.click()
    expect(page.get_by_role("alert")).to_contain_text("Each code works once")
    assert_accessible(page)
    page.get_by_role("link", name="I cannot use my authenticator app: use a recovery code").click()
    expect(login.heading).to_have_text("Use a recovery code")
    assert_accessible(page)


PUDSEY_PRACTICES = {
    "B86011": "Hillfoot Surgery",
    "B86014": "Robin Lane Health and Wellbeing Centre",
    "B86094": "The Gables Surgery",
}


@pytest.fixture
def restore_pudsey(app: Flask) -> Iterator[None]:
    """Puts the three practices back as the seed left them and removes the partnership the journey adds."""
    from sqlalchemy import delete, select

    from app.models import AuditEvent, GpPractice, Lcp, LcpRedirect

    fields = ("lcp_id", "lcp_source", "lcp_note", "lcp_linked_at", "lcp_linked_by_id")
    with app.app_context():
        rows = db.session.scalars(select(GpPractice).where(GpPractice.ods_code.in_(PUDSEY_PRACTICES)))
        saved = {row.ods_code: {name: getattr(row, name) for name in fields} for row in rows}
    assert len(saved) == 3 and all(values["lcp_id"] is None for values in saved.values())
    yield
    with app.app_context():
        for row in db.session.scalars(select(GpPractice).where(GpPractice.ods_code.in_(PUDSEY_PRACTICES))):
            for name, value in saved[row.ods_code].items():
                setattr(row, name, value)
        lcp = db.session.scalar(select(Lcp).where(Lcp.name == "Pudsey Local Care Partnership"))
        if lcp is not None:
            db.session.execute(delete(LcpRedirect).where(LcpRedirect.lcp_id == lcp.id))
            db.session.execute(delete(AuditEvent).where(AuditEvent.lcp_id == lcp.id))
            db.session.delete(lcp)
        db.session.commit()


def test_an_admin_adds_a_missing_partnership_links_three_practices_and_the_finder_answers(
    page: Page, app: Flask, make_staff, restore_pudsey
) -> None:
    from tests.browser.pages import FindPage

    user = make_staff("admin", name="City Lead")
    staff = sign_in(page, user.email, secret_of(app, user), set())
    staff.menu_link("Partnerships").click()
    page.get_by_role("link", name="Add a partnership").click()
    page.get_by_label("Full name of the partnership").fill("Pudsey Local Care Partnership")
    page.get_by_label("Short name").fill("Pudsey")
    page.get_by_role("button", name="Add partnership").click()
    expect(staff.heading).to_contain_text("Pudsey Local Care Partnership")
    assert_accessible(page)

    page.get_by_role("link", name=re.compile("GP practices")).first.click()
    for ods, name in PUDSEY_PRACTICES.items():
        page.get_by_label("ODS code of the practice").fill(ods.lower())
        page.get_by_label("Where the link comes from").fill("Confirmed by the partnership, November 2026")
        page.get_by_role("button", name="Link the practice").click()
        expect(page.get_by_role("table").first).to_contain_text(name)
    assert_accessible(page)

    # A resident searching for any of the three practices is now told its partnership.
    find = FindPage(page)
    for name in PUDSEY_PRACTICES.values():
        find.open()
        find.search_box.fill(name)
        find.find_button.click()
        expect(find.main).to_contain_text(f"Your GP practice, {name}, is in Pudsey Local Care Partnership")


@pytest.fixture
def remove_meetings(app: Flask) -> Iterator[list[str]]:
    """Deletes the meetings a journey publishes (by title), with their audit rows, afterwards."""
    from sqlalchemy import delete, select

    from app.models import AuditEvent, Meeting

    titles: list[str] = []
    yield titles
    with app.app_context():
        for meeting in db.session.scalars(select(Meeting).where(Meeting.title.in_(titles))):
            db.session.execute(
                delete(AuditEvent).where(
                    AuditEvent.object_type.in_(("meeting", "agenda_item")), AuditEvent.lcp_id == meeting.lcp_id
                )
            )
            db.session.delete(meeting)
        db.session.commit()


def test_a_worker_enrols_publishes_a_meeting_and_later_what_was_decided(
    page: Page, app: Flask, make_staff, remove_meetings: list[str]
) -> None:
    from datetime import date, timedelta

    from icalendar import Calendar

    title = f"Armley winter wellbeing meeting {time.monotonic_ns()}"
    remove_meetings.append(title)
    day = date.today() + timedelta(days=21)
    user = make_staff("staff", ("armley",), enrolled=False, name="Dev Worker")

    # Enrolment, with the code an authenticator app would compute from the key on the page.
    login = StaffSignIn(page)
    login.open()
    login.password_step(user.email, STAFF_PASSWORD)
    used: set[str] = set()
    secret = login.secret.inner_text().replace(" ", "")
    login.code.fill(next_code(secret, used))
    login.continue_button.click()
    login.saved_codes.click()
    staff = StaffPage(page)

    # The meeting, as a draft first: not public until published.
    staff.main.get_by_role("link", name="Armley Local Care Partnership").click()
    staff.main.get_by_role("link", name="Meetings", exact=True).click()
    page.get_by_role("link", name="Add a meeting").click()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("Start time").fill("14:00")
    page.get_by_label("End time").fill("16:00")
    page.get_by_label("Where it is held").fill("Armley Library, Stanningley Road, community room")
    page.get_by_label("How to join").fill("Come to the community room on the ground floor; step-free entrance.")
    page.get_by_label("Yes, members of the public may come").check()
    page.get_by_role("button", name="Save as draft").click()
    expect(staff.main).to_contain_text("This meeting is a draft")
    assert_accessible(page)

    page.get_by_role("link", name="Add an agenda item").click()
    page.get_by_label("Title").fill("Warm spaces this winter")
    page.get_by_label("Papers").fill("Warm spaces map | https://example.org/warm-spaces.pdf")
    page.get_by_role("button", name="Add item").click()
    expect(staff.main).to_contain_text("Warm spaces this winter")
    meeting_url = page.url
    page.get_by_role("button", name="Publish").click()
    expect(staff.main).to_contain_text("See the meeting’s public page")

    # A resident sees it on the partnership's page, with how to join, and in its calendar feed.
    staff.sign_out.click()
    page.goto("/lcps/armley")
    card = page.locator(".app-meeting", has_text=title)
    expect(card).to_contain_text("Come to the community room on the ground floor")
    expect(card).to_contain_text("Members of the public are welcome.")
    expect(card.get_by_role("link", name="Warm spaces map")).to_be_visible()
    events = calendar_events(page, Calendar)
    assert title in events and "How to join: Come to the community room" in events[title]

    # Later, once the meeting has started (a decision is never recorded before), the worker records what was
    # decided; the page and the calendar say so.
    with app.app_context():
        from sqlalchemy import select

        from app.clock import utcnow
        from app.models import Meeting

        meeting = db.session.scalar(select(Meeting).where(Meeting.title == title))
        meeting.starts_at, meeting.ends_at = utcnow() - timedelta(hours=1), utcnow() + timedelta(hours=1)
        db.session.commit()
    sign_in(page, user.email, secret, used)
    page.goto(meeting_url)
    page.get_by_role("link", name=re.compile(r"^Record what was decided\W+Warm spaces this winter$")).click()
    page.get_by_label("What was decided").fill("Three libraries open as warm spaces on weekday afternoons.")
    page.get_by_role("button", name="Record the decision").click()
    assert_accessible(page)
    staff.sign_out.click()
    page.goto("/lcps/armley")
    expect(page.locator(".app-meeting", has_text=title)).to_contain_text(
        "What was decided: Three libraries open as warm spaces"
    )
    assert "What was decided: Three libraries open as warm spaces" in calendar_events(page, Calendar)[title]


def calendar_events(page: Page, calendar_class) -> dict[str, str]:
    """The partnership's calendar feed as a calendar app reads it: each event's title and description."""
    response = page.request.get("/lcps/armley/meetings.ics")
    assert response.ok and response.headers["content-type"].startswith("text/calendar")
    calendar = calendar_class.from_ical(response.body())
    return {str(event["summary"]): str(event["description"]) for event in calendar.walk("VEVENT")}


def test_the_staff_area_stays_in_english_and_fits_a_phone(rtl_phone_page: Page, app: Flask, make_staff) -> None:
    """A worker whose browser asks for Arabic still gets the staff area whole in English (its own words are not
    translated, and a page mixing languages reads wrongly aloud), left to right, never scrolling sideways."""
    from tests.browser.checks import phone_problems

    user = make_staff("staff", ("cross-gates",), name="Phone Worker")
    page = rtl_phone_page
    login = StaffSignIn(page)
    login.open()
    expect(page.locator("html")).to_have_attribute("lang", "en-GB")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    assert phone_problems(page) == []
    login.password_step(user.email, STAFF_PASSWORD)
    login.code.fill(next_code(secret_of(app, user), set()))
    login.sign_in_button.click()
    for path in ("/admin/", "/admin/lcps/cross-gates", "/admin/lcps/cross-gates/meetings", "/admin/account"):
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("dir", "ltr")
        problems = phone_problems(page)
        assert problems == [], f"{path}:\n" + "\n".join(problems)
