"""Application factory: `create_app()` builds the site from small `setup_*` steps."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import parse_qsl

from flask import Flask, g, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from jinja2 import ChainableUndefined, ChoiceLoader, FileSystemLoader, PackageLoader
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.pool import ConnectionPoolEntry
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import SecurityError
from werkzeug.formparser import FormDataParser
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map
from werkzeug.utils import cached_property

from app.config import Config, config_from_environment
from app.dev_guard import refuse_remote_requests
from app.extensions import babel, compress, csrf, db, htmx, limiter, migrate
from app.numbers import LARGEST_ID

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
# Sent when the site is served over HTTPS (production): browsers then refuse plain HTTP for a year.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"
# How long a person is asked to wait when the database cannot be reached.
RETRY_AFTER_SECONDS = 30


class FormParser(FormDataParser):
    """Reads URL-encoded forms as multipart ones are read: bytes that are not UTF-8 become "�".

    Werkzeug otherwise keeps them as "%FF" text, indistinguishable from what a person typed; as "�"
    the forms can refuse them with a message and show where they were.
    """

    def parse(self, *args, **kwargs):
        """Either kind of form, without NUL characters: nobody types them, and PostgreSQL refuses them in text."""
        stream, form, files = super().parse(*args, **kwargs)
        if any("\x00" in key or "\x00" in value for key, value in form.items(multi=True)):
            pairs = form.items(multi=True)
            form = self.cls((key.replace("\x00", ""), value.replace("\x00", "")) for key, value in pairs)
        return stream, form, files

    def _parse_urlencoded(self, stream, mimetype, content_length, options):
        items = parse_qsl(stream.read().decode("latin-1"), keep_blank_values=True, errors="replace")
        return stream, self.cls(items), self.cls()


def create_app(config: Config | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_object(config or config_from_environment())
    setup_templates(app)
    setup_extensions(app)
    setup_request(app)
    setup_blueprints(app)
    setup_error_pages(app)
    setup_security_headers(app)
    setup_wsgi(app)
    setup_cli(app)
    refuse_remote_requests(app)  # with the public development key, only this machine is answered (app/dev_guard.py)
    return app


def setup_templates(app: Flask) -> None:
    # The NHS.UK component macros leave optional parameters undefined and chain into them.
    app.jinja_options = {
        "undefined": ChainableUndefined,
        "loader": ChoiceLoader(
            [FileSystemLoader(str(app.root_path) + "/templates"), PackageLoader("nhsuk_frontend_jinja")]
        ),
        "autoescape": True,
        "extensions": ["jinja2.ext.i18n"],
    }
    from app import formatting, languages, links

    formatting.register(app)
    languages.register(app)
    links.register(app)


def setup_extensions(app: Flask) -> None:
    db.init_app(app)

    @app.teardown_appcontext
    def close_database_session(error: BaseException | None) -> None:
        """Before Flask-SQLAlchemy's own clean-up: a connection that died after the request's last query would
        make its closing ROLLBACK raise, and turn a finished page into a bare 500. Throw it away instead."""
        try:
            db.session.remove()
        except DBAPIError:
            db.session().invalidate()
            db.session.remove()

    migrate.init_app(app, db, directory=str(app.root_path) + "/../migrations")
    csrf.init_app(app)
    from app.languages import install_cheap_gettext, select_locale

    babel.init_app(app, locale_selector=select_locale)
    install_cheap_gettext(app)
    htmx.init_app(app)
    limiter.init_app(app)
    exempt = app.config.get("RATELIMIT_EXEMPT_ADDRESSES") or frozenset()
    if exempt:
        app.logger.warning("Rate limits do not apply to %s (RATELIMIT_EXEMPT_ADDRESSES)", ", ".join(sorted(exempt)))

        @limiter.request_filter
        def exempt_address() -> bool:
            return request.remote_addr in exempt

    # Compresses what the page cache did not already compress (its pages carry their encoding).
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    compress.init_app(app)
    from app import models  # noqa: F401 - registers every model
    from app.admin.access import init_login

    init_login(app)


COMPRESSED_TYPES = [
    "text/html",
    "text/plain",
    "text/css",
    "text/csv",
    "text/calendar",
    "application/atom+xml",
    "application/json",
    "application/javascript",
    "image/svg+xml",
]


class IdConverter(IntegerConverter):
    """`<int:…>` in an address: a number too large for any row is a 404, not a database error."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


