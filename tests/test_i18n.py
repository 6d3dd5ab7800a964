"""Every string goes through Babel; dates are shown the UK way; right-to-left languages get dir="rtl"."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Comment, Doctype

from app import create_app
from app.config import TestingConfig
from app.formatting import uk_date, uk_time

TEMPLATES = Path(__file__).resolve().parent.parent / "app" / "templates"
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
