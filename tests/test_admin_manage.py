"""What only citywide admins manage: staff accounts, topics, partnerships (add, rename, merge) and the audit log.

The database is shared by the whole session, so every test makes its own rows with unique names and
deletes them afterwards; nothing here changes a seeded partnership.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import delete, select

from app.clock import utcnow
from app.commands import accounts
from app.extensions import db
from app.models import (
    Area,
    AuditEvent,
    Follower,
    FollowerLcp,
    Lcp,
    LcpRedirect,
    MaturityAssessment,
    Meeting,
    StaffUser,
    Topic,
)
from app.services import audit, auth, lcp_admin
from tests.conftest import Page


def unique(word: str) -> str:
    return f"{word} {uuid.uuid4().hex[:8]}"


@pytest.fixture
def seeded_slug(app: Flask) -> str:
    with app.app_context():
        return db.session.scalar(select(Lcp.slug).order_by(Lcp.id))


@pytest.fixture
def made(app: Flask):
    """Rows a test made, by model and id, deleted afterwards (partnerships by SQL, so the database cascades)."""
    rows: list[tuple[type, int]] = []
    yield rows
    with app.app_context():
        for model, ident in reversed(rows):
            if model is Lcp:
                db.session.execute(delete(Lcp).where(Lcp.id == ident))
            elif (row := db.session.get(model, ident)) is not None:
                db.session.delete(row)
        db.session.commit()


@pytest.fixture
def new_lcp(app: Flask, made):
    """Makes a partnership of the test's own, with areas and an upcoming meeting if asked; returns its slug and id."""

    def make(name: str, areas: tuple[str, ...] = (), meeting: str = "") -> tuple[str, int]:
        with app.test_request_context():
            lcp = lcp_admin.create_lcp(name, name.split()[0])
            for position, area in enumerate(areas):
                db.session.add(Area(lcp_id=lcp.id, name=area, position=position))
            if meeting:
                starts = utcnow() + timedelta(days=10)
                db.session.add(
                    Meeting(lcp_id=lcp.id, title=meeting, starts_at=starts, ends_at=starts + timedelta(hours=1))
                )
            db.session.commit()
            made.append((Lcp, lcp.id))
            return lcp.slug, lcp.id

    return make


def csrf_from(client, url: str) -> str:
    return Page(client.get(url)).soup.select_one("input[name=csrf_token]")["value"]


def admin_urls(seeded_slug: str, user_id: int, topic_id: int) -> tuple[list[str], list[str]]:
    pages = [
        "/admin/staff",
        "/admin/staff/new",
        f"/admin/staff/{user_id}",
        "/admin/topics",
        "/admin/topics/new",
        f"/admin/topics/{topic_id}",
        "/admin/lcps/new",
        f"/admin/lcps/{seeded_slug}/rename",
        f"/admin/lcps/{seeded_slug}/merge",
        "/admin/audit",
    ]
    posts = [url for url in pages if not url.endswith(("/staff", "/topics", "/audit"))] + [
        f"/admin/staff/{user_id}/{action}" for action in ("disable", "enable", "unlock", "reset-2fa", "reset-password")
    ]
    return pages, posts


# Who may use these pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_lcp_staff_and_viewers_are_refused_every_admin_page(app, staff_client, make_staff, seeded_slug, role) -> None:
    client = staff_client(role, (seeded_slug,))
    other = make_staff("staff", (seeded_slug,))
    with app.app_context():
        topic_id = db.session.scalar(select(Topic.id))
    pages, posts = admin_urls(seeded_slug, other.id, topic_id)
    token = csrf_from(client, "/admin/account")
    for url in pages:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert client.post(url, data={"csrf_token": token, "role": "admin"}).status_code == 403, url
    with app.app_context():
        assert db.session.get(StaffUser, other.id).role == "staff"
        assert db.session.get(StaffUser, other.id).disabled_at is None


def test_strangers_are_sent_to_sign_in(app, client, make_staff, seeded_slug) -> None:
    other = make_staff("staff", (seeded_slug,))
    with app.app_context():
        topic_id = db.session.scalar(select(Topic.id))
    pages, posts = admin_urls(seeded_slug, other.id, topic_id)
    token = csrf_from(client, "/admin/login")
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302 and response.location.startswith("/admin/login"), url
    for url in posts:
        response = client.post(url, data={"csrf_token": token})
        assert response.status_code == 302 and response.location.startswith("/admin/login"), url


