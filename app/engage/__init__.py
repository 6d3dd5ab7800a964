"""The `engage` blueprint: where residents and organisations take part (register interest, follow, share, track). Its pages arrive with the issues that build them."""

from flask import Blueprint

engage = Blueprint("engage", __name__, url_prefix="/take-part")

from app.engage import views  # noqa: E402, F401
