"""The `admin` blueprint: staff sign-in, triage and content.

Every route here will carry a permission decorator; its pages arrive with the staff issues.
"""

from flask import Blueprint

admin = Blueprint("admin", __name__, url_prefix="/admin")

from app.admin import views  # noqa: E402, F401
