"""An LCP's page as a stranger reads it: what an LCP is, how old the facts are, the next meeting and how to attend,
how to get in touch, and the partnership's GP practices, in plain words."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup, Tag
from flask import Flask, render_template
from sqlalchemy import select

from app.extensions import db
from app.formatting import uk_date
from app.models import Lcp
from app.services import directory
from app.services.reference_data import SOURCE_FILE, load_json
from tests.conftest import section

LCP_SLUGS = [lcp["slug"] for lcp in load_json(SOURCE_FILE)["lcps"]]
CONTENTS = [
    ("Next meeting", "#next-meeting"),
    ("Contact and updates", "#contact"),
    ("Tell this partnership what is happening", "#tell-us"),
    ("What it works on", "#priorities"),
    ("Where it works", "#where"),
    ("GP practices", "#gp-practices"),
    ("More meetings", "#meetings"),
    ("Latest updates", "#updates"),
    ("You said, we did", "#you-said"),
    ("How quickly it answers", "#responsiveness"),
    ("Who is in the partnership", "#partners"),
    ("How the partnership rates itself", "#maturity"),
    ("About this information", "#sources"),
]
PUBLIC_SENTENCES = {
    True: "Members of the public are welcome.",
    False: "This meeting is for partners only.",
    None: "The partnership has not said whether the public can attend.",
}
# Technical names and jargon that the page's own headings and links must not use.
JARGON = re.compile(r"\b(atom|icalendar|ical|ics|pcn|population health|resource utili[sz]ation)\b", re.IGNORECASE)


def words(element: Tag) -> str:
    """The text as read: markup joins without extra spaces, so "at <a>x</a>." reads "at x."."""
    return " ".join(element.get_text().split())


def position(page, element: Tag) -> int:
    """Where an element comes in the page, in reading order."""
    return next(index for index, candidate in enumerate(page.soup.find_all(True)) if candidate is element)


def section_text(page, ident: str) -> str:
    return " ".join(words(part) for part in section(page, ident))


def containing(page, text: str) -> Tag:
    """The paragraph of main whose words include `text`."""
    matches = [paragraph for paragraph in page.soup.main.find_all("p") if text in words(paragraph)]
    assert len(matches) == 1, f"{text!r} is in {len(matches)} paragraphs"
    return matches[0]


def test_what_an_lcp_is_comes_before_the_first_heading(get_page) -> None:
    page = get_page("/lcps/ls25-ls26")
    intro = containing(page, "What is a Local Care Partnership?")
    first_h2 = page.soup.main.find("h2")
    assert position(page, intro) < position(page, first_h2)
    text = words(intro)
    for phrase in ("GP practices", "community health", "social care", "the council", "voluntary groups", "councillors"):
        assert phrase in text, phrase
    assert "residents" in text and "health and wellbeing in one part of Leeds" in text
    assert "follows your GP practice" in text
    assert intro.find("a", href="/find") is not None


def test_on_this_page_lists_the_sections_in_page_order(get_page) -> None:
    page = get_page("/lcps/ls25-ls26")
    nav = page.soup.select_one("main nav[aria-label='On this page']")
    links = [(words(a), a["href"]) for a in nav.select("a")]
    assert links == CONTENTS
    sections = [f"#{h2['id']}" for h2 in page.soup.select("main h2[id]")]
    assert sections == [href for _, href in CONTENTS]
    # The next meeting and the contact come before what the partnership works on.
    assert sections.index("#next-meeting") < sections.index("#contact") < sections.index("#priorities")


@pytest.mark.parametrize("slug", LCP_SLUGS)
def test_next_meeting_says_when_where_and_how_to_attend_before_the_priorities(app: Flask, get_page, slug: str) -> None:
    with app.test_request_context():
        lcp = db.session.scalar(select(Lcp).where(Lcp.slug == slug))
        meeting = directory.activity(lcp).upcoming[0]
        expected = SimpleNamespace(
            title=meeting.title,
            day=uk_date(meeting.starts_at),
            place="Online" if meeting.online else meeting.location,
            joining=meeting.joining_details,
            public=PUBLIC_SENTENCES[meeting.public_may_attend],
        )
    page = get_page(f"/lcps/{slug}")
    card = page.soup.find("h2", id="next-meeting").find_next_sibling()
    assert card.get("id", "").startswith("meeting-"), "the next meeting's card follows its heading"
    text = words(card)
    assert words(card.h3).startswith(expected.title)
    assert expected.day in text and expected.place in text
    assert f"How to join: {expected.joining}" in text
    assert f"Who can come: {expected.public}" in text
    assert [a for a in card.find_all("a") if words(a).startswith("Add this meeting to your calendar")]
    assert position(page, card) < position(page, page.soup.find("h2", id="priorities"))


def test_demo_meetings_show_every_answer_to_who_can_come(get_page) -> None:
    cards = " ".join(
        words(get_page(f"/lcps/{slug}").soup.find(id="next-meeting").find_next_sibling()) for slug in LCP_SLUGS
    )
    for sentence in PUBLIC_SENTENCES.values():
        assert sentence in cards


@pytest.mark.parametrize(("public", "sentence"), PUBLIC_SENTENCES.items())
def test_meeting_without_joining_details_says_so_and_who_to_ask(app_context: None, public, sentence: str) -> None:
    now = datetime(2026, 3, 2, 9, 0)
    meeting = SimpleNamespace(
        id=7,
        lcp=SimpleNamespace(slug="armley"),
        title="Partnership meeting",
        starts_at=now + timedelta(days=3),
        ends_at=now + timedelta(days=3, hours=2),
        online=False,
        location="",
        joining_details="",
        public_may_attend=public,
        summary="",
        agenda_items=[],
        outcome="",
        is_demo=False,
    )
    card = BeautifulSoup(render_template("partials/meeting.html", meeting=meeting, now=now), "html.parser")
    text = words(card)
    assert "The place has not been published yet." in text
    assert (
        "How to join: Joining details have not been published yet. Contact the partnership to ask how to join." in text
    )
    assert card.find("a", string="Contact the partnership")["href"] == "/lcps/armley#contact"
    assert f"Who can come: {sentence}" in text
    for other in set(PUBLIC_SENTENCES.values()) - {sentence}:
        assert other not in text
    past = BeautifulSoup(
        render_template("partials/meeting.html", meeting=meeting, now=now + timedelta(days=10)), "html.parser"
    )
    assert "How to join" not in words(past) and "Add this meeting" not in words(past)


def test_contact_falls_back_to_the_programme_honestly(app: Flask, get_page) -> None:
    page = get_page("/lcps/hatch")
    email = app.config["CONTACT_EMAIL"]
    text = section_text(page, "contact")
    assert (
        "This partnership has not published its own contact yet. "
        f"Contact the Leeds Local Care Partnerships programme at {email}."
    ) in text
    assert page.soup.find("h2", id="contact").find_next("a", href=f"mailto:{email}") is not None


def test_contact_uses_the_partnerships_own_email_when_it_has_one(app: Flask, get_page) -> None:
    with app.app_context():
        lcp = db.session.scalar(select(Lcp).where(Lcp.slug == "hatch"))
        lcp.contact_email = "hatch@example.org"
        db.session.commit()
    try:
        page = get_page("/lcps/hatch")
    finally:
        with app.app_context():
            db.session.scalar(select(Lcp).where(Lcp.slug == "hatch")).contact_email = None
            db.session.commit()
    text = section_text(page, "contact")
    assert "Email the partnership at hatch@example.org." in text
    assert "has not published its own contact" not in text
    assert app.config["CONTACT_EMAIL"] not in text


def test_contact_section_offers_following_in_plain_words(get_page) -> None:
    page = get_page("/lcps/ls25-ls26")
    links = {words(a): a["href"] for part in section(page, "contact") for a in part.find_all("a")}
    assert links["Get this partnership’s meetings in your calendar"] == "webcal://localhost/lcps/ls25-ls26/meetings.ics"
    assert "Follow updates in a news reader" in links


@pytest.mark.parametrize(("slug", "low_confidence"), [("ls25-ls26", False), ("york-road", True)])
def test_age_and_source_of_the_information_are_visible_near_the_top(get_page, slug: str, low_confidence: bool) -> None:
    page = get_page(f"/lcps/{slug}")
    age = containing(page, "From public pages published between 2020 and 2024")
    assert age.find_parent("details") is None
    assert position(page, age) < position(page, page.soup.find("h2", id="next-meeting"))
    link = age.find("a", href="#sources")
    assert words(link) == "Where this information comes from"
    assert page.soup.find("h2", id="sources") is not None
    less_certain = "No page of this partnership’s own was found, so its name and coverage are less certain."
    assert (less_certain in words(age)) is low_confidence
    assert "marked “Example content” are made up" in words(age)
    sources = [a["href"] for part in section(page, "sources") for a in part.select("li a")]
    assert sources and all(url.startswith("https://") for url in sources)


@pytest.mark.parametrize("slug", LCP_SLUGS)
def test_the_pages_own_headings_and_links_are_plain_words(get_page, slug: str) -> None:
    page = get_page(f"/lcps/{slug}")
    main = page.soup.main
    labels = [words(h2) for h2 in main.find_all("h2")]
    labels += [words(summary) for summary in main.find_all("summary")]
    labels += [words(strong) for strong in main.select(".app-meeting strong")]
    # Topic tags and the addresses of sources are data, not the page's own words.
    labels += [
        words(a)
        for a in main.find_all("a")
        if not a.find_parent(class_="app-tag-list") and not words(a).startswith("http")
    ]
    assert labels
    assert [label for label in labels if JARGON.search(label)] == []


def test_gp_practices_lists_the_confirmed_practices(get_page) -> None:
    page = get_page("/lcps/armley")
    items = [words(li) for part in section(page, "gp-practices") for li in part.find_all("li")]
    assert items == [
        "Armley Moor Medical Centre LS12 3HD",
        "Priory View Medical Centre LS12 1HU",
        "Thornton Medical Centre LS12 1JE",
    ]
    text = section_text(page, "gp-practices")
    assert "If you are registered with one of these practices, this is your Local Care Partnership." in text
    assert "These practices are named in what has been published about this partnership." in text
    assert "Other practices’ partnerships may not be confirmed yet." in text
    links = {words(a): a["href"] for part in section(page, "gp-practices") for a in part.find_all("a")}
    assert links["Find your partnership by GP practice"] == "/find"


def test_a_closed_practice_says_when_it_closed(get_page) -> None:
    page = get_page("/lcps/woodsley-holt-park")
    items = [words(li) for part in section(page, "gp-practices") for li in part.find_all("li")]
    assert "Fieldhead Surgery closed in November 2022" in items
    assert "Abbey Grange Medical Practice LS5 3JN" in items
    assert len(items) == 11
    # A long list folds away so the page stays short on a phone.
    summaries = [words(summary) for part in section(page, "gp-practices") for summary in part.find_all("summary")]
    assert summaries == ["Show the 11 practices"]


def test_without_a_practice_list_the_page_says_so_and_offers_the_finder(get_page) -> None:
    page = get_page("/lcps/hatch")
    text = section_text(page, "gp-practices")
    assert "We do not have this partnership’s list of GP practices yet. Find your partnership by GP practice." in text
    links = {words(a): a["href"] for part in section(page, "gp-practices") for a in part.find_all("a")}
    assert links == {"Find your partnership by GP practice": "/find"}


def test_postcode_districts_are_a_secondary_line_with_the_estimate_note(get_page) -> None:
    page = get_page("/lcps/armley")
    line = containing(page, "Postcode districts: LS12.")
    assert "nhsuk-body-s" in line["class"]
    assert "Some of these districts are our estimate" in words(line)


# --- In the reader's language -------------------------------------------------------------------------------------

PCN_NOTE = {
    "en_GB": "They are the practices in the Seacroft primary care network (PCN) profile, with data from 2020; the "
    "partnership’s own list was not found.",
    "pl": "To przychodnie wymienione w profilu sieci podstawowej opieki zdrowotnej (PCN) Seacroft, z danymi z 2020 r.; "
    "własnej listy partnerstwa nie udało się znaleźć.",
    "ur": "یہ Seacroft پرائمری کیئر نیٹ ورک (PCN) کے پروفائل میں درج کلینک ہیں، جس کا ڈیٹا 2020 کا ہے؛ شراکت داری کی "
    "اپنی فہرست نہیں ملی۔",
}


@pytest.mark.parametrize("language", ["en_GB", "pl", "ur"])
def test_where_the_practice_list_comes_from_is_said_in_the_readers_language(get_page, language: str) -> None:
    """The PCN profile a list of practices comes from is a fact in our curation; the site words the sentence."""
    page = get_page(f"/lcps/seacroft?lang={language}")
    practices = " ".join(part.get_text("") for part in section(page, "gp-practices"))
    assert PCN_NOTE[language] in " ".join(practices.split())
    assert "Practices in the Seacroft PCN profile" not in practices
    pcn = [bdi.get_text() for bdi in page.soup.select('#gp-practices ~ p bdi[lang="en-GB"][dir="ltr"]')]
    assert pcn == ([] if language == "en_GB" else ["Seacroft"])


def test_what_the_sources_wrote_stays_english_and_is_marked_so(get_page) -> None:
    """One-off paragraphs from the source file (health context, what residents said) are data in English: on a
    translated page they carry lang="en-GB" dir="ltr", so a screen reader reads them with an English voice."""
    page = get_page("/lcps/armley?lang=ur")
    for words in ("PCN profile: most patients live", "Big Leeds Chat at the Armley Festival"):
        holder = page.soup.find(lambda tag, words=words: tag.name == "p" and tag.get_text().startswith(words))
        assert holder is not None, words
        assert (holder.get("lang"), holder.get("dir")) == ("en-GB", "ltr")
    names = [bdi.get_text() for bdi in page.soup.select('.app-lcp-practices bdi[lang="en-GB"][dir="ltr"]')]
    assert "Armley Moor Medical Centre" in names
