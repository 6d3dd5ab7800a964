"""Shared fixtures: one application per test session on a migrated, seeded database with demo content.

The database is a temporary SQLite file unless `TEST_DATABASE_URL` names another (PostgreSQL in CI).
The schema comes from the migrations, as in production, so the tests prove the migrations too.

Run in parallel (`pytest -n 2`, as `make test` does), each worker has a database of its own: its own SQLite
file, or `<name>_gw0`, `<name>_gw1`… on the PostgreSQL server, made when missing; and its own Redis database
when `TEST_REDIS_URL` names one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event, text

from app import create_app
from app.commands import Actor
from app.commands.system import load_demo, seed
from app.config import TestingConfig, database_url
from app.extensions import db

pytest_plugins = ["tests.mailbox"]


WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def worker_database(url: str) -> str:
    """This worker's own PostgreSQL database beside the one `url` names (created when missing); `url` itself when
    the tests run in one process."""
    if not WORKER:
        return url
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    server = make_url(url)
    name = f"{server.database}_{WORKER}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
            if exists.first() is None:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def worker_redis(url: str) -> str:
    """This worker's own Redis database: gw0 uses the one `url` names, gw1 the one below it, and so on."""
    if not WORKER or not url:
        return url
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    number = int(parts.path.strip("/") or 0) - int(WORKER.removeprefix("gw"))
    return urlunsplit(parts._replace(path=f"/{number % 16}"))


if os.environ.get("TEST_REDIS_URL"):
    os.environ["TEST_REDIS_URL"] = worker_redis(os.environ["TEST_REDIS_URL"])


