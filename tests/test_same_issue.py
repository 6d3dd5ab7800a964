"""Counting items together (`app.commands.same_issue`, the buttons of the item page's "Similar items"): the link and
its undoing, each audited and in both items' history; links kept one level deep; who may make them (another
partnership's original answers 404); and "Raised by N people" on the item page and the public "you said, we did".
"""

from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.commands import Actor, NotFound, same_issue
from app.commands import sharing as sharing_commands
from app.extensions import db
from app.models import AuditEvent, StaffUser, Submission, SubmissionEvent
from app.services import sharing, similar
from app.services.people import lcps_by_slug
from tests.conftest import Page

AUDIT_BEFORE: dict[str, int] = {}


@pytest.fixture(autouse=True)
def audit_since(app: Flask) -> None:
    with app.app_context():
        AUDIT_BEFORE["id"] = db.session.scalar(select(func.max(AuditEvent.id))) or 0


@pytest.fixture
def share(app: Flask) -> Iterator:
    """Stores a submission for these partnerships and returns its id."""

    def make(*lcps: str, body: str = "") -> int:
        with app.test_request_context():
            data = sharing.ShareInput(
                body=body or f"The library lift is broken again {uuid4().hex[:8]}",
                lcps=lcps_by_slug(list(lcps or ("armley",))),
            )
            return sharing_commands.share(Actor.resident(), data).submission.id

    yield make


def row(app: Flask, ident: int) -> Submission:
    with app.app_context():
        found = db.session.get(Submission, ident)
        db.session.expunge(found)
        return found


def history(app: Flask, ident: int, kind: str) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(SubmissionEvent.body)
                .where(SubmissionEvent.submission_id == ident, SubmissionEvent.kind == kind)
                .order_by(SubmissionEvent.id)
            )
        )


