"""The finder's answers as a resident types them, and the words it uses for each.

Only a practice's full name (or one it is known by), or a practice picked from a list, gets "Your
GP practice"; part of a name gets "If you are registered at …"; a postcode or place lists the
practices there and asks which is yours.
"""

from __future__ import annotations

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from app.extensions import db
from app.models import GpPractice
from app.services.finder import find, normalise, parse_postcode, parse_postcode_parts
from tests.english_left import english_left, readable_lines, unisolated_english


def guide_slugs(result) -> list[str]:
    return sorted(match.lcp.slug for match in result.guides)


def practice_names(practices) -> list[str]:
    return [practice.name for practice in practices]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("LS14 2AB", ("LS14 2AB", "LS14", "LS14 2")),
        ("ls142ab", ("LS14 2AB", "LS14", "LS14 2")),
        ("LS14-2AB", ("LS14 2AB", "LS14", "LS14 2")),
        ("  ls14  ", (None, "LS14", None)),
        ("BD11", (None, "BD11", None)),
        ("WF3 1AA", ("WF3 1AA", "WF3", "WF3 1")),
        ("WF3 4", (None, "WF3", "WF3 4")),
        ("ls14 2", (None, "LS14", "LS14 2")),
        ("LS14 2A", (None, "LS14", "LS14 2")),
        ("garforth", (None, None, None)),
        ("LS", (None, None, None)),
    ],
)
def test_parse_postcode(query: str, expected: tuple[str | None, str | None, str | None]) -> None:
    assert parse_postcode_parts(query) == expected
    assert parse_postcode(query) == expected[:2]


def test_normalise_treats_ampersand_and_punctuation_alike() -> None:
    assert normalise("Ireland Wood & Horsforth") == normalise("ireland wood and horsforth")
    assert normalise("One Medicare, The Light (The Headrow)") == "one medicare the light the headrow"


def test_every_open_practice_is_loaded_and_only_listed_ones_have_an_lcp(app_context: None) -> None:
    ods = select(func.count()).select_from(GpPractice).where(GpPractice.ods_code.is_not(None))
    assert db.session.scalar(ods) == 103
    assert db.session.scalar(ods.where(GpPractice.is_open)) == 84
    assert db.session.scalar(ods.where(GpPractice.is_open, GpPractice.lcp_id.is_not(None))) == 35
    armley = db.session.scalar(select(GpPractice).where(GpPractice.ods_code == "B86003"))
    assert armley.name == "Armley Moor Medical Centre"
    assert "Dr G Lees & Partners" in armley.alias_list
    assert armley.lcp.slug == "armley"


# --- Certainty the site does not have ----------------------------------------------------------


def test_a_full_practice_name_is_the_firm_answer(app_context: None, get_page) -> None:
    result = find("Garforth Medical Centre")
    assert result.practice.name == "Garforth Medical Centre"
    assert result.practice.lcp.slug == "ls25-ls26"
    page = get_page("/find?q=Garforth+Medical+Centre")
    assert "Your GP practice, Garforth Medical Centre, is in LS25 & LS26 Local Care Partnership" in page.text()


def test_the_name_a_partnership_list_uses_is_a_full_name_too(app_context: None) -> None:
    # ODS calls it "DR G LEES & PARTNERS"; the Armley list calls it "Armley Medical Centre".
    assert find("armley medical centre").practice.name == "Armley Moor Medical Centre"
    assert find("DR G LEES & PARTNERS").practice.name == "Armley Moor Medical Centre"
    assert find("ireland wood and horsforth medical practice").practice.lcp.slug == "woodsley-holt-park"


def test_leeds_lists_practices_whose_name_matches_without_claiming_one(app_context: None, get_page) -> None:
    result = find("Leeds")
    assert result.practice is None
    assert "Leeds Student Medical Practice" in practice_names(result.named_practices)
    text = get_page("/find?q=Leeds").text()
    assert "Your GP practice" not in text
    assert "GP practices whose name matches “Leeds”" in text
    assert (
        "If you are registered at Leeds Student Medical Practice, your Local Care Partnership is "
        "Leeds Student Medical Practice & The Light" in text
    )
    assert "If you are registered at Leeds City Medical Practice: we have not confirmed" in text


def test_morley_as_a_place_is_a_guide_not_a_practice(app_context: None, get_page) -> None:
    result = find("Morley")
    assert result.practice is None
    assert practice_names(result.places) == ["Morley"]
    assert guide_slugs(result) == ["morley-district"]
    text = get_page("/find?q=Morley").text()
    assert "Your GP practice" not in text
    assert "Which of these GP practices is yours?" in text
    assert "This is only a guide." in text


