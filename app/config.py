"""Settings read from the environment, one class per way the site runs.

`create_app()` picks the class named by `APP_ENV` (development, production, testing). Production
refuses to start without a real `SECRET_KEY`, so a misconfigured deployment fails at once rather
than signing sessions with a known key.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def database_url(value: str | None, default: str) -> str:
    """Plain `postgresql://` (and old `postgres://`) URLs use psycopg 3, the driver installed here."""
    url = value or default
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


class Config:
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"), _sqlite_url(INSTANCE / "lcp.sqlite3"))
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {"pool_pre_ping": True}
    BABEL_DEFAULT_LOCALE = "en_GB"
    BABEL_DEFAULT_TIMEZONE = "Europe/London"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")
    # Languages offered to people: the largest languages of Leeds after English (Census 2021), each listed
    # once every public message of its catalogue is translated (scripts/check_translations.py checks it).
    LANGUAGES: ClassVar[list[str]] = ["en_GB", "pl", "ar", "ro", "zh_Hans", "ur"]
    RTL_LANGUAGES: ClassVar[set[str]] = {"ar", "ur", "fa", "ckb", "he"}
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    SITE_NAME = "Leeds Local Care Partnerships"
    # Shown in the accessibility statement and privacy notice.
    CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", "lcp-engagement@example.org")
    # The site's public address, for links in emails sent from the command line (digests).
    SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:5000")
    # Forms are small; anything larger is refused with a page that says so.
    MAX_CONTENT_LENGTH = 256 * 1024
    # Email. With no SMTP_HOST, mail waits in the outbox and shows on /dev/outbox (never in production).
    MAIL_FROM = os.environ.get("MAIL_FROM", "Leeds Local Care Partnerships <no-reply@lcp.example.org>")
    SMTP_HOST = os.environ.get("SMTP_HOST", "")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "587"))
    # starttls (the default), tls (implicit TLS, usually port 465) or none (a local relay only).
    SMTP_SECURITY = os.environ.get("SMTP_SECURITY", "starttls")
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_TIMEOUT = 20
    # Attempts before a message is marked failed; the wait doubles each time from OUTBOX_FIRST_RETRY seconds.
    OUTBOX_MAX_ATTEMPTS = 8
    OUTBOX_FIRST_RETRY = 60
    DEV_OUTBOX = True
    # How long a confirmation link works; unconfirmed registrations are deleted after the same time.
    CONFIRMATION_HOURS = 72
    # How long a link to someone's preferences works; every email carries a fresh one.
    PREFERENCES_LINK_DAYS = 90
    # Contact details left with a submission are removed this many days after every partnership closed it
    # (`flask submissions purge-contacts`); while any partnership is still working on it they are kept.
    CONTACT_RETENTION_DAYS = int(os.environ.get("CONTACT_RETENTION_DAYS", "365"))
    # How many items one digest lists before it links to the rest.
    DIGEST_LIMIT = 12
    # Submissions accepted from one network address (only stored ones count). The count is kept by the
    # rate limiter for the period only, never with a submission.
    SHARE_LIMIT = os.environ.get("SHARE_LIMIT", "5 per minute; 30 per hour")
    # Staff sign-in: failed attempts (password or code) before an account locks until an admin unlocks it;
    # sign-in attempts per network address; how long a signed-in session lasts idle and in all; how long
    # the second step may wait after the password.
    STAFF_MAX_FAILURES = 10
    STAFF_LOGIN_LIMIT = os.environ.get("STAFF_LOGIN_LIMIT", "10 per minute; 60 per hour")
    STAFF_IDLE_MINUTES = 30
    STAFF_ABSOLUTE_HOURS = 12
    STAFF_PENDING_MINUTES = 10
    # `flask demo` also makes a demo admin and LCP worker and prints how to sign in; never in production.
    DEMO_STAFF = True


class DevelopmentConfig(Config):
    DEBUG = False


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    DEV_OUTBOX = False
    DEMO_STAFF = False

    def __init__(self) -> None:
        if not os.environ.get("SECRET_KEY"):
            raise RuntimeError("SECRET_KEY must be set in production")
        if not os.environ.get("DATABASE_URL"):
            raise RuntimeError("DATABASE_URL must be set in production")


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing"  # noqa: S105 - the test configuration only
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("TEST_DATABASE_URL"), "sqlite://")
    RATELIMIT_ENABLED = False


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestingConfig,
}


def config_from_environment() -> Config:
    name = os.environ.get("APP_ENV", "development")
    try:
        return CONFIGS[name]()
    except KeyError:
        raise RuntimeError(f"APP_ENV must be one of {', '.join(CONFIGS)}, not {name!r}") from None
