"""Staff translate a partnership's summary and its updates; readers get the translation, or the English marked
as English with a note that it has not been translated."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.models import AuditEvent, Lcp, LcpTranslation, Update, UpdateTranslation
from tests.conftest import Page

SLUG = "hatch"
POLISH_SUMMARY = "HATCH łączy przychodnie, usługi i mieszkańców w Harehills i Chapeltown."
NOT_TRANSLATED = "The partnership has not translated this into your language yet, so it is shown in English."


@pytest.fixture
def lcp(app):
    with app.app_context():
        row = db.session.scalar(select(Lcp).where(Lcp.slug == SLUG))
        assert row.summary, "the test needs a partnership with a summary"
        lcp_id = row.id
    yield lcp_id
    with app.app_context():
        db.session.execute(LcpTranslation.__table__.delete().where(LcpTranslation.lcp_id == lcp_id))
        db.session.commit()


@pytest.fixture
def update(app, lcp):
    with app.app_context():
        row = Update(lcp_id=lcp, title="New walking group", body="Meet at the library on Tuesdays.", published=True)
        row.published_at = utcnow()  # the newest, so the page shows it
        db.session.add(row)
        db.session.commit()
        update_id = row.id
    yield update_id
    with app.app_context():
        db.session.delete(db.session.get(Update, update_id))
        db.session.commit()


def test_a_worker_adds_changes_and_removes_a_summary_translation(app, lcp, staff_client, staff_post) -> None:
    staff = staff_client("staff", (SLUG,))
    overview = Page(staff.get(f"/admin/lcps/{SLUG}"))
    assert overview.links()["Add the version in Polski"] == f"/admin/lcps/{SLUG}/summary/pl"

    url = f"/admin/lcps/{SLUG}/summary/pl"
    saved = staff_post(staff, url, {"action": "save", "summary": POLISH_SUMMARY})
    assert saved.status_code == 303
    with app.app_context():
        row = db.session.scalar(select(LcpTranslation).where(LcpTranslation.lcp_id == lcp))
        assert (row.language, row.summary) == ("pl", POLISH_SUMMARY)
        event = db.session.scalar(
            select(AuditEvent)
            .where(AuditEvent.action == "lcp.translation", AuditEvent.lcp_id == lcp)
            .order_by(AuditEvent.id.desc())
        )
        assert event is not None and POLISH_SUMMARY in event.after
        assert event.lcp_id == lcp, "the audit log finds it under the partnership"
    assert Page(staff.get(f"/admin/lcps/{SLUG}")).links()["Change the version in Polski"] == url
    # The form shows what is saved.
    assert Page(staff.get(url)).soup.select_one("textarea[name=summary]").get_text() == POLISH_SUMMARY

    removed = staff_post(staff, url, {"action": "remove"})
    assert removed.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(LcpTranslation).where(LcpTranslation.lcp_id == lcp)) is None
        assert db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "lcp_translation.remove", AuditEvent.lcp_id == lcp)
        )


def test_an_empty_translation_is_refused_and_what_was_typed_is_kept(app, lcp, staff_client, staff_post) -> None:
    staff = staff_client("staff", (SLUG,))
    refused = Page(staff_post(staff, f"/admin/lcps/{SLUG}/summary/ar", {"action": "save", "summary": "  "}))
    assert refused.response.status_code == 200
    assert "Enter the translated summary, or remove the translation" in refused.text()
    too_long = "ا" * 5001
    kept = Page(staff_post(staff, f"/admin/lcps/{SLUG}/summary/ar", {"action": "save", "summary": too_long}))
    assert "Enter a summary of 5,000 characters or fewer" in kept.text()
    assert kept.soup.select_one("textarea[name=summary]").get_text() == too_long
    with app.app_context():
        assert db.session.scalar(select(LcpTranslation).where(LcpTranslation.lcp_id == lcp)) is None


def test_only_the_partnerships_editors_reach_it_and_only_in_offered_languages(staff_client, lcp) -> None:
    other = staff_client("staff", ("armley",))
    assert other.get(f"/admin/lcps/{SLUG}/summary/pl").status_code == 404
    viewer = staff_client("viewer", (SLUG,))
    assert viewer.get(f"/admin/lcps/{SLUG}/summary/pl").status_code == 403
    mine = staff_client("staff", (SLUG,))
    assert mine.get(f"/admin/lcps/{SLUG}/summary/en_GB").status_code == 404
    assert mine.get(f"/admin/lcps/{SLUG}/summary/xx").status_code == 404


def test_the_public_page_shows_the_translation_or_says_it_is_english(app, lcp, client) -> None:
    with app.app_context():
        db.session.add(LcpTranslation(lcp_id=lcp, language="pl", summary=POLISH_SUMMARY))
        db.session.commit()
    polish = Page(app.test_client().get(f"/lcps/{SLUG}?lang=pl"))
    summary = polish.soup.select_one(".app-lcp-summary")
    assert summary.get_text(strip=True) == POLISH_SUMMARY
    assert not summary.has_attr("lang")
    polish_notes = len(polish.soup.select(".app-not-translated"))

    arabic = Page(app.test_client().get(f"/lcps/{SLUG}?lang=ar"))
    summary = arabic.soup.select_one(".app-lcp-summary")
    assert (summary["lang"], summary["dir"]) == ("en-GB", "ltr")
    # The same notes as in Polish (beside untranslated updates), and one more before the summary.
    assert len(arabic.soup.select(".app-not-translated")) == polish_notes + 1
    assert NOT_TRANSLATED not in arabic.text(), "the note itself is in Arabic"

    english = Page(client.get(f"/lcps/{SLUG}"))
    assert not english.soup.select(".app-not-translated")
    assert not english.soup.select_one(".app-lcp-summary").has_attr("lang")


def test_an_update_is_translated_by_its_partnerships_editor(app, update, staff_client, staff_post) -> None:
    staff = staff_client("staff", (SLUG,))
    page = Page(staff.get(f"/admin/updates/{update}"))
    assert page.links()["Add the version in اردو"] == f"/admin/updates/{update}/translations/ur"
    url = f"/admin/updates/{update}/translations/ur"
    missing = Page(staff_post(staff, url, {"action": "save", "title": "واکنگ گروپ", "body": ""}))
    assert "Enter the translated text of the update" in missing.text()
    assert missing.soup.select_one("input[name=title]")["value"] == "واکنگ گروپ"
    saved = staff_post(staff, url, {"action": "save", "title": "نیا واکنگ گروپ", "body": "منگل کو لائبریری پر ملیں۔"})
    assert saved.status_code == 303
    with app.app_context():
        row = db.session.scalar(select(UpdateTranslation).where(UpdateTranslation.update_id == update))
        assert (row.language, row.title) == ("ur", "نیا واکنگ گروپ")

    urdu = Page(app.test_client().get(f"/lcps/{SLUG}?lang=ur"))
    card = urdu.soup.select_one(f"#update-{update}")
    assert "نیا واکنگ گروپ" in card.get_text() and "منگل کو لائبریری پر ملیں۔" in card.get_text()
    assert not card.select(".app-not-translated")
    romanian = Page(app.test_client().get(f"/lcps/{SLUG}?lang=ro"))
    card = romanian.soup.select_one(f"#update-{update}")
    assert card.select(".app-not-translated")
    assert card.select_one("h3 [lang=en-GB]").get_text(strip=True) == "New walking group"

    other = staff_client("staff", ("armley",))
    assert other.get(url).status_code == 404


def test_the_directory_shows_the_translated_summary_or_marks_the_english(app, lcp, client) -> None:
    with app.app_context():
        db.session.add(LcpTranslation(lcp_id=lcp, language="pl", summary=POLISH_SUMMARY))
        db.session.commit()

    def card(query: str):
        page = Page(app.test_client().get(f"/lcps{query}"))
        link = page.soup.select_one(f'h3 a[href^="/lcps/{SLUG}"]')
        return link.find_parent("li", class_="nhsuk-card").select_one(".nhsuk-card__content")

    polish = card("?lang=pl")
    assert POLISH_SUMMARY in polish.get_text()
    assert not polish.select(".app-not-translated") and not polish.select("p[lang]")

    arabic = card("?lang=ar")
    english_part = arabic.select_one("p[lang=en-GB]")
    assert english_part is not None and english_part["dir"] == "ltr"
    assert arabic.select(".app-not-translated")
    assert NOT_TRANSLATED not in arabic.get_text(), "the note itself is in Arabic"

    english = card("")
    assert not english.select(".app-not-translated") and not english.select("p[lang]")
