"""Commands on staff accounts and signing in.

Signing in, step by step: the password (`sign_in_password`), then a code from the authenticator app
(`sign_in_with_code`), a recovery code (`sign_in_with_recovery_code`) or, at first sign-in, setting the
authenticator up (`enrol_authenticator`); each step counts towards the wait after wrong attempts, and the first
wait of a run is emailed to the account's owner. `start_session` opens the session they end in, `resume_session`
is the bookkeeping of every staff request (the idle clock, an ended session revoked), `sign_out` ends one session.

A person's own account (the account page): `change_password`, `new_recovery_codes`, `sign_out_everywhere`, and
`set_notifications`, the emails they want about items (`app.services.staff_notify`).

A citywide admin's changes to accounts, from the staff pages and from `flask staff …` alike: `create_account`,
`change_access`, `disable`, `enable`, `lock`, `unlock`, `reset_second_factor`, `reset_password`. One rule for
both: a staff member must be a citywide admin and never changes their own account here (the command line has
no account of its own); LCP staff and viewers need at least one partnership (`check_access`), and a citywide
admin has none, seeing every one. And `load_demo_staff`, the two development accounts `flask demo` makes.

The sign-in steps come before anyone is signed in: they take the network address the attempt came from, and
their audit records name the account the attempt was at (or, for an address without one, the address typed).
Every attempt is counted by one conditional UPDATE that is committed before the password or code is checked,
so attempts sent at once cannot slip past the wait (`tests/test_staff_security_live.py`): those commands commit
twice, once for the counted attempt and once for its outcome. The Flask-Login session and its keys stay in the
views (`app/admin/auth_views.py`); what the views show when a step is refused is theirs to say, in one message
whatever the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from app.clock import utcnow
from app.commands import Actor, CommandRefused, Forbidden, require_trusted
from app.extensions import db
from app.models import Lcp, StaffUser
from app.models.staff import ROLES
from app.services import audit, auth, demo_staff, staff_admin, staff_mail, staff_notify
from app.services.people import normalise_email

# Refusals ---------------------------------------------------------------------------------------------------------


class SignInRefused(CommandRefused):
    """A password step that did not sign in, whatever the reason (a wrong password, an address without an account,
    an account that waits, is locked or is disabled): the page says the same for each."""

    def __init__(self) -> None:
        super().__init__("The email address or password is not right, or this account cannot sign in now.")


class StartAgain(CommandRefused):
    """The browser's between-steps token is no good now (spent, too old, or forgotten when the account began to
    wait): the person starts again with their password."""

    def __init__(self) -> None:
        super().__init__("Start signing in again with your password.")


class WrongCode(CommandRefused):
    """A wrong second factor. `until` is the end of the wait it left the account in (None if it does not wait);
    `waiting` is True when the account was waiting already, so nothing was checked."""

    def __init__(self, until: datetime | None = None, waiting: bool = False) -> None:
        super().__init__("The code is not right.")
        self.until = until
        self.waiting = waiting


class WrongPassword(CommandRefused):
    """The current password on the account page is not right; `until` as for `WrongCode`."""

    def __init__(self, until: datetime | None = None) -> None:
        super().__init__("The current password is not right.")
        self.until = until


class PasswordRefused(CommandRefused):
    """A new password that will not do; the message says why (`auth.password_problem`)."""


class SelfChangeRefused(CommandRefused):
    """An admin tried to change their own role, partnerships or sign-in from the staff pages."""

    def __init__(self) -> None:
        super().__init__(
            _("You cannot change your own role, partnerships or sign-in from here. Ask another citywide admin.")
        )


class NeedsPartnership(CommandRefused):
    """LCP staff and viewers see only their partnerships, so they need at least one."""

    def __init__(self) -> None:
        super().__init__("LCP staff and viewers need at least one partnership.")


# Counting attempts ------------------------------------------------------------------------------------------------


def _as(user: StaffUser, address: str) -> dict[str, Any]:
    """The audit log's actor for an attempt at this account (nobody is signed in yet)."""
    return Actor.staff(user, address).audit


