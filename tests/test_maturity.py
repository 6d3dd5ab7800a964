"""The maturity self-assessment on an LCP page, as a person reads it: the scale in plain words, each rating in
words beside a bar, the same figures in a table, and an "Example content" tag beside each figure."""

from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace

from bs4 import BeautifulSoup, Tag
from flask import render_template
from sqlalchemy import select

from app.extensions import db
from app.models import Lcp
from app.services.maturity import ElementRating, MaturitySummary, maturity_summary

LCP = "/lcps/hatch"  # every LCP has two demo self-assessments, so a before and a now
LEVELS = ["Solid foundations", "Well developed"]
PLAIN_NAMES = [
    "What the partnership wants to achieve (Goals)",
    "Who leads the partnership and how (Leadership)",
    "How the partnership is organised and makes decisions (Structure)",
    "Led by what local people say matters to them (Culture: Community driven)",
    "Builds on what people and places already have (Culture: Strengths based)",
    "Uses facts and figures to decide what to do (Culture: Evidence based decision making)",
    "Keeps checking and improving how things work (Culture: Quality improvement)",
    "How it uses money, staff and buildings (Resource utilisation)",
]


def words(element: Tag) -> str:
    return " ".join(element.get_text().split())


def section(soup: BeautifulSoup) -> list[Tag]:
    """What follows the "How the partnership rates itself" heading, up to the next part of the page."""
    heading = soup.find(id="maturity")
    assert heading.get_text(strip=True) == "How the partnership rates itself"
    parts = []
    for sibling in heading.find_next_siblings(True):
        if sibling.name in ("h2", "details"):
            break
        parts.append(sibling)
    return parts


def section_text(soup: BeautifulSoup) -> str:
    return " ".join(words(part) for part in section(soup))


def picture(soup: BeautifulSoup) -> Tag:
    figure = next(part for part in section(soup) if part.name == "figure")
    assert figure.find(id=figure["aria-labelledby"]).name == "figcaption"
    return figure


def table(soup: BeautifulSoup) -> Tag:
    return next(part for part in section(soup) if part.name == "table")


def cell_value(cell: Tag) -> str:
    """A table cell as a screen reader reads it: without the heading shown on a phone (hidden from them)."""
    return " ".join(
        words(child) if isinstance(child, Tag) else child.strip()
        for child in cell.children
        if not (isinstance(child, Tag) and child.get("aria-hidden") == "true")
    ).strip()


def picture_rows(figure: Tag) -> list[tuple[str, list[str]]]:
    """Each element's name and the ratings in words beside its bars."""
    return [
        (words(item.dt), [words(dd.select_one(".app-maturity__words")) for dd in item.select("dd")])
        for item in figure.dl.find_all("div", recursive=False)
    ]


def test_scale_is_explained_in_plain_words_above_the_picture(get_page) -> None:
    page = get_page(LCP)
    text = section_text(page.soup)
    explanation = text[: text.index("Ratings in the self-assessment of")]
    assert "These ratings are the partnership’s own view of how far its way of working has developed." in explanation
    assert "They are not an inspection or a score." in explanation
    assert "The framework’s full scale of levels has not been published, so we show only the levels we know of" in (
        explanation
    )
    assert "In our own plain words, not official definitions:" in explanation
    known = next(part for part in section(page.soup) if part.name == "ol")
    assert [words(li) for li in known.select("li")] == [
        "Solid foundations: the basics are in place",
        "Well developed: this is established and working well",
    ]
    assert "Each bar has 2 parts, one for each level we know of, filled up to the partnership’s rating." in explanation
    assert "A shorter bar does not mean a partnership is “half done”" in explanation
    assert "Ratings can go down as well as up as a partnership changes." in explanation


def test_each_element_reads_in_plain_words_with_its_ratings_in_words(get_page) -> None:
    page = get_page(LCP)
    figure = picture(page.soup)
    assert re.fullmatch(
        r"Ratings in the self-assessment of \d{1,2} [A-Z][a-z]+ 20\d\d Example content", words(figure.figcaption)
    )
    assert "“Now” is the self-assessment of" in words(figure)
    assert "shown by a thick blue bar. “Before” is the one of" in words(figure)
    rows = picture_rows(figure)
    assert [name for name, _ in rows] == PLAIN_NAMES
    level = "|".join(LEVELS)
    for name, ratings in rows:
        assert len(ratings) == 2, name
        assert re.fullmatch(f"Now: ({level})", ratings[0]), ratings
        assert re.fullmatch(f"Before: ({level})", ratings[1]), ratings
    # The technical name is secondary text after the plain words.
    goals = figure.dl.dt
    assert words(goals.select_one(".app-maturity__plain")) == "What the partnership wants to achieve"
    assert words(goals.select_one(".app-maturity__name")) == "(Goals)"


def test_bars_are_filled_up_to_the_rating_among_the_known_levels(get_page) -> None:
    page = get_page(LCP)
    figure = picture(page.soup)
    for item in figure.dl.find_all("div", recursive=False):
        for dd, kind in zip(item.select("dd"), ("now", "previous"), strict=True):
            rating = words(dd.select_one(".app-maturity__words")).split(": ", 1)[1]
            bar = dd.select_one(f".app-maturity__bar--{kind}")
            # The words carry the meaning, so the bar is hidden from screen readers rather than read twice.
            assert bar["aria-hidden"] == "true"
            parts = bar.select(".app-maturity__part")
            assert len(parts) == len(LEVELS)
            filled = [part for part in parts if "app-maturity__part--filled" in part["class"]]
            # Filled from the start: the first parts, as many as the rating's place among the levels.
            assert parts[: len(filled)] == filled
            assert len(filled) == LEVELS.index(rating) + 1, (words(item.dt), rating)


