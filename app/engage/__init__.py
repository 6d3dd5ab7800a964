"""The `engage` blueprint: where residents and organisations take part.

Registering interest, following, sharing and tracking arrive with the issues that build them.
"""

from flask import Blueprint

engage = Blueprint("engage", __name__, url_prefix="/take-part")

from app.engage import views  # noqa: E402, F401
