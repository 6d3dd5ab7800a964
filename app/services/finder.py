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
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.formatting import english
from app.models import CoverageGap, GpPractice, Lcp, Place
from app.services.coverage import sentence
from app.services.geography import (
    area_reason,
    gaps_in_districts,
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
    if not districts:
        return []
    return list(
        db.session.scalars(
            select(GpPractice)
            .where(GpPractice.district.in_(districts), GpPractice.is_open)
            .options(selectinload(GpPractice.lcp))
            .order_by(GpPractice.name)
        )
    )


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
    elif practice.lcp is None and practice.district:
        result.gaps = gaps_in_districts([practice.district])


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
    for lcp in index.lcps:
        reasons = [area_reason(lcp, area.name) for area in lcp.areas if names_match(query, area.name)]
        if names_match(query, lcp.name):
            reasons.append(name_reason(query))
        if reasons:
            result.guides.append(LcpMatch(lcp, reasons))
    # A place only meets a gap by name: Harehills shares LS8 with Roundhay but HATCH covers it.
    result.gaps = gaps_named([place.name for place in result.places] + [query])
