"""What citywide admins change about partnerships and topics themselves: add, rename, merge, and old addresses.

A partnership's slug is its address on the site and in every feed people subscribed to, so a former
slug is kept as an `LcpRedirect` when a partnership is renamed or merged into another, and
`app/old_addresses.py` (run before every request) sends the old address on with a 301. A merge moves
everything that belongs to one partnership to another in one transaction, skipping what the target
already has, and says what it skipped. These are the building blocks, in the caller's transaction:
`app.commands.content` checks that a citywide admin asks, audits the change and commits.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import CursorResult, Table, delete, func, insert, select, update

from app.clock import utcnow
from app.extensions import db
from app.models import (
    Area,
    AuditEvent,
    FollowerLcp,
    GpPractice,
    Lcp,
    LcpPostcodeDistrict,
    LcpRedirect,
    MaturityAssessment,
    Meeting,
    Partner,
    Priority,
    PublishedResponse,
    Routing,
    SubmissionEvent,
    Topic,
    Update,
)
from app.models.lcps import lcp_resident_topic
from app.models.staff import staff_lcp

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 80
# Words the staff area's own addresses use after /admin/lcps/ and /admin/topics/.
RESERVED_SLUGS = {"new"}
LCP_FIELDS = ("slug", "name", "short_name", "summary", "confidence")
TOPIC_FIELDS = ("slug", "label", "summary")


def kebab(text: str) -> str:
    """Lower-case ASCII words joined by hyphens: "Chapeltown & Harehills" becomes "chapeltown-and-harehills"."""
    text = unicodedata.normalize("NFKD", text.replace("&", " and ")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:SLUG_MAX].strip("-")


def lcp_slug_taken(slug: str, lcp: Lcp | None = None) -> bool:
    """Whether another partnership uses this slug now or used it before (its old links still point there)."""
    if slug in RESERVED_SLUGS:
        return True
    other = db.session.scalar(select(Lcp.id).where(Lcp.slug == slug))
    former = db.session.scalar(select(LcpRedirect.lcp_id).where(LcpRedirect.old_slug == slug))
    mine = lcp.id if lcp is not None else None
    return (other is not None and other != mine) or (former is not None and former != mine)


def unique_slug(text: str, taken: Callable[[str], bool]) -> str:
    base = kebab(text) or "item"
    slug, number = base, 2
    while taken(slug):
        suffix = f"-{number}"
        slug, number = base[: SLUG_MAX - len(suffix)] + suffix, number + 1
    return slug


def slug_for(name: str) -> str:
    """A free slug for a new partnership, made from its name."""
    return unique_slug(name, lcp_slug_taken)


def slug_problem(slug: str, lcp: Lcp) -> str | None:
    if not SLUG_PATTERN.match(slug) or len(slug) > SLUG_MAX:
        return _(
            "Enter a web address name of lower-case letters and numbers joined by hyphens, such as %(example)s",
            example="leeds-west",
        )
    if lcp_slug_taken(slug, lcp):
        return _("Another partnership uses or used this web address name: choose another")
    return None


# Partnerships ---------------------------------------------------------------------------------------------------


def create_lcp(name: str, short_name: str, summary: str = "") -> Lcp:
    """A new partnership with medium confidence in its sources, marked as edited so `flask seed` leaves it alone."""
    lcp = Lcp(
        slug=slug_for(name),
        name=name.strip(),
        short_name=short_name.strip(),
        summary=summary.strip(),
        confidence="medium",
        edited_at=utcnow(),
    )
    db.session.add(lcp)
    db.session.flush()
    return lcp


def rename_problem(lcp: Lcp, slug: str) -> str | None:
    """Why the partnership cannot take this slug; None when it keeps its own or the new one is free."""
    slug = slug.strip()
    return None if slug == lcp.slug else slug_problem(slug, lcp)


def rename_lcp(lcp: Lcp, name: str, short_name: str, slug: str) -> None:
    """New names and perhaps a new slug (checked first with `rename_problem`); the old slug becomes a redirect."""
    slug = slug.strip()
    if slug != lcp.slug:
        db.session.execute(delete(LcpRedirect).where(LcpRedirect.old_slug == slug))
        db.session.add(LcpRedirect(old_slug=lcp.slug, lcp_id=lcp.id))
    lcp.name, lcp.short_name, lcp.slug = name.strip(), short_name.strip(), slug


@dataclass
class MergeSummary:
    moved: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, list[str]] = field(default_factory=dict)

    def text(self) -> str:
        parts = [f"{what}: {count}" for what, count in self.moved.items() if count]
        parts += [f"skipped {what} the target already had: {', '.join(items)}" for what, items in self.skipped.items()]
        return "; ".join(parts) or "nothing to move"


def _move(model: Any, source: Lcp, target: Lcp, **values: Any) -> int:
    result = db.session.execute(
        update(model).where(model.lcp_id == source.id).values(lcp_id=target.id, **values),
        execution_options={"synchronize_session": False},
    )
    return cast("CursorResult[Any]", result).rowcount or 0


def _move_unless(model: Any, key: Any, source: Lcp, target: Lcp, **values: Any) -> tuple[int, list[str]]:
    """Moves rows whose `key` the target does not have yet; the others stay to be deleted with the source."""
    held = select(key).where(model.lcp_id == target.id)
    skipped = [str(value) for value in db.session.scalars(select(key).where(model.lcp_id == source.id, key.in_(held)))]
    result = db.session.execute(
        update(model).where(model.lcp_id == source.id, key.not_in(held)).values(lcp_id=target.id, **values),
        execution_options={"synchronize_session": False},
    )
    return cast("CursorResult[Any]", result).rowcount or 0, skipped


def _move_links(table: Table, other: str, source: Lcp, target: Lcp) -> int:
    """Moves rows of a link table (one per LCP and something else); where both are linked, one row stays."""
    other_column, lcp_column = table.c[other], table.c["lcp_id"]
    held = select(other_column).where(lcp_column == target.id)
    rows = db.session.execute(select(table).where(lcp_column == source.id, other_column.not_in(held))).mappings()
    moving = [{**row, "lcp_id": target.id} for row in rows]
    if moving:
        db.session.execute(insert(table), moving)
    db.session.execute(delete(table).where(lcp_column == source.id))
    return len(moving)


def _next_position(model: Any, target: Lcp) -> int:
    return (db.session.scalar(select(func.max(model.position)).where(model.lcp_id == target.id)) or 0) + 1


def _move_routings(source: Lcp, target: Lcp) -> int:
    """A submission sent to both keeps the target's routing, which takes over the source's history."""
    for source_routing in db.session.scalars(
        select(Routing).where(
            Routing.lcp_id == source.id,
            Routing.submission_id.in_(select(Routing.submission_id).where(Routing.lcp_id == target.id)),
        )
    ):
        kept = db.session.scalar(
            select(Routing.id).where(Routing.lcp_id == target.id, Routing.submission_id == source_routing.submission_id)
        )
        db.session.execute(
            update(SubmissionEvent).where(SubmissionEvent.routing_id == source_routing.id).values(routing_id=kept)
        )
        db.session.delete(source_routing)
    db.session.flush()
    return _move(Routing, source, target)


def _move_everything(source: Lcp, target: Lcp) -> MergeSummary:
    summary = MergeSummary()
    moved, skipped = summary.moved, summary.skipped
    moved["areas"], skipped_areas = _move_unless(
        Area, Area.name, source, target, position=Area.position + _next_position(Area, target)
    )
    moved["GP practices"] = _move(GpPractice, source, target)
    moved["postcode districts"] = _move_links(cast(Table, LcpPostcodeDistrict.__table__), "district_id", source, target)
    moved["partners"] = _move(Partner, source, target, position=Partner.position + _next_position(Partner, target))
    moved["priorities"], skipped_priorities = _move_unless(
        Priority, Priority.title, source, target, position=Priority.position + _next_position(Priority, target)
    )
    moved["resident topics"] = _move_links(lcp_resident_topic, "topic_id", source, target)
    moved["meetings"] = _move(Meeting, source, target)
    moved["updates"] = _move(Update, source, target)
    moved["maturity assessments"], skipped_dates = _move_unless(
        MaturityAssessment, MaturityAssessment.assessed_on, source, target
    )
    moved["followers"] = _move_links(cast(Table, FollowerLcp.__table__), "follower_id", source, target)
    moved["routings"] = _move_routings(source, target)
    moved["published responses"] = _move(PublishedResponse, source, target)
    moved["staff scopes"] = _move_links(staff_lcp, "staff_user_id", source, target)
    moved["audit events"] = _move(AuditEvent, source, target)
    for what, items in (("areas", skipped_areas), ("priorities", skipped_priorities), ("assessments", skipped_dates)):
        if items:
            skipped[what] = items
    return summary


def merge_problem(source: Lcp, target: Lcp) -> str | None:
    """Why these two cannot be merged (they are one); None when they can."""
    return _("Choose a different partnership to merge into") if source.id == target.id else None


def merge_lcps(source: Lcp, target: Lcp) -> MergeSummary:
    """Moves everything of `source` into `target`, deletes `source` and sends its addresses to `target`.

    Everything loaded before is expired afterwards: `source` is gone, `target` reads afresh."""
    db.session.flush()
    summary = _move_everything(source, target)
    old_slug, source_id = source.slug, source.id
    db.session.execute(update(LcpRedirect).where(LcpRedirect.lcp_id == source_id).values(lcp_id=target.id))
    db.session.expunge(source)
    db.session.execute(delete(Lcp).where(Lcp.id == source_id))
    db.session.add(LcpRedirect(old_slug=old_slug, lcp_id=target.id))
    target.edited_at = utcnow()
    db.session.flush()
    db.session.expire_all()
    return summary


# Old addresses --------------------------------------------------------------------------------------------------


def new_slugs(old: list[str]) -> dict[str, str]:
    """The partnership slug each former slug now leads to (those that lead anywhere)."""
    rows = db.session.execute(
        select(LcpRedirect.old_slug, Lcp.slug)
        .join(Lcp, LcpRedirect.lcp_id == Lcp.id)
        .where(LcpRedirect.old_slug.in_(old))
    )
    return dict(rows.all())


# Every former slug, read again only when public content changed (renames and merges change it).
_former: dict[str, Any] = {"version": None, "slugs": frozenset()}


def former_slugs() -> frozenset[str]:
    """Every slug a partnership had before a rename or merge."""
    from app.page_cache import content_version

    version = content_version()
    if _former["version"] != version:
        _former["slugs"] = frozenset(db.session.scalars(select(LcpRedirect.old_slug)))
        _former["version"] = version
    return _former["slugs"]


def forget_former_slugs() -> None:
    """Read the former slugs again on next use (tests: a version rolled back comes round again with other rows)."""
    _former["version"] = None


# Topics ---------------------------------------------------------------------------------------------------------


def topic_label_taken(label: str, topic: Topic | None = None) -> bool:
    query = select(Topic.id).where(func.lower(Topic.label) == label.strip().lower())
    if topic is not None:
        query = query.where(Topic.id != topic.id)
    return db.session.scalar(query) is not None


def topic_slug_taken(slug: str) -> bool:
    return slug in RESERVED_SLUGS or db.session.scalar(select(Topic.id).where(Topic.slug == slug)) is not None


def topic_label_problem(label: str, topic: Topic | None = None) -> str | None:
    """Why a topic cannot have this label (another has it); None when it can."""
    if topic_label_taken(label, topic):
        return _("There is already a topic called “%(label)s”", label=label.strip())
    return None


def create_topic(label: str, summary: str = "") -> Topic:
    """A new topic at the end of the list, flushed; its slug, made from the label now, never changes."""
    position = (db.session.scalar(select(func.max(Topic.position))) or 0) + 1
    topic = Topic(
        slug=unique_slug(label, topic_slug_taken), label=label.strip(), summary=summary.strip(), position=position
    )
    db.session.add(topic)
    db.session.flush()
    return topic


def edit_topic(topic: Topic, label: str, summary: str) -> None:
    """New wording for a topic; its slug stays, because addresses use it."""
    topic.label, topic.summary = label.strip(), summary.strip()
