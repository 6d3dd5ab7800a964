"""/match: partnerships ranked for an organisation's areas first, then its topics, with reasons, and the follow step.

The session database holds the real reference data (priorities, what residents raised in 2021) and the
demo content, whose meetings and updates are all examples. Tests that need published meetings or
updates add them in their own transaction, which the `app_context` fixture rolls back.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from app.clock import utcnow
from app.extensions import db
from app.formatting import uk_date
from app.models import AgendaItem, Follower, GpPractice, Lcp, Meeting, Topic, Update
from app.services import people
from app.services.match import EDGE, ESTIMATE, FIRM, match, read_areas, split_areas
from app.services.tokens import Purpose, make_token
from tests.conftest import Page

AGEING_WELL = "Ageing well (frailty, falls, dementia, carers)"
MENTAL_HEALTH = "Mental health and wellbeing"
UNKNOWN_XYZ = "We could not find “Xyz”. Enter a postcode district such as LS9, or the name of a neighbourhood."
# A topic the demo content puts on agendas (app/services/demo.py), and its only published evidence.
DEMO_AGENDA_ITEM = "Example item: getting online for appointments"


def topics(*slugs: str) -> list[Topic]:
    return people.topics_by_slug(list(slugs))


def lcp(slug: str) -> Lcp:
    return db.session.scalar(select(Lcp).where(Lcp.slug == slug))


def ranking(result) -> list[tuple[str, int]]:
    """The partnerships ranked, each with its evidence on the topics added up."""
    return [(entry.lcp.slug, entry.evidence_score) for entry in result.ranked]


def slugs(entries) -> list[str]:
    return [entry.lcp.slug for entry in entries]


def entry_for(result, slug: str):
    return next(entry for entry in result.ranked + result.unknown_coverage if entry.lcp.slug == slug)


def add_meeting(slug: str, topic_slugs: list[str], *, is_demo: bool, days: int = 14, items: int = 1) -> Meeting:
    tagged, partnership = topics(*topic_slugs), lcp(slug)
    starts = (utcnow() + timedelta(days=days)).replace(hour=14, minute=0, second=0, microsecond=0)
    meeting = Meeting(
        lcp=partnership,
        title="Partnership meeting",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        is_demo=is_demo,
        agenda_items=[
            AgendaItem(title=f"Getting online, part {position + 1}", position=position, topics=tagged)
            for position in range(items)
        ],
    )
    db.session.add(meeting)
    db.session.flush()
    return meeting


def add_update(slug: str, topic_slugs: list[str], *, is_demo: bool, days_ago: int = 3) -> Update:
    tagged, partnership = topics(*topic_slugs), lcp(slug)
    update = Update(
        lcp=partnership,
        title="New drop-in for carers",
        body="A drop-in.",
        published_at=(utcnow() - timedelta(days=days_ago)).replace(hour=9, minute=30, second=0, microsecond=0),
        topics=tagged,
        is_demo=is_demo,
    )
    db.session.add(update)
    db.session.flush()
    return update


# Ranking ----------------------------------------------------------------------------------------------------------


def test_ranking_follows_the_evidence_summed_across_topics(app_context) -> None:
    result = match(topics("ageing-well", "mental-health"), "", citywide=True)
    # Two published priorities each (4 + 4), then one priority, then residents raising mental health in 2021.
    assert ranking(result) == [
        ("ls25-ls26", 8),
        ("woodsley-holt-park", 8),
        ("cross-gates", 4),
        ("morley-district", 4),
        ("armley", 1),
        ("hatch", 1),
        ("seacroft", 1),
        ("wetherby", 1),
        ("york-road", 1),
    ]
    assert [entry.rank for entry in result.ranked] == list(range(1, 10))
    first = result.ranked[0]
    assert first.reasons == [
        f"{AGEING_WELL} – Priority: Frailty and advance care planning",
        f"{AGEING_WELL} – Priority: Planning ahead coordinator",
    ]
    assert result.ranked[-1].reasons == [f"{MENTAL_HEALTH} – Raised by residents in 2021 (Big Leeds Chat)"]
    # Across the whole city, the area counts the same for all: a priority on one of the two topics fills half of
    # the topic points, which ticks the four partnerships with one; residents raising a topic does not.
    assert [entry.score for entry in result.ranked[:4]] == [107.5] * 4
    assert result.ranked[4].score == 101.9
    assert [entry.lcp.slug for entry in result.ranked if entry.preselected] == [
        "ls25-ls26",
        "woodsley-holt-park",
        "cross-gates",
        "morley-district",
    ]
    assert str(first.explanation) == f"Has evidence on {AGEING_WELL}, but none yet on {MENTAL_HEALTH}."
    assert str(result.ranked[-1].explanation) == f"Has evidence on {MENTAL_HEALTH}, but none yet on {AGEING_WELL}."


def test_a_partnership_covering_more_of_the_topics_scores_more(app_context) -> None:
    # Seacroft's residents raised both topics; York Road's only one of them.
    result = match(topics("mental-health", "community-safety"), "", citywide=True)
    scores = dict(ranking(result))
    assert scores["seacroft"] == 2 and scores["york-road"] == 1
    assert entry_for(result, "seacroft").score > entry_for(result, "york-road").score
    assert [slug for slug, _score in ranking(result)].index("seacroft") < [
        slug for slug, _score in ranking(result)
    ].index("york-road")
    seacroft = next(entry for entry in result.ranked if entry.lcp.slug == "seacroft")
    assert [topic.slug for topic in seacroft.topics] == ["mental-health", "community-safety"]


def test_published_agenda_items_and_updates_count_with_their_dates(app_context) -> None:
    before = dict(ranking(match(topics("mental-health"), "", citywide=True)))
    assert before["york-road"] == 1
    meeting = add_meeting("york-road", ["mental-health"], is_demo=False)
    update = add_update("york-road", ["mental-health"], is_demo=False)

    result = match(topics("mental-health"), "", citywide=True)
    york_road = result.ranked[0]
    assert york_road.lcp.slug == "york-road"
    assert york_road.evidence_score == 1 + 2 + 1, "residents, an agenda item and an update"
    assert york_road.reasons == [
        f"{MENTAL_HEALTH} – Agenda item on {uk_date(meeting.starts_at)}: Getting online, part 1",
        f"{MENTAL_HEALTH} – Update on {uk_date(update.published_at)}: New drop-in for carers",
        f"{MENTAL_HEALTH} – Raised by residents in 2021 (Big Leeds Chat)",
    ]
    assert york_road.latest == meeting.starts_at


def test_example_content_never_counts(app_context) -> None:
    digital = topics("digital-inclusion")
    demo_items = db.session.scalars(
        select(AgendaItem).join(AgendaItem.meeting).where(AgendaItem.title == DEMO_AGENDA_ITEM, Meeting.is_demo)
    ).all()
    assert demo_items, "the demo content puts digital inclusion on some agendas"
    demo_lcps = {item.meeting.lcp.slug for item in demo_items}

    before = match(digital, "", citywide=True)
    # Only a published priority (LSMP & The Light) and residents (Cross Gates) count.
    assert ranking(before) == [("lsmp-the-light", 4), ("cross-gates", 1)]
    assert demo_lcps - {"lsmp-the-light", "cross-gates"}, "some partnership has digital inclusion only in examples"
    assert before.examples_left_out > 0

    # More example content, on the partnership ranked last and on one not ranked at all, changes nothing.
    add_meeting("cross-gates", ["digital-inclusion"], is_demo=True, items=3)
    add_meeting("york-road", ["digital-inclusion"], is_demo=True, items=3)
    add_update("york-road", ["digital-inclusion"], is_demo=True)
    after = match(digital, "", citywide=True)
    assert ranking(after) == ranking(before)
    assert after.examples_left_out == before.examples_left_out + 7
    assert all("Getting online" not in reason for entry in after.ranked for reason in entry.reasons)

    # The same content, published for real, does count: the check above would have seen a change.
    add_meeting("york-road", ["digital-inclusion"], is_demo=False, items=3)
    assert ranking(match(digital, "", citywide=True))[0] == ("york-road", 6)


def test_the_page_shows_no_example_content_as_evidence(get_page) -> None:
    page = get_page("/match?topic=digital-inclusion&areas=&citywide=y")
    text = page.text()
    assert "Example item" not in text and "Example update" not in text
    assert "Example content, made up to show how the site will look, is left out: it never counts." in text
    headings = [h.get_text(" ", strip=True) for h in page.soup.select("main h3")]
    assert headings[:2] == [
        "Number 1 – Leeds Student Medical Practice & The Light Local Care Partnership",
        "Number 2 – Cross Gates Local Care Partnership",
    ]


# Areas first, then topics -----------------------------------------------------------------------------------------

LONELINESS = "Loneliness and social connection"
EXAMPLE = ("isolation-connection", "ageing-well")
EXAMPLE_AREAS = "LS14, LS15, LS9"


def test_the_example_ranks_the_partnership_covering_an_area_by_its_sources_first(app_context) -> None:
    """Loneliness and ageing well, for LS14, LS15 and LS9: Seacroft, named for LS14 by its sources, comes first;
    LS25 & LS26, with the most published work on ageing well but reaching LS15 only through Barwick-in-Elmet,
    comes after every partnership that covers an area more firmly, and is not ticked."""
    result = match(topics(*EXAMPLE), EXAMPLE_AREAS, citywide=False)
    assert slugs(result.ranked) == ["seacroft", "cross-gates", "hatch", "ls25-ls26"]
    seacroft, cross_gates, hatch, ls25 = result.ranked
    assert seacroft.strengths == {"LS14": FIRM}
    assert cross_gates.strengths == {"LS15": ESTIMATE} and hatch.strengths == {"LS9": ESTIMATE}
    assert ls25.strengths == {"LS15": EDGE}
    # The score: 100 x the share of the areas covered (firm 1, estimate 0.35, edge 0.1) + 15 x the topics' share.
    assert seacroft.score == round(100 / 3 + 15 * (0.25 + 0) / 2, 1) == 35.2
    assert cross_gates.score == round(100 * 0.35 / 3 + 15 * (0.25 + 1) / 2, 1) == 21.0
    assert ls25.score == round(100 * 0.1 / 3 + 15 * (0 + 1) / 2, 1) == 10.8
    assert ls25.evidence_score > cross_gates.evidence_score > seacroft.evidence_score, (
        "topic work alone says the opposite"
    )
    # Ticked: Seacroft (firm for LS14), and the best estimate where no partnership's sources name the area.
    assert [entry.preselected for entry in result.ranked] == [True, True, True, False]
    assert [str(entry.explanation) for entry in result.ranked] == [
        f"Covers 1 of your 3 areas (LS14), and has evidence on {LONELINESS}, but none yet on {AGEING_WELL}.",
        f"Probably covers LS15 (our estimate), and has evidence on {LONELINESS} and {AGEING_WELL}.",
        f"Probably covers LS9 (our estimate), and has evidence on {LONELINESS}, but none yet on {AGEING_WELL}.",
        "Reaches LS15 only through places it names (Barwick-in-Elmet), and has evidence on "
        f"{AGEING_WELL}, but none yet on {LONELINESS}.",
    ]
    # York Road's sources name no area, district or practice: listed apart, neither ruled in nor ticked.
    assert slugs(result.unknown_coverage) == ["york-road"]
    york_road = result.unknown_coverage[0]
    assert not york_road.preselected and york_road.rank is None
    assert str(york_road.explanation) == (
        f"We do not know which areas York Road covers. It has no evidence yet on {LONELINESS} and {AGEING_WELL}."
    )


def test_the_example_on_the_page(get_page) -> None:
    page = get_page("/match?topic=isolation-connection&topic=ageing-well&areas=LS14%2C+LS15%2C+LS9")
    text = page.text("#results")
    assert "4 partnerships serve the areas you entered" in text
    headings = [h.get_text(" ", strip=True) for h in page.soup.select("#results ol h3")]
    assert headings[0] == "Number 1 – Seacroft Local Care Partnership"
    assert headings[3] == "Number 4 – LS25 & LS26 Local Care Partnership"
    cards = page.soup.select("#results ol > li")
    assert all(card.select_one(".app-match__why").get_text(strip=True) for card in cards), "each has its sentence"
    ticked = [box["value"] for box in page.soup.select("#results input[name=lcp][checked]")]
    assert ticked == ["seacroft", "cross-gates", "hatch"]
    # York Road is listed, under its own heading, and may be ticked by hand.
    assert page.text("#areas-not-known") == "Partnerships whose areas we do not know yet"
    assert "We do not know which areas York Road covers." in page.text("#match-york-road + p")
    box = page.soup.select_one("#follow-york-road")
    assert box is not None and not box.has_attr("checked")
    # Next, register: the areas go with the topics, the partnerships ticked and "an organisation".
    form = page.soup.select_one("#results form")
    hidden = {(i["name"], i["value"]) for i in form.select("input[type=hidden]")}
    assert ("areas", "LS14, LS15, LS9") in hidden and ("kind", "organisation") in hidden


def test_york_road_reaches_ls9_through_the_practices_confirmed_as_its_own(app_context) -> None:
    """Why York Road never appeared for LS9: its sources name no area, no postcode district and no practice, and
    no place links it to any. Once the programme's list confirms practices of LS9 as York Road's, LS9 leads to
    it, as an estimate with the practices named."""
    york_road = lcp("york-road")
    practices = db.session.scalars(
        select(GpPractice).where(GpPractice.district == "LS9", GpPractice.is_open, GpPractice.lcp_id.is_(None))
    ).all()[:2]
    assert len(practices) == 2, "the NHS list has open practices in LS9 with no partnership confirmed"
    for practice in practices:
        practice.lcp, practice.lcp_confirmed_by = york_road, "programme"
    db.session.flush()

    ls9 = read_areas(["LS9"])[0]
    link = next(link for link in ls9.links if link.lcp.slug == "york-road")
    assert link.strength == ESTIMATE
    assert all(practice.name in link.reason for practice in practices) and "York Road" in link.reason
    # A place in LS9 leads there too.
    burmantofts = read_areas(["Osmondthorpe"])[0]
    assert "york-road" in {link.lcp.slug for link in burmantofts.links}

    result = match(topics(*EXAMPLE), EXAMPLE_AREAS, citywide=False)
    assert "york-road" in slugs(result.ranked) and not result.unknown_coverage
    entry = entry_for(result, "york-road")
    assert entry.strengths == {"LS9": ESTIMATE}
    # As firmly linked to LS9 as HATCH: both are ticked, HATCH first for its evidence on loneliness.
    assert entry.preselected and entry_for(result, "hatch").preselected
    assert slugs(result.ranked).index("hatch") < slugs(result.ranked).index("york-road")
    assert str(entry.explanation).startswith("Probably covers LS9 (our estimate), but has no evidence yet on")


def test_a_single_area(app_context) -> None:
    result = match(topics("isolation-connection"), "LS14", citywide=False)
    assert slugs(result.ranked) == ["seacroft"]
    seacroft = result.ranked[0]
    assert seacroft.preselected and seacroft.score == round(100 + 15 * 0.25, 1)
    assert str(seacroft.explanation) == f"Covers every area you entered (LS14), and has evidence on {LONELINESS}."


def test_areas_by_name_count_as_firm(app_context) -> None:
    # A partnership's own name and an area it names are firm; a neighbourhood only through its district is not.
    result = match(topics("isolation-connection"), "Seacroft, Scholes, Killingbeck", citywide=False)
    assert slugs(result.ranked) == ["seacroft", "cross-gates"]
    seacroft, cross_gates = result.ranked
    assert seacroft.strengths == {"Seacroft": FIRM, "Killingbeck": ESTIMATE}
    assert cross_gates.strengths == {"Scholes": FIRM}
    assert str(seacroft.explanation) == f"Covers 1 of your 3 areas (Seacroft), and has evidence on {LONELINESS}."
    assert seacroft.preselected and cross_gates.preselected
    # Seacroft also serves Killingbeck by our estimate: said beside it, and counted.
    assert seacroft.serves == "Serves Seacroft, and probably Killingbeck (our estimate)."
    assert seacroft.score > cross_gates.score


def test_topic_evidence_breaks_a_tie_and_example_content_never_does(app_context) -> None:
    # Each covers one of the two areas by its sources, and residents raised loneliness in both in 2021.
    before = match(topics("isolation-connection"), "LS14, Crossgates", citywide=False)
    assert [entry.score for entry in before.ranked] == [before.ranked[0].score] * 2
    assert slugs(before.ranked) == ["cross-gates", "seacroft"], "a tie goes to the name"

    add_meeting("seacroft", ["isolation-connection"], is_demo=True, items=3)
    add_update("seacroft", ["isolation-connection"], is_demo=True)
    examples = match(topics("isolation-connection"), "LS14, Crossgates", citywide=False)
    assert slugs(examples.ranked) == ["cross-gates", "seacroft"], "example content never counts"
    assert [entry.score for entry in examples.ranked] == [entry.score for entry in before.ranked]
    assert examples.examples_left_out == before.examples_left_out + 4

    add_meeting("seacroft", ["isolation-connection"], is_demo=False)
    after = match(topics("isolation-connection"), "LS14, Crossgates", citywide=False)
    assert slugs(after.ranked) == ["seacroft", "cross-gates"], "an agenda item published for real does"
    assert after.ranked[0].score > before.ranked[1].score


def test_an_area_outside_leeds_still_counts_among_the_areas_typed(app_context) -> None:
    result = match(topics("isolation-connection"), "LS14, LS29", citywide=False)
    assert str(result.ranked[0].explanation) == (f"Covers 1 of your 2 areas (LS14), and has evidence on {LONELINESS}.")


def test_with_no_partnership_in_the_areas_nothing_unknown_is_offered(app_context) -> None:
    # Roundhay is in a part of Leeds this site does not cover yet: its partnership is another one.
    result = match(topics("isolation-connection"), "Roundhay", citywide=False)
    assert not result.ranked and not result.unknown_coverage and result.gaps


# Areas ------------------------------------------------------------------------------------------------------------


def test_areas_are_split_on_commas_new_lines_and_and(app_context) -> None:
    assert split_areas("LS9, LS14 2AB\nSeacroft; Crossgates") == ["LS9", "LS14 2AB", "Seacroft", "Crossgates"]
    labels = [term.label for term in read_areas(split_areas("LS9 and LS14, Woodsley and Holt Park, Seacroft & LS15"))]
    # "and" splits two districts, but not a partnership whose name has "and" in it.
    assert labels == ["LS9", "LS14", "Woodsley and Holt Park", "Seacroft", "LS15"]


def test_a_postcode_district_or_full_postcode_leads_to_the_partnership_linked_to_it(app_context) -> None:
    ls14, full = read_areas(["LS14"])[0], read_areas(["ls14-2ab"])[0]
    assert [lcp.slug for lcp in ls14.lcps] == ["seacroft"]
    # The reason is geography's sentence, naming the partnership and the district.
    assert "Seacroft" in ls14.links[0].reason and "LS14" in ls14.links[0].reason
    assert not ls14.links[0].estimate and ls14.links[0].strength == FIRM
    assert full.label == "LS14" and [lcp.slug for lcp in full.lcps] == ["seacroft"]
    # A link inferred from place names is said to be an estimate.
    ls15 = read_areas(["LS15"])[0]
    assert {lcp.slug for lcp in ls15.lcps} == {"cross-gates", "ls25-ls26"}
    assert all(link.estimate and "our estimate" in link.reason for link in ls15.links)
    # Cross Gates is linked to LS15 from the places it names; LS25 & LS26 reaches it only through one village,
    # while its own sources list LS25 and LS26.
    strengths = {link.lcp.slug: (link.strength, link.edge_places) for link in ls15.links}
    assert strengths == {"cross-gates": (ESTIMATE, []), "ls25-ls26": (EDGE, ["Barwick-in-Elmet"])}


def test_a_place_name_leads_to_its_partnership(app_context) -> None:
    crossgates = read_areas(["Crossgates"])[0]
    assert [lcp.slug for lcp in crossgates.lcps] == ["cross-gates"]
    # A neighbourhood no partnership names: through its postcode district, as an estimate.
    killingbeck = read_areas(["Killingbeck"])[0]
    assert [lcp.slug for lcp in killingbeck.lcps] == ["seacroft"]
    reason = killingbeck.links[0].reason
    assert "Killingbeck" in reason and "LS14" in reason and "Seacroft" in reason
    assert killingbeck.links[0].estimate and killingbeck.links[0].strength == ESTIMATE


def test_an_unknown_area_is_reported_back_not_guessed(get_page) -> None:
    page = get_page("/match?topic=mental-health&areas=Seacroft%2C+Xyz")
    assert page.soup.select_one(".nhsuk-error-summary").get_text(" ", strip=True) == f"There is a problem {UNKNOWN_XYZ}"
    assert page.soup.select_one("#areas-error").get_text(" ", strip=True) == f"Error: {UNKNOWN_XYZ}"
    assert page.soup.select_one("textarea#areas").get_text() == "Seacroft, Xyz"
    assert page.soup.title.get_text().startswith("Error: ")
    assert not page.soup.select("#results")
    near = (
        get_page("/match?topic=mental-health&areas=Garfoth").soup.select_one("#areas-error").get_text(" ", strip=True)
    )
    assert "We could not find “Garfoth”. Did you mean “Garforth”?" in near


def test_an_area_in_a_coverage_gap_says_so(get_page) -> None:
    page = get_page("/match?topic=mental-health&areas=Roundhay")
    text = page.text("#results")
    assert "No partnership on this site serves the areas you entered" in text
    assert "Roundhay: the Local Care Partnership for North-east Leeds" in text
    assert "is not on this site yet" in text
    assert not page.soup.select("#results input[name=lcp]")


def test_an_area_outside_leeds_or_with_no_partnership_yet_says_so(get_page) -> None:
    text = get_page("/match?topic=mental-health&areas=LS14%2C+LS29%2C+LS3").text("#results")
    assert "LS29 is outside Leeds." in text
    assert "LS3 is in Leeds, but no partnership on this site is linked to it yet." in text
    assert "Seacroft Local Care Partnership" in text


def test_with_areas_only_the_partnerships_serving_them_are_ranked(get_page) -> None:
    page = get_page("/match?topic=mental-health&topic=ageing-well&areas=LS14%2C+Crossgates")
    text = page.text("#results")
    assert "Only partnerships that serve the areas you entered are ranked: LS14, Crossgates." in text
    ranked = [h.get_text(" ", strip=True) for h in page.soup.select("#results ol h3")]
    assert ranked == ["Number 1 – Cross Gates Local Care Partnership", "Number 2 – Seacroft Local Care Partnership"]
    assert "Serves LS14." in text
    whys = [p.get_text(" ", strip=True) for p in page.soup.select("#results ol .app-match__why")]
    # Both serve one of the two areas by their own sources; Cross Gates's priority on ageing well separates them.
    assert whys == [
        f"Covers 1 of your 2 areas (Crossgates), and has evidence on {AGEING_WELL}, but none yet on {MENTAL_HEALTH}.",
        f"Covers 1 of your 2 areas (LS14), and has evidence on {MENTAL_HEALTH}, but none yet on {AGEING_WELL}.",
    ]


def test_a_partnership_serving_the_area_with_nothing_on_the_topics_is_ranked_and_says_so(get_page) -> None:
    page = get_page("/match?topic=housing&areas=LS14")
    text = page.text("#results")
    assert "1 partnership serves the areas you entered" in text
    assert "None of them has evidence on your topics yet. That may only mean it has not been published here." in text
    assert [h.get_text(" ", strip=True) for h in page.soup.select("#results ol h3")] == [
        "Number 1 – Seacroft Local Care Partnership"
    ]
    why = "Covers every area you entered (LS14), but has no evidence yet on Housing."
    assert page.text("#results .app-match__why") == why
    assert "works on" not in text
    assert not page.soup.select("#results .app-match__evidence"), "no evidence is listed"
    # The partnership for the organisation's area: ticked, whatever it has published.
    box = page.soup.select_one("#follow-seacroft")
    assert box is not None and box.has_attr("checked")


def test_citywide_ranks_every_partnership_on_the_site(get_page, app_context) -> None:
    page = get_page("/match?topic=housing&areas=&citywide=y")
    held = db.session.scalar(select(func.count()).select_from(Lcp))
    assert len(page.soup.select("#results input[name=lcp]")) == held
    text = page.text("#results")
    assert "Every partnership on this site is ranked, because you work across the whole city." in text
    assert f"This site has {held} of them so far." in text
    assert [h.get_text(" ", strip=True) for h in page.soup.select("#results ol h3")] == [
        "Number 1 – Wetherby Local Care Partnership"
    ]
    assert "Nothing published on your topics yet" in text
    # Residents raising housing in 2021 is a quarter of the topic points: not enough to tick.
    assert not page.soup.select("#results input[name=lcp][checked]")
    assert not page.soup.select("#areas-not-known"), "across the whole city, every partnership is ranked or listed"


def test_leeds_as_an_area_asks_for_the_whole_city_box(get_page) -> None:
    page = get_page("/match?topic=housing&areas=Leeds")
    assert "To include every partnership, tick “We work across the whole city”" in page.text("#areas-error")
    assert get_page("/match?topic=housing&areas=Leeds&citywide=y").soup.select("#results")


# The form -----------------------------------------------------------------------------------------------------


def test_the_empty_form_has_no_errors_and_no_results(get_page) -> None:
    page = get_page("/match")
    assert page.h1 == "Which Local Care Partnerships should we prioritise?"
    assert not page.soup.select(".nhsuk-error-summary") and not page.soup.select("#results")
    form = page.soup.select_one("form#form-start")
    assert form["method"] == "get" and form["action"] == "/match"
    assert not form.select("input[name=csrf_token]")


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("areas=LS14", "topic", "Choose at least one topic"),
        ("topic=housing&areas=", "areas", "Enter the areas you serve, or tick “We work across the whole city”"),
        (
            "topic=housing&topic=atlantis&areas=LS14",
            "topic",
            "We do not know a topic called “atlantis”. Choose from the list.",
        ),
        ("topic=atlantis&areas=LS14", "topic", "We do not know a topic called “atlantis”. Choose from the list."),
    ],
)
def test_bad_input_gets_a_clear_message_and_keeps_what_was_typed(get_page, query, field, message) -> None:
    page = get_page(f"/match?{query}")
    assert page.soup.title.get_text().startswith("Error: ")
    summary = page.soup.select_one(".nhsuk-error-summary a")
    assert summary.get_text(strip=True) == message
    assert summary["href"] == ("#topic-0" if field == "topic" else "#areas")
    assert page.soup.select_one(f"#{field}-error").get_text(" ", strip=True) == f"Error: {message}"
    typed = parse_qs(query, keep_blank_values=True)
    assert page.soup.select_one("textarea#areas").get_text() == typed["areas"][0]
    ticked = [box["value"] for box in page.soup.select("input[name=topic][checked]")]
    assert ticked == [slug for slug in typed.get("topic", []) if slug != "atlantis"]
    assert not page.soup.select("#results")


def test_the_whole_city_box_stays_ticked_after_an_error(get_page) -> None:
    page = get_page("/match?areas=&citywide=y")
    assert page.soup.select_one("#citywide").has_attr("checked")
    assert page.soup.select_one("#topic-error")


def test_a_link_with_topics_only_fills_the_form_in_without_errors(get_page) -> None:
    page = get_page("/match?topic=housing")
    assert [box["value"] for box in page.soup.select("input[name=topic][checked]")] == ["housing"]
    assert not page.soup.select(".nhsuk-error-summary")
    page = get_page("/match?topic=atlantis")
    assert "We do not know a topic called “atlantis”" in page.text("#topic-error")


def test_nonsense_in_the_query_string_is_never_a_server_error(client) -> None:
    for query in (
        "topic=&areas=,,,",
        "topic=housing&areas=" + "LS1%2C" * 200,
        "topic=housing&areas=" + "x" * 2000,
        "topic=housing&areas=%00%0A%0D&citywide=maybe",
        "topic=housing&topic=housing&areas=and+%26+and",
    ):
        assert client.get(f"/match?{query}").status_code == 200, query


# Following the chosen ones --------------------------------------------------------------------------------------


def test_anyone_is_taken_to_registration_with_the_choices_filled_in(client, get_page) -> None:
    page = get_page("/match?topic=ageing-well&topic=mental-health&areas=&citywide=y")
    assert "Set-Cookie" not in page.response.headers, "reading is not a reason to start a session"
    assert "Cookie" in page.response.headers["Vary"]
    form = page.soup.select_one("#results form")
    assert form["method"] == "get" and form["action"] == "/register"
    assert {(i["name"], i["value"]) for i in form.select("input[type=hidden]")} == {
        ("kind", "organisation"),
        ("topic", "mental-health"),
        ("topic", "ageing-well"),
    }
    ticked = [box["value"] for box in form.select("input[name=lcp][checked]")]
    assert ticked == ["ls25-ls26", "woodsley-holt-park", "cross-gates", "morley-district"]
    assert form.select_one("button").get_text(strip=True) == "Follow the partnerships you chose"
    label = form.select_one("label[for=follow-ls25-ls26]").get_text(" ", strip=True)
    assert label == "Follow LS25 & LS26 Local Care Partnership"

    # What the browser sends when the button is pressed.
    query = "&".join(
        [f"{i['name']}={i['value']}" for i in form.select("input[type=hidden]")] + [f"lcp={slug}" for slug in ticked]
    )
    register = get_page(f"/register?{query}")
    assert {box["value"] for box in register.soup.select("input[name=lcps][checked]")} == set(ticked)
    assert {box["value"] for box in register.soup.select("input[name=topics][checked]")} == {
        "mental-health",
        "ageing-well",
    }
    assert register.soup.select_one("input[name=kind][value=organisation]").has_attr("checked")


@pytest.fixture
def recognised(app, client):
    """A confirmed follower whose device the site recognises by its signed cookie."""
    with app.app_context():
        follower = Follower(email="match-recognised@example.org", confirmed_at=utcnow(), kind="organisation")
        db.session.add(follower)
        db.session.commit()
        client.set_cookie("lcp_follower", make_token(follower, Purpose.COOKIE))
        follower_id = follower.id
    yield follower_id
    with app.app_context():
        db.session.delete(db.session.get(Follower, follower_id))
        db.session.commit()


def test_a_recognised_person_follows_the_chosen_ones_in_one_step(app, client, recognised) -> None:
    page = Page(client.get("/match?topic=ageing-well&areas=LS15%2C+LS16"))
    assert page.response.headers["Cache-Control"] == "private, no-store"
    form = page.soup.select_one("#results form")
    assert form["method"] == "post" and form["action"] == "/follow"
    token = form.select_one("input[name=csrf_token]")["value"]
    ticked = [box["value"] for box in form.select("input[name=lcp][checked]")]
    # No partnership's sources name LS15 or LS16: the best estimate for each is ticked, not LS25 & LS26, which
    # reaches LS15 only through Barwick-in-Elmet.
    assert sorted(ticked) == ["cross-gates", "woodsley-holt-park"]
    assert "ls25-ls26" in [box["value"] for box in form.select("input[name=lcp]")]

    response = client.post("/follow", data={"csrf_token": token, "lcp": ticked, "topic": ["ageing-well"]})
    assert response.status_code == 302 and "/preferences/" in response.headers["Location"]
    with app.app_context():
        follower = db.session.get(Follower, recognised)
        assert {lcp.slug for lcp in follower.lcps} == set(ticked)
        assert [topic.slug for topic in follower.topics] == ["ageing-well"]


# Ways in --------------------------------------------------------------------------------------------------------


def test_registration_and_the_home_page_lead_to_match(get_page) -> None:
    register = get_page("/register")
    assert register.links()["See which partnerships to prioritise"] == "/match"
    assert "Registering for an organisation? See which partnerships to prioritise" in register.text()
    home = get_page("/")
    assert home.links()["Choose partnerships for your organisation"] == "/match"


def test_headings_are_in_order_and_every_result_links_to_its_partnership(get_page) -> None:
    page = get_page("/match?topic=ageing-well&areas=LS15%2C+LS16")
    levels = [int(h.name[1]) for h in page.soup.select("main h1, main h2, main h3, main h4")]
    assert levels[0] == 1 and all(later - earlier <= 1 for earlier, later in pairwise(levels))
    for heading in page.soup.select("#results h3"):
        link = heading.select_one("a")
        assert link is not None and urlsplit(link["href"]).path.startswith("/lcps/")


@pytest.mark.parametrize(
    ("language", "topics", "boundary"),
    [
        (
            "pl",
            ["Twoje tematy: Transport i poruszanie się", "Zdrowie psychiczne i dobre samopoczucie."],
            "LS17 leży częściowo poza Leeds. Większa część obszaru LS17 leży w Leeds.",
        ),
        ("ur", ["آپ کے موضوعات: آمد و رفت", "ذہنی صحت اور خوشحالی۔"], "LS17 کا زیادہ تر حصہ Leeds میں ہے۔"),
    ],
)
def test_the_topics_and_areas_read_in_the_readers_language(get_page, language, topics, boundary) -> None:
    """The chosen topics are named as the catalogue names them, not by their English labels; what is known of an
    area on the city's edge is worded by the site."""
    page = get_page(f"/match?topic=transport&topic=mental-health&areas=LS17&lang={language}")
    text = page.text("#results")
    assert all(words in text for words in topics)
    assert boundary in text
    assert "Transport and getting around" not in text and "Most of LS17" not in text
