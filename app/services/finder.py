"""Finding a person's LCP from a GP practice, a postcode or a neighbourhood, saying only what is known.

LCP membership follows GP registration, so the finder separates three kinds of answer:

- **your practice**: the person typed a practice's full name (or one of its other names) or picked
  it from a list. Only this answer says "Your GP practice … is in …".
- **practices whose name matches**: part of a name. Each is worded as a condition ("If you are
  registered at …").
- **a guide**: a postcode, a place or a partnership's area. The finder lists the open practices in
  that postcode district and asks "Which of these is yours?" rather than guess between LCPs.

A practice whose partnership no source states is "not confirmed yet", never guessed. When nothing
matches, a close spelling is offered ("Did you mean …?") with rapidfuzz; otherwise the answer says
honestly which parts of Leeds the site does not cover yet. Names are matched in Python over the
whole (small) reference list, so "&" and "and", apostrophes and spacing compare the same on SQLite
and PostgreSQL alike. Postcodes, the partnerships a district points to, the reasons and the parts not
covered yet come from `app.services.geography`, which `/match` reads areas through too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from markupsafe import Markup, escape
from rapidfuzz import fuzz, process, utils
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.formatting import english, names
from app.models import CoverageGap, GpPractice, Lcp, Place
from app.services.coverage import extra_practice_names, practice_district, sentence
from app.services.geography import (
    area_reason,
    gaps_named,
    name_reason,
    names_match,
    normalise,
    parse_postcode_parts,
    read_district,
    same_name,
    starts_a_word,
)

MIN_QUERY_LENGTH = 2
# Words that say "a GP practice" without naming one: "seacroft surgery" searches for "seacroft".
GENERIC_WORDS = {
    "the",
    "surgery",
    "surgeries",
    "medical",
    "centre",
    "center",
    "practice",
    "health",
    "gp",
    "gps",
    "doctor",
    "doctors",
    "dr",
    "clinic",
    "group",
    "partners",
    "and",
    "leeds",
}
# Words after a place's name that make it a street: "The Roundhay Road Surgery" is on Roundhay Road, in Harehills.
STREET_WORDS = {"road", "lane", "street", "avenue", "terrace", "place", "way", "drive", "row", "view", "rise"}
# How close a spelling must be (0-100) to be offered as "Did you mean …?".
SUGGESTION_SCORE = 80
MAX_SUGGESTIONS = 3


@dataclass
class LcpMatch:
    """A partnership offered as a guide, with why: every such answer is a guide, never the person's LCP.

    The reasons are sentences in the reader's language, as safe HTML with the names in them marked as English."""

    lcp: Lcp
    reasons: list[Markup] = field(default_factory=list)


@dataclass
class SharedArea:
    """An area that two or more of the suggested partnerships cover ("Middleton"): the person's practice decides."""

    area: str
    lcps: list[Lcp]


