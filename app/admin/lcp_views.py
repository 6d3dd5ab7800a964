"""A partnership's page in the staff area: the list, the overview, and editing its public facts and GP practices."""

from __future__ import annotations

from flask import render_template

from app.admin import admin
from app.admin.access import lcp_or_404, requires, visible_lcps


@admin.route("/lcps")
@requires("view")
def lcps():
    return render_template("admin/lcps.html", lcps=visible_lcps())


@admin.route("/lcps/<slug>")
@requires("view")
def lcp_overview(slug: str):
    lcp = lcp_or_404(slug)
    return render_template("admin/lcp_overview.html", lcp=lcp)