def audits(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        found = list(
            db.session.scalars(
                select(AuditEvent).where(AuditEvent.id > AUDIT_BEFORE["id"], AuditEvent.action == action)
            )
        )
        for event in found:
            db.session.expunge(event)
        return found


def token(client: FlaskClient, ident: int) -> str:
    page = Page(client.get(f"/admin/submissions/{ident}"))
    return page.soup.select_one("meta[name=csrf-token]")["content"]


def count(client: FlaskClient, ident: int, original: object):
    data = {"csrf_token": token(client, ident), "original": str(original)}
    return client.post(f"/admin/submissions/{ident}/same-issue", data=data)


def stop(client: FlaskClient, ident: int):
    return client.post(f"/admin/submissions/{ident}/same-issue/stop", data={"csrf_token": token(client, ident)})


def page_of(client: FlaskClient, ident: int) -> Page:
    response = client.get(f"/admin/submissions/{ident}")
    assert response.status_code == 200
    return Page(response)


# Counting together and stopping ------------------------------------------------------------------------------------


def test_count_together_then_stop(app: Flask, staff_client, share) -> None:
    worker = staff_client("staff", ("armley",))
    original, item = share(), share()
    response = count(worker, item, original)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/admin/submissions/{item}#similar")
    assert row(app, item).same_issue_as_id == original
    assert history(app, item, "same-issue") == [f"Counted together with item {original}"]
    assert history(app, original, "same-issue") == [f"Counted together with item {item}"]
    [record] = audits(app, "submission.same-issue")
    assert record.object_id == str(item) and record.actor_id == worker.user.id
    assert str(original) in record.after and str(original) in record.summary

    counted = page_of(worker, item)
    assert f"Counted together with item {original}" in counted.text("#counted-with")
    assert counted.soup.select_one("#counted-with a")["href"] == f"/admin/submissions/{original}"
    assert "Raised by 2 people" in page_of(worker, original).text("#raised-by")
    assert f"item {item}" in page_of(worker, original).text("#raised-by")
    flashed = page_of(worker, item)  # the message was shown once, on the page after the change
    assert flashed.soup.select_one("#raised-by") is None

    stopped = stop(worker, item)
    assert stopped.status_code == 303
    assert row(app, item).same_issue_as_id is None
    assert history(app, item, "same-issue-stopped") == [f"No longer counted together with item {original}"]
    assert history(app, original, "same-issue-stopped") == [f"No longer counted together with item {item}"]
    assert len(audits(app, "submission.same-issue-stopped")) == 1
    assert page_of(worker, item).soup.select_one("#counted-with") is None
    assert page_of(worker, original).soup.select_one("#raised-by") is None


def test_the_buttons_on_the_page_do_it(app: Flask, staff_client, share) -> None:
    """The forms as the similar items section draws them, posted as a browser would."""
    worker = staff_client("staff", ("armley",))
    words = f"Bins in Quarry{uuid4().hex[:6]} Street are never emptied and foxes spread rubbish everywhere"
    item, other = share(body=words), share(body=words + " again")
    page = page_of(worker, item)
    same = page.soup.select_one(f"#similar-{other} form[action$='/same-issue']")
    data = {field["name"]: field["value"] for field in same.select("input[type=hidden]")}
    assert worker.post(same["action"], data=data).status_code == 303
    assert row(app, item).same_issue_as_id == other
    stop_form = page_of(worker, item).soup.select_one("#counted-with form")
    data = {field["name"]: field["value"] for field in stop_form.select("input[type=hidden]")}
    assert worker.post(stop_form["action"], data=data).status_code == 303
    assert row(app, item).same_issue_as_id is None
    duplicate = page_of(worker, item).soup.select_one(f"#similar-{other} form[action$='/duplicate']")
    data = {field["name"]: field["value"] for field in duplicate.select("input[type=hidden]")}
    assert worker.post(duplicate["action"], data=data).status_code in (302, 303)
    assert row(app, item).duplicate_of_id == other


def test_an_original_counted_with_another_points_at_that_one(app: Flask, share) -> None:
    first, second, third, fourth = share(), share(), share(), share()
    with app.test_request_context():
        get = db.session.get
        same_issue.count_together(Actor.cli(), get(Submission, second), get(Submission, first))
        counted = same_issue.count_together(Actor.cli(), get(Submission, third), get(Submission, second))
        assert counted.original.id == first
        # Moving an original moves the items counted with it.
        same_issue.count_together(Actor.cli(), get(Submission, first), get(Submission, fourth))
        assert {get(Submission, ident).same_issue_as_id for ident in (first, second, third)} == {fourth}
        assert similar.raised_by([fourth, first]) == {fourth: 4, first: 1}
        again = same_issue.count_together(Actor.cli(), get(Submission, first), get(Submission, fourth))
        assert not again.changed
    assert history(app, second, "same-issue")[-1] == f"Counted together with item {fourth}"


def test_refusals_show_why_and_change_nothing(app: Flask, staff_client, share) -> None:
    worker = staff_client("staff", ("armley",))
    original, item = share(), share()
    refused = count(worker, item, item)
    assert refused.status_code == 200
    page = Page(refused)
    assert page.soup.title.get_text().startswith("Error:")
    assert "Choose a different item" in page.text(".nhsuk-error-summary")
    assert count(worker, item, original).status_code == 303
    backwards = Page(count(worker, original, item))
    assert "already counted together with this one" in backwards.text(".nhsuk-error-summary")
    assert row(app, original).same_issue_as_id is None
    assert stop(worker, item).status_code == 303
    assert "not counted together" in Page(stop(worker, item)).text(".nhsuk-error-summary")
    assert len(audits(app, "submission.same-issue")) == 1


# Who may ----------------------------------------------------------------------------------------------------------


def test_another_partnerships_original_answers_404(app: Flask, staff_client, share) -> None:
    worker = staff_client("staff", ("armley",))
    item, theirs, gone = share("armley"), share("seacroft"), share("seacroft")
    with app.app_context():
        db.session.delete(db.session.get(Submission, gone))
        db.session.commit()
    for original in (theirs, gone, "abc", "", 2**40):
        assert count(worker, item, original).status_code == 404, original
    assert row(app, item).same_issue_as_id is None
    assert audits(app, "submission.same-issue") == []
    with app.test_request_context():
        actor = Actor.staff(db.session.get(StaffUser, worker.user.id))
        with pytest.raises(NotFound):
            same_issue.count_together(actor, db.session.get(Submission, item), db.session.get(Submission, theirs))


def test_another_partnerships_item_answers_404_and_a_viewer_403(app: Flask, staff_client, share) -> None:
    worker = staff_client("staff", ("armley",))
    mine, theirs = share("armley"), share("seacroft")
    csrf = token(worker, mine)
    assert (
        worker.post(f"/admin/submissions/{theirs}/same-issue", data={"csrf_token": csrf, "original": mine}).status_code
        == 404
    )
    assert worker.post(f"/admin/submissions/{theirs}/same-issue/stop", data={"csrf_token": csrf}).status_code == 404
    viewer = staff_client("viewer", ("armley",))
    other = share("armley")
    assert count(viewer, mine, other).status_code == 403
    assert stop(viewer, mine).status_code == 403
    assert row(app, mine).same_issue_as_id is None


def test_an_admin_may_count_across_partnerships_and_a_worker_sees_no_link(app: Flask, staff_client, share) -> None:
    admin = staff_client("admin")
    item, theirs = share("armley"), share("seacroft")
    assert count(admin, item, theirs).status_code == 303
    worker = staff_client("staff", ("armley",))
    page = page_of(worker, item)
    assert f"Counted together with item {theirs}, which another partnership handles" in page.text("#counted-with")
    assert page.soup.select_one("#counted-with a") is None
    # The worker may still stop counting their own item together with it.
    assert stop(worker, item).status_code == 303
    assert row(app, item).same_issue_as_id is None


# Raised by N people, in public ------------------------------------------------------------------------------------


def test_the_public_reply_says_how_many_raised_it(app: Flask, client: FlaskClient, share) -> None:
    original, lonely = share(), share()
    others = [share(), share()]
    with app.test_request_context():
        for ident in others:
            same_issue.count_together(
                Actor.cli(), db.session.get(Submission, ident), db.session.get(Submission, original)
            )
        published = {}
        for ident in (original, lonely):
            routing = db.session.get(Submission, ident).routings[0]
            published[ident] = sharing.publish_response(routing, f"You told us {ident}", "We fixed it")
        db.session.commit()
        replies = {ident: response.id for ident, response in published.items()}
    page = Page(client.get("/lcps/armley"))
    assert page.text(f"#response-{replies[original]}-raised-by") == "Raised by 3 people"
    assert page.soup.select_one(f"#response-{replies[lonely]}-raised-by") is None
