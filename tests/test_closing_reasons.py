"""Closing reasons in plain words (app/services/closing.py): staff choose one on the item page's status form, in the
reply form and in the inbox's bulk bar; the English sentence is stored; the person reads it in their own language on
/track and in the status email, while a reason staff wrote is shown as written; closing with neither is refused beside
the choice, with what was chosen and typed kept.

The `translated` fixture first checks that the Urdu and Polish catalogues translate every sentence, so a page that
printed the stored English would fail.
"""

from __future__ import annotations

from uuid import uuid4

import pytest
from flask import Flask
from flask_babel import force_locale, gettext
from sqlalchemy import select

from app.commands import Actor
from app.commands import sharing as sharing_commands
from app.extensions import db
from app.models import Lcp, OutboxMessage, Routing
from app.services import closing, sharing
from app.services.casework import DUPLICATE_REASON
from app.services.people import lcps_by_slug
from app.services.sharing import ContactInput, ShareInput
from tests.conftest import Page

LCP = "armley"
DONE = closing.sentence("done")
ELSEWHERE = closing.sentence("elsewhere")
OWN_CARE = closing.sentence("own-care")


@pytest.fixture
def translated(app: Flask) -> None:
    """Every plain sentence has an Urdu and a Polish translation, so a page that printed the stored English fails."""
    for language in ("ur", "pl"):
        with app.test_request_context(), force_locale(language):
            missing = [reason.key for reason in closing.REASONS if gettext(reason.english) == reason.english]
        assert not missing, f"not translated into {language}: {missing}"


def in_language(app: Flask, language: str, text: str) -> str:
    with app.test_request_context(), force_locale(language):
        return gettext(text)


@pytest.fixture
def made(app: Flask):
    """A submission shared with Armley in `language`, by a person who asked for updates; (routing id, code, email)."""

    def make(language: str = "en") -> tuple[int, str, str]:
        email = f"closing-{uuid4().hex[:12]}@example.org"
        with app.test_request_context():
            submission = sharing_commands.share(
                Actor.resident(),
                ShareInput(
                    body=f"The surgery closes at lunch {uuid4().hex}",
                    lcps=lcps_by_slug([LCP]),
                    contact=ContactInput(email=email, wants_updates=True),
                    language=language,
                ),
            ).submission
            routing = db.session.scalar(
                select(Routing).join(Lcp).where(Routing.submission_id == submission.id, Lcp.slug == LCP)
            )
            return routing.id, sharing.format_code(submission.receipt_code), email

    return make


@pytest.fixture
def worker(staff_client):
    return staff_client("staff", (LCP,))


def routing_row(app: Flask, routing_id: int) -> Routing:
    with app.app_context():
        row = db.session.get(Routing, routing_id)
        db.session.expunge(row)
        return row


def item(app: Flask, routing_id: int) -> str:
    return f"/admin/submissions/{routing_row(app, routing_id).submission_id}"


def close(app: Flask, worker, staff_post, routing_id: int, **fields: str):
    prefix = f"status-{routing_id}-"
    data = {f"{prefix}status": "closed", f"{prefix}version": str(routing_row(app, routing_id).version)}
    data.update({f"{prefix}{name}": value for name, value in fields.items()})
    return staff_post(worker, f"/admin/items/{routing_id}/status", data, form_page=item(app, routing_id))


def status_emails(app: Flask, to: str) -> list[OutboxMessage]:
    with app.app_context():
        query = select(OutboxMessage).where(OutboxMessage.to_address == to, OutboxMessage.kind == "status-changed")
        found = list(db.session.scalars(query))
        db.session.expunge_all()
        return found


# The service ------------------------------------------------------------------------------------------------------


def test_the_plain_reasons_are_ordered_with_the_duplicate_sentence_last(app: Flask) -> None:
    assert [reason.key for reason in closing.REASONS] == [
        "done",
        "elsewhere",
        "own-care",
        "more-detail",
        "rules",
        "duplicate",
    ]
    assert closing.sentence("duplicate") == DUPLICATE_REASON
    assert closing.sentence(closing.OWN) == "" and closing.sentence("nonsense") == ""
    assert closing.key_of(DONE) == "done" and closing.key_of("Mended it") == closing.OWN
    with app.test_request_context():
        assert closing.shown_reason("Mended it, see the reply") == "Mended it, see the reply"


