"""A partnership's staff pages: its public facts, priorities and GP practices, who may change them, and the seed.

The database is shared by the whole test session, so every test that changes a partnership or a
practice puts it back afterwards (the `restore_lcp` and `restore_practices` fixtures).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from app.commands import Actor
from app.commands.system import seed
from app.extensions import db
from app.models import (
    Area,
    AuditEvent,
    GpPractice,
    Lcp,
    LcpPostcodeDistrict,
    Partner,
    PostcodeDistrict,
    Priority,
    Topic,
)
from app.services.finder import find
from tests.conftest import Page

SLUG = "bramley-wortley-middleton"
OTHER = "otley-aireborough"
FREE_PRACTICE = "B86104"  # Bramley Village Health & Wellbeing Centre: no confirmed LCP in the seed
MORLEY_PRACTICE = "B86678"  # Drighlington Medical Centre: linked to Morley in the seed
TOKEN_PAGE = "/admin/lcps"  # any staff page has a CSRF token (the sign-out form)


def lcp_row(slug: str = SLUG) -> Lcp:
    return db.session.scalar(select(Lcp).where(Lcp.slug == slug))


def practice_row(ods: str) -> GpPractice:
    return db.session.scalar(select(GpPractice).where(GpPractice.ods_code == ods))


def last_audit(action: str) -> AuditEvent:
    return db.session.scalar(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc()))


def lcp_state(lcp: Lcp) -> dict:
    return {
        "summary": lcp.summary,
        "contact_email": lcp.contact_email,
        "edited_at": lcp.edited_at,
        "areas": [(a.name, a.kind, a.position) for a in lcp.areas],
        "districts": [(link.district.code, link.derived, link.note) for link in lcp.district_links],
        "partners": [(p.name, p.kind, p.position) for p in lcp.partners],
        "priorities": [(p.title, p.summary, p.position, [t.slug for t in p.topics]) for p in lcp.priorities],
    }


def put_back(lcp: Lcp, state: dict) -> None:
    """Deletes the partnership's lists and writes them again as they were, so later tests see the seed."""
    for row in [*lcp.areas, *lcp.district_links, *lcp.partners, *lcp.priorities]:
        db.session.delete(row)
    db.session.flush()
    db.session.expire(lcp)
    lcp.summary, lcp.contact_email, lcp.edited_at = state["summary"], state["contact_email"], state["edited_at"]
    for name, kind, position in state["areas"]:
        db.session.add(Area(lcp_id=lcp.id, name=name, kind=kind, position=position))
    for code, derived, note in state["districts"]:
        district = db.session.scalar(select(PostcodeDistrict).where(PostcodeDistrict.code == code))
        db.session.add(LcpPostcodeDistrict(lcp_id=lcp.id, district_id=district.id, derived=derived, note=note))
    for name, kind, position in state["partners"]:
        db.session.add(Partner(lcp_id=lcp.id, name=name, kind=kind, position=position))
    for title, summary, position, slugs in state["priorities"]:
        topics = list(db.session.scalars(select(Topic).where(Topic.slug.in_(slugs)).order_by(Topic.position)))
        db.session.add(Priority(lcp_id=lcp.id, title=title, summary=summary, position=position, topics=topics))
    db.session.commit()


@pytest.fixture
def restore_lcp(app: Flask) -> Iterator[None]:
    with app.app_context():
        state = lcp_state(lcp_row())
    yield
    with app.app_context():
        put_back(lcp_row(), state)


LINK_FIELDS = ("lcp_id", "lcp_source", "lcp_note", "lcp_linked_at", "lcp_linked_by_id")


@pytest.fixture
def restore_practices(app: Flask) -> Iterator[None]:
    with app.app_context():
        states = {
            ods: {name: getattr(practice_row(ods), name) for name in LINK_FIELDS}
            for ods in (FREE_PRACTICE, MORLEY_PRACTICE)
        }
    yield
    with app.app_context():
        for ods, state in states.items():
            practice = practice_row(ods)
            for name, value in state.items():
                setattr(practice, name, value)
        db.session.commit()


@pytest.fixture(scope="module", autouse=True)
def nothing_left_changed(app: Flask) -> Iterator[None]:
    """After this module, the partnerships and practices it touched are as the seed left them."""

    def state() -> list:
        with app.app_context():
            lcps = [lcp_state(lcp_row(slug)) for slug in (SLUG, "armley", "woodsley-holt-park")]
            practices = [
                [getattr(practice_row(ods), name) for name in LINK_FIELDS]
                for ods in (FREE_PRACTICE, MORLEY_PRACTICE, "B86003")
            ]
            return [lcps, practices]

    before = state()
    yield
    assert state() == before


