"""Local Care Partnerships and what defines them: areas, GP practices, postcode districts, partners, priorities."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from markupsafe import Markup
from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import Model
from app.models.topics import Topic, topic_link_table

if TYPE_CHECKING:
    from app.models.activity import Meeting, Update
    from app.models.maturity import MaturityAssessment

priority_topic = topic_link_table("priority_topic", "priority")
lcp_resident_topic = topic_link_table("lcp_resident_topic", "lcp")


class Lcp(Model):
    __tablename__ = "lcp"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The name people use in a sentence, e.g. "LS25 & LS26" or "HATCH".
    short_name: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(Text, default="")
    # How well the public sources establish this partnership: high, medium or low.
    confidence: Mapped[str] = mapped_column(String(10), default="high")
    population: Mapped[int | None]
    population_note: Mapped[str] = mapped_column(Text, default="")
    health_context: Mapped[str] = mapped_column(Text, default="")
    community_profile: Mapped[str] = mapped_column(Text, default="")
    residents_said: Mapped[str] = mapped_column(Text, default="")
    # The compiler's notes on the sources, for staff checking the facts; not shown to the public.
    source_notes: Mapped[str] = mapped_column(Text, default="")
    gp_practices_note: Mapped[str] = mapped_column(Text, default="")
    areas_note: Mapped[str] = mapped_column(Text, default="")
    sources: Mapped[str] = mapped_column(Text, default="")  # one URL a line
    contact_email: Mapped[str | None] = mapped_column(String(200))
    # Set when staff first change this partnership or its lists; `flask seed` then leaves it alone.
    edited_at: Mapped[datetime | None]
    # Theme alerts: staff are told when this many items on one topic arrive within this many days.
    theme_alert_count: Mapped[int] = mapped_column(default=5, server_default="5")
    theme_alert_days: Mapped[int] = mapped_column(default=14, server_default="14")
    # How many working days (England's bank holidays excluded) the partnership aims to take to first answer an
    # item: the inbox counts down to it and the public scorecard states it beside the median.
    response_target_days: Mapped[int] = mapped_column(default=10, server_default="10")

    areas: Mapped[list[Area]] = relationship(
        back_populates="lcp", order_by="Area.position", cascade="all, delete-orphan"
    )
    gp_practices: Mapped[list[GpPractice]] = relationship(
        back_populates="lcp", order_by="GpPractice.name", passive_deletes=True
    )
    district_links: Mapped[list[LcpPostcodeDistrict]] = relationship(back_populates="lcp", cascade="all, delete-orphan")
    partners: Mapped[list[Partner]] = relationship(
        back_populates="lcp", order_by="Partner.position", cascade="all, delete-orphan"
    )
    priorities: Mapped[list[Priority]] = relationship(
        back_populates="lcp", order_by="Priority.position", cascade="all, delete-orphan"
    )
    resident_topics: Mapped[list[Topic]] = relationship(secondary=lcp_resident_topic, order_by="Topic.position")
    meetings: Mapped[list[Meeting]] = relationship(back_populates="lcp", order_by="Meeting.starts_at")
    updates: Mapped[list[Update]] = relationship(back_populates="lcp", order_by="Update.published_at.desc()")
    assessments: Mapped[list[MaturityAssessment]] = relationship(
        back_populates="lcp", order_by="MaturityAssessment.assessed_on.desc()"
    )

    @property
    def source_urls(self) -> list[str]:
        return [line for line in self.sources.splitlines() if line.strip()]

    # What residents read: the site's own sentences from the facts in our curation, in the reader's language
    # (app.services.coverage); otherwise the English the row holds, marked as English. Staff pages keep the columns.
    @property
    def shown_gp_practices_note(self) -> Markup:
        from app.services.coverage import practice_list_note

        return practice_list_note(self)

    def __repr__(self) -> str:
        return f"<Lcp {self.slug}>"


class Area(Model):
    """A neighbourhood, town or ward the partnership covers."""

    __tablename__ = "area"
    __table_args__ = (UniqueConstraint("lcp_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lcp_id: Mapped[int] = mapped_column(ForeignKey("lcp.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20), default="neighbourhood")
    position: Mapped[int] = mapped_column(default=0)

    lcp: Mapped[Lcp] = relationship(back_populates="areas")


class GpPractice(Model):
    """A Leeds GP practice from the NHS list (ODS), open or closed.

    `lcp_id` is set only where a source or staff member states the practice's partnership; otherwise
    the practice is known but its LCP is "not confirmed yet". `aliases` holds other names people and
    sources use for it (one a line), so the finder matches "Armley Moor Medical Centre" and
    "DR G LEES & PARTNERS" alike.
    """

    __tablename__ = "gp_practice"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The NHS ODS code, e.g. B86003; None only for a practice the ODS extract does not hold.
    ods_code: Mapped[str | None] = mapped_column(String(10), unique=True)
    # The name people know, e.g. "Armley Moor Medical Centre".
    name: Mapped[str] = mapped_column(String(200))
    official_name: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    # The outward code of the postcode, e.g. LS12, for "which of these practices is yours?".
    district: Mapped[str] = mapped_column(String(8), default="", index=True)
    is_open: Mapped[bool] = mapped_column(default=True)
    closed_on: Mapped[date | None]
    lcp_id: Mapped[int | None] = mapped_column(ForeignKey("lcp.id", ondelete="SET NULL"), index=True)
    # Shown beside the link, e.g. the name the partnership's own list uses.
    lcp_note: Mapped[str] = mapped_column(Text, default="")
    aliases: Mapped[str] = mapped_column(Text, default="")
    # Where the link to `lcp` comes from, e.g. "The LCP's practice list, 2024" or "Confirmed by the LCP".
    lcp_source: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Set when staff link or unlink the practice; `flask seed` never changes its LCP after that.
    lcp_linked_at: Mapped[datetime | None]
    lcp_linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    # How the link to `lcp` was confirmed (CONFIRMED_BY): "published" (the partnership's own published list, from
    # the reference data), "programme" (the programme's list, loaded by an upload: `lcp_import`) or "staff"
    # (linked by hand); "" while there is no link.
    lcp_confirmed_by: Mapped[str] = mapped_column(String(20), default="", server_default="")
    lcp_import_id: Mapped[int | None] = mapped_column(ForeignKey("practice_import.id", ondelete="SET NULL"))

    lcp: Mapped[Lcp | None] = relationship(back_populates="gp_practices")
    lcp_import: Mapped[PracticeImport | None] = relationship()

    @property
    def alias_list(self) -> list[str]:
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]

    @property
    def shown_lcp_note(self) -> Markup:
        """What residents read beside the practice's partnership (app.services.coverage)."""
        from app.services.coverage import practice_note

        return practice_note(self)

    def __repr__(self) -> str:
        return f"<GpPractice {self.ods_code} {self.name}>"


