"""Property-based tests of every public form and query parameter, with Hypothesis.

Each form and each group of query parameters gets 500 generated examples of hostile input: long text
(some over the field's limit), nothing, whitespace, control characters, bytes that are not UTF-8
(percent-encoded, since HTTP cannot carry lone surrogates), HTML and script payloads, right-to-left
text, CJK, emoji, combining marks, numbers where text is expected and text where numbers are.

What they prove: no such request is a server error (any 5xx, or an exception, since testing
propagates them), every redirect stays on this site, feeds stay well-formed, and whatever a page
echoes back is inert. "Inert" is checked twice: the raw payload never appears in the page, and the
page parsed as HTML has no script but its own (`src` under /static/), no `on…` event attributes,
no element or attribute a payload would create, and no `javascript:` address.

Form fields are left out, given a value the form accepts, or given a hostile value, so that examples
get past the first validation error to the branches behind it (storing a submission, registering).

Examples are derandomised so that CI sees the same ones every time. Random examples spread thinly over a
form of eighteen fields, so two sweeps (not random) also give every parameter and every field, one at a time
with the rest valid, each of a few values known to break code that trusts its input.
"""

from __future__ import annotations

import random
import re
import traceback
from collections.abc import Iterable, Iterator
from urllib.parse import quote, quote_from_bytes, urlsplit
from uuid import uuid4

import lxml.html
import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from lxml import etree
from markupsafe import escape
from sqlalchemy import delete, func, select

from app.extensions import db
from app.formatting import utcnow
from app.models import Follower, OutboxMessage, Submission, ThemeAlert
from app.services import directory, sharing
from app.services.people import lcps_by_slug
from app.services.sharing import ContactInput, ShareInput
from app.services.tokens import Purpose, make_contact_token, make_token