def test_admins_see_the_admin_sections_in_the_menu(staff_client) -> None:
    page = Page(staff_client("admin").get("/admin/"))
    assert {"Staff", "Topics", "Audit log"} <= set(page.links("header"))


# Staff accounts -----------------------------------------------------------------------------------------------


def test_an_admin_adds_an_account_and_sees_its_password_once(app, staff_client, staff_post, made, seeded_slug) -> None:
    admin = staff_client("admin")
    email = f"{uuid.uuid4().hex[:10]}@staff.example.org"
    response = staff_post(
        admin, "/admin/staff/new", {"name": "Nadia Testperson", "email": email, "role": "viewer", "lcps": [seeded_slug]}
    )
    page = Page(response)
    assert response.status_code == 200
    password = page.soup.select_one("#initial-password").get_text()
    assert len(password) >= 16
    assert "authenticator app" in page.text()
    with app.app_context():
        user = auth.find_staff(email)
        made.append((StaffUser, user.id))
        assert (user.role, [lcp.slug for lcp in user.lcps], user.totp_enrolled_at) == ("viewer", [seeded_slug], None)
        assert accounts.check_password(email, password) is not None
        assert db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "staff.create", AuditEvent.object_id == str(user.id))
        )
    listing = admin.get("/admin/staff").get_data(as_text=True)
    assert email in listing and "Authenticator not set up" in listing and password not in listing
    assert password not in admin.get(f"/admin/staff/{user.id}").get_data(as_text=True)


def test_lcp_staff_need_a_partnership_and_what_was_typed_is_kept(staff_client, staff_post) -> None:
    admin = staff_client("admin")
    response = staff_post(
        admin, "/admin/staff/new", {"name": "Kept Name", "email": "kept@staff.example.org", "role": "staff"}
    )
    page = Page(response)
    assert response.status_code == 200
    assert page.soup.title.get_text().strip().startswith("Error:")
    assert "Choose at least one partnership" in page.text(".nhsuk-error-summary")
    assert page.soup.select_one("#name")["value"] == "Kept Name"
    assert page.soup.select_one("input[name=role][value=staff]").has_attr("checked")


def test_an_address_in_use_is_refused(staff_client, staff_post, make_staff) -> None:
    admin = staff_client("admin")
    other = make_staff("admin")
    response = staff_post(admin, "/admin/staff/new", {"name": "Twin", "email": other.email, "role": "admin"})
    assert "already an account" in Page(response).text(".nhsuk-error-summary")


def test_reducing_access_is_audited_and_signs_the_person_out(
    app, staff_client, staff_post, seeded_slug, new_lcp
) -> None:
    second, _ = new_lcp(unique("Second Testshire"))
    person = staff_client("staff", (seeded_slug, second))
    assert person.get("/admin/").status_code == 200
    admin = staff_client("admin")
    url = f"/admin/staff/{person.user.id}"
    response = staff_post(admin, url, {"role": "staff", "lcps": [seeded_slug]})
    assert response.status_code == 302
    assert "access has been changed" in Page(admin.get(url)).text()
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent)
            .where(AuditEvent.action == "staff.permissions", AuditEvent.object_id == str(person.user.id))
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )
        assert second in event.before and second not in event.after
        assert [lcp.slug for lcp in db.session.get(StaffUser, person.user.id).lcps] == [seeded_slug]
    assert person.get("/admin/").status_code == 302


def test_an_admin_cannot_demote_disable_or_reset_themselves(app, staff_client, staff_post) -> None:
    admin = staff_client("admin")
    url = f"/admin/staff/{admin.user.id}"
    page = Page(admin.get(url))
    assert "This is your own account" in page.text() and page.soup.select("main form") == []
    response = staff_post(admin, url, {"role": "viewer"}, form_page="/admin/account")
    assert "cannot change your own role" in Page(response).text(".nhsuk-error-summary")
    for action in ("disable", "reset-2fa", "reset-password"):
        response = staff_post(admin, f"{url}/{action}", {}, form_page="/admin/account")
        assert "cannot change your own role" in Page(response).text(".nhsuk-error-summary"), action
    with app.app_context():
        user = db.session.get(StaffUser, admin.user.id)
        assert (user.role, user.disabled_at) == ("admin", None) and user.totp_enrolled_at is not None
    assert admin.get("/admin/staff").status_code == 200


