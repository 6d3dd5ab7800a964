"""Signing in (a password, then a TOTP or recovery code; enrolment at first sign-in), signing out, the account page.

Whatever goes wrong with an email address or password, the page says the same thing, so it tells
nobody which addresses have accounts or which are waiting after wrong attempts. Between the two steps
the session holds only a random token whose hash the account's row keeps (`auth.begin_pending`): a
session cookie forged with a known SECRET_KEY cannot name an account. The signed-in session starts
(with a new token, and the old session's contents cleared) only after the second factor, which spends
the between-steps token. The account page's checks (the current password, an authenticator code) are
counted, limited and made to wait exactly as the sign-in steps are.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.admin import admin
from app.admin.access import SESSION_KEY, clean_staff_path, me, requires, safe_next, signed_out_allowed
from app.admin.forms import CodeForm, LoginForm, PasswordChangeForm, RecoveryForm
from app.extensions import db, limiter
from app.formatting import uk_date, uk_time, utcnow
from app.forms import valid_submission
from app.models import StaffUser
from app.services import audit, auth

PENDING_KEY = "staff_pending"


def login_limit() -> str:
    return current_app.config["STAFF_LOGIN_LIMIT"]


def minutes(count: int) -> str:
    return ngettext("%(num)d minute", "%(num)d minutes", count)


def generic_failure() -> str:
    """The one message for every failed sign-in, describing the wait as the settings make it."""
    config = current_app.config
    return _(
        "The email address or password is not right, or this account cannot sign in now. "
        "After %(count)d wrong attempts in a row an account must wait before it can try again, even with the "
        "right password: %(first)s, then twice as long after each further wrong attempt, up to %(most)s. "
        "Its owner is sent an email. Wait, then try again, or ask a citywide admin.",
        count=config["STAFF_THROTTLE_AFTER"],
        first=minutes(config["STAFF_THROTTLE_FIRST_MINUTES"]),
        most=minutes(config["STAFF_THROTTLE_MAX_MINUTES"]),
    )


def waiting_message(user: StaffUser) -> str:
    """For a signed-in person whose own wrong attempts have made their account wait."""
    until = auth.throttled_until(user) or utcnow()
    return _(
        "There have been too many wrong attempts in a row. Try again after %(time)s on %(date)s.",
        time=uk_time(until),
        date=uk_date(until),
    )


def pending_user() -> StaffUser | None:
    """The account whose password was right in this browser a moment ago, if it may still sign in."""
    user = auth.pending_user(session.get(PENDING_KEY))
    if user is None:
        session.pop(PENDING_KEY, None)
    return user


def spend_pending(user: StaffUser) -> bool:
    """Spends this browser's between-steps token; False if it was spent already (the person starts again)."""
    if auth.spend_pending(user, session.get(PENDING_KEY)):
        return True
    session.pop(PENDING_KEY, None)
    return False


def begin_session(user: StaffUser, how: str, spent: bool = False) -> bool:
    """Spends the between-steps token (unless `spent`) and signs in; False if it was spent already."""
    if not spent and not spend_pending(user):
        return False
    next_url = session.get("staff_next")
    token = auth.start_session(user, how)
    session.clear()
    session[SESSION_KEY] = token
    session["staff_next"] = next_url
    return True


def after_sign_in():
    return redirect(safe_next(session.pop("staff_next", None)))


def wrong_second_factor(user: StaffUser, result: auth.Check, form, message: str):
    """A wrong code: the message, or, once the account must wait, back to the start with the one message."""
    if result is auth.Check.WAITING or auth.throttled_until(user) is not None:
        session.pop(PENDING_KEY, None)
        return start_again()
    form.code.errors = [message]
    return None


def start_again():
    session["staff_failed"] = True
    return redirect(url_for("admin.login"))


