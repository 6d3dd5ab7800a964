"""A request's Host header never reaches a link the site sends: emails, feeds, calendars and hreflang use SITE_URL.

Each form that queues an email is sent as an attacker would, with `Host: evil.example`, and every message it
queued is read back from the outbox: none may name that host, and each carries links on SITE_URL (the test
client's own `http://localhost`). Production goes further and refuses the request (tests/test_hosts_live.py runs
it against gunicorn; here the production app answers 400 before any view runs).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select

from app.commands import Actor
from app.commands import sharing as sharing_commands
from app.extensions import db
from app.models import Follower, Lcp, OutboxMessage, Submission, Topic
from tests.conftest import Page, production_app_on

FORGED = "evil.example"
SITE = "http://localhost"
LINK = re.compile(r"https?://[^\s\"'<>)\]]+")


def forged(client: FlaskClient) -> FlaskClient:
    """The client's cookies, also sent to the forged host, as one browser talking to a lying proxy would."""
    for cookie in list(client._cookies.values()):
        client.set_cookie(cookie.key, cookie.value, domain=FORGED, path=cookie.path)
    return client


def new_mail(since: int) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.id > since).order_by(OutboxMessage.id)))


def last_mail_id() -> int:
    return db.session.scalar(select(db.func.max(OutboxMessage.id))) or 0


def assert_links_on_the_site(messages: list[OutboxMessage], kinds: set[str]) -> None:
    assert {message.kind for message in messages} >= kinds, [message.kind for message in messages]
    for message in messages:
        whole = "\n".join((message.text_body, message.html_body, message.headers or ""))
        assert FORGED not in whole, f"{message.kind} email names the forged host"
        links = LINK.findall(whole)
        ours = [link for link in links if link.startswith(SITE + "/")]
        assert ours, f"{message.kind} email has no link to the site"
        assert all(link.startswith((SITE + "/", "https://www.nhs.uk", "http://www.w3.org")) for link in links), links


def form_values(page: Page) -> dict[str, str]:
    return {field["name"]: field.get("value", "") for field in page.soup.select("form[method=post] input[type=hidden]")}


@pytest.fixture
def evil(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def alerting_topic(app: Flask, make_staff) -> Iterator[tuple[str, str]]:
    """Seacroft raises a theme alert on the first item about a topic, to a staff member of its own."""
    make_staff("staff", ("seacroft",))
    with app.app_context():
        lcp = db.session.scalar(select(Lcp).where(Lcp.slug == "seacroft"))
        saved = (lcp.theme_alert_count, lcp.theme_alert_days)
        lcp.theme_alert_count, lcp.theme_alert_days = 1, 1
        topic = db.session.scalars(select(Topic).order_by(Topic.slug)).first()
        db.session.commit()
        slug = topic.slug
    yield "seacroft", slug
    with app.app_context():
        lcp = db.session.scalar(select(Lcp).where(Lcp.slug == "seacroft"))
        lcp.theme_alert_count, lcp.theme_alert_days = saved
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.kind == "theme-alert"))
        db.session.commit()


def share_forged(client: FlaskClient, **answers) -> str:
    base = f"http://{FORGED}"
    page = Page(client.get("/share", base_url=base))
    body = f"Forged host test {uuid4().hex}"
    data = {**form_values(page), "body": body, "speaks_for": "self", **answers}
    response = client.post("/share", data=data, base_url=base)
    assert response.status_code in (302, 303), response.status_code
    assert FORGED not in response.headers.get("Location", "").replace(f"//{FORGED}/", "//")
    return body


def test_share_with_a_forged_host_queues_receipt_and_theme_alert_with_links_on_the_site(
    app, evil, alerting_topic
) -> None:
    lcp, topic = alerting_topic
    with app.app_context():
        since = last_mail_id()
    email = f"forged-{uuid4().hex[:10]}@example.org"
    body = share_forged(evil, lcps=[lcp], topics=[topic], contact="yes", email=email, wants_updates="y")
    with app.app_context():
        assert db.session.scalar(select(Submission.id).where(Submission.body == body))
        messages = new_mail(since)
        assert_links_on_the_site(messages, {"receipt", "theme-alert"})
        receipt = next(message for message in messages if message.kind == "receipt")
        assert f"{SITE}/track/" in receipt.text_body
        assert re.search(rf"{SITE}/track/[^/\s]+/more/", receipt.text_body) or "manage" not in receipt.text_body
        alert = next(message for message in messages if message.kind == "theme-alert")
        assert f"{SITE}/admin/inbox?" in alert.text_body


