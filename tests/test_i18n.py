"""Every string goes through Babel; dates are shown the UK way; right-to-left languages get dir="rtl"."""

from __future__ import annotations

import importlib.util
import json
import re
from datetime import date, datetime
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup, Comment, Doctype

from app import create_app
from app.config import TestingConfig
from app.formatting import uk_date, uk_time
from app.services.reference_data import CURATION_FILE, load_json
from tests.english_left import english_left, phrases_left, unisolated_english

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "app" / "templates"
TRANSLATIONS = ROOT / "translations"
JINJA = re.compile(r"{#.*?#}|{%.*?%}|{{.*?}}", re.DOTALL)
TEXT_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder")


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda path: path.name)
def test_templates_have_no_untranslated_text(template: Path) -> None:
    """Text outside Jinja expressions is text nobody can translate."""
    soup = BeautifulSoup(JINJA.sub(" ", template.read_text(encoding="utf-8")), "html.parser")
    loose = [
        text.strip()
        for text in soup.find_all(string=True)
        if not isinstance(text, (Comment, Doctype)) and text.parent.name != "style" and re.search(r"[A-Za-z]{2,}", text)
    ]
    assert loose == []
    for element in soup.find_all(True):
        for name in TEXT_ATTRIBUTES:
            value = element.get(name, "")
            assert not re.search(r"[A-Za-z]{2,}", value), f"{element.name}[{name}]={value!r}"


def test_dates_are_shown_in_the_uk_format(app_context: None) -> None:
    assert uk_date(date(2026, 3, 5)) == "5 March 2026"
    # Stored in UTC, shown in UK time: noon UTC in July is 1pm in Leeds.
    assert uk_time(datetime(2026, 7, 1, 12, 0)) == "1:00pm"
    assert uk_time(datetime(2026, 12, 1, 12, 0)) == "12:00pm"
    assert uk_date(datetime(2026, 6, 30, 23, 30)) == "1 July 2026"


def test_default_language_is_british_english(client) -> None:
    soup = BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser")
    assert soup.html["lang"] == "en-GB"
    assert soup.html["dir"] == "ltr"


def test_right_to_left_language_sets_direction() -> None:
    config = TestingConfig()
    config.LANGUAGES = ["en_GB", "ar"]
    client = create_app(config).test_client()
    soup = BeautifulSoup(client.get("/accessibility?lang=ar").get_data(as_text=True), "html.parser")
    assert soup.html["lang"] == "ar"
    assert soup.html["dir"] == "rtl"
    chosen_by_browser = client.get("/privacy", headers={"Accept-Language": "ar,en;q=0.5"})
    assert BeautifulSoup(chosen_by_browser.get_data(as_text=True), "html.parser").html["dir"] == "rtl"


def test_a_language_not_offered_is_not_used(client) -> None:
    soup = BeautifulSoup(client.get("/?lang=xx").get_data(as_text=True), "html.parser")
    assert soup.html["lang"] == "en-GB"


def test_every_topic_the_site_is_set_up_with_can_be_translated(app_context: None) -> None:
    """app/topic_words.py marks each reference topic's label and summary for the catalogue."""
    from app.services.reference_data import SOURCE_FILE, load_json
    from app.topic_words import TOPIC_WORDS

    marked = {str(words) for words in TOPIC_WORDS}
    for topic in load_json(SOURCE_FILE)["topics"]:
        assert topic["label"] in marked and topic["summary"] in marked, topic["id"]


def test_a_topic_reads_in_the_readers_language_unless_staff_renamed_it(app) -> None:
    from flask_babel import force_locale

    from app.models import Topic

    with app.test_request_context(), force_locale("pl"):
        assert Topic(label="Housing", summary="").shown_label == "Mieszkalnictwo"
        assert Topic(label="Our own new topic", summary="").shown_label == "Our own new topic"
        assert Topic(label="Housing", summary="").label == "Housing"


# --- No English sentence left on a translated page ------------------------------------------------------------

# Pages that word what the site knows of Leeds (the finder's answers, the parts not covered yet, the city's edge,
# where a practice list comes from) and show English data (names, what staff wrote) inside translated sentences.
TRANSLATED_PAGES = [
    "/find?q=LS17",
    "/find?q=Moortown",
    "/find?q=Pudsey",
    "/find?q=Boston+Spa",
    "/find?q=WF3+1AA",
    "/find?q=WF3+4",
    "/find?q=Stanley",
    "/find?q=BD4",
    "/find?q=LS15",
    "/find?q=The+Light",
    "/find?q=Fieldhead+Surgery",
    "/find?q=Shakespeare+Medical+Practice",
    "/match?topic=transport&topic=mental-health&areas=LS17%2C+Stanley%2C+WF3+4%2C+LS15%2C+Seacroft",
    "/lcps",
    "/lcps/seacroft",
    "/lcps/armley",
    "/lcps/lsmp-the-light",
    "/topics/transport",
    "/",
]
# Every page in Polish (Latin script, where an English word can pass for Polish) and Urdu (right to left); the
# finder's answers in the other languages too.
SWEEP = [(url, code) for url in TRANSLATED_PAGES for code in ("pl", "ur")] + [
    (url, code) for url in ("/find?q=LS17", "/find?q=Pudsey", "/lcps/seacroft") for code in ("ar", "ro", "zh_Hans")
]


