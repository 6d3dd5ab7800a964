"""Sharing what is happening locally: what is stored (and what never is), bad input, limits, receipt codes,
tracking, the receipt email and its follow-up link, and the staff-side services that email people.

Requests go through the test client with real CSRF tokens; the database is checked directly.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import quote, urlsplit
from uuid import uuid4

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import MetaData, delete, func, inspect, select

from app import create_app
from app.clock import utcnow
from app.commands import Actor
from app.commands import sharing as sharing_commands
from app.commands.system import deliver_due
from app.config import TestingConfig
from app.extensions import db
from app.models import (
    AgendaItem,
    Meeting,
    OutboxMessage,
    PublishedResponse,
    Routing,
    Submission,
    SubmissionContact,
    SubmissionEvent,
)
from app.services import outbox, sharing
from app.services.people import lcps_by_slug
from app.services.sharing import ContactInput, ShareInput
from tests.conftest import Page

# The outbox worker, as `flask outbox send` runs it.
WORKER = Actor.system("outbox")

CODE = re.compile(rf"^[{sharing.ALPHABET}]{{4}}-[{sharing.ALPHABET}]{{4}}$")
VALID = {"lcps": ["seacroft"], "speaks_for": "self", "contact": "no"}


# Helpers ---------------------------------------------------------------------------------------------------------


def unique(prefix: str = "Shared") -> str:
    return f"{prefix} {uuid4().hex}"


def address(prefix: str = "sharer") -> str:
    return f"{prefix}-{uuid4().hex[:12]}@example.org"


def hidden(page: Page, name: str) -> str:
    element = page.soup.select_one(f"input[name={name}]")
    assert element is not None, f"the page has no input called {name}"
    return element.get("value", "")


def send(client: FlaskClient, changes: dict, *, form_key: str | None = None, url: str = "/share", **kwargs):
    """Fetch the share form as a browser does, then send it with `changes` over the valid answers."""
    page = Page(client.get(url, **kwargs))
    data = {
        "csrf_token": hidden(page, "csrf_token"),
        "form_key": form_key or hidden(page, "form_key"),
        "item": hidden(page, "item"),
        **VALID,
        **changes,
    }
    return client.post("/share", data=data, **kwargs)


def receipt_code(client: FlaskClient) -> str:
    """The code shown on /share/sent, as XXXX-XXXX."""
    page = Page(client.get("/share/sent"))
    return page.soup.select_one("#receipt-code").get_text(strip=True)


def stored(body: str) -> list[Submission]:
    db.session.expire_all()
    return list(db.session.scalars(select(Submission).where(Submission.body == body).order_by(Submission.id)))


def submission_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Submission.id)))


def errors(page: Page) -> list[str]:
    return [" ".join(li.get_text(" ").split()) for li in page.soup.select(".nhsuk-error-summary__list li")]


def typed_body(page: Page) -> str:
    return page.soup.select_one("textarea[name=body]").get_text()


def make(
    body: str,
    *,
    lcps: tuple[str, ...] = ("seacroft",),
    email: str | None = None,
    wants_updates: bool = False,
    may_publish_words: bool = False,
    agenda_item: AgendaItem | None = None,
) -> Submission:
    contact = ContactInput(email=email, wants_updates=wants_updates) if email else None
    data = ShareInput(
        body=body,
        lcps=lcps_by_slug(list(lcps)),
        may_publish_words=may_publish_words,
        agenda_item=agenda_item,
        contact=contact,
    )
    return sharing_commands.share(Actor.resident(), data).submission


def mail(kind: str, to: str | None = None) -> list[OutboxMessage]:
    db.session.expire_all()
    query = select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
    if to is not None:
        query = query.where(OutboxMessage.to_address == to)
    return list(db.session.scalars(query))


def upcoming_item() -> AgendaItem:
    return db.session.scalars(
        select(AgendaItem)
        .join(Meeting)
        .where(Meeting.starts_at > utcnow())
        .order_by(Meeting.starts_at, Meeting.id, AgendaItem.position, AgendaItem.id)
    ).first()


def past_item() -> AgendaItem:
    return db.session.scalars(
        select(AgendaItem)
        .join(Meeting)
        .where(Meeting.ends_at < utcnow())
        .order_by(Meeting.ends_at.desc(), Meeting.id, AgendaItem.position, AgendaItem.id)
    ).first()


@pytest.fixture(scope="module")
def checker(app: Flask) -> Iterator[Flask]:
    """A second app on the same database, whose context the tests hold while the client makes requests."""
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
    second = create_app(config)
    yield second
    with second.app_context():
        db.engine.dispose()


@pytest.fixture
def apart(checker: Flask) -> Iterator[None]:
    """A request context whose database session is not the one requests use.

    With the session app's own context held, the test client's requests would share it (Flask reuses an
    app context of the same app), and a check could see what a request flushed but never committed.
    """
    with checker.test_request_context():
        yield
        db.session.rollback()


@pytest.fixture(autouse=True)
def forget_new_submissions(app: Flask) -> Iterator[None]:
    """Submissions made here (and with them their contacts, mail, replies and history) go afterwards."""
    with app.app_context():
        before = db.session.scalar(select(func.max(Submission.id))) or 0
    yield
    with app.app_context():
        db.session.execute(delete(Submission).where(Submission.id > before))
        db.session.commit()


# What is stored, and what never is ------------------------------------------------------------------------------


@pytest.fixture
def every_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Capture every logger at DEBUG, including SQLAlchemy's statements and their parameters."""
    loggers = [logger for logger in logging.root.manager.loggerDict.values() if isinstance(logger, logging.Logger)]
    disabled = {logger.name: logger.disabled for logger in loggers}
    caplog.set_level(logging.DEBUG)
    for logger in loggers:
        logger.disabled = False
        caplog.set_level(logging.DEBUG, logger=logger.name)
    yield caplog
    for logger in loggers:
        logger.disabled = disabled[logger.name]