FUZZ = settings(
    max_examples=500,
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


# The addresses the profiles below give; each send gets a fresh one instead, or after a few sends the limits
# on mail to one address would stop the app before it stores anything.
PROFILE_EMAILS = {"fuzz-resident@example.org", "Fuzz.Group@Example.ORG", "fuzz-share@example.org"}


def fresh_email(answers: Answers) -> Answers:
    if answers.get("email") in PROFILE_EMAILS:
        return {**answers, "email": f"fuzz-{uuid4().hex[:12]}@example.org"}
    return answers


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


# Fixtures --------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def known_slugs(app: Flask) -> None:
    """The slugs the strategies offer exist, or the examples would only ever reach "not found"."""
    with app.app_context():
        assert set(LCPS) <= {lcp.slug for lcp in directory.all_lcps()}
        assert set(TOPICS) <= {topic.slug for topic in directory.all_topics()}


@pytest.fixture
def leave_no_trace(app: Flask) -> Iterator[None]:
    """Whatever the examples stored (people, submissions, mail, theme alerts) is deleted afterwards."""
    models = (OutboxMessage, ThemeAlert, Submission, Follower)
    with app.app_context():
        before = {model: db.session.scalar(select(func.max(model.id))) or 0 for model in models}
    yield
    with app.app_context():
        for model in models:
            db.session.execute(delete(model).where(model.id > before[model]))
        db.session.commit()


@pytest.fixture
def token(client: FlaskClient) -> str:
    """The session's CSRF token, from a page with a form, as a browser would have it."""
    page = BeautifulSoup(client.get("/register").get_data(as_text=True), "lxml")
    return page.select_one("input[name=csrf_token]")["value"]


@pytest.fixture
def person(app: Flask, leave_no_trace) -> dict[Purpose, str]:
    """A confirmed follower; returns a valid link token for each purpose."""
    with app.app_context():
        follower = Follower(email=f"fuzz-{uuid4().hex[:12]}@example.org", confirmed_at=utcnow())
        follower.lcps = lcps_by_slug(["seacroft"])
        db.session.add(follower)
        db.session.commit()
        return {purpose: make_token(follower, purpose) for purpose in Purpose}


@pytest.fixture
def receipt(app: Flask, leave_no_trace) -> tuple[str, str]:
    """A submission that left an email address: its receipt code and the link token from its receipt."""
    with app.test_request_context():
        shared = sharing.share(
            ShareInput(
                body=f"Fuzz receipt {uuid4().hex}",
                lcps=lcps_by_slug(["seacroft"]),
                contact=ContactInput(email=f"fuzz-{uuid4().hex[:12]}@example.org", wants_updates=True),
            )
        )
        return sharing.format_code(shared.submission.receipt_code), make_contact_token(shared.submission.contact)


# The check itself ------------------------------------------------------------------------------------------------

PAGE = '<!doctype html><html><head><script src="/static/js/app.js"></script></head><body><main>{}</main></body></html>'


@pytest.mark.parametrize(
    ("echo", "sent"),
    [
        (PAYLOADS[0], PAYLOADS[0]),
        ('<img src=x onerror="alert(1)">', "x"),
        ('<input value="" autofocus onfocus="alert(1)">', "x"),
        ('<a href=" javascript:alert(1)">x</a>', "x"),
        (f'<p {MARK}-attribute="1">', "x"),
        ("<iframe></iframe>", "x"),
        ("<script>alert(1)</script>", "x"),
        ("<p>49lcpfuzz</p>", "x"),
        ("<b>bold words typed here</b>", "<b>bold words typed here</b>"),
    ],
)
def test_the_check_catches_markup_that_was_not_escaped(echo: str, sent: str) -> None:
    with pytest.raises(AssertionError):
        assert_inert(PAGE.format(echo), [sent])


def test_the_check_passes_what_was_escaped() -> None:
    sent = [*PAYLOADS, "<b>bold words typed here</b>", "\x00\x01<\ufffe"]
    echoed = "".join(f'<p>{escape(value)}</p><input value="{escape(value)}">' for value in sent)
    assert_inert(PAGE.format(echoed), sent)


# Public GET forms ------------------------------------------------------------------------------------------------


@FUZZ
@given(
    path=st.sampled_from(("/find", "/find", "/find", "/")),
    fields=st.fixed_dictionaries(
        {
            "q": answer(("LS12", "Seacroft", "Garforth Medical Centre", "ls14-2ab")),
            "practice": answer(("1", "2", "40"), NUMBER),
        }
    ),
    junk=st.lists(st.sampled_from(JUNK_QUERY), max_size=2),
    headers=HTMX,
)
def test_the_finder(app, path, fields, junk, headers) -> None:
    """The finder's `q` and `practice` (a practice picked from a list), on /find and the home page."""
    pairs = given_pairs(fields)
    check(app.test_client().get(url(path, pairs, junk), headers=headers), [value for _name, value in pairs])


@FUZZ
@given(
    fields=st.fixed_dictionaries({"topic": answer(TOPICS), "area": answer(("Seacroft", "Armley"))}),
    junk=st.lists(st.sampled_from(JUNK_QUERY), max_size=2),
    headers=HTMX,
)
def test_the_directory_filter(app, fields, junk, headers) -> None:
    pairs = given_pairs(fields)
    check(app.test_client().get(url("/lcps", pairs, junk), headers=headers), [value for _name, value in pairs])


@FUZZ
@given(
    topics=several(TOPICS),
    fields=st.fixed_dictionaries({"areas": answer(("LS14", "Seacroft, Xyz", "Leeds", "")), "citywide": answer(("y",))}),
    junk=st.lists(st.sampled_from(JUNK_QUERY), max_size=2),
)
def test_the_match_form(app, topics, fields, junk) -> None:
    pairs = [("topic", topic) for topic in topics] + given_pairs(fields)
    check(app.test_client().get(url("/match", pairs, junk)), [value for _name, value in pairs])


@FUZZ
@given(code=pick(("ABCD-2345", "abcd 2345", "ABCD2345")), in_path=st.booleans())
def test_the_receipt_code_lookup(app, code, in_path) -> None:
    """The lookup form, the address it redirects to, and a code typed into the address directly."""
    client = app.test_client()
    if in_path:
        check(client.get(f"/track/{encoded(code)}"), [code])
        check(client.get(f"/track/{encoded(code)}/contact-deleted"), [code])
        return
    response = client.get(url("/track", [("code", code)]))
    check(response, [code])
    if response.status_code == 302:
        check(client.get(response.headers["Location"]), [code])


# Query parameters of pages without a form ------------------------------------------------------------------------


# Characters an XML document (an Atom feed) cannot hold, and control characters, which iCalendar must escape.
NOT_XML = ("\ufffe", "\uffff", "\x00", "\x01", "\x1b", "\x0b")
not_xml = st.builds(around, short, st.sampled_from(NOT_XML), short)


@FUZZ
@given(
    path=st.sampled_from(("/updates.atom", "/meetings.ics", "/subscribe", "/lcps/seacroft/updates.atom")),
    lcps=several(LCPS),
    fields=st.fixed_dictionaries({"topic": answer(TOPICS), "extra": answer(("",), not_xml)}),
)
def test_the_feeds_and_subscribe_page(app, path, lcps, fields) -> None:
    """`lcp` (repeatable) and `topic`; `extra` means nothing to the app, but feeds carry their own address."""
    pairs = [("lcp", lcp) for lcp in lcps] + given_pairs(fields)
    check(app.test_client().get(url(path, pairs)), [value for _name, value in pairs])


@FUZZ
@given(
    path=st.sampled_from(("/register", "/share")),
    lcps=several(LCPS),
    topics=several(TOPICS),
    fields=st.fixed_dictionaries(
        {"kind": answer(("resident", "organisation")), "item": answer(("1", "2", "3"), NUMBER)}
    ),
)
def test_links_that_fill_a_form_in(app, path, lcps, topics, fields) -> None:
    """`?lcp=…&topic=…` from follow links and /match, `kind` on /register, `item` (an agenda item) on /share."""
    pairs = [("lcp", lcp) for lcp in lcps] + [("topic", topic) for topic in topics] + given_pairs(fields)
    check(app.test_client().get(url(path, pairs)), [value for _name, value in pairs])


LANGUAGE_PAGES = (
    "/",
    "/find?q=LS12",
    "/lcps",
    "/lcps/seacroft",
    "/topics",
    "/topics/housing",
    "/match",
    "/track",
    "/register",
    "/share",
    "/preferences",
    "/subscribe",
    "/privacy",
    "/easy-read",
    "/updates.atom",
    "/meetings.ics",
    "/follow/lcp/seacroft",
)


@FUZZ
@given(
    page=st.sampled_from(LANGUAGE_PAGES),
    lang=answer(("ar", "ur", "pl", "zh_Hans", "ro", "en_GB")),
    cookie=answer(("ar", "ur", "pl"), TEXT),
    follower_cookie=answer((), TEXT),
    accept=answer(("ar;q=0.9, en;q=0.1", "zh-Hans-CN", "*", "ur-PK,ur;q=0.5"), TEXT),
)
def test_the_language_choice(app, page, lang, cookie, follower_cookie, accept) -> None:
    """`?lang=` on any page, with the language cookie, the follow cookie and Accept-Language as anyone may send."""
    client = app.test_client()
    for name, value in (("lang", cookie), ("lcp_follower", follower_cookie)):
        if value is not None:
            # Browsers keep cookies of at most 4 kB.
            client.set_cookie(name, header_safe(value)[:4000])
    headers = {"Accept-Language": header_safe(accept)} if accept is not None else {}
    path = page if lang is None else f"{page}{'&' if '?' in page else '?'}lang={encoded(lang)}"
    check(client.get(path, headers=headers), [value for value in (lang, cookie, accept) if value is not None])


ADDRESSES = (
    "/lcps/{slug}",
    "/lcps/{slug}/updates.atom",
    "/lcps/{slug}/meetings.ics",
    "/lcps/{slug}/meetings/1",
    "/topics/{slug}",
    "/follow/lcp/{slug}",
    "/follow/topic/{slug}",
    "/follow/{slug}/seacroft",
    "/lcps/seacroft/meetings/{number}",
    "/lcps/seacroft/meetings/{number}.ics",
)


@FUZZ
@given(template=st.sampled_from(ADDRESSES), slug=pick((*LCPS, *TOPICS)), number=pick(("1", "2"), NUMBER))
def test_values_in_the_address(app, template, slug, number) -> None:
    """Slugs and numbers in paths, which people edit and share like query parameters."""
    path = template.format(slug=encoded(slug), number=encoded(number))
    check(app.test_client().get(path), [slug if "{slug}" in template else number])


# Public POST forms -----------------------------------------------------------------------------------------------

RESIDENT = {
    "email": "fuzz-resident@example.org",
    "kind": "resident",
    "lcps": ["seacroft", "armley"],
    "topics": ["mental-health"],
    "interests": ["news", "invitations"],
    "frequency": "weekly",
    "language": "en_GB",
    "consent": "y",
}
ORGANISATION = {
    **RESIDENT,
    "email": "Fuzz.Group@Example.ORG",
    "kind": "organisation",
    "organisation_name": "Fuzz Group",
    "organisation_type": "charity",
    "organisation_reach": "local",
    "organisation_areas": "LS14, Seacroft",
    "lcps": [],
    "topics": ["housing", "ageing-well"],
    "interests": ["volunteer", "contact"],
    "frequency": "monthly",
    "language": "ar",
}


@FUZZ
@given(answers=form((RESIDENT, ORGANISATION)), csrf=CSRF, multipart=st.booleans())
def test_the_registration_form(client, token, leave_no_trace, answers, csrf, multipart) -> None:
    pairs = [*with_token(token, csrf), *form_pairs(fresh_email(answers))]
    check(post(client, "/register", pairs, multipart), [value for _name, value in pairs], found=True)


MYSELF = {
    "body": "The bus to the surgery stopped running",
    "lcps": ["seacroft"],
    "topics": ["transport"],
    "neighbourhood": "Kentmere Avenue",
    "age_groups": ["older-people"],
    "groups": ["carers", "disability"],
    "speaks_for": "self",
    "may_publish_words": "y",
    "contact": "no",
    "form_key": "",
    "item": "",
}
FOR_A_GROUP = {
    **MYSELF,
    "lcps": [],
    "lcp_unsure": "y",
    "speaks_for": "organisation",
    "organisation_name": "Fuzz Group",
    "people_count": "1,000",
    "contact": "yes",
    "name": "Fuzz Person",
    "email": "fuzz-share@example.org",
    "may_contact": "y",
    "wants_updates": "y",
    "may_share": "y",
}
FINDING = {**MYSELF, "lcps": [], "find_lcp": "Garforth Medical Centre", "action": "find"}
ON_AN_AGENDA_ITEM = {**MYSELF, "item": "1", "leave_empty": ""}
LIVE_CHECKS = ("body", "neighbourhood", "organisation_name", "people_count", "name", "email")


@FUZZ
@given(
    answers=form((MYSELF, FOR_A_GROUP, FINDING, ON_AN_AGENDA_ITEM), numeric=frozenset({"people_count", "item"})),
    live_check=answer(LIVE_CHECKS),
    csrf=CSRF,
    multipart=st.booleans(),
    headers=HTMX,
)
def test_the_share_form(client, token, leave_no_trace, answers, live_check, csrf, multipart, headers) -> None:
    """The whole form sent, the "find my partnership" step (`action=find`), and the live check of one field."""
    pairs = [*with_token(token, csrf), *form_pairs(fresh_email(answers))]
    sent = [value for _name, value in pairs]
    path = "/share" if live_check is None else f"/share/check/{encoded(live_check)}"
    response = post(client, path, pairs, multipart, headers=headers)
    check(response, [*sent, *([live_check] if live_check else [])], found=live_check in (None, *LIVE_CHECKS))


@FUZZ
@given(answers=form(({"email": "fuzz@example.org"},)), csrf=CSRF, multipart=st.booleans())
def test_the_lost_link_form(client, token, leave_no_trace, answers, csrf, multipart) -> None:
    pairs = [*with_token(token, csrf), *form_pairs(answers)]
    check(post(client, "/preferences", pairs, multipart), [value for _name, value in pairs], found=True)


CHOICES = {
    "lcps": ["seacroft"],
    "topics": ["housing"],
    "interests": ["news"],
    "frequency": "weekly",
    "language": "en_GB",
}
FEWER_CHOICES = {"lcps": [], "topics": ["mental-health"], "interests": [], "frequency": "none", "language": "ur"}


@FUZZ
@given(answers=form((CHOICES, FEWER_CHOICES)), csrf=CSRF, multipart=st.booleans())
def test_the_preferences_form(client, token, person, answers, csrf, multipart) -> None:
    pairs = [*with_token(token, csrf), *form_pairs(answers)]
    path = f"/preferences/{person[Purpose.PREFERENCES]}"
    check(post(client, path, pairs, multipart), [value for _name, value in pairs], found=True)


@FUZZ
@given(
    answers=form(({"body": "The bus came back, thank you", "action": "add"}, {"action": "stop"}, {"action": "delete"})),
    csrf=CSRF,
    multipart=st.booleans(),
)
def test_the_form_for_adding_to_a_submission(client, token, receipt, answers, csrf, multipart) -> None:
    code, link = receipt
    if answers.get("action") == "delete" and csrf == "page":
        # Deleting the contact would end the link every later example uses; a forged token is refused instead.
        csrf = "forged"
    pairs = [*with_token(token, csrf), *form_pairs(answers)]
    check(post(client, f"/track/{code}/more/{link}", pairs, multipart), [v for _n, v in pairs], found=True)


@FUZZ
@given(
    target=st.sampled_from(("/follow", "/follow/lcp/{}", "/follow/topic/{}")),
    slug=pick((*LCPS, *TOPICS)),
    lcps=several(LCPS),
    topics=several(TOPICS),
    follow=answer(("yes", "no")),
    recognised=st.booleans(),
    csrf=CSRF,
    headers=HTMX,
)
def test_the_follow_buttons(
    client, token, person, target, slug, lcps, topics, follow, recognised, csrf, headers
) -> None:
    """Follow several at once (from /match) or one partnership or topic, as a recognised person or anyone."""
    if recognised:
        client.set_cookie("lcp_follower", person[Purpose.COOKIE])
    else:
        client.delete_cookie("lcp_follower")
    pairs = [*with_token(token, csrf), *given_pairs({"follow": follow})]
    pairs += [("lcp", v) for v in lcps] + [("topic", v) for v in topics]
    check(post(client, target.format(encoded(slug)), pairs, headers=headers), [slug, *(v for _n, v in pairs)])


LINKS = (
    ("GET", "/confirm/{}"),
    ("POST", "/confirm/{}"),
    ("GET", "/preferences/{}"),
    ("POST", "/preferences/{}"),
    ("GET", "/preferences/{}/my-data.json"),
    ("GET", "/preferences/{}/my-data.csv"),
    ("GET", "/preferences/{}/delete"),
    ("POST", "/preferences/{}/delete"),
    ("GET", "/unsubscribe/{}"),
    ("POST", "/unsubscribe/{}"),
    ("GET", "/calendar/{}.ics"),
    ("GET", "/track/ABCD-2345/more/{}"),
    ("POST", "/track/ABCD-2345/more/{}"),
)
PURPOSES = {"confirm": Purpose.CONFIRM, "unsubscribe": Purpose.UNSUBSCRIBE, "calendar": Purpose.CALENDAR}


@FUZZ
@given(
    link=st.sampled_from(LINKS),
    value=pick(("valid", "valid-cut-short", "other-purpose")),
    one_click=answer(("One-Click",)),
    lang=answer(("ar", "ur")),
)
def test_signed_links_from_emails(client, token, person, link, value, one_click, lang) -> None:
    """Tokens in the address: forged, altered, cut short, for another purpose, or valid with odd form fields.

    Deleting with a valid token is left out (the person would be gone for the later examples): its form
    is sent with a forged CSRF token, which must be refused without an error.
    """
    method, template = link
    purpose = PURPOSES.get(template.split("/")[1], Purpose.PREFERENCES)
    value = {
        "valid": person[purpose],
        "valid-cut-short": person[purpose][:-4],
        "other-purpose": person[Purpose.COOKIE],
    }.get(value, value)
    path = url(template.format(encoded(value)), given_pairs({"lang": lang}))
    if method == "GET":
        check(client.get(path), [value])
        return
    csrf = "forged" if template.endswith("/delete") else token
    pairs = [("csrf_token", csrf), *given_pairs({"List-Unsubscribe": one_click})]
    check(post(client, path, pairs), [value, *(v for _n, v in pairs)])


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


def sweep(send, profile: Answers, fields: Iterable[str] | None = None, found: bool = False) -> list[str]:
    """Send `profile` with each field in turn given each awkward value; the problems found, described.

    `found` as for `check`: the address is a form's own and must never answer 404."""
    problems = []
    for name in fields or profile:
        for value in AWKWARD_VALUES:
            changed = {**profile, name: [value] if isinstance(profile.get(name), list) else value}
            try:
                check(send(changed), [item for _name, item in form_pairs(changed)], found)
            except Exception as error:  # noqa: BLE001 - every problem is collected, then all are reported at once
                problems.append(f"{name}={as_text(value)[:20]!r}: {trouble(error)}")
    return problems


QUERIES = (
    ("/find", {"q": "Seacroft", "practice": "1"}),
    ("/", {"q": "Seacroft"}),
    ("/lcps", {"topic": "housing", "area": "Seacroft"}),
    ("/match", {"topic": ["housing"], "areas": "LS14", "citywide": "y"}),
    ("/track", {"code": "ABCD-2345"}),
    ("/updates.atom", {"lcp": ["seacroft"], "topic": "housing", "extra": ""}),
    ("/meetings.ics", {"lcp": ["seacroft"], "topic": "housing", "extra": ""}),
    ("/subscribe", {"lcp": ["seacroft"], "topic": "housing"}),
    ("/lcps/seacroft/updates.atom", {"extra": ""}),
    ("/register", {"lcp": ["seacroft"], "topic": ["housing"], "kind": "organisation"}),
    ("/share", {"lcp": ["seacroft"], "topic": ["housing"], "item": "1"}),
    ("/lcps/seacroft", {"lang": "ar"}),
    ("/topics/housing", {"lang": "ur"}),
)


def test_each_awkward_value_in_each_query_parameter_and_address(app) -> None:
    client = app.test_client()
    problems = []

    def getter(path: str):
        return lambda answers: client.get(url(path, form_pairs(answers)))

    for path, parameters in QUERIES:
        problems += [f"GET {path}?{problem}" for problem in sweep(getter(path), parameters)]
    for template in ADDRESSES:
        for value in AWKWARD_VALUES:
            path = template.format(slug=encoded(value), number=encoded(value))
            try:
                check(client.get(path), [value])
            except Exception as error:  # noqa: BLE001 - every problem is collected, then all are reported at once
                problems.append(f"GET {template} with {as_text(value)[:20]!r}: {trouble(error)}")
    assert not problems, "\n".join(problems)


def test_each_awkward_value_in_each_form_field(client, token, person, receipt, leave_no_trace) -> None:
    code, link = receipt
    client.set_cookie("lcp_follower", person[Purpose.COOKIE])

    def sender(path: str):
        return lambda answers: post(client, path, [("csrf_token", token), *form_pairs(fresh_email(answers))])

    forms = (
        # The fullest profiles: every field a person could fill in is there to be swept.
        ("/register", ORGANISATION, None),
        ("/share", FOR_A_GROUP, None),
        ("/share", FINDING, ["find_lcp", "action"]),
        ("/preferences", {"email": "fuzz@example.org"}, None),
        ("/preferences/<token>", CHOICES, None),
        ("/track/<code>/more/<token>", {"body": "The bus came back, thank you", "action": "add"}, None),
        ("/follow", {"lcp": ["seacroft"], "topic": ["housing"]}, None),
        ("/follow/lcp/seacroft", {"follow": "yes"}, None),
    )
    addresses = {"/preferences/<token>": f"/preferences/{person[Purpose.PREFERENCES]}"}
    addresses["/track/<code>/more/<token>"] = f"/track/{code}/more/{link}"
    problems = []
    for path, profile, fields in forms:
        send = sender(addresses.get(path, path))
        problems += [f"POST {path} {problem}" for problem in sweep(send, profile, fields, found=True)]
    assert not problems, "\n".join(problems)
