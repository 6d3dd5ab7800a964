"""How much of Leeds this site covers: partnerships held out of the city's total, the parts not covered yet, and
what is known of the city's edge.

The facts are data, kept with our curation (`app/data/curation.json`): which places of a boundary district are in
Leeds, the area a place outside it is in, what is known of each part not covered yet, where a partnership's list
of practices comes from. The sentences that tell people those facts are the site's own, so they are written
here, as messages for the catalogue with the facts as placeholders, and read in the reader's language. Names
stay as they are, marked as English (`app.formatting.english`).

A row whose facts our curation does not hold shows the English `note` it has, marked as English too.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup, escape
from sqlalchemy import func, select

from app.extensions import db
from app.formatting import english, names
from app.models import CoverageGap, GpPractice, Lcp, LcpPostcodeDistrict, Place, PostcodeDistrict, PostcodeSector
from app.services.reference_data import CURATION_FILE, load_json


def N_(words: str) -> str:
    """Marks words for the catalogue (Babel looks for this name); they are translated where they are shown."""
    return words


# The names of the parts of Leeds not covered yet, as our curation gives them, marked for the catalogue: they
# describe a part of the city rather than name it. tests/test_i18n.py checks this list against the curation.
GAP_NAMES = frozenset(
    {
        N_("North-east Leeds"),
        N_("Pudsey and west Leeds"),
        N_("Villages around Wetherby"),
    }
)


@cache
def _curation() -> dict[str, Any]:
    return load_json(CURATION_FILE)


def total_lcps() -> int:
    """The number of partnerships Leeds has, a public fact kept with our curation."""
    return int(_curation()["coverage"]["total_lcps"])


@dataclass
class Coverage:
    held: int
    total: int
    gaps: list[CoverageGap]
    # Open GP practices the site knows of, and how many of them have a confirmed partnership: from the data, so the
    # public pages and the staff's coverage page say the same, and both change when the programme's list is loaded.
    practices_open: int = 0
    practices_confirmed: int = 0

    @property
    def missing(self) -> int:
        return max(self.total - self.held, 0)


def coverage() -> Coverage:
    held = db.session.scalar(select(func.count()).select_from(Lcp)) or 0
    gaps = list(db.session.scalars(select(CoverageGap).order_by(CoverageGap.position)))
    open_count, confirmed = db.session.execute(
        select(func.count(), func.count(GpPractice.lcp_id)).select_from(GpPractice).where(GpPractice.is_open)
    ).one()
    return Coverage(
        held=held, total=total_lcps(), gaps=gaps, practices_open=open_count or 0, practices_confirmed=confirmed or 0
    )


# Sentences from facts ------------------------------------------------------------------------------------------


def sentence(text: str) -> Markup:
    """A sentence from the catalogue as safe HTML. The caller fills its placeholders only with words it escaped
    (`escape`) or marked as English (`english`, `names`), as the catalogue's own words are trusted like a template."""
    return Markup(text)  # noqa: S704 - the catalogue's words, with every value escaped or marked


def _in_english(note: str) -> Markup:
    """A note the facts do not cover, as its row has it: English, marked as such."""
    return english(note) if note else Markup("")


def _sentences(*parts: Markup) -> Markup:
    return Markup(" ").join(part for part in parts if part)


def district_note(district: PostcodeDistrict) -> Markup:
    """What is known of a district on the city boundary: which places are in Leeds and which are not."""
    facts = _curation()["postcode_boundaries"]["districts"].get(district.code)
    if facts is None:
        return _in_english(district.note)
    code, outside = escape(district.code), facts["outside"]
    area = english(outside["area"])
    mostly = facts.get("mostly_in")
    if mostly == "Leeds":
        most = sentence(_("Most of %(district)s is in Leeds.", district=code))
    elif mostly:
        most = sentence(_("Most of %(district)s is in %(area)s.", district=code, area=english(mostly)))
    else:
        most = Markup("")
    in_leeds = Markup("")
    if facts["leeds"]:
        in_leeds = sentence(
            ngettext(
                "%(places)s is in Leeds.", "%(places)s are in Leeds.", len(facts["leeds"]), places=names(facts["leeds"])
            )
        )
    if outside["places"]:
        beyond = sentence(
            ngettext(
                "%(places)s is in %(area)s.",
                "%(places)s are in %(area)s.",
                len(outside["places"]),
                places=names(outside["places"]),
                area=area,
            )
        )
    elif mostly != outside["area"]:
        beyond = sentence(_("A few places in %(district)s are in %(area)s.", district=code, area=area))
    else:
        beyond = Markup("")
    return _sentences(most, in_leeds, beyond)