def every_value_in_the_database() -> Iterator[tuple[str, str]]:
    """(table, value as text) for every value of every row of every table the database holds."""
    tables = MetaData()
    tables.reflect(bind=db.engine)
    names = {table.name for table in tables.sorted_tables} | {table.name for table in db.metadata.sorted_tables}
    assert {"submission", "submission_contact", "routing", "outbox_message"} <= names
    for table in tables.sorted_tables:
        for row in db.session.execute(select(table)):
            for value in row:
                yield table.name, str(value)


# SQLAlchemy's statement log is captured only on connections opened after the capture starts.
@pytest.mark.no_rollback
def test_an_anonymous_submission_keeps_no_trace_of_who_sent_it(client, apart, every_log) -> None:
    ip, agent = "203.0.113.77", f"Mozilla/5.0 (TraceableBrowser/{uuid4().hex})"
    body, neighbourhood = unique("The bench by the clinic has gone"), unique("Kentmere Avenue")
    request = {"environ_base": {"REMOTE_ADDR": ip}, "headers": {"User-Agent": agent}}
    page = Page(client.get("/share", **request))
    form_key = hidden(page, "form_key")
    response = client.post(
        "/share",
        data={
            "csrf_token": hidden(page, "csrf_token"),
            "form_key": form_key,
            "body": body,
            "neighbourhood": neighbourhood,
            "lcps": ["seacroft"],
            "topics": ["transport"],
            "age_groups": ["older-people"],
            "groups": ["carers", "disability"],
            "speaks_for": "self",
            "contact": "no",
            # Typed and then changed to "no": none of this may be kept.
            "email": "changed.my.mind@example.org",
            "name": "Changed Mymind",
        },
        **request,
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    assert urlsplit(response.location).path == "/share/sent"
    code = receipt_code(client).replace("-", "")
    logged = every_log.text
    assert f"submission {stored(body)[0].id} stored" in logged, "the capture saw the app's own log line"
    assert "INSERT INTO submission" in logged, "the capture saw SQLAlchemy's statements too"
    every_log.set_level(logging.WARNING)

    [submission] = stored(body)
    assert submission.contact is None and submission.anonymous
    assert db.session.scalar(select(SubmissionContact).where(SubmissionContact.submission_id == submission.id)) is None
    db_columns = {column["name"] for column in inspect(db.engine).get_columns("submission")}
    assert db_columns == {
        "id",
        "receipt_code",
        "body",
        "neighbourhood",
        "age_groups",
        "groups",
        "speaks_for",
        "organisation_name",
        "people_count",
        "lcp_unsure",
        "may_publish_words",
        "agenda_item_id",
        "source",
        "entered_by_id",
        "duplicate_of_id",
        "same_issue_as_id",
        "language",
        "urgent_at",
        "urgent_words",
        "urgent_escalated_at",
        "quote_text",
        "quote_prepared_at",
        "form_key",
        "created_at",
        "is_demo",
    }
    row = db.session.execute(select(Submission.__table__).where(Submission.id == submission.id)).mappings().one()
    assert dict(row) == {
        "id": submission.id,
        "receipt_code": code,
        "body": body,
        "neighbourhood": neighbourhood,
        "age_groups": "older-people",
        "groups": "carers disability",
        "speaks_for": "self",
        "organisation_name": "",
        "people_count": None,
        "lcp_unsure": False,
        "may_publish_words": False,
        "agenda_item_id": None,
        "source": "web",
        "entered_by_id": None,
        "duplicate_of_id": None,
        "same_issue_as_id": None,
        "language": "en_GB",
        "urgent_at": None,
        "urgent_words": "",
        "urgent_escalated_at": None,
        "quote_text": None,
        "quote_prepared_at": None,
        "form_key": form_key,
        "created_at": row["created_at"],
        "is_demo": False,
    }
    assert abs(row["created_at"] - utcnow()) < timedelta(minutes=5)
    assert [topic.slug for topic in submission.topics] == ["transport"]
    assert [(r.lcp.slug, r.status) for r in submission.routings] == [("seacroft", "received")]
    assert [(e.kind, e.actor, e.public) for e in submission.events] == [("received", "person", True)]

    mentioning = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.text_body.contains(code)
            | OutboxMessage.html_body.contains(code)
            | OutboxMessage.text_body.contains(body)
            | (OutboxMessage.to_address == "changed.my.mind@example.org")
        )
    ).all()
    assert mentioning == []

    found = [
        (table, needle)
        for table, value in every_value_in_the_database()
        for needle in (ip, agent, "changed.my.mind", "Changed Mymind")
        if needle in value
    ]
    assert found == [], f"stored somewhere: {found}"
    assert ip not in logged and agent not in logged
    assert "changed.my.mind" not in logged