def test_oakwood_is_a_neighbourhood_in_ls8_and_the_seacroft_practice_is_conditional(
    app_context: None, get_page
) -> None:
    result = find("Oakwood")
    assert practice_names(result.places) == ["Oakwood"]
    assert result.nearby_districts == ["LS8"]
    text = get_page("/find?q=Oakwood").text()
    assert "Your GP practice" not in text
    assert "If you are registered at Oakwood Lane Medical Practice, your Local Care Partnership is Seacroft" in text
    assert "Oakwood: postcode LS8." in text


# --- Told to check their spelling when the data has a gap ---------------------------------------


@pytest.mark.parametrize(
    ("query", "gap"),
    [
        ("Alwoodley", "North-east Leeds"),
        ("Roundhay", "North-east Leeds"),
        ("Chapel Allerton", "North-east Leeds"),
        ("Pudsey", "Pudsey and west Leeds"),
        ("Boston Spa", "Villages around Wetherby"),
        ("LS17", "North-east Leeds"),
        ("LS23", "Villages around Wetherby"),
        ("LS28", "Pudsey and west Leeds"),
    ],
)
def test_places_the_site_does_not_cover_get_the_honest_answer(app_context: None, get_page, query, gap) -> None:
    assert [g.name for g in find(query).gaps] == [gap]
    text = get_page(f"/find?q={query}").text()
    assert "check the spelling" not in text
    assert f"The Local Care Partnership for {gap}" in text
    assert "is not on this site yet" in text
    assert "lcp-engagement@example.org" in text


@pytest.mark.parametrize("query", ["Street Lane", "The Street Lane Practice"])
def test_a_practice_without_a_confirmed_lcp_is_known(app_context: None, get_page, query) -> None:
    result = find(query)
    known = [result.practice] if result.practice else result.named_practices
    assert practice_names(known) == ["The Street Lane Practice"]
    assert known[0].lcp is None
    text = get_page(f"/find?q={query}").text()
    assert "check the spelling" not in text
    assert "not confirmed" in text


def test_a_practice_not_in_our_list_says_so_without_blaming_spelling(app_context: None, get_page) -> None:
    result = find("Shakespeare Medical Practice")
    assert not result.found
    assert result.suggestions == []
    text = get_page("/find?q=Shakespeare+Medical+Practice").text()
    assert "check the spelling" not in text
    assert "may miss a practice that opened recently" in text
    assert "This site has 13 of them so far" in text


# --- Ordinary typing ----------------------------------------------------------------------------


def test_a_typo_gets_did_you_mean(app_context: None, get_page) -> None:
    assert find("garfoth").suggestions[:2] == ["Garforth", "Garforth Medical Centre"]
    page = get_page("/find?q=garfoth")
    assert "Did you mean:" in page.text()
    assert page.links()["Garforth Medical Centre"] == "/find?q=Garforth+Medical+Centre"
    assert "check the spelling" in page.text()


def test_spacing_and_alternative_spellings(app_context: None) -> None:
    result = find("Crossgates")
    assert practice_names(result.places) == ["Cross Gates"]
    assert guide_slugs(result) == ["cross-gates"]
    assert {practice.lcp.slug for practice in result.nearby_practices} == {"cross-gates"}


def test_generic_words_are_left_out_when_they_hide_the_answer(app_context: None, get_page) -> None:
    result = find("seacroft surgery")
    assert result.searched_for == "seacroft"
    assert practice_names(result.places) == ["Seacroft"]
    assert "We searched for “seacroft”" in get_page("/find?q=seacroft+surgery").text()


def test_a_postcode_with_a_hyphen(app_context: None) -> None:
    result = find("LS14-2AB")
    assert result.postcode == "LS14 2AB"
    assert guide_slugs(result) == ["seacroft"]


@pytest.mark.parametrize(("place", "district"), [("Whinmoor", "LS14"), ("Swarcliffe", "LS14"), ("Gipton", "LS9")])
def test_neighbourhoods_not_named_by_any_lcp(app_context: None, place: str, district: str) -> None:
    result = find(place)
    assert place in practice_names(result.places)
    assert district in result.nearby_districts
    assert result.nearby_practices


# --- Boundaries ---------------------------------------------------------------------------------


def test_stanley_wf3_4_is_outside_leeds(app_context: None, get_page) -> None:
    result = find("WF3 4")
    assert result.outside_leeds
    assert guide_slugs(result) == []
    text = get_page("/find?q=WF3+4").text()
    assert "WF3 4 is outside Leeds" in text
    assert "WF3 4 is in Wakefield: Stanley." in text
    assert "Morley" not in text


def test_wf3_1_is_in_leeds_and_morley(app_context: None) -> None:
    result = find("WF3 1AA")
    assert not result.outside_leeds
    assert guide_slugs(result) == ["morley-district"]
    assert "WF3 1 is in Leeds: Tingley and West Ardsley." in result.boundary_note


