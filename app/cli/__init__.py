"""Flask commands, one module per area, each a thin adapter over the command layer (`app.commands`) or a service:

    setup.py      `seed`, `demo`, `translate extract|update|compile|init`
    people.py     `outbox send`, `people purge`, `digests send`
    casework.py   `submissions list|show|route|status|respond`, `meetings decide`
    retention.py  `retention purge`, `submissions purge-contacts`
    staff.py      `staff create|list|disable|enable|lock|unlock|reset-2fa`
    webhooks.py   `webhooks send`

The changes call the same commands as the staff area: the same rules, and the same audit records, naming the
operator as `cli:<login name>`. They need only the application context, not a request."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from app.cli import casework, people, practices, retention, setup, staff, webhooks

    setup.register(app)
    people.register(app)
    casework.register(app)
    retention.register(app)  # after casework: it adds purge-contacts to the submissions group
    staff.register(app)
    practices.register(app)
    webhooks.register(app)