def test_a_submission_is_stored_whole_with_its_routings_history_contact_and_receipt(client, apart) -> None:
    body, email = unique("Two areas share one problem"), address()
    response = send(
        client,
        {
            "body": body,
            "lcps": ["seacroft", "armley", "seacroft"],
            "topics": ["housing"],
            "contact": "yes",
            "name": "Ann Resident",
            "email": email.upper(),
            "may_contact": "y",
            "wants_updates": "y",
        },
    )
    assert response.status_code == 303
    [submission] = stored(body)
    assert sorted(r.lcp.slug for r in submission.routings) == ["armley", "seacroft"]
    assert all(r.status == "received" and not r.has_new_follow_up for r in submission.routings)
    assert [(e.kind, e.status, e.public) for e in submission.events] == [("received", "received", True)]
    contact = submission.contact
    assert (contact.email, contact.name, contact.may_contact, contact.wants_updates, contact.may_share) == (
        email,
        "Ann Resident",
        True,
        True,
        False,
    )
    assert contact.wording_version == sharing.CONTACT_WORDING_VERSION
    [receipt] = mail("receipt", email)
    assert receipt.contact_id == contact.id and receipt.status == "queued"
    assert sharing.format_code(submission.receipt_code) in receipt.text_body
    assert "We have also emailed you a receipt" in Page(client.get("/share/sent")).text()


@pytest.mark.parametrize("propagate", [True, False], ids=["exception-propagates", "error-page"])
def test_a_failure_while_queueing_the_receipt_stores_nothing_at_all(app, client, apart, monkeypatch, propagate) -> None:
    body, email = unique("Nearly stored"), address("half")

    def broken_queue(**kwargs):
        raise RuntimeError("the outbox is broken")

    monkeypatch.setattr(outbox, "queue", broken_queue)
    if propagate:
        with pytest.raises(RuntimeError, match="the outbox is broken"):
            send(client, {"body": body, "contact": "yes", "email": email})
    else:
        monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
        response = send(client, {"body": body, "contact": "yes", "email": email})
        assert response.status_code == 500
    assert stored(body) == []
    assert db.session.scalar(select(SubmissionContact).where(SubmissionContact.email == email)) is None
    assert mail("receipt", email) == []


def test_the_service_raising_part_way_leaves_nothing_after_rollback(apart, monkeypatch) -> None:
    body, email = unique("Half a submission"), address("rollback")

    def broken_receipt(submission, name, **context):
        raise RuntimeError("rendering failed")

    monkeypatch.setattr(sharing_commands.mail, "send_to_contact", broken_receipt)
    with pytest.raises(RuntimeError, match="rendering failed"):
        make(body, lcps=("seacroft", "armley"), email=email)
    db.session.rollback()
    assert stored(body) == []
    assert db.session.scalar(select(SubmissionContact).where(SubmissionContact.email == email)) is None
    orphans = db.session.scalar(
        select(func.count(Routing.id)).where(~Routing.submission_id.in_(select(Submission.id)))
    ) + db.session.scalar(
        select(func.count(SubmissionEvent.id)).where(~SubmissionEvent.submission_id.in_(select(Submission.id)))
    )
    assert orphans == 0


# Bad input -------------------------------------------------------------------------------------------------------


LONG = ("The bus that stopped outside the surgery no longer runs after six. " * 1600)[: 100 * 1024]


@pytest.mark.parametrize(
    ("changes", "expected", "kept"),
    [
        pytest.param(
            {"body": LONG},
            ["Shorten what you wrote to 5,000 characters or fewer"],
            {"body": LONG},
            id="100-kB-of-text",
        ),
        pytest.param(
            {"body": "Before\x00\x07after {tag}"},
            [
                "Your text had hidden control characters, which we have removed. "
                "Check it reads as you meant, then send it again"
            ],
            {"body": "Beforeafter {tag}"},
            id="control-characters",
        ),
        pytest.param(
            {"body": "{tag}", "lcps": ["seacroft", "atlantis-x"]},
            ["We do not know a partnership called “atlantis-x”. Choose from the list."],
            {"body": "{tag}"},
            id="unknown-partnership",
        ),
        pytest.param(
            {"body": "{tag}", "speaks_for": "organisation"},
            [
                "Enter the name of the organisation or group",
                "Enter about how many people you are speaking for, like 40",
            ],
            {"body": "{tag}"},
            id="organisation-without-name-or-number",
        ),
        pytest.param(
            {
                "body": "{tag}",
                "speaks_for": "organisation",
                "organisation_name": "Seacroft Friends",
                "people_count": "lots of families",
            },
            ["Enter the number of people as a whole number, like 40"],
            {"body": "{tag}", "organisation_name": "Seacroft Friends", "people_count": "lots of families"},
            id="organisation-with-no-number-at-all",
        ),
        pytest.param(
            {"body": "{tag}", "contact": "yes", "email": ""},
            ["Enter your email address, or choose to stay anonymous"],
            {"body": "{tag}"},
            id="contact-without-email",
        ),
        pytest.param(
            {"body": "{tag}", "contact": "yes", "email": "ann@", "name": "Ann"},
            ["Enter an email address in the correct format, like name@example.com"],
            {"body": "{tag}", "email": "ann@", "name": "Ann"},
            id="contact-with-malformed-email",
        ),
    ],
)
def test_bad_input_gets_a_specific_message_keeps_what_was_typed_and_stores_nothing(
    client, apart, changes, expected, kept
) -> None:
    tag = unique("Typed")
    changes = {key: value.format(tag=tag) if isinstance(value, str) else value for key, value in changes.items()}
    kept = {key: value.format(tag=tag) for key, value in kept.items()}
    before = submission_count()
    response = send(client, changes)
    assert response.status_code == 200
    page = Page(response)
    assert errors(page) == expected
    assert page.soup.title.get_text().startswith("Error:")
    for name, value in kept.items():
        if name == "body":
            assert typed_body(page) == value
        else:
            assert hidden(page, name) == value
    assert submission_count() == before


