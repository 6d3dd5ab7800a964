"""Which partnerships an organisation should prioritise: its topics and the areas it serves, ranked by evidence.

A partnership's evidence on each chosen topic comes from `app.services.topics` (a published priority, an
agenda item or an update tagged with the topic, or residents raising it in the 2021 Big Leeds Chat), so
example content (`is_demo`) never counts here either. Scores add up across the chosen topics, and every
reason says which topic it is about.

The areas are free text: postcode districts ("LS9", "LS14 2AB") and names of neighbourhoods, towns or
partnerships, separated by commas, new lines or "and". Each resolves through `app.services.geography`, as the
finder's answers do (postcode district links, the areas partnerships name, places and their districts), to the
partnerships that serve it, with the reason; a part of Leeds this site does not cover yet says so, and a term we
cannot place is reported back rather than guessed. With areas, only the partnerships serving them are
ranked; "the whole city" makes every partnership a candidate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import CoverageGap, Lcp, Place, Topic
from app.services.coverage import place_note
from app.services.finder import NameIndex
from app.services.geography import (
    area_reason,
    compact,
    gaps_named,
    name_reason,
    names_match,
    normalise,
    parse_postcode_parts,
    place_links,
    read_district,
    same_name,
)
from app.services.topics import TopicMatch, topic_matches

# Separators between areas: commas, semicolons, slashes and new lines; "and", "&" and "+" only when the
# words on either side are not one name together ("Woodsley and Holt Park" is one partnership).
LIST_SEPARATORS = re.compile(r"[,;/\n\r]+")
AND_SEPARATORS = re.compile(r"\s+(?:and|&|\+)\s+|\s*&\s*|\s*\+\s*", re.IGNORECASE)
# Shorter parts of a name than this match only exactly: "Ho" is not Horsforth, Holbeck and Holt Park.
PREFIX_LENGTH = 4
MAX_TERMS = 30
# Words meaning the whole city rather than a part of it.
CITYWIDE_WORDS = {
    "leeds",
    "all of leeds",
    "all leeds",
    "across leeds",
    "the whole city",
    "whole city",
    "whole of leeds",
    "the whole of leeds",
    "citywide",
    "city wide",
}
# How many of the best-ranked partnerships are ticked to follow at first.
PRESELECT = 3


@dataclass
class AreaLink:
    """One area the person typed, and why it points to a partnership."""

    lcp: Lcp
    area: str
    # In the reader's language, as safe HTML with the names in it marked as English.
    reason: Markup
    # True when the link is inferred (from the places a partnership names, or a place's postcode district).
    estimate: bool = False


@dataclass
class AreaTerm:
    """One area as typed, and what it resolved to."""

    text: str
    # What the area is called in sentences: the district for a postcode ("LS14"), otherwise the words typed.
    label: str
    links: list[AreaLink] = field(default_factory=list)
    gaps: list[CoverageGap] = field(default_factory=list)
    outside_leeds: bool = False
    # A Leeds district or place that no partnership on this site is linked to.
    unlinked: bool = False
    citywide: bool = False
    # What is known of the city boundary there, in the reader's language (app.services.coverage).
    notes: list[Markup] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)

    @property
    def known(self) -> bool:
        return bool(self.links or self.gaps or self.outside_leeds or self.unlinked or self.citywide)

    @property
    def lcps(self) -> list[Lcp]:
        return list({link.lcp.id: link.lcp for link in self.links}.values())

    @property
    def quoted(self) -> str:
        """ "“Garfoth” (did you mean “Garforth”?)", for a message naming several areas we could not place."""
        if self.suggestions:
            return _("“%(area)s” (did you mean “%(suggestion)s”?)", area=self.text, suggestion=self.suggestions[0])
        return _("“%(area)s”", area=self.text)


@dataclass
class RankedLcp:
    """A partnership with its evidence on the chosen topics and the areas that make it a candidate."""

    lcp: Lcp
    evidence: list[tuple[Topic, TopicMatch]] = field(default_factory=list)
    area_links: list[AreaLink] = field(default_factory=list)
    rank: int | None = None
    preselected: bool = False

    @property
    def counted(self) -> list[tuple[Topic, TopicMatch]]:
        return [(topic, match) for topic, match in self.evidence if match.counts]

    @property
    def score(self) -> int:
        return sum(match.score for _topic, match in self.counted)

    @property
    def topics(self) -> list[Topic]:
        """The chosen topics it has published work on, or heard from residents about."""
        return [topic for topic, _match in self.counted]

    @property
    def reasons(self) -> list[str]:
        """ "Ageing well (…) – Priority: Frailty", "Mental health … – Raised by residents in 2021 (Big Leeds Chat)"."""
        return [
            _("%(topic)s – %(reason)s", topic=topic.shown_label, reason=reason)
            for topic, match in self.counted
            for reason in match.reasons
        ]

    @property
    def has_priorities(self) -> bool:
        return any(match.priorities for _topic, match in self.counted)

    @property
    def latest(self) -> datetime | None:
        """The date of its newest dated evidence (an agenda item's meeting or an update), if any."""
        dates = [item.meeting.starts_at for _topic, match in self.counted for item in match.agenda_items]
        dates += [update.published_at for _topic, match in self.counted for update in match.updates]
        return max(dates, default=None)

    @property
    def examples(self) -> int:
        """Example agenda items and updates on the chosen topics: left out of the ranking."""
        return sum(len(match.example_agenda_items) + len(match.example_updates) for _topic, match in self.evidence)

    @property
    def area_reasons(self) -> list[str]:
        return list(dict.fromkeys(link.reason for link in self.area_links))

    @property
    def serves(self) -> str | None:
        """ "Serves LS14.", "Probably serves LS15 (our estimate).": only what the links show."""
        firm = list(dict.fromkeys(link.area for link in self.area_links if not link.estimate))
        estimated = [area for area in dict.fromkeys(link.area for link in self.area_links if link.estimate)]
        estimated = [area for area in estimated if area not in firm]
        if firm and estimated:
            return _(
                "Serves %(firm)s, and probably %(estimated)s (our estimate).",
                firm=", ".join(firm),
                estimated=", ".join(estimated),
            )
        if firm:
            return _("Serves %(areas)s.", areas=", ".join(firm))
        if estimated:
            return _("Probably serves %(areas)s (our estimate).", areas=", ".join(estimated))
        return None


@dataclass
class MatchResult:
    topics: list[Topic]
    areas_text: str
    citywide: bool
    terms: list[AreaTerm] = field(default_factory=list)
    # Candidates with evidence on the chosen topics, best first.
    ranked: list[RankedLcp] = field(default_factory=list)
    # Candidates with nothing published on the chosen topics, by name.
    without_evidence: list[RankedLcp] = field(default_factory=list)
    too_many_areas: bool = False

    @property
    def unknown(self) -> list[AreaTerm]:
        return [term for term in self.terms if not term.known]

    @property
    def problems(self) -> list[str]:
        """Messages for the areas field: areas we could not place, or "Leeds" without the whole-city box."""
        messages = []
        unknown = self.unknown
        if len(unknown) == 1 and unknown[0].suggestions:
            messages.append(
                _(
                    "We could not find “%(area)s”. Did you mean “%(suggestion)s”? Enter a postcode district such as "
                    "LS9, or the name of a neighbourhood.",
                    area=unknown[0].text,
                    suggestion=unknown[0].suggestions[0],
                )
            )
        elif len(unknown) == 1:
            messages.append(
                _(
                    "We could not find “%(area)s”. Enter a postcode district such as LS9, or the name of a "
                    "neighbourhood.",
                    area=unknown[0].text,
                )
            )
        elif unknown:
            messages.append(
                _(
                    "We could not find %(areas)s. Enter postcode districts such as LS9, or the names of "
                    "neighbourhoods.",
                    areas=_(", ").join(term.quoted for term in unknown),
                )
            )
        if self.too_many_areas:
            messages.append(
                ngettext(
                    "Enter %(num)d area or fewer, or tick “We work across the whole city”",
                    "Enter %(num)d areas or fewer, or tick “We work across the whole city”",
                    MAX_TERMS,
                )
            )
        if not self.citywide and any(term.citywide for term in self.terms):
            messages.append(_("To include every partnership, tick “We work across the whole city”"))
        return messages

    @property
    def limited_to_areas(self) -> bool:
        return not self.citywide and bool(self.terms)

    @property
    def area_labels(self) -> list[str]:
        return list(dict.fromkeys(term.label for term in self.terms if term.links))

    @property
    def gaps(self) -> list[tuple[CoverageGap, list[str]]]:
        """Parts of Leeds not covered yet, each with the areas typed that lie in it."""
        found: dict[int, tuple[CoverageGap, list[str]]] = {}
        for term in self.terms:
            for gap in term.gaps:
                found.setdefault(gap.id, (gap, []))[1].append(term.label)
        return list(found.values())

    @property
    def notices(self) -> list[AreaTerm]:
        """Areas worth a word beyond their partnerships: outside Leeds, not linked, on the city boundary."""
        return [term for term in self.terms if term.known and (term.outside_leeds or term.unlinked or term.notes)]

    @property
    def examples_left_out(self) -> int:
        return sum(entry.examples for entry in self.ranked + self.without_evidence)

    @property
    def has_priorities(self) -> bool:
        return any(entry.has_priorities for entry in self.ranked)


def match(topics: list[Topic], areas_text: str, citywide: bool) -> MatchResult:
    """Rank partnerships for `topics`: all of them when `citywide`, otherwise those serving the areas typed."""
    result = MatchResult(topics=list(topics), areas_text=areas_text, citywide=citywide)
    parts = split_areas(areas_text)
    if len(parts) > MAX_TERMS:
        result.too_many_areas = True
        parts = parts[:MAX_TERMS]
    result.terms = read_areas(parts)
    if result.problems:
        return result
    candidates: dict[int, RankedLcp] = {}
    if citywide:
        candidates = {lcp.id: RankedLcp(lcp) for lcp in db.session.scalars(select(Lcp).order_by(Lcp.name))}
    for term in result.terms:
        for link in term.links:
            candidates.setdefault(link.lcp.id, RankedLcp(link.lcp)).area_links.append(link)
    for topic in result.topics:
        for topic_match in topic_matches(topic):
            entry = candidates.get(topic_match.lcp.id)
            if entry is not None:
                entry.evidence.append((topic, topic_match))
    with_evidence = [entry for entry in candidates.values() if entry.score]
    # Most evidence first; then the one covering more of the chosen topics, then the newest evidence.
    with_evidence.sort(key=lambda entry: (-entry.score, -len(entry.topics), _newest_first(entry), entry.lcp.name))
    for rank, entry in enumerate(with_evidence, start=1):
        entry.rank = rank
        entry.preselected = rank <= PRESELECT
    result.ranked = with_evidence
    result.without_evidence = sorted(
        (entry for entry in candidates.values() if not entry.score), key=lambda entry: entry.lcp.name
    )
    return result


def _newest_first(entry: RankedLcp) -> float:
    latest = entry.latest
    return -latest.timestamp() if latest else 0.0


# Reading the areas ------------------------------------------------------------------------------------------


def split_areas(text: str) -> list[str]:
    """ "LS9, LS14 2AB and Seacroft" → ["LS9", "LS14 2AB and Seacroft"]; "and" is split later, if it must be."""
    parts = [" ".join(part.split()) for part in LIST_SEPARATORS.split(text or "")]
    return list(dict.fromkeys(part for part in parts if part))


@dataclass
class _Reference:
    """The reference data areas are read against, loaded once per search."""

    lcps: list[Lcp]
    places: list[Place]

    @classmethod
    def load(cls) -> _Reference:
        lcps = db.session.scalars(select(Lcp).options(selectinload(Lcp.areas)).order_by(Lcp.name)).all()
        places = db.session.scalars(select(Place).order_by(Place.name)).all()
        return cls(list(lcps), list(places))

    def suggest(self, text: str) -> list[str]:
        """Near spellings of places, areas and partnerships (not GP practices: an organisation serves places)."""
        return NameIndex([], self.places, self.lcps).suggest(text)


def read_areas(parts: list[str]) -> list[AreaTerm]:
    reference = _Reference.load()
    terms: list[AreaTerm] = []
    for part in parts:
        term = read_area(part, reference)
        pieces = [piece.strip() for piece in AND_SEPARATORS.split(part) if piece.strip()]
        if not term.known and len(pieces) > 1:
            terms += [read_area(piece, reference) for piece in pieces]
        else:
            terms.append(term)
    # The same area typed twice ("LS14, ls14") is read once.
    return list({term.label.casefold(): term for term in terms}.values())


def read_area(text: str, reference: _Reference | None = None) -> AreaTerm:
    """One area: a postcode district or postcode, the whole city, or a name of a place, area or partnership."""
    reference = reference or _Reference.load()
    text = text.strip().removeprefix("and ").strip()
    _postcode, district, sector = parse_postcode_parts(text)
    if district:
        return _read_district(text, district, sector)
    term = AreaTerm(text=text, label=text)
    if normalise(text) in CITYWIDE_WORDS:
        term.citywide = True
        return term
    _read_name(term, reference)
    if not term.known:
        term.suggestions = reference.suggest(text)
    return term


def _name_hit(text: str, names: list[str]) -> bool:
    """The whole name, or (for four letters or more) the start of a word in it: "Crossgates", "Holt Park"."""
    if any(same_name(text, name) for name in names):
        return True
    return len(compact(text)) >= PREFIX_LENGTH and any(names_match(text, name) for name in names)


def _read_name(term: AreaTerm, reference: _Reference) -> None:
    text = term.text
    # 1. A partnership's own name, or an area it names: firm.
    for lcp in reference.lcps:
        if _name_hit(text, [lcp.name, lcp.short_name]):
            term.links.append(AreaLink(lcp, text, name_reason(text), estimate=False))
            continue
        for area in lcp.areas:
            if _name_hit(text, [area.name]):
                term.links.append(AreaLink(lcp, text, area_reason(lcp, area.name), estimate=False))
                break
    places = [place for place in reference.places if _name_hit(text, [place.name, *place.alias_list])]
    # 2. A part of Leeds this site does not cover yet, by name: said plainly, never guessed from a shared district.
    term.gaps = gaps_named([place.name for place in places] + [text])
    for place in places:
        if not place.in_leeds:
            term.outside_leeds = True
            if note := place_note(place):
                term.notes.append(note)
    if term.links or term.gaps:
        return
    # 3. A place: the partnerships linked to its postcode districts, as an estimate.
    for place in places:
        for link in place_links(place):
            term.links.append(AreaLink(link.lcp, place.name, link.reason, estimate=link.estimate))
    if places and not term.links and not term.outside_leeds:
        term.unlinked = True


def _read_district(text: str, code: str, sector_code: str | None) -> AreaTerm:
    term = AreaTerm(text=text, label=code)
    answer = read_district(code, sector_code)
    if answer.outside_leeds:
        term.outside_leeds = True
        if answer.sector is not None and not answer.sector.in_leeds:
            term.label = answer.sector.code
            if answer.outside_note:
                term.notes.append(answer.outside_note)
        return term
    if answer.boundary_note:
        term.notes.append(answer.boundary_note)
    term.links = [AreaLink(link.lcp, code, link.reason, estimate=link.estimate) for link in answer.links]
    term.gaps = answer.gaps
    if not term.links and not term.gaps:
        term.unlinked = True
    return term