def test_shown_reason_translates_only_the_plain_sentences(app: Flask, translated: None) -> None:
    with app.test_request_context(), force_locale("ur"):
        assert closing.shown_reason(DONE) == gettext(DONE) != DONE
        assert closing.shown_reason("Done") == "Done"


# The item page's status form ---------------------------------------------------------------------------------------


def test_closing_with_a_plain_reason_stores_the_english_and_the_page_says_it_is_one(app, worker, staff_post, made):
    routing_id, _code, _email = made()
    response = close(app, worker, staff_post, routing_id, plain_reason="elsewhere")
    assert response.status_code == 303
    row = routing_row(app, routing_id)
    assert (row.status, row.status_reason) == ("closed", ELSEWHERE)
    page = Page(worker.get(item(app, routing_id)))
    assert ELSEWHERE in page.text(f"#routing-{routing_id}-status")
    assert page.soup.select_one(f"#routing-{routing_id}-plain-reason") is not None
    # The form is drawn with the reason chosen and the box empty, so sending it again changes nothing.
    assert page.soup.select_one(f"#status-{routing_id}-plain_reason option[selected]")["value"] == "elsewhere"
    assert page.soup.select_one(f"#status-{routing_id}-reason")["value"] == ""
    options = [option["value"] for option in page.soup.select(f"#status-{routing_id}-plain_reason option")]
    assert options == [*(reason.key for reason in closing.REASONS), closing.OWN]


def test_a_reason_staff_typed_is_stored_and_shown_as_typed(app, client, worker, staff_post, made):
    routing_id, code, email = made("pl")
    typed = "We asked the surgery and it opens at lunch from May"
    assert close(app, worker, staff_post, routing_id, plain_reason=closing.OWN, reason=typed).status_code == 303
    assert routing_row(app, routing_id).status_reason == typed
    page = Page(worker.get(item(app, routing_id)))
    assert page.soup.select_one(f"#routing-{routing_id}-plain-reason") is None
    assert page.soup.select_one(f"#status-{routing_id}-plain_reason option[selected]")["value"] == closing.OWN
    assert page.soup.select_one(f"#status-{routing_id}-reason")["value"] == typed
    assert Page(client.get(f"/track/{code}?lang=pl")).text(f"#reason-{routing_id}") == typed
    (message,) = status_emails(app, email)
    assert typed in message.text_body and typed in message.html_body


def test_closing_with_neither_is_refused_beside_the_choice_with_the_input_kept(app, worker, staff_post, made):
    routing_id, _code, _email = made()
    page = Page(close(app, worker, staff_post, routing_id, plain_reason=closing.OWN, reason="  "))
    assert page.response.status_code == 200
    link = page.soup.select_one(".nhsuk-error-summary a")
    assert link["href"] == f"#status-{routing_id}-plain_reason"
    error = page.text(f"#status-{routing_id}-plain_reason-error")
    assert "choose a reason the person reads, or write your own" in error
    assert page.soup.select_one(f"#status-{routing_id}-plain_reason")["aria-describedby"].endswith("-error")
    assert page.soup.select_one(f"#status-{routing_id}-status option[selected]")["value"] == "closed"
    assert page.soup.select_one(f"#status-{routing_id}-plain_reason option[selected]")["value"] == closing.OWN
    assert routing_row(app, routing_id).status == "received"


def test_words_typed_beside_a_plain_reason_are_refused_not_lost(app, worker, staff_post, made):
    routing_id, _code, _email = made()
    page = Page(close(app, worker, staff_post, routing_id, plain_reason="done", reason="Mended"))
    assert page.response.status_code == 200
    assert "Write my own reason" in page.text(f"#status-{routing_id}-reason-error")
    assert page.soup.select_one(f"#status-{routing_id}-reason")["value"] == "Mended"
    assert page.soup.select_one(f"#status-{routing_id}-plain_reason option[selected]")["value"] == "done"
    assert routing_row(app, routing_id).status == "received"