def test_an_empty_form_says_what_each_question_needs(client, apart) -> None:
    before = submission_count()
    page = Page(client.get("/share"))
    response = client.post("/share", data={"csrf_token": hidden(page, "csrf_token")})
    assert response.status_code == 200
    assert errors(Page(response)) == [
        "Tell us what is happening",
        "Choose a partnership, or tick “I am not sure”",
        "Choose whether you speak for yourself or for an organisation",
        "Choose whether to leave an email address or stay anonymous",
    ]
    assert submission_count() == before


def url_encoded(fields: dict[str, str], body: bytes) -> tuple[bytes, str]:
    pairs = "&".join(f"{name}={quote(value)}" for name, value in fields.items())
    return pairs.encode("ascii") + b"&body=" + body, "application/x-www-form-urlencoded"


def multipart(fields: dict[str, str], body: bytes) -> tuple[bytes, str]:
    boundary = uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="body"\r\n\r\n'.encode() + body + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize(
    ("encode", "unreadable"),
    [(url_encoded, b"Caf%FF%FE+"), (multipart, b"Caf\xff\xfe ")],
    ids=["url-encoded", "multipart"],
)
def test_bytes_that_are_not_utf8_are_refused_with_a_message_and_shown(client, apart, encode, unreadable) -> None:
    """The form posts url-encoded, as browsers send it by default; a program may post either."""
    tag = uuid4().hex
    page = Page(client.get("/share"))
    fields = {
        "csrf_token": hidden(page, "csrf_token"),
        "form_key": hidden(page, "form_key"),
        "lcps": "seacroft",
        "speaks_for": "self",
        "contact": "no",
    }
    data, content_type = encode(fields, unreadable + tag.encode())
    before = submission_count()
    response = client.post("/share", data=data, content_type=content_type)
    assert response.status_code == 200, "refused, not stored"
    shown = Page(response)
    assert errors(shown) == [
        "Some characters could not be read and are shown as �. Retype them or remove them, then send again"
    ]
    assert typed_body(shown) == f"Caf\ufffd\ufffd {tag}"
    assert submission_count() == before


def test_html_in_the_text_is_accepted_and_never_shown_raw(client, apart) -> None:
    marker = uuid4().hex
    body = f"<script>alert('{marker}')</script> <b>bold</b> & <img src=x onerror=alert(1)>"
    email = address("markup")
    response = send(client, {"body": body, "contact": "yes", "email": email})
    assert response.status_code == 303
    [submission] = stored(body)
    assert submission.body == body, "stored as typed; escaping happens when it is shown"
    code = sharing.format_code(submission.receipt_code)

    [receipt] = mail("receipt", email)
    assert "&lt;script&gt;alert(" in receipt.html_body
    assert "<script" not in receipt.html_body and "<img src=x" not in receipt.html_body
    assert body in receipt.text_body, "the plain text part says it exactly as typed"

    manage = urlsplit(re.search(r"http://\S+/more/\S+", receipt.text_body).group(0)).path
    for url in ("/share/sent", f"/track/{code}", manage):
        html = client.get(url).get_data(as_text=True)
        assert marker not in html, f"{url} shows the words sent"
        assert "<script>alert" not in html


def test_a_forged_csrf_token_gets_one_plain_message_and_keeps_the_text(client, apart) -> None:
    body = unique("Forged")
    response = send(client, {"body": body, "csrf_token": "forged-" + secrets.token_hex(20)})
    assert response.status_code == 400
    page = Page(response)
    assert errors(page) == [
        "We could not accept the form because it was open for a long time or came from another website. "
        "Check your answers and send it again."
    ]
    assert typed_body(page) == body
    assert stored(body) == []


def test_a_filled_in_hidden_box_is_refused(client, apart) -> None:
    body = unique("Spam")
    response = send(client, {"body": body, "leave_empty": "http://spam.example"})
    assert response.status_code == 400
    assert errors(Page(response)) == ["Leave the box called “Leave this box empty” empty, then send again"]
    assert stored(body) == []


