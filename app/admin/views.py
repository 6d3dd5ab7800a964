"""The staff dashboard: the partnerships a person looks after and what needs doing on each."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import func, select

from app.admin import admin
from app.admin.access import me, requires, visible_lcps
from app.extensions import db
from app.models import Meeting, Update


@admin.route("/")
@requires("view")
def dashboard():
    lcps = visible_lcps()
    ids = [lcp.id for lcp in lcps]
    drafts: dict[int, int] = {}
    for model in (Meeting, Update):
        for lcp_id, count in db.session.execute(
            select(model.lcp_id, func.count())
            .where(model.lcp_id.in_(ids), model.published.is_(False))
            .group_by(model.lcp_id)
        ):
            drafts[lcp_id] = drafts.get(lcp_id, 0) + count
    return render_template("admin/dashboard.html", lcps=lcps, drafts=drafts, user=me())
