"""What people tell an LCP, where it went, what happened to it, and what was published in reply.

A `Submission` holds only what the person chose to say about a place and the people affected; it is
anonymous unless a `SubmissionContact` row exists. Nothing else ties a submission to a person: no IP
address, user agent or session is stored. Deleting the contact row (the person can, from their link)
leaves the submission anonymous. Each LCP it concerns has its own `Routing`, with its own status, so
one report about two areas is filed once and each partnership handles its part.

Staff enter phone, paper and event submissions on someone's behalf: `source` says which, and
`entered_by_id` will name the staff member once staff accounts exist.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import Model
from app.models.activity import AgendaItem
from app.models.lcps import Lcp
from app.models.staff import StaffUser
from app.models.topics import Topic, topic_link_table

submission_topic = topic_link_table("submission_topic", "submission")

SOURCES = ("web", "phone", "paper", "event")
SPEAKS_FOR = ("self", "organisation")
AGE_GROUPS = ("children", "young-people", "adults", "older-people")
GROUPS = (
    "carers",
    "disability",
    "long-term-conditions",
    "mental-health",
    "asylum-refugees",
    "ethnic-minorities",
    "lgbtq",
    "low-income",
    "homeless",
)
# The states of one partnership's handling, in order; each has a resident-facing wording on /track.
STATUSES = ("received", "looking", "shared", "acted", "closed")


def _words(values: str, allowed: tuple[str, ...]) -> list[str]:
    return [value for value in values.split() if value in allowed]


def _join(values: list[str], allowed: tuple[str, ...]) -> str:
    return " ".join(value for value in allowed if value in values)


class Submission(Model):
    __tablename__ = "submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Eight characters from an alphabet without look-alikes, chosen at random: see services.sharing.
    receipt_code: Mapped[str] = mapped_column(String(12), unique=True)
    body: Mapped[str] = mapped_column(Text)
    neighbourhood: Mapped[str] = mapped_column(String(200), default="")
    # Space-separated values from AGE_GROUPS and GROUPS.
    age_groups: Mapped[str] = mapped_column(String(200), default="")
    groups: Mapped[str] = mapped_column(String(300), default="")
    speaks_for: Mapped[str] = mapped_column(String(20), default="self")
    organisation_name: Mapped[str] = mapped_column(String(200), default="")
    # How many people an organisation speaks for.
    people_count: Mapped[int | None]
    # The person did not know their LCP: staff route it.
    lcp_unsure: Mapped[bool] = mapped_column(default=False)
    # The person agreed that their words may be quoted on the site, without their name.
    may_publish_words: Mapped[bool] = mapped_column(default=False)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id", ondelete="SET NULL"), index=True)
    source: Mapped[str] = mapped_column(String(20), default="web")
    # The staff member who entered a phone, paper or event submission on someone's behalf.
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    # Set when staff mark this as saying the same as another submission; its people are kept informed.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id", ondelete="SET NULL"), index=True)
    # Set when staff count this as the same issue as another, still open, submission: the other's "raised by N
    # people" counts it. Unlike `duplicate_of_id` nothing is closed.
    same_issue_as_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id", ondelete="SET NULL"), index=True)
    language: Mapped[str] = mapped_column(String(10), default="en_GB")
    # "Urgent: check today": set when what they wrote matched the reviewed list of urgent phrases
    # (app/data/urgent-phrases, services.safety) or when staff marked it; None when it is not, or no longer, urgent.
    urgent_at: Mapped[datetime | None] = mapped_column(index=True)
    # The phrases that matched, one per line, for staff ("" when staff marked it by hand).
    urgent_words: Mapped[str] = mapped_column(Text, default="", server_default="")
    # When the daily check told the citywide admins that nobody had opened it within a day of being marked.
    urgent_escalated_at: Mapped[datetime | None]
    # The words as staff prepared them for quoting: other people's details and any names replaced by "[removed]".
    # A reply can quote the person only through this (services.safety.redact); the original stays for staff only.
    # Who prepared it is in the history ("quote-prepared" events) and the audit log.
    quote_text: Mapped[str | None] = mapped_column(Text)
    quote_prepared_at: Mapped[datetime | None]
    # A random value from the form, so a form sent twice is stored once.
    form_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    is_demo: Mapped[bool] = mapped_column(default=False, index=True)

    topics: Mapped[list[Topic]] = relationship(secondary=submission_topic, order_by="Topic.position")
    agenda_item: Mapped[AgendaItem | None] = relationship()
    duplicate_of: Mapped[Submission | None] = relationship(remote_side=[id], foreign_keys=[duplicate_of_id])
    same_issue_as: Mapped[Submission | None] = relationship(remote_side=[id], foreign_keys=[same_issue_as_id])
    contact: Mapped[SubmissionContact | None] = relationship(
        back_populates="submission", cascade="all, delete-orphan", passive_deletes=True
    )
    routings: Mapped[list[Routing]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", passive_deletes=True, order_by="Routing.id"
    )
    events: Mapped[list[SubmissionEvent]] = relationship(
        back_populates="submission",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="(SubmissionEvent.created_at, SubmissionEvent.id)",
    )
    responses: Mapped[list[PublishedResponse]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", passive_deletes=True, order_by="PublishedResponse.id"
    )

    @property
    def age_group_list(self) -> list[str]:
        return _words(self.age_groups, AGE_GROUPS)

    @age_group_list.setter
    def age_group_list(self, values: list[str]) -> None:
        self.age_groups = _join(values, AGE_GROUPS)

    @property
    def group_list(self) -> list[str]:
        return _words(self.groups, GROUPS)

    @group_list.setter
    def group_list(self, values: list[str]) -> None:
        self.groups = _join(values, GROUPS)

    @property
    def anonymous(self) -> bool:
        return self.contact is None

    @property
    def urgent(self) -> bool:
        return self.urgent_at is not None

    @property
    def urgent_word_list(self) -> list[str]:
        return [line for line in self.urgent_words.splitlines() if line.strip()]

    def __repr__(self) -> str:
        return f"<Submission {self.id}>"


class SubmissionContact(Model):
    """The only personal data a submission can have, and only when the person chose to leave it."""

    __tablename__ = "submission_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), index=True)
    # Staff may get in touch about it.
    may_contact: Mapped[bool] = mapped_column(default=False)
    # Staff may pass the person's words to the partner organisations named on the LCP's page.
    may_share: Mapped[bool] = mapped_column(default=False)
    # Email the person when a status changes, a reply is published or a decision is recorded.
    wants_updates: Mapped[bool] = mapped_column(default=False)
    # Which wording of the choices the person saw (services.sharing.CONTACT_WORDING_VERSION).
    wording_version: Mapped[str] = mapped_column(String(20), default="")
    link_key: Mapped[str] = mapped_column(String(40), default=lambda: secrets.token_urlsafe(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="contact")


class Routing(Model):
    """One submission in the hands of one LCP, with that partnership's status, assignee, tags and notes.

    The inbox pages through routings by (`created_at`, `id`) within the person's LCPs, so the index on
    those three columns keeps page 1,000 as quick as page 1.
    """

    __tablename__ = "routing"
    __table_args__ = (
        UniqueConstraint("submission_id", "lcp_id"),
        Index("ix_routing_inbox", "lcp_id", "created_at", "id"),
        Index("ix_routing_lcp_status", "lcp_id", "status"),
        Index("ix_routing_lcp_opened", "lcp_id", "opened_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    lcp_id: Mapped[int] = mapped_column(ForeignKey("lcp.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="received", index=True)
    # Why it was closed, or anything else the person should read beside the status.
    status_reason: Mapped[str] = mapped_column(Text, default="")
    # The person added something that staff have not looked at yet.
    has_new_follow_up: Mapped[bool] = mapped_column(default=False)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"), index=True)
    # Staff's own labels, lower-case words joined by hyphens, separated by spaces.
    tags: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # When staff first answered (a status change from received, or a published reply): for the figures.
    first_response_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When a member of the partnership's staff first opened the item's page: until then it is "New".
    opened_at: Mapped[datetime | None]
    # One more with each staff change (status, assignee, tags, reply): a form carries the version it was drawn
    # from, and a change to an item someone else changed since is refused, showing what they did.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    submission: Mapped[Submission] = relationship(back_populates="routings")
    lcp: Mapped[Lcp] = relationship()
    assignee: Mapped[StaffUser | None] = relationship()
    notes: Mapped[list[RoutingNote]] = relationship(
        back_populates="routing", cascade="all, delete-orphan", passive_deletes=True, order_by="RoutingNote.id"
    )

    @property
    def tag_list(self) -> list[str]:
        return self.tags.split()


class RoutingNote(Model):
    """An internal note on one LCP's handling of a submission; never shown to the person or another LCP."""

    __tablename__ = "routing_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    routing_id: Mapped[int] = mapped_column(ForeignKey("routing.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    routing: Mapped[Routing] = relationship(back_populates="notes")
    author: Mapped[StaffUser | None] = relationship()