def test_register_and_a_lost_link_with_a_forged_host_queue_links_on_the_site(app, evil) -> None:
    base = f"http://{FORGED}"
    email = f"forged-{uuid4().hex[:10]}@example.org"
    with app.app_context():
        since = last_mail_id()
        lcp = db.session.scalar(select(Lcp.slug).order_by(Lcp.slug))
    page = Page(evil.get("/register", base_url=base))
    data = {
        **form_values(page),
        "email": email,
        "kind": "resident",
        "lcps": [lcp],
        "frequency": "weekly",
        "consent": "y",
    }
    data.setdefault("language", "en_GB")
    response = evil.post("/register", data=data, base_url=base)
    assert response.status_code in (302, 303), Page(response).text()
    # Registering again sends the "already registered" email, with the person's own signed links.
    page = Page(evil.get("/register", base_url=base))
    evil.post(
        "/register", data={**form_values(page), **{k: v for k, v in data.items() if k != "csrf_token"}}, base_url=base
    )
    with app.app_context():
        follower = db.session.scalar(select(Follower).where(Follower.email == email))
        follower.confirmed_at = db.func.now()
        db.session.commit()
    page = Page(evil.get("/preferences", base_url=base))
    response = evil.post("/preferences", data={**form_values(page), "email": email}, base_url=base)
    assert response.status_code in (200, 302, 303)
    with app.app_context():
        messages = new_mail(since)
        assert_links_on_the_site(messages, {"confirm", "preferences-link"})
        confirm = next(message for message in messages if message.kind == "confirm")
        assert f"{SITE}/confirm/" in confirm.text_body
        personal = next(message for message in messages if message.kind == "preferences-link")
        assert f"<{SITE}/unsubscribe/" in personal.headers


def test_a_staff_change_with_a_forged_host_emails_links_on_the_site(app, staff_client) -> None:
    """A status change (here: marked as a duplicate) emails the person who asked for updates."""
    from app.services import sharing
    from app.services.people import lcps_by_slug
    from app.services.sharing import ContactInput, ShareInput

    email = f"forged-{uuid4().hex[:10]}@example.org"
    with app.test_request_context():
        original = sharing_commands.share(
            Actor.resident(), ShareInput(body=f"First {uuid4().hex}", lcps=lcps_by_slug(["armley"]))
        ).submission
        duplicate = sharing_commands.share(
            Actor.resident(),
            ShareInput(
                body=f"Second {uuid4().hex}",
                lcps=lcps_by_slug(["armley"]),
                contact=ContactInput(email=email, wants_updates=True),
            ),
        ).submission
        code, duplicate_id = sharing.format_code(original.receipt_code), duplicate.id
        since = last_mail_id()
    client = forged(staff_client("staff", ("armley",)))
    url = f"/admin/submissions/{duplicate_id}"
    base = f"http://{FORGED}"
    token = Page(client.get(url, base_url=base)).soup.select_one("input[name=csrf_token]")["value"]
    response = client.post(f"{url}/duplicate", data={"csrf_token": token, "code": code}, base_url=base)
    assert response.status_code == 303
    with app.app_context():
        assert_links_on_the_site(new_mail(since), {"status-changed"})


def test_wrong_passwords_with_a_forged_host_email_the_owner_links_on_the_site(app, make_staff) -> None:
    """The sign-in form sends an email too: the notice to an account's owner that it must wait after wrong attempts."""
    from app.services.staff_mail import SIGN_IN_THROTTLED

    user = make_staff("staff")
    client = app.test_client()
    base = f"http://{FORGED}"
    with app.app_context():
        since = last_mail_id()
    for _attempt in range(app.config["STAFF_THROTTLE_AFTER"]):
        page = Page(client.get("/admin/login", base_url=base))
        data = {**form_values(page), "email": user.email, "password": "not the password at all"}
        assert client.post("/admin/login", data=data, base_url=base).status_code in (200, 302)
    with app.app_context():
        messages = new_mail(since)
        assert_links_on_the_site(messages, {SIGN_IN_THROTTLED})
        assert f"{SITE}/admin/login" in messages[-1].text_body


@pytest.mark.parametrize("path", ["/meetings.ics", "/updates.atom", "/lcps/armley/meetings.ics", "/subscribe", "/"])
def test_feeds_calendars_and_page_links_never_name_the_forged_host(client, path) -> None:
    response = client.get(path, base_url=f"http://{FORGED}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert FORGED not in text
    if path.endswith((".ics", ".atom")):
        assert f"{SITE}/" in text
    # What the forged request left in the page cache is what everyone else gets: still nothing of that host.
    assert FORGED not in client.get(path).get_data(as_text=True)


# Where absolute links may come from: app/links.py alone builds them, from SITE_URL.
FROM_THE_REQUEST = re.compile(r"_external\s*=|request\.(host|host_url|url_root|url|base_url|root_url)\b")


def test_no_code_builds_an_absolute_address_from_the_request() -> None:
    root = Path(__file__).resolve().parent.parent / "app"
    found = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for path in sorted([*root.rglob("*.py"), *(root / "templates").rglob("*.*")])
        if path.name != "links.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if FROM_THE_REQUEST.search(line)
    ]
    assert found == [], "build absolute links with app.links.absolute_url_for (SITE_URL), never from the request"


def test_production_answers_400_to_a_host_it_does_not_serve(app) -> None:
    production = production_app_on(app, TRUSTED_HOSTS="10.0.0.5", TRUSTED_PROXY_COUNT="0")
    client = production.test_client()
    with production.app_context():
        since = last_mail_id()
    for host in (FORGED, "lcp.example.org.evil.example", "127.0.0.1"):
        assert client.get("/", base_url=f"https://{host}").status_code == 400
        assert client.post("/share", data={"body": "x"}, base_url=f"https://{host}").status_code == 400
        assert client.post("/register", data={"email": "a@b.c"}, base_url=f"https://{host}").status_code == 400
    assert client.get("/", base_url="https://lcp.example.org").status_code == 200
    assert client.get("/healthz", base_url="https://10.0.0.5").status_code == 200
    with production.app_context():
        assert new_mail(since) == []