PAGE_FORM = {
    "summary": "We work on **healthy ageing** in Bramley.",
    "contact_email": "bramley.lcp@example.org",
    "areas": "Bramley\nWortley\n\nbramley\nFarnley",
    "districts": "LS13, ls12 LS13",
    "partners": "Bramley Elderly Action | Voluntary sector\nLeeds City Council",
    "action": "save",
}


# The page's facts ----------------------------------------------------------------------------------------------


def test_the_list_and_overview_show_what_the_person_may_see(staff_client) -> None:
    client = staff_client("viewer", (SLUG,))
    listing = Page(client.get("/admin/lcps"))
    assert listing.soup.select_one("table.nhsuk-table caption") is not None
    assert "Bramley, Wortley & Middleton" in listing.text()
    assert "Armley" not in listing.text("table")
    overview = Page(client.get(f"/admin/lcps/{SLUG}"))
    assert overview.response.status_code == 200
    links = overview.links()
    assert links["Meetings"] == f"/admin/lcps/{SLUG}/meetings"
    assert not [text for text in links if text.startswith("Change")]
    assert not overview.soup.select("main form")


def test_editing_the_page_saves_it_and_the_public_page_shows_it(
    app: Flask, staff_client, staff_post, client, restore_lcp
) -> None:
    staff = staff_client("staff", (SLUG,))
    overview = Page(staff.get(f"/admin/lcps/{SLUG}"))
    assert f"/admin/lcps/{SLUG}/page#areas" in overview.links().values()
    response = staff_post(staff, f"/admin/lcps/{SLUG}/page", PAGE_FORM)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/lcps/{SLUG}"
    assert "has been saved" in Page(staff.get(response.headers["Location"])).text()

    public = Page(client.get(f"/lcps/{SLUG}")).text()
    assert "healthy ageing" in public
    assert "bramley.lcp@example.org" in public
    assert "Bramley, Wortley, Farnley" in public
    assert "Postcode districts: LS12, LS13." in public
    assert "Bramley Elderly Action (Voluntary sector)" in public

    with app.app_context():
        lcp = lcp_row()
        assert lcp.edited_at is not None
        assert [area.name for area in lcp.areas] == ["Bramley", "Wortley", "Farnley"]
        event = last_audit("lcp.edit")
        assert event.lcp_id == lcp.id and event.actor_id == staff.user.id
        before, after = json.loads(event.before), json.loads(event.after)
        assert after["areas"] == ["Bramley", "Wortley", "Farnley"]
        assert after["contact_email"] == "bramley.lcp@example.org"
        assert before["contact_email"] == ""
        assert "partners" in after


def test_districts_keep_their_links_and_new_ones_are_stated(app: Flask, staff_client, staff_post, restore_lcp) -> None:
    with app.app_context():
        kept = {link.district.code: link.derived for link in lcp_row().district_links}
    staff = staff_client("staff", (SLUG,))
    codes = " ".join([*kept, "LS28"])
    staff_post(staff, f"/admin/lcps/{SLUG}/page", {**PAGE_FORM, "districts": codes})
    with app.app_context():
        links = {link.district.code: link.derived for link in lcp_row().district_links}
    assert links == {**kept, "LS28": False}


def test_the_preview_sanitises_and_saves_nothing(app: Flask, staff_client, staff_post) -> None:
    staff = staff_client("staff", (SLUG,))
    typed = "Hello **there**<script>alert(1)</script>"
    response = staff_post(staff, f"/admin/lcps/{SLUG}/page", {**PAGE_FORM, "summary": typed, "action": "preview"})
    assert response.status_code == 200
    page = Page(response)
    preview = page.soup.select_one(".app-preview")
    assert preview.select_one("strong").get_text() == "there"
    assert not preview.select("script") and "alert" not in str(preview)
    assert page.soup.select_one("textarea#summary").get_text() == typed
    with app.app_context():
        assert "<script>" not in lcp_row().summary
        assert lcp_row().edited_at is None


