"""app/services/geography.py: a place name or a postcode district to partnerships with reasons, and the parts of
Leeds not covered yet, as the finder and /match both read them; and no module reaches into another service's
private names."""

from __future__ import annotations

import ast
from pathlib import Path

from flask_babel import force_locale
from sqlalchemy import select

from app.extensions import db
from app.models import Lcp, Place
from app.services.geography import (
    area_reason,
    gaps_in_districts,
    gaps_named,
    name_reason,
    parse_postcode_parts,
    place_links,
    read_district,
)

APP = Path(__file__).resolve().parent.parent / "app"


def place(name: str) -> Place:
    return db.session.scalar(select(Place).where(Place.name == name))


def lcp(slug: str) -> Lcp:
    return db.session.scalar(select(Lcp).where(Lcp.slug == slug))


def slugs(links) -> list[str]:
    return [link.lcp.slug for link in links]


# A place name -------------------------------------------------------------------------------------------------


def test_a_place_leads_to_the_partnership_of_its_postcode_district_as_an_estimate(app_context: None) -> None:
    links = place_links(place("Killingbeck"))
    assert slugs(links) == ["seacroft"]
    assert links[0].reason == "Killingbeck is in LS14, which Seacroft lists as part of its area."
    assert links[0].estimate


def test_an_area_or_a_name_a_partnership_gives_is_worded_as_its_reason(app_context: None) -> None:
    assert area_reason(lcp("hatch"), "Harehills") == "Harehills is one of the areas HATCH covers."
    assert name_reason("seacroft") == "The partnership’s name includes “seacroft”."
    # A partnership named after the area says so as a person would, not "Cross Gates is one of the areas Cross Gates
    # names".
    assert area_reason(lcp("cross-gates"), "Cross Gates") == (
        "The Cross Gates partnership is named after Cross Gates, which it covers."
    )
    assert (
        area_reason(lcp("seacroft"), "Seacroft") == "The Seacroft partnership is named after Seacroft, which it covers."
    )
    # What was typed is escaped, never trusted as HTML.
    assert "<b>" not in name_reason("<b>seacroft</b>")


# A postcode district ------------------------------------------------------------------------------------------


def test_a_district_named_by_one_partnership_is_a_firm_link(app_context: None) -> None:
    assert parse_postcode_parts("ls14-2ab") == ("LS14 2AB", "LS14", "LS14 2")
    answer = read_district("LS14", "LS14 2")
    assert not answer.outside_leeds
    assert slugs(answer.links) == ["seacroft"]
    assert answer.links[0].reason == "Seacroft lists LS14 as part of its area."
    assert not answer.links[0].estimate
    assert answer.gaps == []
    assert not answer.boundary_note and not answer.sector_boundary_note


def test_a_district_split_between_partnerships_lists_each_with_why(app_context: None) -> None:
    answer = read_district("LS12")
    assert slugs(answer.links) == ["armley", "bramley-wortley-middleton"]
    assert all(link.estimate and link.reason.endswith("(our estimate).") for link in answer.links)
    assert answer.links[0].reason == (
        "Some of the places Armley covers are in LS12, so it may cover part of LS12 (our estimate)."
    )


def test_the_reasons_are_in_the_readers_language_with_names_marked_as_english(app_context: None) -> None:
    with force_locale("pl"):
        reason = read_district("LS14").links[0].reason
    assert reason != "Seacroft lists LS14 as part of its area."
    assert '<bdi lang="en-GB" dir="ltr">Seacroft</bdi>' in reason
    assert "LS14" in reason


# An area with no partnership on the site ----------------------------------------------------------------------


def test_a_district_in_a_part_not_covered_yet_has_its_gap(app_context: None) -> None:
    answer = read_district("LS17")
    assert not answer.outside_leeds
    assert [gap.name for gap in answer.gaps] == ["North-east Leeds"]
    assert [gap.name for gap in gaps_in_districts(["LS17"])] == ["North-east Leeds"]


def test_a_place_meets_a_gap_by_name_only(app_context: None) -> None:
    assert [gap.name for gap in gaps_named(["roundhay"])] == ["North-east Leeds"]
    assert [gap.name for gap in gaps_named(["Boston Spa", "Pudsey"])] == [
        "Pudsey and west Leeds",
        "Villages around Wetherby",
    ]
    # Harehills shares LS8 with Roundhay, but HATCH covers it.
    assert gaps_named(["Harehills"]) == []


def test_a_leeds_district_no_partnership_is_linked_to_has_nothing_to_offer(app_context: None) -> None:
    answer = read_district("LS3")
    assert not answer.outside_leeds
    assert answer.links == [] and answer.gaps == []


# Outside Leeds ------------------------------------------------------------------------------------------------


def test_a_district_outside_leeds_says_so(app_context: None) -> None:
    answer = read_district("BD1", "BD1 1")
    assert answer.outside_leeds
    assert answer.links == [] and answer.gaps == []
    assert answer.sector is None and not answer.outside_note


def test_a_sector_of_a_boundary_district_beyond_the_city_is_outside_leeds(app_context: None) -> None:
    outside = read_district("WF3", "WF3 4")
    assert outside.outside_leeds
    assert outside.sector is not None and outside.sector.code == "WF3 4"
    assert outside.outside_note == "WF3 4 is in Wakefield: Stanley."
    assert outside.links == []
    inside = read_district("WF3", "WF3 1")
    assert not inside.outside_leeds
    assert slugs(inside.links) == ["morley-district"]
    assert inside.boundary_note
    assert inside.sector_boundary_note == "WF3 1 is in Leeds: Tingley and West Ardsley."


def test_a_place_outside_leeds_has_no_partnership(app_context: None) -> None:
    stanley = place("Stanley")
    assert stanley is not None and not stanley.in_leeds
    assert place_links(stanley) == []


# No private names across modules ------------------------------------------------------------------------------


def private_service_imports(path: Path) -> list[str]:
    """`from app.services.x import _name` (or the relative form inside app/services) in one module."""
    module = ".".join(path.relative_to(APP.parent).with_suffix("").parts)
    package = module.rsplit(".", 1)[0] if path.name != "__init__.py" else module
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom):
            continue
        source = node.module or ""
        if node.level:
            base = package.split(".")
            base = base[: len(base) - (node.level - 1)]
            source = ".".join([*base, source] if source else base)
        if source != "app.services" and not source.startswith("app.services."):
            continue
        found += [f"{module}: from {source} import {alias.name}" for alias in node.names if alias.name.startswith("_")]
    return found


def test_no_module_imports_a_private_name_from_a_service() -> None:
    found = [line for path in sorted(APP.rglob("*.py")) for line in private_service_imports(path)]
    assert found == [], "use or add a public function instead:\n" + "\n".join(found)
