"""Which partnerships an organisation should prioritise: the areas it serves first, then its topics.

Areas. The areas are free text: postcode districts ("LS9", "LS14 2AB") and names of neighbourhoods, towns or
partnerships, separated by commas, new lines or "and". Each resolves through `app.services.geography`, as the
finder's answers do (postcode district links, the areas partnerships name, places and their districts), to the
partnerships that serve it, with the reason; a part of Leeds this site does not cover yet says so, and a term we
cannot place is reported back rather than guessed. A GP practice confirmed as a partnership's, with an address in
the district, links the partnership there too, as an estimate (its patients may live elsewhere): that is how a
partnership whose sources name no area (York Road) reaches the districts its practices are in once the
programme's list of practices is loaded. With areas, only the partnerships serving them are ranked; "the whole
city" makes every partnership a candidate. A partnership whose sources state no area, no postcode district and
no practice at all cannot be ruled in or out: it is listed apart, unticked, saying we do not know its areas.

How firmly a partnership serves one of the areas typed (the strongest of its links to that area counts):

- firm, 1: a postcode district the partnership's sources list, an area it names, or its own name;
- estimate, 0.35: a district we link it to from the places it names (`derived`), a place lying in a district
  it is linked to, or one of its confirmed GP practices having its address in the district;
- edge, 0.1: a derived district it reaches only through one or a few of the places it names, while its sources
  list other districts (LS25 & LS26 reaches LS15 only through Barwick-in-Elmet).

Topics. A partnership's evidence on each chosen topic comes from `app.services.topics` (a published priority, an
agenda item or an update tagged with the topic, or residents raising it in the 2021 Big Leeds Chat), so
example content (`is_demo`) never counts here either. Each topic counts up to 1: its evidence score over 4 (one
priority fills it, an agenda item half of it, residents raising it a quarter).

The score (at most 115) is 100 x the share of the areas typed that the partnership covers, each area weighted as
above, plus 15 x the mean of the chosen topics' counts. When the organisation works across the whole city, every
partnership's area share is 1 (the areas typed then only show which partnerships serve them), so topics rank.
Area coverage comes first: an organisation serves places, and topic work (15 points at most) separates
partnerships that cover them equally or nearly so; it cannot lift an estimate above a firm match on one more
area when up to four areas are typed (65 / 4 > 15). Ties go to more evidence (the topics' scores added up), then
the newest dated evidence, then the name.

Pre-ticked to follow (the strong matches): a partnership that serves one of the areas typed firmly; for an area
that no partnership serves firmly, the partnerships with the strongest estimate there (never an edge link);
and, across the whole city, a partnership whose topic counts come to at least half (`STRONG_TOPICS`, a
published priority on half of the topics). The rest are listed, unticked.

Each partnership's score is explained in one sentence, in the reader's language, with the areas and places named
in English: "Covers 1 of your 3 areas (LS14), and has evidence on Loneliness and social connection, but none yet
on Ageing well (…)."
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from babel.lists import format_list
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.formatting import english, names
from app.models import CoverageGap, GpPractice, Lcp, LcpPostcodeDistrict, Place, Topic
from app.services.coverage import place_note, sentence
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
# How much one area counts, by how firmly the partnership serves it (see the module's docstring).
FIRM, ESTIMATE, EDGE = "firm", "estimate", "edge"
AREA_WEIGHTS = {FIRM: 1.0, ESTIMATE: 0.35, EDGE: 0.1}
AREA_POINTS = 100
TOPIC_POINTS = 15
# The evidence score that fills one topic: a published priority (app.services.topics.WEIGHTS).
TOPIC_FULL = 4
# Across the whole city, a partnership is ticked when its topic counts come to at least this share.
STRONG_TOPICS = 0.5


@dataclass
class AreaLink:
    """One area the person typed, and why it points to a partnership."""

    lcp: Lcp
    area: str
    # In the reader's language, as safe HTML with the names in it marked as English.
    reason: Markup
    # True when the link is inferred (from the places a partnership names, or a place's postcode district).
    estimate: bool = False
    # For an edge link: the places the partnership names through which alone it reaches the district.
    edge_places: list[str] = field(default_factory=list)

    @property
    def strength(self) -> str:
        if not self.estimate:
            return FIRM
        return EDGE if self.edge_places else ESTIMATE


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


def _strongest(links: list[AreaLink]) -> str:
    return max((link.strength for link in links), key=lambda strength: AREA_WEIGHTS[strength])


def _listed(items: list[str]) -> Markup:
    """Words in the reader's language (topic labels), escaped and joined as the language joins a list."""
    return Markup(format_list([str(escape(item)) for item in items], locale=get_locale() or "en_GB"))  # noqa: S704


