"""Webhooks on an organisation's preferences page, in Chromium: adding an endpoint by keyboard, its secret shown once,
a test event sent to a real receiver and seen in the delivery log; axe on each step; and the section at 320 px in
Urdu, with nothing wider than the screen and each tick box beside its words.

Each test makes its own organisation (a unique address) and deletes it, with its endpoints and audit records,
afterwards; it reads only its own endpoint's rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import delete, select

from app.clock import utcnow
from app.commands import Actor
from app.commands import webhooks as webhook_commands
from app.extensions import db
from app.models import AuditEvent, Follower, Lcp
from app.services import webhooks
from app.services.tokens import Purpose, make_token
from tests.browser.checks import SMALLEST_PHONE, axe_violations, describe, sideways_problems
from tests.browser.pages import tab_to
from tests.browser.test_following import expect_beside_in_rtl
from tests.test_webhooks import Receiver, lower, verify

pytestmark = pytest.mark.browser


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    yield made
    made.close()


@pytest.fixture
def organisation(app: Flask) -> Iterator[tuple[int, str]]:
    """A confirmed organisation following HATCH: its id and its preferences page's path."""
    with app.app_context():
        person = Follower(
            email=f"hooks-browser-{uuid.uuid4().hex[:12]}@example.org",
            kind="organisation",
            organisation_name="Browser Test Group",
            frequency="weekly",
            confirmed_at=utcnow(),
        )
        person.lcps = [db.session.scalar(select(Lcp).where(Lcp.slug == "hatch"))]
        db.session.add(person)
        db.session.commit()
        person_id, path = person.id, f"/preferences/{make_token(person, Purpose.PREFERENCES)}"
    yield person_id, path
    with app.app_context():
        row = db.session.get(Follower, person_id)
        if row is not None:
            db.session.delete(row)
        db.session.execute(delete(AuditEvent).where(AuditEvent.actor_label == f"follower:{person_id}"))
        db.session.commit()


def axe_clean(page: Page, what: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe on {what}:\n{describe(violations)}"


def section(page: Page) -> Locator:
    return page.locator("#webhooks ~ *")


def test_an_organisation_adds_an_endpoint_sees_the_secret_once_and_a_test_event_in_the_log(
    page: Page, app: Flask, organisation: tuple[int, str], receiver: Receiver
) -> None:
    person_id, path = organisation
    page.goto(path)
    expect(page.get_by_role("heading", name="Webhooks", level=2)).to_be_visible()
    axe_clean(page, "the preferences page with the webhooks section")

    # By keyboard: the address, one event, the button.
    address = page.get_by_role("textbox", name="Endpoint address")
    tab_to(page, address, limit=80)
    page.keyboard.type(receiver.url("/from-browser"))
    published = page.get_by_role("checkbox", name="A meeting is published", exact=True)
    tab_to(page, published)
    page.keyboard.press("Space")
    expect(published).to_be_checked()
    add_button = page.get_by_role("button", name="Add endpoint")
    tab_to(page, add_button)
    page.keyboard.press("Enter")

    secret_box = page.get_by_role("textbox", name="Signing secret")
    expect(secret_box).to_be_visible()
    secret = secret_box.input_value()
    assert secret.startswith("whsec_") and len(secret) == 50
    axe_clean(page, "the secret shown once")

    # Shown once: not on the page again.
    page.goto(path)
    expect(page.get_by_role("heading", name=receiver.url("/from-browser"), level=3)).to_be_visible()
    assert secret not in page.content()
    expect(page.get_by_role("textbox", name="Signing secret")).to_have_count(0)

    page.get_by_role("button", name="Send a test event").click()
    expect(page.get_by_role("main")).to_contain_text("A test event is on its way")
    with app.app_context():
        [endpoint] = webhooks.endpoints_of(db.session.get(Follower, person_id))
        assert endpoint.url == receiver.url("/from-browser") and endpoint.secret == secret
        webhook_commands.deliver_due(Actor.system("webhooks"))
    [request] = receiver.received
    assert verify(secret, lower(request.headers), request.body)

    page.goto(path)
    log = page.get_by_role("table", name="Delivery log")
    expect(log).to_contain_text("webhook.test")
    expect(log).to_contain_text("Delivered (HTTP 204)")
    axe_clean(page, "the delivery log")


def test_an_address_refused_is_said_beside_the_field_and_kept(page: Page, organisation: tuple[int, str]) -> None:
    _person_id, path = organisation
    page.goto(path)
    page.get_by_role("textbox", name="Endpoint address").fill("ftp://example.org/hook")
    page.get_by_role("button", name="Add endpoint").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Enter an address that starts with https://")
    expect(summary).to_contain_text("Choose at least one event to send")
    expect(page.get_by_role("textbox", name="Endpoint address")).to_have_value("ftp://example.org/hook")
    expect(page).to_have_title("Error: Your choices – Leeds Local Care Partnerships")
    summary.get_by_role("link", name="Enter an address that starts with https://").click()
    expect(page.get_by_role("textbox", name="Endpoint address")).to_be_focused()
    axe_clean(page, "the webhook form with errors")


def test_the_webhooks_section_in_urdu_on_the_smallest_phone(
    rtl_phone_page: Page, app: Flask, organisation: tuple[int, str], receiver: Receiver, say_in
) -> None:
    page, say = rtl_phone_page, say_in("ur")
    page.set_viewport_size(SMALLEST_PHONE)
    person_id, path = organisation
    long_url = receiver.url("/a-rather-long-path/for-webhooks/from-the-leeds-local-care-partnerships/" + "x" * 40)
    receiver.default.status = 500
    with app.app_context():
        person = db.session.get(Follower, person_id)
        endpoint = webhook_commands.add_endpoint(Actor.follower(person_id), person, long_url, ["meeting.published"])
        webhook_commands.send_test(Actor.follower(person_id), person, endpoint.endpoint)
        webhook_commands.deliver_due(Actor.system("webhooks"))

    page.goto(path + "?lang=ur")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#webhooks")).to_be_visible()
    page.locator("#webhooks").scroll_into_view_if_needed()
    problems = sideways_problems(page)
    assert not problems, "\n".join(problems)
    for part in ("#webhooks ~ section", "#webhooks ~ section table", "#webhook-form", "#webhook-verify"):
        box = page.locator(part).first.bounding_box()
        assert box is not None and box["x"] >= -0.5 and box["x"] + box["width"] <= SMALLEST_PHONE["width"] + 0.5, part
    events = page.locator("#webhook-form fieldset")
    for index in range(5):
        box = events.locator(f"#webhook_events-{index}")
        expect_beside_in_rtl(box, page.locator(f"label[for='webhook_events-{index}']"), f"event {index}")
    axe_clean(page, "the webhooks section in Urdu at 320 px")

    # Adding there, by keyboard, shows the secret within the screen.
    address = page.locator("#webhook_url")
    address.focus()
    page.keyboard.type(receiver.url("/second"))
    page.locator("#webhook_events-0").focus()
    page.keyboard.press("Space")
    tab_to(page, page.locator("#webhook-form button"))
    page.keyboard.press("Enter")
    secret = page.locator("#webhook-secret")
    expect(secret).to_be_visible()
    box = secret.bounding_box()
    assert box is not None and box["x"] >= -0.5 and box["x"] + box["width"] <= SMALLEST_PHONE["width"] + 0.5
    problems = sideways_problems(page)
    assert not problems, "\n".join(problems)
    axe_clean(page, "the secret in Urdu at 320 px")
    assert say("Webhooks")