def test_picture_and_table_give_the_same_figures(get_page) -> None:
    page = get_page(LCP)
    rows = picture_rows(picture(page.soup))
    body = table(page.soup).select("tbody tr")
    assert len(body) == len(rows) == 8  # four elements and culture's four aspects
    for (_, ratings), row in zip(rows, body, strict=True):
        cells = [cell_value(cell) for cell in row.select("th, td")]
        assert ratings == [f"Now: {cells[1]}", f"Before: {cells[2]}"]
        assert cells[3] in {"More developed", "Less developed", "No change"}
    assert [cell_value(row.th) for row in body][3] == "Culture: Community driven"


def test_table_stacks_on_a_phone_with_each_value_named(get_page) -> None:
    page = get_page(LCP)
    figures = table(page.soup)
    assert "nhsuk-table--responsive" in figures["class"]
    headers = [words(th) for th in figures.select("thead th")]
    assert headers[:2] == ["Element", "Rating"] and headers[3] == "Change"
    assert re.fullmatch(r"Before \(\d{1,2} [A-Z][a-z]+ 20\d\d\)", headers[2])
    for row in figures.select("tbody tr"):
        # On a phone each value shows its column's heading; screen readers get the real headers instead.
        shown = [words(cell.select_one(".nhsuk-table__heading")) for cell in row.select("th, td")]
        assert shown == headers
        assert all(cell.select_one(".nhsuk-table__heading")["aria-hidden"] == "true" for cell in row.select("th, td"))
    # It fits instead of scrolling, so there is no scrolling region to tab to.
    assert not figures.find_parent(class_="app-table-scroll")


def test_example_content_tag_is_beside_the_picture_and_the_table(get_page) -> None:
    page = get_page(LCP)
    figure_caption = picture(page.soup).figcaption
    table_caption = table(page.soup).caption
    for caption in (figure_caption, table_caption):
        assert words(caption.select_one(".nhsuk-tag")) == "Example content"
    tags = [tag for part in section(page.soup) for tag in part.select(".nhsuk-tag")]
    assert tags == [figure_caption.select_one(".nhsuk-tag"), table_caption.select_one(".nhsuk-tag")]


def test_the_svg_chart_is_gone(get_page) -> None:
    page = get_page(LCP)
    for part in section(page.soup):
        assert part.name != "svg" and not part.select("svg"), part.name
        assert not part.select("[style]")


def test_summary_places_each_rating_among_the_known_levels(app_context: None) -> None:
    lcp = db.session.scalar(select(Lcp).where(Lcp.slug == "hatch"))
    summary = maturity_summary(lcp)
    assert summary.is_demo and summary.previous_on < summary.assessed_on
    assert summary.steps == 2
    assert [(level.label, level.step) for level in summary.known_levels] == [
        ("Solid foundations", 1),
        ("Well developed", 2),
    ]
    for row in summary.rows:
        assert row.step == LEVELS.index(row.level.label) + 1
        assert row.previous_step == LEVELS.index(row.previous.label) + 1
    glosses = {row.element.slug: row.gloss for row in summary.rows}
    assert glosses["resource-utilisation"] == "How it uses money, staff and buildings"
    assert all(glosses.values())


def level(label: str, rank: int) -> SimpleNamespace:
    return SimpleNamespace(label=label, rank=rank)


def test_picture_works_for_a_longer_scale_and_unknown_element(app_context: None) -> None:
    """Levels are data: five of them give five-part bars; an element or level we have no words for shows its name."""
    levels = [level("Starting", 1), level("Solid foundations", 2), level("Growing", 3), level("Well developed", 5)]
    element = SimpleNamespace(display_label="Partnership working", slug="partnership-working")
    summary = MaturitySummary(
        assessed_on=date(2026, 3, 5),
        previous_on=None,
        levels=levels,
        rows=[ElementRating(element, levels[2], None, step=3, gloss=None)],
        is_demo=False,
    )
    soup = BeautifulSoup(render_template("partials/maturity.html", maturity=summary), "html.parser")
    text = words(soup)
    assert [words(li) for li in soup.ol.select("li")] == [
        "Starting",
        "Solid foundations: the basics are in place",
        "Growing",
        "Well developed: this is established and working well",
    ]
    assert "Each bar has 4 parts, one for each level we know of" in text
    item = soup.select_one("figure dl div")
    assert words(item.dt) == "Partnership working"
    assert [words(dd) for dd in item.select("dd")] == ["Rating: Growing"]
    parts = item.select(".app-maturity__part")
    assert len(parts) == 4
    assert [("app-maturity__part--filled" in part["class"]) for part in parts] == [True, True, True, False]
    # Real content: no "Example content" tag, and no "before" without an assessment before.
    assert "Example content" not in text
    assert "Before" not in text and "“Now”" not in text
    assert [words(th) for th in soup.select("thead th")] == ["Element", "Rating"]


def test_partnership_without_a_self_assessment_says_so(app_context: None) -> None:
    html = render_template("partials/maturity.html", maturity=None)
    assert words(BeautifulSoup(html, "html.parser")) == "This partnership has not published a self-assessment yet."
