"""The layers keep their places (docs/ARCHITECTURE.md, "The command layer"), read from the sources.

Every change to the data is made in `app/commands/`: nowhere else in `app/` may commit a transaction, write an
audit record or put an email in the outbox. The services and the commands know nothing of the web: no request,
session, `abort`, Flask-Login or blueprint. The command line works in a plain application context.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"
COMMANDS = APP / "commands"
BELOW_THE_WEB = [APP / "commands", APP / "services"]

# What only a command may call, by the name it is defined under.
WRITES = {
    "app.services.audit.record": "an audit record",
    "app.services.audit.record_change": "an audit record",
    "app.services.outbox.queue": "an email in the outbox",
}
# The email builders queue in the caller's transaction, so only a command may call them; they call the outbox.
MAIL_MODULES = ("app.services.mail", "app.services.staff_mail")

# The web layer, as modules and as names taken from Flask.
WEB_MODULES = ("flask_login", "app.admin", "app.engage", "app.public", "app.htmx", "htmx_flask")
FLASK_WEB_NAMES = {"request", "session", "g", "abort", "flash", "redirect", "make_response", "Response"}


def modules(root: Path | None = None) -> Iterator[tuple[str, Path]]:
    for path in sorted((root or APP).rglob("*.py")):
        parts = path.relative_to(APP.parent).with_suffix("").parts
        yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def imported_names(tree: ast.Module, module: str) -> dict[str, str]:
    """Each name a module binds by importing, to the full name it stands for."""
    package = module if module.endswith(("app", "commands", "services")) else module.rpartition(".")[0]
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.partition(".")[0]] = (
                    alias.name if alias.asname else alias.name.partition(".")[0]
                )
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], base]).strip(".")
            for alias in node.names:
                names[alias.asname or alias.name] = f"{base}.{alias.name}"
    return names


def called(tree: ast.Module, names: dict[str, str]) -> Iterator[tuple[int, str]]:
    """(line, full name) of every call whose target the module imported: `audit.record(…)`, `queue(…)`."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        target = node.func
        if isinstance(target, ast.Name) and target.id in names:
            yield node.lineno, names[target.id]
        elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id in names:
            yield node.lineno, f"{names[target.value.id]}.{target.attr}"


def commits(tree: ast.Module) -> Iterator[int]:
    """Lines that commit a transaction: `db.session.commit()`, `connection.commit()`, `transaction.commit()`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit":
            yield node.lineno


def writes_outside_commands() -> list[str]:
    found = []
    for module, path in modules():
        if path.is_relative_to(COMMANDS):
            continue
        where = path.relative_to(APP.parent)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [f"{where}:{line}: commits" for line in commits(tree)]
        for line, name in called(tree, imported_names(tree, module)):
            if name in WRITES and not (name.endswith(".queue") and module in MAIL_MODULES):
                found.append(f"{where}:{line}: writes {WRITES[name]} ({name})")
            elif name.startswith(tuple(f"{mail}.send" for mail in MAIL_MODULES)) and module not in MAIL_MODULES:
                found.append(f"{where}:{line}: queues an email ({name})")
    return found


def web_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.startswith(WEB_MODULES)]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = {alias.name for alias in node.names}
            if node.module.startswith(WEB_MODULES):
                found.append(node.module)
            elif node.module == "flask" and names & FLASK_WEB_NAMES:
                found += [f"flask.{name}" for name in sorted(names & FLASK_WEB_NAMES)]
            elif node.module == "app" and names & {"admin", "engage", "public", "htmx"}:
                found += [f"app.{name}" for name in sorted(names & {"admin", "engage", "public", "htmx"})]
    return found


def test_only_commands_commit_audit_or_queue_email() -> None:
    found = writes_outside_commands()
    assert found == [], "Changes belong in app/commands/:\n" + "\n".join(found)


def test_services_and_commands_know_nothing_of_the_web() -> None:
    offenders = {
        str(path.relative_to(APP.parent)): web_imports(path)
        for root in BELOW_THE_WEB
        for _module, path in modules(root)
        if web_imports(path)
    }
    assert offenders == {}


def test_the_command_line_needs_no_request() -> None:
    offenders = [
        str(path.relative_to(APP.parent))
        for _module, path in modules(APP / "cli")
        if "test_request_context" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


# The checks themselves --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from app.extensions import db\ndb.session.commit()\n", ["commits"]),
        ("from app.services import audit as log\nlog.record('x')\n", ["an audit record"]),
        ("from app.services.audit import record_change\nrecord_change('x', None, {}, ())\n", ["an audit record"]),
        ("from app.services import outbox\noutbox.queue(to='a')\n", ["an email in the outbox"]),
        ("from app.services import mail\nmail.send_confirmation(f)\n", ["queues an email"]),
        ("from app.services import audit\naudit.search('x')\n", []),
    ],
)
def test_the_write_check_finds_what_it_looks_for(
    source: str, expected: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "app"
    (fake / "views").mkdir(parents=True)
    (fake / "views" / "thing.py").write_text(source, encoding="utf-8")
    monkeypatch.setattr(__import__(__name__, fromlist=["APP"]), "APP", fake)
    monkeypatch.setattr(__import__(__name__, fromlist=["COMMANDS"]), "COMMANDS", fake / "commands")
    found = writes_outside_commands()
    assert len(found) == len(expected)
    for line, words in zip(found, expected, strict=True):
        assert words in line


def test_the_import_check_finds_the_web(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "from flask import current_app, request\nimport flask_login\nfrom app.admin.access import me\n",
        encoding="utf-8",
    )
    assert web_imports(module) == ["flask.request", "flask_login", "app.admin.access"]