def _admit(user: StaffUser) -> auth.Attempt | None:
    """Counts one attempt, as wrong, and COMMITS it before anything is checked: the first of a step's two commits.

    Attempts sent at once queue on the row's lock here, and the one that reaches the limit has set the wait
    before the next is admitted, so none can slip past while a password is being verified. None, counting
    nothing (and letting the row go), while the account waits."""
    attempt = auth.admit(user)
    if attempt is None:
        db.session.rollback()
    else:
        db.session.commit()
    return attempt


def _refused(user: StaffUser, summary: str, address: str) -> None:
    audit.record("sign-in.refused", obj=user, summary=summary, **_as(user, address))
    db.session.commit()


def _failed(attempt: auth.Attempt, what: str, address: str) -> None:
    """Records a wrong attempt and commits (the second commit). When it began a wait, that is recorded too, any
    half-finished sign-in of the account is forgotten, and the first wait of a run of failures (until the next
    sign-in or an admin's unlock) is emailed to the account's owner, once."""
    user = attempt.user
    audit.record("sign-in.failed", obj=user, summary=what, **_as(user, address))
    if attempt.until is not None:
        audit.record(
            "sign-in.throttled",
            obj=user,
            summary=f"{attempt.failures} wrong attempts in a row: waits until {attempt.until:%Y-%m-%d %H:%M} UTC",
            **_as(user, address),
        )
        if auth.begin_wait(attempt):
            staff_mail.send_sign_in_throttled(user, attempt.failures, attempt.until)
    db.session.commit()


def _check_password(user: StaffUser | None, email: str, password: str, address: str) -> StaffUser | None:
    """The account, if the password is right and it may sign in, with the attempt given back and the transaction
    left open for the caller to add what follows and commit; None otherwise, everything committed.

    An address without an account, and an account that waits, still cost one Argon2 verification, so timing tells
    nobody which addresses have accounts or which are waiting."""
    if user is None:
        auth.verify_password(None, password)
        audit.record(
            "sign-in.failed", actor_label=normalise_email(email)[:254], summary="unknown address", address=address
        )
        db.session.commit()
        return None
    attempt = _admit(user)
    right = auth.verify_password(user, password)
    if attempt is None:
        _refused(user, "waiting after wrong attempts", address)
        return None
    if not right:
        _failed(attempt, "wrong password", address)
        return None
    auth.succeeded(attempt)
    if not auth.can_sign_in(user):
        _refused(user, "account locked" if user.locked_at else "account disabled", address)
        return None
    auth.rehash_if_old(user, password)
    return user


def _check_code(user: StaffUser, code: str, what: str, address: str, recovery: bool = False) -> None:
    """A second factor (a TOTP code, or with `recovery` a recovery code), counted like a password. Returns with the
    code spent and the attempt given back, the transaction open; raises WrongCode, everything committed.

    While the account waits nothing is checked (so no recovery code is spent)."""
    attempt = _admit(user)
    if attempt is None:
        _refused(user, f"{what}: waiting after wrong attempts", address)
        raise WrongCode(auth.throttled_until(user), waiting=True)
    if auth.use_recovery_code(user, code) if recovery else auth.verify_totp(user, code):
        if recovery:
            audit.record("sign-in.recovery-code", obj=user, summary="a recovery code was used", **_as(user, address))
        auth.succeeded(attempt)
        return
    _failed(attempt, what, address)
    raise WrongCode(auth.throttled_until(user))


# Signing in -------------------------------------------------------------------------------------------------------


def check_password(email: str, password: str, address: str = "") -> StaffUser | None:
    """A password checked as the sign-in page checks it (counted, recorded, made to wait), without going on to the
    second step: the account if it is right and may sign in, None otherwise."""
    user = _check_password(auth.find_staff(email) if email else None, email, password, address)
    if user is not None:
        db.session.commit()
    return user


@dataclass(frozen=True)
class PasswordAccepted:
    user: StaffUser
    # The random token the browser holds until the second step; the account's row keeps only its hash.
    token: str
    # Whether the authenticator is set up (the code step) or not yet (setting it up).
    enrolled: bool


def sign_in_password(email: str, password: str, address: str = "") -> PasswordAccepted:
    """The first step: a right password for an account that may sign in starts a half-finished sign-in, replacing
    any before. Raises SignInRefused, whatever was wrong. Commits twice (see `_admit`)."""
    user = _check_password(auth.find_staff(email) if email else None, email, password, address)
    if user is None:
        raise SignInRefused()
    token = auth.begin_pending(user)
    enrolled = user.totp_enrolled_at is not None
    db.session.commit()
    return PasswordAccepted(user, token, enrolled)


