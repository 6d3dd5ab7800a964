"""`flask outbox send`, `flask people purge` and `flask digests send`: email and the people who follow."""

from __future__ import annotations

import time

import click
from flask import Flask


def register(app: Flask) -> None:
    @app.cli.group("outbox")
    def outbox_group() -> None:
        """The email outbox: deliver what is queued."""

    @outbox_group.command("send")
    @click.option("--loop", is_flag=True, help="Keep running as a worker, checking every --interval seconds.")
    @click.option("--interval", default=5.0, show_default=True, help="Seconds between checks with --loop.")
    def outbox_send(loop: bool, interval: float) -> None:
        """Deliver queued email over SMTP, retrying with back-off; without SMTP_HOST, print what waits."""
        from app.commands import Actor
        from app.commands.system import outbox_round
        from app.services import outbox

        settings = outbox.SmtpSettings.from_config(app.config)
        if settings is None:
            waiting = [message for message in outbox.recent(1000) if message.status == "queued"]
            for message in reversed(waiting):
                click.echo(f"To: {message.to_address}\nSubject: {message.subject}\n\n{message.text_body}\n{'-' * 72}")
            raise click.ClickException(
                f"No SMTP server is configured (set SMTP_HOST): {len(waiting)} messages wait in the outbox, "
                "printed above and shown at /dev/outbox in development. Nothing was sent or dropped."
            )
        worker = Actor.system("outbox")
        while True:
            done = outbox_round(worker, settings)
            result, purged = done.delivery, done.unconfirmed
            if result.sent or result.retrying or result.failed or purged or not loop:
                click.echo(
                    f"sent {result.sent}, to retry {result.retrying}, given up {result.failed}; "
                    f"unconfirmed registrations deleted {purged}"
                )
            if result.failed:
                click.echo(
                    f"ERROR: gave up on {result.failed} messages after {app.config['OUTBOX_MAX_ATTEMPTS']} attempts; "
                    "their last error is in outbox_message.last_error",
                    err=True,
                )
                if not loop:
                    raise SystemExit(1)
            if not loop:
                return
            time.sleep(interval)

    @app.cli.group("people")
    def people_group() -> None:
        """People who registered interest."""

    @people_group.command("purge")
    def people_purge() -> None:
        """Delete registrations nobody confirmed in time."""
        from app.commands import Actor
        from app.commands.people import purge_unconfirmed

        click.echo(f"{purge_unconfirmed(Actor.cli())} unconfirmed registrations deleted")

    @app.cli.group("digests")
    def digests_group() -> None:
        """Digest emails: what is new in the LCPs and topics each person follows."""

    @digests_group.command("send")
    @click.option(
        "--frequency",
        type=click.Choice(["weekly", "monthly"]),
        required=True,
        help="Send to the people who chose this frequency.",
    )
    def digests_send(frequency: str) -> None:
        """Queue this period's digest for everyone who chose FREQUENCY; safe to run again in the same period.

        It only puts the emails in the outbox; the outbox worker (`flask outbox send`) delivers them.
        """
        from app.commands import Actor
        from app.commands.system import send_digests

        # Links in the emails are absolute on SITE_URL (`app.links`), so no request is needed.
        report = send_digests(Actor.system("digests"), frequency)
        click.echo(
            f"{frequency} digests for {report.period}: {report.considered} people considered, "
            f"{report.queued} emails queued, {report.nothing_new} with nothing new, "
            f"{report.already_sent} already sent this period, {report.failed} failed"
        )
        if report.queued:
            click.echo("The outbox worker delivers them: flask --app wsgi outbox send")
        if report.failed:
            click.echo(
                f"ERROR: {report.failed} digests were not queued; see the log. Run again to retry them.", err=True
            )
            raise SystemExit(1)