@pytest.mark.parametrize("district", ["WF10", "BD4"])
def test_districts_mostly_outside_leeds_are_not_called_in_leeds(app_context: None, get_page, district) -> None:
    text = get_page(f"/find?q={district}").text()
    assert f"{district} is partly outside Leeds." in text
    assert "is in Leeds, but we do not yet know" not in text


def test_a_shared_district_asks_which_practice_is_yours(app_context: None, get_page) -> None:
    result = find("LS12")
    assert guide_slugs(result) == ["armley", "bramley-wortley-middleton"]
    assert "Armley Moor Medical Centre" in practice_names(result.nearby_practices)
    page = get_page("/find?q=LS12")
    text = page.text()
    assert "Which of these GP practices is yours?" in text
    assert "one of the postcode districts we link" not in text
    assert "LS12 is in the area of Armley and of Bramley, Wortley & Middleton." in text


def test_picking_a_practice_from_the_list_gives_the_firm_answer(app_context: None, get_page) -> None:
    armley = db.session.scalar(select(GpPractice).where(GpPractice.ods_code == "B86003"))
    page = get_page(f"/find?q=LS12&practice={armley.id}")
    assert "Your GP practice, Armley Moor Medical Centre, is in Armley Local Care Partnership" in page.text()
    assert page.links()["Armley Local Care Partnership"] == "/lcps/armley"


def test_a_closed_practice_says_so_and_offers_practices_near_it(app_context: None, get_page) -> None:
    result = find("Fieldhead Surgery")
    assert not result.practice.is_open
    assert result.nearby_practices
    assert all(practice.is_open for practice in result.nearby_practices)
    text = get_page("/find?q=Fieldhead+Surgery").text()
    assert "Fieldhead Surgery closed on 30 November 2022." in text
    assert "Your GP practice, Fieldhead" not in text


def test_postcode_outside_leeds_is_told_so(app_context: None) -> None:
    result = find("BD1 1AA")
    assert result.outside_leeds
    assert result.guides == []


def test_word_start_matching_does_not_find_letters_inside_words(app_context: None) -> None:
    # "ls" is inside "Harehills"; a person typing "ls" has not asked for HATCH.
    assert "hatch" not in guide_slugs(find("ls"))


# --- Empty and short ----------------------------------------------------------------------------


def test_an_empty_search_says_what_to_type(get_page) -> None:
    text = get_page("/find?q=").text()
    assert "Enter the name of your GP practice, a postcode or a neighbourhood" in text


def test_no_match_and_too_short(app_context: None) -> None:
    assert not find("qwertyuiop").found
    assert find("a").too_short
    assert not find("").too_short


# --- In the reader's language -------------------------------------------------------------------------------------


def read(page) -> str:
    """The text of `main` as a person reads it, each block on a line (no spaces added around marked words)."""
    return "\n".join(line for line, _mask in readable_lines(str(page.soup.select_one("main"))))


def marked_english(page) -> list[str]:
    """Words marked as English and isolated left-to-right in the answer."""
    return [bdi.get_text() for bdi in page.soup.select('main bdi[lang="en-GB"][dir="ltr"]')]


def say(app, language: str, message: str, **values: str) -> str:
    """A message as a reader of `language` sees it, from the catalogue the pages use."""
    with app.test_request_context(), force_locale(language):
        return gettext(message, **values)


# What the site says of a part of Leeds no partnership here covers (app.services.coverage.gap_note).
NO_PARTNERSHIP = "None of the partnerships on this site covers these places; theirs is still to be added."
LS17 = {
    "pl": [
        "LS17 leży częściowo poza Leeds. Większa część obszaru LS17 leży w Leeds. Kilka miejscowości z obszaru LS17 "
        "leży na terenie North Yorkshire.",
        "Lokalnego Partnerstwa Opieki dla obszaru Północno-wschodnie Leeds (Alwoodley, Moortown, Roundhay, Chapel "
        "Allerton i Meanwood) nie ma jeszcze na tej stronie.",
    ],
    "ur": [
        "LS17 کا کچھ حصہ Leeds سے باہر ہے۔ LS17 کا زیادہ تر حصہ Leeds میں ہے۔ LS17 کی چند جگہیں North Yorkshire میں "
        "ہیں۔",
        "شمال مشرقی Leeds (Alwoodley، Moortown، Roundhay، Chapel Allerton، اور Meanwood) کی مقامی نگہداشت شراکت داری "
        "ابھی اس سائٹ پر نہیں ہے۔",
    ],
}


