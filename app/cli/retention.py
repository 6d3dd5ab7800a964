"""`flask retention purge` and `flask submissions purge-contacts`: personal data kept no longer than the privacy
notice says."""

from __future__ import annotations

import click
from flask import Flask


def register(app: Flask) -> None:
    submissions_group = app.cli.commands["submissions"]

    def site():
        """The purges translate the history entries they write, which needs a request for the language."""
        return app.test_request_context(base_url=app.config["SITE_URL"])

    @submissions_group.command("purge-contacts")
    def submissions_purge_contacts() -> None:
        """Delete the contact details of submissions every partnership closed more than CONTACT_RETENTION_DAYS ago.

        The submissions stay, anonymous; mail still waiting for those people goes too. Safe to run again.
        """
        from app.services.retention import purge_contacts, retention_days

        # The history entry it writes is translated, which needs a request for the language.
        with site():
            removed = purge_contacts()
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
        from app.services.retention import purge_all

        with site():
            purged = purge_all()
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
