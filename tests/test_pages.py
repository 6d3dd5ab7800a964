"""Public pages as a person reads them."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Topic


def test_home_explains_lcps_and_offers_the_finder(get_page) -> None:
    page = get_page("/")
    assert page.h1 == "Your Local Care Partnership"
    assert "Leeds has 19 Local Care Partnerships" in page.text()
    assert "decided by the GP practice you are registered with" in page.text()
    form = page.soup.select_one("main form[action='/find']")
    assert form["method"] == "get"
    assert form.select_one("label[for=q]").get_text(strip=True) == "Which GP practice are you registered with?"
    assert "Ways to take part" in page.text()
    cards = [" ".join(card.get_text(" ").split()) for card in page.soup.select("main .nhsuk-card")]
    assert cards[0] == (
        "Tell your LCP what is happening Something you have noticed where you live or work. No account needed, you "
        "can stay anonymous, and a receipt code shows you what comes of it."
    )
    assert cards[1] == (
        "Get news by email Follow the partnerships and topics you care about and get one short email, weekly or "
        "monthly, with only those. Stop it in one click."
    )
    assert [a["href"] for a in page.soup.select("main .nhsuk-card a")][:2] == ["/share", "/register"]
    coming_up = page.soup.find("h2", string="Coming up").find_next("ul").select("li")
    assert len(coming_up) == 5
    assert all(li.a["href"].startswith("/lcps/") and "#meeting-" in li.a["href"] for li in coming_up)


def test_directory_lists_every_lcp_with_areas_and_priorities(get_page) -> None:
    page = get_page("/lcps")
    cards = page.soup.select("#directory-results li.nhsuk-card")
    assert len(cards) == 13
    assert "13 partnerships." in page.text()
    ls25 = next(card for card in cards if "LS25 & LS26" in card.h3.get_text())
    text = " ".join(ls25.get_text(" ").split())
    assert "Barwick-in-Elmet, Garforth, Swillington" in text
    assert "Frailty and advance care planning" in text
    york_road = next(card for card in cards if "York Road" in card.h3.get_text())
    assert "Not published yet" in york_road.get_text()


def test_directory_filters_by_topic_and_area_in_a_shareable_url(get_page) -> None:
    page = get_page("/lcps?topic=ageing-well&area=Garforth")
    titles = [h3.get_text(strip=True) for h3 in page.soup.select("#directory-results h3")]
    assert titles == ["LS25 & LS26 Local Care Partnership"]
    assert page.soup.select_one("#topic option[selected]")["value"] == "ageing-well"
    assert page.soup.select_one("#area option[selected]")["value"] == "Garforth"
    assert "1 partnership in Garforth matches Ageing well (frailty, falls, dementia, carers)." in page.text()
    assert "Why it matches Ageing well (frailty, falls, dementia, carers)" in page.text()
    assert "Priority: Frailty and advance care planning" in page.text()
    assert page.links()["Clear filters"] == "/lcps"
    # Feeds offered from a filtered list carry the filter.
    calendar = page.soup.select_one("#directory-results a[href^='webcal://']")["href"]
    assert "topic=ageing-well" in calendar and "ls25-ls26" in calendar


def test_directory_topic_filter_counts_published_work_not_example_content(app, get_page) -> None:
    # Demo agenda items and updates tag "isolation-connection" for many partnerships; real data matches far fewer.
    from app.services.topics import topic_matches

    with app.app_context():
        topic = db.session.scalar(select(Topic).where(Topic.slug == "isolation-connection"))
        real = {match.lcp.name for match in topic_matches(topic) if match.counts}
        examples = {
            match.lcp.name for match in topic_matches(topic) if match.example_agenda_items or match.example_updates
        }
    assert examples - real, "the demo content should tag this topic for partnerships real data does not"
    page = get_page("/lcps?topic=isolation-connection")
    titles = {h3.get_text(strip=True) for h3 in page.soup.select("#directory-results h3")}
    assert titles == real
    # No example agenda item or update is offered as a reason.
    assert not page.soup.select("#directory-results .nhsuk-tag--yellow")
    assert "Example item" not in page.soup.select_one("#directory-results").get_text()


def test_directory_reports_unknown_filters(get_page) -> None:
    page = get_page("/lcps?topic=no-such-topic")
    assert "We do not have a topic or area called “no-such-topic”" in page.text()
    assert len(page.soup.select("#directory-results li.nhsuk-card")) == 13


def test_directory_htmx_request_gets_the_fragment_only(client) -> None:
    response = client.get("/lcps?topic=ageing-well", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body
    assert 'id="directory-status"' in body and 'hx-swap-oob="true"' in body
    assert "HX-Request" in response.headers["Vary"]
    boosted = client.get("/lcps", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)
    # Back after a swap: htmx asks for the pushed URL again and needs the whole page.
    restore = client.get("/lcps", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.get_data(as_text=True)


def test_lcp_page_shows_what_it_does(get_page) -> None:
    page = get_page("/lcps/ls25-ls26")
    assert page.h1 == "LS25 & LS26 Local Care Partnership"
    text = page.text()
    for heading in ("Next meeting", "Where it works", "GP practices", "What it works on", "Latest updates"):
        assert heading in [h2.get_text(strip=True) for h2 in page.soup.select("main h2")], heading
    assert "Garforth Medical Centre" in text
    assert "Frailty and advance care planning" in text
    assert "LS15, LS25, LS26" in text
    assert page.links()["Ageing well (frailty, falls, dementia, carers)"] == "/topics/ageing-well"
    calendar = page.links()["Get this partnership’s meetings in your calendar"]
    assert calendar == "webcal://localhost/lcps/ls25-ls26/meetings.ics"


def test_lcp_page_meetings_have_agenda_items_tagged_with_topics(get_page) -> None:
    page = get_page("/lcps/seacroft")
    upcoming = page.soup.find("h2", id="next-meeting").find_next_sibling("div")
    assert upcoming.select("ol li")
    assert upcoming.select("ol li .app-tag-list a[href^='/topics/']")
    assert "Example content" in upcoming.get_text()
    assert re.search(r"\d{1,2} [A-Z][a-z]+ 20\d\d, \d{1,2}:00pm to \d{1,2}:00pm", upcoming.get_text())
    past = page.soup.find("details", id="past-meetings")
    assert "What was decided:" in past.get_text()


def test_lcp_page_maturity_picture_and_table_agree(get_page) -> None:
    page = get_page("/lcps/hatch")
    picture = page.soup.select_one("figure.app-maturity")
    assert page.soup.find(id=picture["aria-labelledby"])
    table = page.soup.find(id="maturity-table-caption").find_parent("table")
    rows = table.select("tbody tr")
    assert len(rows) == 8  # four elements and culture's four aspects
    assert len(picture.select(".app-maturity__bar--now")) == 8
    assert {row.td.select("span")[-1].get_text(strip=True) for row in rows} <= {"Solid foundations", "Well developed"}
    assert "Culture: Community driven" in [row.th.select("span")[-1].get_text(strip=True) for row in rows]
    assert re.search(r"self-assessment of \d{1,2} [A-Z][a-z]+ 20\d\d", page.text())
    assert "Change" in [th.get_text(strip=True) for th in table.select("thead th")]


def test_lcp_page_without_practices_or_priorities_says_so(get_page) -> None:
    page = get_page("/lcps/york-road")
    assert "We do not have this partnership’s list of GP practices yet." in page.text()
    assert "This partnership has not published its priorities here yet." in page.text()
    assert "No page of this partnership’s own was found" in page.text()


def test_unknown_lcp_is_a_404_in_the_sites_look(get_page) -> None:
    page = get_page("/lcps/nowhere", status=404)
    assert page.h1 == "Page not found"
    assert page.soup.select_one("header.nhsuk-header")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("garforth", "If you are registered at Garforth Medical Centre, your Local Care Partnership is LS25 & LS26"),
        ("LS12", "LS12 is in the area of Armley and of Bramley, Wortley & Middleton."),
        ("BD1 1AA", "BD1 1 is outside Leeds"),
        ("LS17", "The Local Care Partnership for North-east Leeds"),
        ("qwertyuiop", "We could not find “qwertyuiop”"),
    ],
)
def test_find_page_explains_each_answer(get_page, query: str, expected: str) -> None:
    page = get_page(f"/find?q={query}")
    assert expected in page.text()
    assert "Local Care Partnerships follow GP registration." in page.text()
    assert page.soup.select_one("#q")["value"] == query


def test_postcode_answer_offers_the_gp_route(get_page) -> None:
    page = get_page("/find?q=LS14 2AB")
    assert "This is only a guide. Your Local Care Partnership is the one your GP practice belongs to." in page.text()
    assert "Search by your GP practice’s name" in page.links()
    assert "Which of these GP practices is yours?" in page.text()
    gp_page = get_page("/find?q=Windmill Health Centre")
    assert "This is only a guide" not in gp_page.text()


def test_no_match_page_helps(get_page) -> None:
    page = get_page("/find?q=qwertyuiop")
    assert page.links()["all Local Care Partnerships"] == "/lcps"
    assert "enter the name of your GP practice" in page.text()


def test_find_fragment_for_live_search(client) -> None:
    response = client.get("/find?q=garforth", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert "1 Local Care Partnership found." in body
    assert "HX-Request" in response.headers["Vary"]


def test_topic_page_lists_lcps_with_their_work(get_page) -> None:
    page = get_page("/topics/ageing-well")
    assert page.h1 == "Ageing well (frailty, falls, dementia, carers)"
    cards = {card.h3.get_text(strip=True): card for card in page.soup.select("main section.nhsuk-card")}
    assert "Woodsley and Holt Park Local Care Partnership" in cards
    woodsley = cards["Woodsley and Holt Park Local Care Partnership"].get_text(" ")
    assert "Falls prevention" in woodsley
    assert re.search(r"Priority: \S", woodsley)
    assert "Why it matches" in woodsley
    assert page.links()["Follow updates in a news reader"].startswith("/subscribe?topic=ageing-well")


def test_topic_page_shows_where_residents_raised_it(get_page) -> None:
    page = get_page("/topics/transport")
    cards = {card.h3.get_text(strip=True): card.get_text(" ") for card in page.soup.select("main section.nhsuk-card")}
    assert "Raised by residents in 2021 (Big Leeds Chat)" in cards["Wetherby Local Care Partnership"]


def test_topics_index_and_unknown_topic(get_page) -> None:
    page = get_page("/topics")
    assert len(page.soup.select("main li a[href^='/topics/']")) == 15
    get_page("/topics/nothing-here", status=404)


def test_accessibility_statement_has_the_required_sections(get_page) -> None:
    page = get_page("/accessibility")
    headings = [h.get_text(strip=True) for h in page.soup.select("main h2, main h3")]
    for required in (
        "How accessible this website is",
        "Feedback and contact information",
        "Reporting accessibility problems with this website",
        "Enforcement procedure",
        "Technical information about this website’s accessibility",
        "Compliance status",
        "Preparation of this accessibility statement",
    ):
        assert required in headings
    assert "Web Content Accessibility Guidelines version 2.2 AA" in page.text()


def test_privacy_notice_says_what_why_how_long_and_rights(get_page) -> None:
    page = get_page("/privacy")
    headings = [h.get_text(strip=True) for h in page.soup.select("main h2")]
    for required in ("What we collect", "Why we collect it", "How long we keep it", "Your rights", "Complaints"):
        assert required in headings


def test_health_and_readiness(client) -> None:
    assert client.get("/healthz").get_data(as_text=True) == "ok"
    assert client.get("/readyz").get_data(as_text=True) == "ok"


def test_readiness_fails_when_the_database_is_unreachable() -> None:
    from app import create_app
    from app.config import TestingConfig

    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = "sqlite:////nonexistent-dir/none.sqlite3"
    broken = create_app(config).test_client()
    assert broken.get("/healthz").status_code == 200
    response = broken.get("/readyz")
    assert response.status_code == 503
    assert response.get_data(as_text=True) == "database unavailable"


def test_server_error_page_in_the_sites_look(app) -> None:
    from app.public import views

    original = views.privacy

    def broken() -> str:
        raise RuntimeError("boom")

    app.view_functions["public.privacy"] = broken
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = app.test_client().get("/privacy")
    finally:
        app.view_functions["public.privacy"] = original
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.get_data(as_text=True)
