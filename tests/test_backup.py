"""Backups and restores with scripts/backup.sh and scripts/restore.sh, run as an operator runs them.

Each test makes a database the way a deployment does (`flask db upgrade`, `flask seed`, a staff account from
`flask staff create`), backs it up, changes it, restores the backup and checks that the data is as it was.
SQLite always; PostgreSQL when `TEST_DATABASE_URL` names a PostgreSQL server (CI's second pass), in
throwaway databases made for the test and dropped after it.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.config import database_url

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BACKUP = ROOT / "scripts" / "backup.sh"
RESTORE = ROOT / "scripts" / "restore.sh"
# Reference data, staff and the audit log: what a restore must bring back, counted table by table.
COUNTED = ["lcp", "gp_practice", "topic", "priority", "staff_user", "audit_event", "alembic_version"]
PASSWORD = "a long passphrase for the backup test"

needs_sqlite3 = pytest.mark.skipif(shutil.which("sqlite3") is None, reason="the sqlite3 command is not installed")


def environment(**settings: str) -> dict[str, str]:
    """The test's environment without the settings that would point the commands elsewhere."""
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL", "BACKUP_KEEP"}}
    return {**env, "APP_ENV": "development", "SMTP_HOST": "", **settings}


def flask(url: str, *arguments: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *arguments],
        cwd=ROOT,
        env=environment(DATABASE_URL=url),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"flask {' '.join(arguments)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def script(path: Path, *arguments: str, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(path), *arguments],
        cwd=ROOT,
        env=environment(**settings),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def make_staff(url: str, email: str) -> None:
    flask(
        url, "staff", "create", email, "--name", "Restore Check", "--role", "admin", "--password-stdin", stdin=PASSWORD
    )


def build_site_database(url: str) -> str:
    """Migrated and seeded as in production, plus one distinctive staff account; returns its address."""
    flask(url, "db", "upgrade")
    flask(url, "seed")
    marker = f"restore-{uuid4().hex[:10]}@example.org"
    make_staff(url, marker)
    return marker


def snapshot(url: str, marker: str) -> dict:
    """Rows per table, the schema version and the distinctive account, read without the app."""
    engine = create_engine(database_url(url, ""))
    try:
        with engine.connect() as connection:
            counts = {table: connection.scalar(text(f"SELECT count(*) FROM {table}")) for table in COUNTED}
            account = connection.execute(
                text("SELECT email, name, role FROM staff_user WHERE email = :email"), {"email": marker}
            ).all()
            version = connection.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        engine.dispose()
    return {"counts": counts, "account": [tuple(row) for row in account], "version": version}


def damage(url: str, marker: str) -> None:
    """What a restore is for: a changed row, deleted rows and a row that was not there."""
    engine = create_engine(database_url(url, ""))
    try:
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE staff_user SET name = 'Overwritten' WHERE email = :email"), {"email": marker}
            )
            connection.execute(text("DELETE FROM gp_practice WHERE lcp_id IS NULL"))
    finally:
        engine.dispose()
    make_staff(url, f"later-{uuid4().hex[:10]}@example.org")


def written_backup(result: subprocess.CompletedProcess[str]) -> Path:
    assert result.returncode == 0, f"backup failed:\n{result.stdout}\n{result.stderr}"
    lines = [line for line in result.stdout.splitlines() if line.startswith("backup written: ")]
    assert len(lines) == 1, result.stdout
    path = Path(lines[0].removeprefix("backup written: ").rsplit(" (", 1)[0])
    assert path.is_file()
    return path


# SQLite ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One migrated, seeded database for the module; each test works on its own copy."""
    path = tmp_path_factory.mktemp("backup-template") / "lcp.sqlite3"
    return path, build_site_database(f"sqlite:///{path}")


@pytest.fixture
def sqlite_database(sqlite_template: tuple[Path, str], tmp_path: Path) -> tuple[Path, str, str]:
    template, marker = sqlite_template
    path = tmp_path / "instance" / "lcp.sqlite3"
    path.parent.mkdir()
    with sqlite3.connect(template) as source, sqlite3.connect(path) as copy:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=WAL")  # as the app runs it
    source.close()
    copy.close()
    return path, f"sqlite:///{path}", marker


