"""The `public` blueprint: what anyone can read without an account — home, the LCP directory and
pages, the finder, topics, feeds, health checks and the statements the law asks for."""

from flask import Blueprint

public = Blueprint("public", __name__)

from app.public import embed, feeds, open_data, subscribe, views  # noqa: E402, F401
