"""Reading what residents write for the two things that make speaking up safe: words that suggest someone may be in
danger now, and other people's personal details.

Neither is clinical judgement and neither ever blocks anything: a match shows the resident where urgent help is and
marks the item "urgent: check today" for staff; a detail found tells the resident, kindly, that staff remove other
people's details before anything is quoted, and pre-selects it in the staff's redaction step.

Urgent phrases come from reviewed lists, one file per language in `app/data/urgent-phrases/` with their source and
who reviewed them. Every list is matched whatever the page's language (people write in the language they think in),
on text folded the same way as the phrases: compatibility forms, case, accents and Arabic-script letter variants
folded, so "I can’t go on", "i cant go on" and "I CAN'T GO ON" read alike. A phrase matches only as whole words
("hits me" is not in "the bus hits Meanwood Road"), except in scripts written without spaces (Chinese), where it
matches as it stands (spaces typed between its characters aside). In Arabic script a phrase may have "و" (and) or
"ف" (so) joined to its first word, as Arabic writes them.

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
        "\u06ba": "\u0646",  # ں (Urdu noon ghunna), typed ن on Arabic and Persian keyboards
        "\u06c3": "\u0647",  # ۃ (Urdu)
        "\u0640": None,  # tatweel
        "\u200b": None,  # zero-width space
        "\u200c": None,  # zero-width non-joiner, which Urdu and Persian keyboards type inside words
        "\u200d": None,  # zero-width joiner
        "\u200f": None,  # right-to-left mark
        "\u200e": None,  # left-to-right mark
        "\u00ad": None,  # soft hyphen
        "\ufeff": None,
        # Apostrophes go, so "can't", "can’t" and "cant" read alike; hyphens are spaces, so "self-harm" is "self harm".
        "'": None,
        "\u2019": None,
        "\u2018": None,
        "\u02bc": None,
        "`": None,
        "-": " ",
        "\u2010": " ",
        "\u2011": " ",
        "\u0219": "s",  # ș, written with a cedilla too
        "\u021b": "t",  # ț
        "\u0142": "l",  # ł, which has no decomposition
    }
)


def fold(text: str) -> str:
    """Text as it is compared: compatibility forms, no accents or marks, lower case, one spelling of each
    Arabic-script letter, no apostrophes, hyphens as spaces, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if unicodedata.category(char) != "Mn")
    folded = bare.casefold().translate(_ARABIC_FOLD)
    return " ".join(folded.split())