@needs_sqlite3
def test_a_sqlite_backup_restores_the_data_as_it_was(sqlite_database, tmp_path: Path) -> None:
    path, url, marker = sqlite_database
    before = snapshot(url, marker)
    assert before["account"] == [(marker, "Restore Check", "admin")]

    # Online: another connection is in the middle of writing while the backup runs. The backup waits for
    # nobody and holds only what was committed.
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("DELETE FROM topic")
        backup = written_backup(script(BACKUP, str(tmp_path / "backups"), DATABASE_URL=url))
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert backup.parent == tmp_path / "backups"
    assert backup.name.startswith("lcp-sqlite-") and backup.name.endswith("Z.sqlite3.gz")
    assert gzip.decompress(backup.read_bytes()).startswith(b"SQLite format 3\0")
    assert oct(backup.stat().st_mode & 0o777) == "0o600", "backups hold personal data: owner only"

    damage(url, marker)
    damaged = snapshot(url, marker)
    assert damaged != before

    # The database URL may come from the environment, as in the systemd units, or as an argument.
    restored = script(RESTORE, str(backup), url)
    assert restored.returncode == 0, f"restore failed:\n{restored.stdout}\n{restored.stderr}"
    assert snapshot(url, marker) == before
    assert f"schema version {before['version']}" in restored.stdout

    # The database as it was before the restore is kept beside it.
    saved = [p for p in path.parent.iterdir() if p.name.startswith("lcp.sqlite3.before-restore-")]
    assert len(saved) == 1
    assert snapshot(f"sqlite:///{saved[0]}", marker) == damaged
    assert not [p.name for p in path.parent.iterdir() if p.name.startswith(".lcp-restore")]

    # The app itself reads the restored database.
    assert marker in flask(url, "staff", "list")


@needs_sqlite3
def test_a_sqlite_backup_keeps_the_newest_and_touches_nothing_else(sqlite_database, tmp_path: Path) -> None:
    _path, url, _marker = sqlite_database
    folder = tmp_path / "backups"
    folder.mkdir()
    older = [folder / f"lcp-sqlite-2020010{day}T000000Z.sqlite3.gz" for day in range(1, 6)]
    others = [folder / "notes.txt", folder / "lcp-postgresql-20200101T000000Z.dump"]
    for path in older + others:
        path.write_bytes(b"not really a backup")

    result = script(BACKUP, str(folder), DATABASE_URL=url, BACKUP_KEEP="3")
    newest = written_backup(result)

    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [newest.name, older[4].name, older[3].name] + [p.name for p in others]
    )
    assert result.stdout.count("old backup removed: ") == 3


@needs_sqlite3
def test_a_bad_sqlite_backup_is_refused_and_the_database_left_alone(sqlite_database, tmp_path: Path) -> None:
    path, url, marker = sqlite_database
    before = snapshot(url, marker)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    bad = tmp_path / "lcp-sqlite-20200101T000000Z.sqlite3.gz"
    bad.write_bytes(gzip.compress(b"SQLite format 3\0" + b"\x07" * 8192))
    truncated = tmp_path / "lcp-sqlite-20200102T000000Z.sqlite3.gz"
    truncated.write_bytes(gzip.compress(b"SQLite format 3\0")[:20])
    dump = tmp_path / "lcp-postgresql-20200101T000000Z.dump"
    dump.write_bytes(b"PGDMP")

    for backup, says in [
        (bad, "integrity check"),
        (truncated, "cannot unpack"),
        (dump, "is a postgresql backup, but DATABASE_URL names a sqlite database"),
    ]:
        result = script(RESTORE, str(backup), DATABASE_URL=url)
        assert result.returncode != 0, result.stdout
        assert says in result.stderr
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert snapshot(url, marker) == before
    assert sorted(p.name for p in path.parent.iterdir() if not p.name.endswith(("-wal", "-shm"))) == ["lcp.sqlite3"]


