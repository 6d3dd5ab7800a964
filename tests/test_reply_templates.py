"""Reply templates: the commands that add, change and delete them and their translations (audited, each refused
outside its partnership, citywide ones for citywide admins only), and the staff pages that manage them, without
scripts, with errors beside the fields and what was typed kept.
"""

from __future__ import annotations

import json

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.commands import Actor, CommandRefused, Forbidden, NotFound, replies
from app.extensions import db
from app.models import AuditEvent, Lcp, ReplyTemplate, ReplyTemplateTranslation, StaffUser
from tests.conftest import Page

LCP, OTHER = "armley", "seacroft"


def lcp(slug: str) -> Lcp:
    return db.session.scalar(select(Lcp).where(Lcp.slug == slug))


def staff(user) -> Actor:
    return Actor.staff(db.session.get(StaffUser, user.id), "192.0.2.9")


# The last audit record before the running test: a template's id can be one an earlier test's deleted template had
# (SQLite reuses the highest id once its row is gone), and that template's records stay in the log.
_before: dict[str, int] = {"audit": 0}


@pytest.fixture(autouse=True)
def audit_log_so_far(app: Flask) -> None:
    with app.app_context():
        _before["audit"] = db.session.scalar(select(func.max(AuditEvent.id))) or 0


def audits(action: str, template_id: int) -> list[AuditEvent]:
    """The records of this test about the template."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.action == action,
                AuditEvent.object_id == str(template_id),
                AuditEvent.id > _before["audit"],
            )
            .order_by(AuditEvent.id)
        )
    )


@pytest.fixture
def template_of(app: Flask):
    """Makes a template from the command line: for a partnership's slug, or citywide (None); returns its id."""

    def make(slug: str | None, title: str = "Mended", body: str = "We had it mended.", status: str = "") -> int:
        with app.test_request_context():
            return replies.create_template(Actor.cli(), lcp(slug) if slug else None, title, body, status).id

    return make


# The commands --------------------------------------------------------------------------------------------------------


def test_staff_add_change_and_delete_their_partnerships_templates_audited(app, make_staff) -> None:
    worker = make_staff("staff", (LCP,))
    with app.test_request_context():
        template = replies.create_template(staff(worker), lcp(LCP), "  Mended  ", "We had it mended.", "acted")
        assert (template.title, template.status, template.created_by_id) == ("Mended", "acted", worker.id)
        created = audits("reply-template.create", template.id)
        assert len(created) == 1 and created[0].actor_id == worker.id and created[0].address == "192.0.2.9"
        assert json.loads(created[0].after) == {"title": "Mended", "body": "We had it mended.", "status": "acted"}

        assert replies.update_template(staff(worker), template, "Mended", "We had it mended.", "acted") is False
        assert audits("reply-template.update", template.id) == []
        assert replies.update_template(staff(worker), template, "Mended", "We mended it.", "") is True
        updated = audits("reply-template.update", template.id)
        assert json.loads(updated[0].before) == {"body": "We had it mended.", "status": "acted"}
        assert json.loads(updated[0].after) == {"body": "We mended it.", "status": ""}

        template_id = template.id
        replies.delete_template(staff(worker), template)
        assert db.session.get(ReplyTemplate, template_id) is None
        assert len(audits("reply-template.delete", template_id)) == 1


def test_each_change_is_refused_outside_its_rule(app, make_staff, template_of) -> None:
    worker, viewer, admin = make_staff("staff", (LCP,)), make_staff("viewer", (LCP,)), make_staff("admin")
    other_id, citywide_id = template_of(OTHER), template_of(None)
    with app.test_request_context():
        other, citywide = db.session.get(ReplyTemplate, other_id), db.session.get(ReplyTemplate, citywide_id)
        with pytest.raises(NotFound):
            replies.create_template(staff(worker), lcp(OTHER), "Theirs", "Words.")
        with pytest.raises(NotFound):
            replies.update_template(staff(worker), other, "Mine now", "Words.")
        with pytest.raises(NotFound):
            replies.delete_template(staff(worker), other)
        with pytest.raises(Forbidden):
            replies.create_template(staff(viewer), lcp(LCP), "Viewer", "Words.")
        with pytest.raises(Forbidden):
            replies.create_template(staff(worker), None, "Citywide", "Words.")
        with pytest.raises(Forbidden):
            replies.update_template(staff(worker), citywide, "Changed", "Words.")
        with pytest.raises(CommandRefused, match="Enter a title"):
            replies.create_template(staff(worker), lcp(LCP), "   ", "Words.")
        with pytest.raises(CommandRefused, match="Choose what the reply does"):
            replies.create_template(staff(worker), lcp(LCP), "Looking", "Words.", "looking")
        with pytest.raises(NotFound):
            replies.save_template_translation(staff(admin), citywide, "xx", "Words.")
        assert replies.create_template(staff(admin), None, "Thanks", "Thank you.").lcp_id is None
        assert replies.update_template(staff(admin), other, "Theirs, tidied", "Words.") is True


