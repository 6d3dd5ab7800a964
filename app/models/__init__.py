"""Typed models, one module per part of the domain. Importing this package registers them all."""

from app.models.activity import AgendaItem, Meeting, Update
from app.models.lcps import (
    Area,
    CoverageGap,
    GpPractice,
    Lcp,
    LcpPostcodeDistrict,
    Partner,
    Place,
    PostcodeDistrict,
    PostcodeSector,
    PracticeImport,
    PracticeSuggestion,
    PracticeUpload,
    Priority,
)
from app.models.maturity import MaturityAssessment, MaturityElement, MaturityLevel, MaturityRating
from app.models.people import Consent, DigestItem, DigestRun, Follower, FollowerLcp, OutboxMessage
from app.models.site import ContentVersion
from app.models.staff import AuditEvent, LcpRedirect, RecoveryCode, SavedView, StaffSession, StaffUser
from app.models.submissions import (
    PublishedResponse,
    ReplyTemplate,
    ReplyTemplateTranslation,
    Routing,
    RoutingNote,
    Submission,
    SubmissionContact,
    SubmissionEvent,
    ThemeAlert,
)
from app.models.topics import Topic
from app.models.translations import LcpTranslation, UpdateTranslation
from app.models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint

# Indexes and tables a migration makes only on some databases (see migrations/versions/0009_search_index.py and
# 0012_inbox.py): left alone by autogenerate and by the test that the migrations build exactly the models' schema.
DATABASE_ONLY_INDEXES = frozenset({"ix_submission_body_trgm"})
# SQLite's full-text index of what people wrote, and the tables FTS5 keeps for it.
SEARCH_TABLE = "submission_fts"


def in_models_schema(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic's include_object: everything but the database-only indexes and the full-text tables."""
    if type_ == "table" and name and name.startswith(SEARCH_TABLE):
        return False
    return not (type_ == "index" and name in DATABASE_ONLY_INDEXES)


__all__ = [
    "DATABASE_ONLY_INDEXES",
    "SEARCH_TABLE",
    "AgendaItem",
    "Area",
    "AuditEvent",
    "Consent",
    "ContentVersion",
    "CoverageGap",
    "DigestItem",
    "DigestRun",
    "Follower",
    "FollowerLcp",
    "GpPractice",
    "Lcp",
    "LcpPostcodeDistrict",
    "LcpRedirect",
    "LcpTranslation",
    "MaturityAssessment",
    "MaturityElement",
    "MaturityLevel",
    "MaturityRating",
    "Meeting",
    "OutboxMessage",
    "Partner",
    "Place",
    "PostcodeDistrict",
    "PostcodeSector",
    "PracticeImport",
    "PracticeSuggestion",
    "PracticeUpload",
    "Priority",
    "PublishedResponse",
    "RecoveryCode",
    "ReplyTemplate",
    "ReplyTemplateTranslation",
    "Routing",
    "RoutingNote",
    "SavedView",
    "StaffSession",
    "StaffUser",
    "Submission",
    "SubmissionContact",
    "SubmissionEvent",
    "ThemeAlert",
    "Topic",
    "Update",
    "UpdateTranslation",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
