"""Staff sign-in through its pages: two factors, enrolment, replayed codes, recovery codes, lockout, sessions.

Everything here goes through the forms as a browser would (CSRF tokens from the pages), against the
one test database, so what is stored (failed attempts, the last TOTP step, sessions) is what decides.
"""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.admin.access import SESSION_KEY
from app.extensions import db
from app.formatting import utcnow
from app.models import AuditEvent, StaffSession, StaffUser
from app.models.staff import token_digest
from app.services import auth
from tests.conftest import STAFF_PASSWORD, Page

GENERIC = (
    "The email address or password is not right, or this account cannot sign in now. "
    "After 10 wrong attempts an account is locked: a citywide admin can unlock it."
)


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


def test_ten_failures_lock_the_account_in_the_database_across_addresses(app, make_staff) -> None:
    user = make_staff()
    for attempt in range(10):
        # Each from another network address and another client: the count is the account's, not the browser's.
        client = app.test_client()
        remote = {"environ_base": {"REMOTE_ADDR": f"198.51.100.{attempt + 1}"}}
        assert errors(password_step(client, user.email, f"wrong password {attempt}", **remote)) == [GENERIC]
    stored = fresh(app, user)
    assert stored.failed_attempts == 10 and stored.locked_at is not None
    # The right password now fails in the same words, and nothing starts a second step.
    client = app.test_client()
    response = password_step(client, user.email)
    assert errors(response) == [GENERIC]
    assert "sign-in.locked" in audit_actions(app, user)
    assert client.get("/admin/login/code").headers["Location"] == "/admin/login"
    # An admin unlocking it lets the person in again.
    with app.app_context():
        auth.unlock(db.session.get(StaffUser, user.id))
        db.session.commit()
    assert sign_in(app, app.test_client(), user).headers["Location"] == "/admin/"
    assert fresh(app, user).failed_attempts == 0


def test_wrong_codes_count_towards_the_lockout_too(app, make_staff) -> None:
    user = make_staff()
    with app.app_context():
        db.session.get(StaffUser, user.id).failed_attempts = 8
        db.session.commit()
    client = app.test_client()
    password_step(client, user.email)
    response = form_post(client, "/admin/login/code", {"code": "000000" if code_for(user) != "000000" else "111111"})
    assert errors(response) == ["Enter the current code from your authenticator app. Each code works once."]
    response = form_post(client, "/admin/login/code", {"code": "12345x"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/login"
    assert errors(client.get("/admin/login")) == [GENERIC]
    assert fresh(app, user).locked_at is not None


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
    with client.session_transaction() as session:
        user_id, _when = session["staff_pending"]
        session["staff_pending"] = [user_id, (utcnow() - timedelta(minutes=11)).isoformat()]
    assert client.get("/admin/login/code").headers["Location"] == "/admin/login"


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
