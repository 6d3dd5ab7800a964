"""The staff account commands: one rule and one audit record for each change, from the staff pages and from `flask
staff …`; sign-in steps that commit the counted attempt before checking it; and services that leave the
transaction, the audit log and the emails to the commands.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pyotp
import pytest
from flask import Flask
from sqlalchemy import func, select

from app.clock import utcnow
from app.commands import Actor, CommandRefused, Forbidden, accounts, login_name
from app.extensions import db
from app.models import AuditEvent, Lcp, OutboxMessage, StaffSession, StaffUser
from app.services import auth
from app.services.staff_mail import SIGN_IN_THROTTLED
from tests.conftest import STAFF_PASSWORD, Page

CLI = f"cli:{login_name()}"
ADDRESS = "203.0.113.45"


@pytest.fixture
def addresses(app: Flask) -> Iterator[list[str]]:
    """Addresses for accounts a test makes through a command; the accounts go afterwards."""
    made: list[str] = []
    yield made
    with app.app_context():
        for email in made:
            user = auth.find_staff(email)
            if user is not None:
                db.session.delete(user)
        db.session.commit()


def fresh_address(made: list[str]) -> str:
    made.append(f"cmd-{uuid.uuid4().hex[:10]}@staff.example.org")
    return made[-1]


def lcp(slug: str = "armley") -> Lcp:
    return db.session.scalar(select(Lcp).where(Lcp.slug == slug))


def events(user_id: int, since: int = 0) -> list[AuditEvent]:
    query = select(AuditEvent).where(
        AuditEvent.object_type == "staff_user", AuditEvent.object_id == str(user_id), AuditEvent.id > since
    )
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


def last_event_id() -> int:
    return db.session.scalar(select(func.max(AuditEvent.id))) or 0


# A citywide admin's changes, the same from the staff pages and the command line ----------------------------------


def test_an_account_made_on_the_staff_pages_and_from_the_command_line_reads_the_same(
    app, staff_client, staff_post, addresses
) -> None:
    admin = staff_client("admin")
    on_site, on_cli = fresh_address(addresses), fresh_address(addresses)
    with app.app_context():
        # Ids of deleted accounts can come round again: only events from now on.
        before = last_event_id()
    response = staff_post(
        admin, "/admin/staff/new", {"name": "Same Person", "email": on_site, "role": "viewer", "lcps": ["armley"]}
    )
    assert response.status_code == 200 and "Same Person" in Page(response).text()
    result = app.test_cli_runner().invoke(
        args=["staff", "create", on_cli, "--name", "Same Person", "--role", "viewer", "--lcp", "armley"],
        input="a long and unusual passphrase\n" * 2,
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        site_event, cli_event = (events(auth.find_staff(email).id, before)[0] for email in (on_site, on_cli))
        assert (site_event.action, cli_event.action) == ("staff.create", "staff.create")
        assert (site_event.actor_label, cli_event.actor_label) == (admin.user.email, CLI)
        assert site_event.summary == f"account made for {on_site}"
        assert cli_event.summary == f"account made for {on_cli}"
        assert site_event.after.replace(on_site, "x") == cli_event.after.replace(on_cli, "x")
        assert site_event.address == "127.0.0.1" and cli_event.address == ""


def test_lcp_staff_and_viewers_need_a_partnership_whoever_asks(app, make_staff, addresses) -> None:
    """The one rule of both: the form asked for one on the site, the command line by its own check; now the command
    refuses a new account, and a change of access, without one."""
    admin = make_staff("admin")
    person = make_staff("staff", ("armley",))
    with app.app_context():
        for actor in (Actor.cli(), Actor.staff(db.session.get(StaffUser, admin.id))):
            with pytest.raises(accounts.NeedsPartnership):
                accounts.create_account(actor, fresh_address(addresses), "No Lcp", "viewer", [])
            with pytest.raises(accounts.NeedsPartnership):
                accounts.change_access(actor, db.session.get(StaffUser, person.id), "staff", [])
            with pytest.raises(CommandRefused, match="role must be one of"):
                accounts.create_account(actor, fresh_address(addresses), "Odd", "superuser", [lcp()])
        assert [lcp.slug for lcp in db.session.get(StaffUser, person.id).lcps] == ["armley"]
        assert all(auth.find_staff(email) is None for email in addresses)
        # A citywide admin needs none, and keeps none.
        made = accounts.create_account(Actor.cli(), fresh_address(addresses), "Admin", "admin", [lcp()])
        assert made.user.lcps == [] and auth.password_problem(made.password) is None


def test_only_a_citywide_admin_or_the_command_line_changes_accounts(app, make_staff) -> None:
    person = make_staff("staff", ("armley",))
    with app.app_context():
        target = db.session.get(StaffUser, person.id)
        for role in ("staff", "viewer"):
            other = db.session.get(StaffUser, make_staff(role, ("armley",)).id)
            with pytest.raises(Forbidden):
                accounts.lock(Actor.staff(other), target)
        with pytest.raises(Forbidden):
            accounts.disable(Actor.resident(ADDRESS), target)
        with pytest.raises(Forbidden):
            accounts.load_demo_staff(Actor.resident(ADDRESS))
        assert db.session.get(StaffUser, person.id).locked_at is None


def test_an_admin_never_changes_their_own_account_here_but_the_command_line_may_change_any(app, make_staff) -> None:
    admin = make_staff("admin")
    with app.app_context():
        user = db.session.get(StaffUser, admin.id)
        before = last_event_id()
        for change in (accounts.disable, accounts.lock, accounts.reset_second_factor, accounts.reset_password):
            with pytest.raises(accounts.SelfChangeRefused, match="Ask another citywide admin"):
                change(Actor.staff(user), user)
        with pytest.raises(accounts.SelfChangeRefused):
            accounts.change_access(Actor.staff(user), user, "viewer", [lcp()])
        assert events(admin.id, before) == []
        accounts.lock(Actor.cli(), user)
        accounts.unlock(Actor.cli(), user)
        assert [(event.action, event.actor_label) for event in events(admin.id, before)] == [
            ("staff.lock", CLI),
            ("staff.unlock", CLI),
        ]


def test_each_admin_change_commits_with_its_audit_record(app, make_staff) -> None:
    admin, person = make_staff("admin"), make_staff("staff", ("armley",))
    with app.app_context():
        actor = Actor.staff(db.session.get(StaffUser, admin.id), ADDRESS)
        before = last_event_id()
        user = db.session.get(StaffUser, person.id)
        assert accounts.change_access(actor, user, "viewer", [lcp()]) is True
        assert accounts.change_access(actor, user, "viewer", [lcp()]) is False
        accounts.disable(actor, user)
        accounts.enable(actor, user)
        password = accounts.reset_password(actor, user)
    with app.app_context():  # a new session: only what was committed
        user = db.session.get(StaffUser, person.id)
        assert (user.role, user.disabled_at) == ("viewer", None)
        assert auth.verify_password(user, password)
        rows = [(event.action, event.summary, event.actor_label, event.address) for event in events(person.id, before)]
    assert rows == [
        ("staff.permissions", "access changed; signed out everywhere", actor.label, ADDRESS),
        ("staff.disable", "account disabled; signed out everywhere", actor.label, ADDRESS),
        ("staff.enable", "account enabled", actor.label, ADDRESS),
        ("staff.reset-password", "password reset; signed out everywhere", actor.label, ADDRESS),
    ]


# Signing in ------------------------------------------------------------------------------------------------------


def failed_attempts(app: Flask, user_id: int) -> int:
    """As another connection sees it: only what was committed."""
    with app.app_context(), db.engine.connect() as other:
        return other.execute(select(StaffUser.failed_attempts).where(StaffUser.id == user_id)).scalar_one()


class SpyHasher:
    def __init__(self, real, watch) -> None:
        self.real, self.watch = real, watch

    def verify(self, stored_hash: str, password: str) -> bool:
        self.watch()
        return self.real.verify(stored_hash, password)

    def __getattr__(self, name: str):
        return getattr(self.real, name)


@pytest.mark.no_rollback  # another connection reads what was committed
def test_the_counted_attempt_is_committed_before_the_password_is_checked(app, make_staff, monkeypatch) -> None:
    user = make_staff()
    seen: list[int] = []
    monkeypatch.setattr(auth, "hasher", SpyHasher(auth.hasher, lambda: seen.append(failed_attempts(app, user.id))))
    with app.app_context():
        with pytest.raises(accounts.SignInRefused):
            accounts.sign_in_password(user.email, "not the password at all", ADDRESS)
        assert seen == [1]
        accepted = accounts.sign_in_password(user.email, STAFF_PASSWORD, ADDRESS)
        assert seen == [1, 2] and accepted.enrolled and len(accepted.token) >= 40
    # The right one is given back; the wrong one still counts.
    assert failed_attempts(app, user.id) == 1


def test_the_first_wait_is_recorded_and_emailed_in_the_attempts_transaction(app, make_staff) -> None:
    user = make_staff(name="Grace Hopper")
    with app.app_context():
        before = last_event_id()
        for attempt in range(5):
            with pytest.raises(accounts.SignInRefused):
                accounts.sign_in_password(user.email, f"wrong {attempt}", ADDRESS)
        # While it waits, even the right password is refused, and nothing more is counted or sent.
        with pytest.raises(accounts.SignInRefused):
            accounts.sign_in_password(user.email, STAFF_PASSWORD, ADDRESS)
    with app.app_context():
        rows = [(event.action, event.actor_id, event.address) for event in events(user.id, before)]
        mails = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.to_address == user.email, OutboxMessage.kind == SIGN_IN_THROTTLED)
        ).all()
        stored = db.session.get(StaffUser, user.id)
        assert (stored.failed_attempts, stored.throttle_notified_at is not None) == (5, True)
    assert rows == [("sign-in.failed", user.id, ADDRESS)] * 5 + [
        ("sign-in.throttled", user.id, ADDRESS),
        ("sign-in.refused", user.id, ADDRESS),
    ]
    assert len(mails) == 1 and "Hello Grace Hopper," in mails[0].text_body


def test_an_unknown_address_is_recorded_under_the_address_typed(app) -> None:
    email = f"nobody-{uuid.uuid4().hex[:8]}@staff.example.org"
    with app.app_context():
        with pytest.raises(accounts.SignInRefused):
            accounts.sign_in_password(email.upper(), "whatever it is", ADDRESS)
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.actor_label == email))
        assert (event.action, event.summary, event.address) == ("sign-in.failed", "unknown address", ADDRESS)


def code_now(user: StaffUser) -> str:
    return pyotp.TOTP(user.totp_secret).now()


def test_the_second_step_spends_the_token_and_signs_in_once(app, make_staff) -> None:
    user = make_staff()
    with app.app_context():
        accepted = accounts.sign_in_password(user.email, STAFF_PASSWORD, ADDRESS)
        with pytest.raises(accounts.WrongCode) as wrong:
            accounts.sign_in_with_code(accepted.token, "12345x", ADDRESS)
        assert (wrong.value.until, wrong.value.waiting) == (None, False)
        signed_in = accounts.sign_in_with_code(accepted.token, code_now(user), ADDRESS)
        assert accounts.resume_session(signed_in.token).user.id == user.id
        # The token was spent: another browser holding a copy starts again.
        with pytest.raises(accounts.StartAgain):
            accounts.sign_in_with_code(accepted.token, code_now(user), ADDRESS)
        sign_in = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "sign-in", AuditEvent.actor_id == user.id)
        ).all()
        assert [(event.summary, event.address) for event in sign_in] == [("password and authenticator code", ADDRESS)]


def test_enrolment_sets_up_the_authenticator_and_makes_recovery_codes_once(app, make_staff) -> None:
    user = make_staff(enrolled=False)
    with app.app_context():
        accepted = accounts.sign_in_password(user.email, STAFF_PASSWORD, ADDRESS)
        assert not accepted.enrolled
        with pytest.raises(accounts.StartAgain):  # the code step is for an enrolled account
            accounts.sign_in_with_code(accepted.token, code_now(accepted.user), ADDRESS)
        before = last_event_id()
        signed_in = accounts.enrol_authenticator(accepted.token, code_now(accepted.user), ADDRESS)
        assert len(signed_in.codes) == 10
    with app.app_context():
        stored = db.session.get(StaffUser, user.id)
        assert stored.totp_enrolled_at is not None and auth.recovery_codes_left(stored) == 10
        assert [event.action for event in events(user.id, before)] == ["account.enrolled", "sign-in"]


def test_a_recovery_code_signs_in_once_and_says_how_many_are_left(app, make_staff) -> None:
    user = make_staff()
    with app.app_context():
        codes = auth.new_recovery_codes(db.session.get(StaffUser, user.id))
        db.session.commit()
        accepted = accounts.sign_in_password(user.email, STAFF_PASSWORD, ADDRESS)
        signed_in = accounts.sign_in_with_recovery_code(accepted.token, codes[0], ADDRESS)
        assert signed_in.codes_left == 9
        again = accounts.sign_in_password(user.email, STAFF_PASSWORD, ADDRESS)
        with pytest.raises(accounts.WrongCode):
            accounts.sign_in_with_recovery_code(again.token, codes[0], ADDRESS)


def test_sessions_keep_their_idle_clock_and_sign_out_is_recorded(app, make_staff) -> None:
    user = make_staff()
    with app.app_context():
        token = accounts.start_session(Actor.staff(db.session.get(StaffUser, user.id), ADDRESS), "test")
        row = db.session.scalar(select(StaffSession).where(StaffSession.user_id == user.id))
        row.last_seen_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
        assert accounts.resume_session(token).user is not None
    with app.app_context():
        seen = db.session.scalar(select(StaffSession.last_seen_at).where(StaffSession.user_id == user.id))
        assert utcnow() - seen < timedelta(minutes=1)
        before = last_event_id()
        accounts.sign_out(Actor.staff(db.session.get(StaffUser, user.id), ADDRESS), token)
    with app.app_context():
        assert accounts.resume_session(token).reason == "revoked"
        assert [(event.action, event.address) for event in events(user.id, before)] == [("sign-out", ADDRESS)]


# One's own account -----------------------------------------------------------------------------------------------


@pytest.mark.no_rollback  # another connection reads what was committed
def test_a_new_password_that_will_not_do_keeps_the_right_current_one_from_counting(app, make_staff) -> None:
    user = make_staff()
    with app.app_context():
        actor = Actor.staff(db.session.get(StaffUser, user.id), ADDRESS)
        with pytest.raises(accounts.PasswordRefused, match="at least 12 characters"):
            accounts.change_password(actor, STAFF_PASSWORD, "too short")
        assert failed_attempts(app, user.id) == 0
        with pytest.raises(accounts.WrongPassword) as wrong:
            accounts.change_password(actor, "not my password", "a brand new long passphrase")
        assert wrong.value.until is None and failed_attempts(app, user.id) == 1
        accounts.change_password(actor, STAFF_PASSWORD, "a brand new long passphrase")
    with app.app_context():
        assert accounts.check_password(user.email, "a brand new long passphrase") is not None
        assert [event.action for event in events(user.id)][-1] == "account.password"


@pytest.mark.no_rollback  # another connection reads what was committed
def test_new_recovery_codes_need_a_right_code_and_count_wrong_ones(app, make_staff) -> None:
    user = make_staff()
    with app.app_context():
        actor = Actor.staff(db.session.get(StaffUser, user.id), ADDRESS)
        with pytest.raises(accounts.WrongCode):
            accounts.new_recovery_codes(actor, "000000" if code_now(actor.user) != "000000" else "111111")
        assert failed_attempts(app, user.id) == 1
        codes = accounts.new_recovery_codes(actor, code_now(actor.user))
        # The right code does not count; the wrong one still does until the next sign-in.
        assert len(codes) == 10 and failed_attempts(app, user.id) == 1
        assert auth.recovery_codes_left(db.session.get(StaffUser, user.id)) == 10


def test_sign_out_everywhere_ends_every_session(app, make_staff) -> None:
    user = make_staff()
    with app.app_context():
        actor = Actor.staff(db.session.get(StaffUser, user.id), ADDRESS)
        tokens = [accounts.start_session(actor, "test") for _ in range(2)]
        assert accounts.sign_out_everywhere(actor) == 2
        assert all(accounts.resume_session(token).user is None for token in tokens)
        with pytest.raises(Forbidden):
            accounts.sign_out_everywhere(Actor.cli())


def test_the_demo_staff_accounts_need_the_setting(app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "DEMO_STAFF", False)
    with app.app_context(), pytest.raises(CommandRefused, match="development only"):
        accounts.load_demo_staff(Actor.cli())


def test_each_person_chooses_their_own_emails_about_items_and_the_change_is_audited(app, make_staff) -> None:
    from app.models import Routing

    user = make_staff("viewer", ("armley",))
    with app.app_context():
        person = db.session.get(StaffUser, user.id)
        actor = Actor.staff(person, ADDRESS)
        assert (person.notify_new, person.notify_daily_hour, person.notify_assigned, person.notify_overdue) == (
            "daily",
            8,
            True,
            True,
        )
        since = last_event_id()
        assert accounts.set_notifications(actor, new_items="none", daily_hour=17, assigned=False, overdue=True)
        [event] = events(user.id, since)
        assert (event.action, event.actor_label, event.address) == ("account.notifications", user.email, ADDRESS)
        assert json.loads(event.before) == {"notify_new": "daily", "notify_daily_hour": 8, "notify_assigned": True}
        assert json.loads(event.after) == {"notify_new": "none", "notify_daily_hour": 17, "notify_assigned": False}
        # The same again: nothing changed, nothing recorded.
        assert not accounts.set_notifications(actor, new_items="none", daily_hour=17, assigned=False, overdue=True)
        assert len(events(user.id, since)) == 1

        # Turning new-item emails back on starts from the newest item, not from where they stopped.
        person = db.session.get(StaffUser, user.id)
        person.notified_routing_id = 1
        db.session.commit()
        assert accounts.set_notifications(actor, new_items="each", daily_hour=17, assigned=False, overdue=True)
        newest = db.session.scalar(select(func.max(Routing.id)))
        assert db.session.get(StaffUser, user.id).notified_routing_id == newest

        for choice, hour, message in (("hourly", 8, "how you want to hear"), ("daily", 24, "from 0 to 23")):
            with pytest.raises(CommandRefused, match=message):
                accounts.set_notifications(actor, new_items=choice, daily_hour=hour, assigned=True, overdue=True)
        # Only a person's own account: the command line has none.
        with pytest.raises(Forbidden):
            accounts.set_notifications(Actor.cli(), new_items="none", daily_hour=8, assigned=True, overdue=True)
        assert db.session.get(StaffUser, user.id).notify_new == "each"
