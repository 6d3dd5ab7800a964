"""What the property-based tests of bad input share: strategies of hostile values, requests built by hand, and
the check of every answer (no server error, redirects that stay here, feeds that parse, echoes that are inert).

`tests/test_fuzz_public.py` uses them on the public site and `tests/test_fuzz_staff.py` on the staff area; the
docstring of the first says what the values are and what the check proves.
"""

from __future__ import annotations

import os
import random
import re
import traceback
from collections.abc import Callable, Iterable
from urllib.parse import quote, quote_from_bytes, urlsplit

import lxml.html
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from icalendar import Calendar
from lxml import etree

# Examples for each property test: 50 in `make test`, 500 in `make fuzz` (which CI runs too). They are
# derandomised, so each run of either size sees the same examples as the last.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Present in every payload, so that a payload that got through can be recognised.
MARK = "lcpfuzz"

PAYLOADS = (
    f'<script>alert("{MARK}")</script>',
    f'"><img src=x onerror=alert("{MARK}")>',
    f"'><svg/onload=alert('{MARK}')>",
    f'" autofocus onfocus="alert(`{MARK}`)" x="',
    f"' onmouseover='alert(`{MARK}`)' x='",
    f'</textarea><script>alert("{MARK}")</script>',
    f'</title></option></select><script>alert("{MARK}")</script>',
    f"<a href=\"javascript:alert('{MARK}')\">{MARK}</a>",
    f'<iframe srcdoc="&lt;script&gt;alert({MARK})&lt;/script&gt;"></iframe>',
    f'<!--{MARK}--><{MARK}-element {MARK}-attribute="1">',
    f'" {MARK}-attribute="1',
    f"' {MARK}-attribute='1",
    f'<base href="//evil.example/{MARK}/">',
    f'<meta http-equiv="refresh" content="0;url=//evil.example/{MARK}">',
    f'<math><mtext><table><mglyph><style><img src=x onerror=alert("{MARK}")>',
    f'&lt;script&gt;alert("{MARK}")&lt;/script&gt;',
    f"%3Cscript%3Ealert(%22{MARK}%22)%3C/script%3E",
    f"{{{{ 7*7 }}}}{MARK}{{% if 1 %}}{MARK}-jinja{{% endif %}}",
    f'\u202e<script>alert("{MARK}")</script>\u202c',
)
# Payloads whose characters an escaping template always changes: none of them may appear as sent.
ESCAPABLE = tuple(payload for payload in PAYLOADS if set(payload) & set("<>\"'&"))
# What a template language would make of the template payload if it evaluated it.
EVALUATED = (f"49{MARK}", f"{MARK}{MARK}-jinja")

UNICODE = (
    "مرحبا، أين أقرب عيادة؟",
    "میرا ڈاکٹر کہاں ہے",
    "שלום עולם",
    "\u202eevil\u202c",
    "\u200f\u200e\u061c",
    "漢字テスト",
    "简体中文的医生",
    "😀👍🏽👨‍👩‍👧‍👦",
    "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
    "e\u0301\u0301\u0301\u0301",
    "Z\u0334\u0321\u031ba\u0337l\u0336g\u0338o\u0335",
    "\ufeffbom",
    "\u2028\u2029",
    "ﷺ",
    "𝕊𝕖𝕒𝕔𝕣𝕠𝕗𝕥",
    "İSTANBUL ß ﬃ",
    "Łódź Kraków",
    "\uffff\ufffe\U0010ffff",
    "\ufffd",
)
NUMBERISH = (
    "0",
    "-1",
    "1.5",
    "1e309",
    "0x1F",
    "007",
    "٣",
    "²",
    "Ⅻ",
    "¼",
    "³",
    "①",
    "⑩",
    "²⁰",
    "𝟗",
    "１２",
    "2147483648",
    "9223372036854775808",
    "99999999999999999999",
    "-9223372036854775809",
    "9" * 5000,
    "NaN",
    "inf",
    "1,000",
    "1_000",
    " 42 ",
    "+3",
)
# Byte sequences that are not UTF-8: lone continuation bytes, overlong forms, an encoded surrogate, and so on.
BAD_BYTES = (
    b"\xff",
    b"\xfe\xff",
    b"\xc3\x28",
    b"\xa0\xa1",
    b"\xe2\x28\xa1",
    b"\xf0\x28\x8c\xbc",
    b"\xc0\xaf",
    b"\xc0\xbcscript\xc0\xbe",
    b"\xed\xa0\x80",
    b"\xf8\x88\x80\x80\x80",
    b"\x80",
    b"\xc3",
)
# Query strings no browser sends, appended as they are (not encoded again).
JUNK_QUERY = ("%", "%zz", "%C3", "&&", "=", "==x", "%00", ";a=b", "a[]=1", "+", "%2", "q", "&q", "lang")

