"""Staff sign-in as production serves it: gunicorn with APP_ENV=production, behind a stand-in for nginx.

On a throwaway database (migrated and seeded by the commands a deployment runs), accounts are made with
`flask staff create`, as an operator would, and each browser reads its authenticator code from the account's
TOTP secret. Checked: wrong passwords make an account wait, so that then even the right password is refused in
the words an unknown address gets (and the owner is emailed once); sixteen wrong passwords sent at once, to both
workers, are checked no more than the limit allows; a CR/LF in `next=` is a redirect to the
dashboard, not a 500; and a request from a page whose session has ended, sent by htmx, is answered with an
`HX-Redirect` to the sign-in page that leads back to that page.
"""

from __future__ import annotations

import re
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit
from uuid import uuid4

import pyotp
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import create_engine, text

from tests.live_site import (
    BIN,
    PRODUCTION_SITE_URL,
    ROOT,
    SETUP_TIMEOUT,
    Answer,
    Browser,
    Gunicorn,
    input_value,
    production_environment,
    running_site,
    throwaway_database,
)

PASSWORD = "a long and unusual live-test passphrase"
THROTTLE_AFTER = 5  # the production default of STAFF_THROTTLE_AFTER


@dataclass
class Site:
    server: Gunicorn
    url: str
    env: dict[str, str]
    addresses: Iterator[int] = field(default_factory=lambda: iter(range(20, 250)))

    def browser(self) -> Browser:
        """A browser of its own, from a network address of its own (as nginx reports it), so that the per-address
        limit of one test never holds back another."""
        browser = self.server.browser()
        browser.headers["X-Forwarded-For"] = f"198.51.100.{next(self.addresses)}"
        return browser

    def sql(self, statement: str, **values) -> list[tuple]:
        engine = create_engine(self.url)
        try:
            with engine.begin() as connection:
                result = connection.execute(text(statement), values)
                return [tuple(row) for row in result] if result.returns_rows else []
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    directory = Path(tmp_path_factory.mktemp("staff-security"))
    with throwaway_database(directory, "test_staff_security") as url:
        env = production_environment(url)
        with running_site(env, directory / "gunicorn.log") as server:
            yield Site(server, url, env)


def create_account(site: Site, role: str = "admin") -> str:
    """An account made as an operator makes one: `flask staff create`, the password on stdin."""
    email = f"live-{uuid4().hex[:10]}@staff.example.org"
    command = ["staff", "create", email, "--name", "Live Tester", "--role", role, "--password-stdin"]
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *command],
        cwd=ROOT,
        env=site.env,
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=SETUP_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, f"flask staff create failed:\n{done.stdout}\n{done.stderr}"
    return email


class Authenticator:
    """The person's authenticator app: a code from the account's secret, each time step used once, in order."""

    def __init__(self, site: Site, email: str) -> None:
        [(secret,)] = site.sql("SELECT totp_secret FROM staff_user WHERE email = :email", email=email)
        self.totp = pyotp.TOTP(secret)
        self.last: int | None = None

    def code(self) -> str:
        while True:
            now = self.totp.timecode(datetime.now())
            step = now if self.last is None else max(self.last + 1, now)
            if step <= now + 1:  # the site accepts one step either side of its clock
                self.last = step
                return self.totp.generate_otp(step)
            time.sleep(0.5)


def referer(path: str) -> dict[str, str]:
    """On HTTPS the CSRF check wants a Referer from this site, as a browser sends."""
    return {"Referer": PRODUCTION_SITE_URL + path}


def post_form(browser: Browser, path: str, form: dict, page: str | None = None, **headers: str) -> Answer:
    """Fetches the page holding the form (for its CSRF token) and posts it, as a browser would."""
    shown = browser.open(page or path)
    assert shown.status == 200, f"{page or path}: {shown.status}"
    data = {"csrf_token": input_value(shown.body, "csrf_token"), **form}
    return browser.open(path, form=data, headers={**referer(page or path), **headers})


def error_summary(answer: Answer) -> list[str]:
    soup = BeautifulSoup(answer.body, "html.parser")
    return [" ".join(item.get_text(" ").split()) for item in soup.select(".nhsuk-error-summary__list li")]


