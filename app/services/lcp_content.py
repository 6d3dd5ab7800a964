"""The rules for a partnership's public facts as staff change them: its page, priorities and GP practices.

Text from the forms is read here (one area a line, "Name | kind" for partners, outward codes for
districts), so the staff views stay short. Every change sets the rows it touches and stamps the LCP
or practice so `flask seed` leaves it alone afterwards, in the caller's transaction:
`app.commands.content` checks who may, audits it and commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from app.clock import utcnow
from app.extensions import db
from app.models import Area, GpPractice, Lcp, LcpPostcodeDistrict, Partner, PostcodeDistrict, Priority, StaffUser, Topic
from app.services import audit

SUMMARY_LIMIT = 5000
AREA_LIMIT = 50
AREA_NAME_LIMIT = 120
PARTNER_LIMIT = 100
PARTNER_NAME_LIMIT = 200
PARTNER_KIND_LIMIT = 120


class ContentProblem(ValueError):
    """Text a person typed that cannot be saved; the message says what to change."""


@dataclass
class PageChanges:
    """What the page form holds, already read and checked."""

    summary: str
    contact_email: str | None
    areas: list[str]
    districts: list[str]
    partners: list[tuple[str, str]] = field(default_factory=list)


def lines(text: str | None) -> list[str]:
    """The non-empty lines of a box, trimmed, each once (the first spelling kept)."""
    seen: dict[str, str] = {}
    for line in (text or "").splitlines():
        line = " ".join(line.split())
        if line and line.casefold() not in seen:
            seen[line.casefold()] = line
    return list(seen.values())


def area_names(text: str | None) -> list[str]:
    """One area a line, at most 50, each short enough to show in a sentence."""
    names = lines(text)
    if len(names) > AREA_LIMIT:
        raise ContentProblem(_("Enter %(number)d areas or fewer", number=AREA_LIMIT))
    too_long = [name for name in names if len(name) > AREA_NAME_LIMIT]
    if too_long:
        raise ContentProblem(
            _(
                "Area names must be %(number)d characters or fewer: shorten “%(name)s”",
                number=AREA_NAME_LIMIT,
                name=too_long[0][:40],
            )
        )
    return names


def district_codes(text: str | None) -> list[str]:
    """Outward codes separated by spaces or commas, upper-cased, each once; every one must be a known district."""
    codes = list(dict.fromkeys(code.upper() for code in re.split(r"[\s,;]+", text or "") if code))
    known = set(db.session.scalars(select(PostcodeDistrict.code).where(PostcodeDistrict.code.in_(codes))))
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise ContentProblem(
            ngettext(
                "We do not know the postcode district %(codes)s. Enter outward codes of Leeds, like LS12 or WF3",
                "We do not know the postcode districts %(codes)s. Enter outward codes of Leeds, like LS12 or WF3",
                len(unknown),
                codes=", ".join(unknown),
            )
        )
    return codes


def partner_rows(text: str | None) -> list[tuple[str, str]]:
    """ "Name | kind" a line; the kind may be left out."""
    rows: dict[str, tuple[str, str]] = {}
    for line in lines(text):
        name, _bar, kind = (part.strip() for part in line.partition("|"))
        if not name:
            raise ContentProblem(_("Each partner needs a name before the | sign"))
        if len(name) > PARTNER_NAME_LIMIT or len(kind) > PARTNER_KIND_LIMIT:
            raise ContentProblem(
                _(
                    "Partner names must be %(name)d characters or fewer, kinds %(kind)d or fewer: shorten “%(line)s”",
                    name=PARTNER_NAME_LIMIT,
                    kind=PARTNER_KIND_LIMIT,
                    line=line[:40],
                )
            )
        rows.setdefault(name.casefold(), (name, kind))
    if len(rows) > PARTNER_LIMIT:
        raise ContentProblem(_("Enter %(number)d partners or fewer", number=PARTNER_LIMIT))
    return list(rows.values())


# The page ------------------------------------------------------------------------------------------------------


def page_facts(lcp: Lcp) -> dict[str, Any]:
    """The facts the page form changes, as plain values for the form and the audit log."""
    return {
        "summary": lcp.summary,
        "contact_email": lcp.contact_email or "",
        "areas": [area.name for area in lcp.areas],
        "districts": sorted(link.district.code for link in lcp.district_links),
        "partners": [f"{partner.name} | {partner.kind}" if partner.kind else partner.name for partner in lcp.partners],
    }


def save_page(lcp: Lcp, changes: PageChanges) -> tuple[dict[str, Any], dict[str, Any]]:
    """Applies the page form in the caller's transaction; returns the facts that changed, before and after (both
    empty when nothing did)."""
    before = page_facts(lcp)
    lcp.summary = changes.summary
    lcp.contact_email = changes.contact_email or None
    set_areas(lcp, changes.areas)
    set_districts(lcp, changes.districts)
    set_partners(lcp, changes.partners)
    old, new = audit.changed(before, page_facts(lcp))
    if new:
        lcp.edited_at = utcnow()
    return old, new


def set_areas(lcp: Lcp, names: list[str]) -> None:
    """Keeps the rows of areas still named (their kind too), in the new order; adds the new, drops the rest."""
    existing = {area.name: area for area in lcp.areas}
    lcp.areas = [existing.get(name) or Area(name=name) for name in names]
    for position, area in enumerate(lcp.areas):
        area.position = position


def set_districts(lcp: Lcp, codes: list[str]) -> None:
    """Keeps links that remain (with their note and whether derived); new ones are stated, not derived."""
    current = {link.district.code: link for link in lcp.district_links}
    missing = [code for code in codes if code not in current]
    districts = {
        d.code: d for d in db.session.scalars(select(PostcodeDistrict).where(PostcodeDistrict.code.in_(missing)))
    }
    lcp.district_links = [
        current.get(code) or LcpPostcodeDistrict(district=districts[code], derived=False, note="") for code in codes
    ]


def set_partners(lcp: Lcp, rows: list[tuple[str, str]]) -> None:
    """Keeps the rows of partners still named, with the kind now given, in the new order."""
    existing = {partner.name: partner for partner in lcp.partners}
    lcp.partners = [existing.get(name) or Partner(name=name) for name, _kind in rows]
    for position, (partner, (_name, kind)) in enumerate(zip(lcp.partners, rows, strict=True)):
        partner.kind, partner.position = kind, position


# Priorities ----------------------------------------------------------------------------------------------------

PRIORITY_FIELDS = ("title", "summary", "topics")


def all_topics() -> list[Topic]:
    """Every topic, in the order the site lists them, for the checkboxes."""
    return list(db.session.scalars(select(Topic).order_by(Topic.position)))


def title_taken(lcp: Lcp, title: str, priority: Priority | None = None) -> bool:
    """Whether another priority of this LCP has the title, in any case."""
    query = select(Priority.id).where(Priority.lcp_id == lcp.id, func.lower(Priority.title) == title.strip().lower())
    if priority is not None and priority.id is not None:
        query = query.where(Priority.id != priority.id)
    return db.session.scalar(query) is not None


def priority_title_problem(lcp: Lcp, title: str, priority: Priority | None = None) -> str | None:
    """Why the title cannot be used (another priority of the LCP has it); None when it can."""
    if not title_taken(lcp, title, priority):
        return None
    return _(
        "%(lcp)s already has a priority called “%(title)s”. Use another title",
        lcp=lcp.short_name,
        title=title.strip(),
    )


def set_priority(lcp: Lcp, priority: Priority | None, title: str, summary: str, topic_slugs: list[str]) -> Priority:
    """Adds a priority at the end of the list (`priority` None), or changes one, and flushes it."""
    if priority is None:
        last = db.session.scalar(select(func.max(Priority.position)).where(Priority.lcp_id == lcp.id))
        priority = Priority(lcp_id=lcp.id, position=(last or 0) + 1, title="", summary="")
        db.session.add(priority)
    priority.title, priority.summary = title.strip(), summary.strip()
    priority.topics = [topic for topic in all_topics() if topic.slug in topic_slugs]
    db.session.flush()
    return priority


def delete_priority(priority: Priority) -> None:
    """Removes a priority from the public page and stamps the LCP as edited."""
    priority.lcp.edited_at = utcnow()
    db.session.delete(priority)


# GP practices --------------------------------------------------------------------------------------------------


def move_refused(other: Lcp) -> str:
    """Why a practice of another partnership stays there: only a citywide admin may move it."""
    return _("This practice is linked to %(lcp)s. Only a citywide admin can move it.", lcp=other.name)


def normalise_ods(code: str | None) -> str:
    """ " b86003 " becomes "B86003"."""
    return "".join((code or "").split()).upper()


def practice_by_ods(code: str | None) -> GpPractice | None:
    """A practice in the full Leeds list, open or closed, by its ODS code typed in any case."""
    code = normalise_ods(code)
    return db.session.scalar(select(GpPractice).where(GpPractice.ods_code == code)) if code else None


def unconfirmed_practices() -> list[GpPractice]:
    """Open practices with an ODS code whose partnership nobody has confirmed, for staff to link."""
    return list(
        db.session.scalars(
            select(GpPractice)
            .where(GpPractice.lcp_id.is_(None), GpPractice.is_open, GpPractice.ods_code.is_not(None))
            .order_by(GpPractice.name)
        )
    )


def link_state(practice: GpPractice) -> dict[str, Any]:
    """Which LCP a practice is linked to and on whose word, for the audit log."""
    return {
        "lcp": practice.lcp.slug if practice.lcp else None,
        "source": practice.lcp_source,
        "confirmed_by": practice.lcp_confirmed_by,
    }


def link_practice(lcp: Lcp, practice: GpPractice, source: str, note: str, user: StaffUser | None) -> None:
    """Ties a practice to this LCP (the command decides whether it may move from another)."""
    practice.lcp, practice.lcp_source, practice.lcp_note = lcp, source.strip(), note.strip()
    practice.lcp_confirmed_by, practice.lcp_import_id = "staff", None
    stamp(practice, user)


def unlink_practice(practice: GpPractice, user: StaffUser | None) -> None:
    """Leaves the practice with no confirmed LCP; the stamp keeps `flask seed` from linking it again."""
    practice.lcp, practice.lcp_source, practice.lcp_note = None, "", ""
    practice.lcp_confirmed_by, practice.lcp_import_id = "", None
    stamp(practice, user)


def stamp(practice: GpPractice, user: StaffUser | None) -> None:
    """Who last linked or unlinked the practice (nobody named from the command line), and when; `flask seed`
    leaves it alone from then on."""
    practice.lcp_linked_at = utcnow()
    practice.lcp_linked_by_id = user.id if user is not None else None
