"""Staff sign-in: Argon2id passwords, TOTP codes that work once, recovery codes, a growing wait after
wrong attempts, the token between the two steps, sessions.

Every decision that must hold across workers and hosts is made by the database. An attempt (a password or
a code) is admitted and counted as wrong by one conditional UPDATE before anything is checked, and given
back if it was right; after `STAFF_THROTTLE_AFTER` wrong attempts in a row the same UPDATE sets a time
before which no attempt is checked at all, doubling with each further wrong one up to
`STAFF_THROTTLE_MAX_MINUTES`. Attempts sent at once are therefore admitted one after another, and the wait
the first one starts turns the rest away. With the defaults that is at most 10 guesses at an account in the
first hour and one an hour after that, whatever the number of addresses they come from (OWASP ASVS v4 2.2.1
asks for "soft lockouts … ever increasing delays" and no more than 100 failed attempts an hour); the limit
per network address (`STAFF_LOGIN_LIMIT`) holds back one address guessing at many accounts. Nobody can lock
an account for good by guessing (only an admin locks one, by hand), and the waiting never ends a session
that is already open. A TOTP code is accepted by
one conditional UPDATE of the last time step used, so a replayed code fails in any process; a recovery code
is spent the same way; the random token a browser holds between the password and the second factor is
stored only as a hash and spent once; and a session is a row that sign-out revokes and that expires after
`STAFF_IDLE_MINUTES` idle or `STAFF_ABSOLUTE_HOURS` in all.

These are the building blocks: none of them commits, writes to the audit log or queues an email. The commands
in `app/commands/accounts.py` put them together, and decide where each transaction ends (an attempt is
committed as counted before it is checked).
"""

from __future__ import annotations

import gzip
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, cast

import pyotp
import segno
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import CursorResult, case, delete, func, null, or_, select, update

from app.clock import utcnow
from app.config import ROOT
from app.extensions import db
from app.models import Lcp, RecoveryCode, StaffSession, StaffUser
from app.models.staff import ROLES, token_digest
from app.services.people import normalise_email

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 1000
RECOVERY_CODE_COUNT = 10
# Recovery codes use the receipt codes' alphabet: no 0/O, 1/I/L or U/V to misread.
RECOVERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
ISSUER = "Leeds LCP staff"

hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters


@cache
def _dummy_hash() -> str:
    return hasher.hash(secrets.token_urlsafe(16))


@cache
def common_passwords() -> frozenset[str]:
    """The list of common passwords shipped in app/data (see SOURCES.md), lower-cased."""
    with gzip.open(ROOT / "app" / "data" / "common-passwords.txt.gz", "rt", encoding="utf-8") as handle:
        return frozenset(line.strip().lower() for line in handle if line.strip())


