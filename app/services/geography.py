"""Where a place name or a postcode is, and which partnerships serve it, with the reasons, in the reader's language.

The finder (`app.services.finder`) and `/match` (`app.services.match`) both read what a person typed through
this module, so a postcode district or a place points to the same partnerships, for the same reasons, worded
the same way:

- `parse_postcode_parts` reads a postcode, part of one or a district ("ls14-2ab", "LS14 2", "LS14");
- `read_district` says what a district (and sector) points to: outside Leeds, on the city's edge, the
  partnerships linked to it and the parts of it not covered yet;
- `place_links` gives the partnerships a place's postcode districts point to, always as an estimate;
- `area_reason` and `name_reason` word why a partnership's area or name matches what was typed;
- `gaps_in_districts` and `gaps_named` find the parts of Leeds this site does not cover yet.

Which names match what was typed is the caller's rule (the finder is a search box, `/match` reads a list of
areas), but both compare names with `normalise`, so "&" and "and", apostrophes and spacing compare the same
on SQLite and PostgreSQL alike. Every sentence is a catalogue message worded by `app.services.coverage.sentence`,
with names marked as English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.formatting import english
from app.models import CoverageGap, Lcp, LcpPostcodeDistrict, Place, PostcodeDistrict, PostcodeSector
from app.services.coverage import district_note, link_note, sector_note, sentence

FULL_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9])([A-Z]{2})$")
OUTWARD_CODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
# A postcode still being typed, such as "LS14 2": the district, and perhaps the sector, is known.
PART_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ([0-9])[A-Z]?$")


# Comparing names ---------------------------------------------------------------------------------------------


def normalise(text: str) -> str:
    text = text.casefold().replace("&", " and ")
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


def compact(text: str) -> str:
    """ "Cross Gates" and "Crossgates" compare the same."""
    return normalise(text).replace(" ", "")


def starts_a_word(needle: str, name: str) -> bool:
    """ "garforth" and "holt p" match, but "ls" does not match inside "Harehills"."""
    return f" {needle}" in f" {normalise(name)}"


def same_name(query: str, name: str) -> bool:
    return normalise(query) == normalise(name) or compact(query) == compact(name)


def names_match(query: str, name: str) -> bool:
    """Part of a name, from the start of a word; spacing may differ once the query is long enough."""
    needle = normalise(query)
    return starts_a_word(needle, name) or (len(compact(query)) >= 4 and compact(query) in compact(name))


# Reading postcodes -------------------------------------------------------------------------------------------


def parse_postcode_parts(query: str) -> tuple[str | None, str | None, str | None]:
    """(full postcode, district, sector): "ls14-2ab" gives ("LS14 2AB", "LS14", "LS14 2")."""
    spaced = " ".join(re.sub(r"[-.,/]", " ", query.upper()).split())
    squashed = spaced.replace(" ", "")
    full = FULL_POSTCODE.match(squashed)
    if full:
        outward, digit, unit = full.groups()
        return f"{outward} {digit}{unit}", outward, f"{outward} {digit}"
    part = PART_POSTCODE.match(spaced)
    if part:
        return None, part.group(1), f"{part.group(1)} {part.group(2)}"
    if OUTWARD_CODE.match(squashed):
        return None, squashed, None
    return None, None, None


# Partnerships and why ----------------------------------------------------------------------------------------


@dataclass
class PartnershipLink:
    """A partnership that a postcode district or a place points to, and why.

    The reason is a sentence in the reader's language, as safe HTML with the names in it marked as English."""

    lcp: Lcp
    reason: Markup
    # True when the link is inferred: from the places a partnership names, or from a place's postcode district.
    estimate: bool


@dataclass
class DistrictAnswer:
    """What a postcode district, and the sector typed with it if any, points to."""

    code: str
    # The sector typed ("WF3 4"), when the district is in Leeds and the site holds the sector.
    sector: PostcodeSector | None = None
    # Not a Leeds district, or a sector of a boundary district that lies outside the city.
    outside_leeds: bool = False
    # What is known of a sector outside Leeds (app.services.coverage.sector_note).
    outside_note: Markup = field(default_factory=Markup)
    # For a Leeds district partly outside the city: what is known of its two sides, and of the sector typed.
    boundary_note: Markup = field(default_factory=Markup)
    sector_boundary_note: Markup = field(default_factory=Markup)
    # The partnerships linked to the district, firm links first.
    links: list[PartnershipLink] = field(default_factory=list)
    # Parts of Leeds not covered yet with a place in the district.
    gaps: list[CoverageGap] = field(default_factory=list)


def district_with_links(code: str) -> PostcodeDistrict | None:
    """The district with this outward code ("LS14"), its partnership links loaded, or None if the site lacks it."""
    return db.session.scalar(
        select(PostcodeDistrict)
        .where(PostcodeDistrict.code == code)
        .options(selectinload(PostcodeDistrict.lcp_links).selectinload(LcpPostcodeDistrict.lcp))
    )


