"""Settings read from the environment, one class per way the site runs.

`create_app()` picks the class named by `APP_ENV` (development, production, testing). Production
refuses to start without a real `SECRET_KEY`, so a misconfigured deployment fails at once rather
than signing sessions with a known key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


# The default contact address: fine for trying the site, refused in production.
PLACEHOLDER_CONTACT_EMAIL = "lcp-engagement@example.org"


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
    # Redis, when set, holds what several workers and hosts must share: rate-limit counts and the page cache.
    # Without it each worker keeps its own in memory, which is right for one machine.
    REDIS_URL = os.environ.get("REDIS_URL", "")
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Network addresses the rate limits skip: only for a load test from the machine itself (`make bench`).
    RATELIMIT_EXEMPT_ADDRESSES = frozenset(
        address.strip() for address in os.environ.get("RATELIMIT_EXEMPT_ADDRESSES", "").split(",") if address.strip()
    )
    # Public pages are the same for everyone reading in one language, so each is kept, rendered and
    # compressed, until staff change what it shows or for this many seconds at most (for what depends on
    # the time, such as the next meeting).
    PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "300"))
    # How many proxies (nginx, a load balancer) stand in front of the app and add X-Forwarded-* headers.
    # 0 trusts none, which is right when gunicorn faces the browser directly; never more than there are, or
    # anyone could choose the address the rate limits count.
    TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
    SITE_NAME = "Leeds Local Care Partnerships"
    # Shown in the accessibility statement and privacy notice, and wherever the site has no answer. Production
    # refuses to start with the placeholder.
    CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", PLACEHOLDER_CONTACT_EMAIL)
    # How soon the partnerships' teams look at an item marked urgent, as the programme has agreed it: a number of
    # working hours ("4"), or empty for "the next working day". The share, privacy and accessibility pages say it.
    URGENT_CHECK_HOURS = os.environ.get("URGENT_CHECK_HOURS", "")
    # The site's public address: every absolute link (emails, feeds, calendars) starts with it, never with the
    # host a request names (app/links.py).
    SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:5000")
    # The host names the site answers; others get 400. Production sets it from SITE_URL plus TRUSTED_HOSTS
    # (comma-separated extra names, e.g. an address a load balancer's health check uses); elsewhere it is open.
    TRUSTED_HOSTS: list[str] | None = None
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
    # `flask retention purge` (daily) also deletes copies of sent email after MAIL_RETENTION_DAYS, records of
    # staff sign-ins after STAFF_SESSION_RETENTION_DAYS, and blanks the network address kept with audit log
    # entries after AUDIT_ADDRESS_DAYS (the entries stay). /privacy states each period.
    MAIL_RETENTION_DAYS = int(os.environ.get("MAIL_RETENTION_DAYS", "30"))
    STAFF_SESSION_RETENTION_DAYS = int(os.environ.get("STAFF_SESSION_RETENTION_DAYS", "90"))
    AUDIT_ADDRESS_DAYS = int(os.environ.get("AUDIT_ADDRESS_DAYS", "90"))
    # How many items one digest lists before it links to the rest.
    DIGEST_LIMIT = 12
    # Submissions accepted from one network address (only stored ones count). The count is kept by the
    # rate limiter for the period only, never with a submission.
    SHARE_LIMIT = os.environ.get("SHARE_LIMIT", "5 per minute; 30 per hour")
    # Staff sign-in. After STAFF_THROTTLE_AFTER wrong attempts in a row (passwords and codes alike) an account
    # must wait before its next attempt is even checked: STAFF_THROTTLE_FIRST_MINUTES, doubling with each
    # further wrong attempt, up to STAFF_THROTTLE_MAX_MINUTES; its owner is emailed when the wait begins. Nobody
    # can lock an account for good by guessing; an admin can lock one by hand. STAFF_LOGIN_LIMIT counts
    # attempts per network address. Then how long a signed-in session lasts idle and in all, and how long
    # the second step may wait after the password.
    STAFF_THROTTLE_AFTER = int(os.environ.get("STAFF_THROTTLE_AFTER", "5"))
    STAFF_THROTTLE_FIRST_MINUTES = int(os.environ.get("STAFF_THROTTLE_FIRST_MINUTES", "1"))
    STAFF_THROTTLE_MAX_MINUTES = int(os.environ.get("STAFF_THROTTLE_MAX_MINUTES", "60"))
    STAFF_LOGIN_LIMIT = os.environ.get("STAFF_LOGIN_LIMIT", "10 per minute; 60 per hour")
    STAFF_IDLE_MINUTES = 30
    STAFF_ABSOLUTE_HOURS = 12
    STAFF_PENDING_MINUTES = 10
    # `flask demo` also makes a demo admin and LCP worker and prints how to sign in; never in production.
    DEMO_STAFF = True
    # Signed webhooks for organisations (app/services/webhooks.py). Each socket operation of a delivery times out
    # after WEBHOOKS_TIMEOUT seconds and at most WEBHOOKS_MAX_RESPONSE_BYTES of an answer are read. A delivery is
    # given up on (and the organisation emailed) when its next try would fall more than WEBHOOKS_GIVE_UP_HOURS after
    # the event; an endpoint is paused after WEBHOOKS_PAUSE_AFTER_GIVEN_UP deliveries in a row given up on, or
    # WEBHOOKS_PAUSE_AFTER_FAILED_ATTEMPTS failed attempts in a row. The worker forgets attempts and finished
    # deliveries after WEBHOOKS_RETENTION_DAYS. http:// and loopback addresses are refused unless
    # WEBHOOKS_ALLOW_LOOPBACK is on, which only the test configuration does.
    WEBHOOKS_TIMEOUT = 5
    WEBHOOKS_MAX_RESPONSE_BYTES = 64 * 1024
    WEBHOOKS_GIVE_UP_HOURS = 24
    WEBHOOKS_PAUSE_AFTER_GIVEN_UP = 3
    WEBHOOKS_PAUSE_AFTER_FAILED_ATTEMPTS = 15
    WEBHOOKS_MAX_ENDPOINTS = 5
    WEBHOOKS_RETENTION_DAYS = 30
    WEBHOOKS_ALLOW_LOOPBACK = False


class DevelopmentConfig(Config):
    DEBUG = False


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    DEV_OUTBOX = False
    DEMO_STAFF = False
    # In production nginx stands in front (docs/deploy.md); set 0 when gunicorn faces the internet itself.
    TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "1"))

    def __init__(self) -> None:
        missing_or_wrong = [problem for problem in production_problems(os.environ) if problem]
        if missing_or_wrong:
            raise RuntimeError("Production settings are incomplete:\n- " + "\n- ".join(missing_or_wrong))
        from app.links import trusted_hosts

        self.TRUSTED_HOSTS = trusted_hosts(os.environ["SITE_URL"], os.environ.get("TRUSTED_HOSTS", ""))


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing"  # noqa: S105 - the test configuration only
    # The test client's own host, so that links in emails read as the pages the tests fetch; never the env's.
    SITE_URL = "http://localhost"
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("TEST_DATABASE_URL"), "sqlite://")
    RATELIMIT_ENABLED = False
    # The tests' webhook receiver listens on 127.0.0.1 over plain HTTP.
    WEBHOOKS_ALLOW_LOOPBACK = True


def production_problems(environ: Mapping[str, str]) -> list[str]:
    """What stops the site running in production: each a sentence saying what to set."""
    secret = environ.get("SECRET_KEY", "")
    site_url = environ.get("SITE_URL", "")
    contact = environ.get("CONTACT_EMAIL", "")
    return [
        "" if secret else "SECRET_KEY must be set (make one: python3 -c 'import secrets; print(secrets.token_hex())')",
        "" if not secret or len(secret) >= 32 else "SECRET_KEY must be at least 32 characters long",
        ""
        if environ.get("DATABASE_URL")
        else "DATABASE_URL must be set (sqlite:////path/to/lcp.sqlite3 or postgresql://…)",
        "" if site_url else "SITE_URL must be set to the site's public address, for links in emails",
        ""
        if not site_url or site_url.startswith(("https://", "http://127.0.0.1", "http://localhost"))
        else "SITE_URL must start with https://",
        ""
        if not site_url or urlsplit(site_url).hostname
        else "SITE_URL must be a full address with a host name, such as https://lcp.example.org",
        ""
        if "@" in contact and contact.strip() != PLACEHOLDER_CONTACT_EMAIL
        else "CONTACT_EMAIL must be set to the address residents write to (the placeholder is shown on every page "
        "that has no answer, and in the accessibility statement and privacy notice)",
    ]


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
