"""Typed models, one module per part of the domain. Importing this package registers them all."""

from app.models.activity import AgendaItem, Meeting, Update
from app.models.lcps import Area, GpPractice, Lcp, LcpPostcodeDistrict, Partner, PostcodeDistrict, Priority
from app.models.maturity import MaturityAssessment, MaturityElement, MaturityLevel, MaturityRating
from app.models.topics import Topic

__all__ = [
    "AgendaItem",
    "Area",
    "GpPractice",
    "Lcp",
    "LcpPostcodeDistrict",
    "MaturityAssessment",
    "MaturityElement",
    "MaturityLevel",
    "MaturityRating",
    "Meeting",
    "Partner",
    "PostcodeDistrict",
    "Priority",
    "Topic",
    "Update",
]
