"""`flask staff …`: the first admin's account, and a way back in when nobody can sign in to the staff area."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from sqlalchemy import select

from app.clock import utcnow
from app.commands import Actor, accounts, login_name
from app.extensions import db
from app.models import AuditEvent, Lcp, StaffUser
from app.services import auth

PASSWORD = "a long and unusual passphrase"
# How the audit log names whoever ran `flask staff …`.
CLI = f"cli:{login_name()}"


@pytest.fixture
def email(app: Flask):
    """A fresh address for an account a test makes; the account is deleted afterwards."""
    address = f"cli-{uuid.uuid4().hex[:10]}@staff.example.org"
    yield address
    with app.app_context():
        user = auth.find_staff(address)
        if user is not None:
            db.session.delete(user)
            db.session.commit()


@pytest.fixture
def seeded_slug(app: Flask) -> str:
    with app.app_context():
        return db.session.scalar(select(Lcp.slug).order_by(Lcp.id))


def run(app: Flask, *args: str, stdin: str | None = None):
    return app.test_cli_runner().invoke(args=["staff", *args], input=stdin)


def actions_for(app: Flask, email: str) -> list[tuple[str, str]]:
    with app.app_context():
        user = auth.find_staff(email)
        return [
            tuple(row)
            for row in db.session.execute(
                select(AuditEvent.action, AuditEvent.actor_label)
                .where(
                    AuditEvent.object_type == "staff_user",
                    AuditEvent.object_id == str(user.id),
                    # Ids of deleted accounts can come round again; their events are older.
                    AuditEvent.at >= user.created_at,
                )
                .order_by(AuditEvent.id)
            ).all()
        ]


def test_create_reads_the_password_from_stdin(app, email, seeded_slug) -> None:
    result = run(
        app,
        "create",
        email,
        "--name",
        "Cli Person",
        "--role",
        "staff",
        "--lcp",
        seeded_slug,
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "authenticator app the first time" in result.output
    with app.app_context():
        user = auth.find_staff(email)
        assert (user.name, user.role, [lcp.slug for lcp in user.lcps]) == ("Cli Person", "staff", [seeded_slug])
        assert user.totp_enrolled_at is None
        assert accounts.check_password(email, PASSWORD) is not None
    assert actions_for(app, email)[0] == ("staff.create", CLI)


def test_create_prompts_twice_for_the_password(app, email) -> None:
    result = run(app, "create", email, "--name", "Prompted Admin", "--role", "admin", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    with app.app_context():
        assert auth.find_staff(email).is_admin


def test_create_refuses_a_weak_password_with_the_reason(app, email) -> None:
    result = run(app, "create", email, "--name", "Weak", "--role", "admin", "--password-stdin", stdin="password123\n")
    assert result.exit_code != 0
    assert "at least 12 characters" in result.output
    result = run(
        app, "create", email, "--name", "Weak", "--role", "admin", "--password-stdin", stdin="password12345678\n"
    )
    assert result.exit_code != 0 and "common" in result.output
    with app.app_context():
        assert auth.find_staff(email) is None


def test_create_needs_a_known_partnership_for_lcp_staff(app, email) -> None:
    result = run(
        app, "create", email, "--name", "No Lcp", "--role", "viewer", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert result.exit_code != 0 and "--lcp" in result.output
    result = run(
        app, "create", email, "--name", "Bad Lcp", "--lcp", "nowhere-at-all", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert result.exit_code != 0 and "nowhere-at-all" in result.output


def test_disable_enable_unlock_and_reset_are_audited(app, email) -> None:
    run(app, "create", email, "--name", "Changing", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    with app.app_context():
        user = auth.find_staff(email)
        user.totp_enrolled_at = user.locked_at = utcnow()
        db.session.commit()
    for command in ("disable", "enable", "unlock", "reset-2fa"):
        result = run(app, command, email)
        assert result.exit_code == 0, result.output
        assert email in result.output
    with app.app_context():
        user = auth.find_staff(email)
        assert (user.disabled_at, user.locked_at, user.totp_enrolled_at) == (None, None, None)
    assert actions_for(app, email)[1:] == [
        ("staff.disable", CLI),
        ("staff.enable", CLI),
        ("staff.unlock", CLI),
        ("staff.reset-2fa", CLI),
    ]


def test_list_shows_every_account_with_its_status(app, email, make_staff) -> None:
    run(app, "create", email, "--name", "Listed Person", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    run(app, "disable", email)
    result = run(app, "list")
    assert result.exit_code == 0
    line = next(line for line in result.output.splitlines() if line.startswith(email))
    assert line.split("\t") == [email, "Listed Person", "admin", "all", "disabled"]
    with app.app_context():
        count = db.session.scalar(select(db.func.count()).select_from(StaffUser))
    assert len(result.output.splitlines()) == count


def test_an_unknown_address_is_an_error(app) -> None:
    result = run(app, "disable", "nobody-here@staff.example.org")
    assert result.exit_code != 0 and "No staff account" in result.output


def test_lock_signs_out_everywhere_and_stops_sign_in_until_unlocked(app, email) -> None:
    run(app, "create", email, "--name", "Locked Out", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    with app.app_context():
        user = auth.find_staff(email)
        user.totp_enrolled_at = utcnow()
        token = accounts.start_session(Actor.staff(user), "test")
    result = run(app, "lock", email)
    assert result.exit_code == 0, result.output
    assert f"{email}: locked and signed out everywhere" in result.output
    with app.app_context():
        assert auth.find_staff(email).locked_at is not None
        assert accounts.resume_session(token).user is None
        assert accounts.check_password(email, PASSWORD) is None
    line = next(line for line in run(app, "list").output.splitlines() if line.startswith(email))
    assert line.endswith("\tlocked")
    assert run(app, "unlock", email).exit_code == 0
    with app.app_context():
        assert accounts.check_password(email, PASSWORD) is not None
    staff_actions = [row for row in actions_for(app, email) if row[0].startswith("staff.")]
    assert staff_actions == [
        ("staff.create", CLI),
        ("staff.lock", CLI),
        ("staff.unlock", CLI),
    ]