@dataclass(frozen=True)
class SignedIn:
    user: StaffUser
    # The new session's token, for the cookie.
    token: str
    # The recovery codes made when the authenticator was set up, to show once.
    codes: list[str] = field(default_factory=list)
    # How many recovery codes are left, after signing in with one.
    codes_left: int | None = None


def _pending(token: object, enrolled: bool) -> StaffUser:
    user = auth.pending_user(token)
    if user is None or (user.totp_enrolled_at is not None) != enrolled:
        raise StartAgain()
    return user


def _second_step(
    token: object, code: str, what: str, address: str, recovery: bool = False, enrolled: bool = True
) -> StaffUser:
    """Checks a second factor for the browser's between-steps token and spends the token. A wrong code that left
    the account waiting (which forgets the half-finished sign-in) is StartAgain; any other is WrongCode."""
    user = _pending(token, enrolled)
    try:
        _check_code(user, code, what, address, recovery=recovery)
    except WrongCode as wrong:
        if wrong.waiting or wrong.until is not None:
            raise StartAgain() from None
        raise
    if not auth.spend_pending(user, token):
        # Another request spent the token first: the right code stays used and the attempt given back.
        db.session.commit()
        raise StartAgain()
    return user


def start_session(actor: Actor, how: str) -> str:
    """Signs a staff member in once their steps are done (the sign-in commands end here; tests sign in with it
    directly): a new session and its token for the cookie, the end of any run of wrong attempts, audited."""
    user = actor.user
    if user is None:
        raise Forbidden()
    token = auth.start_session(user)
    audit.record("sign-in", obj=user, summary=how, **actor.audit)
    db.session.commit()
    return token


def sign_in_with_code(token: object, code: str, address: str = "") -> SignedIn:
    """The second step with a code from the authenticator app. Raises WrongCode (try again) or StartAgain."""
    user = _second_step(token, code, "wrong or reused authenticator code", address)
    return SignedIn(user, start_session(Actor.staff(user, address), "password and authenticator code"))


def sign_in_with_recovery_code(token: object, code: str, address: str = "") -> SignedIn:
    """The second step with a recovery code, which is spent. Raises WrongCode (try again) or StartAgain."""
    user = _second_step(token, code, "wrong or used recovery code", address, recovery=True)
    left = auth.recovery_codes_left(user)
    session = start_session(Actor.staff(user, address), "password and recovery code")
    return SignedIn(user, session, codes_left=left)


def enrol_authenticator(token: object, code: str, address: str = "") -> SignedIn:
    """At first sign-in: the first right code from the new authenticator sets it up, makes ten recovery codes
    (shown once) and signs the person in. Raises WrongCode (try again) or StartAgain."""
    user = _second_step(token, code, "wrong authenticator code while setting up", address, enrolled=False)
    user.totp_enrolled_at = utcnow()
    codes = auth.new_recovery_codes(user)
    audit.record("account.enrolled", obj=user, summary="authenticator app set up", **_as(user, address))
    session = start_session(Actor.staff(user, address), "password and a newly set up authenticator")
    return SignedIn(user, session, codes=codes)


def resume_session(token: str | None) -> auth.SessionCheck:
    """The staff member a cookie's token belongs to, or why there is none, for every staff request.

    Bookkeeping rather than anyone's change, so nothing is audited: the idle clock is moved on (at most every 30
    seconds) and an ended session revoked, committed at once so that it holds whatever the request goes on to do."""
    check = auth.check_session(token)
    if check.changed:
        db.session.commit()
    return check


def sign_out(actor: Actor | None, token: str | None) -> None:
    """Revokes this session, so the cookie stops working even if someone kept a copy. `actor` is None when the
    session had already ended."""
    auth.end_session(token)
    if actor is not None and actor.user is not None:
        audit.record("sign-out", obj=actor.user, **actor.audit)
    db.session.commit()


# A person's own account -------------------------------------------------------------------------------------------


def _own(actor: Actor) -> StaffUser:
    if actor.user is None:
        raise Forbidden()
    return actor.user