def password_problem(password: str, email: str = "", name: str = "") -> str | None:
    """Why a new password will not do, in words a person can act on; None when it will.

    Length is what matters: 12 characters or more, any characters, no composition rules. A password
    that is a common one, perhaps with digits or symbols added at either end, or one character or
    a short pattern repeated, or the person's own email address or name, is refused.
    """
    if len(password) < PASSWORD_MIN_LENGTH:
        return _("Enter a password that is at least %(count)d characters long", count=PASSWORD_MIN_LENGTH)
    if len(password) > PASSWORD_MAX_LENGTH:
        return _("Enter a password of no more than %(count)d characters", count=PASSWORD_MAX_LENGTH)
    lowered = password.lower()
    core = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", lowered)
    common = common_passwords()
    if lowered in common or core in common or (core and core * 2 in common):
        return _("This password is one of the most common: choose one that is harder to guess")
    for size in range(1, 5):
        if len(lowered) % size == 0 and lowered == lowered[:size] * (len(lowered) // size):
            return _("This password repeats a short pattern: choose one that is harder to guess")
    own = [part for part in (email.lower(), email.lower().split("@")[0], name.lower()) if len(part) >= 4]
    if any(part in lowered for part in own):
        return _("Do not use your name or email address in your password")
    return None


def hash_password(password: str) -> str:
    return hasher.hash(password)


def new_totp_secret() -> str:
    return pyotp.random_base32()


def create_staff(email: str, name: str, role: str, password: str, lcps: list[Lcp] | None = None) -> StaffUser:
    """A new account with its own TOTP secret, to be enrolled at first sign-in. Raises ValueError with a reason."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    email = normalise_email(email)
    problem = password_problem(password, email, name)
    if problem:
        raise ValueError(problem)
    if db.session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise ValueError(_("There is already an account with this email address"))
    user = StaffUser(
        email=email,
        name=name.strip(),
        role=role,
        password_hash=hash_password(password),
        totp_secret=new_totp_secret(),
        lcps=list(lcps or []),
    )
    db.session.add(user)
    db.session.flush()
    return user


def find_staff(email: str) -> StaffUser | None:
    return db.session.scalar(select(StaffUser).where(StaffUser.email == normalise_email(email)))


# The growing wait after wrong attempts ---------------------------------------------------------------------


def wait_minutes(failures: int) -> int | None:
    """How many minutes an account waits after `failures` wrong attempts in a row; None before the wait begins."""
    config = current_app.config
    beyond = failures - config["STAFF_THROTTLE_AFTER"]
    if beyond < 0:
        return None
    return min(config["STAFF_THROTTLE_FIRST_MINUTES"] * 2 ** min(beyond, 30), config["STAFF_THROTTLE_MAX_MINUTES"])


def throttled_until(user: StaffUser) -> datetime | None:
    """Until when the account waits after wrong attempts (read afresh from the database); None if it does not."""
    until = db.session.scalar(select(StaffUser.throttled_until).where(StaffUser.id == user.id))
    return until if until is not None and until > utcnow() else None


@dataclass
class Attempt:
    """One admitted attempt, counted as wrong until `succeeded()` gives it back."""

    user: StaffUser
    failures: int  # wrong attempts in a row, this one included
    until: datetime | None  # the wait this attempt began, were it wrong


def admit(user: StaffUser) -> Attempt | None:
    """Admits and counts one attempt before it is checked; None, counting nothing, while the account waits.

    The conditional UPDATE holds the row until the commit (PostgreSQL's row lock, SQLite's write lock), and
    the attempt that reaches the limit sets the wait in the same transaction, so of attempts sent at once
    only as many as the limit allows are ever checked. The caller commits an admitted attempt at once, before
    checking it, and rolls back (letting the row go) when none was admitted.
    """
    now = utcnow()
    failures = db.session.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id, or_(StaffUser.throttled_until.is_(None), StaffUser.throttled_until <= now))
        .values(failed_attempts=StaffUser.failed_attempts + 1)
        .returning(StaffUser.failed_attempts)
    ).scalar_one_or_none()
    if failures is None:
        return None
    minutes = wait_minutes(failures)
    until = now + timedelta(minutes=minutes) if minutes is not None else None
    if until is not None:
        db.session.execute(update(StaffUser).where(StaffUser.id == user.id).values(throttled_until=until))
    return Attempt(user, failures, until)


def succeeded(attempt: Attempt) -> None:
    """Gives back a right attempt: it does not count, and the wait it began, if nothing came after it, is lifted."""
    mine = StaffUser.failed_attempts == attempt.failures
    values = {"failed_attempts": case((StaffUser.failed_attempts > 0, StaffUser.failed_attempts - 1), else_=0)}
    if attempt.until is not None:
        values["throttled_until"] = case((mine, null()), else_=StaffUser.throttled_until)
    db.session.execute(update(StaffUser).where(StaffUser.id == attempt.user.id).values(**values))


def begin_wait(attempt: Attempt) -> bool:
    """For a wrong attempt that began a wait: any half-finished sign-in of the account is forgotten. True when
    the owner is to be told, which is once for each run of failures (until the next sign-in or an admin's
    unlock), and never for a disabled account."""
    user = attempt.user
    db.session.execute(
        update(StaffUser).where(StaffUser.id == user.id).values(pending_token_hash=None, pending_started_at=None)
    )
    first = db.session.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id, StaffUser.throttle_notified_at.is_(None))
        .values(throttle_notified_at=utcnow())
        .returning(StaffUser.id)
    ).first()
    return first is not None and user.disabled_at is None


def clear_throttle(user: StaffUser) -> None:
    """Ends a run of wrong attempts: the count, the wait and the note that the owner was told. The caller commits."""
    user.failed_attempts = 0
    user.throttled_until = None
    user.throttle_notified_at = None


def can_sign_in(user: StaffUser) -> bool:
    """Not disabled and not locked by an admin. Waiting after wrong attempts is not checked here: it must
    never end a session that is already open."""
    return user.disabled_at is None and user.locked_at is None


def _verify(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_password(user: StaffUser | None, password: str) -> bool:
    """Whether the password is the account's, after one Argon2 verification whoever it names: an unknown
    address (None) costs the same, so timing tells nobody which addresses have accounts. Counts nothing."""
    if user is None:
        _verify(_dummy_hash(), password)
        return False
    return _verify(user.password_hash, password)


def rehash_if_old(user: StaffUser, password: str) -> None:
    """Stores a right password again when the hasher's parameters have moved on since it was stored."""
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)


