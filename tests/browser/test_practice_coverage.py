"""Residents' suggestions of a practice's partnership, end to end in Chromium.

A resident tells us a practice's partnership on its form; a citywide admin signs in, finds the suggestion on the
coverage page and accepts it; the public finder then names the partnership. axe on the form, the thank-you page and
the coverage page. The form also works without scripts, and at 320 px in Urdu nothing on it (or its errors, or the
thank-you page) goes past the edge. Browser tests commit for real: each test removes the suggestions it made and
puts the practice back as the seed left it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from app.commands import Actor, content
from app.extensions import db
from app.models import GpPractice, PracticeSuggestion
from tests.browser.checks import SMALLEST_PHONE, assert_accessible, phone_problems
from tests.browser.test_admin import secret_of, sign_in

pytestmark = pytest.mark.browser


def form_url(practice_id: int) -> str:
    return f"/find/practices/{practice_id}/tell-us"


@pytest.fixture
def practice(app: Flask) -> Iterator[GpPractice]:
    """An open practice with no confirmed partnership (the longest name, to test the narrowest screen); afterwards
    unlinked again through the command, its suggestions made during the test deleted, and its stamp put back."""
    with app.app_context():
        row = db.session.scalar(
            select(GpPractice)
            .where(GpPractice.is_open, GpPractice.lcp_id.is_(None), GpPractice.ods_code.is_not(None))
            .order_by(func.length(GpPractice.name).desc(), GpPractice.id)
        )
        assert row is not None
        stamp = (row.lcp_linked_at, row.lcp_linked_by_id)
        before = db.session.scalar(select(func.max(PracticeSuggestion.id))) or 0
        db.session.expunge(row)
    yield row
    with app.test_request_context():
        current = db.session.get(GpPractice, row.id)
        if current.lcp is not None:
            content.unlink_practice(Actor.cli("test"), current.lcp, current)
        for made in db.session.scalars(
            select(PracticeSuggestion).where(PracticeSuggestion.practice_id == row.id, PracticeSuggestion.id > before)
        ):
            db.session.delete(made)
        current.lcp_linked_at, current.lcp_linked_by_id = stamp
        db.session.commit()


def made_for(app: Flask, practice_id: int) -> list[PracticeSuggestion]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(PracticeSuggestion)
                .where(PracticeSuggestion.practice_id == practice_id, PracticeSuggestion.status == "new")
                .order_by(PracticeSuggestion.id)
            )
        )
        db.session.expunge_all()
        return rows


def test_a_residents_suggestion_is_accepted_and_the_finder_names_the_partnership(
    page: Page, app: Flask, make_staff, practice: GpPractice
) -> None:
    # The resident.
    page.goto(form_url(practice.id))
    main = page.get_by_role("main")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Tell us which partnership {practice.name} belongs to")
    assert_accessible(page)
    main.get_by_label("Partnership name").fill("HATCH")
    main.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for telling us")
    expect(main.get_by_role("link", name="Share anyway")).to_have_attribute("href", "/share")
    assert_accessible(page)
    [suggestion] = made_for(app, practice.id)
    assert suggestion.text == "HATCH"

    # Nothing public has changed yet.
    page.goto(f"/find?practice={practice.id}")
    expect(page.get_by_role("main")).not_to_contain_text(f"{practice.name}, is in HATCH")

    # The citywide admin.
    admin = make_staff("admin", name="Coverage Admin")
    sign_in(page, admin.email, secret_of(app, admin), set())
    page.get_by_role("navigation", name="Staff menu").get_by_role("link", name="Coverage").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Coverage of GP practices")
    card = page.locator(f"#suggestion-{suggestion.id}")
    expect(card).to_contain_text(practice.name)
    expect(card).to_contain_text("HATCH Local Care Partnership")
    expect(card.get_by_label("Partnership")).to_have_value("hatch")
    assert_accessible(page)
    accept = card.get_by_role("button", name=f"Accept and link the practice {practice.name}")
    # Without a partnership chosen, it is refused beside the box, and the page stays accessible.
    card.get_by_label("Partnership").select_option("")
    accept.click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text(f"Choose the partnership {practice.name} belongs to")
    expect(card.locator(".nhsuk-error-message")).to_contain_text("Choose the partnership")
    assert_accessible(page)
    summary.get_by_role("link").click()
    expect(card.get_by_label("Partnership")).to_be_focused()
    card.get_by_label("Partnership").select_option("hatch")
    accept.click()
    expect(page.get_by_role("main")).to_contain_text(f"{practice.name} is now linked to HATCH.")
    expect(page.locator(f"#suggestion-{suggestion.id}")).to_have_count(0)
    expect(page.locator(f"#practice-{practice.id}")).to_contain_text("Linked by staff on")
    with app.app_context():
        row = db.session.get(PracticeSuggestion, suggestion.id)
        assert row.status == "accepted" and row.practice.lcp_confirmed_by == "staff"

    # The finder now names the partnership.
    page.goto(f"/find?practice={practice.id}")
    expect(page.get_by_role("main")).to_contain_text(f"{practice.name}, is in HATCH")


def test_the_form_works_without_scripts(nojs_page: Page, app: Flask, practice: GpPractice) -> None:
    page = nojs_page
    page.goto(form_url(practice.id))
    main = page.get_by_role("main")
    main.get_by_role("button", name="Send").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter the name of the partnership")
    assert made_for(app, practice.id) == []
    main.get_by_label("Partnership name").fill("Seacroft")
    main.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for telling us")
    [suggestion] = made_for(app, practice.id)
    assert suggestion.text == "Seacroft" and suggestion.lcp_id is not None


def test_the_form_fits_the_smallest_phone_in_urdu(rtl_phone_page: Page, app: Flask, practice: GpPractice) -> None:
    page = rtl_phone_page
    page.set_viewport_size(SMALLEST_PHONE)
    page.goto(form_url(practice.id) + "?lang=ur")
    expect(page.locator("html")).to_have_attribute("lang", "ur")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert phone_problems(page) == []
    box = page.locator("input#partnership")
    button = page.locator("main form button[type=submit]")

    def inside(locator) -> None:
        edges = locator.bounding_box()
        assert edges is not None and edges["x"] >= 0 and edges["x"] + edges["width"] <= SMALLEST_PHONE["width"]

    inside(box)
    inside(button)
    inside(page.get_by_role("heading", level=1))

    # An error, with a long unbroken word typed, still fits.
    box.fill("ہیچ" * 70)
    button.click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    assert phone_problems(page) == []
    inside(box)

    box.fill("آرملے")
    button.click()
    expect(page.locator(".nhsuk-panel")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert phone_problems(page) == []
    [suggestion] = made_for(app, practice.id)
    assert (suggestion.text, suggestion.language) == ("آرملے", "ur")
