"""Finding a person's LCP from a GP practice, a postcode or a neighbourhood, with the reason for each answer.

LCP membership follows GP registration, so a GP practice match is the firm answer and a postcode
or place match is a guide. Names are matched in Python over the whole (small) reference list,
not with SQL `LIKE`, so that "&" and "and", apostrophes and spacing compare the same on SQLite
and PostgreSQL alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Lcp, LcpPostcodeDistrict, PostcodeDistrict

FULL_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
OUTWARD_CODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
# A postcode still being typed, such as "LS14 2": the district is already known.
PART_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) [0-9][A-Z]?$")
MIN_QUERY_LENGTH = 2


def normalise(text: str) -> str:
    text = text.casefold().replace("&", " and ")
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


def starts_a_word(needle: str, name: str) -> bool:
    """ "garforth" and "holt p" match, but "ls" does not match inside "Harehills"."""
    return f" {needle}" in f" {normalise(name)}"


@dataclass
class Reason:
    kind: str  # "gp", "postcode", "area" or "name"
    text: str
    estimated: bool = False


@dataclass
class LcpMatch:
    lcp: Lcp
    reasons: list[Reason] = field(default_factory=list)

    @property
    def by_gp(self) -> bool:
        return any(reason.kind == "gp" for reason in self.reasons)


@dataclass
class FindResult:
    query: str
    matches: list[LcpMatch] = field(default_factory=list)
    postcode: str | None = None
    district: str | None = None
    outside_leeds: bool = False
    too_short: bool = False

    @property
    def from_postcode(self) -> bool:
        return self.district is not None

    @property
    def unmapped_district(self) -> bool:
        """A Leeds postcode district that no LCP in our data names."""
        return self.from_postcode and not self.outside_leeds and not self.matches

    @property
    def summary(self) -> str | None:
        """One sentence for a postcode answer naming every LCP, e.g. "LS12 is covered by Armley and by Bramley"."""
        if not self.district or not self.matches:
            return None
        # Joined with "and by" alone: LCP names contain commas of their own.
        names = _(" and by ").join(match.lcp.short_name for match in self.matches)
        return _("%(district)s is covered by %(lcps)s.", district=self.district, lcps=names)


def parse_postcode(query: str) -> tuple[str | None, str | None]:
    """Returns (full postcode or None, outward code) when the query is a postcode or a district."""
    spaced = " ".join(query.upper().split())
    compact = spaced.replace(" ", "")
    full = FULL_POSTCODE.match(compact)
    if full:
        return f"{full.group(1)} {full.group(2)}", full.group(1)
    if OUTWARD_CODE.match(compact):
        return None, compact
    part = PART_POSTCODE.match(spaced)
    if part:
        return None, part.group(1)
    return None, None


def find(query: str) -> FindResult:
    query = " ".join(query.split())
    result = FindResult(query=query)
    if len(query) < MIN_QUERY_LENGTH:
        result.too_short = bool(query)
        return result
    postcode, district = parse_postcode(query)
    if district:
        result.postcode, result.district = postcode, district
        _match_district(result)
    if not result.matches and not result.outside_leeds:
        _match_names(result)
    return result


def _match_district(result: FindResult) -> None:
    district = db.session.scalar(
        select(PostcodeDistrict)
        .where(PostcodeDistrict.code == result.district)
        .options(selectinload(PostcodeDistrict.lcp_links).selectinload(LcpPostcodeDistrict.lcp))
    )
    if district is None or not district.in_leeds:
        result.outside_leeds = True
        return
    links = sorted(district.lcp_links, key=lambda link: (link.derived, link.lcp.name))
    for link in links:
        if link.derived:
            text = _(
                "%(district)s is one of the postcode districts we link to %(lcp)s from the places it covers.",
                district=district.code,
                lcp=link.lcp.short_name,
            )
        else:
            text = _(
                "%(lcp)s covers the %(district)s postcode district.", district=district.code, lcp=link.lcp.short_name
            )
        if link.note:
            text = f"{text} {link.note}"
        result.matches.append(LcpMatch(link.lcp, [Reason("postcode", text, estimated=link.derived)]))


def _match_names(result: FindResult) -> None:
    needle = normalise(result.query)
    if len(needle) < MIN_QUERY_LENGTH:
        return
    lcps = db.session.scalars(
        select(Lcp).options(selectinload(Lcp.gp_practices), selectinload(Lcp.areas)).order_by(Lcp.name)
    ).all()
    for lcp in lcps:
        reasons = [
            Reason(
                "gp",
                _("Your GP practice, %(practice)s, is in %(lcp)s.", practice=practice.name, lcp=lcp.short_name),
            )
            for practice in lcp.gp_practices
            if starts_a_word(needle, practice.name)
        ]
        reasons += [
            Reason(
                "area",
                _("%(area)s is one of the areas %(lcp)s covers.", area=area.name, lcp=lcp.short_name),
                estimated=True,
            )
            for area in lcp.areas
            if starts_a_word(needle, area.name)
        ]
        if starts_a_word(needle, lcp.name):
            reasons.append(Reason("name", _("The partnership's name matches “%(query)s”.", query=result.query)))
        if reasons:
            result.matches.append(LcpMatch(lcp, reasons))
    # A GP practice match is the firm answer, so it comes first.
    result.matches.sort(key=lambda match: (not match.by_gp, match.lcp.name))
