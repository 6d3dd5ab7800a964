"""Reading what residents write for the two things that make speaking up safe: words that suggest someone may be in
danger now, and other people's personal details.

Neither is clinical judgement and neither ever blocks anything: a match shows the resident where urgent help is and
marks the item "urgent: check today" for staff; a detail found tells the resident, kindly, that staff remove other
people's details before anything is quoted, and pre-selects it in the staff's redaction step.

Urgent phrases come from reviewed lists, one file per language in `app/data/urgent-phrases/` with their source and
who reviewed them. Every list is matched whatever the page's language (people write in the language they think in),
on text folded the same way as the phrases: compatibility forms, case, accents and Arabic-script letter variants
folded, so "I can’t go on", "i cant go on" and "I CAN'T GO ON" read alike. A phrase matches only as whole words
("in danger" is not in "a bus stop danger sign"), except in scripts written without spaces (Chinese), where it
matches as it stands.

Personal details: email addresses, UK phone numbers, NHS numbers (ten digits passing the modulus 11 check), full
UK postcodes and dates of birth (a date named as one, or a full date more than ten years ago).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from app.clock import utcnow

PHRASES = Path(__file__).resolve().parent.parent / "data" / "urgent-phrases"
HELP_CONTACTS = Path(__file__).resolve().parent.parent / "data" / "help-contacts.json"

# What a removed piece of a quote reads as, on the site and in feeds.
REMOVED = "[removed]"

# Arabic-script letters written more than one way (Arabic and Urdu keyboards differ), folded to one.
_ARABIC_FOLD = str.maketrans(
    {
        "\u0623": "\u0627",  # أ
        "\u0625": "\u0627",  # إ
        "\u0622": "\u0627",  # آ
        "\u0671": "\u0627",  # ٱ
        "\u0649": "\u064a",  # ى
        "\u06cc": "\u064a",  # ی (Urdu)
        "\u06d2": "\u064a",  # ے (Urdu bari ye)
        "\u06a9": "\u0643",  # ک (Urdu)
        "\u06c1": "\u0647",  # ہ (Urdu)
        "\u06be": "\u0647",  # ھ (Urdu)
        "\u0629": "\u0647",  # ة
        "\u0640": None,  # tatweel
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "\u0219": "s",  # ș, written with a cedilla too
        "\u021b": "t",  # ț
        "\u0142": "l",  # ł, which has no decomposition
    }
)


def fold(text: str) -> str:
    """Text as it is compared: compatibility forms, no accents or marks, lower case, one spelling of each
    Arabic-script letter, one kind of apostrophe, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if unicodedata.category(char) != "Mn")
    folded = bare.casefold().translate(_ARABIC_FOLD)
    return " ".join(folded.split())


def _spaceless(phrase: str) -> bool:
    """A phrase in a script written without spaces between words (Chinese, Japanese)."""
    return any("\u3040" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" for char in phrase)


@dataclass(frozen=True)
class PhraseList:
    language: str
    source: str
    reviewed: str
    phrases: tuple[str, ...]


@cache
def phrase_lists() -> tuple[PhraseList, ...]:
    lists = []
    for path in sorted(PHRASES.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        lists.append(
            PhraseList(
                language=data["language"],
                source=data["source"],
                reviewed=data["reviewed"],
                phrases=tuple(data["phrases"]),
            )
        )
    return tuple(lists)


@cache
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    compiled = []
    for phrase_list in phrase_lists():
        for phrase in phrase_list.phrases:
            words = fold(phrase)
            if not words:
                continue
            body = r"\s*".join(re.escape(word) for word in words.split())
            pattern = body if _spaceless(words) else rf"(?<!\w){body}(?!\w)"
            compiled.append((phrase, re.compile(pattern)))
    return tuple(compiled)


def urgent_phrases(text: str) -> list[str]:
    """The reviewed phrases found in `text`, each once, in the order of the lists."""
    folded = fold(text or "")
    if not folded:
        return []
    return list(dict.fromkeys(phrase for phrase, pattern in _patterns() if pattern.search(folded)))


# Personal details --------------------------------------------------------------------------------------------------

EMAIL = "email"
PHONE = "phone"
NHS_NUMBER = "nhs-number"
POSTCODE = "postcode"
DATE_OF_BIRTH = "date-of-birth"
KINDS = (EMAIL, PHONE, NHS_NUMBER, POSTCODE, DATE_OF_BIRTH)


@dataclass(frozen=True)
class Detail:
    """One personal detail found: its kind, where it is in the text and the characters themselves."""

    kind: str
    start: int
    end: int
    text: str

    @property
    def key(self) -> str:
        """How a form names it: its place in the text."""
        return f"{self.start}-{self.end}"


_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Ten or eleven digits, as people write phone and NHS numbers: spaces, hyphens, dots, brackets, +44.
_DIGITS = re.compile(r"(?<![\w+])(?:\+\s?44\s?(?:\(0\)\s?)?|\(?0)?\d[\d\s().-]{7,16}\d(?!\w)")
_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])(?:GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2})(?![A-Za-z0-9])", re.I
)
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_DATE = re.compile(
    rf"(?<!\d)(?:(\d{{1,2}})[/.-](\d{{1,2}})[/.-](\d{{4}}|\d{{2}})"
    rf"|(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTHS})\.?,?\s+(\d{{4}}))(?!\d)",
    re.I,
)
# Words that name a date of birth, in the site's languages, folded (see `fold`).
_BIRTH_WORDS = re.compile(
    r"(?:\bborn\b|\bd\.?o\.?b\b|date of birth|\bbirthday\b|urodzon|data urodzenia|nascut|data nasterii"
    r"|تاريخ الميلاد|تاريخ ميلاد|مواليد|تاريخ پيدائش|پيدائش|出生|生日)",
)


