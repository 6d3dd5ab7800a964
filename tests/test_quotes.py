"""Preparing a person's words for quoting: personal details marked on the item page (escaped), the redaction step's
preview and save, a typed word not in the text refused with everything kept, who may prepare (404 for another
partnership, 403 for a viewer, at the page and at the command), a reply that cannot quote words not prepared (by any
path, a tampered form included), and the public page and feed showing only the prepared words while staff still see
the original, with the history entry and the audit record.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import uuid4

import feedparser
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.commands import Actor, CommandRefused, Forbidden, NotFound, quotes
from app.commands import casework as casework_commands
from app.commands import sharing as sharing_commands
from app.extensions import db
from app.models import AuditEvent, PublishedResponse, StaffUser, Submission, SubmissionEvent
from app.services import quoting, safety, sharing
from app.services.people import lcps_by_slug
from tests.conftest import Page

PHONE = "07700 900123"
NAME = "Sam Jones"
LCP = "armley"


def words_with_details(marker: str) -> str:
    return f"Please ring {NAME} on {PHONE} about the <b>broken</b> lift at the clinic.\n{NAME} cannot get up. {marker}"


@pytest.fixture
def shared(app: Flask) -> Callable[..., int]:
    """A submission to Armley whose words name someone and give their phone number; returns its id."""

    def make(agreed: bool = True, body: str | None = None, lcp: str = LCP) -> int:
        with app.test_request_context():
            submission = sharing_commands.share(
                Actor.resident(),
                sharing.ShareInput(
                    body=body or words_with_details(uuid4().hex),
                    lcps=lcps_by_slug([lcp]),
                    may_publish_words=agreed,
                ),
            ).submission
            return submission.id

    return make


def item(submission_id: int, action: str = "") -> str:
    return f"/admin/submissions/{submission_id}" + (f"/{action}" if action else "")


def phone_key(app: Flask, submission_id: int) -> str:
    with app.app_context():
        body = db.session.get(Submission, submission_id).body
    (detail,) = safety.personal_details(body)
    assert (detail.kind, detail.text) == (safety.PHONE, PHONE)
    return detail.key


def fresh(app: Flask, submission_id: int) -> Submission:
    with app.app_context():
        submission = db.session.get(Submission, submission_id)
        db.session.expunge(submission)
        return submission


def routing_of(app: Flask, submission_id: int) -> int:
    with app.app_context():
        return db.session.get(Submission, submission_id).routings[0].id


def replies_to(submission_id: int) -> list[PublishedResponse]:
    return list(db.session.scalars(select(PublishedResponse).where(PublishedResponse.submission_id == submission_id)))


def post_quote(staff_post, client: FlaskClient, submission_id: int, data: dict, action: str = "save"):
    return staff_post(client, item(submission_id, "quote"), {**data, "action": action}, form_page=item(submission_id))


def test_the_item_page_marks_personal_details_and_keeps_the_words_escaped(app, staff_client, shared) -> None:
    submission_id = shared()
    worker = staff_client("staff", (LCP,))
    page = Page(worker.get(item(submission_id)))
    body = page.soup.select_one("#submission-body")
    marks = body.select("mark.app-detail")
    assert [" ".join(mark.get_text(" ").split()) for mark in marks] == [f"{PHONE} (phone number)"]
    assert marks[0].select_one(".nhsuk-u-visually-hidden").get_text(strip=True) == "(phone number)"
    # What they typed as markup is shown as text, never as markup.
    assert body.find("b") is None
    assert "<b>broken</b>" in body.get_text()
    assert len(body.find_all("p")) == 2
    note = page.soup.select_one("#details-found")
    assert note is not None and note.find_next("div")["id"] == "submission-body"
    assert "Personal details found: a phone number." in " ".join(note.get_text(" ").split())
    assert note.find("a")["href"].startswith(item(submission_id, "quote"))
    # The quote section: they agreed, nothing is prepared, so a reply cannot quote them yet.
    assert page.soup.select_one("h2#quote") is not None
    assert page.soup.select_one("#quote-prepare")["href"].startswith(item(submission_id, "quote"))
    routing = routing_of(app, submission_id)
    assert page.soup.select_one(f"input[name=respond-{routing}-quote_words]") is None


def test_no_details_no_note_and_marks_only_what_is_found(app, staff_client, shared) -> None:
    submission_id = shared(body=f"The lift at the clinic is broken again {uuid4().hex}")
    page = Page(staff_client("staff", (LCP,)).get(item(submission_id)))
    assert page.soup.select_one("#details-found") is None
    assert page.soup.select("#submission-body mark") == []


def test_a_worker_previews_then_saves_the_words_with_a_phone_number_and_a_name_removed(
    app, staff_client, staff_post, shared
) -> None:
    submission_id = shared()
    key = phone_key(app, submission_id)
    worker = staff_client("staff", (LCP,))

    # The step: their words with the detail marked, its checkbox ticked, the box for names empty.
    page = Page(worker.get(item(submission_id, "quote")))
    assert page.response.status_code == 200
    assert page.soup.select_one("#quote-original mark.app-detail") is not None
    box = page.soup.select_one("input[name=remove]")
    assert box["value"] == key and box.has_attr("checked")
    assert " ".join(page.soup.select_one(f"label[for={box['id']}]").get_text(" ").split()) == (
        f"Remove the phone number {PHONE}"
    )
    assert page.soup.select_one("textarea[name=words]").get_text() == ""
    assert page.soup.select_one("#quote-preview") is None

    # Preview: the words as the public will read them; everything chosen and typed stays; nothing is stored.
    page = Page(post_quote(staff_post, worker, submission_id, {"remove": key, "words": NAME}, action="preview"))
    assert page.response.status_code == 200
    preview = page.soup.select_one("#quote-preview")
    text = preview.get_text(" ")
    assert PHONE not in text and NAME not in text and "Sam" not in text
    assert [span.get_text() for span in preview.select(".app-removed")] == ["[removed]"] * 3
    assert page.soup.select_one("input[name=remove]").has_attr("checked")
    assert page.soup.select_one("textarea[name=words]").get_text() == NAME
    assert fresh(app, submission_id).quote_text is None

    # Save: back to the item's quote section with a banner.
    response = post_quote(staff_post, worker, submission_id, {"remove": key, "words": NAME})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{item(submission_id)}#quote")
    with app.app_context():
        submission = db.session.get(Submission, submission_id)
        assert submission.quote_text == safety.redact(
            submission.body, safety.removal_spans(submission.body, [key], [NAME])
        )
        assert submission.quote_text.startswith("Please ring [removed] on [removed] about the <b>broken</b> lift")
        assert submission.quote_prepared_at is not None
        events = [event for event in submission.events if event.kind == quoting.EVENT_PREPARED]
        assert [(event.body, event.actor, event.staff_id, event.public) for event in events] == [
            (f"a phone number ({PHONE}), {NAME}", "staff", worker.user.id, False)
        ]
        # The newest: an earlier submission with the same id (SQLite reuses a deleted row's id) may have its own.
        record = db.session.scalar(
            select(AuditEvent)
            .where(AuditEvent.action == "submission.quote-prepared", AuditEvent.object_id == str(submission_id))
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )
        assert record is not None and record.actor_id == worker.user.id
        assert NAME not in record.after and PHONE not in record.after
        assert '"removed": 3' in record.after
    page = Page(worker.get(item(submission_id)))
    assert "Their words are prepared for quoting" in page.text(".nhsuk-notification-banner")
    prepared = page.soup.select_one("#quote-prepared")
    assert "[removed]" in prepared.get_text() and PHONE not in prepared.get_text()
    assert "Test staff" in page.text("#quote-prepared-by")
    assert page.soup.select_one("#quote-change")["href"].startswith(item(submission_id, "quote"))
    # The original stays on the staff page, marked.
    assert PHONE in page.text("#submission-body") and NAME in page.text("#submission-body")
    # The reply form now offers the quote, showing what will be shown.
    routing = routing_of(app, submission_id)
    field = page.soup.select_one(f"input[name=respond-{routing}-quote_words]")
    hint = page.soup.select_one(f"#{field['aria-describedby'].split()[0]}")
    assert "This is what will be shown:" in hint.get_text() and "[removed]" in hint.get_text()
    assert PHONE not in hint.get_text()


def test_a_word_not_in_their_words_is_refused_and_everything_typed_is_kept(
    app, staff_client, staff_post, shared
) -> None:
    submission_id = shared()
    worker = staff_client("staff", (LCP,))
    # The phone number unticked, a name typed with a misspelt one.
    page = Page(post_quote(staff_post, worker, submission_id, {"words": f"{NAME}, Jon"}))
    assert page.response.status_code == 200
    summary = page.text(".nhsuk-error-summary")
    assert "“Jon” is not in their words: check the spelling" in summary
    assert page.soup.select_one(".nhsuk-error-summary a")["href"] == "#words"
    assert page.soup.select_one("textarea[name=words]").get_text() == f"{NAME}, Jon"
    assert not page.soup.select_one("input[name=remove]").has_attr("checked")
    assert page.soup.title.get_text().startswith("Error:")
    assert fresh(app, submission_id).quote_text is None
    # The preview refuses it the same way.
    page = Page(post_quote(staff_post, worker, submission_id, {"words": "Jon\nJan"}, action="preview"))
    assert "“Jon”, “Jan” are not in their words" in page.text(".nhsuk-error-summary")
    assert page.soup.select_one("#quote-preview") is None
    # The command refuses it whatever sent it.
    with app.test_request_context():
        submission = db.session.get(Submission, submission_id)
        with pytest.raises(quotes.UnknownWord) as refused:
            quotes.prepare_quote(Actor.cli(), submission, [], ["Jon"])
        assert refused.value.words == ["Jon"]
        assert submission.quote_text is None


def test_a_detail_that_was_not_found_cannot_be_chosen(app, staff_client, staff_post, shared) -> None:
    submission_id = shared()
    worker = staff_client("staff", (LCP,))
    page = Page(post_quote(staff_post, worker, submission_id, {"remove": "0-5"}))
    assert page.response.status_code == 200
    assert "Choose from the details found in their words" in page.text(".nhsuk-error-summary")
    assert fresh(app, submission_id).quote_text is None
    # The command ignores keys that name no detail found: only real details are removed.
    with app.test_request_context():
        submission = db.session.get(Submission, submission_id)
        prepared = quotes.prepare_quote(Actor.cli(), submission, ["0-5"], [])
        assert (prepared.count, prepared.removed, prepared.text) == (0, "", submission.body)


def test_only_staff_who_may_change_its_work_prepare_the_words(app, staff_client, staff_post, shared) -> None:
    submission_id = shared()
    key = phone_key(app, submission_id)
    elsewhere, viewer = staff_client("staff", ("seacroft",)), staff_client("viewer", (LCP,))
    for client, status in ((elsewhere, 404), (viewer, 403)):
        assert client.get(item(submission_id, "quote")).status_code == status
        sent = {"remove": key, "action": "save"}
        assert staff_post(client, item(submission_id, "quote"), sent, form_page="/admin/account").status_code == status
    assert fresh(app, submission_id).quote_text is None
    # A viewer sees the section but nothing to change.
    page = Page(viewer.get(item(submission_id)))
    assert page.soup.select_one("#quote-status") is not None
    assert page.soup.select_one("#quote-prepare") is None
    # The command answers the same: NotFound for another partnership's staff, Forbidden for a viewer.
    with app.test_request_context():
        submission = db.session.get(Submission, submission_id)
        for client, refusal in ((elsewhere, NotFound), (viewer, Forbidden)):
            with pytest.raises(refusal):
                quotes.prepare_quote(Actor.staff(db.session.get(StaffUser, client.user.id)), submission, [key], [])
        assert submission.quote_text is None


def test_words_they_did_not_agree_to_have_quoted_cannot_be_prepared(app, staff_client, staff_post, shared) -> None:
    submission_id = shared(agreed=False)
    worker = staff_client("staff", (LCP,))
    page = Page(worker.get(item(submission_id, "quote")))
    assert page.response.status_code == 200
    assert page.soup.select_one("#quote-not-agreed") is not None
    assert page.soup.select_one("form[method=post] textarea") is None
    response = post_quote(staff_post, worker, submission_id, {"words": NAME}, action="save")
    assert response.status_code == 200
    assert fresh(app, submission_id).quote_text is None
    item_page = Page(worker.get(item(submission_id)))
    assert item_page.text("#quote-status") == "They did not agree to be quoted."
    # The details are still found, but there is nothing to prepare.
    assert "Remove them before quoting" not in item_page.text("#details-found")
    with app.test_request_context(), pytest.raises(quotes.NotAgreed):
        quotes.prepare_quote(Actor.cli(), db.session.get(Submission, submission_id), [], [])


def test_the_quote_section_says_when_they_withdrew_their_agreement(app, staff_client, shared) -> None:
    submission_id = shared()
    with app.test_request_context():
        submission = db.session.get(Submission, submission_id)
        quotes.prepare_quote(Actor.cli(), submission, [], [NAME])
        # What the person's own withdrawal does (the tracking page's work): not agreed any more, and the history says.
        submission.may_publish_words = False
        db.session.add(SubmissionEvent(submission=submission, kind=quoting.EVENT_WITHDRAWN, actor="person"))
        db.session.commit()
        withdrawn = submission.events[-1].created_at
        from app.formatting import uk_date

        expected = f"They withdrew their agreement to be quoted on {uk_date(withdrawn)}."
    page = Page(staff_client("staff", (LCP,)).get(item(submission_id)))
    assert page.text("#quote-status") == expected
    assert page.soup.select_one("#quote-prepared") is None


def test_a_reply_cannot_quote_words_not_prepared_by_any_path(app, staff_client, staff_post, shared) -> None:
    submission_id = shared()
    with app.test_request_context():
        submission = db.session.get(Submission, submission_id)
        routing = submission.routings[0]
        routing_id = routing.id
        with pytest.raises(quotes.NotPrepared):
            casework_commands.respond(Actor.cli(), routing, "They said X", "We did Y", quote_words=True)
        assert isinstance(quotes.NotPrepared(), CommandRefused)
        assert (
            db.session.scalar(select(PublishedResponse).where(PublishedResponse.submission_id == submission_id)) is None
        )
    # A tampered form (the checkbox is not on the page until the words are prepared) is refused beside the choice.
    worker = staff_client("staff", (LCP,))
    prefix = f"respond-{routing_id}-"
    response = staff_post(
        worker,
        f"/admin/routings/{routing_id}/respond",
        {f"{prefix}you_said": "They said X", f"{prefix}we_did": "We did Y", f"{prefix}quote_words": "y"},
        form_page=item(submission_id),
    )
    page = Page(response)
    assert response.status_code == 200
    assert "Prepare their words for quoting before a reply quotes them" in page.text(".nhsuk-error-summary")
    assert page.soup.select_one(".nhsuk-error-summary a")["href"] == f"#{prefix}quote_words"
    assert page.soup.select_one(f"#{prefix}quote_words") is not None
    with app.app_context():
        assert (
            db.session.scalar(select(PublishedResponse).where(PublishedResponse.submission_id == submission_id)) is None
        )
    # The command line refuses it too, saying why.
    with app.app_context():
        code = db.session.get(Submission, submission_id).receipt_code
    result = app.test_cli_runner().invoke(
        args=["submissions", "respond", code, "--lcp", LCP, "--you-said", "X", "--we-did", "Y", "--quote"]
    )
    assert result.exit_code != 0
    assert "Their words have not been prepared for quoting" in result.output
    with app.app_context():
        assert replies_to(submission_id) == []
    # Without agreement, the command refuses whatever was prepared before.
    with app.test_request_context():
        submission = db.session.get(Submission, submission_id)
        quotes.prepare_quote(Actor.cli(), submission, [], [])
        submission.may_publish_words = False
        db.session.commit()
        with pytest.raises(CommandRefused, match="did not agree"):
            casework_commands.respond(Actor.cli(), submission.routings[0], "They said X", "We did Y", quote_words=True)


def test_the_public_page_and_feed_show_only_the_prepared_words(app, client, staff_client, staff_post, shared) -> None:
    submission_id = shared()
    key = phone_key(app, submission_id)
    worker = staff_client("staff", (LCP,))
    assert post_quote(staff_post, worker, submission_id, {"remove": key, "words": NAME}).status_code == 303
    routing_id = routing_of(app, submission_id)
    prefix = f"respond-{routing_id}-"
    we_did = f"We asked the clinic to mend the lift {uuid4().hex[:8]}."
    response = staff_post(
        worker,
        f"/admin/routings/{routing_id}/respond",
        {f"{prefix}you_said": "The lift is broken.", f"{prefix}we_did": we_did, f"{prefix}quote_words": "y"},
        form_page=item(submission_id),
    )
    assert response.status_code == 303
    with app.app_context():
        submission = db.session.get(Submission, submission_id)
        reply = db.session.scalar(select(PublishedResponse).where(PublishedResponse.submission_id == submission_id))
        assert reply.quote_words and reply.quote_text == submission.quote_text == reply.quote
        reply_id = reply.id

    page = Page(client.get(f"/lcps/{LCP}"))
    card = page.soup.select_one(f"#response-{reply_id}")
    quoted = card.select_one("blockquote").get_text(" ")
    assert "[removed]" in quoted and "lift at the clinic" in quoted
    for secret in (PHONE, NAME, "Jones"):
        assert secret not in page.soup.get_text()

    feed = feedparser.parse(client.get(f"/lcps/{LCP}/updates.atom").data)
    (entry,) = [entry for entry in feed.entries if entry.link.endswith(f"#response-{reply_id}")]
    content = entry.content[0].value
    assert "[removed]" in content and we_did in content
    for secret in (PHONE, NAME, "Jones"):
        assert secret not in content
        assert secret not in entry.title

    # Staff still read the original.
    staff_page = Page(worker.get(item(submission_id)))
    assert PHONE in staff_page.text("#submission-body") and NAME in staff_page.text("#submission-body")