def sign_out_everywhere(actor: Actor) -> int:
    """Ends every session of the person, this one too, and any half-finished sign-in: for a lost laptop or a
    password someone else may know. Returns how many sessions ended."""
    user = _own(actor)
    ended = auth.revoke_all_sessions(user)
    audit.record("sign-out.everywhere", obj=user, summary=f"{ended} sessions ended", **actor.audit)
    db.session.commit()
    return ended


def change_password(actor: Actor, current: str, new: str, keep: str | None = None) -> None:
    """A new password, once the current one is given (counted and made to wait as at sign-in); every session of the
    person ends but the one whose token is `keep`. Raises WrongPassword or PasswordRefused."""
    user = _own(actor)
    if _check_password(user, user.email, current, actor.address) is None:
        raise WrongPassword(auth.throttled_until(user))
    problem = auth.password_problem(new, user.email, user.name)
    if problem:
        # The current password was right: its attempt, given back, must not count, so that is committed (nothing
        # else was written) before refusing.
        db.session.commit()
        raise PasswordRefused(problem)
    auth.set_password(user, new, keep=keep)
    audit.record("account.password", obj=user, summary="password changed; signed out everywhere else", **actor.audit)
    db.session.commit()


def new_recovery_codes(actor: Actor, code: str) -> list[str]:
    """Ten fresh recovery codes, replacing any before, once a code from the authenticator (counted as at sign-in)
    is given. Returns them to show once; raises WrongCode."""
    user = _own(actor)
    _check_code(user, code, "wrong or reused authenticator code on the account page", actor.address)
    codes = auth.new_recovery_codes(user)
    audit.record("account.recovery-codes", obj=user, summary="new recovery codes made", **actor.audit)
    db.session.commit()
    return codes


NOTIFY_FIELDS = ("notify_new", "notify_daily_hour", "notify_assigned", "notify_overdue")


def set_notifications(actor: Actor, new_items: str, daily_hour: int, assigned: bool, overdue: bool) -> bool:
    """The emails a person wants about items: new items for their partnerships (`each`, a `daily` summary at
    `daily_hour` London time, or `none`), an item assigned to them, the weekly email of items past their target.
    Any role may choose, a viewer too. Returns False, writing nothing, when nothing changed.

    Turning new-item emails back on starts from now: the watermark moves to the newest item, so nobody is sent
    everything that arrived while they were off."""
    user = _own(actor)
    if new_items not in staff_notify.CHOICES:
        raise CommandRefused("Choose how you want to hear of new items")
    if daily_hour not in staff_notify.HOURS:
        raise CommandRefused("Choose the hour for your daily summary, from 0 to 23")
    before = audit.snapshot(user, NOTIFY_FIELDS)
    if user.notify_new == staff_notify.NONE and new_items != staff_notify.NONE:
        user.notified_routing_id, user.notified_submission_id = staff_notify.highest_ids()
    user.notify_new = new_items
    user.notify_daily_hour = daily_hour
    user.notify_assigned = assigned
    user.notify_overdue = overdue
    changed = audit.record_change(
        "account.notifications", user, before, NOTIFY_FIELDS, summary="email choices changed", **actor.audit
    )
    db.session.commit()
    return changed


# A citywide admin's changes to accounts ---------------------------------------------------------------------------


def _require_admin(actor: Actor) -> None:
    """The command line, or a citywide admin; anyone else may not manage accounts."""
    if actor.trusted:
        return
    if actor.user is None or not actor.user.is_admin:
        raise Forbidden()


def refuse_self(actor: Actor, user: StaffUser) -> None:
    """Admins change their own account only from their account page, so nobody locks out the last admin. The
    command line has no account of its own."""
    if actor.user is not None and actor.user.id == user.id:
        raise SelfChangeRefused()


def check_access(role: str, lcps: list[Lcp]) -> None:
    """A role that exists and, but for a citywide admin, at least one partnership."""
    if role not in ROLES:
        raise CommandRefused(f"role must be one of {', '.join(ROLES)}")
    if role != "admin" and not lcps:
        raise NeedsPartnership()


@dataclass(frozen=True)
class Created:
    user: StaffUser
    # The password, generated unless the command line chose one: shown once, stored only as its hash.
    password: str