@dataclass
class FindResult:
    query: str
    too_short: bool = False
    # Set when generic words were dropped to find something: "seacroft surgery" → "seacroft".
    searched_for: str | None = None
    # The person's practice: typed in full or picked from a list.
    practice: GpPractice | None = None
    picked: bool = False
    # Part of a practice's name matched.
    named_practices: list[GpPractice] = field(default_factory=list)
    postcode: str | None = None
    district: str | None = None
    sector: str | None = None
    outside_leeds: bool = False
    # What is known of the city boundary there, in the reader's language (app.services.coverage).
    outside_note: Markup = field(default_factory=Markup)
    boundary_note: Markup = field(default_factory=Markup)
    places: list[Place] = field(default_factory=list)
    # Open practices in the districts a postcode, place or closed practice points to.
    nearby_districts: list[str] = field(default_factory=list)
    nearby_practices: list[GpPractice] = field(default_factory=list)
    # True when a closed practice had no open neighbour in its district, so its partnership's practices are offered.
    nearby_by_lcp: bool = False
    guides: list[LcpMatch] = field(default_factory=list)
    # Areas more than one guide covers: "Both … cover Middleton."
    shared_areas: list[SharedArea] = field(default_factory=list)
    # For a sector ("LS17 6"): True when the practices listed are those with an address in it, False when none is
    # and the district's practices are listed instead; None when no sector was typed.
    sector_narrowed: bool | None = None
    # For the person's practice whose partnership is not confirmed: where it is (the places its name gives, or its
    # postcode district) and the partnerships that points to, as a guide.
    practice_where: Markup = field(default_factory=Markup)
    practice_guides: list[LcpMatch] = field(default_factory=list)
    gaps: list[CoverageGap] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)

    @property
    def from_postcode(self) -> bool:
        return self.district is not None

    @property
    def found(self) -> bool:
        return bool(
            self.practice or self.named_practices or self.places or self.guides or self.nearby_practices or self.gaps
        ) or bool(self.from_postcode and not self.outside_leeds)

    @property
    def listed_practices(self) -> list[GpPractice]:
        """The practices listed for the person to choose from, each once."""
        return list(dict.fromkeys([*self.nearby_practices, *self.named_practices]))

    @property
    def unconfirmed_listed(self) -> bool:
        """True when an open practice in the lists has no confirmed partnership: the lists then end with what the
        person can do meanwhile."""
        return any(practice.is_open and practice.lcp is None for practice in self.listed_practices)

    @property
    def summary(self) -> Markup | None:
        """One sentence for a postcode answer naming each partnership linked to the district."""
        if not self.district or not self.guides:
            return None
        # Joined with "and of" alone: LCP names contain commas of their own.
        names = escape(_(" and of ")).join(english(match.lcp.short_name) for match in self.guides)
        return sentence(_("%(district)s is in the area of %(lcps)s.", district=escape(self.district), lcps=names))


def parse_postcode(query: str) -> tuple[str | None, str | None]:
    """Returns (full postcode or None, outward code) when the query is a postcode or a district."""
    postcode, district, _sector = parse_postcode_parts(query)
    return postcode, district


def practice_by_id(practice_id: int) -> GpPractice | None:
    return db.session.scalar(
        select(GpPractice).where(GpPractice.id == practice_id).options(selectinload(GpPractice.lcp))
    )


def find(query: str, practice_id: int | None = None) -> FindResult:
    query = " ".join(query.split())
    if practice_id is not None:
        practice = practice_by_id(practice_id)
        if practice is not None:
            result = FindResult(query=query or practice.name, practice=practice, picked=True)
            _about_practice(result)
            return result
    result = FindResult(query=query)
    if len(query) < MIN_QUERY_LENGTH:
        result.too_short = bool(query)
        return result
    postcode, district, sector = parse_postcode_parts(query)
    if district:
        result.postcode, result.district, result.sector = postcode, district, sector
        _match_district(result)
        return result
    index = NameIndex.load()
    _match_names(result, index, query)
    stripped = " ".join(word for word in normalise(query).split() if word not in GENERIC_WORDS)
    useful = stripped if len(stripped) >= MIN_QUERY_LENGTH else ""
    if not result.found and useful and useful != normalise(query):
        _match_names(result, index, useful)
        if result.found:
            result.searched_for = useful
    if not result.found:
        # "Shakespeare Medical Practice" is not offered "Park Edge Practice" for sharing the word "practice".
        suggestions = index.suggest(query) + (index.suggest(useful) if useful else [])
        result.suggestions = list(dict.fromkeys(suggestions))[:MAX_SUGGESTIONS]
    return result


def _open_practices_in(districts: list[str]) -> list[GpPractice]:
    """The open practices with an address in these districts, and those the NHS list lacks that our curation places
    there (The Light practice, on The Headrow in LS1), by name."""
    if not districts:
        return []
    in_districts: ColumnElement[bool] = GpPractice.district.in_(districts)
    extras = extra_practice_names(districts)
    if extras:
        in_districts = or_(in_districts, and_(GpPractice.ods_code.is_(None), GpPractice.name.in_(extras)))
    return list(
        db.session.scalars(
            select(GpPractice)
            .where(in_districts, GpPractice.is_open)
            .options(selectinload(GpPractice.lcp))
            .order_by(GpPractice.name)
        )
    )