@pytest.mark.parametrize("language", ["pl", "ur"])
def test_ls17_is_answered_in_polish_and_urdu(app, get_page, language: str) -> None:
    """What the site knows of LS17 (its edge, the part not covered yet) is worded in the reader's language; the names
    in it stay in English, marked and isolated, so in Urdu the full stop stays at the end of the sentence."""
    english = get_page("/find?q=LS17&lang=en_GB")
    page = get_page(f"/find?q=LS17&lang={language}")
    text = read(page)
    for sentence in [*LS17[language], say(app, language, NO_PARTNERSHIP)]:
        assert sentence in text
    assert english_left(english.response.get_data(as_text=True), page.response.get_data(as_text=True)) == []
    assert "Most of LS17 is in Leeds" not in text and NO_PARTNERSHIP not in text
    assert {"North Yorkshire", "Alwoodley", "Meanwood", "Alwoodley Medical Centre"} <= set(marked_english(page))
    edge = page.soup.select_one("main .nhsuk-inset-text bdi").parent
    assert edge.get_text().endswith("۔" if language == "ur" else ".")


# What the site says of the other parts not covered yet, in plain words (app.services.coverage.gap_note).
ELSEWHERE = {
    "Pudsey": (
        "There used to be a group of %(locality)s GP practices, but we have not found a partnership for %(locality)s "
        "yet.",
        {"locality": "Pudsey"},
    ),
    "Boston Spa": (
        "The %(partnership)s partnership may cover these places, but we have not confirmed it.",
        {"partnership": "Wetherby"},
    ),
}


def test_the_parts_not_covered_yet_are_told_in_plain_words(get_page) -> None:
    assert NO_PARTNERSHIP in read(get_page("/find?q=Moortown&lang=en_GB"))
    pudsey = read(get_page("/find?q=Pudsey&lang=en_GB"))
    assert "There used to be a group of Pudsey GP practices, but we have not found a partnership for Pudsey yet." in (
        pudsey
    )
    assert "GP locality" not in pudsey and "has been confirmed" not in pudsey


@pytest.mark.parametrize("language", ["pl", "ur"])
def test_an_area_no_partnership_covers_is_answered_in_polish_and_urdu(app, get_page, language: str) -> None:
    text = read(get_page(f"/find?q=Moortown&lang={language}"))
    assert LS17[language][1] in text
    assert say(app, language, NO_PARTNERSHIP) in text
    for place, (message, values) in ELSEWHERE.items():
        text = read(get_page(f"/find?q={place}&lang={language}"))
        assert say(app, language, message, **values) in text


@pytest.mark.parametrize(
    ("query", "english", "polish"),
    [
        ("WF3 1AA", "WF3 1 is in Leeds: Tingley and West Ardsley.", "WF3 1 leży w Leeds: Tingley i West Ardsley."),
        ("WF3 4", "WF3 4 is in Wakefield: Stanley.", "WF3 4 leży na terenie Wakefield: Stanley."),
        ("Stanley", "Stanley is in Wakefield, not Leeds.", "Stanley leży na terenie Wakefield, a nie Leeds."),
        (
            "BD4",
            "BD4 is partly outside Leeds. Most of BD4 is in Bradford. Tong is in Leeds.",
            "BD4 leży częściowo poza Leeds. Większa część obszaru BD4 leży na terenie Bradford. Tong leży w Leeds.",
        ),
        (
            "LS15",
            "Some of the places LS25 & LS26 covers are in LS15, so it may cover part of LS15 (our estimate). "
            "Barwick-in-Elmet, one of this partnership’s areas, is in LS15.",
            "Barwick-in-Elmet, jeden z obszarów tego partnerstwa, ma kod pocztowy LS15.",
        ),
        (
            "The Light",
            "The partnership names this practice, but it is not in the NHS list of practices this site uses",
            "Partnerstwo wymienia tę przychodnię, ale nie ma jej w wykazie przychodni NHS",
        ),
    ],
)
def test_the_city_edge_is_worded_by_the_site_in_each_language(get_page, query, english, polish) -> None:
    """Facts from our curation, sentences from the catalogue: the same facts read in English and in Polish."""
    assert english in read(get_page(f"/find?q={query}&lang=en_GB"))
    assert polish in read(get_page(f"/find?q={query}&lang=pl"))


def test_english_data_in_an_answer_is_marked_only_on_a_translated_page(get_page) -> None:
    english = get_page("/find?q=Garforth+Medical+Centre&lang=en_GB")
    assert english.soup.select("main [lang]") == []
    page = get_page("/find?q=Garforth+Medical+Centre&lang=ur")
    assert {"Garforth Medical Centre", "LS25 & LS26", "LS25 & LS26 Local Care Partnership"} <= set(marked_english(page))
    assert unisolated_english(page.response.get_data(as_text=True)) == []
