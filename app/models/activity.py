"""What an LCP does over time: meetings with their agenda items, and published updates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.lcps import Lcp
from app.models.topics import Topic, topic_link_table

agenda_item_topic = topic_link_table("agenda_item_topic", "agenda_item")
update_topic = topic_link_table("update_topic", "lcp_update")


class Meeting(db.Model):
    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    lcp_id: Mapped[int] = mapped_column(ForeignKey("lcp.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    # Stored as naive UTC; shown in Europe/London.
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    location: Mapped[str] = mapped_column(String(300), default="")
    online: Mapped[bool] = mapped_column(default=False)
    # How to join: the room, a link or a phone number, written for the public.
    joining_details: Mapped[str] = mapped_column(Text, default="")
    # Whether members of the public may come; None when the partnership has not said.
    public_may_attend: Mapped[bool | None]
    summary: Mapped[str] = mapped_column(Text, default="")
    # What was decided, written after the meeting.
    outcome: Mapped[str] = mapped_column(Text, default="")
    is_demo: Mapped[bool] = mapped_column(default=False, index=True)

    lcp: Mapped[Lcp] = relationship(back_populates="meetings")
    agenda_items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )


class AgendaItem(db.Model):
    __tablename__ = "agenda_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    # What was decided on this item, recorded after the meeting; people who commented on it are told.
    decision: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None]

    meeting: Mapped[Meeting] = relationship(back_populates="agenda_items")
    topics: Mapped[list[Topic]] = relationship(secondary=agenda_item_topic, order_by="Topic.position")


class Update(db.Model):
    """A piece of news from an LCP. `body` is Markdown written by staff, rendered sanitised."""

    __tablename__ = "lcp_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    lcp_id: Mapped[int] = mapped_column(ForeignKey("lcp.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime] = mapped_column(index=True)
    is_demo: Mapped[bool] = mapped_column(default=False, index=True)

    lcp: Mapped[Lcp] = relationship(back_populates="updates")
    topics: Mapped[list[Topic]] = relationship(secondary=update_topic, order_by="Topic.position")
