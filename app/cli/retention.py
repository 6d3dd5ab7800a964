"""`flask retention purge` and `flask submissions purge-contacts`: personal data kept no longer than the privacy
notice says."""

from __future__ import annotations

from typing import cast

import click
from flask import Flask


def register(app: Flask) -> None:
    # A group: app.cli.casework registers it before this module.
    submissions_group = cast("click.Group", app.cli.commands["submissions"])

    @submissions_group.command("purge-contacts")
    def submissions_purge_contacts() -> None:
        """Delete the contact details of submissions every partnership closed more than CONTACT_RETENTION_DAYS ago.

        The submissions stay, anonymous; mail still waiting for those people goes too. Safe to run again.
        """
        from app.commands import Actor
        from app.commands.system import purge_contacts
        from app.services.retention import retention_days

        # The history entry it writes is in British English: outside a request, the site's default language.
        removed = purge_contacts(Actor.system("retention"))
        submissions = "1 submission" if removed == 1 else f"{removed} submissions"
        click.echo(
            f"Contact details removed from {submissions} that every partnership closed more than "
            f"{retention_days()} days ago (CONTACT_RETENTION_DAYS)."
        )

    @app.cli.group("retention")
    def retention_group() -> None:
        """Personal data kept no longer than the privacy notice says."""

    @retention_group.command("purge")
    def retention_purge() -> None:
        """Remove all personal data whose retention period is over (run it daily). Safe to run again.

        Contact details of closed submissions (CONTACT_RETENTION_DAYS), registrations nobody confirmed
        (CONFIRMATION_HOURS), copies of sent email (MAIL_RETENTION_DAYS), records of staff sign-ins
        (STAFF_SESSION_RETENTION_DAYS) and the network addresses in the audit log (AUDIT_ADDRESS_DAYS).
        What stays is anonymous, so every count and figure is kept.
        """
        from app.commands import Actor
        from app.commands.system import purge_retention

        purged = purge_retention(Actor.system("retention"))
        config = app.config
        click.echo(
            f"Contact details removed from {purged.contacts} closed submissions "
            f"(CONTACT_RETENTION_DAYS={config['CONTACT_RETENTION_DAYS']})\n"
            f"Unconfirmed registrations deleted: {purged.unconfirmed} "
            f"(CONFIRMATION_HOURS={config['CONFIRMATION_HOURS']})\n"
            f"Copies of sent email deleted: {purged.mail} (MAIL_RETENTION_DAYS={config['MAIL_RETENTION_DAYS']})\n"
            f"Staff sign-in records deleted: {purged.staff_sessions} "
            f"(STAFF_SESSION_RETENTION_DAYS={config['STAFF_SESSION_RETENTION_DAYS']})\n"
            f"Audit log addresses blanked: {purged.audit_addresses} (AUDIT_ADDRESS_DAYS={config['AUDIT_ADDRESS_DAYS']})"
        )
