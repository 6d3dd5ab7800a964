"""Triage in Chromium: a worker signs in with a TOTP code, finds an item in the inbox by filtering, changes its
status in the row (htmx), shares it with another partnership and publishes a reply; the person sees both
partnerships' statuses and the reply on their tracking page. A worker of another partnership cannot reach it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from app.commands import Actor
from app.commands import sharing as sharing_commands
from app.extensions import db
from app.models import StaffUser, Submission
from app.services import auth, sharing
from app.services.people import lcps_by_slug
from tests.browser.checks import axe_violations, describe
from tests.browser.pages import StaffSignIn
from tests.browser.test_admin import next_code, secret_of, sign_in
from tests.conftest import STAFF_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def shared_item(app: Flask) -> Iterator[tuple[int, str, str]]:
    """Something a resident shared with Armley, anonymously; removed afterwards."""
    words = f"Triage journey {time.monotonic_ns()}: the bus to the health centre no longer runs on Sundays."
    with app.test_request_context():
        data = sharing.ShareInput(body=words, lcps=lcps_by_slug(["armley"]))
        submission = sharing_commands.share(Actor.resident(), data).submission
        ident, code = submission.id, sharing.format_code(submission.receipt_code)
    yield ident, code, words
    with app.app_context():
        row = db.session.get(Submission, ident)
        if row is not None:
            db.session.delete(row)
            db.session.commit()


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe violations on {page.url}:\n{describe(violations)}"


def test_a_worker_triages_shares_and_replies_and_the_person_sees_it(
    page: Page, app: Flask, make_staff, shared_item
) -> None:
    ident, code, words = shared_item
    user = make_staff("staff", ("armley",), name="Triage Worker")
    staff = sign_in(page, user.email, secret_of(app, user), set())

    staff.menu_link("Inbox").click()
    page.get_by_text("Filter the inbox").click()
    page.get_by_label("Words in the submission").fill(words[:30])
    page.get_by_label("Status").first.select_option("received")
    page.get_by_role("button", name="Apply filters").click()
    row = page.locator("tbody tr", has_text=words[:30])
    expect(row).to_have_count(1)
    assert_accessible(page)

    # The status changes in the row, without leaving the page.
    row.get_by_label(re.compile("^Status")).select_option("looking")
    row.get_by_role("button", name=re.compile("^Change status")).click()
    expect(page.locator(f"#routing-{routing_id(app, ident, 'armley')}")).to_contain_text("Looking at it")

    row.get_by_role("link", name=re.compile(re.escape(words[:30]))).click()
    page.get_by_label("Share with another partnership").select_option(label="Seacroft Local Care Partnership")
    page.get_by_role("button", name="Share", exact=True).click()
    page.get_by_label("You said").fill("The Sunday bus to the health centre stopped.")
    page.get_by_label("We did").fill("We asked the bus operator and the Sunday service returns in January.")
    page.get_by_role("button", name="Publish the reply").click()
    expect(page.get_by_role("main")).to_contain_text("We asked the bus operator")
    assert_accessible(page)

    # The person, with only their receipt code, sees both partnerships and the reply.
    staff.sign_out.click()
    page.goto(f"/track/{code}")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Armley Local Care Partnership")
    expect(main).to_contain_text("Seacroft Local Care Partnership")
    expect(main).to_contain_text("We asked the bus operator and the Sunday service returns in January.")
    expect(main).not_to_contain_text(words)


def routing_id(app: Flask, submission_id: int, slug: str) -> int:
    with app.app_context():
        submission = db.session.get(Submission, submission_id)
        return next(routing.id for routing in submission.routings if routing.lcp.slug == slug)


def test_a_worker_of_another_partnership_cannot_reach_the_item(page: Page, app: Flask, make_staff, shared_item) -> None:
    ident, _code, words = shared_item
    user = make_staff("staff", ("seacroft",), name="Other Worker")
    sign_in(page, user.email, secret_of(app, user), set())
    page.goto("/admin/inbox")
    expect(page.get_by_role("main")).not_to_contain_text(words[:30])
    page.watch.allow_error_status(f"{page.url.split('/admin')[0]}/admin/submissions/{ident}", 404)
    response = page.goto(f"/admin/submissions/{ident}")
    assert response is not None and response.status == 404


def test_a_worker_whose_session_ended_mid_change_signs_in_and_comes_back_to_the_inbox(
    page: Page, app: Flask, make_staff, shared_item
) -> None:
    """The inline change is sent by htmx after the session ended: the whole window goes to sign-in (not the sign-in
    page pasted into the row), and signing in comes back to the inbox as it was, not to a POST-only address."""
    _ident, _code, words = shared_item
    user = make_staff("staff", ("armley",), name="Ended Worker")
    used: set[str] = set()
    secret = secret_of(app, user)
    staff = sign_in(page, user.email, secret, used)
    staff.menu_link("Inbox").click()
    page.get_by_text("Filter the inbox").click()
    page.get_by_label("Words in the submission").fill(words[:30])
    page.get_by_role("button", name="Apply filters").click()
    row = page.locator("tbody tr", has_text=words[:30])
    expect(row).to_have_count(1)
    inbox = page.url.split("/admin", 1)[1]

    with app.app_context():
        auth.revoke_all_sessions(db.session.get(StaffUser, user.id))
        db.session.commit()
    row.get_by_label(re.compile("^Status")).select_option("looking")
    row.get_by_role("button", name=re.compile("^Change status")).click()
    expect(page).to_have_url(re.compile(r"/admin/login\?next="))
    expect(page.locator("tbody")).to_have_count(0)

    login = StaffSignIn(page)
    login.password_step(user.email, STAFF_PASSWORD)
    login.code.fill(next_code(secret, used))
    login.sign_in_button.click()
    expect(page).to_have_url(re.compile(re.escape("/admin" + inbox) + "$"))
    expect(page.locator("tbody tr", has_text=words[:30])).to_have_count(1)
