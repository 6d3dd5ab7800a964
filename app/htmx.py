"""The one place the site touches htmx-flask.

Views ask `wants_fragment()` instead of reading headers themselves: a fragment is returned only
for a non-boosted htmx request that is not restoring history, and every response that can be
either carries `Vary: HX-Request` so caches keep the page and the fragment apart.
"""

from __future__ import annotations

from flask import Response, make_response, render_template, request
from htmx_flask import Htmx

htmx = Htmx()


def wants_fragment() -> bool:
    # On Back, htmx reloads a pushed URL with HX-History-Restore-Request and needs the whole page.
    hx = getattr(request, "htmx", None)
    return hx is not None and bool(hx) and not hx.boosted and not hx.history_restore_request


def page_or_fragment(page: str, fragment: str, **context: object) -> Response:
    """Render the full page, or only its fragment for an htmx swap, from one context."""
    swap = wants_fragment()
    response = make_response(render_template(fragment if swap else page, fragment=swap, **context))
    response.vary.add("HX-Request")
    return response