def sector_note(sector: PostcodeSector) -> Markup:
    """Which side of the city boundary a sector such as "WF3 4" is on, and the places in it."""
    facts = next((item for item in _curation()["postcode_boundaries"]["sectors"] if item["code"] == sector.code), None)
    if facts is None:
        return _in_english(sector.note)
    places = names(facts["places"])
    if sector.in_leeds:
        return sentence(_("%(sector)s is in Leeds: %(places)s.", sector=escape(sector.code), places=places))
    return sentence(
        _(
            "%(sector)s is in %(area)s: %(places)s.",
            sector=escape(sector.code),
            area=english(facts["area"]),
            places=places,
        )
    )


def place_note(place: Place) -> Markup:
    """Where a place just beyond the city is: "Stanley is in Wakefield, not Leeds."."""
    area = next((item.get("area") for item in _curation()["places"]["places"] if item["name"] == place.name), None)
    if not area or place.in_leeds:
        return _in_english(place.note)
    return sentence(_("%(place)s is in %(area)s, not Leeds.", place=english(place.name), area=english(area)))


def link_note(link: LcpPostcodeDistrict) -> Markup:
    """Why a partnership reaches into a district its sources do not list: one of its areas lies there."""
    area = next(
        (
            item["area"]
            for item in _curation()["extra_district_links"]["links"]
            if item["lcp"] == link.lcp.slug and item["district"] == link.district.code
        ),
        None,
    )
    if area is None:
        return _in_english(link.note)
    return sentence(
        _(
            "%(area)s, one of this partnership’s areas, is in %(district)s.",
            area=english(area),
            district=escape(link.district.code),
        )
    )


def gap_name(gap: CoverageGap) -> Markup:
    """The name of a part of Leeds not covered yet, in the reader's language when the catalogue has it."""
    if gap.name in GAP_NAMES:
        return escape(_(gap.name))
    return english(gap.name)


def gap_places(gap: CoverageGap) -> Markup:
    """The places in a part of Leeds not covered yet, as a list in the reader's language."""
    return names(gap.place_list)


def gap_note(gap: CoverageGap) -> Markup:
    """What is known of a part of Leeds not covered yet."""
    facts = next((item for item in _curation()["coverage"]["gaps"] if item["name"] == gap.name), None) or {}
    why = facts.get("why")
    if why == "no_partnership":
        return sentence(_("None of the partnerships on this site covers these places; theirs is still to be added."))
    if why == "unconfirmed_locality":
        return sentence(
            _(
                "There used to be a group of %(locality)s GP practices, but we have not found a partnership for "
                "%(locality)s yet.",
                locality=english(facts["locality"]),
            )
        )
    if why == "may_be_covered":
        return sentence(
            _(
                "The %(partnership)s partnership may cover these places, but we have not confirmed it.",
                partnership=english(facts["partnership"]),
            )
        )
    return _in_english(gap.note)


def practice_note(practice: GpPractice) -> Markup:
    """What is said beside a practice's link to its partnership: that the NHS list lacks it, or a staff note."""
    if practice.ods_code is None and practice.lcp is not None:
        return sentence(
            _(
                "The partnership names this practice, but it is not in the NHS list of practices this site uses, so "
                "its address and code are not shown."
            )
        )
    return _in_english(practice.lcp_note)


def practice_district(practice: GpPractice) -> str:
    """The postcode district a practice is in: its postcode's, or for a practice the NHS list lacks (so with no
    postcode), the district our curation places it in ("The Light" on The Headrow is in LS1), else ""."""
    if practice.district:
        return practice.district
    if practice.ods_code is not None:
        return ""
    extras = _curation()["gp_practices"]["extra_practices"]
    return next((str(item.get("district", "")) for item in extras if item["name"] == practice.name), "")


def extra_practice_names(districts: list[str]) -> list[str]:
    """The practices the NHS list lacks that our curation places in one of these postcode districts."""
    wanted = set(districts)
    return [item["name"] for item in _curation()["gp_practices"]["extra_practices"] if item.get("district") in wanted]


def practice_list_note(lcp: Lcp) -> Markup:
    """Where a partnership's list of practices comes from, when it is not the partnership's own list."""
    facts = _curation()["lcps"].get(lcp.slug, {}).get("practice_list_from")
    if facts is None:
        return _in_english(lcp.gp_practices_note)
    return sentence(
        _(
            "They are the practices in the %(pcn)s primary care network (PCN) profile, with data from %(year)s; "
            "the partnership’s own list was not found.",
            pcn=english(facts["pcn_profile"]),
            year=escape(str(facts["data_year"])),
        )
    )