def test_buttons_disable_enable_unlock_and_reset(app, staff_client, staff_post, seeded_slug) -> None:
    person = staff_client("staff", (seeded_slug,))
    admin = staff_client("admin")
    url = f"/admin/staff/{person.user.id}"
    assert staff_post(admin, f"{url}/disable", {}, form_page=url).status_code == 302
    assert person.get("/admin/").status_code == 302
    assert "Disabled" in Page(admin.get("/admin/staff")).text()
    staff_post(admin, f"{url}/enable", {}, form_page=url)
    with app.app_context():
        user = db.session.get(StaffUser, person.user.id)
        assert user.disabled_at is None
        user.locked_at = utcnow()
        db.session.commit()
    assert "Unlock account" in Page(admin.get(url)).text()
    staff_post(admin, f"{url}/unlock", {}, form_page=url)
    staff_post(admin, f"{url}/reset-2fa", {}, form_page=url)
    response = staff_post(admin, f"{url}/reset-password", {}, form_page=url)
    password = Page(response).soup.select_one("#initial-password").get_text()
    with app.app_context():
        user = db.session.get(StaffUser, person.user.id)
        assert (user.locked_at, user.totp_enrolled_at) == (None, None)
        assert accounts.check_password(user.email, password) is not None
        actions = set(
            db.session.scalars(
                select(AuditEvent.action).where(
                    AuditEvent.object_id == str(user.id),
                    AuditEvent.object_type == "staff_user",
                    AuditEvent.at >= user.created_at,
                )
            )
        )
        assert {"staff.disable", "staff.enable", "staff.unlock", "staff.reset-2fa", "staff.reset-password"} <= actions


# Topics -------------------------------------------------------------------------------------------------------


def test_topics_are_added_and_renamed_but_keep_their_slug(app, staff_client, staff_post, made) -> None:
    admin = staff_client("admin")
    label = unique("Test Topic & Things")
    assert staff_post(admin, "/admin/topics/new", {"label": label, "summary": "About it."}).status_code == 302
    with app.app_context():
        topic = db.session.scalar(select(Topic).where(Topic.label == label))
        made.append((Topic, topic.id))
        slug = topic.slug
    assert slug == lcp_admin.kebab(label) and "-and-" in slug
    assert label in Page(admin.get("/admin/topics")).text()
    renamed = unique("Renamed topic")
    staff_post(admin, f"/admin/topics/{topic.id}", {"label": renamed, "summary": ""})
    with app.app_context():
        topic = db.session.get(Topic, topic.id)
        assert (topic.label, topic.slug) == (renamed, slug)
        assert db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "topic.edit", AuditEvent.object_id == str(topic.id))
        )
    response = staff_post(admin, "/admin/topics/new", {"label": renamed.upper()})
    assert "already a topic" in Page(response).text(".nhsuk-error-summary")
    response = staff_post(admin, "/admin/topics/new", {"label": "x" * 121})
    page = Page(response)
    assert page.soup.title.get_text().strip().startswith("Error:") and "120 characters" in page.text()


# Partnerships -------------------------------------------------------------------------------------------------


def test_an_added_partnership_is_in_the_public_directory(app, client, staff_client, staff_post, made) -> None:
    admin = staff_client("admin")
    name = unique("Testshire Local Care Partnership")
    response = staff_post(admin, "/admin/lcps/new", {"name": name, "short_name": "Testshire", "summary": "New."})
    with app.app_context():
        lcp = db.session.scalar(select(Lcp).where(Lcp.name == name))
        made.append((Lcp, lcp.id))
        assert (lcp.slug, lcp.confidence) == (lcp_admin.kebab(name), "medium")
    assert response.status_code == 302 and response.location.endswith(f"/admin/lcps/{lcp.slug}")
    assert name in Page(client.get("/lcps")).text()
    assert client.get(f"/lcps/{lcp.slug}").status_code == 200