def test_unknown_districts_are_named_and_what_was_typed_is_kept(app: Flask, staff_client, staff_post) -> None:
    staff = staff_client("staff", (SLUG,))
    response = staff_post(staff, f"/admin/lcps/{SLUG}/page", {**PAGE_FORM, "districts": "LS13 XX9, zz1"})
    assert response.status_code == 200
    page = Page(response)
    assert page.soup.title.get_text().startswith("Error:")
    assert "We do not know the postcode districts XX9, ZZ1" in page.text(".nhsuk-error-summary")
    assert page.soup.select_one("input#districts")["value"] == "LS13 XX9, zz1"
    assert page.soup.select_one("textarea#partners").get_text().startswith("Bramley Elderly Action")
    with app.app_context():
        assert lcp_row().contact_email != "bramley.lcp@example.org"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("contact_email", "not an address", "Enter an email address in the correct format"),
        ("areas", "A" * 121, "Area names must be 120 characters or fewer"),
        ("areas", "\n".join(f"Area {n}" for n in range(51)), "Enter 50 areas or fewer"),
        ("summary", "x" * 5001, "Enter a summary of 5,000 characters or fewer"),
        ("partners", " | Charity", "Each partner needs a name"),
    ],
)
def test_the_page_form_says_what_to_fix(staff_client, staff_post, field: str, value: str, message: str) -> None:
    staff = staff_client("staff", (SLUG,))
    page = Page(staff_post(staff, f"/admin/lcps/{SLUG}/page", {**PAGE_FORM, field: value}))
    assert message in page.text(".nhsuk-error-summary")


# Priorities ----------------------------------------------------------------------------------------------------


def test_priorities_can_be_added_changed_and_deleted_with_topics(
    app: Flask, staff_client, staff_post, client, restore_lcp
) -> None:
    staff = staff_client("staff", (SLUG,))
    with app.app_context():
        topics = [topic.slug for topic in db.session.scalars(select(Topic).order_by(Topic.position).limit(2))]
    new_url = f"/admin/lcps/{SLUG}/priorities/new"
    response = staff_post(staff, new_url, {"title": "Warm homes", "summary": "Help with heating.", "topics": topics})
    assert response.status_code == 302
    with app.app_context():
        priority = db.session.scalar(select(Priority).where(Priority.title == "Warm homes"))
        assert [topic.slug for topic in priority.topics] == topics
        assert priority.lcp.slug == SLUG and priority.lcp.edited_at is not None
        priority_id = priority.id
        assert json.loads(last_audit("priority.create").after)["topics"] == topics
    assert "Warm homes" in Page(client.get(f"/lcps/{SLUG}")).text()

    duplicate = Page(staff_post(staff, new_url, {"title": "WARM HOMES ", "summary": ""}))
    assert "already has a priority called “WARM HOMES”" in duplicate.text(".nhsuk-error-summary")
    assert duplicate.soup.select_one("input#title")["value"] == "WARM HOMES "

    edit_url = f"/admin/priorities/{priority_id}"
    form = Page(staff.get(edit_url))
    assert form.soup.select_one("input#title")["value"] == "Warm homes"
    assert len(form.soup.select("input[name=topics][checked]")) == 2
    staff_post(staff, edit_url, {"title": "Warm, safe homes", "summary": "Help with heating.", "topics": topics[:1]})
    with app.app_context():
        event = last_audit("priority.edit")
        assert json.loads(event.before) == {"title": "Warm homes", "topics": topics}
        assert json.loads(event.after) == {"title": "Warm, safe homes", "topics": topics[:1]}

    response = staff_post(staff, f"{edit_url}/delete", {}, form_page=edit_url)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Priority, priority_id) is None
        assert json.loads(last_audit("priority.delete").before)["title"] == "Warm, safe homes"
    assert "Warm, safe homes" not in Page(client.get(f"/lcps/{SLUG}")).text()


def test_a_priority_needs_a_title(staff_client, staff_post, restore_lcp) -> None:
    staff = staff_client("staff", (SLUG,))
    page = Page(staff_post(staff, f"/admin/lcps/{SLUG}/priorities/new", {"title": " ", "summary": "Kept"}))
    assert "Enter a title for the priority" in page.text(".nhsuk-error-summary")
    assert page.soup.select_one("textarea#summary").get_text() == "Kept"


# GP practices --------------------------------------------------------------------------------------------------