def _firm_first(district: PostcodeDistrict) -> list[LcpPostcodeDistrict]:
    return sorted(district.lcp_links, key=lambda link: (link.derived, link.lcp.name))


def district_links(district: PostcodeDistrict) -> list[PartnershipLink]:
    """The partnerships linked to a district, firm links first, each with why: named by the partnership's sources
    ("Seacroft lists LS14 as part of its area."), or our estimate from the places it names, and why it reaches there."""
    links = []
    for link in _firm_first(district):
        names = {"district": escape(district.code), "lcp": english(link.lcp.short_name)}
        if link.derived:
            reason = sentence(
                _(
                    "Some of the places %(lcp)s covers are in %(district)s, so it may cover part of %(district)s "
                    "(our estimate).",
                    **names,
                )
            )
        else:
            reason = sentence(_("%(lcp)s lists %(district)s as part of its area.", **names))
        if note := link_note(link):
            reason = Markup(" ").join([reason, note])
        links.append(PartnershipLink(link.lcp, reason, estimate=link.derived))
    return links


def read_district(code: str, sector_code: str | None = None) -> DistrictAnswer:
    """What a postcode district (and sector, such as "WF3 4") points to, from `parse_postcode_parts`.

    A district the site does not hold, or one outside Leeds, is outside Leeds; so is a sector of a boundary district
    that lies beyond the city, with what is known of it. Otherwise the answer has the partnerships linked to the
    district with their reasons, what is known of the city's edge there, and the parts not covered yet."""
    answer = DistrictAnswer(code=code)
    district = district_with_links(code)
    if district is None or not district.in_leeds:
        answer.outside_leeds = True
        return answer
    if sector_code:
        answer.sector = db.session.scalar(select(PostcodeSector).where(PostcodeSector.code == sector_code))
    sector = answer.sector
    if sector is not None and not sector.in_leeds:
        answer.outside_leeds = True
        answer.outside_note = sector_note(sector)
        return answer
    if district.partly_outside:
        answer.boundary_note = district_note(district)
        if sector is not None:
            answer.sector_boundary_note = sector_note(sector)
    answer.links = district_links(district)
    answer.gaps = gaps_in_districts([district.code])
    return answer


def place_links(place: Place) -> list[PartnershipLink]:
    """The partnerships linked to the Leeds postcode districts a place lies in, each an estimate with why:
    "Killingbeck is in LS14, which Seacroft lists as part of its area." A place outside Leeds has none."""
    if not place.in_leeds:
        return []
    links = []
    for code in place.district_list:
        district = district_with_links(code)
        if district is None or not district.in_leeds:
            continue
        for link in _firm_first(district):
            names = {"place": english(place.name), "district": escape(code), "lcp": english(link.lcp.short_name)}
            if link.derived:
                reason = sentence(
                    _(
                        "%(place)s is in %(district)s, where some of the places %(lcp)s covers are (our estimate).",
                        **names,
                    )
                )
            else:
                reason = sentence(_("%(place)s is in %(district)s, which %(lcp)s lists as part of its area.", **names))
            links.append(PartnershipLink(link.lcp, reason, estimate=True))
    return links


def area_reason(lcp: Lcp, area: str) -> Markup:
    """Why a partnership matches a name: "Harehills is one of the areas HATCH covers.", or, where the partnership
    is named after the area, "The Cross Gates partnership is named after Cross Gates, which it covers."."""
    names = {"area": english(area), "lcp": english(lcp.short_name)}
    if same_name(area, lcp.short_name):
        return sentence(_("The %(lcp)s partnership is named after %(area)s, which it covers.", **names))
    return sentence(_("%(area)s is one of the areas %(lcp)s covers.", **names))


def name_reason(query: str) -> Markup:
    """Why a partnership matches a name: "The partnership’s name includes “seacroft”."."""
    return sentence(_("The partnership’s name includes “%(query)s”.", query=escape(query)))


# Parts of Leeds not covered yet ------------------------------------------------------------------------------


def _all_gaps() -> list[CoverageGap]:
    return list(db.session.scalars(select(CoverageGap).order_by(CoverageGap.position)))


def gaps_in_districts(codes: list[str]) -> list[CoverageGap]:
    """Parts of Leeds not covered yet that hold a place in one of these postcode districts."""
    gaps = _all_gaps()
    if not gaps:
        return []
    by_name = {place.name: place for place in db.session.scalars(select(Place))}
    wanted = set(codes)
    found = []
    for gap in gaps:
        places = [by_name.get(name) for name in gap.place_list]
        if any(place is not None and wanted & set(place.district_list) for place in places):
            found.append(gap)
    return found


def gaps_named(names: list[str]) -> list[CoverageGap]:
    """Parts of Leeds not covered yet that name one of these places. A place meets a gap only by name: Harehills
    shares LS8 with Roundhay, but HATCH covers it."""
    wanted = {normalise(name) for name in names}
    return [gap for gap in _all_gaps() if any(normalise(name) in wanted for name in gap.place_list)]
