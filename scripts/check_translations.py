"""The translation checks `make lint` runs. Fails when:

- translations/messages.pot is stale: the code and templates hold strings it lacks, or it holds strings they
  no longer use (`flask --app wsgi translate update` refreshes it and the catalogues);
- a language the site offers (`Config.LANGUAGES`) has a public message without a translation: every message
  used outside the staff area (app/admin, templates/admin, the command line and the staff's own emails);
- a translation's placeholders (`%(name)s`, `%%`, `{name}`) differ from the English, in any form;
- a catalogue does not compile;
- a catalogue whose header says it awaits community review lost that mark without saying who reviewed it;
- our curation (app/data/curation.json) holds a sentence for people: the site words what it knows of Leeds itself,
  as messages with the facts as placeholders, so the sentence reaches the catalogue. Only notes for whoever edits
  the data (`about`, `why`) and partnerships' summaries (which staff translate on the site) may be prose.
"""

from __future__ import annotations

import gettext
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "translations" / "messages.pot"
sys.path.insert(0, str(ROOT))

# Where staff-only messages live; staff pages may stay in English.
STAFF_ONLY = (
    "app/admin/",
    "app/templates/admin/",
    "app/cli/",
    "app/templates/email/theme-alert.",
    "app/templates/email/staff-",
    "app/services/staff_mail.py",
    "app/services/staff_notify.py",
    # The inbox and the item page: their filters, views, history sentences and refusals are read only by staff.
    "app/services/triage.py",
    "app/services/inbox_counts.py",
    "app/services/item_page.py",
    "app/services/reply_templates.py",
    "app/commands/inbox.py",
    "app/commands/replies.py",
    "app/commands/same_issue.py",
    # Preparing words for quoting: the redaction step's words and refusals are read only by staff.
    "app/services/quoting.py",
    "app/commands/quotes.py",
    # Marking items urgent and naming safeguarding contacts: staff-only.
    "app/commands/safeguarding.py",
)
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%%|%[sd]|\{[a-z_]+\}")
CURATION = ROOT / "app" / "data" / "curation.json"
CURATION_PROSE = {"about", "why", "summary"}
ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z’'-]*")
REVIEW_MARK = "Awaiting community review"
REVIEWED_MARK = "Reviewed by"


def extract(target: Path, locations: bool) -> None:
    command = [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg", "-k", "_l"]
    command += ["-o", str(target), "."] if locations else ["--no-location", "-o", str(target), "."]
    subprocess.run(command, check=True, cwd=ROOT)


def read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def key(message) -> str:
    return str(message.id[0] if isinstance(message.id, tuple | list) else message.id)


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text or ""))


def offered_languages() -> list[str]:
    from app.config import Config

    return [code for code in Config.LANGUAGES if code != "en_GB"]


def stale_template(fresh) -> list[str]:
    wanted = {key(message) for message in fresh if message.id}
    committed = {key(message) for message in read(POT) if message.id}
    problems = [f"not in messages.pot: {text!r}" for text in sorted(wanted - committed)]
    problems += [f"no longer used: {text!r}" for text in sorted(committed - wanted)]
    if problems:
        problems.append("translations/messages.pot is stale: run `.venv/bin/flask --app wsgi translate update`")
    return problems


def public_messages(located) -> set[str]:
    return {
        key(message)
        for message in located
        if message.id and not all(path.startswith(STAFF_ONLY) for path, _line in message.locations)
    }


def check_catalogue(code: str, public: set[str]) -> list[str]:
    path = ROOT / "translations" / code / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return [f"{code}: no catalogue at {path.relative_to(ROOT)}"]
    catalogue = read(path)
    problems = []
    translated = set()
    # A plural form chosen for one number only ("1 day", Arabic's "2 days") may leave that number out.
    chooser = gettext.c2py(catalogue.plural_expr)
    numbers_of: dict[int, set[int]] = {}
    for number in range(1000):
        numbers_of.setdefault(chooser(number), set()).add(number)
    one_number_forms = {form for form, numbers in numbers_of.items() if len(numbers) == 1}
    for message in catalogue:
        if not message.id:
            continue
        english = list(message.id) if isinstance(message.id, tuple | list) else [message.id]
        forms = list(message.string) if isinstance(message.string, tuple | list) else [message.string]
        if not all(forms):
            continue
        translated.add(key(message))
        expected = placeholders(english[-1])
        for index, form in enumerate(forms):
            found = placeholders(form)
            if found == expected:
                continue
            dropped_number = [item for item in expected if not item.startswith("%(num)")] == found
            if not (len(english) > 1 and index in one_number_forms and dropped_number):
                problems.append(f"{code}: placeholders {found} differ from {expected} in {key(message)!r}")
    for text in sorted(public - translated):
        problems.append(f"{code}: public message not translated: {text!r}")
    comment = catalogue.header_comment or ""
    if REVIEW_MARK not in comment and REVIEWED_MARK not in comment:
        problems.append(f"{code}: the header must say '{REVIEW_MARK}' or '{REVIEWED_MARK} …'")
    with tempfile.TemporaryFile() as compiled:
        try:
            write_mo(compiled, catalogue)
        except Exception as error:  # noqa: BLE001 - any failure to compile is the finding
            problems.append(f"{code}: does not compile: {error}")
    return problems


def is_sentence(text: str) -> bool:
    """Four or more English words ending as a sentence ends: what a person would read as a sentence."""
    return text.rstrip()[-1:] in ".!?" and len(ENGLISH_WORD.findall(text)) >= 4


def curation_sentences(data, path: str = "") -> list[str]:
    """Where our curation holds a sentence for people, outside the fields that may hold prose."""
    found = []
    if isinstance(data, dict):
        for name, value in data.items():
            if name not in CURATION_PROSE:
                found += curation_sentences(value, f"{path}.{name}" if path else name)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += curation_sentences(value, f"{path}[{index}]")
    elif isinstance(data, str) and is_sentence(data):
        found.append(
            f"app/data/curation.json: {path} is a sentence ({data[:60]!r}); keep the facts there and word the "
            "sentence in code as a message with placeholders (app/services/coverage.py)"
        )
    return found


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        plain, located = Path(scratch) / "messages.pot", Path(scratch) / "located.pot"
        extract(plain, locations=False)
        extract(located, locations=True)
        problems = stale_template(read(plain))
        public = public_messages(read(located))
    for code in offered_languages():
        problems += check_catalogue(code, public)
    problems += curation_sentences(json.loads(CURATION.read_text(encoding="utf-8")))
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print(
        f"translations/messages.pot is current; {len(public)} public messages translated in "
        f"{', '.join(offered_languages()) or 'no other language'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