def _spaceless(phrase: str) -> bool:
    """A phrase in a script written without spaces between words (Chinese, Japanese)."""
    return any("\u3040" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" for char in phrase)


def _arabic(phrase: str) -> bool:
    """A phrase in Arabic script (Arabic, Urdu)."""
    return any("\u0600" <= char <= "\u06ff" for char in phrase[:1])


# Arabic writes "and" and "so" joined to the next word ("وأريد"): a phrase may start with either.
_ARABIC_PREFIX = "(?:[\u0648\u0641])?"


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
            if _spaceless(words):
                # Written without spaces, so any spaces a person typed between characters do not count.
                pattern = r"\s*".join(re.escape(char) for char in words if not char.isspace())
            elif _arabic(words):
                pattern = rf"(?<!\w){_ARABIC_PREFIX}{body}(?!\w)"
            else:
                pattern = rf"(?<!\w){body}(?!\w)"
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
# A run of digit groups as people write phone and NHS numbers: spaces, hyphens, dots, brackets, +44 or 0044. A run
# may hold more than one number, or a number and other figures ("ring 07700 900123 3 times"): see `_numbers`.
_DIGIT_RUN = re.compile(r"(?<![\w+])(?:(?:\+|00)[ \t]?44[ \t]?(?:\(0\)[ \t]?)?)?\(?\d[\d \t().-]*\d\)?")
_DIGIT_GROUP = re.compile(r"\d+")
_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])(?:GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2})(?![A-Za-z0-9])", re.I
)
# "the A64 5th exit": an ordinal written in lower case is not the second half of a postcode.
_ORDINAL = re.compile(r"[0-9](?:st|nd|rd|th)$")
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_DATE = re.compile(
    rf"(?<!\d)(?:(\d{{1,2}})[/.-](\d{{1,2}})[/.-](\d{{4}}|\d{{2}})"
    rf"|(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTHS})\.?,?\s+(\d{{4}})"
    rf"|\b({_MONTHS})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}}))(?!\d)",
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
            named_month = match.group(5) or match.group(7)
            month = [name[:3] for name in _MONTHS.split("|")[:12]].index(named_month.casefold()[:3]) + 1
            day, year = (
                (int(match.group(4)), int(match.group(6)))
                if match.group(5)
                else (int(match.group(8)), int(match.group(9)))
            )
        if not _real_date(day, month, year) or year > this_year:
            continue
        before = fold(folded_lower[max(0, match.start() - 25) : match.start()])
        named = _BIRTH_WORDS.search(before) is not None
        if named or year <= this_year - 10:
            found.append(Detail(DATE_OF_BIRTH, match.start(), match.end(), match.group(0)))
    return found


def _number_kind(written: str) -> str | None:
    """PHONE or NHS_NUMBER for one candidate as written, or None. A number starting 0 is a phone number: NHS
    numbers never start with 0, and one in eleven phone numbers would pass the NHS check."""
    if written.startswith(("+", "00")):
        return PHONE if _phone_digits("+" + written.removeprefix("+").removeprefix("00")) else None
    digits = re.sub(r"\D", "", written)
    if _phone_digits(written):
        return PHONE
    return NHS_NUMBER if nhs_number_valid(digits) else None


def _numbers(text: str) -> list[Detail]:
    """Phone and NHS numbers: in each run of digit groups, the longest groups from the left that make one, then
    the same again after it."""
    found = []
    for run in _DIGIT_RUN.finditer(text):
        run_text = run.group(0)
        groups = list(_DIGIT_GROUP.finditer(run_text))
        # Digits before each group, so a window too short or too long to be a number is passed over at once.
        before = [0]
        for group in groups:
            before.append(before[-1] + len(group.group(0)))
        first = 0
        while first < len(groups):
            # A number is at most six groups (+44 (0) 113 222 4401 is five): a long run costs no more than this.
            for last in range(min(len(groups) - 1, first + 5), first - 1, -1):
                if not 10 <= before[last + 1] - before[first] <= 14:
                    continue
                begin = run.start() if first == 0 else run.start() + groups[first].start()
                end = run.start() + groups[last].end()
                written = text[begin:end]
                if written.startswith("(") and ")" not in written:
                    written, begin = written[1:], begin + 1
                if written.count(")") > written.count("(") and text[begin - 1 : begin] == "(":
                    written, begin = "(" + written, begin - 1
                if written.count("(") > written.count(")") and text[end : end + 1] == ")":
                    written, end = written + ")", end + 1
                gaps = [
                    run_text[a.end() : b.start()]
                    for a, b in zip(groups[first:last], groups[first + 1 : last + 1], strict=True)
                ]
                if any(len(gap.strip()) > 2 or len(gap) > 3 for gap in gaps):
                    continue
                kind = _number_kind(written)
                if kind:
                    found.append(Detail(kind, begin, end, written))
                    first = last
                    break
            first += 1
    return found


def personal_details(text: str) -> list[Detail]:
    """Other people's details in `text`, in the order they appear; where two overlap, the first found stays."""
    text = text or ""
    found: list[Detail] = [Detail(EMAIL, m.start(), m.end(), m.group(0)) for m in _EMAIL.finditer(text)]
    found += _numbers(text)
    found += [
        Detail(POSTCODE, m.start(), m.end(), m.group(0))
        for m in _POSTCODE.finditer(text)
        if not _ORDINAL.search(m.group(0))
    ]
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


_APOSTROPHE = "['\u2019\u2018\u02bc]"


def removal_spans(text: str, keys: list[str], words: list[str]) -> list[tuple[int, int]]:
    """Where to remove: the chosen details (by `Detail.key`, only those really found in `text`) and every
    whole-word occurrence of each of `words` (names), in any case; overlapping spans merged."""
    spans = [(detail.start, detail.end) for detail in personal_details(text) if detail.key in set(keys)]
    for word in words:
        word = " ".join(word.split())
        if not word:
            continue
        body = r"\s+".join(re.escape(part) for part in word.split())
        body = re.sub(r"['\u2019\u2018\u02bc]", _APOSTROPHE, body)  # O'Brien typed for O’Brien, and back
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
