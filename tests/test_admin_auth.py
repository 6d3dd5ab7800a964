"""Staff sign-in through its pages: two factors, enrolment, replayed codes, recovery codes, the growing wait
after wrong attempts, the token between the steps, sessions, where a person lands afterwards.

Everything here goes through the forms as a browser would (CSRF tokens from the pages), against the
one test database, so what is stored (failed attempts, the wait, the last TOTP step, sessions) is what decides.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.admin.access import SESSION_KEY, clean_staff_path
from app.clock import utcnow
from app.commands import Actor, accounts
from app.extensions import db
from app.models import AuditEvent, OutboxMessage, StaffSession, StaffUser
from app.models.staff import token_digest
from app.services import auth
from app.services.staff_mail import SIGN_IN_THROTTLED
from tests.conftest import STAFF_PASSWORD, Page

GENERIC = (
    "The email address or password is not right, or this account cannot sign in now. "
    "After 5 wrong attempts in a row an account must wait before it can try again, even with the right password: "
    "1 minute, then twice as long after each further wrong attempt, up to 60 minutes. "
    "Its owner is sent an email. Wait, then try again, or ask a citywide admin."
)
WRONG_CODE = "Enter the current code from your authenticator app. Each code works once."


def form_post(client: FlaskClient, url: str, data: dict, **kwargs):
    page = Page(client.get(url, **kwargs))
    token = page.soup.select_one("input[name=csrf_token]")
    assert token is not None, f"{url} has no form"
    return client.post(url, data={"csrf_token": token["value"], **data}, **kwargs)


def password_step(client: FlaskClient, email: str, password: str = STAFF_PASSWORD, **kwargs):
    return form_post(client, "/admin/login", {"email": email, "password": password}, **kwargs)


def errors(response) -> list[str]:
    page = Page(response)
    return [" ".join(a.get_text(" ").split()) for a in page.soup.select(".nhsuk-error-summary__list a")]


def fresh(app: Flask, user: StaffUser) -> StaffUser:
    with app.app_context():
        row = db.session.get(StaffUser, user.id)
        db.session.expunge(row)
        return row


def code_for(user: StaffUser, offset_steps: int = 0) -> str:
    generator = pyotp.TOTP(user.totp_secret)
    return generator.generate_otp(generator.timecode(utcnow_local()) + offset_steps)


def utcnow_local():
    from datetime import datetime

    return datetime.now()


def sign_in(app: Flask, client: FlaskClient, user: StaffUser, code: str | None = None):
    response = password_step(client, user.email)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/login/code")
    return form_post(client, "/admin/login/code", {"code": code or code_for(user)})


def audit_actions(app: Flask, user: StaffUser) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == user.id).order_by(AuditEvent.id))
        )


def test_a_password_then_a_code_signs_in_and_the_dashboard_opens(app, client, make_staff) -> None:
    user = make_staff("staff", ("armley",))
    assert client.get("/admin/").headers["Location"].startswith("/admin/login")
    response = sign_in(app, client, user)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    page = Page(client.get("/admin/"))
    assert page.h1.endswith("Staff dashboard")
    assert "Armley" in page.text()
    assert audit_actions(app, user) == ["sign-in"]


def test_every_wrong_answer_gets_the_same_message(app, client, make_staff) -> None:
    user = make_staff()
    disabled = make_staff()
    with app.app_context():
        db.session.get(StaffUser, disabled.id).disabled_at = utcnow()
        db.session.commit()
    answers = [
        password_step(client, user.email, "not the password at all"),
        password_step(client, "nobody-has-this@staff.example.org"),
        password_step(client, disabled.email),
    ]
    for response in answers:
        assert response.status_code == 200
        assert errors(response) == [GENERIC]
        # The address stays in the form; the password never comes back.
        page = Page(response)
        assert page.soup.select_one("#password")["value"] == ""
    assert Page(answers[0]).soup.select_one("#email")["value"] == user.email


def set_user(app: Flask, user: StaffUser, **values) -> None:
    with app.app_context():
        row = db.session.get(StaffUser, user.id)
        for name, value in values.items():
            setattr(row, name, value)
        db.session.commit()


def end_the_wait(app: Flask, user: StaffUser) -> None:
    """As if the wait were over: it ended a moment ago."""
    set_user(app, user, throttled_until=utcnow() - timedelta(seconds=1))


def waits_minutes(app: Flask, user: StaffUser) -> float | None:
    until = fresh(app, user).throttled_until
    return None if until is None else round((until - utcnow()).total_seconds() / 60, 1)


def throttle_mails(app: Flask, user: StaffUser) -> list[OutboxMessage]:
    with app.app_context():
        query = select(OutboxMessage).where(
            OutboxMessage.to_address == user.email, OutboxMessage.kind == SIGN_IN_THROTTLED
        )
        rows = list(db.session.scalars(query.order_by(OutboxMessage.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def wrong_password(app: Flask, user: StaffUser, attempt: int) -> list[str]:
    """A wrong password from a network address and client of its own: the count is the account's, not the browser's."""
    remote = {"environ_base": {"REMOTE_ADDR": f"198.51.100.{attempt % 250 + 1}"}}
    return errors(password_step(app.test_client(), user.email, f"wrong password {attempt}", **remote))


def test_wrong_attempts_make_the_account_wait_longer_and_longer_but_never_lock_it(app, make_staff) -> None:
    user = make_staff()
    for attempt in range(4):
        assert wrong_password(app, user, attempt) == [GENERIC]
    assert fresh(app, user).throttled_until is None
    # The fifth wrong attempt in a row, from yet another address, makes the account wait a minute.
    assert wrong_password(app, user, 4) == [GENERIC]
    stored = fresh(app, user)
    assert (stored.failed_attempts, stored.locked_at) == (5, None)
    assert waits_minutes(app, user) == 1.0
    # While it waits, the right password is refused in the same words as an unknown address, nothing starts a
    # second step, and nothing is counted.
    client = app.test_client()
    assert errors(password_step(client, user.email)) == [GENERIC]
    assert errors(password_step(app.test_client(), "nobody-has-this@staff.example.org")) == [GENERIC]
    assert client.get("/admin/login/code").headers["Location"] == "/admin/login"
    assert wrong_password(app, user, 5) == [GENERIC]
    assert fresh(app, user).failed_attempts == 5
    # Each further wrong attempt after a wait doubles the next one, up to an hour.
    for attempt, minutes in zip(range(6, 14), (2, 4, 8, 16, 32, 60, 60, 60), strict=True):
        end_the_wait(app, user)
        assert wrong_password(app, user, attempt) == [GENERIC]
        assert waits_minutes(app, user) == minutes
    assert fresh(app, user).locked_at is None
    actions = audit_actions(app, user)
    assert "sign-in.locked" not in actions and actions.count("sign-in.throttled") == 9
    # Once the wait is over the right password and code sign in, and the run of failures is over.
    end_the_wait(app, user)
    assert sign_in(app, app.test_client(), user).headers["Location"] == "/admin/"
    stored = fresh(app, user)
    assert (stored.failed_attempts, stored.throttled_until, stored.throttle_notified_at) == (0, None, None)


class WatchedHasher:
    """The Argon2 hasher, telling `watch` of each password it verifies (the real one's attributes are read-only)."""

    def __init__(self, real, watch) -> None:
        self.real, self.watch = real, watch

    def verify(self, stored_hash: str, password: str) -> bool:
        self.watch(password)
        return self.real.verify(stored_hash, password)

    def __getattr__(self, name: str):
        return getattr(self.real, name)


def test_the_wait_is_set_before_the_password_is_checked_so_attempts_at_once_cannot_slip_past(
    app, make_staff, monkeypatch
) -> None:
    """Attempts sent at once: while the one that reaches the limit is being checked, another is turned away."""
    user = make_staff()
    set_user(app, user, failed_attempts=4)
    meanwhile: list[StaffUser | None] = []
    checking: list[str] = []

    def another_request_arrives(password: str) -> None:
        checking.append(password)
        if len(checking) == 1:
            # Another request for the same account arrives now, with the right password.
            meanwhile.append(accounts.check_password(user.email, STAFF_PASSWORD))

    monkeypatch.setattr(auth, "hasher", WatchedHasher(auth.hasher, another_request_arrives))
    with app.test_request_context():
        assert accounts.check_password(user.email, "a wrong guess at the same moment") is None
    assert meanwhile == [None]
    assert fresh(app, user).failed_attempts == 5


def test_a_right_password_does_not_count_and_lifts_the_wait_it_would_have_begun(app, make_staff) -> None:
    user = make_staff()
    set_user(app, user, failed_attempts=4)
    client = app.test_client()
    response = password_step(client, user.email)
    assert response.headers["Location"].endswith("/admin/login/code")
    stored = fresh(app, user)
    assert (stored.failed_attempts, stored.throttled_until) == (4, None)
    assert form_post(client, "/admin/login/code", {"code": code_for(user)}).headers["Location"] == "/admin/"
    assert fresh(app, user).failed_attempts == 0


def test_every_wrong_attempt_costs_one_password_check_whoever_it_names(app, make_staff, monkeypatch) -> None:
    """Timing says nothing: an unknown address, a wrong password and an account that waits all cost one Argon2 check."""
    user = make_staff()
    waiting = make_staff()
    set_user(app, waiting, failed_attempts=5, throttled_until=utcnow() + timedelta(minutes=5))
    calls: list[str] = []
    monkeypatch.setattr(auth, "hasher", WatchedHasher(auth.hasher, calls.append))
    for email, password in (
        ("nobody-has-this@staff.example.org", STAFF_PASSWORD),
        (user.email, "not the password"),
        (waiting.email, STAFF_PASSWORD),
    ):
        client = app.test_client()
        csrf = csrf_from(client, "/admin/login")
        calls.clear()
        response = client.post("/admin/login", data={"csrf_token": csrf, "email": email, "password": password})
        assert errors(response) == [GENERIC]
        assert calls == [password]


def test_the_owner_is_emailed_once_for_each_run_of_wrong_attempts(app, make_staff) -> None:
    user = make_staff(name="Ada Lovelace")
    for attempt in range(5):
        wrong_password(app, user, attempt)
    mails = throttle_mails(app, user)
    assert len(mails) == 1
    mail = mails[0]
    assert mail.subject == "Wrong attempts to sign in to your staff account"
    text = " ".join(mail.text_body.split())
    assert "Hello Ada Lovelace," in text
    assert "There have been 5 wrong attempts in a row to sign in to your staff account" in text
    assert "for the next 1 minute, even with the right password" in text
    assert "If it was not you" in text and "Tell a citywide admin" in text
    assert "/admin/account" in text and "/admin/login" in text
    assert "Sign out everywhere" in mail.html_body and "<h1>" in mail.html_body
    # Further wrong attempts in the same run (waits, and waits ended) send nothing more.
    for attempt in range(5, 9):
        end_the_wait(app, user)
        wrong_password(app, user, attempt)
    assert len(throttle_mails(app, user)) == 1
    # A sign-in ends the run; the next run is told again.
    end_the_wait(app, user)
    sign_in(app, app.test_client(), user)
    auth_reset_step(app, user)
    for attempt in range(5):
        wrong_password(app, user, attempt)
    assert len(throttle_mails(app, user)) == 2


def test_wrong_attempts_never_end_the_sessions_already_open(app, make_staff) -> None:
    user = make_staff()
    signed_in = app.test_client()
    sign_in(app, signed_in, user)
    for attempt in range(12):
        end_the_wait(app, user)
        wrong_password(app, user, attempt)
    assert fresh(app, user).failed_attempts == 12
    assert signed_in.get("/admin/").status_code == 200


def test_wrong_codes_count_towards_the_wait_too(app, make_staff) -> None:
    user = make_staff()
    set_user(app, user, failed_attempts=3)
    client = app.test_client()
    password_step(client, user.email)
    assert fresh(app, user).failed_attempts == 3
    response = form_post(client, "/admin/login/code", {"code": "000000" if code_for(user) != "000000" else "111111"})
    assert errors(response) == [WRONG_CODE]
    assert fresh(app, user).failed_attempts == 4
    response = form_post(client, "/admin/login/code", {"code": "12345x"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/login"
    assert errors(client.get("/admin/login")) == [GENERIC]
    stored = fresh(app, user)
    assert stored.throttled_until is not None and stored.locked_at is None
    # The between-steps token went with it: even once the wait is over, that browser starts again.
    end_the_wait(app, user)
    assert client.get("/admin/login/code").headers["Location"] == "/admin/login"
    assert len(throttle_mails(app, user)) == 1


def test_a_recovery_code_is_not_spent_while_the_account_waits(app, make_staff) -> None:
    user = make_staff()
    with app.app_context():
        codes = auth.new_recovery_codes(db.session.get(StaffUser, user.id))
        db.session.commit()
    client = app.test_client()
    password_step(client, user.email)
    set_user(app, user, failed_attempts=5, throttled_until=utcnow() + timedelta(minutes=1))
    response = form_post(client, "/admin/login/recovery", {"code": codes[0]})
    assert response.headers["Location"] == "/admin/login"
    with app.app_context():
        assert auth.recovery_codes_left(db.session.get(StaffUser, user.id)) == 10


def test_a_code_works_once_even_from_another_browser(app, make_staff) -> None:
    user = make_staff()
    code = code_for(user)
    first, second = app.test_client(), app.test_client()
    assert sign_in(app, first, user, code).headers["Location"] == "/admin/"
    response = sign_in(app, second, user, code)
    assert response.status_code == 200
    assert errors(response) == ["Enter the current code from your authenticator app. Each code works once."]
    assert second.get("/admin/").status_code == 302
    # An older code than the last one accepted is refused as well.
    assert not auth_verify(app, user, code_for(user, -1))


def auth_verify(app: Flask, user: StaffUser, code: str) -> bool:
    with app.app_context():
        return auth.verify_totp(db.session.get(StaffUser, user.id), code)


def test_first_sign_in_enrols_the_authenticator_and_shows_recovery_codes_once(app, client, make_staff) -> None:
    user = make_staff("staff", ("armley",), enrolled=False)
    response = password_step(client, user.email)
    assert response.headers["Location"].endswith("/admin/login/set-up-authenticator")
    page = Page(client.get("/admin/login/set-up-authenticator"))
    svg = page.soup.select_one("svg.app-qr")
    assert svg is not None and svg.find("title").get_text() == "QR code to add this account to an authenticator app"
    secret = page.soup.select_one("#totp-secret").get_text().replace(" ", "")
    assert secret == fresh(app, user).totp_secret
    # The code step cannot be skipped to, and a wrong code is refused with a message.
    assert client.get("/admin/login/code").headers["Location"] == "/admin/login"
    wrong = form_post(client, "/admin/login/set-up-authenticator", {"code": "12"})
    assert errors(wrong) == ["Enter the 6-digit code your authenticator app shows now for this account"]
    response = form_post(client, "/admin/login/set-up-authenticator", {"code": pyotp.TOTP(secret).now()})
    codes = [li.get_text() for li in Page(response).soup.select("#recovery-codes li")]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert fresh(app, user).totp_enrolled_at is not None
    assert client.get("/admin/").status_code == 200
    with app.app_context():
        stored = db.session.scalars(select(auth.RecoveryCode.code_hash).where(auth.RecoveryCode.user_id == user.id))
        hashes = set(stored)
    # Only hashes are kept.
    assert not {code.replace("-", "") for code in codes} & hashes
    assert {token_digest(code.replace("-", "")) for code in codes} == hashes

    # A recovery code signs in once, typed loosely; the second use fails.
    client.post("/admin/logout", data={"csrf_token": csrf_from(client, "/admin/account")})
    for attempt, expected in ((codes[3].lower().replace("-", " "), "/admin/"), (codes[3], None)):
        other = app.test_client()
        password_step(other, user.email)
        response = form_post(other, "/admin/login/recovery", {"code": attempt})
        if expected:
            assert response.headers["Location"] == expected
            assert "You used a recovery code. You have 9 left" in Page(other.get("/admin/")).text()
        else:
            assert errors(response) == ["Enter a recovery code you have not used before, as it was shown to you"]


def csrf_from(client: FlaskClient, url: str) -> str:
    return Page(client.get(url)).soup.select_one("input[name=csrf_token]")["value"]


def session_row(app: Flask, client: FlaskClient) -> StaffSession:
    with client.session_transaction() as session:
        token = session[SESSION_KEY]
    with app.app_context():
        row = db.session.scalar(select(StaffSession).where(StaffSession.token_hash == token_digest(token)))
        db.session.expunge(row)
        return row


def age_session(app: Flask, row: StaffSession, **changes) -> None:
    with app.app_context():
        stored = db.session.get(StaffSession, row.id)
        for name, value in changes.items():
            setattr(stored, name, value)
        db.session.commit()


def test_a_session_ends_after_30_idle_minutes(app, client, make_staff) -> None:
    user = make_staff()
    sign_in(app, client, user)
    row = session_row(app, client)
    age_session(app, row, last_seen_at=utcnow() - timedelta(minutes=29))
    assert client.get("/admin/").status_code == 200
    age_session(app, row, last_seen_at=utcnow() - timedelta(minutes=31))
    response = client.get("/admin/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/admin/login")
    page = Page(client.get(response.headers["Location"]))
    assert "You were signed out after 30 minutes without using the staff area." in page.text()


def test_a_session_ends_after_12_hours_however_busy(app, client, make_staff) -> None:
    user = make_staff()
    sign_in(app, client, user)
    row = session_row(app, client)
    age_session(app, row, started_at=utcnow() - timedelta(hours=11, minutes=59))
    assert client.get("/admin/").status_code == 200
    age_session(app, row, started_at=utcnow() - timedelta(hours=12, minutes=1), last_seen_at=utcnow())
    assert client.get("/admin/").status_code == 302
    assert "because you had been signed in for 12 hours" in Page(client.get("/admin/login")).text()


def test_signing_out_revokes_the_session_so_a_copied_cookie_stops_working(app, client, make_staff) -> None:
    user = make_staff()
    with client.session_transaction() as session:
        session["left-over"] = "from before signing in"
    sign_in(app, client, user)
    with client.session_transaction() as session:
        token = session[SESSION_KEY]
        # Signing in starts a new session: nothing from before survives.
        assert "left-over" not in session
    copy = app.test_client()
    with copy.session_transaction() as session:
        session[SESSION_KEY] = token
    assert copy.get("/admin/").status_code == 200
    response = client.post("/admin/logout", data={"csrf_token": csrf_from(client, "/admin/")})
    assert response.headers["Location"] == "/admin/login"
    assert copy.get("/admin/").status_code == 302
    assert session_row_by_token(app, token).revoked_at is not None
    # A new sign-in (with the next code: each works once) gets a new token.
    sign_in(app, client, user, code_for(user, 1))
    with client.session_transaction() as session:
        assert session[SESSION_KEY] != token
    assert audit_actions(app, user) == ["sign-in", "sign-out", "sign-in"]


def session_row_by_token(app: Flask, token: str) -> StaffSession:
    with app.app_context():
        return db.session.scalar(select(StaffSession).where(StaffSession.token_hash == token_digest(token)))


def test_disabling_an_account_ends_its_sessions_at_once(app, client, make_staff) -> None:
    user = make_staff()
    sign_in(app, client, user)
    with app.app_context():
        db.session.get(StaffUser, user.id).disabled_at = utcnow()
        db.session.commit()
    assert client.get("/admin/").status_code == 302


def test_the_second_step_waits_only_a_few_minutes(app, client, make_staff) -> None:
    user = make_staff()
    password_step(client, user.email)
    assert client.get("/admin/login/code").status_code == 200
    set_user(app, user, pending_started_at=utcnow() - timedelta(minutes=11))
    assert client.get("/admin/login/code").headers["Location"] == "/admin/login"


def forged_session(app: Flask, client: FlaskClient, **entries) -> None:
    """What someone who knows SECRET_KEY can do: read this browser's session cookie, add to it and sign it again."""
    serializer = app.session_interface.get_signing_serializer(app)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    contents = serializer.loads(cookie.value) if cookie else {}
    contents.update(entries)
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], serializer.dumps(contents))


def test_a_session_cookie_forged_with_the_secret_key_cannot_skip_the_password(app, make_staff) -> None:
    """The old between-steps entry was [user id, time]: anyone with the key could forge it for any account and
    sign in with a code alone. Now the second step needs a random token that only the database knows the hash of."""
    user = make_staff()
    client = app.test_client()
    csrf = csrf_from(client, "/admin/login")
    for forged in ([user.id, utcnow().isoformat()], "a-guessed-token", token_digest("a-guessed-token")):
        forged_session(app, client, staff_pending=forged)
        assert client.get("/admin/login/code").headers["Location"] == "/admin/login"
        response = client.post("/admin/login/code", data={"csrf_token": csrf, "code": code_for(user)})
        assert response.status_code == 302 and response.headers["Location"] == "/admin/login"
        assert client.get("/admin/").status_code == 302
    assert "sign-in" not in audit_actions(app, user)


def test_the_between_steps_token_works_once_and_is_kept_only_as_a_hash(app, make_staff) -> None:
    user = make_staff()
    client = app.test_client()
    password_step(client, user.email)
    with client.session_transaction() as session:
        token = session["staff_pending"]
    assert isinstance(token, str) and len(token) >= 40
    assert fresh(app, user).pending_token_hash == token_digest(token)
    copy = app.test_client()
    csrf = csrf_from(copy, "/admin/login")
    forged_session(app, copy, staff_pending=token)
    assert form_post(client, "/admin/login/code", {"code": code_for(user)}).headers["Location"] == "/admin/"
    assert fresh(app, user).pending_token_hash is None
    # A copy of the token, with the next code, signs nobody in.
    response = copy.post("/admin/login/code", data={"csrf_token": csrf, "code": code_for(user, 1)})
    assert response.headers["Location"] == "/admin/login"
    assert copy.get("/admin/").status_code == 302


def test_after_sign_in_only_a_staff_page_is_a_destination(app, make_staff) -> None:
    user = make_staff("admin")
    client = app.test_client()
    assert client.get("/admin/account").headers["Location"] == "/admin/login?next=/admin/account"
    client.get("/admin/login?next=/admin/account")
    assert sign_in(app, client, user).headers["Location"] == "/admin/account"
    for target in ("//evil.example/admin", "https://evil.example/", "/lcps", "/admin\\@evil.example"):
        other = app.test_client()
        other.get(f"/admin/login?next={target}")
        assert sign_in(app, other, user, code_for(user, 1)).headers["Location"] == "/admin/"
        auth_reset_step(app, user)


# Typed and percent-encoded (once or twice); each would be a 500 or a page outside the staff area.
UNCLEAN_NEXT = [
    "/admin/\r\nSet-Cookie: stolen=1",
    "/admin/inbox\r\n",
    "/admin/\n",
    "/admin/\t",
    "/admin/\x00",
    "/admin/\x1b[31m",
    "/admin/\x7f",
    "/admin/\u0085",
    "/admin/\u202eevil",
    "/admin/%0d%0aSet-Cookie:%20stolen=1",
    "/admin/%250d%250a",
    "/admin/inbox?q=%0D%0A",
    "/admin/%09",
    "/admin/%5c%5cevil.example",
    "/admin\\evil.example",
    "/admin/..",
    "/admin/../lcps",
    "/admin/%2e%2e/lcps",
    "/admin/%252e%252e/lcps",
    "/admin//evil.example",
    "/admin/%2F%2Fevil.example",
    "/administrator",
    "/admin.evil.example",
    "/admin#fragment",
    "/admin/ space",
    "/admin/" + "x" * 3000,
    "https://evil.example/admin/",
    "",
    None,
]


@pytest.mark.parametrize("target", UNCLEAN_NEXT)
def test_only_a_clean_path_inside_the_staff_area_is_a_destination(app, target: str | None) -> None:
    with app.test_request_context():
        assert clean_staff_path(target) is None


@pytest.mark.parametrize("target", ["/admin", "/admin/", "/admin/inbox?lcp=armley&status=new", "/admin/staff/3"])
def test_a_clean_staff_path_is_kept_as_it_is(app, target: str) -> None:
    with app.test_request_context():
        assert clean_staff_path(target) == target


def test_control_characters_in_next_go_to_the_dashboard_after_a_real_sign_in(app, make_staff) -> None:
    """A CR or LF in `next=` used to reach the Location header and turn a good sign-in into a 500."""
    user = make_staff("admin")
    for target in ("/admin/\r\nSet-Cookie: stolen=1", "/admin/\t", "/admin/%0d%0a", "/admin/%2e%2e/lcps"):
        client = app.test_client()
        assert client.get("/admin/login", query_string={"next": target}).status_code == 200
        response = sign_in(app, client, user, code_for(user, 1))
        assert response.status_code == 302 and response.headers["Location"] == "/admin/"
        assert "stolen" not in str(response.headers)
        assert client.get("/admin/").status_code == 200
        auth_reset_step(app, user)
    client = app.test_client()
    client.get("/admin/login", query_string={"next": "/admin/inbox?lcp=armley&status=new"})
    assert sign_in(app, client, user, code_for(user, 1)).headers["Location"] == "/admin/inbox?lcp=armley&status=new"


def auth_reset_step(app: Flask, user: StaffUser) -> None:
    """Lets the next test sign-in use the next code again (each step is accepted once)."""
    with app.app_context():
        db.session.get(StaffUser, user.id).totp_last_step = None
        db.session.commit()


def test_forms_without_a_csrf_token_are_refused(app, client, make_staff) -> None:
    user = make_staff()
    assert client.post("/admin/login", data={"email": user.email, "password": STAFF_PASSWORD}).status_code == 400
    sign_in(app, client, user)
    assert client.post("/admin/logout").status_code == 400
    assert client.get("/admin/").status_code == 200


def test_staff_pages_are_never_stored_and_carry_the_site_headers(app, client, make_staff) -> None:
    user = make_staff()
    for url in ("/admin/login",):
        response = client.get(url)
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    sign_in(app, client, user)
    response = client.get("/admin/")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Security-Policy"] == (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    )
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short pass", "Enter a password that is at least 12 characters long"),
        ("password1234", "This password is one of the most common: choose one that is harder to guess"),
        ("!!Sunshine2026!!", "This password is one of the most common: choose one that is harder to guess"),
        ("abcabcabcabc", "This password repeats a short pattern: choose one that is harder to guess"),
        ("zzzzzzzzzzzzzzzz", "This password repeats a short pattern: choose one that is harder to guess"),
        ("my name is jo.bloggs ok", "Do not use your name or email address in your password"),
        ("copper kettle lantern", None),
        ("Pasted: ünïcödé & spaces ✓", None),
    ],
)
def test_passwords_need_length_not_rules(app_context, password: str, problem: str | None) -> None:
    assert auth.password_problem(password, "jo.bloggs@leeds.example", "Jo Bloggs") == problem


