"""The subscribe page: how to get meetings into a calendar app, or updates into a feed reader, in plain words.

`feed_subscription(lcps, topic)` is also a template global, so that the page, the subscribe links
component and the home page build feed, webcal: and how-to addresses in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import render_template, request, url_for

from app import page_cache
from app.links import absolute_url_for
from app.models import Lcp
from app.public import public
from app.services.feeds import FeedFilter, read_feed_filter


def webcal(url: str) -> str:
    """The same address with the webcal: scheme, which phones and calendar apps open as a subscription."""
    return urlsplit(url)._replace(scheme="webcal").geturl()


@dataclass(frozen=True)
class Subscription:
    """The feeds for one filter, and the subscribe page that explains them."""

    filter: FeedFilter

    @property
    def lcp(self) -> Lcp | None:
        """The one partnership subscribed to, when it is exactly one and no topic narrows it."""
        return self.filter.lcps[0] if len(self.filter.lcps) == 1 and not self.filter.topic else None

    @property
    def calendar_url(self) -> str:
        """The calendar's own web address, to paste into a calendar app (https on the live site)."""
        if self.lcp:
            return absolute_url_for("public.lcp_meetings_feed", slug=self.lcp.slug)
        return absolute_url_for("public.meetings_feed", **self.filter.query())

    @property
    def webcal_url(self) -> str:
        """The calendar's address as a subscription: one tap on a phone subscribes."""
        return webcal(self.calendar_url)

    @property
    def updates_url(self) -> str:
        if self.lcp:
            return absolute_url_for("public.lcp_updates_feed", slug=self.lcp.slug)
        return absolute_url_for("public.updates_feed", **self.filter.query())

    @property
    def browse_url(self) -> str:
        """The page on this site that shows the same meetings and updates."""
        if self.lcp:
            return url_for("public.lcp_page", slug=self.lcp.slug)
        if self.filter.topic and not self.filter.lcps:
            return url_for("public.topic_page", slug=self.filter.topic.slug)
        values: dict[str, Any] = {"topic": self.filter.topic.slug} if self.filter.topic else {}
        return url_for("public.lcp_directory", **values)

    def page_url(self, anchor: str | None = None, external: bool = False) -> str:
        """The subscribe page for the same filter, at `anchor` ("calendar" or "updates")."""
        query: dict[str, Any] = self.filter.query()
        if external:
            return absolute_url_for("public.subscribe", **query, _anchor=anchor)
        return url_for("public.subscribe", **query, _anchor=anchor)


@public.app_template_global()
def feed_subscription(lcps: list[str] | None = None, topic: str | None = None) -> Subscription:
    """The subscription for some LCP slugs (none: all LCPs) and a topic slug; an unknown slug is a 404."""
    return Subscription(read_feed_filter(list(lcps or []), topic or None))


@public.get("/subscribe")
@page_cache.page("lcp", "topic")
def subscribe() -> str:
    subscription = feed_subscription(request.args.getlist("lcp"), request.args.get("topic"))
    return render_template("public/subscribe.html", subscription=subscription)
