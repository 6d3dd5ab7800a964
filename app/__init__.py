"""Application factory: `create_app()` builds the site from small `setup_*` steps."""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import Flask, g, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from jinja2 import ChainableUndefined, ChoiceLoader, FileSystemLoader, PackageLoader
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.formparser import FormDataParser

from app.config import Config, config_from_environment
from app.extensions import babel, csrf, db, htmx, limiter, migrate

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


class FormParser(FormDataParser):
    """Reads URL-encoded forms as multipart ones are read: bytes that are not UTF-8 become "�".

    Werkzeug otherwise keeps them as "%FF" text, indistinguishable from what a person typed; as "�"
    the forms can refuse them with a message and show where they were.
    """

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
    setup_cli(app)
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
    from app import formatting, languages

    formatting.register(app)
    languages.register(app)


def setup_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path) + "/../migrations")
    csrf.init_app(app)
    from app.languages import select_locale

    babel.init_app(app, locale_selector=select_locale)
    htmx.init_app(app)
    limiter.init_app(app)
    from app import models  # noqa: F401 - registers every model
    from app.admin.access import init_login

    init_login(app)


def setup_request(app: Flask) -> None:
    """Every request parses its form with `FormParser`, on top of the request class htmx-flask installs."""
    app.request_class = type("Request", (app.request_class,), {"form_data_parser_class": FormParser})


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL lets readers carry on while one writer writes; the busy timeout queues writers instead of failing."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def setup_blueprints(app: Flask) -> None:
    from app.admin import admin
    from app.engage import engage
    from app.public import public
    from app.services.lcp_admin import redirect_old_lcp_slug

    app.before_request(redirect_old_lcp_slug)
    app.register_blueprint(public)
    app.register_blueprint(engage)
    app.register_blueprint(admin)
    if app.config.get("DEV_OUTBOX"):
        from app.dev import dev

        app.register_blueprint(dev)


def setup_error_pages(app: Flask) -> None:
    @app.errorhandler(403)
    def forbidden(error: Exception) -> tuple[str, int]:
        return render_template("errors/403.html"), 403

    @app.errorhandler(404)
    def not_found(error: Exception) -> tuple[str, int]:
        return render_template("errors/404.html"), 404

    @app.errorhandler(CSRFError)
    def form_not_accepted(error: CSRFError):
        """A form whose CSRF check failed is shown again with what was typed, if its view can do that."""
        view = app.view_functions.get(request.endpoint or "")
        if view is not None and getattr(view, "keeps_input_on_csrf_failure", False):
            response = make_response(view(**(request.view_args or {})))
            response.status_code = 400
            return response
        return render_template("errors/400.html"), 400

    @app.errorhandler(413)
    def too_large(error: Exception) -> tuple[str, int]:
        return render_template("errors/413.html"), 413

    @app.errorhandler(429)
    def too_many_requests(error: Exception):
        """A refused form is shown again with what was typed, if its view can do that; otherwise a plain page."""
        view = app.view_functions.get(request.endpoint or "")
        if request.method == "POST" and view is not None and getattr(view, "keeps_input_on_limit", False):
            g.limit_hit = True
            # The view beneath the rate limiter's own wrapper, which would refuse it again.
            response = make_response(view.__wrapped__(**(request.view_args or {})))
            response.status_code = 429
            return response
        return render_template("errors/429.html"), 429

    @app.errorhandler(500)
    def server_error(error: Exception) -> tuple[str, int]:
        db.session.rollback()
        return render_template("errors/500.html"), 500


def setup_security_headers(app: Flask) -> None:
    @app.after_request
    def add_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


def setup_cli(app: Flask) -> None:
    from app.cli import register

    register(app)