WHITESPACE = " \t\r\n\x0b\x0c\u00a0\u1680\u2003\u2028\u202f\u205f\u3000\u200b\ufeff"
# Any character UTF-8 can carry: every code point but the surrogates.
CHARACTERS = st.characters(codec="utf-8")
controls = st.text(st.characters(max_codepoint=0x1F) | st.sampled_from("\x7f\x80\x85\x9f"), min_size=1, max_size=8)
short = st.text(CHARACTERS, max_size=12)


def around(before: str, middle: str, after: str) -> str:
    return before + middle + after


def around_bytes(before: str, middle: bytes, after: str) -> bytes:
    return before.encode() + middle + after.encode()


hostile = st.builds(around, short, st.sampled_from(PAYLOADS), short)
unicode = st.sampled_from(UNICODE) | st.text(st.characters(codec="utf-8", min_codepoint=0x80), min_size=1, max_size=30)
numbers = st.sampled_from(NUMBERISH) | st.integers().map(str) | st.integers(2**31 - 2, 2**80).map(str)


def repeat(piece: str, size: int) -> str:
    return (piece * (size // len(piece) + 1))[:size]


# Code points UTF-8 carries but XML forbids (U+FFFE, U+FFFF), other non-characters, line ends that some parsers
# honour, DEL, private use, and a full-width "<".
AWKWARD = ("\ufffe", "\uffff", "\U0001fffe", "\U0010ffff", "\ufdd0", "\x85", "\u2028", "\x7f", "\ue000", "\uff1c")
awkward = st.builds(around, short, st.sampled_from(AWKWARD), short)
long_text = st.builds(repeat, hostile | unicode | st.text(CHARACTERS, min_size=1, max_size=20), st.integers(150, 7000))

TEXT = st.one_of(
    st.just(""),
    st.text(WHITESPACE, min_size=1, max_size=20),
    st.text(CHARACTERS, max_size=40),
    hostile,
    st.builds(around, short, controls, st.sampled_from(PAYLOADS)),
    controls,
    # NUL on its own: PostgreSQL refuses it in any text, so every value that reaches a query must be checked.
    st.builds(around, short, st.just("\x00"), short),
    unicode,
    awkward,
    numbers,
    long_text,
)
# Text, or bytes with something in them that is not UTF-8.
not_utf8 = st.builds(around_bytes, short, st.sampled_from(BAD_BYTES), short) | st.binary(min_size=1, max_size=20)
VALUE = TEXT | not_utf8


@st.composite
def number_like(draw) -> str | bytes:
    """For a parameter that holds a number: mostly number-like text (huge, negative, not ASCII), else anything."""
    choice = draw(st.integers(0, 3))
    return draw(st.sampled_from(NUMBERISH)) if choice > 1 else draw(numbers) if choice else draw(VALUE)


NUMBER = number_like()


@st.composite
def pick(draw, known: tuple[str, ...], values: st.SearchStrategy = VALUE) -> str | bytes:
    """A value the page knows (half the time, so that the branches behind validation run too) or a hostile one."""
    return draw(st.sampled_from(known)) if draw(st.booleans()) else draw(values)


@st.composite
def answer(draw, known: tuple[str, ...] = (), values: st.SearchStrategy = VALUE) -> str | bytes | None:
    """A parameter or form field: left out (None) one time in five, otherwise `pick`ed."""
    if not draw(st.integers(0, 4)):
        return None
    return draw(pick(known, values)) if known else draw(values)


def given_pairs(fields: dict[str, str | bytes | None]) -> list[tuple[str, str | bytes]]:
    return [(name, value) for name, value in fields.items() if value is not None]


def several(known: tuple[str, ...], values: st.SearchStrategy = VALUE) -> st.SearchStrategy:
    """A repeatable parameter or a list of checkboxes: none, one or several `pick`ed values."""
    return st.lists(pick(known, values) if known else values, max_size=4)


Answers = dict[str, str | bytes | list[str | bytes] | None]


@st.composite
def form(draw, profiles: tuple[Answers, ...], numeric: frozenset[str] = frozenset()) -> Answers:
    """A form filled in as a person would (one of `profiles`, each valid), with up to four fields then changed:
    left out, or given a hostile value (a list of them for checkboxes). So each hostile value meets the
    validation behind the others, and the branches reached only by a valid form (storing, emailing) run too."""
    answers = dict(draw(st.sampled_from(profiles)))
    names = sorted({name for profile in profiles for name in profile})
    for name in draw(st.lists(st.sampled_from(names), max_size=4, unique=True)):
        values = NUMBER if name in numeric else VALUE
        checkboxes = any(isinstance(profile.get(name), list) for profile in profiles)
        answers[name] = None if not draw(st.integers(0, 7)) else draw(several((), values) if checkboxes else values)
    return answers


def form_pairs(answers: Answers) -> list[tuple[str, str | bytes]]:
    """The answers as a browser sends them: one pair per ticked box, nothing for a field left out."""
    pairs: list[tuple[str, str | bytes]] = []
    for name, value in answers.items():
        if isinstance(value, list):
            pairs += [(name, item) for item in value]
        elif value is not None:
            pairs.append((name, value))
    return pairs


# Values the demo data holds (checked by `known_slugs`), so that examples reach pages that exist.
LCPS = ("seacroft", "armley", "hatch", "cross-gates")
TOPICS = ("mental-health", "housing", "ageing-well", "digital-inclusion", "transport")

HTMX = st.sampled_from(({}, {}, {"HX-Request": "true"}, {"HX-Request": "true", "HX-Boosted": "true"}))


# The CSRF field: mostly the page's own token, sometimes none, or a forged one.
CSRF = st.sampled_from(("page", "page", "page", "page", "page", "page", "none", "forged"))


# Building requests by hand ----------------------------------------------------------------------------------------


def encoded(value: str | bytes) -> str:
    return quote_from_bytes(value if isinstance(value, bytes) else value.encode(), safe="")


def query(pairs: Iterable[tuple[str, str | bytes]], junk: Iterable[str] = ()) -> str:
    """A query string, percent-encoded as a browser would, with any junk appended as it is."""
    parts = [f"{quote(name)}={encoded(value)}" for name, value in pairs]
    return "&".join([*parts, *junk])


def url(path: str, pairs: Iterable[tuple[str, str | bytes]] = (), junk: Iterable[str] = ()) -> str:
    text = query(pairs, junk)
    return f"{path}?{text}" if text else path


BOUNDARY = "----lcpfuzzboundary7MA4YWxkTrZu0gW"


def body(pairs: list[tuple[str, str | bytes]], multipart: bool) -> tuple[bytes, str]:
    """A form body as a browser sends it: URL-encoded, or multipart with the raw bytes."""
    if not multipart:
        return query(pairs).encode("ascii"), "application/x-www-form-urlencoded"
    chunks = []
    for name, value in pairs:
        raw = value if isinstance(value, bytes) else value.encode()
        chunks.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + raw + b"\r\n")
    chunks.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={BOUNDARY}"


def post(client: FlaskClient, path: str, pairs: list[tuple[str, str | bytes]], multipart: bool = False, **kwargs):
    # Hypothesis gives `random` the same seed for every example, and the Message-ID of each email the app
    # queues comes from it (email.utils.make_msgid): two emails in the same hundredth of a second would clash.
    random.seed()
    data, content_type = body(pairs, multipart)
    return client.post(path, data=data, content_type=content_type, **kwargs)


def with_token(token: str, choice: str) -> list[tuple[str, str | bytes]]:
    """The CSRF field: the page's own token, none, or a forged one (the token cut short and altered)."""
    return {"page": [("csrf_token", token)], "none": []}.get(choice, [("csrf_token", token[:-6] + "forged")])


def header_safe(value: str) -> str:
    """Headers and cookies carry printable ASCII; anything else arrives percent-encoded, as clients send it."""
    return value if value.isascii() and value.isprintable() else encoded(value)


def as_text(value: str | bytes) -> str:
    """What the server makes of a value: bytes that are not UTF-8 become U+FFFD."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


# Checking responses ----------------------------------------------------------------------------------------------

# Elements and addresses that only an injected payload would put on a page of this site.
FOREIGN_ELEMENTS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "math", "mglyph"}
SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:text/html")
MARKUP_START = re.compile(r"<[A-Za-z!/?]")
TAG_NAME = re.compile(r"<([a-z][a-z0-9-]*)")


def check(response, sent: Iterable[str | bytes], found: bool = False) -> None:
    """No server error; redirects stay here; feeds parse; whatever an HTML page echoes is inert.

    `found`: the address is a form's own, so "not found" would mean the app turned a fault into a 404.
    """
    status = response.status_code
    assert status < 500, f"status {status}"
    assert not (found and status == 404), "a form's own address answered 404"
    if status in {301, 302, 303, 307, 308}:
        location = urlsplit(response.headers["Location"])
        assert location.netloc in {"", "localhost"}, response.headers["Location"]
        assert location.scheme in {"", "http", "https"}, response.headers["Location"]
        return
    data = response.get_data()
    if response.mimetype == "application/atom+xml":
        etree.fromstring(data)
    elif response.mimetype == "text/calendar":
        Calendar.from_ical(data)
    elif response.mimetype == "text/html":
        assert_inert(data.decode("utf-8"), [as_text(value) for value in sent])


def assert_inert(page: str, sent: list[str]) -> None:
    """Nothing that was sent became markup: checked on the raw text, then on the page as a browser parses it."""
    lowered = page.lower()
    for payload in ESCAPABLE:
        if any(payload in value for value in sent):
            assert payload.lower() not in lowered, f"unescaped payload in the page: {payload!r}"
    for text in {text for value in sent for text in (value, value.strip())}:
        # Long enough, or marked, that the site's own markup cannot hold it by chance.
        if MARKUP_START.search(text) and (MARK in text or len(text) >= 12):
            assert text not in page, f"unescaped input in the page: {text[:200]!r}"
    for evaluated in EVALUATED:
        assert evaluated not in page, "a template payload was evaluated"
    # libxml2, the parser BeautifulSoup's "lxml" builder drives, used directly: the same elements and
    # attributes without a Python tree on top, ten times faster, which is what lets each form have 500 examples.
    tree = lxml.html.document_fromstring(page)
    elements = list(tree.iter(etree.Element))
    # Every kind of element the text holds was read, so the parser did not give up part of the way through.
    assert set(TAG_NAME.findall(lowered)) <= {element.tag for element in elements}, "the page was not read to the end"
    for element in elements:
        shown = etree.tostring(element, encoding="unicode")[:300]
        if element.tag == "script":
            assert (element.get("src") or "").startswith("/static/"), f"a script the site did not write: {shown}"
        assert element.tag not in FOREIGN_ELEMENTS, f"an injected element: {shown}"
        assert MARK not in element.tag, f"an injected element: {shown}"
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), f"an event attribute: {shown}"
            assert MARK not in name and name.lower() != "srcdoc", f"an injected attribute: {shown}"
            squashed = re.sub(r"[\x00-\x20]", "", value).lower()
            assert not squashed.startswith(SCRIPT_SCHEMES), f"a script address: {shown}"
        if element.tag == "meta":
            assert (element.get("http-equiv") or "").lower() != "refresh", f"an injected refresh: {shown}"


# Sweeps: every field, one at a time, with each awkward value -------------------------------------------------------

# NUL (refused by PostgreSQL in any text), a character XML cannot hold, a digit int() cannot read, numbers too
# long for int() and too large for a column, text over every limit, a payload, and bytes that are not UTF-8.
AWKWARD_VALUES = ("a\x00b", "\ufffe", "²", "9" * 5000, "2147483648", "x" * 6000, PAYLOADS[1], b"\xff\xfe")


def trouble(error: BaseException) -> str:
    """What went wrong, and where in the app: enough to find it without the whole traceback."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if "/app/" in frame.filename]
    where = f" at app/{frames[-1].filename.split('/app/', 1)[1]}:{frames[-1].lineno}" if frames else ""
    first_line = (str(error).splitlines() or [""])[0][:160]
    return f"{type(error).__name__}{where}: {first_line}"


def sweep(
    send,
    profile: Answers,
    fields: Iterable[str] | None = None,
    found: bool = False,
    values: Callable[[str], Iterable[str | bytes]] | None = None,
) -> list[str]:
    """Send `profile` with each field in turn given each awkward value; the problems found, described.

    `found` as for `check`: the address is a form's own and must never answer 404. `values` gives the values to
    send in a field, by its name: `AWKWARD_VALUES` unless given."""
    problems = []
    for name in fields or profile:
        for value in values(name) if values else AWKWARD_VALUES:
            changed = {**profile, name: [value] if isinstance(profile.get(name), list) else value}
            try:
                check(send(changed), [item for _name, item in form_pairs(changed)], found)
            except Exception as error:  # noqa: BLE001 - every problem is collected, then all are reported at once
                problems.append(f"{name}={as_text(value)[:20]!r}: {trouble(error)}")
    return problems
