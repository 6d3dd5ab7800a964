"""The flask commands a newcomer and an operator run."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from app import create_app
from app.config import TestingConfig

APP = Path(__file__).resolve().parent.parent / "app"


def test_seed_command_is_idempotent(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0
    assert result.output.strip() == "0 reference rows added"


def test_demo_command_reports_what_it_made_and_how_to_sign_in(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert lines[0].endswith("demo rows made")
    assert f"Staff area (development only): {app.config['SITE_URL']}/admin/login" in lines
    keys = [line.split(": ")[1] for line in lines if "TOTP key" in line]
    assert len(keys) == 2
    # The accounts and their keys survive another run, so an authenticator set up once keeps working.
    again = app.test_cli_runner().invoke(args=["demo"]).output
    assert all(key in again for key in keys)
    with app.app_context():
        from app.services.auth import find_staff

        worker = find_staff("demo-worker@example.org")
        assert worker.role == "staff" and [lcp.slug for lcp in worker.lcps] == ["armley"]
        assert find_staff("demo-admin@example.org").role == "admin"


def test_production_never_has_demo_staff() -> None:
    from app.config import ProductionConfig

    assert ProductionConfig.DEMO_STAFF is False


def test_demo_command_refuses_production(app: Flask) -> None:
    config = TestingConfig()
    config.ENV_NAME = "production"
    config.SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
    result = create_app(config).test_cli_runner().invoke(args=["demo"])
    assert result.exit_code != 0
    assert "never loaded in production" in result.output


def test_schema_comes_only_from_migrations() -> None:
    offenders = [path for path in APP.rglob("*.py") if "create_all(" in path.read_text(encoding="utf-8")]
    assert offenders == []


def test_plain_postgresql_urls_use_the_installed_driver() -> None:
    from app.config import database_url

    assert database_url("postgresql://u@h/db", "x") == "postgresql+psycopg://u@h/db"
    assert database_url("postgres://u@h/db", "x") == "postgresql+psycopg://u@h/db"
    assert database_url(None, "sqlite:///a.db") == "sqlite:///a.db"
    assert database_url("postgresql+psycopg://u@h/db", "x") == "postgresql+psycopg://u@h/db"