@admin.route("/login", methods=["GET", "POST"])
@signed_out_allowed
@limiter.limit(login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin.dashboard"))
    form = LoginForm()
    ended = session.pop("staff_ended", None)
    failed = session.pop("staff_failed", False)
    if request.method == "GET" and request.args.get("next"):
        session["staff_next"] = clean_staff_path(request.args["next"])
    if valid_submission(form):
        user = auth.check_password(form.email.data, form.password.data)
        if user is None:
            failed = True
        else:
            session[PENDING_KEY] = auth.begin_pending(user)
            return redirect(url_for("admin.login_code" if user.totp_enrolled_at else "admin.login_enrol"))
    form.password.data = ""
    return render_template("admin/login.html", form=form, failed=failed, ended=ended, generic_failure=generic_failure())


@admin.route("/login/code", methods=["GET", "POST"])
@signed_out_allowed
@limiter.limit(login_limit, methods=["POST"])
def login_code():
    user = pending_user()
    if user is None or not user.totp_enrolled_at:
        return start_again() if request.method == "POST" else redirect(url_for("admin.login"))
    form = CodeForm()
    if valid_submission(form):
        result = auth.check_code(user, form.code.data, "wrong or reused authenticator code")
        if result is auth.Check.RIGHT:
            return after_sign_in() if begin_session(user, "password and authenticator code") else start_again()
        message = _("Enter the current code from your authenticator app. Each code works once.")
        if back := wrong_second_factor(user, result, form, message):
            return back
    form.code.data = ""
    return render_template("admin/login_code.html", form=form)


@admin.route("/login/recovery", methods=["GET", "POST"])
@signed_out_allowed
@limiter.limit(login_limit, methods=["POST"])
def login_recovery():
    user = pending_user()
    if user is None or not user.totp_enrolled_at:
        return start_again() if request.method == "POST" else redirect(url_for("admin.login"))
    form = RecoveryForm()
    if valid_submission(form):
        result = auth.check_code(user, form.code.data, "wrong or used recovery code", recovery=True)
        if result is auth.Check.RIGHT:
            left = auth.recovery_codes_left(user)
            if not begin_session(user, "password and recovery code"):
                return start_again()
            flash(
                _(
                    "You used a recovery code. You have %(count)d left: make new ones from your account page.",
                    count=left,
                )
            )
            return after_sign_in()
        message = _("Enter a recovery code you have not used before, as it was shown to you")
        if back := wrong_second_factor(user, result, form, message):
            return back
    form.code.data = ""
    return render_template("admin/login_recovery.html", form=form)


@admin.route("/login/set-up-authenticator", methods=["GET", "POST"])
@signed_out_allowed
@limiter.limit(login_limit, methods=["POST"])
def login_enrol():
    user = pending_user()
    if user is None or user.totp_enrolled_at:
        return start_again() if request.method == "POST" else redirect(url_for("admin.login"))
    form = CodeForm()
    if valid_submission(form):
        result = auth.check_code(user, form.code.data, "wrong authenticator code while setting up")
        if result is auth.Check.RIGHT:
            if not spend_pending(user):
                return start_again()
            user.totp_enrolled_at = utcnow()
            codes = auth.new_recovery_codes(user)
            audit.record("account.enrolled", actor=user, obj=user, summary="authenticator app set up")
            db.session.commit()
            begin_session(user, "password and a newly set up authenticator", spent=True)
            return render_template(
                "admin/recovery_codes.html", codes=codes, next_url=safe_next(session.get("staff_next"))
            )
        message = _("Enter the 6-digit code your authenticator app shows now for this account")
        if back := wrong_second_factor(user, result, form, message):
            return back
    form.code.data = ""
    return render_template(
        "admin/login_enrol.html",
        form=form,
        qr=auth.qr_svg(user, _("QR code to add this account to an authenticator app")),
        secret=auth.grouped_secret(user),
        email=user.email,
    )


@admin.route("/logout", methods=["POST"])
@signed_out_allowed
def logout():
    """Revokes this session's row, so the cookie stops working even if someone kept a copy."""
    user = me() if current_user.is_authenticated else None
    auth.end_session(session.get(SESSION_KEY), user)
    session.clear()
    flash(_("You have signed out."))
    return redirect(url_for("admin.login"))


@admin.route("/account", methods=["GET", "POST"])
@requires("view")
@limiter.limit(login_limit, methods=["POST"])
def account():
    user = me()
    password_form = PasswordChangeForm(prefix="password")
    code_form = CodeForm(prefix="codes")
    action = request.form.get("action") if request.method == "POST" else None
    wrong_code = _("Enter the current code from your authenticator app. Each code works once.")
    if action == "recovery-codes" and valid_submission(code_form):
        result = auth.check_code(user, code_form.code.data, "wrong or reused authenticator code on the account page")
        if result is auth.Check.RIGHT:
            codes = auth.new_recovery_codes(user)
            audit.record("account.recovery-codes", obj=user, summary="new recovery codes made")
            db.session.commit()
            return render_template("admin/recovery_codes.html", codes=codes, next_url=url_for("admin.account"))
        code_form.code.errors = [waiting_message(user) if auth.throttled_until(user) else wrong_code]
    elif action == "recovery-codes" and not code_form.code.errors:
        code_form.code.errors = [wrong_code]
    if action == "password" and valid_submission(password_form):
        if auth.check_password(user.email, password_form.current.data) is None:
            wrong = _("Your current password is not right")
            password_form.current.errors = [waiting_message(user) if auth.throttled_until(user) else wrong]
        else:
            try:
                auth.set_password(user, password_form.new.data, keep=session.get(SESSION_KEY))
            except ValueError as problem:
                password_form.new.errors = [str(problem)]
            else:
                audit.record("account.password", obj=user, summary="password changed; signed out everywhere else")
                db.session.commit()
                flash(_("Your password has been changed, and you have been signed out everywhere else."))
                return redirect(url_for("admin.account"))
    code_form.code.data = ""
    password_form.current.data = password_form.new.data = ""
    return render_template(
        "admin/account.html",
        user=user,
        code_form=code_form,
        password_form=password_form,
        codes_left=auth.recovery_codes_left(user),
    )


@admin.route("/account/sign-out-everywhere", methods=["POST"])
@requires("view")
def sign_out_everywhere():
    """Ends every session of the person, this one too, and any half-finished sign-in: for a lost laptop or a
    password someone else may know."""
    user = me()
    ended = auth.revoke_all_sessions(user)
    audit.record("sign-out.everywhere", actor=user, obj=user, summary=f"{ended} sessions ended")
    db.session.commit()
    session.clear()
    flash(_("You have been signed out everywhere, on this device too."))
    return redirect(url_for("admin.login"))
