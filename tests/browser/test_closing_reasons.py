"""Closing with a plain reason in Chromium: a worker closes an item from its page by keyboard alone, choosing a plain
reason; the page (with the reason's select) is axe clean and says a plain reason was used; the person's /track page
shows the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from app.commands import Actor
from app.commands import sharing as sharing_commands
from app.extensions import db
from app.models import Submission
from app.services import closing, sharing
from app.services.people import lcps_by_slug
from tests.browser.checks import assert_accessible, sideways_problems
from tests.browser.test_admin import secret_of, sign_in
from tests.browser.test_morning import Hands

pytestmark = pytest.mark.browser


@pytest.fixture
def shared(app: Flask) -> Iterator[tuple[int, int, str]]:
    """Something shared with Armley: (submission id, routing id, receipt code); removed afterwards."""
    with app.test_request_context():
        data = sharing.ShareInput(body=f"The surgery shuts at lunch {uuid4().hex}", lcps=lcps_by_slug(["armley"]))
        submission = sharing_commands.share(Actor.resident(), data).submission
        found = (submission.id, submission.routings[0].id, sharing.format_code(submission.receipt_code))
    yield found
    with app.app_context():
        row = db.session.get(Submission, found[0])
        if row is not None:
            db.session.delete(row)
            db.session.commit()


def test_a_worker_closes_an_item_with_a_plain_reason_by_keyboard(
    page: Page, app: Flask, make_staff, shared: tuple[int, int, str]
) -> None:
    submission_id, routing_id, code = shared
    worker = make_staff("staff", ("armley",), name="Kim Closer")
    sign_in(page, worker.email, secret_of(app, worker), set())
    page.goto(f"/admin/submissions/{submission_id}")
    hands = Hands(page, keyboard=True)
    done = closing.sentence("done")

    reason = page.locator(f"#status-{routing_id}-plain_reason")
    expect(reason.locator("option:checked")).to_have_text("Write my own reason")
    assert_accessible(page)
    hands.choose(page.locator(f"#status-{routing_id}-status"), "Closed")
    hands.choose(reason, done)
    hands.press(page.locator(f"#work-{routing_id}").get_by_role("button", name="Change the status"))

    status = page.locator(f"#routing-{routing_id}-status")
    expect(status).to_contain_text("Closed")
    expect(status).to_contain_text(done)
    expect(page.locator(f"#routing-{routing_id}-plain-reason")).to_be_visible()
    expect(reason.locator("option:checked")).to_have_text(done)
    assert_accessible(page)
    assert not sideways_problems(page)

    page.goto(f"/track/{code}")
    expect(page.locator(f"#reason-{routing_id}")).to_have_text(done)