def setup_request(app: Flask) -> None:
    """Every request parses its form with `FormParser`, on top of the request class htmx-flask installs."""
    app.url_map.converters["int"] = IdConverter
    base = app.request_class

    # A subclass of whichever request class is installed (htmx-flask's): a class mypy cannot see as a base.
    class Request(base):  # type: ignore[misc, valid-type]
        form_data_parser_class = FormParser

        @cached_property
        def args(self):
            """The query string without NUL characters: no one types them, and PostgreSQL refuses them in text."""
            parsed = super().args
            if not any("\x00" in key or "\x00" in value for key, value in parsed.items(multi=True)):
                return parsed
            return self.parameter_storage_class(
                (key.replace("\x00", ""), value.replace("\x00", "")) for key, value in parsed.items(multi=True)
            )

    app.request_class = Request


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: DBAPIConnection, connection_record: ConnectionPoolEntry) -> None:
    """SQLite set up for a web server with several workers writing at once.

    WAL lets readers carry on while one writer writes. Python's driver opens a transaction just before
    the first INSERT, UPDATE or DELETE, here with `BEGIN IMMEDIATE`: the write lock is taken before any
    statement of the transaction runs, and the busy timeout queues it behind another writer (for up to
    10 s) instead of failing with "database is locked". Everything after that first write, reads included,
    runs under the lock, so a write never works from a snapshot another writer has changed.
    `synchronous=NORMAL` is safe with WAL: a power cut can lose the last commits, never corrupt the file.
    """
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.isolation_level = "IMMEDIATE"
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def setup_blueprints(app: Flask) -> None:
    from app import page_cache
    from app.admin import admin
    from app.engage import engage
    from app.old_addresses import redirect_old_lcp_slug
    from app.public import public

    page_cache.setup(app)
    app.before_request(redirect_old_lcp_slug)
    app.register_blueprint(public)
    app.register_blueprint(engage)
    app.register_blueprint(admin)
    from app import api

    api.register(app)
    if app.config.get("DEV_OUTBOX"):
        from app.dev import dev

        app.register_blueprint(dev)