@dataclass
class RankedLcp:
    """A partnership with its evidence on the chosen topics and the areas that make it a candidate."""

    lcp: Lcp
    evidence: list[tuple[Topic, TopicMatch]] = field(default_factory=list)
    area_links: list[AreaLink] = field(default_factory=list)
    rank: int | None = None
    preselected: bool = False
    # What the organisation chose: its topics, and its areas (labels, in order; none when it works citywide).
    chosen_topics: list[Topic] = field(default_factory=list)
    chosen_areas: list[str] = field(default_factory=list)
    # The links to each area typed, by the area's label.
    by_area: dict[str, list[AreaLink]] = field(default_factory=dict)

    @property
    def counted(self) -> list[tuple[Topic, TopicMatch]]:
        return [(topic, match) for topic, match in self.evidence if match.counts]

    @property
    def evidence_score(self) -> int:
        """The topics' evidence added up (app.services.topics.WEIGHTS): breaks ties."""
        return sum(match.score for _topic, match in self.counted)

    @property
    def topics(self) -> list[Topic]:
        """The chosen topics it has published work on, or heard from residents about."""
        return [topic for topic, _match in self.counted]

    @property
    def strengths(self) -> dict[str, str]:
        """How firmly it serves each area typed that it is linked to, by the area's label."""
        return {area: _strongest(links) for area, links in self.by_area.items() if links}

    @property
    def area_share(self) -> float:
        if not self.chosen_areas:
            return 1.0
        return sum(AREA_WEIGHTS[strength] for strength in self.strengths.values()) / len(self.chosen_areas)

    @property
    def topic_share(self) -> float:
        if not self.chosen_topics:
            return 0.0
        filled = sum(min(match.score, TOPIC_FULL) / TOPIC_FULL for _topic, match in self.counted)
        return filled / len(self.chosen_topics)

    @property
    def score(self) -> float:
        """Area coverage first, then topic work: see the module's docstring."""
        return round(AREA_POINTS * self.area_share + TOPIC_POINTS * self.topic_share, 1)

    def areas_of(self, strength: str) -> list[str]:
        return [area for area in self.chosen_areas if self.strengths.get(area) == strength]

    @property
    def firm(self) -> bool:
        return bool(self.areas_of(FIRM))

    @property
    def explanation(self) -> Markup:
        """The score in one sentence: how much of the areas it covers, and which topics it has evidence on."""
        chosen = [topic.shown_label for topic in self.chosen_topics]
        found = [topic.shown_label for topic in self.topics]
        missing = [label for label in chosen if label not in found]
        values: dict[str, Markup | int] = {
            "topics": _listed(found) if found else _listed(chosen),
            "missing": _listed(missing),
        }
        tone = "none" if not found else "some" if missing else "all"
        total = len(self.chosen_areas)
        firm, estimated, edge = self.areas_of(FIRM), self.areas_of(ESTIMATE), self.areas_of(EDGE)
        if not total:
            return sentence(_city_sentence(tone, values))
        if not self.strengths:
            return sentence(_unknown_sentence(tone, lcp=english(self.lcp.short_name), **values))
        if firm and len(firm) == total:
            return sentence(_all_areas_sentence(tone, areas=names(firm), **values))
        if firm:
            return sentence(_some_areas_sentence(tone, total, covered=len(firm), areas=names(firm), **values))
        if estimated:
            return sentence(_estimate_sentence(tone, areas=names(estimated), **values))
        places = list(dict.fromkeys(place for link in self.area_links for place in link.edge_places))
        return sentence(_edge_sentence(tone, areas=names(edge), places=names(places), **values))

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


