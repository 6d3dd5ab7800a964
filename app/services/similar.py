"""Items that may say the same as another: the item page lists them, and staff decide (nothing acts by itself)."""

from __future__ import annotations

from app.models import StaffUser, Submission


def for_submission(submission: Submission, user: StaffUser, limit: int = 5) -> list[Submission]:
    """Up to `limit` items the person can see, from the last 90 days, whose words are close to this one's."""
    return []
