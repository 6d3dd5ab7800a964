"""Meetings with their agenda and decisions, updates, and maturity self-assessments, as drafts and published."""

from __future__ import annotations

from app.admin import admin  # noqa: F401
