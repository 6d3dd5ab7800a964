"""Who can reach what in the staff area, proved for every route the app has rather than for a list kept by hand.

`app.url_map` is walked: every admin route must carry a permission, and each is requested as a
stranger, a viewer, LCP staff and an admin, for an object of the person's own LCP and of another.
A route whose URL takes a value this file cannot fill in fails the test, so a new route cannot slip by.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import Rule

from app.commands import Actor
from app.commands import sharing as sharing_commands
from app.extensions import db
from app.models import (
    AgendaItem,
    GpPractice,
    Lcp,
    MaturityAssessment,
    Meeting,
    Priority,
    ReplyTemplate,
    Routing,
    StaffUser,
    Submission,
    Topic,
    Update,
)
from tests.conftest import Page

OWN, OTHER = "cross-gates", "morley-district"
SIGN_IN_STEPS = {
    "admin.login",
    "admin.login_code",
    "admin.login_recovery",
    "admin.login_enrol",
    "admin.logout",
}


@pytest.fixture(autouse=True)
def someone_else(make_staff) -> None:
    """A staff account for the routes that take a user id."""
    make_staff("viewer", (OTHER,))


@pytest.fixture(autouse=True)
def submissions_in_both(app: Flask) -> Iterator[None]:
    """One submission shared with each of the two LCPs, for the routes that take a submission or routing id."""
    from app.services import sharing
    from app.services.people import lcps_by_slug

    with app.test_request_context():
        made = [
            sharing_commands.share(
                Actor.resident(), sharing.ShareInput(body=f"Access walk: {slug}", lcps=lcps_by_slug([slug]))
            ).submission.id
            for slug in (OWN, OTHER)
        ]
    yield
    with app.app_context():
        for ident in made:
            row = db.session.get(Submission, ident)
            if row is not None:
                db.session.delete(row)
        db.session.commit()


def reply_template_of(slug: str) -> int:
    """A reply template of the LCP: its newest, or one made for the walk (the browser's axe sweep walks these
    addresses too, outside this module's fixtures)."""
    lcp_id = db.session.scalar(select(Lcp.id).where(Lcp.slug == slug))
    found = db.session.scalar(
        select(ReplyTemplate.id).where(ReplyTemplate.lcp_id == lcp_id).order_by(ReplyTemplate.id.desc()).limit(1)
    )
    if found is None:
        template = ReplyTemplate(lcp_id=lcp_id, title=f"Access walk: {slug}", body="We looked into it.")
        db.session.add(template)
        db.session.commit()
        found = template.id
    return found


def admin_rules(app: Flask) -> list[Rule]:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("admin.")),
        key=lambda rule: rule.rule,
    )


def test_every_admin_route_carries_a_permission(app: Flask) -> None:
    missing = [
        rule.endpoint
        for rule in admin_rules(app)
        if getattr(app.view_functions[rule.endpoint], "permission", None) not in ("view", "edit", "admin", "anyone")
    ]
    assert missing == []
    anyone = {
        rule.endpoint
        for rule in admin_rules(app)
        if app.view_functions[rule.endpoint].permission == "anyone"  # type: ignore[attr-defined]
    }
    assert anyone == SIGN_IN_STEPS
    assert len(admin_rules(app)) > 20


def first_id(query) -> int:
    value = db.session.scalar(query.limit(1))
    assert value is not None, f"no row for {query}"
    return value


def samples(slug: str) -> dict[str, Callable[[], object]]:
    """A value for each URL argument, belonging to the LCP `slug`."""
    lcp_id = select(Lcp.id).where(Lcp.slug == slug).scalar_subquery()
    return {
        "slug": lambda: slug,
        "meeting_id": lambda: first_id(select(Meeting.id).where(Meeting.lcp_id == lcp_id).order_by(Meeting.id)),
        "item_id": lambda: first_id(
            select(AgendaItem.id).join(Meeting).where(Meeting.lcp_id == lcp_id).order_by(AgendaItem.id)
        ),
        "update_id": lambda: first_id(select(Update.id).where(Update.lcp_id == lcp_id).order_by(Update.id)),
        "priority_id": lambda: first_id(select(Priority.id).where(Priority.lcp_id == lcp_id).order_by(Priority.id)),
        "assessment_id": lambda: first_id(
            select(MaturityAssessment.id).where(MaturityAssessment.lcp_id == lcp_id).order_by(MaturityAssessment.id)
        ),
        "ods": lambda: first_id(
            select(GpPractice.ods_code).where(GpPractice.lcp_id == lcp_id).order_by(GpPractice.ods_code)
        ),
        "topic_id": lambda: first_id(select(Topic.id).order_by(Topic.id)),
        "routing_id": lambda: first_id(select(Routing.id).where(Routing.lcp_id == lcp_id).order_by(Routing.id.desc())),
        "submission_id": lambda: first_id(
            select(Routing.submission_id).where(Routing.lcp_id == lcp_id).order_by(Routing.id.desc())
        ),
        "user_id": lambda: first_id(select(StaffUser.id).order_by(StaffUser.id)),
        "template_id": lambda: reply_template_of(slug),
        "name": lambda: "status",
        "language": lambda: "ur",
    }