def test_a_new_slug_never_reuses_one_taken_now_or_before(app, new_lcp, app_context) -> None:
    name = unique("Slugtown")
    slug, lcp_id = new_lcp(name)
    assert lcp_admin.slug_for(name) == f"{slug}-2"
    db.session.add(LcpRedirect(old_slug=f"{slug}-2", lcp_id=lcp_id))
    assert lcp_admin.slug_for(name) == f"{slug}-3"
    assert lcp_admin.slug_for("New") != "new"


def test_renaming_keeps_old_links_working(app, client, staff_client, staff_post, new_lcp) -> None:
    old, lcp_id = new_lcp(unique("Oldname"), meeting="Renamed test meeting")
    with app.app_context():
        meeting_id = db.session.scalar(select(Meeting.id).where(Meeting.lcp_id == lcp_id))
    admin = staff_client("admin")
    new = f"{old}-renamed"
    url = f"/admin/lcps/{old}/rename"
    assert Page(admin.get(url)).soup.select_one("#slug")["value"] == old
    response = staff_post(admin, url, {"name": "Newname Partnership", "short_name": "Newname", "slug": new})
    assert response.status_code == 302 and response.location.endswith(f"/admin/lcps/{new}")
    for before, after in [
        (f"/lcps/{old}", f"/lcps/{new}"),
        (f"/lcps/{old}/updates.atom", f"/lcps/{new}/updates.atom"),
        (f"/lcps/{old}/meetings.ics", f"/lcps/{new}/meetings.ics"),
        (f"/lcps/{old}/meetings/{meeting_id}", f"/lcps/{new}/meetings/{meeting_id}"),
        (f"/updates.atom?lcp={old}", f"/updates.atom?lcp={new}"),
        (f"/follow/lcp/{old}", f"/follow/lcp/{new}"),
    ]:
        response = client.get(before)
        assert (response.status_code, response.location) == (301, after), before
    assert client.get(f"/lcps/{new}").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(LcpRedirect.lcp_id).where(LcpRedirect.old_slug == old)) == lcp_id
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "lcp.rename", AuditEvent.lcp_id == lcp_id)
        )
        assert old in event.before and new in event.after
    # The old slug is not free for another partnership, and a bad one is refused with the answers kept.
    other, _ = new_lcp(unique("Otherplace"))
    response = staff_post(admin, f"/admin/lcps/{other}/rename", {"name": "Other", "short_name": "Other", "slug": old})
    assert "uses or used" in Page(response).text(".nhsuk-error-summary")
    response = staff_post(admin, f"/admin/lcps/{other}/rename", {"name": "Kept", "short_name": "K", "slug": "Not OK"})
    page = Page(response)
    assert (
        "lower-case letters" in page.text(".nhsuk-error-summary") and page.soup.select_one("#name")["value"] == "Kept"
    )


def test_merging_moves_everything_and_sends_old_links_on(
    app, client, staff_client, staff_post, new_lcp, make_staff, made
) -> None:
    source, source_id = new_lcp(unique("Mergefrom"), areas=("Alphaby", "Sharedton"), meeting="Moved test meeting")
    target, target_id = new_lcp(unique("Mergeinto"), areas=("Sharedton", "Betaville"))
    scoped = make_staff("staff", (source,))
    with app.app_context():
        for lcp_id in (source_id, target_id):
            db.session.add(MaturityAssessment(lcp_id=lcp_id, assessed_on=date(2025, 1, 15)))
        follower = Follower(email=f"{uuid.uuid4().hex[:10]}@example.org")
        db.session.add(follower)
        db.session.flush()
        db.session.add_all(
            [
                FollowerLcp(follower_id=follower.id, lcp_id=source_id),
                FollowerLcp(follower_id=follower.id, lcp_id=target_id),
            ]
        )
        db.session.commit()
        made.append((Follower, follower.id))
    admin = staff_client("admin")
    url = f"/admin/lcps/{source}/merge"
    response = staff_post(admin, url, {"target": target})
    assert "Tick the box" in Page(response).text(".nhsuk-error-summary")
    response = staff_post(admin, url, {"target": target, "confirm": "y"})
    page = Page(response)
    assert response.status_code == 200 and "2025-01-15" in page.text()
    with app.app_context():
        assert db.session.get(Lcp, source_id) is None
        assert sorted(db.session.scalars(select(Area.name).where(Area.lcp_id == target_id))) == [
            "Alphaby",
            "Betaville",
            "Sharedton",
        ]
        assert db.session.scalar(select(Meeting.lcp_id).where(Meeting.title == "Moved test meeting")) == target_id
        assert (
            len(db.session.scalars(select(MaturityAssessment).where(MaturityAssessment.lcp_id == target_id)).all()) == 1
        )
        assert list(db.session.scalars(select(FollowerLcp.lcp_id).where(FollowerLcp.follower_id == follower.id))) == [
            target_id
        ]
        assert [lcp.id for lcp in db.session.get(StaffUser, scoped.id).lcps] == [target_id]
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "lcp.merge", AuditEvent.lcp_id == target_id)
        )
        assert "meetings: 1" in event.summary and "2025-01-15" in event.summary
        assert db.session.get(Lcp, target_id).edited_at is not None
    response = client.get(f"/lcps/{source}")
    assert (response.status_code, response.location) == (301, f"/lcps/{target}")
    public = Page(client.get(f"/lcps/{target}")).text()
    assert "Alphaby" in public and "Betaville" in public and "Moved test meeting" in public


