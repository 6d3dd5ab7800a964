# ruff: noqa: F811
"""Safe to speak, on the resident's side: where urgent help is before the form and beside Send, a kind note on
personal details, urgent items marked and their safeguarding contacts emailed (without the words), the receipt,
the quoting line in the receipt email, and taking back the agreement to be quoted, which drops the quote from the
partnership's page and feed at once although they are kept in the page cache.

Requests go through the test client with real CSRF tokens; the database is checked from a second app (`apart`).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select, text

from app.clock import utcnow
from app.commands import Actor
from app.commands import casework as casework_commands
from app.commands import sharing as sharing_commands
from app.commands.system import deliver_due
from app.extensions import db
from app.models import AuditEvent, ContentVersion, OutboxMessage, PublishedResponse, StaffUser, Submission
from app.services import safety, sharing
from app.services.people import lcps_by_slug
from app.services.sharing import ShareInput
from tests.conftest import Page
from tests.test_share import (  # noqa: F401 - fixtures used by name
    WORKER,
    address,
    apart,
    checker,
    hidden,
    mail,
    make,
    send,
    stored,
    unique,
)

LANGUAGES = ["en_GB", "pl", "ar", "ro", "zh_Hans", "ur"]
URGENT = "I can't go on like this, nobody answers the phone at the surgery."
NOT_URGENT = "There is a bus stop danger sign by the clinic that has fallen over."
# A phone number and an NHS number that passes the modulus 11 check.
PHONE, NHS_NUMBER = "07700 900123", "943 476 5919"
# Every number the panels give, as written and as dialled.
NUMBERS = {key: contact.number for key, contact in safety.help_contacts().items()}


@pytest.fixture(autouse=True)
def no_staff_urgent_mail_before(app) -> None:
    """The urgent emails other tests left in the outbox are not this test's: they go before it starts, so what
    `mail("staff-urgent")` finds is what this test caused."""
    with app.app_context():
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.kind.like("staff-urgent%")))
        db.session.commit()


def tel_links(element) -> dict[str, str]:
    """Each `tel:` link in `element`: the number as shown → the link."""
    return {a.get_text(strip=True): a["href"] for a in element.select('a[href^="tel:"]')}


def assert_gives_every_number(element) -> None:
    links = tel_links(element)
    assert set(links) == set(NUMBERS.values())
    for number, href in links.items():
        assert href == "tel:" + re.sub(r"\D", "", number)
    # Each number is written left to right, also inside right-to-left text.
    for link in element.select('a[href^="tel:"]'):
        assert link.select_one("bdi[dir=ltr]") is not None, link
    assert element.select_one('a[href="https://111.nhs.uk/"]') is not None


def check_body(client: FlaskClient, body: str) -> Page:
    """What htmx asks as the person leaves the box: /share/check/body with the form as typed."""
    form = Page(client.get("/share"))
    token = hidden(form, "csrf_token")
    response = client.post(
        "/share/check/body",
        data={"csrf_token": token, "body": body, "form_key": hidden(form, "form_key")},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 200
    return Page(response)


def safeguarding_contact(app, make_staff, lcp: str) -> StaffUser:
    made = make_staff("staff", (lcp,))
    with app.app_context():
        user = db.session.get(StaffUser, made.id)
        user.safeguarding = True
        db.session.commit()
    return made


# Before the form ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_share_page_says_where_urgent_help_is_before_the_form_in_every_language(client, code) -> None:
    page = Page(client.get(f"/share?lang={code}"))
    assert page.response.status_code == 200
    assert page.soup.html["lang"] == code.replace("_", "-")
    panel = page.soup.select_one("#not-for-emergencies")
    assert panel is not None
    assert panel.select_one("h2") is not None
    assert_gives_every_number(panel)
    # Read before typing: after the lede, before the box.
    html = page.response.get_data(as_text=True)
    assert html.index('id="not-for-emergencies"') < html.index('name="body"')
    # Nothing typed yet: the places kept for the live check are there, empty and polite.
    for ident in ("live-urgent", "live-details"):
        region = page.soup.select_one(f"#{ident}")
        assert region["aria-live"] == "polite" and region.get_text(strip=True) == ""
    urgent_region = html.index('id="live-urgent"')
    assert html.index('name="speaks_for"') < urgent_region < html.index('id="send"')


def test_the_quote_box_says_details_go_first_and_how_to_change_your_mind(client) -> None:
    page = Page(client.get("/share"))
    box = page.soup.select_one("input[name=may_publish_words]")
    hint = page.soup.select_one(f"#{box['aria-describedby']}")
    assert "If you leave an email address, you can change your mind later" in hint.get_text()


# The live check as the person leaves the box -----------------------------------------------------------------------


def test_leaving_the_box_with_urgent_words_shows_the_help_panel_above_send(client) -> None:
    page = check_body(client, URGENT)
    assert page.soup.select_one("#group-body textarea").get_text() == URGENT, "the box is left as it was typed"
    urgent = page.soup.select_one("#live-urgent")
    assert urgent["hx-swap-oob"] == "innerHTML"
    panel = urgent.select_one("#urgent-help")
    assert panel is not None and panel.select_one("h2") is not None
    assert_gives_every_number(panel)
    assert "You can still send this" in panel.get_text(" ")
    assert "by the next working day" in panel.get_text(" ")
    assert page.soup.select_one("#live-details")["hx-swap-oob"] == "innerHTML"
    assert page.soup.select_one("#live-details").get_text(strip=True) == ""
    assert not page.soup.select(".nhsuk-error-message")


def test_ordinary_words_that_contain_danger_show_no_panel_and_empty_an_earlier_one(client) -> None:
    page = check_body(client, NOT_URGENT)
    urgent = page.soup.select_one("#live-urgent")
    assert urgent["hx-swap-oob"] == "innerHTML" and urgent.get_text(strip=True) == ""


@pytest.mark.parametrize(
    ("typed", "named"),
    [
        (f"My neighbour's number is {PHONE}, call him.", "a phone number"),
        (f"Her NHS number is {NHS_NUMBER} and the letter never came.", "an NHS number"),
        (f"Ring {PHONE} or write to sam.jones@example.org.", "an email address and a phone number"),
    ],
)
def test_personal_details_get_a_kind_note_under_the_box(client, typed, named) -> None:
    page = check_body(client, typed)
    note = page.soup.select_one("#live-details #details-note")
    assert note is not None
    words = " ".join(note.get_text(" ").split())
    assert f"includes {named}." in words
    assert "You can still send it." in words
    assert typed not in words, "the note names the kinds, never the details"
    assert page.soup.select_one("#group-body textarea").get_text() == typed
    assert not page.soup.select(".nhsuk-error-message, .nhsuk-form-group--error")
    assert page.soup.select_one("#live-urgent").get_text(strip=True) == ""


def test_a_form_sent_back_without_scripts_shows_the_same_panels_in_place(client) -> None:
    form = Page(client.get("/share"))
    response = client.post(
        "/share",
        data={
            "csrf_token": hidden(form, "csrf_token"),
            "form_key": hidden(form, "form_key"),
            "body": f"{URGENT} My number is {PHONE}.",
            "lcps": ["seacroft"],
            "contact": "no",
            # No answer to "Who are you speaking for?": the form comes back.
        },
    )
    assert response.status_code == 200
    page = Page(response)
    assert page.soup.select_one(".nhsuk-error-summary") is not None
    assert_gives_every_number(page.soup.select_one("#live-urgent #urgent-help"))
    assert "a phone number" in page.soup.select_one("#live-details #details-note").get_text(" ")


# On sending --------------------------------------------------------------------------------------------------------


def test_an_urgent_message_is_marked_and_its_safeguarding_contact_told_without_the_words(
    app, client, apart, make_staff
) -> None:
    contact = safeguarding_contact(app, make_staff, "seacroft")
    body = f"{URGENT} {unique()}"
    assert send(client, {"body": body}).status_code == 303
    [submission] = stored(body)
    assert submission.urgent and submission.urgent_at is not None
    assert abs(submission.urgent_at - utcnow()).total_seconds() < 300
    assert submission.urgent_word_list == ["can't go on"]
    urgent = [(e.kind, e.actor, e.public, e.body) for e in submission.events if e.kind == "urgent"]
    assert urgent == [("urgent", "system", False, "can't go on")]
    [email] = mail("staff-urgent")
    assert email.to_address == contact.email
    assert str(submission.id) in email.subject
    assert body not in email.text_body and body not in email.html_body
    assert "can't go on" not in email.text_body.lower()

    page = Page(client.get("/share/sent"))
    panel = page.soup.select_one("#urgent-help")
    assert panel is not None
    assert_gives_every_number(panel)
    assert "We have told the partnership’s team it may be urgent." in panel.get_text(" ")
    assert page.soup.select_one("#details-note") is None


def test_without_a_safeguarding_contact_the_citywide_admins_are_told(app, client, apart, make_staff) -> None:
    admin = make_staff("admin")
    body = f"I want to end it all. {unique()}"
    assert send(client, {"body": body, "lcps": ["armley"]}).status_code == 303
    [submission] = stored(body)
    assert submission.urgent
    told = {message.to_address for message in mail("staff-urgent")}
    assert admin.email in told
    admins = db.session.scalars(
        select(StaffUser.email).where(
            StaffUser.role == "admin", StaffUser.disabled_at.is_(None), StaffUser.locked_at.is_(None)
        )
    )
    assert told == set(admins)


def test_an_ordinary_message_is_not_marked_and_nobody_is_told(client, apart) -> None:
    body = f"{NOT_URGENT} Write to me at sam.jones@example.org. {unique()}"
    assert send(client, {"body": body}).status_code == 303
    [submission] = stored(body)
    assert not submission.urgent and submission.urgent_words == ""
    assert [e.kind for e in submission.events] == ["received"]
    assert mail("staff-urgent") == []
    page = Page(client.get("/share/sent"))
    assert page.soup.select_one("#urgent-help") is None
    note = page.soup.select_one("#details-note")
    assert "What you sent includes an email address." in " ".join(note.get_text(" ").split())


def test_the_urgent_email_reaches_the_safeguarding_contact_over_smtp(
    app, client, apart, make_staff, mailbox, smtp
) -> None:
    contact = safeguarding_contact(app, make_staff, "seacroft")
    body = f"My dad is not safe at home. {unique()}"
    assert send(client, {"body": body}).status_code == 303
    [submission] = stored(body)
    deliver_due(WORKER, smtp)
    [received] = mailbox.to(contact.email)
    assert str(submission.id) in received["Subject"]
    assert f"/admin/submissions/{submission.id}" in mailbox.text(received)
    for part in (mailbox.text(received), mailbox.html(received)):
        assert body not in part and "not safe at home" not in part


def test_a_follow_up_with_urgent_words_marks_it_urgent_once(app, client, apart, make_staff, post_form) -> None:
    contact = safeguarding_contact(app, make_staff, "seacroft")
    submission = make(unique("Calm at first"), email=address())
    assert not submission.urgent
    manage = urlsplit(sharing.contact_links(submission)["manage"]).path
    response = post_form(manage, {"action": "add", "body": "Since then she says she wants to die."})
    assert response.status_code == 303 and "done=added-urgent" in response.location
    db.session.expire_all()
    assert submission.urgent and submission.urgent_word_list == ["wants to die"]
    urgent = [(e.kind, e.actor, e.public, e.body) for e in submission.events if e.kind == "urgent"]
    assert urgent == [("urgent", "person", False, "wants to die")]
    assert [m.to_address for m in mail("staff-urgent")] == [contact.email]
    page = Page(client.get(response.location))
    assert page.soup.select_one("#urgent-help") is not None
    assert page.soup.select_one("#not-for-emergencies") is None

    # Already urgent: more urgent words are kept as a follow-up, and nobody is told twice.
    assert post_form(manage, {"action": "add", "body": "I am scared she will kill herself."}).status_code == 303
    db.session.expire_all()
    assert [e.kind for e in submission.events].count("urgent") == 1
    assert len(mail("staff-urgent")) == 1
    # The add-more page, like the form, says first that it is not for emergencies.
    assert_gives_every_number(Page(client.get(manage)).soup.select_one("#not-for-emergencies"))


def test_an_item_staff_enter_is_marked_the_same_way(app, make_staff) -> None:
    admin = make_staff("admin")
    with app.test_request_context():
        body = f"He told me he is thinking about suicide. {unique()}"
        data = ShareInput(body=body, lcps=lcps_by_slug(["seacroft"]), source="phone")
        entered = casework_commands.enter(Actor.staff(db.session.get(StaffUser, admin.id)), data).submission
        assert entered.urgent and entered.urgent_word_list == ["thinking about suicide"]
        assert [(e.kind, e.actor) for e in entered.events] == [("received", "staff"), ("urgent", "system")]
        assert mail("staff-urgent")
        db.session.rollback()


# The receipt email -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("agreed", [True, False])
def test_the_receipt_email_says_whether_their_words_may_be_quoted(apart, agreed) -> None:
    email = address("quote")
    make(unique("Receipt"), email=email, may_publish_words=agreed)
    [receipt] = mail("receipt", email)
    may = "We may quote your words on this website, without your name, after staff remove other people’s details."
    never = "We will not quote your words on this website."
    for part in (receipt.text_body, receipt.html_body):
        assert (may in part, never in part) == (agreed, not agreed)
    if agreed:
        assert "You can stop this from the link above." in receipt.text_body


# Taking back the agreement to be quoted ----------------------------------------------------------------------------


def test_withdrawing_consent_drops_the_quote_from_the_kept_lcp_page_and_feed_at_once(client, apart, post_form) -> None:
    words = f"Quote me on the buses {unique()}"
    submission = make(unique("Agreed"), email=address("withdraw"), may_publish_words=True)
    response = PublishedResponse(
        submission=submission,
        lcp=submission.routings[0].lcp,
        you_said="People said the buses were late.",
        we_did="We asked the bus company to add a service.",
        quote_words=True,
        quote_text=words,
    )
    db.session.add(response)
    db.session.commit()
    page_url, feed_url = "/lcps/seacroft", "/lcps/seacroft/updates.atom"
    assert words in client.get(page_url).get_data(as_text=True)
    assert words in client.get(feed_url).get_data(as_text=True)

    # The pages are kept: a change behind the app's back (no new content version) does not show...
    db.session.execute(
        text("UPDATE submission SET may_publish_words = :no WHERE id = :id"), {"no": False, "id": submission.id}
    )
    db.session.commit()
    assert words in client.get(page_url).get_data(as_text=True)
    db.session.execute(
        text("UPDATE submission SET may_publish_words = :yes WHERE id = :id"), {"yes": True, "id": submission.id}
    )
    db.session.commit()

    manage = urlsplit(sharing.contact_links(submission)["manage"]).path
    page = Page(client.get(manage))
    assert page.soup.select_one("#quoting") is not None
    assert page.soup.select_one("button[name=action][value=withdraw-quote]") is not None
    version = db.session.scalar(select(ContentVersion.value))
    # Only this test's record: SQLite reuses a deleted submission's id, and the log keeps that one's records.
    audited_before = db.session.scalar(select(func.max(AuditEvent.id))) or 0

    done = post_form(manage, {"action": "withdraw-quote"})
    assert done.status_code == 303 and "done=quote-withdrawn" in done.location
    # ...but withdrawing does, at once.
    assert words not in client.get(page_url).get_data(as_text=True)
    assert words not in client.get(feed_url).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(ContentVersion.value)) > version
    assert submission.may_publish_words is False
    assert [(e.kind, e.actor, e.public) for e in submission.events if e.kind == "quote-withdrawn"] == [
        ("quote-withdrawn", "person", False)
    ]
    audit = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "submission.quote-withdrawn",
            AuditEvent.object_id == str(submission.id),
            AuditEvent.id > audited_before,
        )
    ).all()
    assert len(audit) == 1 and audit[0].actor_label == "resident"

    after = Page(client.get(done.location))
    assert after.soup.select_one(".nhsuk-notification-banner--success") is not None
    assert after.soup.select_one("#quoting") is not None and after.soup.select_one("#not-quoted") is not None
    assert after.soup.select_one("button[value=withdraw-quote]") is None


def test_the_quoting_section_shows_only_to_those_who_agreed_and_withdrawing_needs_the_form_token(
    client, apart, post_form
) -> None:
    never = make(unique("Never agreed"), email=address("never"))
    manage = urlsplit(sharing.contact_links(never)["manage"]).path
    assert Page(client.get(manage)).soup.select_one("#quoting") is None

    agreed = make(unique("Agreed"), email=address("agreed"), may_publish_words=True)
    manage = urlsplit(sharing.contact_links(agreed)["manage"]).path
    refused = client.post(manage, data={"action": "withdraw-quote"})
    assert refused.status_code == 400
    db.session.expire_all()
    assert agreed.may_publish_words is True


def test_the_withdraw_command_is_for_the_person_and_does_nothing_twice(apart) -> None:
    from app.commands import Forbidden

    submission = make(unique("Agreed"), email=address("twice"), may_publish_words=True)
    with pytest.raises(Forbidden):
        sharing_commands.withdraw_quote(Actor.follower(1), submission.contact)
    sharing_commands.withdraw_quote(Actor.resident(), submission.contact)
    sharing_commands.withdraw_quote(Actor.resident(), submission.contact)
    db.session.expire_all()
    assert [e.kind for e in submission.events].count("quote-withdrawn") == 1
    assert isinstance(submission, Submission) and submission.may_publish_words is False
