"""Staff accounts, which citywide admins manage: who may sign in, their role and partnerships, and the ways back in.

Each change is a command in `app/commands/accounts.py`, shared with `flask staff …`; these views read a form, call
it, and say what happened. A generated password is shown once, on the page that answers the POST, and never stored
anywhere it could be read again.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from app.admin import admin
from app.admin.access import acting, me, requires
from app.admin.manage_forms import AccessForm, SafeguardingForm, StaffNewForm
from app.commands import Actor, CommandRefused, accounts
from app.commands import safeguarding as safeguarding_commands
from app.extensions import db
from app.forms import keeps_input, valid_submission
from app.models import StaffUser
from app.services import safeguarding_cover, staff_admin

# Staff accounts -------------------------------------------------------------------------------------------------


def staff_or_404(user_id: int) -> StaffUser:
    user = db.session.get(StaffUser, user_id)
    if user is None:
        abort(404)
    return user


@admin.route("/staff")
@requires("admin")
def staff_list():
    return render_template("admin/manage/staff_list.html", people=staff_admin.all_staff(), status=staff_admin.status)


@admin.route("/staff/new", methods=["GET", "POST"])
@requires("admin")
@keeps_input
def staff_new():
    form = StaffNewForm().fill_choices()
    if valid_submission(form):
        lcps = staff_admin.lcps_by_slug(form.lcps.data or [])
        try:
            created = accounts.create_account(
                acting(), form.email.data or "", form.name.data or "", form.role.data or "", lcps
            )
        except CommandRefused as problem:
            form.email.errors = [str(problem)]
        else:
            return render_template(
                "admin/manage/staff_password.html", user=created.user, password=created.password, new=True
            )
    return render_template("admin/manage/staff_new.html", form=form)


def _edit_page(user: StaffUser, form: AccessForm | None = None, refused: str = "") -> ResponseReturnValue:
    if form is None:
        form = AccessForm(data={"role": user.role, "lcps": [lcp.slug for lcp in user.lcps]}).fill_choices()
    return render_template(
        "admin/manage/staff_edit.html",
        user=user,
        form=form,
        status=staff_admin.status(user),
        is_me=user.id == me().id,
        refused=refused,
        safeguarding_form=SafeguardingForm(formdata=None, data={"safeguarding": user.safeguarding}),
        # Their partnerships nobody covers: the citywide admins are told of those partnerships' urgent items.
        uncovered=safeguarding_cover.without_contact([] if user.is_admin else list(user.lcps)),
    )


@admin.route("/staff/<int:user_id>", methods=["GET", "POST"])
@requires("admin")
@keeps_input
def staff_edit(user_id: int) -> ResponseReturnValue:
    user = staff_or_404(user_id)
    if request.method == "GET":
        return _edit_page(user)
    actor = acting()
    try:
        # Before the form: their own account is refused whatever they chose.
        accounts.refuse_self(actor, user)
    except accounts.SelfChangeRefused as problem:
        return _edit_page(user, refused=str(problem))
    form = AccessForm().fill_choices()
    if valid_submission(form):
        try:
            changed = accounts.change_access(
                actor, user, form.role.data or "", staff_admin.lcps_by_slug(form.lcps.data or [])
            )
        except CommandRefused as problem:
            return _edit_page(user, form, refused=str(problem))
        flash(_("%(name)s’s access has been changed.", name=user.name) if changed else _("Nothing was changed."))
        return redirect(url_for("admin.staff_edit", user_id=user.id))
    return _edit_page(user, form)


@admin.route("/staff/<int:user_id>/safeguarding", methods=["POST"])
@requires("admin")
def staff_safeguarding(user_id: int) -> ResponseReturnValue:
    """Make the person a safeguarding contact for their partnerships, or stop (the box as sent)."""
    user = staff_or_404(user_id)
    form = SafeguardingForm()
    if not valid_submission(form):
        return _edit_page(user, refused=next(iter(form.csrf_token.errors), ""))
    value = bool(form.safeguarding.data)
    try:
        changed = safeguarding_commands.set_safeguarding(acting(), user, value)
    except CommandRefused as problem:
        return _edit_page(user, refused=str(problem))
    if not changed:
        flash(_("Nothing was changed."))
    elif value:
        flash(_("%(name)s is now a safeguarding contact: they are emailed at once about urgent items.", name=user.name))
    else:
        flash(_("%(name)s is no longer a safeguarding contact.", name=user.name))
    return redirect(url_for("admin.staff_edit", user_id=user.id, _anchor="safeguarding-contact"))


def _staff_change(
    user_id: int, change: Callable[[Actor, StaffUser], None], message: Callable[[str], str]
) -> ResponseReturnValue:
    """Applies one button's change to a person's account; an admin's own account is refused with a message."""
    user = staff_or_404(user_id)
    try:
        change(acting(), user)
    except CommandRefused as problem:
        return _edit_page(user, refused=str(problem))
    flash(message(user.name))
    return redirect(url_for("admin.staff_edit", user_id=user.id))


@admin.route("/staff/<int:user_id>/disable", methods=["POST"])
@requires("admin")
def staff_disable(user_id: int) -> ResponseReturnValue:
    return _staff_change(
        user_id,
        accounts.disable,
        lambda name: _("%(name)s’s account is disabled and they have been signed out everywhere.", name=name),
    )


@admin.route("/staff/<int:user_id>/enable", methods=["POST"])
@requires("admin")
def staff_enable(user_id: int) -> ResponseReturnValue:
    return _staff_change(user_id, accounts.enable, lambda name: _("%(name)s’s account is enabled again.", name=name))


@admin.route("/staff/<int:user_id>/lock", methods=["POST"])
@requires("admin")
def staff_lock(user_id: int) -> ResponseReturnValue:
    return _staff_change(
        user_id,
        accounts.lock,
        lambda name: _("%(name)s’s account is locked and they have been signed out everywhere.", name=name),
    )


@admin.route("/staff/<int:user_id>/unlock", methods=["POST"])
@requires("admin")
def staff_unlock(user_id: int) -> ResponseReturnValue:
    return _staff_change(user_id, accounts.unlock, lambda name: _("%(name)s’s account is unlocked.", name=name))


@admin.route("/staff/<int:user_id>/reset-2fa", methods=["POST"])
@requires("admin")
def staff_reset_2fa(user_id: int) -> ResponseReturnValue:
    return _staff_change(
        user_id,
        accounts.reset_second_factor,
        lambda name: _("%(name)s will set up their authenticator app again the next time they sign in.", name=name),
    )


@admin.route("/staff/<int:user_id>/reset-password", methods=["POST"])
@requires("admin")
def staff_reset_password(user_id: int) -> ResponseReturnValue:
    """A new generated password, shown once on the page that answers this POST."""
    user = staff_or_404(user_id)
    try:
        password = accounts.reset_password(acting(), user)
    except CommandRefused as problem:
        return _edit_page(user, refused=str(problem))
    return render_template("admin/manage/staff_password.html", user=user, password=password, new=False)
