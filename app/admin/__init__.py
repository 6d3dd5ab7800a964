"""The `admin` blueprint: the staff area under /admin.

Every route carries a permission decorator from `access.py`. Every response is `no-store` (nothing
from the staff area stays in a browser's or proxy's cache) and asks search engines to leave it out.
Views live in one module per part: sign-in (`auth_views`), the dashboard (`views`), a partnership's
page and practices (`lcp_views`), meetings, updates and maturity (`activity_views`), and what only
citywide admins manage: staff, topics, partnerships and the audit log (`manage_views`).
"""

from flask import Blueprint

admin = Blueprint("admin", __name__, url_prefix="/admin")


@admin.context_processor
def staff_context():
    """For staff templates only: the signed-in person and the words for each role. Public pages get neither."""
    from flask_babel import lazy_gettext as _l
    from flask_login import current_user

    labels = {"admin": _l("Citywide admin"), "staff": _l("LCP staff"), "viewer": _l("Viewer (read only)")}
    return {"current_user": current_user, "role_label": lambda role: labels.get(role, role), "role_labels": labels}


@admin.after_request
def staff_headers(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


from app.admin import (  # noqa: E402, F401
    activity_views,
    auth_views,
    coverage_views,
    inbox_views,
    lcp_views,
    manage_views,
    people_views,
    practice_import_views,
    quote_views,
    similar_views,
    staff_views,
    submission_views,
    template_views,
    translation_views,
    urgent_views,
    views,
)
