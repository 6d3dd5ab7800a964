"""A partnership's snippet for other sites to show in an iframe: `/embed/lcps/<slug>` (the code to copy is on
`/open-data`).

A small document of its own (not `base.html`): the partnership's next meeting and latest update, as its page shows
them, with links that open the site's pages in a new tab, in the reader's language (`?lang=`). It is the one address
any site may frame: its responses say `frame-ancestors *` and carry no `X-Frame-Options`, while every other response
keeps refusing to be framed (`app/__init__.py`). It runs no script (`script-src 'none'`) and sets no cookie: the
snippet never touches the session, and `EmbedResponse` drops what the app's later hooks would add (the language
cookie, `X-Frame-Options: DENY`) as the response is sent, which no `after_request` hook of a blueprint could do,
since the app's own hooks run after them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from flask import Response, make_response, render_template
from werkzeug.datastructures import Headers

from app import page_cache
from app.clock import utcnow
from app.public import public
from app.services import directory

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

# Only this document's own stylesheet and images; nothing runs; any site may frame it; links may leave the frame.
EMBED_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors *"
)
DROPPED = ("X-Frame-Options", "Set-Cookie")


class EmbedResponse(Response):
    """A response that may be framed anywhere and sets no cookie, whatever hooks added to it before it is sent."""

    def get_wsgi_headers(self, environ: WSGIEnvironment) -> Headers:
        headers = super().get_wsgi_headers(environ)
        for name in DROPPED:
            headers.remove(name)
        return headers

    def set_cookie(self, *args: Any, **kwargs: Any) -> None:
        """No cookie from a snippet on another site's page."""


def _frameable(view: Callable[..., Any]) -> Callable[..., Response]:
    """Around the kept snippet: its own policy, and sent as an EmbedResponse (a kept page comes back as a plain one)."""

    @wraps(view)
    def frameable(*args: Any, **kwargs: Any) -> Response:
        response = make_response(view(*args, **kwargs))
        # Same body, status and headers (a subclass adds no attributes): only how the headers are finally sent differs.
        response.__class__ = EmbedResponse
        response.headers["Content-Security-Policy"] = EMBED_POLICY
        response.headers["X-Robots-Tag"] = "noindex"
        return response

    return frameable


@public.get("/embed/lcps/<string:slug>")
@_frameable
@page_cache.page()
def embed_lcp(slug: str) -> str:
    lcp = directory.get_lcp_or_404(slug)
    activity = directory.activity(lcp, past_limit=0, update_limit=1)
    return render_template(
        "embed/lcp.html",
        lcp=lcp,
        meeting=next(iter(activity.upcoming), None),
        update=next(iter(activity.updates), None),
        now=utcnow(),
    )
