"""The finder's answers and the reason it gives for each."""

from __future__ import annotations

import pytest

from app.services.finder import find, normalise, parse_postcode


def names(result) -> list[str]:
    return [match.lcp.slug for match in result.matches]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("LS14 2AB", ("LS14 2AB", "LS14")),
        ("ls142ab", ("LS14 2AB", "LS14")),
        ("  ls14  ", (None, "LS14")),
        ("BD11", (None, "BD11")),
        ("WF3 1AA", ("WF3 1AA", "WF3")),
        ("ls14 2", (None, "LS14")),
        ("LS14 2A", (None, "LS14")),
        ("garforth", (None, None)),
        ("LS", (None, None)),
    ],
)
def test_parse_postcode(query: str, expected: tuple[str | None, str | None]) -> None:
    assert parse_postcode(query) == expected


def test_normalise_treats_ampersand_and_punctuation_alike() -> None:
    assert normalise("Ireland Wood & Horsforth") == normalise("ireland wood and horsforth")
    assert normalise("One Medicare, The Light (The Headrow)") == "one medicare the light the headrow"


def test_gp_practice_name_is_partial_and_case_insensitive(app_context: None) -> None:
    result = find("garforth")
    assert names(result) == ["ls25-ls26"]
    reasons = [reason.text for reason in result.matches[0].reasons]
    assert "Your GP practice, Garforth Medical Practice, is in LS25 & LS26." in reasons
    assert result.matches[0].by_gp
    assert not result.from_postcode


def test_practice_with_ampersand_is_found_either_way(app_context: None) -> None:
    assert names(find("ireland wood and horsforth")) == ["woodsley-holt-park"]
    assert names(find("Ireland Wood & Horsforth")) == ["woodsley-holt-park"]


def test_neighbourhood_is_a_guide(app_context: None) -> None:
    result = find("Harehills")
    assert names(result) == ["hatch"]
    reason = result.matches[0].reasons[0]
    assert reason.kind == "area"
    assert reason.estimated
    assert reason.text == "Harehills is one of the areas HATCH covers."


def test_word_start_matching_does_not_find_letters_inside_words(app_context: None) -> None:
    # "ls" is inside "Harehills"; a person typing "ls" has not asked for HATCH.
    assert "hatch" not in names(find("ls"))


def test_district_shared_by_two_lcps_names_both(app_context: None) -> None:
    result = find("LS12")
    assert sorted(names(result)) == ["armley", "bramley-wortley-middleton"]
    assert result.summary == "LS12 is covered by Armley and by Bramley, Wortley & Middleton."
    assert result.from_postcode
    assert all(reason.kind == "postcode" for match in result.matches for reason in match.reasons)


def test_full_postcode_uses_its_district(app_context: None) -> None:
    result = find("ls14 2ab")
    assert result.postcode == "LS14 2AB"
    assert names(result) == ["seacroft"]
    assert result.summary == "LS14 is covered by Seacroft."
    # Seacroft's source states LS14 itself, so this link is not an estimate.
    assert not result.matches[0].reasons[0].estimated


def test_boundary_crossing_district_includes_the_lcp_that_reaches_into_it(app_context: None) -> None:
    result = find("LS15")
    assert sorted(names(result)) == ["cross-gates", "ls25-ls26"]
    ls25 = next(match for match in result.matches if match.lcp.slug == "ls25-ls26")
    assert "Barwick-in-Elmet" in ls25.reasons[0].text


def test_districts_outside_ls_that_belong_to_leeds_lcps(app_context: None) -> None:
    assert names(find("BD11 1AB")) == ["morley-district"]
    assert names(find("WF3")) == ["morley-district"]


def test_postcode_outside_leeds_is_told_so(app_context: None) -> None:
    result = find("BD1 1AA")
    assert result.outside_leeds
    assert result.matches == []


def test_leeds_district_with_no_known_lcp(app_context: None) -> None:
    result = find("LS17")
    assert not result.outside_leeds
    assert result.unmapped_district
    assert result.matches == []


def test_no_match_and_too_short(app_context: None) -> None:
    assert find("qwertyuiop").matches == []
    assert find("a").too_short
    assert not find("").too_short