class ThemeAlert(Model):
    """N items on one topic reached an LCP within its period: raised once per LCP, topic and period."""

    __tablename__ = "theme_alert"
    __table_args__ = (UniqueConstraint("lcp_id", "topic_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lcp_id: Mapped[int] = mapped_column(ForeignKey("lcp.id", ondelete="CASCADE"), index=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id", ondelete="CASCADE"))
    period_start: Mapped[date]
    count: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lcp: Mapped[Lcp] = relationship()
    topic: Mapped[Topic] = relationship()


class SubmissionEvent(Model):
    """One entry in a submission's history: received, routed, a follow-up, a status change, a reply, a decision.

    `public` events are shown on /track; the others (such as a follow-up's words) only to staff.
    """

    __tablename__ = "submission_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    routing_id: Mapped[int | None] = mapped_column(ForeignKey("routing.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # person, staff or system.
    actor: Mapped[str] = mapped_column(String(20), default="system")
    # The staff member, when `actor` is staff.
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    public: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="events")
    routing: Mapped[Routing | None] = relationship()
    # Who it was, for the staff history's sentences ("Sam Patel changed the status to …"); None for a former one.
    staff: Mapped[StaffUser | None] = relationship(viewonly=True)


class PublishedResponse(Model):
    """A "you said, we did" reply, published on the LCP's page and feed. Staff choose what to publish;
    the person's own words are shown only when `quote_words` is set and they agreed to it (and have not withdrawn
    it since), and then only as staff prepared them (`quote_text`, with other people's details removed)."""

    __tablename__ = "published_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    lcp_id: Mapped[int] = mapped_column(ForeignKey("lcp.id", ondelete="CASCADE"), index=True)
    you_said: Mapped[str] = mapped_column(Text)
    we_did: Mapped[str] = mapped_column(Text)
    quote_words: Mapped[bool] = mapped_column(default=False)
    # The words quoted, as staff prepared them when publishing (Submission.quote_text): never the original.
    quote_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    published_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    is_demo: Mapped[bool] = mapped_column(default=False, index=True)

    submission: Mapped[Submission] = relationship(back_populates="responses")
    lcp: Mapped[Lcp] = relationship()

    @property
    def quote(self) -> str:
        """The person's words as prepared for quoting, only when they agreed (and still do) and staff chose to show
        them."""
        return self.quote_text if self.quote_words and self.submission.may_publish_words else ""


class ReplyTemplate(Model):
    """A reply a partnership's staff (or, with no `lcp_id`, every partnership's) start from: it fills the "we did"
    box and may set the status. Staff edit it before publishing. `translations` hold it in other languages."""

    __tablename__ = "reply_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    lcp_id: Mapped[int | None] = mapped_column(ForeignKey("lcp.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    # The status publishing with this template moves the item to; "" leaves the usual rule.
    status: Mapped[str] = mapped_column(String(20), default="", server_default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    lcp: Mapped[Lcp | None] = relationship()
    translations: Mapped[list[ReplyTemplateTranslation]] = relationship(
        back_populates="template",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ReplyTemplateTranslation.language",
    )


class ReplyTemplateTranslation(Model):
    """A reply template in another language, used when the item was written in that language."""

    __tablename__ = "reply_template_translation"
    __table_args__ = (UniqueConstraint("template_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("reply_template.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    template: Mapped[ReplyTemplate] = relationship(back_populates="translations")