def setup_error_pages(app: Flask) -> None:
    from app.api.problems import on_api_path, problem

    @app.errorhandler(405)
    def method_not_allowed(error: Exception) -> ResponseReturnValue:
        """The API's paths answer a problem (RFC 9457); elsewhere Werkzeug's own answer, with its Allow header."""
        if on_api_path():
            response = problem(405)
            allowed = getattr(error, "valid_methods", None)
            if allowed:
                response.headers["Allow"] = ", ".join(allowed)
            return response
        return cast(Any, error)

    @app.errorhandler(403)
    def forbidden(error: Exception) -> tuple[str, int]:
        return render_template("errors/403.html"), 403

    @app.errorhandler(404)
    def not_found(error: Exception) -> ResponseReturnValue:
        if on_api_path():
            return problem(404)
        return render_template("errors/404.html"), 404

    @app.errorhandler(CSRFError)
    def form_not_accepted(error: CSRFError) -> ResponseReturnValue:
        """A form whose CSRF check failed is shown again with what was typed, if its view can do that."""
        view = app.view_functions.get(request.endpoint or "")
        if view is not None and getattr(view, "keeps_input_on_csrf_failure", False):
            # The view shows the form again with what was typed, and must store nothing: without its token, the
            # form's own check fails too (the site-wide one may have refused a good token, for a missing Referer).
            kept = [(key, value) for key, value in request.form.items(multi=True) if not key.endswith("csrf_token")]
            request.form = cast("ImmutableMultiDict[str, str]", request.parameter_storage_class(kept))
            response = make_response(view(**(request.view_args or {})))
            response.status_code = 400
            return response
        return render_template("errors/400.html"), 400

    @app.errorhandler(SecurityError)
    def host_not_served(error: SecurityError) -> ResponseReturnValue:
        """A Host (or forwarded host) this site does not serve, in production: no page, since nothing on it could
        link anywhere trustworthy, and nothing echoed back."""
        response = make_response("Bad request: this site does not answer to that host name.\n", 400)
        response.mimetype = "text/plain"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(413)
    def too_large(error: Exception) -> tuple[str, int]:
        return render_template("errors/413.html"), 413

    @app.errorhandler(429)
    def too_many_requests(error: Exception) -> ResponseReturnValue:
        """A refused form is shown again with what was typed, if its view can do that; otherwise a plain page."""
        view = app.view_functions.get(request.endpoint or "")
        if request.method == "POST" and view is not None and getattr(view, "keeps_input_on_limit", False):
            g.limit_hit = True
            # The view beneath the rate limiter's own wrapper, which would refuse it again.
            # functools.wraps in the limiter's decorator set __wrapped__, which mypy cannot see on a view function.
            response = make_response(view.__wrapped__(**(request.view_args or {})))  # type: ignore[union-attr]
            response.status_code = 429
            return response
        if on_api_path():
            return problem(429)
        return render_template("errors/429.html"), 429

    @app.errorhandler(DataError)
    def data_refused(error: DataError) -> ResponseReturnValue:
        """A value the database will not compare or store (a NUL in an address, say): nothing can match it, so the
        answer is the page-not-found page, not a fault."""
        app.logger.warning("Database refused a value for %s %s: %s", request.method, request.path, type(error.orig))
        _roll_back_quietly()
        if on_api_path():
            return problem(404)
        return render_template("errors/404.html"), 404

    @app.errorhandler(OperationalError)
    def database_unavailable(error: DBAPIError) -> ResponseReturnValue:
        """The database cannot be reached (or is locked for too long): ask the person to try again shortly.

        Nothing was half-written, since the transaction is rolled back; the next request gets a fresh
        connection (the pool checks each one before use), so the site recovers by itself.
        """
        app.logger.error("Database unavailable for %s %s: %s", request.method, request.path, error.orig or error)
        _roll_back_quietly()
        response = problem(503) if on_api_path() else make_response(render_template("errors/503.html"), 503)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(500)
    def server_error(error: Exception) -> ResponseReturnValue:
        _roll_back_quietly()
        if on_api_path():
            return problem(500)
        return render_template("errors/500.html"), 500


def _roll_back_quietly() -> None:
    """Roll back after a failure; when the connection itself is gone, throw it away instead."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is already broken; the pool replaces it
        db.session.remove()


def security_headers(app: Flask) -> dict[str, str]:
    """The headers every response carries: pages, errors, feeds and static files alike."""
    headers = dict(SECURITY_HEADERS)
    if app.config.get("SESSION_COOKIE_SECURE"):
        headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    return headers


def setup_security_headers(app: Flask) -> None:
    headers = security_headers(app)

    @app.after_request
    def add_headers(response):
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response


def setup_wsgi(app: Flask) -> None:
    """Around the app: static files (WhiteNoise), then the proxy's headers read when there is a proxy."""
    from app import assets

    assets.setup(app, lambda: security_headers(app))
    proxies = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if proxies:
        # Wrapping `wsgi_app` is how Flask adds WSGI middleware; mypy sees a method being replaced.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )


def setup_cli(app: Flask) -> None:
    from app.cli import register

    register(app)
