"""Signing in (a password, then a TOTP or recovery code; enrolment at first sign-in), signing out, the account page.

Whatever goes wrong with an email address or password, the page says the same thing, so it tells
nobody which addresses have accounts or which are locked. Between the two steps the session holds
only the account's id and when the password was right; the signed-in session starts (with a new
token, and the old session's contents cleared) only after the second factor.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin import admin
from app.admin.access import SESSION_KEY, me, requires, safe_next, signed_out_allowed
from app.admin.forms import CodeForm, LoginForm, PasswordChangeForm, RecoveryForm
from app.engage.views import valid_submission
from app.extensions import db, limiter
from app.formatting import utcnow
from app.models import StaffUser
from app.services import audit, auth

PENDING_KEY = "staff_pending"


def login_limit() -> str:
    return current_app.config["STAFF_LOGIN_LIMIT"]


def generic_failure() -> str:
    return _(
        "The email address or password is not right, or this account cannot sign in now. "
        "After 10 wrong attempts an account is locked: a citywide admin can unlock it."
    )


def pending_user() -> StaffUser | None:
    """The account whose password was right in this browser a moment ago, if it may still sign in."""
    pending = session.get(PENDING_KEY)
    if not pending:
        return None
    user_id, when = pending
    too_old = utcnow() - datetime.fromisoformat(when) > timedelta(minutes=current_app.config["STAFF_PENDING_MINUTES"])
    user = db.session.get(StaffUser, user_id)
    if too_old or user is None or not auth.can_sign_in(user):
        session.pop(PENDING_KEY, None)
        return None
    return user


def begin_session(user: StaffUser, how: str) -> None:
    next_url = session.get("staff_next")
    token = auth.start_session(user, how)
    session.clear()
    session[SESSION_KEY] = token
    session["staff_next"] = next_url


def after_sign_in():
    return redirect(safe_next(session.pop("staff_next", None)))


def wrong_second_factor(user: StaffUser, what: str, form, message: str):
    """Counts a wrong code towards the lockout; a locked account starts again at the password."""
    auth.register_failure(user, what)
    if not auth.can_sign_in(user):
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
        session["staff_next"] = request.args["next"]
    if valid_submission(form):
        user = auth.check_password(form.email.data, form.password.data)
        if user is None:
            failed = True
        else:
            session[PENDING_KEY] = [user.id, utcnow().isoformat()]
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
        if auth.verify_totp(user, form.code.data):
            begin_session(user, "password and authenticator code")
            return after_sign_in()
        message = _("Enter the current code from your authenticator app. Each code works once.")
        if locked := wrong_second_factor(user, "wrong or reused authenticator code", form, message):
            return locked
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
        if auth.use_recovery_code(user, form.code.data):
            left = auth.recovery_codes_left(user)
            begin_session(user, "password and recovery code")
            flash(
                _(
                    "You used a recovery code. You have %(count)d left: make new ones from your account page.",
                    count=left,
                )
            )
            return after_sign_in()
        message = _("Enter a recovery code you have not used before, as it was shown to you")
        if locked := wrong_second_factor(user, "wrong or used recovery code", form, message):
            return locked
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
        if auth.verify_totp(user, form.code.data):
            user.totp_enrolled_at = utcnow()
            codes = auth.new_recovery_codes(user)
            audit.record("account.enrolled", actor=user, obj=user, summary="authenticator app set up")
            db.session.commit()
            begin_session(user, "password and a newly set up authenticator")
            return render_template(
                "admin/recovery_codes.html", codes=codes, next_url=safe_next(session.get("staff_next"))
            )
        message = _("Enter the 6-digit code your authenticator app shows now for this account")
        if locked := wrong_second_factor(user, "wrong authenticator code while setting up", form, message):
            return locked
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
def account():
    user = me()
    password_form = PasswordChangeForm(prefix="password")
    codes = None
    if request.method == "POST" and request.form.get("action") == "recovery-codes":
        code_form = CodeForm(prefix="codes")
        if valid_submission(code_form) and auth.verify_totp(user, code_form.code.data):
            codes = auth.new_recovery_codes(user)
            audit.record("account.recovery-codes", obj=user, summary="new recovery codes made")
            db.session.commit()
            return render_template("admin/recovery_codes.html", codes=codes, next_url=url_for("admin.account"))
        if not code_form.code.errors:
            code_form.code.errors = [_("Enter the current code from your authenticator app. Each code works once.")]
        code_form.code.data = ""
    else:
        code_form = CodeForm(prefix="codes")
    if request.method == "POST" and request.form.get("action") == "password" and valid_submission(password_form):
        if auth.check_password(user.email, password_form.current.data) is None:
            password_form.current.errors = [_("Your current password is not right")]
        else:
            try:
                auth.set_password(user, password_form.new.data)
            except ValueError as problem:
                password_form.new.errors = [str(problem)]
            else:
                audit.record("account.password", obj=user, summary="password changed")
                db.session.commit()
                flash(_("Your password has been changed."))
                return redirect(url_for("admin.account"))
    password_form.current.data = password_form.new.data = ""
    return render_template(
        "admin/account.html",
        user=user,
        code_form=code_form,
        password_form=password_form,
        codes_left=auth.recovery_codes_left(user),
    )