def test_a_form_sent_twice_is_stored_once_and_says_so(client, apart) -> None:
    body = unique("Sent twice")
    page = Page(client.get("/share"))
    data = {
        "csrf_token": hidden(page, "csrf_token"),
        "form_key": hidden(page, "form_key"),
        **VALID,
        "body": body,
    }
    first = client.post("/share", data=data)
    assert first.status_code == 303
    first_page = Page(client.get("/share/sent"))
    assert "You had already sent this form" not in first_page.text()
    first_code = first_page.soup.select_one("#receipt-code").get_text(strip=True)

    again = client.post("/share", data=data)
    assert again.status_code == 303 and again.location == first.location
    again_page = Page(client.get("/share/sent"))
    assert again_page.soup.select_one("#receipt-code").get_text(strip=True) == first_code
    assert "You had already sent this form, so we kept one copy. This is its receipt." in again_page.text()
    assert len(stored(body)) == 1


# Limits ----------------------------------------------------------------------------------------------------------


def test_one_email_address_may_send_a_limited_number_an_hour(client, apart) -> None:
    email = address("busy")
    for number in range(sharing.PER_ADDRESS_PER_HOUR):
        response = send(client, {"body": unique(f"Busy {number}"), "contact": "yes", "email": email})
        assert response.status_code == 303
    body = unique("One too many")
    response = send(client, {"body": body, "contact": "yes", "email": email.upper()})
    assert response.status_code == 429
    page = Page(response)
    assert errors(page) == [
        f"This email address has sent {sharing.PER_ADDRESS_PER_HOUR} things in the last hour. "
        "Wait an hour, or choose to stay anonymous and send it now"
    ]
    assert typed_body(page) == body and hidden(page, "email") == email.upper()
    assert stored(body) == []
    db.session.expire_all()
    sent = db.session.scalar(select(func.count(SubmissionContact.id)).where(SubmissionContact.email == email))
    assert sent == sharing.PER_ADDRESS_PER_HOUR
    # Staying anonymous sends it at once.
    assert send(client, {"body": body, "contact": "no"}).status_code == 303
    assert len(stored(body)) == 1


@pytest.fixture
def limited_app(limited_app_with) -> Flask:
    return limited_app_with(SHARE_LIMIT="2 per minute")


def test_the_share_limit_counts_stored_submissions_and_keeps_the_text_when_it_refuses(limited_app, apart) -> None:
    client = limited_app.test_client()
    remote = {"environ_base": {"REMOTE_ADDR": "198.51.100.21"}}
    # A form with a mistake is not a stored submission and does not count.
    assert send(client, {"body": ""}, **remote).status_code == 200
    bodies = [unique(f"Limited {number}") for number in range(2)]
    for body in bodies:
        assert send(client, {"body": body}, **remote).status_code == 303
    body = unique("Refused by the limit")
    response = send(client, {"body": body, "neighbourhood": "Seacroft Green"}, **remote)
    assert response.status_code == 429
    page = Page(response)
    assert errors(page) == [
        "You have sent several things in a short time, so we did not accept this one yet. "
        "What you wrote is below: wait a few minutes, then send it again."
    ]
    assert typed_body(page) == body
    assert hidden(page, "neighbourhood") == "Seacroft Green"
    assert page.h1 == "Tell a Local Care Partnership what is happening"
    assert [len(stored(b)) for b in [*bodies, body]] == [1, 1, 0]
    # Another connection is not held up.
    other = {"environ_base": {"REMOTE_ADDR": "198.51.100.22"}}
    assert send(client, {"body": unique("Elsewhere")}, **other).status_code == 303


def test_track_limits_codes_that_match_nothing_but_not_codes_that_match(limited_app, apart) -> None:
    known = sharing.format_code(make(unique("Tracked often")).receipt_code)
    client = limited_app.test_client()
    remote = {"environ_base": {"REMOTE_ADDR": "198.51.100.31"}}
    for _look in range(12):
        assert client.get(f"/track/{known}", **remote).status_code == 200
    unknown = [sharing.new_code() for _guess in range(11)]
    for code in unknown[:10]:
        assert client.get(f"/track/{code}", **remote).status_code == 404
    refused = client.get(f"/track/{unknown[10]}", **remote)
    assert refused.status_code == 429
    assert Page(refused).h1 == "Too many attempts"


# Receipt codes and tracking --------------------------------------------------------------------------------------


def test_codes_are_random_from_an_alphabet_without_look_alikes() -> None:
    assert len(sharing.ALPHABET) == len(set(sharing.ALPHABET)) == 29
    assert not set("01ILOUV") & set(sharing.ALPHABET)
    codes = [sharing.new_code() for _code in range(3000)]
    assert len(set(codes)) == len(codes)
    assert all(len(code) == sharing.CODE_LENGTH and set(code) <= set(sharing.ALPHABET) for code in codes)
    # Every character turns up in every position: drawn at random, not counted up.
    for position in range(sharing.CODE_LENGTH):
        assert {code[position] for code in codes} == set(sharing.ALPHABET)
    assert codes != sorted(codes)


