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
    Priority,
)
from app.models.maturity import MaturityAssessment, MaturityElement, MaturityLevel, MaturityRating
from app.models.people import Consent, DigestItem, DigestRun, Follower, FollowerLcp, OutboxMessage
from app.models.site import ContentVersion
from app.models.staff import AuditEvent, LcpRedirect, RecoveryCode, StaffSession, StaffUser
from app.models.submissions import (
    PublishedResponse,
    Routing,
    RoutingNote,
    Submission,
    SubmissionContact,
    SubmissionEvent,
    ThemeAlert,
)
from app.models.topics import Topic
from app.models.translations import LcpTranslation, UpdateTranslation

# Indexes a migration makes only on some databases (see migrations/versions/0009_search_index.py): left alone by
# autogenerate and by the test that the migrations build exactly the models' schema.
DATABASE_ONLY_INDEXES = frozenset({"ix_submission_body_trgm"})


def in_models_schema(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic's include_object: everything but the database-only indexes."""
    return not (type_ == "index" and name in DATABASE_ONLY_INDEXES)


__all__ = [
    "DATABASE_ONLY_INDEXES",
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
    "Priority",
    "PublishedResponse",
    "RecoveryCode",
    "Routing",
    "RoutingNote",
    "StaffSession",
    "StaffUser",
    "Submission",
    "SubmissionContact",
    "SubmissionEvent",
    "ThemeAlert",
    "Topic",
    "Update",
    "UpdateTranslation",
]