def test_linking_a_practice_gives_the_finder_its_lcp_and_unlinking_takes_it_away(
    app: Flask, staff_client, staff_post, client, restore_practices
) -> None:
    staff = staff_client("staff", (SLUG,))
    url = f"/admin/lcps/{SLUG}/practices"
    page = Page(staff.get(url))
    assert f"{url}?ods={FREE_PRACTICE}#link" in page.links().values()
    assert Page(staff.get(f"{url}?ods={FREE_PRACTICE}")).soup.select_one("input#ods")["value"] == FREE_PRACTICE

    data = {"ods": f" {FREE_PRACTICE.lower()} ", "source": "The LCP's practice list, 2026", "note": "Bramley Village"}
    response = staff_post(staff, f"{url}/link", data, form_page=url)
    assert response.status_code == 302
    with app.app_context():
        practice = practice_row(FREE_PRACTICE)
        assert practice.lcp.slug == SLUG
        assert practice.lcp_source == "The LCP's practice list, 2026" and practice.lcp_note == "Bramley Village"
        assert practice.lcp_linked_at is not None and practice.lcp_linked_by_id == staff.user.id
        event = last_audit("practice.link")
        assert event.lcp_id == practice.lcp_id
        assert json.loads(event.before) == {"lcp": None, "source": "", "confirmed_by": ""}
        assert json.loads(event.after) == {
            "lcp": SLUG,
            "source": "The LCP's practice list, 2026",
            "confirmed_by": "staff",
        }
    name = "Bramley Village Health & Wellbeing Centre"
    with app.test_request_context():
        assert find(name).practice.lcp.slug == SLUG
    answer = Page(client.get("/find", query_string={"q": name})).text()
    assert f"Your GP practice, {name}, is in Bramley, Wortley & Middleton" in answer
    assert "Bramley Village" in Page(client.get(f"/lcps/{SLUG}")).text()

    response = staff_post(staff, f"{url}/{FREE_PRACTICE}/unlink", {}, form_page=url)
    assert response.status_code == 302
    with app.app_context():
        practice = practice_row(FREE_PRACTICE)
        assert practice.lcp_id is None and practice.lcp_linked_at is not None
        assert json.loads(last_audit("practice.unlink").before)["lcp"] == SLUG
    # The practice is not confirmed again: the partnership is offered only as a guide from its place.
    answer = Page(client.get("/find", query_string={"q": name})).text("main")
    assert f"Your GP practice, {name}, is in" not in answer
    assert f"We have not confirmed the partnership for {name} yet" in answer
    assert "As a guide only, not confirmed" in answer


def test_an_unknown_ods_code_is_named(staff_client, staff_post) -> None:
    staff = staff_client("staff", (SLUG,))
    url = f"/admin/lcps/{SLUG}/practices"
    page = Page(staff_post(staff, f"{url}/link", {"ods": "x99999", "source": "A list"}, form_page=url))
    assert page.response.status_code == 200
    assert page.soup.title.get_text().startswith("Error:")
    assert "No Leeds GP practice has the ODS code X99999" in page.text(".nhsuk-error-summary")
    assert page.soup.select_one("input#source")["value"] == "A list"


def test_only_an_admin_moves_a_practice_from_another_lcp(
    app: Flask, staff_client, staff_post, restore_practices
) -> None:
    url = f"/admin/lcps/{SLUG}/practices"
    data = {"ods": MORLEY_PRACTICE, "source": "Confirmed by the practice"}
    staff = staff_client("staff", (SLUG,))
    page = Page(staff_post(staff, f"{url}/link", data, form_page=url))
    assert "This practice is linked to Morley" in page.text(".nhsuk-error-summary")
    assert "Only a citywide admin can move it." in page.text(".nhsuk-error-summary")
    with app.app_context():
        assert practice_row(MORLEY_PRACTICE).lcp.slug == "morley-district"

    admin = staff_client("admin")
    assert staff_post(admin, f"{url}/link", data, form_page=url).status_code == 302
    with app.app_context():
        assert practice_row(MORLEY_PRACTICE).lcp.slug == SLUG
        event = last_audit("practice.link")
        assert json.loads(event.before)["lcp"] == "morley-district"
        assert json.loads(event.after)["lcp"] == SLUG


# Who may do what -----------------------------------------------------------------------------------------------


