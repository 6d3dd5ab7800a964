# ruff: noqa: F811
"""The inbox's search box (`app.services.search`): receipt codes in any spelling, item numbers, words on either
database (FTS5 on SQLite, trigram-indexed ILIKE on PostgreSQL), typed text that can never break the query, and the
person's partnerships as the limit of what is found.

Each test stores its own submissions with a unique marker word and searches through `triage.filtered`, the query the
inbox, its counts and the item page's previous and next all use.
"""

from __future__ import annotations

from uuid import uuid4

import pytest
from flask import Flask
from hypothesis import given
from sqlalchemy import func, select

from app.commands import Actor
from app.commands import sharing as sharing_commands
from app.extensions import db
from app.models import Routing, StaffUser
from app.services import search, sharing, triage
from app.services.people import lcps_by_slug
from tests.conftest import Page
from tests.fuzz import FUZZ, TEXT, UNICODE

# The shared fixtures, imported by name: the tests below take them as arguments (hence F811).
from tests.resident_items import Make, admin, ctx, make, worker  # noqa: F401


def marker() -> str:
    return f"srch{uuid4().hex[:10]}"


def found(user: StaffUser, q: str) -> set[int]:
    """The submissions the person's inbox finds for `q`."""
    query = triage.filtered(user, triage.Filters(q=q)).with_only_columns(Routing.submission_id)
    return set(db.session.scalars(query))


def dialect() -> str:
    return db.session.get_bind().dialect.name


# Codes and numbers -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("TJYD-AR56", "TJYDAR56"),
        ("tjydar56", "TJYDAR56"),
        ("tjyd ar56", "TJYDAR56"),
        ("  TJYD – AR56 ", "TJYDAR56"),
        ("tjyd-ar-56", "TJYDAR56"),
        ("TJYD-AR5", None),
        ("TJYD-AR567", None),
        ("TJYD-AR50", None),  # 0 is not in the alphabet
        ("TIYD-AR56", None),  # nor I
        ("", None),
        ("#TJYDAR56", None),
    ],
)
def test_find_code_reads_each_spelling(typed: str, expected: str | None) -> None:
    assert search.find_code(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("123", 123),
        ("#123", 123),
        ("# 123", 123),
        ("item 123", 123),
        ("Item #123", 123),
        ("ITEM123", 123),
        ("item no. 7", 7),
        ("0", None),
        ("-3", None),
        ("١٢٣", None),  # digits of another script are not an item number (they are still words)
        ("²", None),
        ("99999999999", None),  # no table holds it
        ("item", None),
        ("123 456", None),
    ],
)
def test_item_number_reads_each_spelling(typed: str, expected: int | None) -> None:
    assert search.item_number(typed) == expected


def test_each_code_spelling_finds_the_submission(admin: StaffUser, make: Make) -> None:
    item = make(f"The lift is broken {marker()}")
    code = item.receipt_code
    for typed in (
        sharing.format_code(code),
        code.lower(),
        f"{code[:4].lower()} {code[4:].lower()}",
        f"{code[:4]}–{code[4:]}",
    ):
        assert item.id in found(admin, typed), typed


def test_a_code_matches_by_code_or_by_words(admin: StaffUser, make: Make) -> None:
    mark = marker()
    coded = make(f"Parking {mark}")
    code = coded.receipt_code
    written = make(f"Someone wrote {code} in their message {mark}")
    hyphenated = make(f"Following up {sharing.format_code(code)} from last week {mark}")
    for typed in (sharing.format_code(code), code.lower(), f"{code[:4]} {code[4:]}"):
        assert found(admin, typed) == {coded.id, written.id, hyphenated.id}, typed


def test_item_numbers_find_the_submission_or_the_words(admin: StaffUser, make: Make) -> None:
    item = make(f"The pharmacy closes early {marker()}")
    other = make(f"The number {item.id} bus never comes {marker()}")
    for typed in (str(item.id), f"#{item.id}", f"item {item.id}"):
        assert item.id in found(admin, typed), typed
    # The number as typed is also a word someone may have written.
    assert other.id in found(admin, str(item.id))


def test_an_unknown_code_or_number_finds_nothing(admin: StaffUser, make: Make) -> None:
    make(f"Nothing to see {marker()}")
    assert found(admin, "ZZZZ-ZZZZ") == set()
    assert found(admin, "item 2147483000") == set()


# Words -------------------------------------------------------------------------------------------------------------


def test_every_word_must_appear_in_any_order_and_case(admin: StaffUser, make: Make) -> None:
    mark = marker()
    both = make(f"Parking at the CLINIC on Tong Road {mark}")
    one = make(f"The clinic is open late {mark}")
    assert found(admin, f"clinic parking {mark}") == {both.id}
    assert found(admin, f"{mark.upper()} clinic") == {both.id, one.id}
    assert found(admin, f"{mark} defibrillatorwords") == set()


def test_a_word_that_appears_nowhere_finds_nothing(admin: StaffUser, make: Make) -> None:
    make(f"About the surgery {marker()}")
    assert found(admin, f"zq{uuid4().hex}") == set()


def test_the_start_of_a_word_is_enough(admin: StaffUser, make: Make) -> None:
    mark = marker()
    item = make(f"Physiotherapy waiting lists {mark}")
    assert found(admin, f"physio {mark}") == {item.id}


def test_accents(admin: StaffUser, make: Make) -> None:
    mark = marker()
    item = make(f"Le café près de Łódź {mark}")
    assert found(admin, f"café {mark}") == {item.id}
    assert found(admin, f"CAFÉ {mark}") == {item.id}
    assert found(admin, f"Łódź {mark}") == {item.id}
    # SQLite's tokenizer folds Latin accents; PostgreSQL's ILIKE keeps them (no unaccent extension).
    assert found(admin, f"cafe {mark}") == ({item.id} if dialect() == "sqlite" else set())


