"""The public development key keeps the site on this machine: the app refuses other addresses, and `make run` refuses
to serve beyond loopback without a key of one's own."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from app import create_app
from app.config import Config, TestingConfig
from app.dev_guard import DEVELOPMENT_KEY, is_loopback
from app.extensions import db

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app_with_key(app: Flask) -> Iterator:
    """Makes an app on the test database signing with the given SECRET_KEY."""
    made: list[Flask] = []

    def make(key: str) -> Flask:
        config = TestingConfig()
        config.SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        config.SECRET_KEY = key
        made.append(create_app(config))
        return made[-1]

    yield make
    for each in made:
        with each.app_context():
            db.engine.dispose()


def test_the_guard_knows_the_development_key_the_settings_use() -> None:
    if "SECRET_KEY" in os.environ:
        pytest.skip("SECRET_KEY is set in this environment, so the default is not in use")
    assert Config.SECRET_KEY == DEVELOPMENT_KEY


@pytest.mark.parametrize(
    ("remote", "headers"),
    [
        ("192.0.2.10", {}),
        ("10.0.0.2", {}),
        ("::ffff:192.0.2.10", {}),
        ("", {}),
        ("127.0.0.1", {"X-Forwarded-For": "203.0.113.9"}),
        ("127.0.0.1", {"X-Forwarded-For": "127.0.0.1, 203.0.113.9"}),
        ("127.0.0.1", {"X-Real-IP": "203.0.113.9"}),
        ("127.0.0.1", {"Forwarded": 'for="[2001:db8::1]:4711";proto=https'}),
        ("127.0.0.1", {"Forwarded": "for=unknown"}),
    ],
)
def test_with_the_development_key_other_machines_are_refused_with_a_reason(app_with_key, remote, headers) -> None:
    site = app_with_key(DEVELOPMENT_KEY)
    for path in ("/", "/admin/login", "/healthz", "/dev/outbox"):
        response = site.test_client().get(path, headers=headers, environ_base={"REMOTE_ADDR": remote})
        assert response.status_code == 403, path
        assert response.mimetype == "text/plain"
        text = response.get_data(as_text=True)
        assert "answers only the machine it runs on" in text and "SECRET_KEY" in text
        assert "Set-Cookie" not in response.headers
    # A form is refused before anything reads it, its CSRF token included.
    form = {"data": {"email": "x"}, "headers": headers, "environ_base": {"REMOTE_ADDR": remote}}
    response = site.test_client().post("/admin/login", **form)
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("remote", "headers"),
    [
        ("127.0.0.1", {}),
        ("127.0.0.53", {}),
        ("::1", {}),
        ("::ffff:127.0.0.1", {}),
        ("127.0.0.1", {"X-Forwarded-For": "127.0.0.1"}),
        ("127.0.0.1", {"Forwarded": 'for="[::1]:5000"'}),
    ],
)
def test_with_the_development_key_this_machine_is_served(app_with_key, remote, headers) -> None:
    site = app_with_key(DEVELOPMENT_KEY)
    response = site.test_client().get("/admin/login", headers=headers, environ_base={"REMOTE_ADDR": remote})
    assert response.status_code == 200


def test_with_a_key_of_its_own_the_site_answers_anyone(app_with_key) -> None:
    site = app_with_key("a-long-random-key-of-this-installation-" + "x" * 20)
    response = site.test_client().get("/admin/login", environ_base={"REMOTE_ADDR": "192.0.2.10"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.1:5000", True),
        ("[::1]:5000", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("localhost", False),
        ("127.0.0.1.evil.example", False),
        ("", False),
        (None, False),
    ],
)
def test_loopback_means_an_address_not_a_name(address, loopback) -> None:
    assert is_loopback(address) is loopback


needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def make_run(*args: str, secret_key: str | None = None) -> subprocess.CompletedProcess:
    """`make -n run …`: what make would do, without doing it (the check happens as the Makefile is read)."""
    env = {key: value for key, value in os.environ.items() if key not in ("SECRET_KEY", "MAKEFLAGS", "MFLAGS")}
    if secret_key is not None:
        env["SECRET_KEY"] = secret_key
    return subprocess.run(
        ["make", "-n", "run", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )


@needs_make
@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "my-laptop.local"])
def test_make_run_beyond_loopback_needs_a_secret_key(host: str) -> None:
    for key in (None, "", DEVELOPMENT_KEY):
        done = make_run(f"HOST={host}", secret_key=key)
        assert done.returncode != 0
        assert "public development SECRET_KEY" in done.stderr and "SECRET_KEY=$(python3" in done.stderr
        assert "flask" not in done.stdout
    done = make_run(f"HOST={host}", secret_key="a-key-of-my-own-" + "k" * 32)
    assert done.returncode == 0, done.stderr
    assert f"run --host {host}" in done.stdout


@needs_make
@pytest.mark.parametrize("host", [None, "127.0.0.1", "localhost", "::1"])
def test_make_run_on_loopback_needs_no_key(host: str | None) -> None:
    done = make_run(*([f"HOST={host}"] if host else []))
    assert done.returncode == 0, done.stderr
    assert f"run --host {host or '127.0.0.1'}" in done.stdout