# The sentences, one message each, so that every language words the whole sentence.


def _city_sentence(tone: str, values: dict[str, Markup | int]) -> str:
    if tone == "all":
        return _("Has evidence on %(topics)s.", **values)
    if tone == "some":
        return _("Has evidence on %(topics)s, but none yet on %(missing)s.", **values)
    return _("Has no evidence yet on %(topics)s.", **values)


def _unknown_sentence(tone: str, **values: Markup | int) -> str:
    if tone == "all":
        return _("We do not know which areas %(lcp)s covers. It has evidence on %(topics)s.", **values)
    if tone == "some":
        return _(
            "We do not know which areas %(lcp)s covers. It has evidence on %(topics)s, but none yet on %(missing)s.",
            **values,
        )
    return _("We do not know which areas %(lcp)s covers. It has no evidence yet on %(topics)s.", **values)


def _all_areas_sentence(tone: str, **values: Markup | int) -> str:
    # The areas are listed in the sentence, so it needs no count: one sentence reads right for one area or many.
    if tone == "all":
        return _("Covers every area you entered (%(areas)s), and has evidence on %(topics)s.", **values)
    if tone == "some":
        return _(
            "Covers every area you entered (%(areas)s), and has evidence on %(topics)s, but none yet on %(missing)s.",
            **values,
        )
    return _("Covers every area you entered (%(areas)s), but has no evidence yet on %(topics)s.", **values)


def _some_areas_sentence(tone: str, total: int, **values: Markup | int) -> str:
    if tone == "all":
        return ngettext(
            "Covers %(covered)d of your %(num)d area (%(areas)s), and has evidence on %(topics)s.",
            "Covers %(covered)d of your %(num)d areas (%(areas)s), and has evidence on %(topics)s.",
            total,
            **values,
        )
    if tone == "some":
        return ngettext(
            "Covers %(covered)d of your %(num)d area (%(areas)s), and has evidence on %(topics)s, but none yet on "
            "%(missing)s.",
            "Covers %(covered)d of your %(num)d areas (%(areas)s), and has evidence on %(topics)s, but none yet on "
            "%(missing)s.",
            total,
            **values,
        )
    return ngettext(
        "Covers %(covered)d of your %(num)d area (%(areas)s), but has no evidence yet on %(topics)s.",
        "Covers %(covered)d of your %(num)d areas (%(areas)s), but has no evidence yet on %(topics)s.",
        total,
        **values,
    )


def _estimate_sentence(tone: str, **values: Markup | int) -> str:
    if tone == "all":
        return _("Probably covers %(areas)s (our estimate), and has evidence on %(topics)s.", **values)
    if tone == "some":
        return _(
            "Probably covers %(areas)s (our estimate), and has evidence on %(topics)s, but none yet on %(missing)s.",
            **values,
        )
    return _("Probably covers %(areas)s (our estimate), but has no evidence yet on %(topics)s.", **values)


def _edge_sentence(tone: str, **values: Markup | int) -> str:
    # The places are listed in the sentence, so it needs no count.
    if tone == "all":
        return _(
            "Reaches %(areas)s only through places it names (%(places)s), and has evidence on %(topics)s.", **values
        )
    if tone == "some":
        return _(
            "Reaches %(areas)s only through places it names (%(places)s), and has evidence on %(topics)s, but none "
            "yet on %(missing)s.",
            **values,
        )
    return _(
        "Reaches %(areas)s only through places it names (%(places)s), but has no evidence yet on %(topics)s.",
        **values,
    )