def test_an_unknown_plain_reason_is_refused(app, worker, staff_post, made):
    routing_id, _code, _email = made()
    page = Page(close(app, worker, staff_post, routing_id, plain_reason="whatever"))
    assert page.response.status_code == 200
    assert page.soup.select_one(f"#status-{routing_id}-plain_reason-error") is not None
    assert routing_row(app, routing_id).status == "received"


# What the person reads ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ur", "pl"])
def test_track_shows_the_plain_reason_in_the_readers_language(
    app, client, worker, staff_post, made, translated, language
):
    routing_id, code, _email = made()
    assert close(app, worker, staff_post, routing_id, plain_reason="own-care").status_code == 303
    page = Page(client.get(f"/track/{code}?lang={language}"))
    expected = in_language(app, language, OWN_CARE)
    assert expected != OWN_CARE
    assert page.text(f"#reason-{routing_id}") == " ".join(expected.split())
    assert OWN_CARE not in page.text("main")


def test_the_status_email_carries_the_reason_in_the_persons_language(app, worker, staff_post, made, translated):
    routing_id, _code, email = made("ur")
    assert close(app, worker, staff_post, routing_id, plain_reason="done").status_code == 303
    (message,) = status_emails(app, email)
    expected = in_language(app, "ur", DONE)
    assert expected != DONE
    assert expected in message.text_body
    assert f"<p>{expected}</p>" in message.html_body
    assert DONE not in message.text_body


# The reply form and the bulk bar -----------------------------------------------------------------------------------


def test_a_reply_can_close_with_a_plain_reason_or_be_refused_without_one(app, worker, staff_post, made):
    routing_id, _code, _email = made()
    prefix = f"respond-{routing_id}-"
    data = {
        f"{prefix}you_said": "The surgery shut at lunch",
        f"{prefix}we_did": "We asked it",
        f"{prefix}then": "closed",
    }
    form_page = item(app, routing_id)
    url = f"/admin/routings/{routing_id}/respond"
    refused = Page(staff_post(worker, url, {**data, f"{prefix}version": "1"}, form_page=form_page))
    assert refused.response.status_code == 200
    assert "Enter why the item is being closed" in refused.text(f"#{prefix}plain_reason-error")
    assert refused.soup.select_one(f"#{prefix}we_did").get_text() == "We asked it"
    assert routing_row(app, routing_id).status == "received"

    sent = {**data, f"{prefix}plain_reason": "more-detail", f"{prefix}version": "1"}
    assert staff_post(worker, url, sent, form_page=form_page).status_code == 303
    row = routing_row(app, routing_id)
    assert (row.status, row.status_reason) == ("closed", closing.sentence("more-detail"))


def test_the_bulk_bar_closes_with_a_plain_reason_and_refuses_neither(app, worker, staff_post, made):
    first, _code, _email = made()
    second, _code, _email = made()
    chosen = {"routing": [first, second], "status": "closed", "back": "/admin/inbox"}
    refused = Page(staff_post(worker, "/admin/inbox/bulk", {**chosen, "tags": "kept"}, form_page="/admin/inbox"))
    assert refused.response.status_code == 200
    assert refused.soup.select_one(".nhsuk-error-summary a")["href"] == "#plain_reason"
    assert "Enter why the item is being closed" in refused.text("#plain_reason-error")
    assert refused.soup.select_one("#tags")["value"] == "kept"
    assert refused.soup.select_one("#plain_reason option[selected]")["value"] == closing.OWN
    assert routing_row(app, first).status == "received"

    sent = {**chosen, "plain_reason": "rules"}
    assert staff_post(worker, "/admin/inbox/bulk", sent, form_page="/admin/inbox").status_code == 303
    rules = closing.sentence("rules")
    rows = [routing_row(app, routing_id) for routing_id in (first, second)]
    assert [(row.status, row.status_reason) for row in rows] == [("closed", rules), ("closed", rules)]
