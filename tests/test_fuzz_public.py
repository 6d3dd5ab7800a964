"""Property-based tests of every public form and query parameter, with Hypothesis.

Each form and each group of query parameters gets generated examples of hostile input (50 in `make test`, 500
in `make fuzz`; `FUZZ_EXAMPLES` in tests/fuzz.py): long text (some over the field's limit), nothing,
whitespace, control characters, bytes that are not UTF-8 (percent-encoded, since HTTP cannot carry lone
surrogates), HTML and script payloads, right-to-left text, CJK, emoji, combining marks, numbers where text is
expected and text where numbers are.

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

from collections.abc import Iterator
from uuid import uuid4

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import delete, func, select

from app.clock import utcnow
from app.commands import Actor
from app.commands import sharing as sharing_commands
from app.extensions import db
from app.models import Follower, OutboxMessage, Submission, ThemeAlert
from app.services import directory, sharing
from app.services.people import lcps_by_slug
from app.services.sharing import ContactInput, ShareInput
from app.services.tokens import Purpose, make_contact_token, make_token
from tests.fuzz import (
    AWKWARD_VALUES,
    CSRF,
    FUZZ,
    HTMX,
    JUNK_QUERY,
    LCPS,
    MARK,
    NUMBER,
    PAYLOADS,
    TEXT,
    TOPICS,
    Answers,
    answer,
    around,
    as_text,
    assert_inert,
    check,
    encoded,
    form,
    form_pairs,
    given_pairs,
    header_safe,
    pick,
    post,
    several,
    short,
    sweep,
    trouble,
    url,
    with_token,
)

# The addresses the profiles below give; each send gets a fresh one instead, or after a few sends the limits
# on mail to one address would stop the app before it stores anything.
PROFILE_EMAILS = {"fuzz-resident@example.org", "Fuzz.Group@Example.ORG", "fuzz-share@example.org"}


def fresh_email(answers: Answers) -> Answers:
    if answers.get("email") in PROFILE_EMAILS:
        return {**answers, "email": f"fuzz-{uuid4().hex[:12]}@example.org"}
    return answers


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
        shared = sharing_commands.share(
            Actor.resident(),
            ShareInput(
                body=f"Fuzz receipt {uuid4().hex}",
                lcps=lcps_by_slug(["seacroft"]),
                contact=ContactInput(email=f"fuzz-{uuid4().hex[:12]}@example.org", wants_updates=True),
            ),
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
        {
            "kind": answer(("resident", "organisation")),
            "item": answer(("1", "2", "3"), NUMBER),
            "areas": answer(("LS14, LS15, LS9",)),
            "unsure": answer(("1",)),
        }
    ),
)
def test_links_that_fill_a_form_in(app, path, lcps, topics, fields) -> None:
    """`?lcp=…&topic=…` from follow links and /match, `kind` and `areas` on /register, `item` (an agenda item) and
    `unsure` on /share."""
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
    ("POST", "/preferences/{}/calendar"),
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
