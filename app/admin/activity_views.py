"""Meetings with their agenda and decisions, updates, and maturity self-assessments, as drafts and published."""

from __future__ import annotations

from flask import render_template

from app.admin import admin
from app.admin.access import lcp_or_404, requires


@admin.route("/lcps/<slug>/meetings")
@requires("view")
def meetings(slug: str):
    return render_template("admin/lcp_overview.html", lcp=lcp_or_404(slug))


@admin.route("/lcps/<slug>/updates")
@requires("view")
def updates(slug: str):
    return render_template("admin/lcp_overview.html", lcp=lcp_or_404(slug))


@admin.route("/lcps/<slug>/maturity")
@requires("view")
def maturity(slug: str):
    return render_template("admin/lcp_overview.html", lcp=lcp_or_404(slug))
