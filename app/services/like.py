"""Searching text with SQL LIKE: what a person types is matched as typed, so `%` and `_` are not wildcards."""

from __future__ import annotations

import re

# The escape character every pattern here uses; pass it as `escape=ESCAPE` to `ilike`.
ESCAPE = "\\"


def containing(text: str) -> str:
    """A LIKE pattern for text that contains `text` anywhere."""
    return "%" + re.sub(r"([\\%_])", r"\\\1", text) + "%"