CONFIRMED_BY = ("published", "programme", "staff")


class PracticeImport(Model):
    """One upload of the programme's list of practices and their partnerships, applied as one change.

    `changes` holds, as JSON, every practice the upload changed with its link before and after (partnership id,
    source, note, how confirmed, import, when and by whom linked), so undoing puts back exactly what was there,
    practice by practice, unless a practice has been changed again since (then undo leaves it and says so).
    """

    __tablename__ = "practice_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(200), default="")
    # The date the programme agreed the list, from the file or the form; None when neither says.
    agreed_on: Mapped[date | None]
    made_at: Mapped[datetime] = mapped_column(default=utcnow)
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    # Who applied it as the audit log names them ("someone@leeds.gov.uk" or "cli:name").
    made_by_label: Mapped[str] = mapped_column(String(254), default="")
    row_count: Mapped[int] = mapped_column(default=0)
    changes: Mapped[str] = mapped_column(Text, default="[]")
    undone_at: Mapped[datetime | None]
    undone_by_label: Mapped[str] = mapped_column(String(254), default="")


class PracticeUpload(Model):
    """A file a citywide admin uploaded and is looking at in the preview, kept in the database until it is applied
    (or for a day), so that applying reads the very same bytes on whichever app host answers. Only the person who
    uploaded it, holding its random `token` in their session, can apply it."""

    __tablename__ = "practice_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200), default="")
    agreed_on: Mapped[date | None]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


SUGGESTION_STATES = ("new", "accepted", "rejected")


