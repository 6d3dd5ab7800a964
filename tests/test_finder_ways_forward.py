"""The finder has no dead ends: every "not confirmed yet" answer offers a way forward (follow the likely partnership
as a guide, share anyway through the citywide team, tell us the practice's partnership), with the real seeded data
and the searches new residents try ("LS17 6", Roundhay, Pudsey, Harehills, Beeston, Chapel Allerton, Bramley,
"Street Lane Practice", "Chapeltown Family Surgery", "Middleton", "LS1")."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import GpPractice
from app.services.finder import find

SHARE_ANYWAY = "/share?unsure=1"
LESS_CERTAIN = "No page of this partnership’s own was found, so its name and coverage are less certain."


def practice(name: str) -> GpPractice:
    found = db.session.scalar(select(GpPractice).where(GpPractice.name == name))
    assert found is not None, name
    return found


def slugs(matches) -> list[str]:
    return [match.lcp.slug for match in matches]


def tell_us(practice_id: int) -> str:
    return f"/find/practices/{practice_id}/tell-us"


# The practice card ----------------------------------------------------------------------------------------------


def test_street_lane_practice_gets_the_guides_and_gaps_a_search_for_ls8_gives(app_context: None) -> None:
    result = find("Street Lane Practice")
    assert result.practice is not None and result.practice.name == "The Street Lane Practice"
    assert result.practice.lcp is None
    # Its name gives no place, so its postcode district speaks for it, as a search for LS8 would.
    district = find("LS8")
    assert slugs(result.practice_guides) == slugs(district.guides) == ["hatch"]
    assert [gap.name for gap in result.gaps] == [gap.name for gap in district.gaps] == ["North-east Leeds"]
    assert result.practice_where == "LS8"
    # Picked from a list, the same answer.
    picked = find("Roundhay", practice_id=result.practice.id)
    assert slugs(picked.practice_guides) == ["hatch"] and [gap.name for gap in picked.gaps] == ["North-east Leeds"]


def test_chapeltown_family_surgery_gets_hatch_as_the_guide_chapeltown_gives(app_context: None) -> None:
    result = find("Chapeltown Family Surgery")
    assert result.practice is not None and result.practice.lcp is None
    place = find("Chapeltown")
    assert slugs(result.practice_guides) == slugs(place.guides) == ["hatch"]
    assert [str(reason) for reason in result.practice_guides[0].reasons] == [
        "Chapeltown is one of the areas HATCH covers."
    ]
    assert result.gaps == place.gaps
    assert result.practice_where == "Chapeltown"


def test_a_street_named_after_a_place_is_not_the_place(app_context: None) -> None:
    """ "The Roundhay Road Surgery" is on Roundhay Road, in Harehills: its district speaks for it, not Roundhay."""
    result = find("The Roundhay Road Surgery")
    assert result.practice is not None
    assert result.practice_where == "LS8"
    assert slugs(result.practice_guides) == ["hatch"]


@pytest.mark.parametrize(
    ("query", "slug", "practice_id_name"),
    [
        ("Street Lane Practice", "hatch", "The Street Lane Practice"),
        ("Chapeltown Family Surgery", "hatch", "Chapeltown Family Surgery"),
        ("Beeston Village Surgery", "beeston-middleton", "Beeston Village Surgery"),
    ],
)
def test_the_not_confirmed_card_offers_every_way_forward(
    app_context: None, get_page, query: str, slug: str, practice_id_name: str
) -> None:
    page = get_page(f"/find?q={query}")
    card = page.soup.select_one("#your-practice")
    text = " ".join(card.get_text(" ").split())
    links = {" ".join(a.get_text(" ").split()): a["href"] for a in card.select("a[href]")}
    assert "We have not confirmed the partnership for" in text
    assert "As a guide only, not confirmed:" in text
    assert any(href == f"/register?lcp={slug}" and label.startswith("Follow ") for label, href in links.items())
    assert f"/lcps/{slug}" in links.values()
    assert links["share it anyway"] == SHARE_ANYWAY
    assert "It goes to the citywide team, who pass it to the right Local Care Partnership." in text
    practice_id = practice(practice_id_name).id
    assert links["Tell us which partnership your practice belongs to"] == tell_us(practice_id)
    # Never worded as a fact.
    assert "Your Local Care Partnership is" not in text


def test_a_confirmed_practice_has_no_not_confirmed_ways_forward(get_page) -> None:
    page = get_page("/find?q=Garforth+Medical+Centre")
    links = page.links()
    assert SHARE_ANYWAY not in links.values()
    assert not any("/tell-us" in href for href in links.values())
    assert "#way-forward" not in str(page.soup) and page.soup.select_one("#way-forward") is None


def test_the_card_shows_the_gap_a_search_for_its_area_shows(get_page) -> None:
    text = get_page("/find?q=Street+Lane+Practice").text()
    assert "This part of Leeds is not covered yet" in text
    assert "The Local Care Partnership for North-east Leeds" in text


# Lists of practices ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["LS17 6", "Roundhay", "Pudsey", "Harehills", "Beeston", "Chapel Allerton", "Bramley", "Middleton"]
)
def test_each_not_confirmed_row_has_a_short_tell_us_link_and_the_list_ends_with_one_block(
    app_context: None, get_page, query: str
) -> None:
    result = find(query)
    unconfirmed = [item for item in result.listed_practices if item.is_open and item.lcp is None]
    assert unconfirmed, query
    page = get_page(f"/find?q={query}")
    for item in unconfirmed:
        link = page.soup.select_one(f'main a[href="{tell_us(item.id)}"]')
        assert link is not None, item.name
        assert " ".join(link.get_text(" ").split()) == f"Tell us its partnership : {item.name}"
        assert link.select_one(".nhsuk-u-visually-hidden").get_text(strip=True) == f": {item.name}"
    confirmed = [item for item in result.listed_practices if item.lcp is not None]
    for item in confirmed:
        assert page.soup.select_one(f'main a[href="{tell_us(item.id)}"]') is None
    # Share anyway is said once, after the lists, not on every row.
    assert len(page.soup.select(f'main a[href="{SHARE_ANYWAY}"]')) == 1
    block = page.soup.select_one("#way-forward")
    assert block is not None and block.select_one(f'a[href="{SHARE_ANYWAY}"]') is not None
    assert "If your practice’s partnership is not confirmed yet" in block.get_text()
    # Follow links come with the guides, once each.
    for slug in slugs(result.guides):
        assert len(page.soup.select(f'main a[href="/register?lcp={slug}"]')) == 1


def test_a_list_of_confirmed_practices_has_no_not_confirmed_block(get_page) -> None:
    page = get_page("/find?q=Cross+Gates")
    assert page.soup.select_one("#way-forward") is None
    assert page.links()["Follow Cross Gates"] == "/register?lcp=cross-gates"


# Less certain partnerships -------------------------------------------------------------------------------------


def test_a_less_certain_partnership_is_marked_wherever_the_finder_suggests_it(get_page) -> None:
    for query in ("Beeston", "Bramley", "Middleton", "Beeston Village Surgery"):
        page = get_page(f"/find?q={query}")
        assert LESS_CERTAIN in page.text(), query
        assert page.soup.select("main .nhsuk-tag.app-less-certain"), query
    # A partnership whose own pages were found is not.
    for query in ("Cross Gates", "Chapeltown Family Surgery"):
        page = get_page(f"/find?q={query}")
        assert LESS_CERTAIN not in page.text(), query
        assert page.soup.select("main .app-less-certain") == [], query


def test_each_less_certain_guide_card_carries_the_mark(get_page) -> None:
    page = get_page("/find?q=Middleton")
    cards = [card for card in page.soup.select("main li.nhsuk-card") if card.select_one("h3 a")]
    assert len(cards) == 2
    for card in cards:
        assert LESS_CERTAIN in " ".join(card.get_text(" ").split())


# Two partnerships name the same place --------------------------------------------------------------------------


def test_middleton_says_how_to_tell_which_partnership_is_yours(app_context: None, get_page) -> None:
    result = find("Middleton")
    assert [(shared.area, [lcp.slug for lcp in shared.lcps]) for shared in result.shared_areas] == [
        ("Middleton", ["beeston-middleton", "bramley-wortley-middleton"])
    ]
    page = get_page("/find?q=Middleton")
    text = page.text()
    assert "Both Beeston & Middleton and Bramley, Wortley & Middleton cover Middleton." in text
    assert "Your partnership is the one your GP practice belongs to: search for your practice’s name ." in text
    links = page.links()
    assert links["search for your practice’s name"] == "/find#q"
    assert links["the GP practices listed above"] == "#choose-practice"
    assert page.soup.select_one("h2#choose-practice") is not None


def test_one_partnership_for_a_place_says_nothing_of_both(app_context: None) -> None:
    assert find("Beeston").shared_areas == []
    assert find("Harehills").shared_areas == []


# Postcode sectors ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("LS17 6", ["The North Leeds Medical Practice"]),
        ("LS17 6AB", ["The North Leeds Medical Practice"]),
        ("ls176ab", ["The North Leeds Medical Practice"]),
        ("LS28 7", ["Hillfoot Surgery", "Mulberry Street Medical Practice", "Robin Lane Health and Wellbeing Centre"]),
    ],
)
def test_a_sector_narrows_the_list_to_practices_with_an_address_in_it(
    app_context: None, get_page, query: str, expected: list[str]
) -> None:
    result = find(query)
    assert result.sector_narrowed is True
    assert [item.name for item in result.nearby_practices] == expected
    assert all(item.postcode.startswith(f"{result.sector}") for item in result.nearby_practices)
    text = get_page(f"/find?q={query}").text()
    assert (
        "Your Local Care Partnership follows your GP practice, not your address. These are the open GP practices "
        f"with an address in {result.sector}:"
    ) in text


def test_a_sector_with_no_practice_lists_the_district_and_says_so(app_context: None, get_page) -> None:
    result = find("LS17 9AB")
    assert result.sector_narrowed is False
    district = find("LS17")
    assert district.sector_narrowed is None
    assert [item.name for item in result.nearby_practices] == [item.name for item in district.nearby_practices]
    assert len(result.nearby_practices) > 1
    text = get_page("/find?q=LS17+9AB").text()
    assert (
        "Your Local Care Partnership follows your GP practice, not your address. No open GP practice has an address "
        "in LS17 9; these are the open GP practices in LS17:"
    ) in text


# LS1 and The Light -----------------------------------------------------------------------------------------------


def test_ls1_lists_the_light_practice(app_context: None, get_page) -> None:
    result = find("LS1")
    names = [item.name for item in result.nearby_practices]
    assert names == ["The Light practice (One Medicare, The Headrow)"]
    assert result.nearby_practices[0].ods_code is None
    assert result.nearby_practices[0].lcp is not None and result.nearby_practices[0].lcp.slug == "lsmp-the-light"
    page = get_page("/find?q=LS1")
    assert "We do not hold any open GP practice with an address in LS1" not in page.text()
    assert "The partnership names this practice, but it is not in the NHS list of practices this site uses" in (
        page.text()
    )
    # Not in a district it is not in.
    assert "The Light practice (One Medicare, The Headrow)" not in [item.name for item in find("LS2").nearby_practices]


# Words a person would write ------------------------------------------------------------------------------------


def test_reasons_read_as_a_person_would_write_them(get_page) -> None:
    crossgates = get_page("/find?q=Cross+Gates").text()
    assert "The Cross Gates partnership is named after Cross Gates, which it covers." in crossgates
    assert "one of the areas Cross Gates names" not in crossgates
    # The name matching adds nothing once an area says why.
    assert "The partnership’s name" not in crossgates
    harehills = get_page("/find?q=Harehills").text()
    assert "Harehills is one of the areas HATCH covers." in harehills
    pudsey = get_page("/find?q=Pudsey").text()
    assert "There used to be a group of Pudsey GP practices, but we have not found a partnership for Pudsey yet." in (
        pudsey
    )
    assert "locality" not in pudsey


def test_the_directory_and_the_finders_coverage_card_read_right(get_page) -> None:
    for url, card in (("/lcps", "#coverage"), ("/find?q=Xyzzy+Qwerty", "#coverage")):
        text = get_page(url).text(card)
        assert "North-east Leeds (Alwoodley, Moortown, Roundhay, Chapel Allerton and Meanwood)." in text
        assert "None of the partnerships on this site covers these places; theirs is still to be added." in text
        assert "There used to be a group of Pudsey GP practices" in text
        assert "The Wetherby partnership may cover these places, but we have not confirmed it." in text
