"""Staff sign-in: Argon2id passwords, TOTP codes that work once, recovery codes, lockout, sessions.

Every decision that must hold across workers and hosts is made by the database: failed attempts and
lockout are counted with one UPDATE; a TOTP code is accepted by one conditional UPDATE of the last
time step used, so a replayed code fails in any process; a recovery code is spent the same way; and a
session is a row that sign-out revokes and that expires after `STAFF_IDLE_MINUTES` idle or
`STAFF_ABSOLUTE_HOURS` in all.
"""

from __future__ import annotations

import contextlib
import gzip
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import pyotp
import segno
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, or_, select, update

from app.config import ROOT
from app.extensions import db
from app.formatting import utcnow
from app.models import Lcp, RecoveryCode, StaffSession, StaffUser
from app.models.staff import ROLES, token_digest
from app.services import audit
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


def max_failures() -> int:
    return current_app.config["STAFF_MAX_FAILURES"]


def register_failure(user: StaffUser, what: str) -> None:
    """Counts one failed attempt in the database; the attempt that reaches the limit locks the account."""
    count = db.session.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id)
        .values(failed_attempts=StaffUser.failed_attempts + 1)
        .returning(StaffUser.failed_attempts)
    ).scalar_one()
    audit.record("sign-in.failed", actor=user, obj=user, summary=what)
    if count >= max_failures():
        locked = db.session.execute(
            update(StaffUser)
            .where(StaffUser.id == user.id, StaffUser.locked_at.is_(None))
            .values(locked_at=utcnow())
            .returning(StaffUser.id)
        ).first()
        if locked:
            audit.record("sign-in.locked", actor=user, obj=user, summary=f"after {count} failed attempts")
    db.session.commit()
    db.session.refresh(user)


def can_sign_in(user: StaffUser) -> bool:
    return user.disabled_at is None and user.locked_at is None


def check_password(email: str, password: str) -> StaffUser | None:
    """The account, if the password is right and it may sign in; None otherwise, after the same work.

    An unknown address still costs one Argon2 verification, so timing does not reveal which addresses
    have accounts. Failures are recorded; the caller shows one message whatever the reason.
    """
    user = find_staff(email) if email else None
    if user is None:
        with contextlib.suppress(VerificationError):
            hasher.verify(_dummy_hash(), password)
        audit.record("sign-in.failed", actor_label=normalise_email(email)[:254], summary="unknown address")
        db.session.commit()
        return None
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        register_failure(user, "wrong password")
        return None
    if not can_sign_in(user):
        audit.record(
            "sign-in.refused", actor=user, obj=user, summary="account locked" if user.locked_at else "account disabled"
        )
        db.session.commit()
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.commit()
    return user


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
    worker has accepted this step (or a later one) already, so a code cannot be replayed.
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
            db.session.commit()
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
    """True once for each unused code; the conditional UPDATE makes a second use fail in any worker."""
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
    if spent:
        audit.record("sign-in.recovery-code", actor=user, obj=user, summary="a recovery code was used")
    db.session.commit()
    return spent is not None


def recovery_codes_left(user: StaffUser) -> int:
    return len([code for code in user.recovery_codes if code.used_at is None])


def start_session(user: StaffUser, how: str) -> str:
    """Signs the person in: a new session row and a new random token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(StaffSession(token_hash=token_digest(token), user_id=user.id, started_at=now, last_seen_at=now))
    user.failed_attempts = 0
    user.last_sign_in_at = now
    audit.record("sign-in", actor=user, obj=user, summary=how)
    db.session.commit()
    return token


@dataclass
class SessionCheck:
    user: StaffUser | None
    reason: str = ""  # "", "idle", "absolute", "revoked", "unknown", "refused"


def check_session(token: str | None) -> SessionCheck:
    """The signed-in person for a cookie's token, or why there is none. Refreshes the idle clock."""
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
            db.session.commit()
        return SessionCheck(row.user)
    row.revoked_at = now
    db.session.commit()
    return SessionCheck(None, reason)


def end_session(token: str | None, user: StaffUser | None) -> None:
    if token:
        db.session.execute(
            update(StaffSession)
            .where(StaffSession.token_hash == token_digest(token), StaffSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    if user is not None:
        audit.record("sign-out", actor=user, obj=user)
    db.session.commit()


def revoke_all_sessions(user: StaffUser) -> None:
    """Signs a person out everywhere, for when their access or second factor changes. The caller commits."""
    db.session.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user.id, StaffSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def reset_second_factor(user: StaffUser) -> None:
    """A new TOTP secret to enrol at next sign-in; recovery codes, lockout and sessions cleared. The caller commits."""
    user.totp_secret = new_totp_secret()
    user.totp_enrolled_at = None
    user.totp_last_step = None
    user.failed_attempts = 0
    user.locked_at = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    revoke_all_sessions(user)


def unlock(user: StaffUser) -> None:
    user.failed_attempts = 0
    user.locked_at = None


def set_password(user: StaffUser, password: str) -> None:
    problem = password_problem(password, user.email, user.name)
    if problem:
        raise ValueError(problem)
    user.password_hash = hash_password(password)
