# ruff: noqa: F811
"""Small things residents hit when sharing: a rough number of people ("about 40", "40-50", "٤٠") read as a number;
"Delete my contact details" asking first and deleting only on "Yes"; the words read again from the receipt, only in
the browser session that sent them; and `/share?unsure=1` ticking "I am not sure".

Requests go through the test client with real CSRF tokens; the database is checked from a second app (`apart`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.engage.share import RECEIPT
from app.engage.share_forms import rough_number
from app.extensions import db
from app.models import Submission
from app.services import sharing
from tests.conftest import Page
from tests.test_share import (  # noqa: F401 - fixtures used by name
    address,
    apart,
    checker,
    errors,
    forget_new_submissions,
    hidden,
    make,
    send,
    stored,
    unique,
)

ORGANISATION = {"speaks_for": "organisation", "organisation_name": "Seacroft Friends"}
NOT_A_NUMBER = "Enter the number of people as a whole number, like 40"
OUT_OF_RANGE = "Enter a number of people between 1 and 1,000,000"
QUESTION = "Are you sure you want to delete your contact details?"


# A rough number of people ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("40", 40),
        ("about 40", 40),
        ("40+", 40),
        ("around 40", 40),
        ("approx. 40", 40),
        ("~40", 40),
        ("40 or so", 40),
        ("About forty", 40),
        ("forty-five", 45),
        ("two hundred and fifty", 250),
        ("a hundred", 100),
        # A range reads as its lower end, whichever way round it is written.
        ("40-50", 40),
        ("40 – 50", 40),
        ("40 to 50", 40),
        ("50-40", 40),
        ("forty to fifty", 40),
        ("1,200", 1200),
        ("1 200", 1200),
        ("1.200", 1200),
        # Arabic-Indic and Eastern Arabic-Indic (Persian and Urdu) digits, and the Arabic thousands separator.
        ("٤٠", 40),
        ("۴۰", 40),
        ("حوالي ٤٠", 40),
        ("تقریباً ۴۰", 40),
        ("١٬٢٠٠", 1200),
        # Digits win over words that happen to be numbers.
        ("one group of 40", 40),
        ("about 40 people in 3 groups", 40),
    ],
)
def test_a_rough_number_reads_as_its_number(typed: str, number: int) -> None:
    assert rough_number(typed) == number


@pytest.mark.parametrize("typed", ["", "lots", "many families", "40.5", "٤٠٫٥", "²", "a few"])
def test_text_without_a_whole_number_reads_as_none(typed: str) -> None:
    assert rough_number(typed) is None


def test_more_digits_than_a_count_holds_reads_as_too_many_without_building_a_huge_number() -> None:
    assert rough_number("9" * 5000) == 1_000_001
    assert rough_number("1,000,001") == 1_000_001


@pytest.mark.parametrize(
    ("typed", "number"),
    [("about 40", 40), ("40-50", 40), ("1,200", 1200), ("٤٠", 40), ("۴۰", 40), ("about forty", 40), ("~40", 40)],
)
def test_an_organisation_sends_a_rough_number_and_it_is_stored_as_a_number(
    client: FlaskClient, apart, typed: str, number: int
) -> None:
    body = unique("Rough number")
    response = send(client, {"body": body, **ORGANISATION, "people_count": typed})
    assert response.status_code == 303, errors(Page(response))
    [submission] = stored(body)
    assert (submission.speaks_for, submission.people_count) == ("organisation", number)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("lots of families", NOT_A_NUMBER),
        ("40.5", NOT_A_NUMBER),
        ("0", OUT_OF_RANGE),
        ("about 2,000,000", OUT_OF_RANGE),
    ],
)
def test_no_whole_number_keeps_its_specific_error_and_what_was_typed(
    client: FlaskClient, apart, typed: str, message: str
) -> None:
    body = unique("No number")
    response = send(client, {"body": body, **ORGANISATION, "people_count": typed})
    assert response.status_code == 200
    page = Page(response)
    assert errors(page) == [message]
    assert hidden(page, "people_count") == typed
    assert message in page.text("#group-people_count")
    assert stored(body) == []


def test_the_live_check_accepts_a_rough_number(client: FlaskClient) -> None:
    token = hidden(Page(client.get("/share")), "csrf_token")
    for typed, error in (("about 40", None), ("around forty", None), ("lots", NOT_A_NUMBER)):
        response = client.post(
            "/share/check/people_count", data={"csrf_token": token, **ORGANISATION, "people_count": typed}
        )
        group = Page(response).text("#group-people_count")
        assert (error in group) if error else ("nhsuk-error-message" not in response.get_data(as_text=True)), typed
        assert "A rough number is fine, like 40." in group


def test_a_person_speaking_for_themselves_stores_no_number(client: FlaskClient, apart) -> None:
    body = unique("Myself")
    assert send(client, {"body": body, "people_count": "about 40"}).status_code == 303
    assert stored(body)[0].people_count is None


# Deleting contact details asks first -------------------------------------------------------------------------------


def follow_up_path(submission: Submission) -> str:
    return urlsplit(sharing.contact_links(submission)["manage"]).path


def test_delete_my_contact_details_asks_first_and_deletes_nothing_until_yes(client: FlaskClient, apart) -> None:
    email = address("confirm")
    submission = make(unique("Ask first"), email=email, wants_updates=True)
    path = follow_up_path(submission)
    page = Page(client.get(path))
    # The first button posts to the question, so the browser moves to it even without scripts.
    [first] = [form for form in page.soup.select("main form") if form.select_one("button[value=delete]")]
    assert first["method"] == "post" and first["action"] == f"{path}?confirm=delete#delete-question"
    assert first.select_one("button[value=delete]").get_text(strip=True) == "Delete my contact details"

    asked = client.post(path, data={"csrf_token": hidden(page, "csrf_token"), "action": "delete"})
    assert asked.status_code == 200
    question = Page(asked)
    heading = question.soup.h1
    assert heading.get_text(strip=True) == QUESTION
    assert heading["id"] == "delete-question" and heading["tabindex"] == "-1" and heading.has_attr("autofocus")
    assert question.soup.title.get_text().startswith("Delete your contact details?")
    text = question.text()
    assert "We will delete your name and email address" in text
    assert "You will not hear from us about this item again" in text
    assert "Your words stay with the partnership" in text
    # Only the question: the form for adding more is not on the page.
    assert question.soup.select_one("textarea") is None
    [confirm] = question.soup.select("main form")
    assert confirm["method"] == "post" and confirm.select_one("input[name=csrf_token]")["value"]
    assert confirm.select_one("button[name=action]")["value"] == "delete-confirmed"
    assert confirm.select_one("button[name=action]").get_text(strip=True) == "Yes, delete my contact details"
    cancel = question.soup.select_one("#delete-cancel")
    assert cancel.get_text(strip=True) == "Cancel" and cancel["href"] == f"{path}#delete-contact"
    assert asked.headers["Cache-Control"] == "no-store"

    db.session.expire_all()
    assert submission.contact is not None and submission.contact.email == email, "asking deleted nothing"
    # Cancel is a plain link back: the page and its details are as they were.
    back = Page(client.get(path))
    assert back.h1 == "Add to what you shared" and back.soup.select_one("h2#delete-contact") is not None

    done = client.post(path, data={"csrf_token": hidden(question, "csrf_token"), "action": "delete-confirmed"})
    assert done.status_code == 303 and urlsplit(done.location).path.endswith("/contact-deleted")
    db.session.expire_all()
    assert submission.contact is None


@pytest.mark.parametrize("action", ["delete", "delete-confirmed"])
def test_both_steps_check_the_csrf_token(client: FlaskClient, apart, action: str) -> None:
    submission = make(unique("Forged"), email=address("forged"))
    path = follow_up_path(submission)
    client.get(path)
    refused = client.post(path, data={"csrf_token": "forged", "action": action})
    assert refused.status_code == 400
    page = Page(refused)
    assert page.h1 == "Add to what you shared" and errors(page)
    assert QUESTION not in page.text()
    db.session.expire_all()
    assert submission.contact is not None


# Reading the words again, in the session that sent them ------------------------------------------------------------


def test_the_receipt_offers_the_words_and_shows_them_as_stored(client: FlaskClient, apart) -> None:
    tag = unique("My words")
    body = tag + "\n\nA second paragraph."
    response = send(
        client,
        {
            "body": body,
            "lcps": ["seacroft", "armley"],
            "topics": ["housing"],
            "neighbourhood": "Kentmere Avenue",
            **ORGANISATION,
            "people_count": "about 40",
        },
    )
    assert response.status_code == 303
    assert tag.split()[-1] not in response.location, "the words never go in the address"
    receipt = Page(client.get("/share/sent"))
    link = receipt.soup.select_one("#show-words")
    assert link.get_text(strip=True) == "Show what you sent"
    assert link["href"] == "/share/sent/what-you-sent"
    assert tag.split()[-1] not in receipt.response.get_data(as_text=True), "the receipt itself shows no words"

    shown = client.get(link["href"])
    assert shown.status_code == 200
    assert shown.headers["Cache-Control"] == "no-store"
    assert shown.headers["X-Robots-Tag"] == "noindex"
    page = Page(shown)
    assert page.h1 == "What you sent"
    assert [p.get_text() for p in page.soup.select("#sent-words p")] == body.split("\n\n")
    [submission] = stored(body)
    lcps = page.text("#sent-lcps")
    for routing in submission.routings:
        assert routing.lcp.name in lcps
    assert page.text("#sent-topics") == "Housing"
    assert page.text("#sent-people") == "40"
    assert "Kentmere Avenue" in page.text() and "Seacroft Friends" in page.text()
    assert sharing.format_code(submission.receipt_code) in page.text()


def test_another_browser_or_a_later_session_gets_no_words(app: Flask, client: FlaskClient, apart) -> None:
    body = unique("Private words")
    assert send(client, {"body": body}).status_code == 303
    assert client.get("/share/sent/what-you-sent").status_code == 200

    for other in (app.test_client(), app.test_client(use_cookies=False)):
        response = other.get("/share/sent/what-you-sent")
        assert response.status_code == 404
        assert body not in response.get_data(as_text=True)
        assert Page(response).h1 == "We cannot show what you sent here"
        assert response.headers["Cache-Control"] == "no-store"

    # The session ends when the browser closes: its cookie goes, and the words with it.
    client.delete_cookie("session")
    later = client.get("/share/sent/what-you-sent")
    assert later.status_code == 404 and body not in later.get_data(as_text=True)


def test_a_receipt_without_a_matching_submission_shows_nothing(client: FlaskClient, apart) -> None:
    mine, theirs = make(unique("Mine")), make(unique("Theirs"))
    with client.session_transaction() as held:
        # A receipt from before this page existed names no submission.
        held[RECEIPT] = {"code": mine.receipt_code, "emailed": False, "repeated": False, "urgent": False, "details": []}
    assert client.get("/share/sent/what-you-sent").status_code == 404
    assert "Show what you sent" not in Page(client.get("/share/sent")).text()
    with client.session_transaction() as held:
        # An id and a code that do not belong together (only the server can sign a session, but still).
        held[RECEIPT] = {**held[RECEIPT], "id": theirs.id}
    response = client.get("/share/sent/what-you-sent")
    assert response.status_code == 404 and theirs.body not in response.get_data(as_text=True)


def test_the_latest_receipt_shows_its_own_words(client: FlaskClient, apart) -> None:
    first, second = unique("First words"), unique("Second words")
    for body in (first, second):
        assert send(client, {"body": body}).status_code == 303
    shown = client.get("/share/sent/what-you-sent").get_data(as_text=True)
    assert second in shown and first not in shown


def test_the_words_page_is_never_kept_by_the_page_cache(
    app: Flask, client: FlaskClient, apart, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app import page_cache

    kept: list[str] = []
    real_set = page_cache.cache.set
    monkeypatch.setattr(page_cache.cache, "set", lambda key, value, *a, **k: kept.append(key) or real_set(key, value))
    body = unique("Not cached")
    assert send(client, {"body": body}).status_code == 303
    for path in ("/share/sent", "/share/sent/what-you-sent"):
        assert client.get(path).status_code == 200
        assert app.test_client().get(path).status_code in {302, 404}
    assert not [key for key in kept if "/share" in key], kept
    assert body not in app.test_client().get("/share/sent/what-you-sent").get_data(as_text=True)


# Share anyway, unsure --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "ticked"), [("?unsure=1", True), ("", False), ("?unsure=0", False)])
def test_unsure_in_the_address_ticks_i_am_not_sure(get_page, query: str, ticked: bool) -> None:
    page = get_page(f"/share{query}")
    box = page.soup.select_one("input#lcp_unsure")
    assert box.has_attr("checked") is ticked
    assert not page.soup.select("input[name=lcps][checked]")


def test_a_form_sent_unsure_from_that_address_goes_to_the_team(client: FlaskClient, apart) -> None:
    body = unique("Unsure")
    response = send(client, {"body": body, "lcps": [], "lcp_unsure": "y"}, url="/share?unsure=1")
    assert response.status_code == 303
    [submission] = stored(body)
    assert submission.lcp_unsure and submission.routings == []
