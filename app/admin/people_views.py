"""Who follows the person's partnerships: counts for every member of staff, and for those who may edit, the
followers of one partnership who agreed to be contacted, on the page and as a spreadsheet.

Viewers read the counts only: names and addresses are shown to no one who does not need them (data
minimisation). A partnership outside the person's own answers 404 (`lcp_or_404`), as for one that does not
exist. Every export is in the audit log with how many people it held. The rules live in
`app.services.audience`.
"""

from __future__ import annotations

from flask import render_template, request
from flask_babel import lazy_gettext as _l

from app.admin import admin
from app.admin.access import acting, lcp_or_404, me, requires, visible_lcps
from app.admin.downloads import csv_response
from app.commands import people as people_commands
from app.services import audience

INTEREST_LABELS = {
    "news": _l("News and meeting dates"),
    "invitations": _l("Invitations to meetings and events"),
    "volunteer": _l("Ways to get involved or volunteer"),
    "contact": _l("To be contacted by the partnership’s team"),
}
KIND_LABELS = {"resident": _l("Resident"), "organisation": _l("Organisation")}
ORGANISATION_TYPE_LABELS = {
    "community-group": _l("Community group"),
    "charity": _l("Charity or voluntary organisation"),
    "faith-group": _l("Faith group"),
    "housing": _l("Housing provider"),
    "statutory": _l("Statutory body, such as the council or the NHS"),
    "business": _l("Business"),
    "other": _l("Another kind of organisation"),
}
REACH_LABELS = {"local": _l("Part of Leeds"), "citywide": _l("The whole city")}


@admin.route("/people")
@requires("view")
def people():
    user = me()
    lcps = visible_lcps()
    slug = request.args.get("lcp", "").strip()
    chosen = lcp_or_404(slug) if slug else None
    page = None
    if chosen is not None and user.can_edit:
        page = audience.contactable_page(chosen, after=request.args.get("after"), before=request.args.get("before"))
    return render_template(
        "admin/people/index.html",
        user=user,
        lcps=lcps,
        chosen=chosen,
        summary=audience.summary(lcps),
        page=page,
        interests=INTEREST_LABELS,
        kind_labels=KIND_LABELS,
        organisation_types=ORGANISATION_TYPE_LABELS,
        reaches=REACH_LABELS,
    )


@admin.route("/people/export", methods=["POST"])
@requires("edit")
def people_export():
    lcp = lcp_or_404((request.form.get("lcp") or "").strip(), edit=True)
    export = people_commands.export_followers(acting(), lcp)
    return csv_response(export.filename, export.header, export.rows)
