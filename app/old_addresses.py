"""Old addresses keep working: a request for a partnership's former slug is sent on to its new one with a 301.

A rename or merge (app/services/lcp_admin.py) keeps each former slug; this hook, run before every request of the
three blueprints, finds one in the path or in `?lcp=` and redirects to the same page under the new slug.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import redirect, request, url_for

from app.services import lcp_admin


def _lcp_slug_in_path() -> str | None:
    """The partnership slug in this request's address, if its route has one."""
    args = request.view_args or {}
    rule = request.url_rule.rule if request.url_rule else ""
    if "slug" in args and "/lcps/<" in rule:
        return args["slug"]
    if request.endpoint in ("engage.follow_button", "engage.follow") and args.get("kind") == "lcp":
        return args.get("slug")
    return None


def redirect_old_lcp_slug():
    """Sends a request for a former partnership slug, in the path or in `?lcp=`, to the same page with the new one."""
    if request.method not in ("GET", "HEAD") or request.blueprint not in ("public", "engage", "admin"):
        return None
    path_slug = _lcp_slug_in_path()
    query_slugs = request.args.getlist("lcp")
    wanted = [slug for slug in [path_slug, *query_slugs] if slug]
    if not wanted or not lcp_admin.former_slugs().intersection(wanted):
        return None
    new = lcp_admin.new_slugs(wanted)
    if not new:
        return None
    view_args = dict(request.view_args or {})
    if path_slug in new:
        view_args["slug"] = new[path_slug]
    query = request.args.to_dict(flat=False)
    if query_slugs:
        query["lcp"] = list(dict.fromkeys(new.get(slug, slug) for slug in query_slugs))
    # The path from the view's own arguments, and the query as it came (any names, `endpoint` and `_external`
    # included, which url_for would read as its own); `lang=None` keeps url_for from adding the language twice.
    path = url_for(request.endpoint or "", **view_args, lang=None)
    return redirect(f"{path}?{urlencode(query, doseq=True)}" if query else path, 301)