def test_translations_are_saved_changed_and_removed_audited(app, make_staff, template_of) -> None:
    worker = make_staff("staff", (LCP,))
    template_id = template_of(LCP)
    with app.test_request_context():
        template = db.session.get(ReplyTemplate, template_id)
        replies.save_template_translation(staff(worker), template, "pl", "Naprawiliśmy to.")
        replies.save_template_translation(staff(worker), template, "pl", "Naprawiliśmy.")
        rows = db.session.scalars(
            select(ReplyTemplateTranslation).where(ReplyTemplateTranslation.template_id == template_id)
        ).all()
        assert [(row.language, row.body) for row in rows] == [("pl", "Naprawiliśmy.")]
        saved = audits("reply-template.translation", template_id)
        assert [json.loads(row.before) if row.before else None for row in saved] == [None, {"body": "Naprawiliśmy to."}]
        assert replies.remove_template_translation(staff(worker), template, "pl") is True
        assert replies.remove_template_translation(staff(worker), template, "pl") is False
        assert len(audits("reply-template.translation-remove", template_id)) == 1
        assert template.translations == []


# The pages -----------------------------------------------------------------------------------------------------------


def test_the_list_shows_the_persons_and_the_citywide_templates_only(staff_client, template_of) -> None:
    own, other, citywide = template_of(LCP, "Ours"), template_of(OTHER, "Theirs"), template_of(None, "Everyone's")
    client = staff_client("staff", (LCP,))
    page = Page(client.get("/admin/reply-templates"))
    assert page.response.status_code == 200
    assert page.soup.select_one(f"#template-{other}") is None
    assert "Every partnership (citywide)" in page.text(f"#template-{citywide}")
    assert "Only a citywide admin can change it." in page.text(f"#template-{citywide}")
    assert page.links(f"#template-{own}") == {
        "Change Ours": f"/admin/reply-templates/{own}",
        "Delete Ours": f"/admin/reply-templates/{own}/delete",
    }
    assert client.get(f"/admin/reply-templates/{other}").status_code == 404
    assert client.get(f"/admin/reply-templates/{citywide}").status_code == 403
    assert staff_client("viewer", (LCP,)).get("/admin/reply-templates").status_code == 403


def test_adding_a_template_without_a_title_keeps_what_was_typed(app, staff_client, staff_post) -> None:
    client = staff_client("staff", (LCP,))
    form = Page(client.get("/admin/reply-templates/new"))
    assert [option["value"] for option in form.soup.select("#lcp option") if option["value"]] == [LCP]
    page = Page(
        staff_post(
            client,
            "/admin/reply-templates/new",
            {"lcp": LCP, "title": "", "body": "We asked the practice to call you.", "status": "acted"},
        )
    )
    assert page.response.status_code == 200
    assert page.soup.title.get_text().startswith("Error:")
    assert page.soup.select_one(".nhsuk-error-summary a")["href"] == "#title"
    assert page.soup.select_one("#body").get_text() == "We asked the practice to call you."
    assert page.soup.select_one("input[name=status][value=acted]").has_attr("checked")

    response = staff_post(
        client,
        "/admin/reply-templates/new",
        {"lcp": LCP, "title": "Practice will call", "body": "We asked the practice to call you.", "status": "acted"},
    )
    assert response.status_code == 303
    with app.app_context():
        made = db.session.scalar(select(ReplyTemplate).where(ReplyTemplate.title == "Practice will call"))
        assert (made.lcp.slug, made.status, made.created_by_id) == (LCP, "acted", client.user.id)
        assert response.headers["Location"].endswith(f"/admin/reply-templates/{made.id}")


def test_a_template_is_changed_translated_and_deleted_through_its_pages(app, staff_client, staff_post, template_of):
    template_id = template_of(LCP, "Mended", "We had it mended.")
    client = staff_client("staff", (LCP,))
    edit = f"/admin/reply-templates/{template_id}"
    page = Page(client.get(edit))
    assert page.soup.select_one("#title")["value"] == "Mended"
    assert page.soup.select_one("#lcp") is None
    assert page.links("#translations + p + dl")["Add the version in Polski"] == f"{edit}/translations/pl"

    response = staff_post(client, edit, {"title": "Mended", "body": "We mended it.", "status": "closed"})
    assert response.status_code == 303
    response = staff_post(client, f"{edit}/translations/pl", {"body": "Naprawiliśmy to.", "action": "save"})
    assert response.status_code == 303
    page = Page(client.get(edit))
    assert "Translated" in page.text("#translations + p + dl")
    with app.app_context():
        template = db.session.get(ReplyTemplate, template_id)
        assert (template.body, template.status) == ("We mended it.", "closed")
        assert [(row.language, row.body) for row in template.translations] == [("pl", "Naprawiliśmy to.")]
    assert client.get(f"{edit}/translations/xx").status_code == 404

    confirm = Page(client.get(f"{edit}/delete"))
    assert confirm.h1 == "Delete the template “Mended”?"
    assert staff_post(client, f"{edit}/delete", {}).status_code == 303
    with app.app_context():
        assert db.session.get(ReplyTemplate, template_id) is None


def test_an_admin_adds_a_citywide_template(app, staff_client, staff_post) -> None:
    client = staff_client("admin")
    form = Page(client.get("/admin/reply-templates/new"))
    assert form.soup.select("#lcp option")[1]["value"] == "citywide"
    response = staff_post(
        client,
        "/admin/reply-templates/new",
        {"lcp": "citywide", "title": "Thanks, citywide", "body": "Thank you for telling us.", "status": ""},
    )
    assert response.status_code == 303
    with app.app_context():
        made = db.session.scalar(select(ReplyTemplate).where(ReplyTemplate.title == "Thanks, citywide"))
        assert made.lcp_id is None and made.status == ""