def my_urls(app: Flask, slug: str) -> list[tuple[str, str]]:
    with app.app_context():
        lcp = lcp_row(slug)
        priority_id = lcp.priorities[0].id
        ods = next(p.ods_code for p in lcp.gp_practices if p.ods_code) if lcp.gp_practices else FREE_PRACTICE
    base = f"/admin/lcps/{slug}"
    return [
        ("GET", base),
        ("GET", f"{base}/page"),
        ("POST", f"{base}/page"),
        ("GET", f"{base}/priorities"),
        ("GET", f"{base}/priorities/new"),
        ("POST", f"{base}/priorities/new"),
        ("GET", f"/admin/priorities/{priority_id}"),
        ("POST", f"/admin/priorities/{priority_id}"),
        ("POST", f"/admin/priorities/{priority_id}/delete"),
        ("GET", f"{base}/practices"),
        ("POST", f"{base}/practices/link"),
        ("POST", f"{base}/practices/{ods}/unlink"),
    ]


def token(client) -> str:
    return Page(client.get(TOKEN_PAGE)).soup.select_one("input[name=csrf_token]")["value"]


def test_staff_of_another_lcp_find_nothing_at_any_of_these_urls(app: Flask, staff_client) -> None:
    staff = staff_client("staff", (OTHER,))
    csrf = token(staff)
    for method, url in my_urls(app, "woodsley-holt-park"):
        data = {"csrf_token": csrf, "ods": FREE_PRACTICE, "source": "x", "title": "x", **PAGE_FORM}
        response = staff.open(url, method=method, data=data)
        assert response.status_code == 404, f"{method} {url} gave {response.status_code}"
    with app.app_context():
        assert lcp_row("woodsley-holt-park").edited_at is None


def test_a_viewer_reads_but_may_not_change(app: Flask, staff_client) -> None:
    viewer = staff_client("viewer", ("woodsley-holt-park",))
    csrf = token(viewer)
    for method, url in my_urls(app, "woodsley-holt-park"):
        if method == "POST":
            response = viewer.post(url, data={"csrf_token": csrf, **PAGE_FORM})
            assert response.status_code == 403, f"POST {url} gave {response.status_code}"
    for url in (
        "/admin/lcps/woodsley-holt-park",
        "/admin/lcps/woodsley-holt-park/priorities",
        "/admin/lcps/woodsley-holt-park/practices",
    ):
        page = Page(viewer.get(url))
        assert page.response.status_code == 200
        assert not page.soup.select("main form"), url


def test_a_change_without_a_csrf_token_is_refused(app: Flask, staff_client) -> None:
    staff = staff_client("staff", (SLUG,))
    response = staff.post(f"/admin/lcps/{SLUG}/page", data=PAGE_FORM)
    assert response.status_code == 400
    page = Page(response)
    assert page.soup.select_one("input#districts")["value"] == PAGE_FORM["districts"]
    assert (
        staff.post(f"/admin/lcps/{SLUG}/practices/link", data={"ods": FREE_PRACTICE, "source": "x"}).status_code == 400
    )
    with app.app_context():
        assert lcp_row().edited_at is None
        assert practice_row(FREE_PRACTICE).lcp_id is None


# The response target ------------------------------------------------------------------------------------------