def reset_database() -> None:
    """Start from an empty database, so that the migrations build every table."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    else:
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    config = TestingConfig()
    url = os.environ.get("TEST_DATABASE_URL")
    config.SQLALCHEMY_DATABASE_URI = database_url(
        url, f"sqlite:///{Path(tmp_path_factory.mktemp('db')) / 'test.sqlite3'}"
    )
    if config.SQLALCHEMY_DATABASE_URI.startswith("postgresql"):
        config.SQLALCHEMY_DATABASE_URI = worker_database(config.SQLALCHEMY_DATABASE_URI)
        # An app a test makes for itself from TestingConfig() runs on this worker's database too.
        TestingConfig.SQLALCHEMY_DATABASE_URI = config.SQLALCHEMY_DATABASE_URI
    application = create_app(config)
    with application.app_context():
        reset_database()
        upgrade()
        seed(Actor.cli())
        load_demo(Actor.cli())
    yield application


# Each test in a transaction that is rolled back ----------------------------------------------------------------------

# Tests that need real commits seen by another thread or process (a live server, threads racing each other) or that
# need the statement log from a connection's start are marked `no_rollback`; browser tests (marked `browser`) serve the
# site from a thread. An app on another database (a test that makes its own) keeps its own connections.
OUTSIDE_TRANSACTION = ("no_rollback", "browser")


def _joining_session(connection):
    """A session bound to the test's connection: its commits release savepoints inside the test's transaction."""
    from flask_sqlalchemy.session import Session

    class Joining(Session):
        def get_bind(self, *args, **kwargs):
            # The test's connection, unless this app runs on another database (a test that makes its own).
            if self._db.engine.url == connection.engine.url:
                return connection
            return super().get_bind(*args, **kwargs)

    return db._make_scoped_session({"bind": connection, "join_transaction_mode": "create_savepoint", "class_": Joining})


@pytest.fixture(autouse=True)
def rolled_back(request: pytest.FixtureRequest) -> Iterator[None]:
    """Runs the test inside one database transaction and rolls it back afterwards, so nothing a test writes is
    seen by the next: every session the app opens (in any app context, any app on this database) joins it, and its
    commits become savepoints. Marked `no_rollback` or `browser`, a test runs on the shared database as it is."""
    if any(request.node.get_closest_marker(name) for name in OUTSIDE_TRANSACTION):
        yield
        return
    application: Flask = request.getfixturevalue("app")
    from app import page_cache
    from app.services import lcp_admin

    with application.app_context():
        connection = db.engine.connect()
    if connection.dialect.name == "sqlite":
        # Python's sqlite3 driver opens no transaction for a SAVEPOINT, so the first RELEASE would commit: open the
        # outer one by hand, and SQLAlchemy's savepoints nest inside it.
        connection.exec_driver_sql("BEGIN")
        outer = None
    else:
        outer = connection.begin()
    shared = db.session
    db.session = _joining_session(connection)
    try:
        yield
    finally:
        with application.app_context():
            db.session.remove()
        db.session = shared
        if outer is not None:
            outer.rollback()
        else:
            connection.connection.dbapi_connection.rollback()
        connection.close()
        # Pages kept during the test may show what was rolled back, under a content version that comes round again.
        with application.app_context():
            page_cache.cache.clear()
        page_cache.forget_version()
        # So are the former slugs each worker keeps under the content version (`lcp_admin.former_slugs`).
        lcp_admin.forget_former_slugs()


def production_app_on(app: Flask, **settings: str) -> Flask:
    """The app as production configures it from its environment (here the given settings over complete ones), on
    the test database, with the rate limits off."""
    from app.config import ProductionConfig

    environ = {
        "SECRET_KEY": "x" * 40,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SITE_URL": "https://lcp.example.org",
        "CONTACT_EMAIL": "engagement@lcp.example.org",
        "TRUSTED_HOSTS": "",
        **settings,
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environ.items():
            patch.setenv(name, value)
        config = ProductionConfig()
    config.SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
    config.RATELIMIT_ENABLED = False
    return create_app(config)


@pytest.fixture
def limited_app_with(app: Flask) -> Iterator:
    """Makes an app on the same database with the rate limiter on and the given settings (e.g. a low limit).

    Flask-Limiter keeps `enabled` on the one shared extension object, so it is put back afterwards.
    """
    from app.extensions import limiter

    saved = (limiter.enabled, limiter.initialized)
    made: list[Flask] = []

    def make(**settings) -> Flask:
        config = TestingConfig()
        config.SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        config.RATELIMIT_ENABLED = True
        for name, value in settings.items():
            setattr(config, name, value)
        made.append(create_app(config))
        return made[-1]

    try:
        yield make
    finally:
        limiter.enabled, limiter.initialized = saved
        for limited in made:
            with limited.app_context():
                db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def app_context(app: Flask) -> Iterator[None]:
    """A request context too, because services translate the sentences they return."""
    with app.test_request_context():
        yield
        db.session.rollback()


class Page:
    """A fetched page, parsed as a person would read it."""

    def __init__(self, response) -> None:
        self.response = response
        self.soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")

    @property
    def h1(self) -> str:
        return self.soup.h1.get_text(" ", strip=True)

    def text(self, selector: str = "main") -> str:
        return " ".join(self.soup.select_one(selector).get_text(" ").split())

    def links(self, selector: str = "main") -> dict[str, str]:
        return {" ".join(a.get_text(" ").split()): a["href"] for a in self.soup.select(f"{selector} a[href]")}


def section(page: Page, ident: str) -> list[Tag]:
    """The h2 with this id and everything after it up to the next h2."""
    heading = page.soup.find("h2", id=ident)
    assert heading is not None, f"no section #{ident}"
    parts = [heading]
    for sibling in heading.find_next_siblings():
        if sibling.name == "h2":
            break
        parts.append(sibling)
    return parts


@pytest.fixture
def get_page(client: FlaskClient):
    """Fetches a URL, insists on the expected status, and returns the parsed page."""

    def fetch(url: str, status: int = 200, **kwargs) -> Page:
        response = client.get(url, **kwargs)
        assert response.status_code == status, f"{url} gave {response.status_code}, expected {status}"
        return Page(response)

    return fetch


@pytest.fixture
def post_form(client: FlaskClient):
    """Posts a form the way a browser does: with the CSRF token from the page that holds the form."""

    def post(url: str, data: dict, *, form_page: str | None = None, **kwargs):
        page = Page(client.get(form_page or url))
        token = page.soup.select_one("input[name=csrf_token]")
        assert token is not None, f"{form_page or url} has no form with a CSRF token"
        return client.post(url, data={"csrf_token": token["value"], **data}, **kwargs)

    return post


STAFF_PASSWORD = "correct horse battery staple"


@pytest.fixture
def make_lcp(app: Flask):
    """Makes a partnership of the test's own (rolled back with it), with its first-response target in working days;
    returns it, detached."""
    from uuid import uuid4

    from app.models import Lcp

    def make(target: int = 10) -> Lcp:
        slug = f"test-{uuid4().hex[:8]}"
        with app.app_context():
            row = Lcp(slug=slug, name=f"Own Test {slug[-8:]} LCP", short_name=f"Test {slug[-8:]}")
            row.response_target_days = target
            db.session.add(row)
            db.session.commit()
            db.session.refresh(row)
            db.session.expunge(row)
        return row

    return make


@pytest.fixture
def make_staff(app: Flask):
    """Makes a staff account (enrolled in TOTP unless told otherwise) with a unique address; returns it."""
    from itertools import count

    from app.clock import utcnow
    from app.models import Lcp, StaffUser
    from app.services import auth

    numbers = count(1)
    made: list[int] = []

    def make(role: str = "staff", lcps: tuple[str, ...] = (), enrolled: bool = True, name: str = "") -> StaffUser:
        with app.app_context():
            email = f"{role}-{os.getpid()}-{id(made)}-{next(numbers)}@staff.example.org"
            rows = [db.session.scalar(db.select(Lcp).where(Lcp.slug == slug)) for slug in lcps]
            user = auth.create_staff(email, name or f"Test {role}", role, STAFF_PASSWORD, rows)
            if enrolled:
                user.totp_enrolled_at = utcnow()
            db.session.commit()
            made.append(user.id)
            db.session.expunge(user)
            return user

    yield make
    with app.app_context():
        for user_id in made:
            user = db.session.get(StaffUser, user_id)
            if user is not None:
                db.session.delete(user)
        db.session.commit()


@pytest.fixture
def staff_client(app: Flask, make_staff):
    """A client signed in as a new account of this role and LCPs (the sign-in pages have tests of their own)."""
    from app.admin.access import SESSION_KEY
    from app.commands import Actor, accounts
    from app.models import StaffUser

    def signed_in(role: str = "staff", lcps: tuple[str, ...] = ()) -> FlaskClient:
        user = make_staff(role, lcps)
        client = app.test_client()
        with app.app_context():
            token = accounts.start_session(Actor.staff(db.session.get(StaffUser, user.id)), "test")
        with client.session_transaction() as session:
            session[SESSION_KEY] = token
        client.user = user  # type: ignore[attr-defined]
        return client

    return signed_in


@pytest.fixture
def staff_post(app: Flask):
    """Posts a staff form as a browser does: with the CSRF token from the page that holds it."""

    def post(client: FlaskClient, url: str, data: dict, *, form_page: str | None = None, **kwargs):
        page = Page(client.get(form_page or url))
        token = page.soup.select_one("input[name=csrf_token]")
        assert token is not None, f"{form_page or url} has no form with a CSRF token"
        return client.post(url, data={"csrf_token": token["value"], **data}, **kwargs)

    return post


# Counting what a page asks of the database -----------------------------------------------------------------------


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """The SQL statements the app sends to its database while the block runs."""
    with app.app_context():
        engine = db.engine
    sent: list[str] = []

    def record(connection, cursor, statement, parameters, context, executemany) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)