# Between the password and the second factor ----------------------------------------------------------------


def begin_pending(user: StaffUser) -> str:
    """A random token for the browser whose password was right; only its hash is kept, replacing any before."""
    token = secrets.token_urlsafe(32)
    user.pending_token_hash = token_digest(token)
    user.pending_started_at = utcnow()
    return token


def pending_user(token: object) -> StaffUser | None:
    """The account a browser's between-steps token belongs to, while it is fresh and the account may sign in."""
    if not isinstance(token, str) or not token or len(token) > 100:
        return None
    user = db.session.scalar(select(StaffUser).where(StaffUser.pending_token_hash == token_digest(token)))
    if user is None or user.pending_started_at is None:
        return None
    too_old = utcnow() - user.pending_started_at > timedelta(minutes=current_app.config["STAFF_PENDING_MINUTES"])
    if too_old or not can_sign_in(user):
        return None
    return user


def end_pending(user: StaffUser) -> None:
    """Forgets any half-finished sign-in of this account. The caller commits."""
    user.pending_token_hash = None
    user.pending_started_at = None


def totp(user: StaffUser) -> pyotp.TOTP:
    return pyotp.TOTP(user.totp_secret or "")


def provisioning_uri(user: StaffUser) -> str:
    return totp(user).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(user: StaffUser, title: str) -> str:
    """The enrolment QR code as inline SVG, with a title for screen readers; no scripts or styles."""
    qr = segno.make(provisioning_uri(user), error="m")
    svg = qr.svg_inline(scale=5, title=title, svgclass="app-qr", lineclass=None, omitsize=True)
    return svg.replace("<svg ", '<svg role="img" ', 1)


def grouped_secret(user: StaffUser) -> str:
    secret = user.totp_secret or ""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _digits(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "")


