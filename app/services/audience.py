"""Who follows a person's partnerships: counts for all staff, and the followers who agreed to be contacted.

Only confirmed followers exist here: a row whose owner has not opened the confirmation link is never counted,
listed or exported. A follower is *contactable* by the teams of the partnerships they follow only while they
have "contact" among their interests and an active (not withdrawn) "contact" consent; everyone else is
counted but never named.

Counts come from group-by queries (one row per LCP, topic or both), never from loading followers, so the page
costs the same with tens of thousands of them. The contactable list is paged by keyset on (`confirmed_at`,
`id`), as the inbox is, so no page needs an OFFSET; the export reads the same order in batches.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Exists, Select, Subquery, and_, case, exists, func, literal, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Consent, Follower, FollowerLcp, Lcp, Topic
from app.models.people import INTERESTS, follower_topic
from app.services import keyset
from app.services.people import active_consent

PAGE_SIZE = 50
EXPORT_BATCH = 500


# Who counts, and who may be contacted -----------------------------------------------------------------------------


def _has_interest(value: str) -> ColumnElement[bool]:
    """Whether the space-separated `interests` holds this value (as a whole word)."""
    return (literal(" ") + Follower.interests + literal(" ")).like(f"% {value} %")


def _contact_agreed() -> Exists:
    """An active "contact" consent of the follower in the enclosing query."""
    return exists().where(
        Consent.follower_id == Follower.id, Consent.purpose == "contact", Consent.withdrawn_at.is_(None)
    )


def contactable_clause() -> ColumnElement[bool]:
    """The rule, as SQL: the person asked to be contacted and has not withdrawn the consent that goes with it."""
    return and_(_has_interest("contact"), _contact_agreed())


def _contact_agreed_ids() -> Subquery:
    """Followers with an active "contact" consent, for an outer join (a subquery inside an aggregate is avoided)."""
    return (
        select(Consent.follower_id)
        .where(Consent.purpose == "contact", Consent.withdrawn_at.is_(None))
        .group_by(Consent.follower_id)
        .subquery("contact_agreed")
    )


# Counts -----------------------------------------------------------------------------------------------------------


@dataclass
class Counts:
    """Confirmed followers of one LCP (or of several, each person once)."""

    followers: int = 0
    residents: int = 0
    organisations: int = 0
    contactable: int = 0
    interests: dict[str, int] = field(default_factory=lambda: dict.fromkeys(INTERESTS, 0))

    @property
    def not_contactable(self) -> int:
        return self.followers - self.contactable


@dataclass
class Summary:
    """What the people page counts for a list of LCPs."""

    lcps: list[Lcp]
    per_lcp: dict[int, Counts]
    # Each follower once, however many of the LCPs they follow.
    overall: Counts
    topics: list[Topic]
    # topic id -> followers (each once) across all the LCPs; and LCP id -> topic id -> followers of that LCP.
    topics_overall: dict[int, int]
    topics_per_lcp: dict[int, dict[int, int]]

    def counts(self, lcp: Lcp) -> Counts:
        return self.per_lcp.get(lcp.id) or Counts()

    def topic_count(self, topic: Topic, lcp: Lcp | None = None) -> int:
        if lcp is None:
            return self.topics_overall.get(topic.id, 0)
        return self.topics_per_lcp.get(lcp.id, {}).get(topic.id, 0)


def _count_columns(agreed: Subquery) -> list[ColumnElement[Any]]:
    contactable = and_(_has_interest("contact"), agreed.c.follower_id.is_not(None))
    return [
        func.count(Follower.id),
        func.coalesce(func.sum(case((Follower.kind == "resident", 1), else_=0)), 0),
        func.coalesce(func.sum(case((Follower.kind == "organisation", 1), else_=0)), 0),
        func.coalesce(func.sum(case((contactable, 1), else_=0)), 0),
        *(func.coalesce(func.sum(case((_has_interest(value), 1), else_=0)), 0) for value in INTERESTS),
    ]


def _counts(values: Iterable[Any]) -> Counts:
    followers, residents, organisations, contactable, *interests = (int(value or 0) for value in values)
    return Counts(followers, residents, organisations, contactable, dict(zip(INTERESTS, interests, strict=True)))


def _following_any(lcp_ids: list[int]) -> ColumnElement[bool]:
    return Follower.id.in_(select(FollowerLcp.follower_id).where(FollowerLcp.lcp_id.in_(lcp_ids)))


def summary(lcps: list[Lcp]) -> Summary:
    """Counts of confirmed followers for each of these LCPs and across them all: who, what they want, their topics."""
    ids = [lcp.id for lcp in lcps] or [-1]
    confirmed = Follower.confirmed_at.is_not(None)

    agreed = _contact_agreed_ids()
    per_lcp = {
        row[0]: _counts(row[1:])
        for row in db.session.execute(
            select(FollowerLcp.lcp_id, *_count_columns(agreed))
            .select_from(FollowerLcp)
            .join(Follower, Follower.id == FollowerLcp.follower_id)
            .outerjoin(agreed, agreed.c.follower_id == Follower.id)
            .where(confirmed, FollowerLcp.lcp_id.in_(ids))
            .group_by(FollowerLcp.lcp_id)
            .order_by(FollowerLcp.lcp_id)
        )
    }
    agreed = _contact_agreed_ids()
    overall = _counts(
        db.session.execute(
            select(*_count_columns(agreed))
            .select_from(Follower)
            .outerjoin(agreed, agreed.c.follower_id == Follower.id)
            .where(confirmed, _following_any(ids))
        ).one()
    )

    topics_per_lcp: dict[int, dict[int, int]] = {}
    for lcp_id, topic_id, count in db.session.execute(
        select(FollowerLcp.lcp_id, follower_topic.c.topic_id, func.count())
        .select_from(FollowerLcp)
        .join(Follower, Follower.id == FollowerLcp.follower_id)
        .join(follower_topic, follower_topic.c.follower_id == Follower.id)
        .where(confirmed, FollowerLcp.lcp_id.in_(ids))
        .group_by(FollowerLcp.lcp_id, follower_topic.c.topic_id)
        .order_by(FollowerLcp.lcp_id, follower_topic.c.topic_id)
    ):
        topics_per_lcp.setdefault(lcp_id, {})[topic_id] = count
    topics_overall: dict[int, int] = dict(
        db.session.execute(
            select(follower_topic.c.topic_id, func.count())
            .select_from(follower_topic)
            .join(Follower, Follower.id == follower_topic.c.follower_id)
            .where(confirmed, _following_any(ids))
            .group_by(follower_topic.c.topic_id)
            .order_by(follower_topic.c.topic_id)
        ).all()
    )
    topics = list(db.session.scalars(select(Topic).order_by(Topic.position, Topic.label, Topic.id)))
    return Summary(list(lcps), per_lcp, overall, topics, topics_overall, topics_per_lcp)


# The contactable followers of one LCP -----------------------------------------------------------------------------


def _contactable_query(lcp: Lcp) -> Select[Any]:
    return (
        select(Follower)
        .join(FollowerLcp, and_(FollowerLcp.follower_id == Follower.id, FollowerLcp.lcp_id == lcp.id))
        .where(Follower.confirmed_at.is_not(None), contactable_clause())
    )


@dataclass
class FollowerPage:
    followers: list[Follower]
    # Cursors for the next page and the page before; None when there is none.
    next_after: str | None
    previous_before: str | None


def contactable_page(
    lcp: Lcp, after: str | None = None, before: str | None = None, size: int = PAGE_SIZE
) -> FollowerPage:
    """One page of the LCP's contactable followers, longest-standing first, after (or before) a keyset cursor."""
    found = keyset.page(
        _contactable_query(lcp),
        Follower.confirmed_at,
        Follower.id,
        newest_first=False,
        after=after,
        before=before,
        size=size,
        options=(selectinload(Follower.topics), selectinload(Follower.lcps), selectinload(Follower.consents)),
    )
    return FollowerPage(found.rows, found.next_after, found.previous_before)


