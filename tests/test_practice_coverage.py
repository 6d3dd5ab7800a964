"""Coverage at a glance and residents' suggestions of a practice's partnership.

The coverage page's counts agree with the data and with the public directory's "N of 19"; its filters narrow the
practices; "how confirmed" is worded for each way a link is made. A resident's suggestion is checked (empty, too
long, hidden characters), kept with the partnership it names and the page's language, audited without what was
typed, and changes nothing the public sees; closed, linked and unknown practices answer 404. A citywide admin
accepts (the practice is linked, confirmed by staff, and the finder names the partnership) or rejects; without a
partnership, or twice, it is refused beside the field; other staff read the page but may not answer.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime

import pytest
from flask import Flask
from sqlalchemy import func, select

from app import page_cache
from app.commands import Actor, CommandRefused, Forbidden
from app.commands import suggestions as suggestion_commands
from app.extensions import db
from app.models import AuditEvent, GpPractice, Lcp, PracticeImport, PracticeSuggestion, StaffUser
from app.services import practice_coverage
from app.services.finder import find
from tests.conftest import Page

COVERAGE = "/admin/coverage"


def free_practice() -> GpPractice:
    """An open practice with an ODS code and no confirmed partnership, from the seed."""
    practice = db.session.scalar(
        select(GpPractice)
        .where(GpPractice.is_open, GpPractice.lcp_id.is_(None), GpPractice.ods_code.is_not(None))
        .order_by(GpPractice.name)
    )
    assert practice is not None
    return practice


def lcp(slug: str) -> Lcp:
    return db.session.scalar(select(Lcp).where(Lcp.slug == slug))


def free_id(app: Flask) -> int:
    with app.app_context():
        return free_practice().id


def suggest_url(practice_id: int) -> str:
    return f"/find/practices/{practice_id}/tell-us"


def suggestions_of(practice_id: int) -> list[PracticeSuggestion]:
    return list(
        db.session.scalars(
            select(PracticeSuggestion)
            .where(PracticeSuggestion.practice_id == practice_id)
            .order_by(PracticeSuggestion.id)
        )
    )


def suggest(app: Flask, practice_id: int, text: str, language: str = "en_GB") -> int:
    with app.test_request_context():
        practice = db.session.get(GpPractice, practice_id)
        return suggestion_commands.suggest_partnership(Actor.resident(), practice, text, language).id


def audits(action: str, since: int) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action, AuditEvent.id > since)))


def last_audit_id() -> int:
    return db.session.scalar(select(func.max(AuditEvent.id))) or 0


def numbers(text: str) -> list[int]:
    return [int(number) for number in re.findall(r"\d+", text)]


# Recognising the partnership ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "slug"),
    [
        ("HATCH", "hatch"),
        ("hatch lcp", "hatch"),
        ("Armley", "armley"),
        ("  armley   Local Care Partnership ", "armley"),
        ("Ärmley", "armley"),
        ("crossgates", "cross-gates"),
        ("Cross-Gates", "cross-gates"),
        ("I think it is Yeadon", "otley-aireborough"),
        ("Woodsley", "woodsley-holt-park"),
        ("Morley & District", "morley-district"),
        ("LS25", "ls25-ls26"),
        ("ls25-ls26", "ls25-ls26"),
        ("Middleton", None),  # an area of two partnerships
        ("Armley or Wortley", None),  # two partnerships named
        ("Leeds", None),
        ("no idea", None),
        ("!!!", None),
    ],
)
def test_the_partnership_is_recognised_loosely_and_only_when_just_one(app: Flask, typed: str, slug: str | None) -> None:
    with app.app_context():
        found = practice_coverage.recognise(typed)
        assert (found.slug if found else None) == slug


# Counts ----------------------------------------------------------------------------------------------------------


def test_the_counts_agree_with_the_data_and_with_the_public_directory(
    app: Flask, staff_client, client, make_lcp
) -> None:
    empty = make_lcp()
    with app.test_request_context():
        report = practice_coverage.report()
        open_total = db.session.scalar(select(func.count()).select_from(GpPractice).where(GpPractice.is_open))
        confirmed = db.session.scalar(
            select(func.count()).select_from(GpPractice).where(GpPractice.is_open, GpPractice.lcp_id.is_not(None))
        )
        without_code = db.session.scalar(
            select(func.count()).select_from(GpPractice).where(GpPractice.is_open, GpPractice.ods_code.is_(None))
        )
        held = db.session.scalar(select(func.count()).select_from(Lcp))
        per_lcp = {
            slug: count
            for slug, count in db.session.execute(
                select(Lcp.slug, func.count(GpPractice.id))
                .outerjoin(GpPractice, (GpPractice.lcp_id == Lcp.id) & GpPractice.is_open)
                .group_by(Lcp.slug)
            )
        }
    assert without_code >= 1  # a practice the ODS list lacks is counted too
    assert (report.open_total, report.confirmed, report.not_confirmed) == (
        open_total,
        confirmed,
        open_total - confirmed,
    )
    assert {row.lcp.slug: row.practices for row in report.per_lcp} == per_lcp
    assert per_lcp[empty.slug] == 0
    assert sum(per_lcp.values()) == confirmed
    assert report.held == held and report.total_lcps == 19

    page = Page(staff_client("viewer", ("armley",)).get(COVERAGE))
    assert page.response.status_code == 200
    assert page.text("#coverage-summary") == (
        f"{confirmed} of {open_total} open practices have a confirmed partnership. "
        f"{open_total - confirmed} have none yet."
    )
    held_sentence = page.text("#coverage-held")
    assert held_sentence.startswith(f"This site has {held} of 19 partnerships.")
    # The public directory says the same.
    directory = Page(client.get("/lcps")).text()
    assert f"Leeds has 19 Local Care Partnerships; this site has {held} of them so far." in directory
    assert (
        Page(client.get("/lcps"))
        .text("#practice-coverage")
        .startswith(
            f"Of the {open_total} open GP practices we know of in Leeds, {confirmed} have a confirmed partnership on "
            "this site."
        )
    )
    table = {
        row["data-lcp"]: int(row.select_one("td").get_text(strip=True))
        for row in page.soup.select("#per-partnership-table tbody tr")
    }
    assert table == {**per_lcp, "": open_total - confirmed}
    # Every open practice is listed, the one without an ODS code as well.
    assert len(page.soup.select("#practices-table tbody tr")) == open_total
    assert "None" in [row.select("td")[1].get_text(strip=True) for row in page.soup.select("#practices-table tbody tr")]


def test_the_filters_narrow_the_practices(app: Flask, staff_client) -> None:
    viewer = staff_client("viewer", ("armley",))
    with app.app_context():
        armley = lcp("armley")
        armley_ids = {p.id for p in armley.gp_practices if p.is_open}
        unconfirmed_ids = {
            p.id for p in db.session.scalars(select(GpPractice).where(GpPractice.is_open, GpPractice.lcp_id.is_(None)))
        }
        open_total = db.session.scalar(select(func.count()).select_from(GpPractice).where(GpPractice.is_open))
        published_ids = {
            p.id
            for p in db.session.scalars(
                select(GpPractice).where(GpPractice.is_open, GpPractice.lcp_confirmed_by == "published")
            )
        }

    def shown(query: str) -> set[int]:
        page = Page(viewer.get(f"{COVERAGE}?{query}"))
        return {int(row["id"].removeprefix("practice-")) for row in page.soup.select("#practices-table tbody tr")}

    assert armley_ids and shown("lcp=armley") == armley_ids
    assert shown("unconfirmed=y") == unconfirmed_ids
    assert shown("how=published") == published_ids
    assert shown("how=staff&unconfirmed=y") == set()
    # Something unknown narrows nothing, rather than failing.
    assert len(shown("lcp=nowhere&how=rumour&unconfirmed=maybe")) == open_total
    page = Page(viewer.get(f"{COVERAGE}?lcp=armley&unconfirmed=y"))
    assert page.soup.select_one("#lcp option[selected]")["value"] == "armley"
    assert page.soup.select_one("#unconfirmed").has_attr("checked")
    assert "No open practice matches these filters." in page.text()


def test_how_each_link_was_confirmed_is_worded(app: Flask, staff_client) -> None:
    with app.test_request_context():
        practices = list(
            db.session.scalars(
                select(GpPractice).where(GpPractice.is_open, GpPractice.lcp_id.is_(None)).order_by(GpPractice.id)
            )
        )[:3]
        armley = lcp("armley")
        agreed = PracticeImport(filename="list.csv", agreed_on=date(2026, 3, 5), made_at=datetime(2026, 3, 9, 12))
        loaded = PracticeImport(filename="list.csv", made_at=datetime(2026, 4, 2, 12))
        db.session.add_all([agreed, loaded])
        for practice, how, made in zip(
            practices, ["programme", "programme", "staff"], [agreed, loaded, None], strict=True
        ):
            practice.lcp, practice.lcp_confirmed_by, practice.lcp_import = armley, how, made
        practices[2].lcp_linked_at = datetime(2026, 5, 1, 9)
        db.session.commit()
        words = [practice_coverage.how_confirmed(practice) for practice in practices]
        ids = [practice.id for practice in practices]
    assert words == [
        "The programme’s list agreed on 5 March 2026",
        "The programme’s list, loaded on 2 April 2026",
        "Linked by staff on 1 May 2026",
    ]
    page = Page(staff_client("viewer", ("armley",)).get(f"{COVERAGE}?how=programme"))
    cells = {
        row["id"]: row.select("td")[4].get_text(strip=True) for row in page.soup.select("#practices-table tbody tr")
    }
    assert cells[f"practice-{ids[0]}"] == words[0]
    assert cells[f"practice-{ids[1]}"] == words[1]
    published = Page(staff_client("viewer", ("armley",)).get(f"{COVERAGE}?how=published"))
    assert {row.select("td")[4].get_text(strip=True) for row in published.soup.select("#practices-table tbody tr")} == {
        "The partnership’s published list"
    }


# The resident's form ---------------------------------------------------------------------------------------------


def test_the_form_asks_for_one_thing_and_nothing_personal(app: Flask, get_page) -> None:
    practice_id = free_id(app)
    with app.app_context():
        name = db.session.get(GpPractice, practice_id).name
    page = get_page(suggest_url(practice_id))
    assert page.h1 == f"Tell us which partnership {name} belongs to"
    text = page.text()
    assert "checks what you tell us before this site says anything about it" in text
    assert "it does not change what the site shows" in text
    boxes = page.soup.select("main form input:not([type=hidden]), main form textarea, main form select")
    assert [box["name"] for box in boxes] == ["partnership"]
    assert page.soup.select_one("label[for=partnership]").get_text(strip=True) == "Partnership name"
    assert "“HATCH” or “Armley”" in page.soup.select_one("#partnership-hint").get_text()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the name of the partnership"),
        ("   ", "Enter the name of the partnership"),
        ("Armley " * 40, "Shorten the partnership name to 200 characters or fewer"),
        ("Arm\u202eley", "hidden control characters"),
    ],
)
def test_bad_input_is_refused_beside_the_box_and_kept(app: Flask, post_form, typed: str, message: str) -> None:
    practice_id = free_id(app)
    response = post_form(suggest_url(practice_id), {"partnership": typed})
    assert response.status_code == 200
    page = Page(response)
    assert message in page.soup.select_one(".nhsuk-error-summary").get_text()
    assert message in page.soup.select_one("#partnership-error").get_text()
    assert page.soup.select_one(".nhsuk-error-summary a")["href"] == "#partnership"
    if typed.strip() and "\u202e" not in typed:
        assert page.soup.select_one("input#partnership")["value"] == typed
    assert page.soup.title.get_text().startswith("Error:")
    with app.app_context():
        assert suggestions_of(practice_id) == []


def test_a_suggestion_is_kept_with_its_partnership_and_language_and_audited_without_the_words(
    app: Flask, client, post_form
) -> None:
    practice_id = free_id(app)
    with app.app_context():
        since = last_audit_id()
    url = f"{suggest_url(practice_id)}?lang=ur"
    response = post_form(url, {"partnership": "  HATCH   lcp "})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/find/practices/{practice_id}/tell-us/thank-you?lang=ur")
    with app.app_context():
        [suggestion] = suggestions_of(practice_id)
        assert (suggestion.text, suggestion.lcp.slug, suggestion.language, suggestion.status) == (
            "HATCH lcp",
            "hatch",
            "ur",
            "new",
        )
        [event] = audits("suggestion.create", since)
        assert event.actor_label == "resident" and event.address == ""
        assert "HATCH" not in event.summary + event.before + event.after
        assert json.loads(event.after)["recognised"] == "hatch"
    # Read in English, by someone who has not chosen a language.
    thanks = Page(app.test_client().get(response.headers["Location"].replace("?lang=ur", "")))
    assert thanks.h1 == "Thank you for telling us"
    links = thanks.links()
    assert links["Share anyway"] == "/share"
    assert links["Back to the finder"] == f"/find?practice={practice_id}"


def test_an_unrecognised_suggestion_is_kept_without_a_partnership(app: Flask) -> None:
    practice_id = free_id(app)
    suggestion_id = suggest(app, practice_id, "Middleton")
    with app.app_context():
        suggestion = db.session.get(PracticeSuggestion, suggestion_id)
        assert suggestion.lcp_id is None and suggestion.text == "Middleton"


def test_a_suggestion_changes_nothing_the_public_sees(app: Flask, client, post_form) -> None:
    practice_id = free_id(app)
    before = Page(client.get(f"/find?practice={practice_id}")).text()
    directory = Page(client.get("/lcps")).text()
    with app.app_context():
        page_cache.forget_version()
        version = page_cache.content_version()
    assert post_form(suggest_url(practice_id), {"partnership": "Armley"}).status_code == 303
    with app.app_context():
        page_cache.forget_version()
        # The kept public pages stay: a suggestion is not public content, so it does not retire them.
        assert page_cache.content_version() == version
    with app.app_context():
        practice = db.session.get(GpPractice, practice_id)
        assert practice.lcp_id is None and practice.lcp_confirmed_by == "" and practice.lcp_linked_at is None
    assert Page(client.get(f"/find?practice={practice_id}")).text() == before
    assert Page(client.get("/lcps")).text() == directory


def test_closed_linked_and_unknown_practices_answer_404(app: Flask, client) -> None:
    with app.app_context():
        closed = db.session.scalar(select(GpPractice.id).where(GpPractice.is_open.is_(False)))
        linked = db.session.scalar(select(GpPractice.id).where(GpPractice.is_open, GpPractice.lcp_id.is_not(None)))
        unknown = (db.session.scalar(select(func.max(GpPractice.id))) or 0) + 1000
    for practice_id in (closed, linked, unknown):
        assert client.get(suggest_url(practice_id)).status_code == 404
        assert client.post(suggest_url(practice_id), data={"partnership": "Armley"}).status_code in (400, 404)
    assert client.get(f"/find/practices/{unknown}/tell-us/thank-you").status_code == 404


def test_the_command_refuses_closed_and_confirmed_practices_and_staff(app: Flask, make_staff) -> None:
    worker = make_staff("admin")
    with app.test_request_context():
        closed = db.session.scalar(select(GpPractice).where(GpPractice.is_open.is_(False)))
        linked = db.session.scalar(select(GpPractice).where(GpPractice.is_open, GpPractice.lcp_id.is_not(None)))
        with pytest.raises(CommandRefused, match="has closed"):
            suggestion_commands.suggest_partnership(Actor.resident(), closed, "Armley", "en_GB")
        with pytest.raises(CommandRefused, match="already confirmed"):
            suggestion_commands.suggest_partnership(Actor.resident(), linked, "Armley", "en_GB")
        with pytest.raises(CommandRefused, match="200 characters"):
            suggestion_commands.suggest_partnership(Actor.resident(), free_practice(), "a" * 201, "en_GB")
        with pytest.raises(CommandRefused, match="Enter the name"):
            suggestion_commands.suggest_partnership(Actor.resident(), free_practice(), " \n ", "en_GB")
        with pytest.raises(Forbidden):
            staff = Actor.staff(db.session.get(StaffUser, worker.id))
            suggestion_commands.suggest_partnership(staff, free_practice(), "Armley", "en_GB")
        assert suggestions_of(free_practice().id) == []


# A citywide admin's answer ---------------------------------------------------------------------------------------


def test_accepting_links_the_practice_and_the_finder_names_the_partnership(
    app: Flask, staff_client, staff_post, client
) -> None:
    practice_id = free_id(app)
    suggestion_id = suggest(app, practice_id, "hatch")
    assert "is in" not in Page(client.get(f"/find?practice={practice_id}")).text()
    admin = staff_client("admin")
    page = Page(admin.get(COVERAGE))
    card = page.soup.select_one(f"#suggestion-{suggestion_id}")
    assert "hatch" in card.get_text() and "HATCH Local Care Partnership" in card.get_text()
    assert card.select_one(f"#suggestion-{suggestion_id}-lcp option[selected]")["value"] == "hatch"
    row = page.soup.select_one(f"#practice-{practice_id}")
    assert row.select_one(f"a[href='#suggestion-{suggestion_id}']") is not None
    with app.app_context():
        since = last_audit_id()
    response = staff_post(
        admin,
        "/admin/coverage/suggestions/accept",
        {"suggestion": str(suggestion_id), "lcp": "hatch"},
        form_page=COVERAGE,
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/coverage#suggestions")
    with app.test_request_context():
        suggestion = db.session.get(PracticeSuggestion, suggestion_id)
        practice = suggestion.practice
        assert (suggestion.status, suggestion.decided_by_id) == ("accepted", admin.user.id)
        assert suggestion.decided_at is not None
        assert practice.lcp.slug == "hatch" and practice.lcp_confirmed_by == "staff"
        assert practice.lcp_linked_by_id == admin.user.id and practice.lcp_import_id is None
        [event] = audits("suggestion.accept", since)
        assert event.actor_id == admin.user.id and event.lcp_id == practice.lcp_id
        assert json.loads(event.before) == {"lcp": None, "source": "", "confirmed_by": "", "suggestion": "new"}
        assert json.loads(event.after)["lcp"] == "hatch" and json.loads(event.after)["suggestion"] == "accepted"
        assert find("", practice_id=practice_id).practice.lcp.slug == "hatch"
        name = practice.name
    answer = Page(client.get(f"/find?practice={practice_id}")).text()
    assert f"{name}, is in HATCH" in answer
    after = Page(admin.get(COVERAGE))
    assert after.soup.select_one(f"#suggestion-{suggestion_id}") is None
    assert "Linked by staff on" in after.soup.select_one(f"#practice-{practice_id}").get_text()
    # The public form no longer takes suggestions for it.
    assert client.get(suggest_url(practice_id)).status_code == 404


def test_accepting_without_a_partnership_is_refused_beside_the_box(app: Flask, staff_client, staff_post) -> None:
    practice_id = free_id(app)
    suggestion_id = suggest(app, practice_id, "the one near the park")
    admin = staff_client("admin")
    card = Page(admin.get(COVERAGE)).soup.select_one(f"#suggestion-{suggestion_id}")
    assert "Not recognised" in card.get_text()
    assert card.select_one(f"#suggestion-{suggestion_id}-lcp option[selected]")["value"] == ""
    response = staff_post(
        admin, "/admin/coverage/suggestions/accept", {"suggestion": str(suggestion_id), "lcp": ""}, form_page=COVERAGE
    )
    assert response.status_code == 200
    page = Page(response)
    summary = page.soup.select_one(".nhsuk-error-summary a")
    assert summary["href"] == f"#suggestion-{suggestion_id}-lcp"
    assert "Choose the partnership" in summary.get_text()
    assert "Choose the partnership" in page.soup.select_one(f"#suggestion-{suggestion_id}-lcp-error").get_text()
    with app.app_context():
        assert db.session.get(PracticeSuggestion, suggestion_id).status == "new"
        assert db.session.get(GpPractice, practice_id).lcp_id is None
    # A partnership chosen from the list is taken instead.
    staff_post(
        admin,
        "/admin/coverage/suggestions/accept",
        {"suggestion": str(suggestion_id), "lcp": "seacroft"},
        form_page=COVERAGE,
    )
    with app.app_context():
        assert db.session.get(GpPractice, practice_id).lcp.slug == "seacroft"


def test_rejecting_leaves_the_practice_and_an_answer_is_given_once(app: Flask, staff_client, staff_post) -> None:
    practice_id = free_id(app)
    suggestion_id = suggest(app, practice_id, "Armley")
    admin = staff_client("admin")
    with app.app_context():
        since = last_audit_id()
    response = staff_post(
        admin, "/admin/coverage/suggestions/reject", {"suggestion": str(suggestion_id)}, form_page=COVERAGE
    )
    assert response.status_code == 302
    with app.app_context():
        suggestion = db.session.get(PracticeSuggestion, suggestion_id)
        assert suggestion.status == "rejected" and suggestion.decided_by_id == admin.user.id
        assert db.session.get(GpPractice, practice_id).lcp_id is None
        [event] = audits("suggestion.reject", since)
        assert json.loads(event.after) == {"status": "rejected"} and "Armley" not in event.summary
    again = staff_post(
        admin,
        "/admin/coverage/suggestions/accept",
        {"suggestion": str(suggestion_id), "lcp": "armley"},
        form_page=COVERAGE,
    )
    assert again.status_code == 200
    link = Page(again).soup.select_one(".nhsuk-error-summary a")
    assert link["href"] == "#suggestions" and "answered already" in link.get_text()
    with app.app_context():
        assert db.session.get(GpPractice, practice_id).lcp_id is None
    missing = staff_post(admin, "/admin/coverage/suggestions/reject", {"suggestion": "999999999"}, form_page=COVERAGE)
    assert missing.status_code == 404


def test_accepting_for_a_practice_linked_meanwhile_is_refused(app: Flask, make_staff) -> None:
    practice_id = free_id(app)
    suggestion_id = suggest(app, practice_id, "Armley")
    admin = make_staff("admin")
    with app.test_request_context():
        practice = db.session.get(GpPractice, practice_id)
        practice.lcp = lcp("seacroft")
        db.session.commit()
        actor = Actor.staff(db.session.get(StaffUser, admin.id))
        with pytest.raises(CommandRefused, match="linked to Seacroft already"):
            suggestion_commands.accept_suggestion(
                actor, db.session.get(PracticeSuggestion, suggestion_id), lcp("armley")
            )
        assert db.session.get(PracticeSuggestion, suggestion_id).status == "new"


@pytest.mark.parametrize("role", ["viewer", "staff"])
def test_other_staff_read_the_page_but_may_not_answer(app: Flask, staff_client, staff_post, role: str) -> None:
    practice_id = free_id(app)
    suggestion_id = suggest(app, practice_id, "Armley")
    client = staff_client(role, ("armley",))
    page = Page(client.get(COVERAGE))
    assert page.response.status_code == 200
    assert page.soup.select_one(f"#suggestion-{suggestion_id}") is not None
    assert page.soup.select(f"#suggestion-{suggestion_id} form") == []
    assert "Only citywide admins can accept or reject suggestions." in page.text()
    assert page.soup.select_one("#coverage-import-links") is None
    nav = {a.get_text(strip=True): a["href"] for a in page.soup.select("header nav a")}
    assert nav["Coverage"] == COVERAGE
    for action in ("accept", "reject"):
        response = staff_post(
            client,
            f"/admin/coverage/suggestions/{action}",
            {"suggestion": str(suggestion_id), "lcp": "armley"},
            form_page=COVERAGE,
        )
        assert response.status_code == 403
    with app.test_request_context():
        suggestion = db.session.get(PracticeSuggestion, suggestion_id)
        actor = Actor.staff(db.session.get(StaffUser, client.user.id))
        with pytest.raises(Forbidden):
            suggestion_commands.accept_suggestion(actor, suggestion, lcp("armley"))
        with pytest.raises(Forbidden):
            suggestion_commands.reject_suggestion(Actor.resident(), suggestion)
        assert suggestion.status == "new" and suggestion.practice.lcp_id is None


def test_a_stranger_is_sent_to_sign_in(app: Flask) -> None:
    response = app.test_client().get(COVERAGE)
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_an_admin_sees_the_links_to_the_programmes_list(staff_client) -> None:
    page = Page(staff_client("admin").get(COVERAGE))
    links = page.links("#coverage-import-links")
    assert links == {"Load the programme’s list": "/admin/coverage/import", "Past uploads": "/admin/coverage/imports"}


def test_a_form_sent_without_its_token_is_shown_again_with_what_was_typed(app: Flask, client, staff_client) -> None:
    practice_id = free_id(app)
    response = client.post(suggest_url(practice_id), data={"partnership": "Seacroft"})
    assert response.status_code == 400
    page = Page(response)
    assert page.soup.select_one("input#partnership")["value"] == "Seacroft"
    assert page.soup.select_one(".nhsuk-error-summary a")["href"] == "#form-start"
    suggestion_id = suggest(app, practice_id, "Seacroft")
    admin = staff_client("admin")
    refused = admin.post("/admin/coverage/suggestions/accept", data={"suggestion": suggestion_id, "lcp": "armley"})
    assert refused.status_code == 400
    page = Page(refused)
    assert page.soup.select_one(".nhsuk-error-summary a")["href"] == f"#suggestion-{suggestion_id}-lcp"
    assert page.soup.select_one(f"#suggestion-{suggestion_id}-lcp option[selected]")["value"] == "armley"
    with app.app_context():
        assert suggestions_of(practice_id)[0].status == "new"
        assert db.session.get(GpPractice, practice_id).lcp_id is None