def _in_sector(practice: GpPractice, sector: str) -> bool:
    return bool(practice.postcode) and parse_postcode_parts(practice.postcode)[2] == sector


def _lcps_with_areas() -> list[Lcp]:
    return list(db.session.scalars(select(Lcp).options(selectinload(Lcp.areas)).order_by(Lcp.name)))


def _area_guides(lcps: list[Lcp], query: str) -> list[LcpMatch]:
    """The partnerships whose areas (or name) match what was typed, each with why: the same reasoning for a search
    ("Chapeltown") and for a practice in a place ("Chapeltown Family Surgery")."""
    guides = []
    for lcp in lcps:
        reasons = [area_reason(lcp, area.name) for area in lcp.areas if names_match(query, area.name)]
        # "Cross Gates" is named after an area it covers: that says why already.
        if not reasons and names_match(query, lcp.name):
            reasons.append(name_reason(query))
        if reasons:
            guides.append(LcpMatch(lcp, reasons))
    return guides


def _shared_areas(lcps: list[Lcp], query: str) -> list[SharedArea]:
    """Areas that more than one partnership lists and the query names: "Middleton"."""
    by_area: dict[str, list[Lcp]] = {}
    for lcp in lcps:
        for area in lcp.areas:
            if names_match(query, area.name):
                by_area.setdefault(area.name, []).append(lcp)
    return [SharedArea(area, found) for area, found in by_area.items() if len(found) > 1]


def places_named_in(practice: GpPractice, places: list[Place]) -> list[Place]:
    """The Leeds places a practice's name gives ("Chapeltown Family Surgery" is in Chapeltown), but not a street
    named after a place ("The Roundhay Road Surgery")."""
    words = normalise(practice.name).split()
    found = []
    for place in places:
        if not place.in_leeds:
            continue
        for name in NameIndex.place_names(place):
            wanted = normalise(name).split()
            for start in range(len(words) - len(wanted) + 1):
                after = words[start + len(wanted)] if start + len(wanted) < len(words) else ""
                if words[start : start + len(wanted)] == wanted and after not in STREET_WORDS:
                    found.append(place)
                    break
            if place in found:
                break
    return found


def _about_practice(result: FindResult) -> None:
    """The person's practice is known: if it has closed, or its LCP is not confirmed, say what to do."""
    practice = result.practice
    assert practice is not None
    if not practice.is_open:
        result.nearby_districts = [practice.district] if practice.district else []
        result.nearby_practices = _open_practices_in(result.nearby_districts)
        if not result.nearby_practices and practice.lcp is not None:
            result.nearby_practices = [other for other in practice.lcp.gp_practices if other.is_open]
            result.nearby_by_lcp = True
    elif practice.lcp is None:
        _likely_for_practice(result, practice)


def _likely_for_practice(result: FindResult, practice: GpPractice) -> None:
    """Where a practice whose partnership is not confirmed is, and what searching there says: the partnerships whose
    areas its place names (as a search for the place gives) and the parts not covered yet there; else what its
    postcode district points to (as a search for the district gives). A guide, never the practice's partnership."""
    places = places_named_in(practice, list(db.session.scalars(select(Place).order_by(Place.name))))
    if places:
        lcps = _lcps_with_areas()
        guides = [match for place in places for match in _area_guides(lcps, place.name)]
        gaps = gaps_named([place.name for place in places])
        if guides or gaps:
            result.practice_where = names([place.name for place in places])
            result.practice_guides = guides
            result.gaps = gaps
            return
    district = practice_district(practice)
    if not district:
        return
    answer = read_district(district)
    result.practice_where = escape(district)
    result.practice_guides = [LcpMatch(link.lcp, [link.reason]) for link in answer.links]
    result.gaps = answer.gaps


