"""What an LCP does over time: meetings with their agenda items, and published updates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.lcps import Lcp
from app.models.topics import Topic, topic_link_table

agenda_item_topic = topic_link_table("agenda_item_topic", "agenda_item")
update_topic = topic_link_table("update_topic", "lcp_update")


class Meeting(Model):
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
    # A draft (False) is seen only by staff; publishing shows it at once on the public pages and feeds.
    published: Mapped[bool] = mapped_column(default=True, server_default=true(), index=True)
    is_demo: Mapped[bool] = mapped_column(default=False, index=True)

    lcp: Mapped[Lcp] = relationship(back_populates="meetings")
    agenda_items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )


class AgendaItem(Model):
    __tablename__ = "agenda_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    # Links to the papers for this item, one a line: "Title | https://…" or just the address.
    papers: Mapped[str] = mapped_column(Text, default="", server_default="")
    # What was decided on this item, recorded after the meeting; people who commented on it are told.
    decision: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None]

    meeting: Mapped[Meeting] = relationship(back_populates="agenda_items")
    topics: Mapped[list[Topic]] = relationship(secondary=agenda_item_topic, order_by="Topic.position")

    @property
    def paper_links(self) -> list[tuple[str, str]]:
        """(title, address) for each line of `papers`; a line without a title uses its address."""
        links = []
        for line in self.papers.splitlines():
            title, _, url = line.rpartition("|")
            url = url.strip()
            if url:
                links.append((title.strip() or url, url))
        return links


class Update(Model):
    """A piece of news from an LCP. `body` is Markdown written by staff, rendered sanitised."""

    __tablename__ = "lcp_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    lcp_id: Mapped[int] = mapped_column(ForeignKey("lcp.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime] = mapped_column(index=True)
    # A draft (False) is seen only by staff; `published_at` is set again when it is published.
    published: Mapped[bool] = mapped_column(default=True, server_default=true(), index=True)
    is_demo: Mapped[bool] = mapped_column(default=False, index=True)

    lcp: Mapped[Lcp] = relationship(back_populates="updates")
    topics: Mapped[list[Topic]] = relationship(secondary=update_topic, order_by="Topic.position")