@cache
def catalogue_phrases(code: str) -> dict[str, str]:
    """The catalogue's plain entries (no placeholders, no markup) with their translations: words the site uses.

    Left out: English words a translation itself quotes ("LCP (din engleză, Local Care Partnerships)")."""
    with (TRANSLATIONS / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = list(read_po(handle))
    quoted = " ".join(
        form
        for message in catalogue
        for form in ([message.string] if isinstance(message.string, str) else message.string)
    )
    return {
        message.id: message.string
        for message in catalogue
        if isinstance(message.id, str)
        and message.id
        and message.string
        and not re.search(r"[%{<]", message.id)
        and message.id not in quoted
    }


def in_language(url: str, code: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}lang={code}"


@pytest.mark.parametrize(("url", "code"), SWEEP)
def test_no_english_sentence_is_left_on_a_translated_page(client, url: str, code: str) -> None:
    """What the English page says in a sentence, the translated page says in its language or marks as English.

    A clause of the English page (four or more English words ending a sentence) found on the translated page outside
    an element marked `lang="en-GB"` bypassed the catalogue; so did a phrase of the catalogue shown in English. And
    whatever is marked as English is isolated left-to-right, so a right-to-left sentence keeps its punctuation."""
    english = client.get(in_language(url, "en_GB"))
    translated = client.get(in_language(url, code))
    assert english.status_code == translated.status_code == 200
    html = translated.get_data(as_text=True)
    assert english_left(english.get_data(as_text=True), html) == []
    assert phrases_left(catalogue_phrases(code), html) == []
    assert unisolated_english(html) == []


def test_the_check_finds_a_sentence_that_bypassed_the_catalogue() -> None:
    """The check itself: an untranslated clause, a half-translated sentence and a phrase left in English are found;
    the same words marked as English, and Polish that happens to be ASCII, are not."""
    english = (
        "<main><p>Most of LS17 is in Leeds. A few places in LS17 are in North Yorkshire.</p>"
        "<p>Your topics: Transport and getting around.</p></main>"
    )
    left = (
        "<main><p>Most of LS17 is in Leeds. Kilka miejscowości z LS17 leży na terenie North Yorkshire.</p>"
        "<p>Twoje tematy: Transport and getting around.</p></main>"
    )
    marked = (
        '<main><p lang="en-GB" dir="ltr">Most of LS17 is in Leeds.</p><p>Kilka miejscowości z obszaru LS17 leży na '
        'terenie <bdi lang="en-GB" dir="ltr">North Yorkshire</bdi>.</p><p>Twoje tematy: Transport i inne.</p></main>'
    )
    assert english_left(english, left) == ["Most of LS17 is in Leeds.", "Transport and getting around."]
    assert english_left(english, marked) == []
    phrases = {"Transport and getting around": "Transport i poruszanie się"}
    assert phrases_left(phrases, left) == ["Transport and getting around"]
    assert phrases_left(phrases, marked) == []
    assert unisolated_english('<main><span lang="en-GB">Seacroft</span></main>') == [
        '<span lang="en-GB">Seacroft</span>'
    ]
    assert unisolated_english(marked) == []


def test_our_curation_holds_facts_not_sentences() -> None:
    """scripts/check_translations.py (make lint) fails when app/data/curation.json holds a sentence for people."""
    spec = importlib.util.spec_from_file_location("check_translations", ROOT / "scripts" / "check_translations.py")
    check = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(check)
    assert check.curation_sentences(json.loads(CURATION_FILE.read_text(encoding="utf-8"))) == []
    sentence = {"places": [{"name": "Stanley", "note": "Stanley is in Wakefield, not Leeds."}], "about": "Our notes."}
    assert check.curation_sentences(sentence) == [
        "app/data/curation.json: places[0].note is a sentence ('Stanley is in Wakefield, not Leeds.'); keep the facts "
        "there and word the sentence in code as a message with placeholders (app/services/coverage.py)"
    ]


def test_every_part_of_leeds_not_covered_yet_has_a_name_that_can_be_translated() -> None:
    """app/services/coverage.py marks each gap's name for the catalogue, as app/topic_words.py does for topics."""
    from app.services.coverage import GAP_NAMES

    assert {gap["name"] for gap in load_json(CURATION_FILE)["coverage"]["gaps"]} <= GAP_NAMES


def test_every_fact_about_the_city_edge_and_the_gaps_is_worded(app_context: None) -> None:
    """Each fact our curation holds becomes a sentence: none falls back to a note the seed no longer writes."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import CoverageGap, Lcp, LcpPostcodeDistrict, Place, PostcodeDistrict, PostcodeSector
    from app.services import coverage

    curation = load_json(CURATION_FILE)
    rows = db.session.scalars
    for district in rows(select(PostcodeDistrict).where(PostcodeDistrict.partly_outside)):
        assert coverage.district_note(district), district.code
    assert set(curation["postcode_boundaries"]["districts"]) == {
        district.code for district in rows(select(PostcodeDistrict).where(PostcodeDistrict.partly_outside))
    }
    for sector in rows(select(PostcodeSector)):
        assert coverage.sector_note(sector), sector.code
    for place in rows(select(Place).where(~Place.in_leeds)):
        assert coverage.place_note(place), place.name
    for gap in rows(select(CoverageGap)):
        assert coverage.gap_note(gap), gap.name
    extra = {(link["lcp"], link["district"]) for link in curation["extra_district_links"]["links"]}
    for link in rows(select(LcpPostcodeDistrict)):
        if (link.lcp.slug, link.district.code) in extra:
            assert coverage.link_note(link), link
    for slug, facts in curation["lcps"].items():
        if "practice_list_from" in facts:
            assert coverage.practice_list_note(db.session.scalar(select(Lcp).where(Lcp.slug == slug))), slug
