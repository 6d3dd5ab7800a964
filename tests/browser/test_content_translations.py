"""A worker gives the partnership's summary a Polish version; a reader in Polish sees it, and a reader in Arabic
sees the English, marked as English, with a note in Arabic that it has not been translated."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import LcpTranslation
from tests.browser.checks import assert_accessible
from tests.browser.test_admin import secret_of, sign_in

pytestmark = pytest.mark.browser

SLUG = "seacroft"
POLISH = "Partnerstwo Seacroft łączy przychodnie, usługi opiekuńcze i mieszkańców Seacroft."
NOTE = "The partnership has not translated this into your language yet, so it is shown in English."


@pytest.fixture
def no_translations(app: Flask):
    def clear() -> None:
        with app.app_context():
            db.session.execute(LcpTranslation.__table__.delete())
            db.session.commit()

    clear()
    yield
    clear()


def test_a_worker_translates_the_summary_and_readers_see_it(
    page: Page, app: Flask, make_staff, say_in, no_translations
) -> None:
    user = make_staff("staff", (SLUG,), name="Summary Translator")
    sign_in(page, user.email, secret_of(app, user), set())
    page.goto(f"/admin/lcps/{SLUG}")
    main = page.get_by_role("main")
    main.get_by_role("link", name="Add the version in Polski").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("in Polski")
    assert_accessible(page)
    box = main.get_by_role("textbox", name="The summary in this language")
    box.fill(" ")
    main.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("alert", name="There is a problem")).to_contain_text(
        "Enter the translated summary, or remove the translation"
    )
    assert_accessible(page)
    box.fill(POLISH)
    main.get_by_role("button", name="Save", exact=True).click()
    expect(main.get_by_role("link", name="Change the version in Polski")).to_be_visible()
    with app.app_context():
        assert db.session.scalar(select(LcpTranslation.summary).where(LcpTranslation.language == "pl")) == POLISH

    page.goto(f"/lcps/{SLUG}?lang=pl")
    summary = page.locator(".app-lcp-summary")
    expect(summary).to_have_text(POLISH)
    expect(summary).not_to_have_attribute("lang", "en-GB")
    assert_accessible(page)

    say = say_in("ar")
    page.goto(f"/lcps/{SLUG}?lang=ar")
    summary = page.locator(".app-lcp-summary")
    expect(summary).to_have_attribute("lang", "en-GB")
    expect(summary).to_have_attribute("dir", "ltr")
    expect(page.get_by_role("main").get_by_text(say(NOTE)).first).to_be_visible()
    assert_accessible(page)