def verify_totp(user: StaffUser, code: str, at: datetime | None = None) -> bool:
    """True once for a right code: the code's time step must be later than the last one accepted.

    One step either side of now is allowed for clocks that drift. The UPDATE succeeds only if no
    worker has accepted this step (or a later one) already, so a code cannot be replayed: the row stays
    held until the caller commits, and a request checking the same code meanwhile then finds the step used.
    """
    code = _digits(code)
    if not (code.isdigit() and len(code) == 6) or not user.totp_secret:
        return False
    generator = totp(user)
    now = at or datetime.now()
    current = generator.timecode(now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(generator.generate_otp(step), code):
            accepted = db.session.execute(
                update(StaffUser)
                .where(
                    StaffUser.id == user.id,
                    or_(StaffUser.totp_last_step.is_(None), StaffUser.totp_last_step < step),
                )
                .values(totp_last_step=step)
                .returning(StaffUser.id)
            ).first()
            return accepted is not None
    return False


def normalise_recovery_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").upper()


def new_recovery_codes(user: StaffUser) -> list[str]:
    """Ten fresh codes (replacing any before), shown once; only their hashes are kept."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODE_COUNT)]
    for code in codes:
        db.session.add(RecoveryCode(user_id=user.id, code_hash=token_digest(code)))
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def use_recovery_code(user: StaffUser, code: str) -> bool:
    """True once for each unused code; the conditional UPDATE makes a second use fail in any worker. The
    caller records its use."""
    code = normalise_recovery_code(code)
    if len(code) != 10:
        return False
    spent = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == token_digest(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .returning(RecoveryCode.id)
    ).first()
    return spent is not None


def recovery_codes_left(user: StaffUser) -> int:
    """Counted in the database, so a code spent a moment ago in this transaction is not among them."""
    query = select(func.count()).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    return db.session.scalar(query) or 0


def spend_pending(user: StaffUser, token: object) -> bool:
    """True once for a between-steps token: the conditional UPDATE makes a second use fail in any worker."""
    if not isinstance(token, str) or not token:
        return False
    spent = db.session.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id, StaffUser.pending_token_hash == token_digest(token))
        .values(pending_token_hash=None, pending_started_at=None)
        .returning(StaffUser.id)
    ).first()
    return spent is not None


def start_session(user: StaffUser) -> str:
    """Signs the person in: a new session row and a new random token for the cookie; a run of failures ends.
    The caller records the sign-in and commits."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(StaffSession(token_hash=token_digest(token), user_id=user.id, started_at=now, last_seen_at=now))
    clear_throttle(user)
    end_pending(user)
    user.last_sign_in_at = now
    return token


@dataclass
class SessionCheck:
    user: StaffUser | None
    reason: str = ""  # "", "idle", "absolute", "revoked", "unknown", "refused"
    # True when the session's row was changed (its idle clock refreshed, or an ended session revoked).
    changed: bool = False


def check_session(token: str | None) -> SessionCheck:
    """The signed-in person for a cookie's token, or why there is none. Refreshes the idle clock (at most
    every 30 seconds) and revokes a session that has ended; the caller commits when `changed`."""
    if not token:
        return SessionCheck(None, "unknown")
    row = db.session.scalar(select(StaffSession).where(StaffSession.token_hash == token_digest(token)))
    if row is None:
        return SessionCheck(None, "unknown")
    if row.revoked_at is not None:
        return SessionCheck(None, "revoked")
    now = utcnow()
    config = current_app.config
    if now - row.started_at > timedelta(hours=config["STAFF_ABSOLUTE_HOURS"]):
        reason = "absolute"
    elif now - row.last_seen_at > timedelta(minutes=config["STAFF_IDLE_MINUTES"]):
        reason = "idle"
    elif not can_sign_in(row.user):
        reason = "refused"
    else:
        if now - row.last_seen_at > timedelta(seconds=30):
            row.last_seen_at = now
            return SessionCheck(row.user, changed=True)
        return SessionCheck(row.user)
    row.revoked_at = now
    return SessionCheck(None, reason, changed=True)


def end_session(token: str | None) -> None:
    """Revokes the session whose token this is, so a copy of the cookie stops working too."""
    if token:
        db.session.execute(
            update(StaffSession)
            .where(StaffSession.token_hash == token_digest(token), StaffSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


def revoke_all_sessions(user: StaffUser, keep: str | None = None) -> int:
    """Signs a person out everywhere (but the session whose token is `keep`), half-finished sign-ins included,
    for when their password, access or second factor changes. Returns how many sessions ended. The caller commits."""
    query = update(StaffSession).where(StaffSession.user_id == user.id, StaffSession.revoked_at.is_(None))
    if keep:
        query = query.where(StaffSession.token_hash != token_digest(keep))
    ended = cast("CursorResult[Any]", db.session.execute(query.values(revoked_at=utcnow()))).rowcount
    end_pending(user)
    return ended or 0


def reset_second_factor(user: StaffUser) -> None:
    """A new TOTP secret to enrol at next sign-in; recovery codes, waiting and sessions cleared. The caller commits.

    An admin's lock stays: only unlocking lifts it."""
    user.totp_secret = new_totp_secret()
    user.totp_enrolled_at = None
    user.totp_last_step = None
    clear_throttle(user)
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    revoke_all_sessions(user)


def lock(user: StaffUser) -> None:
    """An admin's lock: no sign-in until an admin unlocks, and signed out everywhere now. The caller commits."""
    user.locked_at = user.locked_at or utcnow()
    revoke_all_sessions(user)


def unlock(user: StaffUser) -> None:
    """Lifts an admin's lock and any wait after wrong attempts. The caller commits."""
    clear_throttle(user)
    user.locked_at = None


def set_password(user: StaffUser, password: str, keep: str | None = None) -> None:
    """A new password; every session of the person ends but the one whose token is `keep`. The caller commits."""
    problem = password_problem(password, user.email, user.name)
    if problem:
        raise ValueError(problem)
    user.password_hash = hash_password(password)
    revoke_all_sessions(user, keep=keep)
