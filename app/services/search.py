"""Finding items: the inbox's search box.

`matching` narrows a query of routings joined to their submissions to those whose words contain what was typed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select

from app.models import Submission
from app.services.like import ESCAPE, containing


def matching(query: Select[Any], q: str) -> Select[Any]:
    """The routings of `query` (which joins Submission) whose submission holds the words typed."""
    return query.where(Submission.body.ilike(containing(q), escape=ESCAPE))