def test_stored_codes_are_shown_in_two_groups_and_do_not_follow_on(client, apart) -> None:
    codes = []
    for number in range(5):
        assert send(client, {"body": unique(f"Code {number}")}).status_code == 303
        codes.append(receipt_code(client))
    assert all(CODE.match(code) for code in codes), codes
    assert len({code[:4] for code in codes}) == len(codes), f"consecutive codes share a start: {codes}"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ABCD2345", "ABCD2345"),
        ("abcd-2345", "ABCD2345"),
        (" abcd 2345 ", "ABCD2345"),
        ("Ab-Cd 23-45", "ABCD2345"),
        ("ABCI2345", None),
        ("ABCO2345", None),
        ("ABC02345", None),
        ("ABC12345", None),
        ("ABCL2345", None),
        ("ABCU2345", None),
        ("ABCV2345", None),
        ("ABC2345", None),
        ("ABCD23456", None),
        ("ABCD_2345", None),
        ("", None),
        (None, None),
    ],
)
def test_normalising_a_typed_code(typed, expected) -> None:
    assert sharing.normalise_code(typed) == expected


def test_a_code_typed_loosely_in_the_address_goes_to_the_canonical_page(client, apart) -> None:
    code = make(unique("Loose code")).receipt_code
    response = client.get(f"/track/{code.lower()}")
    assert response.status_code == 302
    assert urlsplit(response.location).path == f"/track/{code[:4]}-{code[4:]}"
    assert client.get(response.location).status_code == 200


def test_an_unknown_code_gets_a_404_page_that_helps(get_page) -> None:
    for code in ("ZZZZ-ZZZZ", "nonsense"):
        page = get_page(f"/track/{code}", status=404)
        assert page.h1 == "We could not find that receipt code"
        text = page.text()
        assert f"Nothing we hold has the code “{code}”." in text
        assert "Codes use the letters A to Z without I, L, O, U and V, and the numbers 2 to 9." in text
        assert page.links()["Try another code"] == "/track"


def test_track_shows_each_partnership_status_and_never_the_words_or_the_person(client, apart) -> None:
    body, email, name = unique("Private words"), address("private"), f"Zebedee {uuid4().hex[:8]}"
    neighbourhood = unique("Private street")
    response = send(
        client,
        {
            "body": body,
            "lcps": ["seacroft", "armley"],
            "contact": "yes",
            "email": email,
            "name": name,
            "neighbourhood": neighbourhood,
        },
    )
    assert response.status_code == 303
    [submission] = stored(body)
    armley = next(routing for routing in submission.routings if routing.lcp.slug == "armley")
    from app.commands import Actor
    from app.commands import casework as casework_commands

    casework_commands.change_status(Actor.cli(), armley, "looking")
    code = sharing.format_code(submission.receipt_code)

    page = Page(client.get(f"/track/{code}"))
    assert page.response.status_code == 200
    assert page.response.headers["X-Robots-Tag"] == "noindex"
    assert page.response.headers["Cache-Control"] == "no-store"
    statuses = {
        " ".join(row.dt.get_text(" ").split()): " ".join(row.select_one("strong").get_text(" ").split())
        for row in page.soup.select("#statuses .nhsuk-summary-list__row")
    }
    assert statuses == {
        "Armley Local Care Partnership": "Being looked at by the partnership’s team",
        "Seacroft Local Care Partnership": "Received: waiting to be read by the partnership’s team",
    }
    history = [" ".join(li.get_text(" ").split()) for li in page.soup.select(".app-history li")]
    assert [entry.split(" ", 3)[-1] for entry in history] == [
        "You sent it.",
        "Armley Local Care Partnership: Being looked at by the partnership’s team.",
    ]
    html = page.response.get_data(as_text=True)
    for private in (body, email, name, neighbourhood):
        assert private not in html


def test_a_submission_nobody_routed_says_the_team_is_working_it_out(client, apart) -> None:
    body = unique("Unsure where")
    assert send(client, {"body": body, "lcps": [], "lcp_unsure": "y"}).status_code == 303
    [submission] = stored(body)
    assert submission.lcp_unsure and submission.routings == []
    page = Page(client.get(f"/track/{sharing.format_code(submission.receipt_code)}"))
    assert page.soup.select_one("#statuses").get_text(" ", strip=True) == (
        "Received: the team is working out which partnership should handle it"
    )


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter your receipt code, like ABCD-2345"),
        ("ABC", "Enter the code as it appears on your receipt: 8 letters and numbers, like ABCD-2345"),
        ("ABCD-1234", "Enter the code as it appears on your receipt: 8 letters and numbers, like ABCD-2345"),
    ],
)
def test_the_lookup_form_explains_a_malformed_code(get_page, typed, message) -> None:
    page = get_page(f"/track?code={quote(typed)}")
    assert errors(page) == [message]
    assert hidden(page, "code") == typed


def test_the_lookup_form_sends_a_well_formed_code_to_its_page(client) -> None:
    response = client.get("/track?code=abcd+2345")
    assert response.status_code == 302 and urlsplit(response.location).path == "/track/ABCD-2345"


# The receipt email and the link in it ----------------------------------------------------------------------------