@dataclass
class MatchResult:
    topics: list[Topic]
    areas_text: str
    citywide: bool
    terms: list[AreaTerm] = field(default_factory=list)
    # Candidates, best first: with areas typed, every partnership serving them; across the whole city, those with
    # evidence on the chosen topics.
    ranked: list[RankedLcp] = field(default_factory=list)
    # Across the whole city, the partnerships with nothing on the chosen topics, by name.
    without_evidence: list[RankedLcp] = field(default_factory=list)
    # Partnerships whose sources state no area at all, so that we cannot say whether they serve the areas typed.
    unknown_coverage: list[RankedLcp] = field(default_factory=list)
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
    def area_terms(self) -> list[AreaTerm]:
        """The areas typed, without words for the whole city."""
        return [term for term in self.terms if not term.citywide]

    @property
    def any_evidence(self) -> bool:
        return any(entry.counted for entry in self.ranked)

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
        return sum(entry.examples for entry in self.ranked + self.without_evidence + self.unknown_coverage)

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
    chosen_areas = [] if citywide else [term.label for term in result.area_terms]

    def new(lcp: Lcp) -> RankedLcp:
        return RankedLcp(lcp, chosen_topics=result.topics, chosen_areas=chosen_areas)

    candidates: dict[int, RankedLcp] = {}
    all_lcps = list(db.session.scalars(select(Lcp).order_by(Lcp.name)))
    if citywide:
        candidates = {lcp.id: new(lcp) for lcp in all_lcps}
    for term in result.terms:
        for link in term.links:
            entry = candidates.setdefault(link.lcp.id, new(link.lcp))
            entry.area_links.append(link)
            entry.by_area.setdefault(term.label, []).append(link)
    # Partnerships whose sources state nothing of where they are: neither ruled in nor out.
    unknown: dict[int, RankedLcp] = {}
    if not citywide and any(term.links or term.unlinked for term in result.terms):
        unknown = {lcp.id: new(lcp) for lcp in all_lcps if lcp.id not in candidates and _coverage_unknown(lcp)}
    for topic in result.topics:
        for topic_match in topic_matches(topic):
            found = candidates.get(topic_match.lcp.id) or unknown.get(topic_match.lcp.id)
            if found is not None:
                found.evidence.append((topic, topic_match))
    ranked = [entry for entry in candidates.values() if entry.counted or entry.area_links]
    ranked.sort(key=lambda entry: (-entry.score, -entry.evidence_score, _newest_first(entry), entry.lcp.name))
    for rank, entry in enumerate(ranked, start=1):
        entry.rank = rank
    _preselect(ranked, result.area_terms if not citywide else [], citywide)
    result.ranked = ranked
    ranked_ids = {entry.lcp.id for entry in ranked}
    result.without_evidence = sorted(
        (entry for entry in candidates.values() if entry.lcp.id not in ranked_ids), key=lambda entry: entry.lcp.name
    )
    result.unknown_coverage = sorted(unknown.values(), key=lambda entry: entry.lcp.name)
    return result


def _preselect(ranked: list[RankedLcp], terms: list[AreaTerm], citywide: bool) -> None:
    """Tick the strong matches: see the module's docstring."""
    for entry in ranked:
        entry.preselected = entry.firm or (citywide and entry.topic_share >= STRONG_TOPICS)
    for term in terms:
        strengths = {entry.lcp.id: entry.strengths.get(term.label) for entry in ranked}
        if FIRM in strengths.values() or ESTIMATE not in strengths.values():
            continue
        for entry in ranked:
            if strengths[entry.lcp.id] == ESTIMATE:
                entry.preselected = True


