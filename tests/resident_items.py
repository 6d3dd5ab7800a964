"""Fixtures for tests of casework on what residents share: a request context, `make` (share a submission with
partnerships, as a resident does, and return it), and a citywide `admin` and an Armley `worker` as database rows.

Import them into a test module by name: `from tests.resident_items import admin, ctx, make, worker  # noqa: F401`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from app.commands import Actor
from app.commands import sharing as sharing_commands
from app.extensions import db
from app.models import StaffUser, Submission
from app.services import sharing
from app.services.people import lcps_by_slug

Make = Callable[..., Submission]


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    with app.test_request_context():
        yield


@pytest.fixture
def make(ctx: None) -> Make:
    """Stores a submission for these partnerships (what a resident shares) and returns it."""

    def share(body: str, *lcps: str) -> Submission:
        data = sharing.ShareInput(body=body, lcps=lcps_by_slug(list(lcps or ("armley",))))
        return sharing_commands.share(Actor.resident(), data).submission

    return share


@pytest.fixture
def admin(ctx: None, make_staff) -> StaffUser:
    return db.session.get(StaffUser, make_staff("admin").id)


@pytest.fixture
def worker(ctx: None, make_staff) -> StaffUser:
    return db.session.get(StaffUser, make_staff("staff", ("armley",)).id)