def path_of(location: str) -> str:
    parts = urlsplit(location)
    return parts.path + ("?" + parts.query if parts.query else "")


def enrol(site: Site, email: str) -> tuple[Browser, Authenticator]:
    """The first sign-in: the password, then the authenticator set up with its first code. Signed in afterwards."""
    browser, authenticator = site.browser(), Authenticator(site, email)
    answer = post_form(browser, "/admin/login", {"email": email, "password": PASSWORD})
    assert answer.status == 302 and path_of(answer.headers["Location"]) == "/admin/login/set-up-authenticator"
    answer = post_form(browser, "/admin/login/set-up-authenticator", {"code": authenticator.code()})
    assert answer.status == 200 and "recovery-codes" in answer.body
    assert browser.open("/admin/").status == 200
    return browser, authenticator


def sign_in(browser: Browser, email: str, authenticator: Authenticator) -> Answer:
    """The password and a code; the answer to the code (a redirect to where the person goes next)."""
    answer = post_form(browser, "/admin/login", {"email": email, "password": PASSWORD}, page="/admin/login")
    assert answer.status == 302 and path_of(answer.headers["Location"]) == "/admin/login/code", answer.body[:2000]
    return post_form(browser, "/admin/login/code", {"code": authenticator.code()})


def test_wrong_passwords_make_the_account_wait_and_then_the_right_one_is_refused_like_an_unknown_address(
    site: Site,
) -> None:
    email = create_account(site)
    browser = site.browser()
    wrong = [
        post_form(browser, "/admin/login", {"email": email, "password": f"wrong {attempt}"})
        for attempt in range(THROTTLE_AFTER)
    ]
    assert {answer.status for answer in wrong} == {200}
    generic = error_summary(wrong[0])
    assert len(generic) == 1 and "After 5 wrong attempts in a row an account must wait" in generic[0]
    assert all(error_summary(answer) == generic for answer in wrong)
    # Now even the right password, from another address, is refused: no second step, the same words as an
    # address nobody has.
    right = post_form(site.browser(), "/admin/login", {"email": email, "password": PASSWORD})
    unknown = post_form(site.browser(), "/admin/login", {"email": f"nobody-{uuid4().hex[:6]}@x.org", "password": "x"})
    assert right.status == unknown.status == 200
    assert "Location" not in right.headers
    assert error_summary(right) == error_summary(unknown) == generic
    [(failures, waiting, locked)] = site.sql(
        "SELECT failed_attempts, throttled_until IS NOT NULL, locked_at IS NOT NULL FROM staff_user "
        "WHERE email = :email",
        email=email,
    )
    assert (failures, bool(waiting), bool(locked)) == (THROTTLE_AFTER, True, False)
    # The owner is told once, with what to do if it was not them.
    mails = site.sql(
        "SELECT subject, text_body FROM outbox_message WHERE to_address = :email AND kind = 'staff-sign-in-throttled'",
        email=email,
    )
    assert len(mails) == 1
    subject, body = mails[0]
    assert subject == "Wrong attempts to sign in to your staff account"
    assert "If it was not you" in body and PRODUCTION_SITE_URL + "/admin/account" in body