def test_the_receipt_goes_over_smtp_and_its_link_adds_stops_and_deletes(
    client, post_form, apart, mailbox, smtp
) -> None:
    body, email = unique("Emailed"), address("receipt")
    assert (
        send(
            client,
            {"body": body, "lcps": ["seacroft", "armley"], "contact": "yes", "email": email, "wants_updates": "y"},
        ).status_code
        == 303
    )
    code = receipt_code(client)
    deliver_due(WORKER, smtp)
    [received] = mailbox.to(email)
    assert received["Subject"]
    text = mailbox.text(received)
    assert code in text and code in mailbox.html(received)
    assert f"http://localhost/track/{code}" in text.splitlines()
    manage_url = re.search(rf"http://localhost/track/{code}/more/\S+", text).group(0)
    assert manage_url in mailbox.html(received)
    manage = urlsplit(manage_url).path

    page = Page(client.get(manage))
    assert page.response.status_code == 200 and page.h1 == "Add to what you shared"
    assert page.response.headers["Referrer-Policy"] == "no-referrer"

    more = unique("More detail")
    response = post_form(manage, {"action": "add", "body": more})
    assert response.status_code == 303 and "done=added" in response.location
    [submission] = stored(body)
    follow_up = [event for event in submission.events if event.kind == "follow-up"]
    assert [(e.body, e.actor, e.public) for e in follow_up] == [(more, "person", False)]
    assert [routing.has_new_follow_up for routing in submission.routings] == [True, True]
    tracked = Page(client.get(f"/track/{code}"))
    assert "You added more to it." in tracked.text()
    assert more not in tracked.response.get_data(as_text=True)

    response = post_form(manage, {"action": "stop"})
    assert response.status_code == 303 and "done=stopped" in response.location
    db.session.expire_all()
    assert submission.contact.wants_updates is False
    assert "We will not email you about this any more." in Page(client.get(response.location)).text()

    # The first press only asks; "Yes" deletes.
    asked = post_form(manage, {"action": "delete"})
    assert asked.status_code == 200 and Page(asked).h1 == "Are you sure you want to delete your contact details?"
    db.session.expire_all()
    assert submission.contact is not None
    response = post_form(manage, {"action": "delete-confirmed"})
    assert response.status_code == 303
    assert urlsplit(response.location).path == f"/track/{code}/contact-deleted"
    [submission] = stored(body)
    assert submission.contact is None and submission.anonymous
    assert db.session.scalar(select(SubmissionContact).where(SubmissionContact.email == email)) is None
    assert mail("receipt", email) == [], "mail about it goes with the contact"
    assert [routing.lcp.slug for routing in submission.routings] == ["seacroft", "armley"]

    gone = client.get(manage)
    assert gone.status_code == 400
    assert Page(gone).h1 == "This link does not work"


def test_a_tampered_link_or_one_used_with_another_code_does_not_work(client, apart) -> None:
    first = make(unique("First"), email=address("first"))
    second = make(unique("Second"), email=address("second"))
    token = sharing.contact_links(first)["manage"].rsplit("/", 1)[1]
    code, other_code = (sharing.format_code(s.receipt_code) for s in (first, second))
    valid = Page(client.get(f"/track/{code}/more/{token}"))
    assert valid.response.status_code == 200

    tampered = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    for path in (f"/track/{code}/more/{tampered}", f"/track/{other_code}/more/{token}"):
        response = client.get(path)
        assert response.status_code == 400, path
        assert Page(response).h1 == "This link does not work"
    refused = client.post(
        f"/track/{other_code}/more/{token}",
        data={"action": "delete-confirmed", "csrf_token": hidden(valid, "csrf_token")},
    )
    assert refused.status_code == 400
    db.session.expire_all()
    assert first.contact is not None


# The services staff use ------------------------------------------------------------------------------------------


def test_a_status_change_emails_only_people_who_asked_for_updates(apart) -> None:
    from app.commands import Actor
    from app.commands import casework as casework_commands

    wants, quiet = address("wants"), address("quiet")
    before = len(mail("status-changed"))
    submissions = [
        make(unique("Wants updates"), email=wants, wants_updates=True),
        make(unique("No updates"), email=quiet, wants_updates=False),
        make(unique("Anonymous")),
    ]
    for submission in submissions:
        casework_commands.change_status(Actor.cli(), submission.routings[0], "acted", "A new bench is on order.")
    [update] = mail("status-changed", wants)
    assert "Acted on" in update.text_body and "A new bench is on order." in update.text_body
    assert mail("status-changed", quiet) == []
    assert len(mail("status-changed")) == before + 1, "nobody else was emailed"
    for submission in submissions:
        db.session.refresh(submission)
        assert submission.routings[0].status == "acted"
        assert [(e.kind, e.status, e.public) for e in submission.events][-1] == ("status", "acted", True)
    with pytest.raises(ValueError, match="status must be one of"):
        sharing.set_status(submissions[0].routings[0], "ignored")


def test_a_reply_quotes_the_words_only_when_the_person_agreed(apart) -> None:
    agreed = make(unique("Quote me"), may_publish_words=True)
    declined = make(unique("Do not quote me"), may_publish_words=False)
    from app.commands import Actor, CommandRefused, quotes
    from app.commands import casework as casework_commands

    respond, cli = casework_commands.respond, Actor.cli()
    quotes.prepare_quote(cli, agreed, [], [])
    quoted = respond(cli, agreed.routings[0], "People said X", "We did Y", quote_words=True)
    with pytest.raises(CommandRefused, match="did not agree to have their words quoted"):
        respond(cli, declined.routings[0], "People said X", "We did Y", quote_words=True)
    # Below the command, the service never quotes them either.
    refused = sharing.publish_response(declined.routings[0], "People said X", "We did Y", quote_words=True)
    unasked = respond(cli, agreed.routings[0], "People said X", "We did Z", quote_words=False)
    assert (quoted.quote_words, quoted.quote) == (True, agreed.body)
    assert (refused.quote_words, refused.quote) == (False, "")
    assert (unasked.quote_words, unasked.quote) == (False, "")
    assert (
        db.session.scalar(select(func.count(PublishedResponse.id)).where(PublishedResponse.submission_id == agreed.id))
        == 2
    )