def create_account(
    actor: Actor, email: str, name: str, role: str, lcps: list[Lcp], password: str | None = None
) -> Created:
    """A new account, to set up its authenticator at first sign-in. The staff pages never choose a password (one is
    generated, to pass on once); the command line may, for the first admin. Raises CommandRefused with the reason
    (an address in use, a password that will not do)."""
    _require_admin(actor)
    check_access(role, lcps)
    password = password or staff_admin.generate_password()
    try:
        user = auth.create_staff(email, name, role, password, [] if role == "admin" else lcps)
    except ValueError as problem:
        db.session.rollback()
        raise CommandRefused(str(problem)) from None
    audit.record(
        "staff.create",
        obj=user,
        summary=f"account made for {user.email}",
        after=audit.snapshot(user, ("email", "name", *staff_admin.PERMISSION_FIELDS)),
        **actor.audit,
    )
    db.session.commit()
    return Created(user, password)


def change_access(actor: Actor, user: StaffUser, role: str, lcps: list[Lcp]) -> bool:
    """Sets role and partnerships; records what changed and signs the person out everywhere if they lost access.
    Returns False when nothing changed."""
    _require_admin(actor)
    refuse_self(actor, user)
    check_access(role, lcps)
    before = audit.snapshot(user, staff_admin.PERMISSION_FIELDS)
    reduced = staff_admin.set_access(user, role, lcps)
    summary = "access changed" + ("; signed out everywhere" if reduced else "")
    changed = audit.record_change(
        "staff.permissions", user, before, staff_admin.PERMISSION_FIELDS, summary=summary, **actor.audit
    )
    db.session.commit()
    return changed


def _admin_change(actor: Actor, user: StaffUser) -> None:
    _require_admin(actor)
    refuse_self(actor, user)


def disable(actor: Actor, user: StaffUser) -> None:
    """No sign-in until an admin enables the account, and signed out everywhere now."""
    _admin_change(actor, user)
    user.disabled_at = user.disabled_at or utcnow()
    auth.revoke_all_sessions(user)
    audit.record("staff.disable", obj=user, summary="account disabled; signed out everywhere", **actor.audit)
    db.session.commit()


def enable(actor: Actor, user: StaffUser) -> None:
    _admin_change(actor, user)
    user.disabled_at = None
    audit.record("staff.enable", obj=user, summary="account enabled", **actor.audit)
    db.session.commit()


def lock(actor: Actor, user: StaffUser) -> None:
    """For an account someone else may be using: no sign-in until an admin unlocks it, and signed out now."""
    _admin_change(actor, user)
    auth.lock(user)
    audit.record("staff.lock", obj=user, summary="account locked; signed out everywhere", **actor.audit)
    db.session.commit()


def unlock(actor: Actor, user: StaffUser) -> None:
    """Lifts an admin's lock and any wait after wrong attempts."""
    _admin_change(actor, user)
    auth.unlock(user)
    audit.record("staff.unlock", obj=user, summary="account unlocked", **actor.audit)
    db.session.commit()


def reset_second_factor(actor: Actor, user: StaffUser) -> None:
    """For a lost authenticator: a new one to set up at next sign-in; recovery codes and sessions end."""
    _admin_change(actor, user)
    auth.reset_second_factor(user)
    audit.record(
        "staff.reset-2fa",
        obj=user,
        summary="authenticator and recovery codes reset; to set up again at next sign-in",
        **actor.audit,
    )
    db.session.commit()


def reset_password(actor: Actor, user: StaffUser) -> str:
    """A new generated password, returned to show once; the person is signed out everywhere."""
    _admin_change(actor, user)
    password = staff_admin.generate_password()
    auth.set_password(user, password)
    auth.clear_throttle(user)
    audit.record("staff.reset-password", obj=user, summary="password reset; signed out everywhere", **actor.audit)
    db.session.commit()
    return password


# Development ------------------------------------------------------------------------------------------------------


def load_demo_staff(actor: Actor) -> list[demo_staff.DemoAccount]:
    """The two demo accounts `flask demo` makes where `DEMO_STAFF` is on (never in production): made if missing,
    enabled and unlocked, each committed in turn."""
    require_trusted(actor)
    if not current_app.config.get("DEMO_STAFF"):
        raise CommandRefused("demo staff accounts are for development only")
    accounts = []
    for email, name, role, slugs in demo_staff.DEMO_ACCOUNTS:
        accounts.append(demo_staff.ensure_account(email, name, role, slugs))
        db.session.commit()
    return accounts