def test_passwords_are_stored_as_argon2id(app, make_staff) -> None:
    user = fresh(app, make_staff())
    assert user.password_hash.startswith("$argon2id$")
    assert STAFF_PASSWORD not in user.password_hash


@pytest.fixture
def limited_app(limited_app_with) -> Flask:
    return limited_app_with(STAFF_LOGIN_LIMIT="3 per minute")


def test_sign_in_attempts_are_limited_per_network_address(limited_app, make_staff) -> None:
    client = limited_app.test_client()
    remote = {"environ_base": {"REMOTE_ADDR": "192.0.2.77"}}
    for attempt in range(3):
        assert password_step(client, f"someone{attempt}@staff.example.org", **remote).status_code == 200
    assert password_step(client, "someone@staff.example.org", **remote).status_code == 429
    # Another address is not held back.
    other = {"environ_base": {"REMOTE_ADDR": "192.0.2.78"}}
    assert password_step(client, "someone@staff.example.org", **other).status_code == 200


def test_a_staff_session_leaves_public_pages_the_same_for_everyone(app, staff_client) -> None:
    signed_in, stranger = staff_client("admin"), app.test_client()
    assert signed_in.get("/admin/").status_code == 200
    for url in ("/lcps/hatch", "/"):
        mine, theirs = signed_in.get(url), stranger.get(url)
        assert mine.get_data() == theirs.get_data()
        assert "Set-Cookie" not in mine.headers
        # Only the language can depend on a cookie; a page whose address names its language depends on none.
        assert "Cookie" not in signed_in.get(f"{url}?lang=en_GB").headers.get("Vary", "")