class PracticeSuggestion(Model):
    """A resident's word on which partnership their practice belongs to: a suggestion for a citywide admin to
    accept (which links the practice, confirmed by staff) or reject, never shown to anyone as a fact. No contact
    details are asked for or kept."""

    __tablename__ = "practice_suggestion"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("gp_practice.id", ondelete="CASCADE"), index=True)
    # What the person typed, as typed, and the partnership it names when the site could tell.
    text: Mapped[str] = mapped_column(String(200))
    lcp_id: Mapped[int | None] = mapped_column(ForeignKey("lcp.id", ondelete="SET NULL"))
    language: Mapped[str] = mapped_column(String(10), default="en_GB")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # SUGGESTION_STATES.
    status: Mapped[str] = mapped_column(String(10), default="new", server_default="new", index=True)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))

    practice: Mapped[GpPractice] = relationship()
    lcp: Mapped[Lcp | None] = relationship()


class PostcodeDistrict(Model):
    """An outward code such as LS14; `in_leeds` marks districts wholly or partly in the city."""

    __tablename__ = "postcode_district"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    in_leeds: Mapped[bool] = mapped_column(default=True)
    # True when the district crosses the city boundary. What is known of it is in our curation, worded for people
    # by app.services.coverage; `note` is shown (as English) only for a district the curation says nothing of.
    partly_outside: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(Text, default="")

    lcp_links: Mapped[list[LcpPostcodeDistrict]] = relationship(back_populates="district")


class PostcodeSector(Model):
    """A sector such as "WF3 4", recorded where it settles which side of the city boundary a district's part is."""

    __tablename__ = "postcode_sector"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    in_leeds: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str] = mapped_column(Text, default="")


class Place(Model):
    """A neighbourhood, village or town of Leeds (or just beyond it) and the postcode districts it lies in.

    The finder uses places to turn "Whinmoor" into LS14 and then ask which practice the person is
    registered with. `aliases` holds other spellings ("Crossgates"), one a line.
    """

    __tablename__ = "place"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    aliases: Mapped[str] = mapped_column(Text, default="")
    districts: Mapped[str] = mapped_column(String(120), default="")  # outward codes, space-separated
    in_leeds: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str] = mapped_column(Text, default="")

    @property
    def alias_list(self) -> list[str]:
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]

    @property
    def district_list(self) -> list[str]:
        return self.districts.split()

    @property
    def shown_note(self) -> Markup:
        """For a place outside Leeds, where it is, in the reader's language (app.services.coverage)."""
        from app.services.coverage import place_note

        return place_note(self)


class CoverageGap(Model):
    """A part of Leeds whose partnership this site does not hold yet, so people there get an honest answer."""

    __tablename__ = "coverage_gap"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    places: Mapped[str] = mapped_column(Text, default="")  # one a line
    note: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    @property
    def place_list(self) -> list[str]:
        return [line.strip() for line in self.places.splitlines() if line.strip()]

    # What residents read, in their language (app.services.coverage): the name, its places and what is known.
    @property
    def shown_name(self) -> Markup:
        from app.services.coverage import gap_name

        return gap_name(self)

    @property
    def shown_places(self) -> Markup:
        from app.services.coverage import gap_places

        return gap_places(self)

    @property
    def shown_note(self) -> Markup:
        from app.services.coverage import gap_note

        return gap_note(self)


class LcpPostcodeDistrict(Model):
    """A district points to an LCP. `derived` marks links inferred from place names, not stated by a source."""

    __tablename__ = "lcp_postcode_district"

    lcp_id: Mapped[int] = mapped_column(ForeignKey("lcp.id", ondelete="CASCADE"), primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("postcode_district.id", ondelete="CASCADE"), primary_key=True)
    derived: Mapped[bool] = mapped_column(default=False)
    # Shown to people with the finder's answer, as English, where our curation does not give the reason for the
    # link (app.services.coverage words that one in the reader's language).
    note: Mapped[str] = mapped_column(Text, default="")

    lcp: Mapped[Lcp] = relationship(back_populates="district_links")
    district: Mapped[PostcodeDistrict] = relationship(back_populates="lcp_links")


class Partner(Model):
    __tablename__ = "partner"

    id: Mapped[int] = mapped_column(primary_key=True)
    lcp_id: Mapped[int] = mapped_column(ForeignKey("lcp.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(120), default="")
    position: Mapped[int] = mapped_column(default=0)

    lcp: Mapped[Lcp] = relationship(back_populates="partners")


class Priority(Model):
    __tablename__ = "priority"
    __table_args__ = (UniqueConstraint("lcp_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lcp_id: Mapped[int] = mapped_column(ForeignKey("lcp.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    lcp: Mapped[Lcp] = relationship(back_populates="priorities")
    topics: Mapped[list[Topic]] = relationship(secondary=priority_topic, order_by="Topic.position")