def test_wrong_passwords_sent_at_once_are_checked_no_more_than_the_limit_allows(site: Site) -> None:
    """Sixteen guesses at once from sixteen addresses: each is counted before it is checked, so once the fifth has
    started the wait, the rest are turned away unchecked (and uncounted), whichever worker takes them."""
    email = create_account(site)
    browsers = [site.browser() for _ in range(16)]
    forms = [input_value(browser.open("/admin/login").body, "csrf_token") for browser in browsers]
    start = threading.Barrier(len(browsers))
    answers: list[Answer] = []

    def guess(browser: Browser, csrf: str, number: int) -> None:
        start.wait()
        form = {"csrf_token": csrf, "email": email, "password": f"guess {number}"}
        answers.append(browser.open("/admin/login", form=form, headers=referer("/admin/login")))

    threads = [
        threading.Thread(target=guess, args=(browser, csrf, number))
        for number, (browser, csrf) in enumerate(zip(browsers, forms, strict=True))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [answer.status for answer in answers] == [200] * len(browsers)
    [(failures,)] = site.sql("SELECT failed_attempts FROM staff_user WHERE email = :email", email=email)
    assert failures == THROTTLE_AFTER
    [(told,)] = site.sql(
        "SELECT count(*) FROM outbox_message WHERE to_address = :email AND kind = 'staff-sign-in-throttled'",
        email=email,
    )
    assert told == 1


def test_a_cr_lf_in_next_is_a_redirect_to_the_dashboard_not_a_server_error(site: Site) -> None:
    email = create_account(site)
    enrolled, authenticator = enrol(site, email)
    answer = post_form(enrolled, "/admin/logout", {}, page="/admin/account")
    assert answer.status == 302
    browser = site.browser()
    shown = browser.open("/admin/login?next=/admin/%0D%0ASet-Cookie:%20stolen=1%0D%0A%0D%0A")
    assert shown.status == 200
    answer = sign_in(browser, email, authenticator)
    assert answer.status == 302, answer.body[:2000]
    assert path_of(answer.headers["Location"]) == "/admin/"
    assert "stolen" not in str(answer.headers)
    assert browser.open("/admin/").status == 200


def test_an_htmx_change_after_the_session_ended_gets_hx_redirect_and_sign_in_comes_back(site: Site) -> None:
    email = create_account(site)
    browser, authenticator = enrol(site, email)
    inbox = "/admin/inbox?lcp=armley"
    assert browser.open(inbox).status == 200
    csrf = input_value(browser.open("/admin/account").body, "csrf_token")
    # The session ends while the page stays open (as after 30 idle minutes).
    site.sql(
        "UPDATE staff_session SET revoked_at = started_at WHERE user_id = "
        "(SELECT id FROM staff_user WHERE email = :email)",
        email=email,
    )
    htmx = {"HX-Request": "true", "HX-Current-URL": PRODUCTION_SITE_URL + inbox, **referer(inbox)}
    answer = browser.open("/admin/items/1/status", form={"csrf_token": csrf, "status": "closed"}, headers=htmx)
    assert answer.status == 200 and answer.body == ""
    location = answer.headers["HX-Redirect"]
    assert urlsplit(location).path == "/admin/login"
    assert parse_qs(urlsplit(location).query)["next"] == [inbox]
    # The same form without htmx goes to sign in with the page it was on, not the POST-only address.
    plain = browser.open("/admin/items/1/status", form={"csrf_token": csrf}, headers=referer(inbox))
    assert plain.status == 302
    assert parse_qs(urlsplit(plain.headers["Location"]).query)["next"] == [inbox]
    # htmx sends the whole window to the sign-in page; signing in returns the person to the inbox.
    assert browser.open(location).status == 200
    answer = sign_in(browser, email, authenticator)
    assert answer.status == 302 and path_of(answer.headers["Location"]) == inbox
    page = browser.open(inbox)
    assert page.status == 200 and re.search(r"<h1[^>]*>", page.body)


CURSORS = ["99999999999999999999999", "2026-01-01T00:00:00_99999999999999999999999", "9999-12-31T23:59:59_1", "١٢"]


def test_a_paging_cursor_the_site_could_not_have_made_is_the_first_page_not_a_server_error(site: Site) -> None:
    browser, _authenticator = enrol(site, create_account(site))
    for page in ("/admin/inbox", "/admin/people"):
        for name in ("after", "before"):
            for cursor in CURSORS:
                answer = browser.open(f"{page}?{name}={quote(cursor)}")
                assert answer.status == 200, f"{page}?{name}={cursor}: {answer.status}"


def test_a_name_with_a_right_to_left_override_is_refused_and_not_stored(site: Site) -> None:
    """A staff member's name shows on the people and audit pages; an RLO in it would show reversed there."""
    browser, _authenticator = enrol(site, create_account(site))
    email = f"rlo-{uuid4().hex[:8]}@staff.example.org"
    answer = post_form(browser, "/admin/staff/new", {"email": email, "name": "Ann \u202eeldeeB", "role": "viewer"})
    assert answer.status == 200
    assert any("hidden control characters" in problem for problem in error_summary(answer))
    assert site.sql("SELECT id FROM staff_user WHERE email = :email", email=email) == []