def test_arabic_urdu_chinese_and_emoji(admin: StaffUser, make: Make) -> None:
    mark = marker()
    arabic = make(f"مرحبا، أين أقرب عيادة؟ {mark}")
    urdu = make(f"میرا ڈاکٹر کہاں ہے {mark}")
    chinese = make(f"简体中文的医生很好 {mark}")
    emoji = make(f"The new ramp 👍🏽 works {mark}")
    assert found(admin, f"عيادة {mark}") == {arabic.id}
    assert found(admin, f"ڈاکٹر {mark}") == {urdu.id}
    # No spaces between Chinese words: a word inside a run is still found.
    assert found(admin, f"医生 {mark}") == {chinese.id}
    assert found(admin, f"👍🏽 {mark}") == {emoji.id}


def test_like_wildcards_are_only_text(admin: StaffUser, make: Make) -> None:
    mark = marker()
    make(f"Fifty percent of us {mark}")
    item = make(f"Only 50% of slots_left {mark}")
    assert found(admin, f"50% {mark}") == {item.id}
    assert found(admin, f"% {mark}") == {item.id}
    assert found(admin, f"_ {mark}") == {item.id}


FTS_SYNTAX = (
    '"',
    '""',
    '"unclosed',
    "*",
    "**",
    "clinic*",
    "-",
    "-clinic",
    "clinic -parking",
    "NEAR",
    "NEAR(clinic parking)",
    "NEAR/2",
    "AND",
    "OR",
    "NOT",
    "clinic AND",
    "AND OR NOT",
    "(",
    ")",
    "(clinic",
    "body:clinic",
    "submission_fts:x",
    "^clinic",
    "{body}",
    "+",
    "a:b:c",
    "'",
    "o'brien",
    "\\",
    "\x00",
    "clinic\x00parking",
    "\u202e",
    "😀",
    *UNICODE,
)


@pytest.mark.parametrize("typed", FTS_SYNTAX)
def test_search_syntax_never_breaks_the_query(admin: StaffUser, worker: StaffUser, make: Make, typed: str) -> None:
    mark = marker()
    item = make(f"Clinic parking {mark}")
    for user in (admin, worker):
        query = triage.filtered(user, triage.Filters(q=f"{typed} {mark}"))
        db.session.scalar(select(func.count()).select_from(query.subquery()))
    # Every word counts, syntax or not: "near" is not in it.
    assert found(admin, f"{mark} NEAR(clinic parking)") == set()
    # SQLite's tokenizer reads the words inside the punctuation; PostgreSQL matches the text as typed.
    punctuated = {item.id} if dialect() == "sqlite" else set()
    assert found(admin, f'"clinic" {mark}') == punctuated
    assert found(admin, f"(clinic) -parking* {mark}") == punctuated
    assert found(admin, f"clinic parking {mark}") == {item.id}


@FUZZ
@given(typed=TEXT)
def test_any_text_at_all_is_a_valid_search(app: Flask, typed: str) -> None:
    with app.test_request_context():
        user = StaffUser(role="admin", email="fuzz@example.org")
        query = triage.filtered(user, triage.Filters(q=" ".join(typed.split())[:200]))
        db.session.scalar(select(func.count()).select_from(query.subquery()))


def test_nothing_left_to_match_is_no_filter(admin: StaffUser) -> None:
    query = triage.filtered(admin, triage.Filters())
    assert search.matching(query, "\x00\x01 \t") is query


def test_words_drop_control_characters_and_repeats() -> None:
    assert search.words("Clinic clinic\x00 CLINIC parking\x07") == ["Clinic", "parking"]
    assert search.fts_term('say "hi"') == '"say ""hi"""*'


# Scope -------------------------------------------------------------------------------------------------------------


def test_another_partnerships_items_are_never_found(admin: StaffUser, worker: StaffUser, make: Make) -> None:
    mark = marker()
    mine = make(f"Bus shelter {mark}", "armley")
    theirs = make(f"Bus shelter {mark}", "seacroft")
    assert found(worker, f"bus {mark}") == {mine.id}
    assert found(admin, f"bus {mark}") == {mine.id, theirs.id}
    for typed in (sharing.format_code(theirs.receipt_code), str(theirs.id), f"item {theirs.id}"):
        assert found(worker, typed) == set(), typed
        assert theirs.id in found(admin, typed), typed


def test_shared_with_both_is_found_by_each(admin: StaffUser, make: Make, make_staff) -> None:
    mark = marker()
    both = make(f"Bus shelter {mark}", "armley", "seacroft")
    seacroft = db.session.get(StaffUser, make_staff("staff", ("seacroft",)).id)
    assert found(seacroft, f"shelter {mark}") == {both.id}


def test_the_inbox_page_finds_a_code(staff_client, app: Flask) -> None:
    with app.test_request_context():
        item = sharing_commands.share(
            Actor.resident(), sharing.ShareInput(body=f"Lift broken {marker()}", lcps=lcps_by_slug(["armley"]))
        ).submission
        code, routing_id = item.receipt_code, item.routings[0].id
    client = staff_client("staff", ("armley",))
    spaced = f"{code[:4].lower()} {code[4:].lower()}"
    page = Page(client.get("/admin/inbox", query_string={"q": spaced}))
    assert page.response.status_code == 200
    assert page.soup.select_one(f"#routing-{routing_id}") is not None
    elsewhere = Page(staff_client("staff", ("seacroft",)).get("/admin/inbox", query_string={"q": spaced}))
    assert elsewhere.soup.select_one(f"#routing-{routing_id}") is None