# Sessions that end when a password, a second factor or the account changes ----------------------------------------


def another_session(app: Flask, user: StaffUser) -> FlaskClient:
    """A browser signed in as `user` (the sign-in pages have tests of their own)."""
    client = app.test_client()
    with app.app_context():
        token = accounts.start_session(Actor.staff(db.session.get(StaffUser, user.id)), "test")
    with client.session_transaction() as session:
        session[SESSION_KEY] = token
    return client


def half_signed_in(app: Flask, user: StaffUser) -> FlaskClient:
    """A browser that has given the password and not yet the code."""
    client = app.test_client()
    assert password_step(client, user.email).headers["Location"].endswith("/admin/login/code")
    assert client.get("/admin/login/code").status_code == 200
    return client


def test_changing_your_password_ends_every_other_session_but_this_one(app, make_staff) -> None:
    user = make_staff()
    here, elsewhere = another_session(app, user), another_session(app, user)
    started = half_signed_in(app, user)
    response = form_post(
        here,
        "/admin/account",
        {"action": "password", "password-current": STAFF_PASSWORD, "password-new": "a brand new long passphrase"},
    )
    assert response.headers["Location"] == "/admin/account"
    page = Page(here.get("/admin/account"))
    assert "Your password has been changed, and you have been signed out everywhere else." in page.text()
    assert elsewhere.get("/admin/").status_code == 302
    assert started.get("/admin/login/code").headers["Location"] == "/admin/login"
    with app.app_context():
        assert accounts.check_password(user.email, "a brand new long passphrase") is not None