def test_the_scripts_say_what_is_missing(tmp_path: Path) -> None:
    for path, first in [(BACKUP, "the folder to write the backup into"), (RESTORE, "the backup file to restore")]:
        result = script(path)
        assert result.returncode != 0
        assert "usage: " in result.stderr and first in result.stderr
        given = script(path, str(tmp_path / "x"))
        assert given.returncode != 0
        assert "DATABASE_URL is not set" in given.stderr
    missing = script(RESTORE, str(tmp_path / "nothing.dump"), DATABASE_URL="postgresql://nobody@127.0.0.1/none")
    assert missing.returncode != 0 and "no backup file at" in missing.stderr
    wrong = script(BACKUP, str(tmp_path), DATABASE_URL="mysql://x@y/z")
    assert wrong.returncode != 0 and "must start with sqlite:/// or postgresql://" in wrong.stderr
    nowhere = script(BACKUP, str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'absent.sqlite3'}")
    assert nowhere.returncode != 0 and "no SQLite database at" in nowhere.stderr
    assert not (tmp_path / "absent.sqlite3").exists()
    keep = script(BACKUP, str(tmp_path), DATABASE_URL="sqlite:///x", BACKUP_KEEP="none")
    assert keep.returncode != 0 and "BACKUP_KEEP must be a whole number" in keep.stderr


# PostgreSQL --------------------------------------------------------------------------------------------


@pytest.fixture
def postgresql_databases() -> Iterator:
    """Makes throwaway databases on the suite's PostgreSQL server, each owned by a throwaway role that is not a
    superuser, as in production (docs/deploy.md); drops them all afterwards."""
    suite_url = os.environ.get("TEST_DATABASE_URL", "")
    if not suite_url.startswith(("postgresql", "postgres:")):
        pytest.skip("TEST_DATABASE_URL does not name a PostgreSQL server (CI's second pass sets it)")
    for command in ("pg_dump", "pg_restore", "psql"):
        assert shutil.which(command), f"{command} is missing: install postgresql-client to test PostgreSQL backups"
    server = make_url(database_url(suite_url, ""))
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    owner = f"test_backup_{uuid4().hex[:12]}"
    password = uuid4().hex
    made: list[str] = []
    with admin.connect() as connection:
        connection.execute(text(f"CREATE ROLE \"{owner}\" LOGIN PASSWORD '{password}'"))

    def make() -> str:
        name = f"test_backup_{uuid4().hex[:12]}"
        made.append(name)
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" OWNER "{owner}"'))
        url = server.set(database=name, username=owner, password=password)
        return url.render_as_string(hide_password=False)

    try:
        yield make
    finally:
        with admin.connect() as connection:
            for name in made:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'DROP ROLE IF EXISTS "{owner}"'))
        admin.dispose()


def test_a_postgresql_backup_restores_over_changed_data_and_into_an_empty_database(
    postgresql_databases, tmp_path: Path
) -> None:
    url = postgresql_databases()  # postgresql+psycopg://, as the app writes it: the scripts read it too
    marker = build_site_database(url)
    before = snapshot(url, marker)
    assert before["account"] == [(marker, "Restore Check", "admin")]

    backup = written_backup(script(BACKUP, str(tmp_path / "backups"), DATABASE_URL=url))
    assert backup.name.startswith("lcp-postgresql-") and backup.name.endswith("Z.dump")
    assert backup.read_bytes().startswith(b"PGDMP")
    assert oct(backup.stat().st_mode & 0o777) == "0o600", "backups hold personal data: owner only"

    # Over the same database, changed since the backup.
    damage(url, marker)
    assert snapshot(url, marker) != before
    restored = script(RESTORE, str(backup), DATABASE_URL=url)
    assert restored.returncode == 0, f"restore failed:\n{restored.stdout}\n{restored.stderr}"
    assert snapshot(url, marker) == before
    assert f"schema version {before['version']}" in restored.stdout

    # Into a new, empty database, as on a new server; the URL in its plain postgresql:// form.
    fresh = postgresql_databases()
    plain = fresh.replace("postgresql+psycopg://", "postgresql://", 1)
    into_new = script(RESTORE, str(backup), plain)
    assert into_new.returncode == 0, f"restore failed:\n{into_new.stdout}\n{into_new.stderr}"
    assert snapshot(fresh, marker) == before
    # The app works on the restored database and adds rows to it: its sequences came back with it.
    make_staff(fresh, f"after-{uuid4().hex[:10]}@example.org")
    assert snapshot(fresh, marker)["counts"]["staff_user"] == before["counts"]["staff_user"] + 1
