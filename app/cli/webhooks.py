"""`flask webhooks send`: deliver the signed webhooks organisations asked for (app/services/webhooks.py)."""

from __future__ import annotations

import time

import click
from flask import Flask


def register(app: Flask) -> None:
    @app.cli.group("webhooks")
    def webhooks_group() -> None:
        """Signed webhooks for organisations: deliver what is queued."""

    @webhooks_group.command("send")
    @click.option("--loop", is_flag=True, help="Keep running as a worker, checking every --interval seconds.")
    @click.option("--interval", default=5.0, show_default=True, help="Seconds between checks with --loop.")
    def webhooks_send(loop: bool, interval: float) -> None:
        """Deliver due webhooks, retrying with growing waits; forget attempts older than WEBHOOKS_RETENTION_DAYS.

        Several workers may run at once: each delivery is claimed by one only."""
        from app.commands import Actor
        from app.commands.webhooks import webhooks_round

        worker = Actor.system("webhooks")
        while True:
            run = webhooks_round(worker)
            if run.delivered or run.retrying or run.failed or run.paused or run.purged or not loop:
                click.echo(
                    f"delivered {run.delivered}, to retry {run.retrying}, given up {run.failed}, "
                    f"endpoints paused {run.paused}; old attempts and deliveries forgotten {run.purged}"
                )
            if not loop:
                return
            time.sleep(interval)