@pytest.mark.parametrize("change", ["reset-password", "reset-2fa", "disable", "lock"])
def test_an_admin_resetting_disabling_or_locking_an_account_ends_all_its_sessions(app, make_staff, change) -> None:
    admin = another_session(app, make_staff("admin"))
    user = make_staff()
    first, second = another_session(app, user), another_session(app, user)
    started = half_signed_in(app, user)
    url = f"/admin/staff/{user.id}"
    response = admin.post(f"{url}/{change}", data={"csrf_token": csrf_from(admin, url)})
    assert response.status_code in (200, 302)
    assert first.get("/admin/").status_code == 302 and second.get("/admin/").status_code == 302
    assert started.get("/admin/login/code").headers["Location"] == "/admin/login"


def test_sign_out_everywhere_ends_every_session_of_the_person_this_one_too(app, make_staff) -> None:
    user = make_staff()
    here, elsewhere = another_session(app, user), another_session(app, user)
    started = half_signed_in(app, user)
    other_person = another_session(app, make_staff())
    page = Page(here.get("/admin/account"))
    form = page.soup.select_one("form[action='/admin/account/sign-out-everywhere']")
    assert form is not None and form["method"] == "post" and form.select_one("input[name=csrf_token]")
    assert form.select_one("button").get_text(strip=True) == "Sign out everywhere"
    assert here.post("/admin/account/sign-out-everywhere").status_code == 400  # no CSRF token
    response = here.post("/admin/account/sign-out-everywhere", data={"csrf_token": csrf_from(here, "/admin/account")})
    assert response.headers["Location"] == "/admin/login"
    assert "You have been signed out everywhere, on this device too." in Page(here.get("/admin/login")).text()
    for client in (here, elsewhere):
        assert client.get("/admin/").status_code == 302
    assert started.get("/admin/login/code").headers["Location"] == "/admin/login"
    assert other_person.get("/admin/").status_code == 200
    assert "sign-out.everywhere" in audit_actions(app, user)