def test_a_decision_tells_each_address_once_and_nobody_anonymous(apart) -> None:
    from app.commands import Actor
    from app.commands import meetings as meetings_commands

    # A decision is recorded once its meeting has started.
    starts = utcnow() - timedelta(hours=1)
    meeting = Meeting(
        lcp=lcps_by_slug(["seacroft"])[0],
        title=unique("Lunch club meeting"),
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        location="Seacroft",
    )
    meeting.agenda_items = [AgendaItem(title="The lunch club", position=0)]
    db.session.add(meeting)
    db.session.commit()
    item = meeting.agenda_items[0]
    once, other = address("twice"), address("other")
    try:
        commented = [
            make(unique("Comment 1"), agenda_item=item, email=once),
            make(unique("Comment 2"), agenda_item=item, email=once.upper()),
            make(unique("Comment 3"), agenda_item=item, email=other),
        ]
        anonymous = make(unique("Comment 4"), agenda_item=item)
        before = len(mail("decision-recorded"))
        decision = unique("Agreed to fund the lunch club")
        assert meetings_commands.record_decision(Actor.cli(), item, decision).told == 2
        assert len(mail("decision-recorded", once)) == 1
        assert len(mail("decision-recorded", other)) == 1
        assert len(mail("decision-recorded")) == before + 2
        assert decision in mail("decision-recorded", once)[0].text_body
        for submission in commented:
            db.session.refresh(submission)
            assert [e.kind for e in submission.events] == ["received", "decision"]
        db.session.refresh(anonymous)
        assert anonymous.contact is None
        assert db.session.get(AgendaItem, item.id).decision == decision
    finally:
        db.session.delete(meeting)
        db.session.commit()


# The live check and the pre-filled form --------------------------------------------------------------------------


def test_the_live_check_returns_only_that_fields_group_with_its_error(client) -> None:
    page = Page(client.get("/share"))
    token = hidden(page, "csrf_token")
    response = client.post(
        "/share/check/email", data={"csrf_token": token, "contact": "yes", "email": "ann@", "body": ""}
    )
    assert response.status_code == 200
    fragment = Page(response)
    groups = fragment.soup.select("[id^=group-]")
    assert [group["id"] for group in groups] == ["group-email"]
    assert "Enter an email address in the correct format, like name@example.com" in fragment.text("#group-email")
    assert "Tell us what is happening" not in response.get_data(as_text=True)
    assert fragment.soup.select_one("input[name=email]")["value"] == "ann@"

    fine = client.post("/share/check/email", data={"csrf_token": token, "contact": "yes", "email": "ann@example.org"})
    assert fine.status_code == 200 and "nhsuk-error-message" not in fine.get_data(as_text=True)

    for name in ("nonsense", "speaks_for", "csrf_token"):
        assert client.post(f"/share/check/{name}", data={"csrf_token": token}).status_code == 404, name


def test_the_form_arrives_with_the_partnership_and_topic_it_came_from(get_page) -> None:
    page = get_page("/share?lcp=seacroft&topic=housing&lcp=atlantis")
    assert page.h1 == "Tell a Local Care Partnership what is happening"
    ticked = {box["value"] for box in page.soup.select("input[type=checkbox][checked]")}
    assert ticked == {"seacroft", "housing"}
    assert "We do not know a partnership called “atlantis”. Choose from the list." in page.text()


def test_the_form_for_an_upcoming_agenda_item_says_so_and_files_it_there(client, get_page, apart) -> None:
    item = upcoming_item()
    page = get_page(f"/share?item={item.id}")
    assert page.h1 == "Comment on an agenda item"
    assert item.title in page.text(".nhsuk-inset-text")
    assert hidden(page, "item") == str(item.id)
    assert {box["value"] for box in page.soup.select("input[name=lcps][checked]")} == {item.meeting.lcp.slug}
    assert {box["value"] for box in page.soup.select("input[name=topics][checked]")} == {
        topic.slug for topic in item.topics
    }
    body = unique("About the agenda item")
    assert send(client, {"body": body, "lcps": [item.meeting.lcp.slug]}, url=f"/share?item={item.id}").status_code == (
        303
    )
    [submission] = stored(body)
    assert submission.agenda_item_id == item.id


def test_the_form_for_a_past_agenda_item_says_the_meeting_has_happened(client, get_page, apart) -> None:
    item = past_item()
    page = get_page(f"/share?item={item.id}")
    assert page.h1 == "Tell a Local Care Partnership what is happening"
    assert "That agenda item’s meeting has already taken place" in page.text()
    assert hidden(page, "item") == ""
    # Sent anyway with the old item's number, it is filed without it.
    body = unique("Too late for the meeting")
    assert send(client, {"body": body, "item": str(item.id)}).status_code == 303
    [submission] = stored(body)
    assert submission.agenda_item_id is None