def test_staff_set_the_response_target_and_the_public_page_states_it_at_once(
    app: Flask, staff_client, staff_post, client
) -> None:
    url = f"/admin/lcps/{SLUG}/response-target"
    before = Page(client.get(f"/lcps/{SLUG}"))  # kept by the page cache
    assert "aims to give every item a first answer within 10 working days" in before.text()

    staff = staff_client("staff", (SLUG,))
    overview = Page(staff.get(f"/admin/lcps/{SLUG}"))
    assert "10 working days" in overview.text("#response-target + dl")
    assert overview.links()["Change response target"] == url
    form = Page(staff.get(url))
    assert form.soup.select_one("input#days")["value"] == "10"
    assert form.soup.select_one("label[for=days]").get_text(strip=True) == "Number of working days"

    response = staff_post(staff, url, {"days": "7"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/lcps/{SLUG}#response-target"
    saved = Page(staff.get(response.headers["Location"]))
    assert "The response target for" in saved.text() and "has been saved" in saved.text()
    assert "7 working days" in saved.text("#response-target + dl")
    with app.app_context():
        assert lcp_row().response_target_days == 7
        event = last_audit("lcp.response-target")
        assert event.lcp_id == lcp_row().id and event.actor_id == staff.user.id
        assert (json.loads(event.before), json.loads(event.after)) == (
            {"response_target_days": 10},
            {"response_target_days": 7},
        )
    # The change retired the kept public page.
    assert "aims to give every item a first answer within 7 working days" in Page(client.get(f"/lcps/{SLUG}")).text()

    # The same number again changes nothing and records nothing.
    staff_post(staff, url, {"days": "7"})
    with app.app_context():
        assert last_audit("lcp.response-target").id == event.id


@pytest.mark.parametrize("typed", ["0", "66", "ten", "2.5", "-3", "", "²"])
def test_a_response_target_out_of_range_is_refused_with_what_was_typed_kept(
    app: Flask, staff_client, staff_post, typed: str
) -> None:
    staff = staff_client("staff", (SLUG,))
    response = staff_post(staff, f"/admin/lcps/{SLUG}/response-target", {"days": typed})
    assert response.status_code == 200
    page = Page(response)
    assert page.soup.title.get_text(strip=True).startswith("Error:")
    message = "Enter a whole number of working days from 1 to 65, such as 10"
    assert [link.get_text(strip=True) for link in page.soup.select(".nhsuk-error-summary a")] == [message]
    assert page.soup.select_one(".nhsuk-error-summary a")["href"] == "#days"
    assert message in page.soup.select_one("#days-error").get_text()
    assert page.soup.select_one("input#days")["value"] == typed
    assert "days-error" in page.soup.select_one("input#days")["aria-describedby"]
    with app.app_context():
        assert lcp_row().response_target_days == 10


def test_the_response_target_command_checks_who_and_the_range(app: Flask, make_staff) -> None:
    from app.commands import CommandRefused, Forbidden, NotFound, content
    from app.models import StaffUser

    with app.app_context():
        viewer = db.session.get(StaffUser, make_staff("viewer", (SLUG,)).id)
        elsewhere = db.session.get(StaffUser, make_staff("staff", (OTHER,)).id)
        admin = db.session.get(StaffUser, make_staff("admin").id)
        with pytest.raises(Forbidden):
            content.set_response_target(Actor.staff(viewer), lcp_row(), 5)
        with pytest.raises(NotFound):
            content.set_response_target(Actor.staff(elsewhere), lcp_row(), 5)
        for days in (0, 66):
            with pytest.raises(CommandRefused, match="from 1 to 65"):
                content.set_response_target(Actor.cli(), lcp_row(), days)
        assert content.set_response_target(Actor.staff(admin), lcp_row(), 65) is True
        assert content.set_response_target(Actor.cli(), lcp_row(), 1) is True
        assert lcp_row().response_target_days == 1
        assert last_audit("lcp.response-target").actor_label.startswith("cli:")


# The seed keeps what staff changed -----------------------------------------------------------------------------


def test_seeding_again_keeps_edited_areas_and_unlinked_practices(app: Flask, staff_client, staff_post) -> None:
    staff = staff_client("staff", ("armley",))
    with app.app_context():
        state = {ods: {name: getattr(practice_row(ods), name) for name in LINK_FIELDS} for ods in ("B86003",)}
        armley = lcp_state(lcp_row("armley"))
    try:
        form = {**PAGE_FORM, "areas": "Armley only", "districts": "LS12", "partners": ""}
        assert staff_post(staff, "/admin/lcps/armley/page", form).status_code == 302
        url = "/admin/lcps/armley/practices"
        assert staff_post(staff, f"{url}/B86003/unlink", {}, form_page=url).status_code == 302
        with app.app_context():
            seed(Actor.cli())
            lcp = lcp_row("armley")
            assert [area.name for area in lcp.areas] == ["Armley only"]
            assert lcp.partners == []
            assert [link.district.code for link in lcp.district_links] == ["LS12"]
            assert practice_row("B86003").lcp_id is None
    finally:
        with app.app_context():
            put_back(lcp_row("armley"), armley)
            practice = practice_row("B86003")
            for name, value in state["B86003"].items():
                setattr(practice, name, value)
            db.session.commit()


def test_seeding_skips_a_partnership_whose_slug_was_retired(app: Flask) -> None:
    from app.models import LcpRedirect

    with app.app_context():
        lcp = lcp_row(SLUG)
        lcp_id, original = lcp.id, lcp.slug
        lcp.slug = "bramley-renamed"
        db.session.add(LcpRedirect(old_slug=original, lcp_id=lcp_id))
        db.session.commit()
        try:
            seed(Actor.cli())
            assert lcp_row(original) is None
        finally:
            db.session.execute(LcpRedirect.__table__.delete().where(LcpRedirect.old_slug == original))
            db.session.get(Lcp, lcp_id).slug = original
            db.session.commit()