# The account page's own checks ----------------------------------------------------------------------------------


def test_wrong_codes_on_the_account_page_count_and_make_the_account_wait(app, make_staff) -> None:
    user = make_staff()
    client = another_session(app, user)
    for attempt in range(1, 6):
        response = form_post(client, "/admin/account", {"action": "recovery-codes", "codes-code": "12345x"})
        assert response.status_code == 200
        assert fresh(app, user).failed_attempts == attempt
    assert errors(response)[0].startswith("There have been too many wrong attempts in a row. Try again after ")
    assert fresh(app, user).throttled_until is not None
    # While it waits, even the right code makes nothing, and the person stays signed in.
    response = form_post(client, "/admin/account", {"action": "recovery-codes", "codes-code": code_for(user)})
    assert errors(response)[0].startswith("There have been too many wrong attempts in a row.")
    assert not Page(response).soup.select("#recovery-codes li")
    assert client.get("/admin/").status_code == 200
    assert len(throttle_mails(app, user)) == 1
    # A wrong current password counts the same way.
    end_the_wait(app, user)
    form_post(
        client,
        "/admin/account",
        {"action": "password", "password-current": "not it at all", "password-new": "another long passphrase"},
    )
    assert fresh(app, user).failed_attempts == 6


def test_the_account_page_checks_are_limited_per_network_address(limited_app, make_staff) -> None:
    user = make_staff()
    client = another_session(limited_app, user)
    remote = {"environ_base": {"REMOTE_ADDR": "192.0.2.90"}}
    csrf = csrf_from(client, "/admin/account")
    data = {"csrf_token": csrf, "action": "recovery-codes", "codes-code": "12345x"}
    statuses = [client.post("/admin/account", data=data, **remote).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


# Signed out in the middle of something -------------------------------------------------------------------------


def ended(app: Flask, client: FlaskClient) -> None:
    """The session ends (as after 30 idle minutes, or sign-out elsewhere) while the page stays open."""
    age_session(app, session_row(app, client), revoked_at=utcnow())


def login_next(location: str) -> str | None:
    parts = urlsplit(location)
    assert parts.path == "/admin/login"
    return parse_qs(parts.query).get("next", [None])[0]


def test_an_htmx_change_after_the_session_ended_signs_in_the_whole_window_and_comes_back(app, make_staff) -> None:
    user = make_staff("staff", ("armley",))
    client = another_session(app, user)
    csrf = csrf_from(client, "/admin/account")
    ended(app, client)
    htmx = {"HX-Request": "true", "HX-Current-URL": "http://localhost/admin/inbox?lcp=armley&status=received"}
    response = client.post("/admin/items/1/status", data={"csrf_token": csrf, "status": "closed"}, headers=htmx)
    # No sign-in page pasted into the table row: htmx sends the whole window to sign in.
    assert response.status_code == 200 and response.get_data() == b""
    assert "HX-Request" in response.headers["Vary"]
    assert login_next(response.headers["HX-Redirect"]) == "/admin/inbox?lcp=armley&status=received"
    assert client.get(response.headers["HX-Redirect"]).status_code == 200
    assert sign_in(app, client, user).headers["Location"] == "/admin/inbox?lcp=armley&status=received"
    assert client.get("/admin/inbox?lcp=armley&status=received").status_code == 200


@pytest.mark.parametrize(
    "current",
    [
        "http://localhost/admin/%0d%0aX:%20y",
        "http://localhost/admin/\tx",
        "https://evil.example/",
        "http://localhost/lcps/armley",
        "",
        "::not a url::[",
    ],
)
def test_an_htmx_request_from_an_odd_page_signs_in_to_the_dashboard(app, make_staff, current: str) -> None:
    client = another_session(app, make_staff())
    csrf = csrf_from(client, "/admin/account")
    ended(app, client)
    htmx = {"HX-Request": "true", "HX-Current-URL": current}
    response = client.post("/admin/items/1/status", data={"csrf_token": csrf}, headers=htmx)
    assert response.status_code == 200 and response.headers["HX-Redirect"] == "/admin/login"


def test_a_form_posted_after_the_session_ended_comes_back_to_the_page_it_was_on(app, make_staff) -> None:
    user = make_staff("staff", ("armley",))
    client = another_session(app, user)
    csrf = csrf_from(client, "/admin/account")
    ended(app, client)
    referer = {"Referer": "http://localhost/admin/inbox?lcp=armley"}
    response = client.post("/admin/items/1/status", data={"csrf_token": csrf}, headers=referer)
    assert response.status_code == 302
    assert login_next(response.headers["Location"]) == "/admin/inbox?lcp=armley"
    client.get(response.headers["Location"])
    # Back to the inbox, not to the address the form posts to (which answers only POST: a 405).
    assert sign_in(app, client, user).headers["Location"] == "/admin/inbox?lcp=armley"
    # A form from outside the staff area, or with no Referer, leads to the dashboard.
    for headers in ({"Referer": "http://localhost/lcps/armley"}, {}):
        other = another_session(app, user)
        csrf = csrf_from(other, "/admin/account")
        ended(app, other)
        response = other.post("/admin/items/1/status", data={"csrf_token": csrf}, headers=headers)
        assert response.headers["Location"] == "/admin/login"


# Locking by hand --------------------------------------------------------------------------------------------------


def test_an_admin_locks_and_unlocks_an_account_by_hand(app, make_staff) -> None:
    admin = another_session(app, make_staff("admin"))
    user = make_staff()
    url = f"/admin/staff/{user.id}"
    page = Page(admin.get(url))
    assert page.soup.select_one(f"form[action='{url}/lock'] button").get_text(strip=True) == "Lock account"
    admin.post(f"{url}/lock", data={"csrf_token": csrf_from(admin, url)})
    assert fresh(app, user).locked_at is not None
    assert errors(password_step(app.test_client(), user.email)) == [GENERIC]
    assert "Locked" in Page(admin.get("/admin/staff")).text()
    assert "Unlock account" in Page(admin.get(url)).text()
    admin.post(f"{url}/unlock", data={"csrf_token": csrf_from(admin, url)})
    assert sign_in(app, app.test_client(), user).headers["Location"] == "/admin/"
    with app.app_context():
        about = (AuditEvent.object_type == "staff_user", AuditEvent.object_id == str(user.id))
        actions = db.session.scalars(select(AuditEvent.action).where(*about)).all()
    assert {"staff.lock", "staff.unlock"} <= set(actions)


def test_an_admin_sees_an_account_waiting_and_can_let_it_try_again(app, make_staff) -> None:
    admin = another_session(app, make_staff("admin"))
    user = make_staff()
    for attempt in range(5):
        wrong_password(app, user, attempt)
    url = f"/admin/staff/{user.id}"
    assert "Waiting after wrong attempts" in Page(admin.get("/admin/staff")).text()
    page = Page(admin.get(url))
    assert "After 5 wrong attempts in a row this account cannot try again before" in page.text()
    admin.post(f"{url}/unlock", data={"csrf_token": csrf_from(admin, url)})
    stored = fresh(app, user)
    assert (stored.failed_attempts, stored.throttled_until, stored.locked_at) == (0, None, None)
    assert sign_in(app, app.test_client(), user).headers["Location"] == "/admin/"
