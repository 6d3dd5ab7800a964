"""The repository stands on its own, and its documented commands do what the README says.

A clone holds nothing outside itself, so no file may point there, and every relative link in the docs must
lead to a file in the clone. `make run PORT=…` is what the README offers to people whose port 5000 is taken.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Built from parts so that this file does not match itself.
OUTSIDE = "../" + "shared"
SKIPPED_NAMES = {"package-lock.json"}
SKIPPED_DIRS = {"node_modules"}
DOCS = ["README.md", *sorted(str(path.relative_to(ROOT)) for path in (ROOT / "docs").glob("*.md"))]
# Inline links and images, [text](target "title"), and reference definitions, [label]: target.
INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
FENCED_CODE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)


def repository_files() -> list[str]:
    """Tracked files, and new ones not yet committed but not ignored, so a new file is checked before it lands."""
    listing = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    return sorted({name for name in listing.stdout.decode().split("\0") if name})


def text_of(path: Path) -> str | None:
    """The file's text, or None for a binary file (a NUL byte, or not UTF-8)."""
    data = path.read_bytes()
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def checked_text_files() -> list[str]:
    names = []
    for name in repository_files():
        parts = Path(name).parts
        if parts[-1] in SKIPPED_NAMES or SKIPPED_DIRS.intersection(parts):
            continue
        if (ROOT / name).is_file():  # a tracked file deleted in the working tree is not there to read
            names.append(name)
    return names


def relative_links(markdown: str) -> list[str]:
    """Link targets that are paths, not web addresses, e-mail links or anchors in the same page."""
    prose = FENCED_CODE.sub("", markdown)
    targets = INLINE_LINK.findall(prose) + REFERENCE_LINK.findall(prose)
    paths = []
    for target in targets:
        parts = urlsplit(target)
        if parts.scheme or parts.netloc or not parts.path:
            continue
        paths.append(unquote(parts.path))
    return paths


def test_the_listing_finds_the_repository() -> None:
    files = repository_files()
    assert "README.md" in files
    assert "Makefile" in files
    assert "docs/ARCHITECTURE.md" in DOCS
    assert "docs/PRODUCT.md" in DOCS


def test_no_file_points_outside_the_repository() -> None:
    offenders = []
    for name in checked_text_files():
        text = text_of(ROOT / name)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if OUTSIDE in line:
                offenders.append(f"{name}:{number}: {line.strip()}")
    assert offenders == [], "files that refer to a folder outside the repository:\n" + "\n".join(offenders)


def test_the_link_parser_sees_what_a_reader_clicks() -> None:
    markdown = (
        'See [the architecture](docs/ARCHITECTURE.md#layout), ![a logo](img/logo.png "Logo"), '
        "[the web](https://example.org/x.md), [mail](mailto:a@example.org), [here](#top).\n"
        "[ref]: ../elsewhere/STYLE.md\n"
        "```\n[not a link](inside/code.md)\n```\n"
    )
    assert relative_links(markdown) == ["docs/ARCHITECTURE.md", "img/logo.png", "../elsewhere/STYLE.md"]


@pytest.mark.parametrize("document", DOCS)
def test_every_relative_link_leads_to_a_file_in_the_repository(document: str) -> None:
    files = set(repository_files())
    folders = {str(parent) for name in files for parent in Path(name).parents}
    source = ROOT / document
    broken = []
    for target in relative_links(source.read_text(encoding="utf-8")):
        resolved = Path(os.path.normpath(source.parent / target))
        try:
            inside = str(resolved.relative_to(ROOT))
        except ValueError:
            broken.append(f"{target} (outside the repository)")
            continue
        if inside not in files and inside not in folders:
            broken.append(f"{target} (no such file in the repository)")
    assert broken == [], f"{document} has broken links:\n" + "\n".join(broken)


def dry_run(*arguments: str) -> str:
    """What `make run` would do, printed by `make -n` and not done; PORT and HOST come only from the arguments."""
    environment = {key: value for key, value in os.environ.items() if key not in {"PORT", "HOST", "MAKEFLAGS"}}
    result = subprocess.run(
        ["make", "-n", "run", *arguments], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    )
    return result.stdout


def serve_command(output: str) -> str:
    lines = [line for line in output.splitlines() if " run --host " in line]
    assert len(lines) == 1, output
    return lines[0]


def test_every_test_module_is_listed_in_the_testing_guide() -> None:
    guide = (ROOT / "docs" / "TESTING.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([\w/]+\.py)` \|", guide, re.MULTILINE))
    modules = {path.name for path in (ROOT / "tests").glob("test_*.py")}
    browser = {path.name for path in (ROOT / "tests" / "browser").glob("test_*.py")}
    browser_section = guide.split("### In Chromium", 1)[1]
    missing = sorted(modules - listed) + sorted(
        f"browser/{name}" for name in browser if f"| `{name}` |" not in browser_section
    )
    assert missing == [], f"docs/TESTING.md does not say what these prove: {missing}"
    assert {name for name in listed if name.startswith("test_")} <= modules | browser, "listed but gone"


def test_make_run_serves_on_port_5000_on_loopback_by_default() -> None:
    command = serve_command(dry_run())
    assert command.endswith("--host 127.0.0.1 --port 5000")


def test_make_run_honours_port() -> None:
    command = serve_command(dry_run("PORT=5050"))
    assert "--port 5050" in command
    assert "--port 5000" not in command


def test_make_run_honours_host() -> None:
    # Beyond loopback only with a key of one's own (tests/test_dev_guard.py).
    command = serve_command(dry_run("HOST=0.0.0.0", "PORT=8080", "SECRET_KEY=" + "a-key-of-my-own-" * 3))
    assert command.endswith("--host 0.0.0.0 --port 8080")