def test_a_partnership_cannot_merge_into_itself(staff_client, staff_post, new_lcp) -> None:
    source, _ = new_lcp(unique("Selfmerge"))
    response = staff_post(staff_client("admin"), f"/admin/lcps/{source}/merge", {"target": source, "confirm": "y"})
    assert "Choose the partnership to merge into" in Page(response).text(".nhsuk-error-summary")


# The audit log ------------------------------------------------------------------------------------------------


def test_the_audit_log_searches_and_pages_back(app, staff_client) -> None:
    marker = uuid.uuid4().hex
    with app.test_request_context():
        ids = []
        for number in range(55):
            event = audit.record(
                "staff.test" if number % 2 else "lcp.test",
                actor_label="command line",
                summary=f"{marker} number {number}",
                before={"role": "viewer"},
                after={"role": "staff"},
            )
            db.session.flush()
            ids.append(event.id)
        db.session.commit()
    admin = staff_client("admin")
    page = Page(admin.get(f"/admin/audit?q={marker}"))
    rows = page.soup.select("tbody tr")
    assert len(rows) == 50
    assert f"{marker} number 54" in rows[0].get_text(" ") and "role: viewer → staff" in rows[0].get_text(" ")
    older = page.soup.find("a", string="Older entries")["href"]
    assert f"q={marker}" in older and "before=" in older
    second = Page(admin.get(older))
    assert len(second.soup.select("tbody tr")) == 5 and second.soup.find("a", string="Older entries") is None
    filtered = Page(admin.get(f"/admin/audit?q={marker}&action=staff"))
    assert len(filtered.soup.select("tbody tr")) == 27
    assert "staff" in [option["value"] for option in filtered.soup.select("#action option")]
    with app.app_context():
        db.session.execute(delete(AuditEvent).where(AuditEvent.id.in_(ids)))
        db.session.commit()


def test_the_audit_log_search_matches_percent_and_underscore_as_typed(app, staff_client) -> None:
    marker = uuid.uuid4().hex[:12]
    with app.test_request_context():
        events = [
            audit.record("lcp.test", actor_label="command line", summary=f"{marker} raised 100% of it"),
            audit.record("lcp.test", actor_label="command line", summary=f"{marker} raised 1000 of it"),
            audit.record("lcp.test", actor_label="command line", summary=f"{marker} a_b"),
            audit.record("lcp.test", actor_label="command line", summary=f"{marker} axb"),
        ]
        db.session.commit()
        ids = [event.id for event in events]
    admin = staff_client("admin")
    try:
        for typed, found in ((f"{marker} raised 100%", "100%"), (f"{marker} a_b", "a_b")):
            rows = Page(admin.get("/admin/audit", query_string={"q": typed})).soup.select("tbody tr")
            assert [found in row.get_text(" ") for row in rows] == [True]
    finally:
        with app.app_context():
            db.session.execute(delete(AuditEvent).where(AuditEvent.id.in_(ids)))
            db.session.commit()