def url_for_rule(app: Flask, rule: Rule, slug: str) -> str:
    values = {}
    with app.app_context():
        table = samples(slug)
        for argument in sorted(rule.arguments):
            assert argument in table, f"{rule.rule}: add a sample value for <{argument}> to tests/test_admin_access.py"
            values[argument] = table[argument]()
    with app.test_request_context():
        return app.url_for(rule.endpoint, **values)


def csrf_token(client: FlaskClient) -> str:
    page = Page(client.get("/admin/login" if not signed_in(client) else "/admin/account"))
    return page.soup.select_one("input[name=csrf_token]")["value"]


def signed_in(client: FlaskClient) -> bool:
    with client.session_transaction() as session:
        return "staff_token" in session


def guarded(app: Flask) -> list[Rule]:
    return [rule for rule in admin_rules(app) if rule.endpoint not in SIGN_IN_STEPS]


def permission(app: Flask, rule: Rule) -> str:
    return app.view_functions[rule.endpoint].permission  # type: ignore[attr-defined]


def test_a_stranger_is_sent_to_sign_in_from_every_staff_route(app: Flask) -> None:
    """A page comes back after signing in; a form comes back to the page it was on (its Referer), not to the
    address it posts to, which answers only POST."""
    client = app.test_client()
    token = csrf_token(client)
    came_from = {"Referer": "http://localhost/admin/inbox?lcp=armley"}
    for rule in guarded(app):
        url = url_for_rule(app, rule, OWN)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={"csrf_token": token}, headers=came_from)
            assert response.status_code == 302, f"{method} {url} gave {response.status_code}"
            back = url if method == "GET" else "/admin/inbox?lcp=armley"
            assert response.headers["Location"] == url_for_login(app, back), f"{method} {url}"


def url_for_login(app: Flask, back: str) -> str:
    with app.test_request_context():
        return url_for("admin.login", next=back)


@pytest.mark.parametrize("role", ["viewer", "staff"])
def test_each_role_gets_only_what_it_may(app: Flask, staff_client, role: str) -> None:
    """Viewers read, LCP staff read and change, only admins manage: 403 beyond the role's permission."""
    client = staff_client(role, (OWN,))
    allowed = {"viewer": {"view"}, "staff": {"view", "edit"}}[role]
    token = csrf_token(client)
    for rule in guarded(app):
        url = url_for_rule(app, rule, OWN)
        if permission(app, rule) not in allowed:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(url, method=method, data={"csrf_token": token})
                assert response.status_code == 403, f"{role}: {method} {url} gave {response.status_code}"
        elif "GET" in rule.methods:
            response = client.get(url)
            assert response.status_code in (200, 302), f"{role}: GET {url} gave {response.status_code}"


@pytest.mark.parametrize("role", ["viewer", "staff"])
def test_another_lcps_objects_are_not_found_by_any_url(app: Flask, staff_client, role: str) -> None:
    """For LCP-scoped routes, the other LCP's slug or ids answer 404 exactly as unknown ones do; nothing changes."""
    client = staff_client(role, (OWN,))
    token = csrf_token(client)
    checked = 0
    for rule in guarded(app):
        scoped = rule.arguments & {
            "slug",
            "meeting_id",
            "item_id",
            "update_id",
            "priority_id",
            "assessment_id",
            "ods",
            "routing_id",
            "submission_id",
            "template_id",
        }
        if not scoped or permission(app, rule) == "admin":
            continue
        url = url_for_rule(app, rule, OTHER)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={"csrf_token": token})
            expected = 404 if permission(app, rule) == "view" or role == "staff" else (403, 404)
            assert response.status_code in (expected if isinstance(expected, tuple) else (expected,)), (
                f"{role}: {method} {url} gave {response.status_code}"
            )
            checked += 1
    assert checked > 10


def test_an_admin_reaches_every_page(app: Flask, staff_client) -> None:
    client = staff_client("admin")
    for rule in guarded(app):
        if "GET" not in rule.methods:
            continue
        url = url_for_rule(app, rule, OTHER)
        response = client.get(url)
        assert response.status_code in (200, 302), f"admin: GET {url} gave {response.status_code}"
