"""The `engage` blueprint: where residents and organisations take part.

Registering interest, confirming it, preferences, unsubscribing, the private calendar, follow buttons
and /match. Its pages sit at the top level (/register, /preferences/…), where people expect them.
"""

from flask import Blueprint

engage = Blueprint("engage", __name__)

from app.engage import match, share, suggest, views  # noqa: E402, F401