def _coverage_unknown(lcp: Lcp) -> bool:
    """Its sources name no area, no postcode district and no GP practice: where it works is not known."""
    return not (lcp.areas or lcp.district_links or lcp.gp_practices)


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
    # Open GP practices confirmed as a partnership's, by the postcode district of their address.
    practices: dict[str, list[GpPractice]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> _Reference:
        lcps = db.session.scalars(
            select(Lcp)
            .options(
                selectinload(Lcp.areas),
                selectinload(Lcp.district_links).selectinload(LcpPostcodeDistrict.district),
            )
            .order_by(Lcp.name)
        ).all()
        places = db.session.scalars(select(Place).order_by(Place.name)).all()
        practices: dict[str, list[GpPractice]] = {}
        for practice in db.session.scalars(
            select(GpPractice)
            .where(GpPractice.lcp_id.is_not(None), GpPractice.is_open.is_(True), GpPractice.district != "")
            .options(selectinload(GpPractice.lcp))
            .order_by(GpPractice.name)
        ):
            practices.setdefault(practice.district, []).append(practice)
        return cls(list(lcps), list(places), practices)

    def suggest(self, text: str) -> list[str]:
        """Near spellings of places, areas and partnerships (not GP practices: an organisation serves places)."""
        return NameIndex([], self.places, self.lcps).suggest(text)

    def edge_places(self, lcp: Lcp, code: str) -> list[str]:
        """The places `lcp` names that lie in district `code`, when it reaches the district only through them: its
        link there is derived, while its sources list other districts. Otherwise none."""
        links = {link.district.code: link for link in lcp.district_links}
        link = links.get(code)
        if link is None or not link.derived or all(other.derived for other in links.values()):
            return []
        by_name = {normalise(place.name): place for place in self.places}
        return [
            area.name
            for area in lcp.areas
            if (place := by_name.get(normalise(area.name))) is not None and code in place.district_list
        ]

    def practice_links(self, code: str, linked: set[int], place: Place | None = None) -> list[AreaLink]:
        """Partnerships not linked yet (`linked`) whose confirmed GP practices are in district `code`: an estimate,
        since a practice's patients may live elsewhere."""
        by_lcp: dict[int, list[GpPractice]] = {}
        for practice in self.practices.get(code, []):
            if practice.lcp is not None and practice.lcp.id not in linked:
                by_lcp.setdefault(practice.lcp.id, []).append(practice)
        links = []
        for found in by_lcp.values():
            lcp = found[0].lcp
            assert lcp is not None
            values = {
                "practices": names([practice.name for practice in found]),
                "district": escape(code),
                "lcp": english(lcp.short_name),
            }
            if place is None:
                reason = ngettext(
                    "%(practices)s, in %(district)s, is one of %(lcp)s’s GP practices.",
                    "%(practices)s, in %(district)s, are among %(lcp)s’s GP practices.",
                    len(found),
                    **values,
                )
            else:
                reason = ngettext(
                    "%(place)s is in %(district)s, where %(practices)s is one of %(lcp)s’s GP practices.",
                    "%(place)s is in %(district)s, where %(practices)s are among %(lcp)s’s GP practices.",
                    len(found),
                    place=english(place.name),
                    **values,
                )
            links.append(AreaLink(lcp, place.name if place else code, sentence(reason), estimate=True))
        return links


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
        return _read_district(text, district, sector, reference)
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
    # 3. A place: the partnerships linked to its postcode districts, or with a GP practice there, as an estimate.
    for place in places:
        for link in place_links(place):
            term.links.append(
                AreaLink(
                    link.lcp,
                    place.name,
                    link.reason,
                    estimate=link.estimate,
                    edge_places=_edge(link.lcp, place, reference),
                )
            )
        for code in place.district_list if place.in_leeds else []:
            term.links += reference.practice_links(code, {link.lcp.id for link in term.links}, place)
    if places and not term.links and not term.outside_leeds:
        term.unlinked = True


def _edge(lcp: Lcp, place: Place, reference: _Reference) -> list[str]:
    """For a place, the places `lcp` names through which alone it reaches every district of the place it is
    linked to; none if it reaches any of them more firmly."""
    codes = [link.district.code for link in lcp.district_links if link.district.code in place.district_list]
    edges = [reference.edge_places(lcp, code) for code in codes]
    if not codes or not all(edges):
        return []
    return list(dict.fromkeys(name for edge in edges for name in edge))


def _read_district(text: str, code: str, sector_code: str | None, reference: _Reference) -> AreaTerm:
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
    term.links = [
        AreaLink(
            link.lcp,
            code,
            link.reason,
            estimate=link.estimate,
            edge_places=reference.edge_places(link.lcp, code) if link.estimate else [],
        )
        for link in answer.links
    ]
    term.links += reference.practice_links(code, {link.lcp.id for link in term.links})
    term.gaps = answer.gaps
    if not term.links and not term.gaps:
        term.unlinked = True
    return term