def _match_district(result: FindResult) -> None:
    assert result.district is not None
    answer = read_district(result.district, result.sector)
    if answer.outside_leeds:
        result.outside_leeds = True
        result.outside_note = answer.outside_note
        return
    notes = [answer.boundary_note, answer.sector_boundary_note]
    result.boundary_note = Markup(" ").join(note for note in notes if note)
    result.guides = [LcpMatch(link.lcp, [link.reason]) for link in answer.links]
    result.nearby_districts = [answer.code]
    result.nearby_practices = _open_practices_in([answer.code])
    if result.sector and result.nearby_practices:
        # "LS17 6": the practices with an address in the sector, where any is; otherwise the district's, saying so.
        in_sector = [practice for practice in result.nearby_practices if _in_sector(practice, result.sector)]
        result.sector_narrowed = bool(in_sector)
        if in_sector:
            result.nearby_practices = in_sector
    result.gaps = answer.gaps


@dataclass
class NameIndex:
    """Every name the finder knows, loaded once per search: practices, places, partnerships and their areas."""

    practices: list[GpPractice]
    places: list[Place]
    lcps: list[Lcp]

    @classmethod
    def load(cls) -> NameIndex:
        practices = db.session.scalars(select(GpPractice).options(selectinload(GpPractice.lcp))).all()
        places = db.session.scalars(select(Place).order_by(Place.name)).all()
        lcps = db.session.scalars(select(Lcp).options(selectinload(Lcp.areas)).order_by(Lcp.name)).all()
        return cls(list(practices), list(places), list(lcps))

    @staticmethod
    def practice_names(practice: GpPractice) -> list[str]:
        return [practice.name, *practice.alias_list]

    @staticmethod
    def place_names(place: Place) -> list[str]:
        return [place.name, *place.alias_list]

    def suggest(self, query: str) -> list[str]:
        """Names spelt close to the query, best first: "garfoth" → "Garforth"."""
        choices: dict[str, list[str]] = {}

        def add(name: str, shown: str) -> None:
            choices.setdefault(normalise(name), []).append(shown)

        for practice in self.practices:
            for name in self.practice_names(practice):
                add(name, practice.name)
            # "garfoth" is a near spelling of the word a practice is known by, not of its whole name.
            first = normalise(practice.name).removeprefix("the ").split(" ")[0]
            if len(first) >= 4 and first not in GENERIC_WORDS:
                add(first, practice.name)
        for place in self.places:
            for name in self.place_names(place):
                add(name, place.name)
        for lcp in self.lcps:
            add(lcp.short_name, lcp.short_name)
            for area in lcp.areas:
                add(area.name, area.name)
        # Whole-name closeness: sharing a word such as "practice" is not a near spelling.
        matches = process.extract(
            normalise(query),
            list(choices),
            scorer=fuzz.ratio,
            processor=utils.default_process,
            score_cutoff=SUGGESTION_SCORE,
            limit=MAX_SUGGESTIONS,
        )
        return list(dict.fromkeys(shown for name, _score, _index in matches for shown in sorted(choices[name])))


def _match_names(result: FindResult, index: NameIndex, query: str) -> None:
    exact = [
        practice for practice in index.practices if any(same_name(query, n) for n in index.practice_names(practice))
    ]
    if len(exact) == 1:
        result.practice = exact[0]
        _about_practice(result)
    partial = [
        practice
        for practice in index.practices
        if practice is not result.practice and any(names_match(query, n) for n in index.practice_names(practice))
    ]
    # Open practices first; closed ones still answer ("closed in 2022") but after them.
    result.named_practices = sorted(partial, key=lambda practice: (not practice.is_open, practice.name))
    result.places = [
        place
        for place in index.places
        if any(same_name(query, n) or starts_a_word(normalise(query), n) for n in index.place_names(place))
    ]
    districts = list(dict.fromkeys(code for place in result.places if place.in_leeds for code in place.district_list))
    if result.places and not result.practice:
        result.nearby_districts = districts
        result.nearby_practices = _open_practices_in(districts)
    result.guides += _area_guides(index.lcps, query)
    result.shared_areas = _shared_areas(index.lcps, query)
    # A place only meets a gap by name: Harehills shares LS8 with Roundhay but HATCH covers it. The person's practice
    # keeps the gaps of where it is.
    named = gaps_named([place.name for place in result.places] + [query])
    result.gaps = list(dict.fromkeys([*result.gaps, *named]))
