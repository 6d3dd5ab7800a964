"""`flask staff create|list|disable|enable|lock|unlock|reset-2fa`: staff accounts from the command line; and
`flask staff notify`, the scheduled emails that tell staff of new items and of items past their target, and
`flask staff urgent-check`, which tells the citywide admins of urgent items nobody opened within a day."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click
from flask import Flask


def register(app: Flask) -> None:
    """Staff accounts from the command line: the first citywide admin, and a way back in when nobody can sign in.

    Each change is the staff area's own command (`app/commands/accounts.py`), with its rules, audited as done by
    `cli:<login name>`.
    """
    from sqlalchemy import select

    from app.commands import Actor, CommandRefused, accounts
    from app.extensions import db
    from app.models import Lcp, StaffUser
    from app.models.staff import ROLES
    from app.services import auth, staff_admin

    status_words = {
        "active": "active",
        "locked": "locked",
        "throttled": "waiting after wrong attempts",
        "disabled": "disabled",
        "not-enrolled": "authenticator not set up",
    }

    def find(email: str) -> StaffUser:
        user = auth.find_staff(email)
        if user is None:
            raise click.ClickException(f"No staff account has the email address {email!r}.")
        return user

    def lcps_for(slugs: tuple[str, ...]) -> list[Lcp]:
        lcps = staff_admin.lcps_by_slug(list(slugs))
        unknown = sorted(set(slugs) - {lcp.slug for lcp in lcps})
        if unknown:
            known = ", ".join(db.session.scalars(select(Lcp.slug).order_by(Lcp.slug)))
            raise click.ClickException(f"No partnership has the slug {', '.join(unknown)}. Known slugs: {known}.")
        return lcps

    def read_password(from_stdin: bool) -> str:
        if from_stdin:
            return sys.stdin.readline().rstrip("\r\n")
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)

    @app.cli.group("staff")
    def staff_group() -> None:
        """Staff accounts: create, list, disable, enable, lock, unlock, reset the authenticator; scheduled emails."""

    @staff_group.command("create")
    @click.argument("email")
    @click.option("--name", required=True, help="The person's full name.")
    @click.option("--role", type=click.Choice(ROLES), default="staff", show_default=True)
    @click.option("--lcp", "lcp_slugs", multiple=True, help="A partnership's slug; repeat for several.")
    @click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
    def staff_create(email: str, name: str, role: str, lcp_slugs: tuple[str, ...], password_stdin: bool) -> None:
        """Make an account. The person sets up their authenticator app the first time they sign in."""
        lcps = lcps_for(lcp_slugs)
        try:
            # The command's own rule, asked before the password is: nobody types one for nothing.
            accounts.check_access(role, lcps)
            created = accounts.create_account(Actor.cli(), email, name, role, lcps, read_password(password_stdin))
        except accounts.NeedsPartnership:
            raise click.ClickException("LCP staff and viewers need at least one partnership: add --lcp SLUG.") from None
        except CommandRefused as refusal:
            raise click.ClickException(str(refusal)) from None
        click.echo(
            f"Account made for {created.user.email} ({role}). They set up their authenticator app the first time "
            "they sign in at /admin/login."
        )

    def change(email: str, action: Callable[[Actor, StaffUser], None], done: str) -> None:
        user = find(email)
        try:
            action(Actor.cli(), user)
        except CommandRefused as refusal:
            raise click.ClickException(str(refusal)) from None
        click.echo(f"{user.email}: {done}.")

    @staff_group.command("reset-2fa")
    @click.argument("email")
    def staff_reset_2fa(email: str) -> None:
        """Clear a lost authenticator and its recovery codes; the person sets one up again at next sign-in."""
        change(
            email,
            accounts.reset_second_factor,
            "authenticator reset, signed out everywhere; set it up again at next sign-in",
        )

    @staff_group.command("disable")
    @click.argument("email")
    def staff_disable(email: str) -> None:
        """Stop an account signing in, and sign it out everywhere."""
        change(email, accounts.disable, "disabled and signed out everywhere")

    @staff_group.command("enable")
    @click.argument("email")
    def staff_enable(email: str) -> None:
        """Let a disabled account sign in again."""
        change(email, accounts.enable, "enabled")

    @staff_group.command("lock")
    @click.argument("email")
    def staff_lock(email: str) -> None:
        """Lock an account someone else may be using: signed out everywhere, no sign-in until it is unlocked."""
        change(email, accounts.lock, "locked and signed out everywhere; `flask staff unlock` lets it sign in again")

    @staff_group.command("unlock")
    @click.argument("email")
    def staff_unlock(email: str) -> None:
        """Unlock an account an admin locked, and end any wait after wrong attempts."""
        change(email, accounts.unlock, "unlocked")

    @staff_group.command("list")
    def staff_list() -> None:
        """Every account: email, name, role, partnerships, status."""
        for user in staff_admin.all_staff():
            scope = "all" if user.is_admin else ", ".join(lcp.slug for lcp in user.lcps) or "none"
            status = status_words[staff_admin.status(user)]
            click.echo(f"{user.email}\t{user.name}\t{user.role}\t{scope}\t{status}")

    @staff_group.command("notify")
    def staff_notify_run() -> None:
        """Tell staff of new items and items past their target, as each chose on their account page.

        Run every few minutes (deploy/systemd/lcp-staff-notify.timer): each email about new items goes once, the
        daily summary once a day at the person's hour, the weekly email on Mondays from 8:00, London time. Safe to
        run again, or twice at once. It only puts the emails in the outbox; the outbox worker delivers them.
        """
        from app.commands.system import notify_staff

        # Links in the emails are absolute on SITE_URL (`app.links`), so no request is needed.
        report = notify_staff(Actor.system("staff-notify"))
        click.echo(
            f"Staff emails: {report.considered} accounts considered, {report.new_items} emails of new items, "
            f"{report.summaries} daily summaries, {report.overdue} weekly emails of items past target queued, "
            f"{report.started} new accounts started, {report.failed} failed"
        )
        if report.failed:
            click.echo(
                f"ERROR: {report.failed} accounts were not told; see the log. The next run tries again.", err=True
            )
            raise SystemExit(1)

    @staff_group.command("urgent-check")
    def staff_urgent_check() -> None:
        """Tell the citywide admins of urgent items nobody has opened within a day of being marked.

        Run hourly (deploy/systemd/lcp-staff-urgent.timer): one email to each admin listing the items, each item told
        of once. It only puts the emails in the outbox; the outbox worker delivers them.
        """
        from app.commands.system import check_urgent

        told = check_urgent(Actor.system("staff-urgent-check"))
        if told:
            click.echo(f"Urgent items not opened for a day: {told}; the citywide admins are told.")
        else:
            click.echo("Urgent items not opened for a day: none.")