def contactable(lcp: Lcp, batch: int = EXPORT_BATCH) -> Iterator[Follower]:
    """Every contactable follower of the LCP in the page's order, read in keyset batches."""
    after: str | None = None
    while True:
        page = contactable_page(lcp, after=after, size=batch)
        yield from page.followers
        if page.next_after is None:
            return
        after = page.next_after


# The export -------------------------------------------------------------------------------------------------------


def _when(moment: datetime | None) -> str:
    """Naive UTC as ISO 8601 with its zone, as the person's own data download writes it."""
    return moment.isoformat(timespec="seconds") + "Z" if moment else ""


def export_header() -> list[str]:
    return [
        _("Email address"),
        _("Registered as"),
        _("Organisation name"),
        _("Organisation type"),
        _("Reach"),
        _("Areas served"),
        _("Partnerships followed"),
        _("Topics followed"),
        _("Interests"),
        _("Digest frequency"),
        _("Language"),
        _("Confirmed at"),
        _("Contact agreed at"),
    ]


def export_row(follower: Follower) -> list[str]:
    """One follower as a spreadsheet row; stored values stay as stored, so a spreadsheet can filter on them."""
    consent = active_consent(follower, "contact")
    return [
        follower.email,
        follower.kind,
        follower.organisation_name,
        follower.organisation_type,
        follower.organisation_reach,
        follower.organisation_areas,
        "; ".join(lcp.name for lcp in follower.lcps),
        "; ".join(topic.label for topic in follower.topics),
        "; ".join(follower.interest_list),
        follower.frequency,
        follower.language,
        _when(follower.confirmed_at),
        _when(consent.given_at if consent else None),
    ]


def export_rows(lcp: Lcp) -> Iterator[list[str]]:
    for follower in contactable(lcp):
        yield export_row(follower)
