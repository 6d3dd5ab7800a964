"""Signed links for people who follow: confirm, preferences, unsubscribe, private calendar, and the follow cookie.

Each token signs the follower's id and their `link_key` with a salt for its purpose, so a token made for
one purpose never works for another, and changing `link_key` cancels every link a person was sent.
Confirmation links expire after `CONFIRMATION_HOURS`, preferences links after `PREFERENCES_LINK_DAYS`;
unsubscribe and calendar links last until the key changes, since mail clients and calendars keep them.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.extensions import db
from app.models import Follower, SubmissionContact


class Purpose(StrEnum):
    CONFIRM = "confirm"
    PREFERENCES = "preferences"
    UNSUBSCRIBE = "unsubscribe"
    CALENDAR = "calendar"
    COOKIE = "cookie"


class LinkProblem(Exception):
    """Why a link did not work: `expired` (too old) or `invalid` (altered, cancelled, or for someone deleted)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _serializer(purpose: Purpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"follower-{purpose}")


def max_age(purpose: Purpose) -> timedelta | None:
    config = current_app.config
    if purpose is Purpose.CONFIRM:
        return timedelta(hours=config["CONFIRMATION_HOURS"])
    if purpose is Purpose.PREFERENCES:
        return timedelta(days=config["PREFERENCES_LINK_DAYS"])
    if purpose is Purpose.COOKIE:
        return timedelta(days=365)
    return None


def make_token(follower: Follower, purpose: Purpose) -> str:
    return _serializer(purpose).dumps([follower.id, follower.link_key])


def read_token(token: str, purpose: Purpose) -> Follower:
    """The follower a token names; raises `LinkProblem` if it is altered, expired, cancelled or theirs is gone."""
    age = max_age(purpose)
    try:
        follower_id, key = _serializer(purpose).loads(token, max_age=int(age.total_seconds()) if age else None)
    except SignatureExpired:
        raise LinkProblem("expired") from None
    except (BadSignature, ValueError, TypeError):
        raise LinkProblem("invalid") from None
    follower = db.session.get(Follower, follower_id) if isinstance(follower_id, int) else None
    if follower is None or not isinstance(key, str) or key != follower.link_key:
        raise LinkProblem("invalid")
    if purpose is not Purpose.CONFIRM and not follower.confirmed:
        raise LinkProblem("invalid")
    return follower


def _contact_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="submission-contact")


def make_contact_token(contact: SubmissionContact) -> str:
    """The link in a receipt that lets the person add to what they said, or stop or delete their contact."""
    return _contact_serializer().dumps([contact.id, contact.link_key])


def read_contact_token(token: str) -> SubmissionContact:
    """The contact a receipt link names; raises `LinkProblem` if it is altered or the contact was deleted."""
    try:
        contact_id, key = _contact_serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        raise LinkProblem("invalid") from None
    contact = db.session.get(SubmissionContact, contact_id) if isinstance(contact_id, int) else None
    if contact is None or not isinstance(key, str) or key != contact.link_key:
        raise LinkProblem("invalid")
    return contact
