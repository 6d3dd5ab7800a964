"""Signing in (a password, then a TOTP or recovery code; enrolment at first sign-in), signing out, the account page.

Whatever goes wrong with an email address or password, the page says the same thing, so it tells
nobody which addresses have accounts or which are waiting after wrong attempts. Between the two steps
the session holds only a random token whose hash the account's row keeps (`auth.begin_pending`): a
session cookie forged with a known SECRET_KEY cannot name an account. The signed-in session starts
(with a new token, and the old session's contents cleared) only after the second factor, which spends
the between-steps token. The account page's checks (the current password, an authenticator code) are
counted, limited and made to wait exactly as the sign-in steps are.

Each step is one command in `app/commands/accounts.py`, which counts, checks, records and commits; these views
keep the browser's session (the between-steps token, the signed-in token, where to go next) and say what happened.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.admin import admin
from app.admin.access import SESSION_KEY, acting, clean_staff_path, me, requires, safe_next, signed_out_allowed
from app.admin.forms import CodeForm, LoginForm, NotificationsForm, PasswordChangeForm, RecoveryForm
from app.clock import utcnow
from app.commands import accounts
from app.extensions import limiter
from app.formatting import uk_date, uk_time
from app.forms import valid_submission
from app.models import StaffUser
from app.services import auth

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


def waiting_message(until: datetime | None) -> str:
    """For a signed-in person whose own wrong attempts have made their account wait until then."""
    until = until or utcnow()
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


def address() -> str:
    """The network address an attempt came from, for the audit log."""
    return request.remote_addr or ""


def begin_session(signed_in: accounts.SignedIn) -> None:
    """The session the sign-in started: a new one, keeping only where the person was going."""
    next_url = session.get("staff_next")
    session.clear()
    session[SESSION_KEY] = signed_in.token
    session["staff_next"] = next_url


def after_sign_in():
    return redirect(safe_next(session.pop("staff_next", None)))


def start_again():
    """Back to the password, with the one message (the between-steps token is no good now)."""
    session.pop(PENDING_KEY, None)
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
        try:
            accepted = accounts.sign_in_password(form.email.data or "", form.password.data or "", address())
        except accounts.SignInRefused:
            failed = True
        else:
            session[PENDING_KEY] = accepted.token
            return redirect(url_for("admin.login_code" if accepted.enrolled else "admin.login_enrol"))
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
        try:
            signed_in = accounts.sign_in_with_code(session.get(PENDING_KEY), form.code.data or "", address())
        except accounts.StartAgain:
            return start_again()
        except accounts.WrongCode:
            form.code.errors = [_("Enter the current code from your authenticator app. Each code works once.")]
        else:
            begin_session(signed_in)
            return after_sign_in()
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
        try:
            signed_in = accounts.sign_in_with_recovery_code(session.get(PENDING_KEY), form.code.data or "", address())
        except accounts.StartAgain:
            return start_again()
        except accounts.WrongCode:
            form.code.errors = [_("Enter a recovery code you have not used before, as it was shown to you")]
        else:
            begin_session(signed_in)
            flash(
                _(
                    "You used a recovery code. You have %(count)d left: make new ones from your account page.",
                    count=signed_in.codes_left,
                )
            )
            return after_sign_in()
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
        try:
            signed_in = accounts.enrol_authenticator(session.get(PENDING_KEY), form.code.data or "", address())
        except accounts.StartAgain:
            return start_again()
        except accounts.WrongCode:
            form.code.errors = [_("Enter the 6-digit code your authenticator app shows now for this account")]
        else:
            begin_session(signed_in)
            return render_template(
                "admin/recovery_codes.html", codes=signed_in.codes, next_url=safe_next(session.get("staff_next"))
            )
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
    actor = acting() if current_user.is_authenticated else None
    accounts.sign_out(actor, session.get(SESSION_KEY))
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
    notify_form = NotificationsForm(prefix="notify", formdata=None if action != "notifications" else request.form)
    if action != "notifications":
        notify_form.fill(user)
    elif valid_submission(notify_form):
        accounts.set_notifications(acting(), **notify_form.values())
        flash(_("Your email choices have been saved."))
        return redirect(url_for("admin.account") + "#notifications")
    wrong_code = _("Enter the current code from your authenticator app. Each code works once.")
    if action == "recovery-codes" and valid_submission(code_form):
        try:
            codes = accounts.new_recovery_codes(acting(), code_form.code.data or "")
        except accounts.WrongCode as wrong:
            code_form.code.errors = [waiting_message(wrong.until) if wrong.until else wrong_code]
        else:
            return render_template("admin/recovery_codes.html", codes=codes, next_url=url_for("admin.account"))
    elif action == "recovery-codes" and not code_form.code.errors:
        code_form.code.errors = [wrong_code]
    if action == "password" and valid_submission(password_form):
        try:
            accounts.change_password(
                acting(), password_form.current.data or "", password_form.new.data or "", keep=session.get(SESSION_KEY)
            )
        except accounts.WrongPassword as wrong:
            password_form.current.errors = [
                waiting_message(wrong.until) if wrong.until else _("Your current password is not right")
            ]
        except accounts.PasswordRefused as problem:
            password_form.new.errors = [str(problem)]
        else:
            flash(_("Your password has been changed, and you have been signed out everywhere else."))
            return redirect(url_for("admin.account"))
    code_form.code.data = ""
    password_form.current.data = password_form.new.data = ""
    return render_template(
        "admin/account.html",
        user=user,
        code_form=code_form,
        password_form=password_form,
        notify_form=notify_form,
        codes_left=auth.recovery_codes_left(user),
    )


@admin.route("/account/sign-out-everywhere", methods=["POST"])
@requires("view")
def sign_out_everywhere():
    """Ends every session of the person, this one too, and any half-finished sign-in: for a lost laptop or a
    password someone else may know."""
    accounts.sign_out_everywhere(acting())
    session.clear()
    flash(_("You have been signed out everywhere, on this device too."))
    return redirect(url_for("admin.login"))
