"""Fails when translations/messages.pot is stale: when the code and templates hold strings it lacks, or it holds
strings they no longer use. Run `flask --app wsgi translate update` to refresh it and the catalogues."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "translations" / "messages.pot"


def message_ids(path: Path) -> set[str]:
    with path.open("rb") as handle:
        return {str(message.id) for message in read_po(handle) if message.id}


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        fresh = Path(scratch) / "messages.pot"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "babel.messages.frontend",
                "-q",
                "extract",
                "-F",
                "babel.cfg",
                "-k",
                "_l",
                "--no-location",
                "-o",
                str(fresh),
                ".",
            ],
            check=True,
            cwd=ROOT,
        )
        wanted, committed = message_ids(fresh), message_ids(POT)
    missing, unused = sorted(wanted - committed), sorted(committed - wanted)
    if missing or unused:
        for text in missing:
            print(f"not in messages.pot: {text!r}")
        for text in unused:
            print(f"no longer used: {text!r}")
        print("translations/messages.pot is stale: run `.venv/bin/flask --app wsgi translate update`")
        return 1
    print(f"translations/messages.pot is current ({len(wanted)} strings)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