def nhs_number_valid(digits: str) -> bool:
    """The NHS number's modulus 11 check: ten digits, the last a check digit of the other nine."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _phone_digits(text: str) -> str | None:
    """The national number of a UK phone number as written, or None when it is not one."""
    digits = re.sub(r"\D", "", text)
    if text.lstrip().startswith("+"):
        if not digits.startswith("44"):
            return None
        digits = "0" + digits[2:].removeprefix("0")
    if not digits.startswith("0") or len(digits) not in (10, 11):
        return None
    return digits if digits[1] in "123578" else None


def _year(value: str) -> int:
    year = int(value)
    if len(value) == 2:
        century = utcnow().year // 100 * 100
        year += century if year <= utcnow().year % 100 else century - 100
    return year


def _real_date(day: int, month: int, year: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _dates(text: str) -> list[Detail]:
    found = []
    this_year = utcnow().year
    folded_lower = text.casefold()
    for match in _DATE.finditer(text):
        if match.group(1):
            day, month, year = int(match.group(1)), int(match.group(2)), _year(match.group(3))
        else:
            month_name = match.group(5).casefold()[:3]
            day, year = int(match.group(4)), int(match.group(6))
            month = [name[:3] for name in _MONTHS.split("|")[:12]].index(month_name) + 1
        if not _real_date(day, month, year) or year > this_year:
            continue
        before = fold(folded_lower[max(0, match.start() - 25) : match.start()])
        named = _BIRTH_WORDS.search(before) is not None
        if named or year <= this_year - 10:
            found.append(Detail(DATE_OF_BIRTH, match.start(), match.end(), match.group(0)))
    return found


def personal_details(text: str) -> list[Detail]:
    """Other people's details in `text`, in the order they appear; where two overlap, the first found stays."""
    text = text or ""
    found: list[Detail] = [Detail(EMAIL, m.start(), m.end(), m.group(0)) for m in _EMAIL.finditer(text)]
    for match in _DIGITS.finditer(text):
        written = match.group(0).strip(" .-()")
        start = match.start() + match.group(0).index(written)
        digits = re.sub(r"\D", "", written)
        if nhs_number_valid(digits) and not written.lstrip().startswith("+"):
            found.append(Detail(NHS_NUMBER, start, start + len(written), written))
        elif _phone_digits(written):
            found.append(Detail(PHONE, start, start + len(written), written))
    found += [Detail(POSTCODE, m.start(), m.end(), m.group(0)) for m in _POSTCODE.finditer(text)]
    found += _dates(text)
    kept: list[Detail] = []
    for detail in found:
        if not any(detail.start < other.end and other.start < detail.end for other in kept):
            kept.append(detail)
    return sorted(kept, key=lambda detail: detail.start)


def kinds_found(details: list[Detail]) -> list[str]:
    """The kinds of detail found, each once, in the order of KINDS."""
    present = {detail.kind for detail in details}
    return [kind for kind in KINDS if kind in present]


# Redaction -----------------------------------------------------------------------------------------------------------


def removal_spans(text: str, keys: list[str], words: list[str]) -> list[tuple[int, int]]:
    """Where to remove: the chosen details (by `Detail.key`, only those really found in `text`) and every
    whole-word occurrence of each of `words` (names), in any case; overlapping spans merged."""
    spans = [(detail.start, detail.end) for detail in personal_details(text) if detail.key in set(keys)]
    for word in words:
        word = " ".join(word.split())
        if not word:
            continue
        body = r"\s+".join(re.escape(part) for part in word.split())
        pattern = body if _spaceless(word) else rf"(?<!\w){body}(?!\w)"
        spans += [(m.start(), m.end()) for m in re.finditer(pattern, text, re.I)]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def redact(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with each span replaced by REMOVED."""
    parts, at = [], 0
    for start, end in spans:
        parts += [text[at:start], REMOVED]
        at = end
    parts.append(text[at:])
    return "".join(parts)


def words_to_remove(typed: str) -> list[str]:
    """The names and words a member of staff typed to remove: one per line or separated by commas."""
    return [" ".join(word.split()) for word in re.split(r"[\n,،，]", typed or "") if word.strip()]


# Where to get help -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HelpContact:
    key: str
    number: str
    url: str
    confirmed: bool


@cache
def help_contacts() -> dict[str, HelpContact]:
    """The numbers the share page gives for urgent help (app/data/help-contacts.json), by key."""
    data = json.loads(HELP_CONTACTS.read_text(encoding="utf-8"))
    return {
        entry["key"]: HelpContact(
            key=entry["key"], number=entry["number"], url=entry.get("url", ""), confirmed=entry["confirmed"]
        )
        for entry in data["contacts"]
    }
