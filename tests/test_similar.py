# ruff: noqa: F811
"""Similar items (`app.services.similar`) and the item page's "Similar items" section: close texts are suggested and
unrelated ones are not; only the person's partnerships' items, only from the last 90 days, never the item itself or
one already tied to it; and suggestions are buttons staff press, never changes made by themselves.

Each test stores its own submissions with words of their own (a unique marker is among them), so the demo content
and other tests' rows are never close enough to be suggested in their place.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from flask import Flask

from app.clock import utcnow
from app.commands import Actor
from app.commands import sharing as sharing_commands
from app.extensions import db
from app.models import StaffUser, Submission
from app.services import sharing, similar
from app.services.people import lcps_by_slug
from tests.conftest import Page

# The shared fixtures, imported by name: the tests below take them as arguments (hence F811).
from tests.resident_items import Make, admin, ctx, make, worker  # noqa: F401

SHELTER = "The bus stop on {place} Road has no shelter, and older people get soaked waiting for the number 16 {mark}."
CLOSE = (
    "No shelter at the {place} Road bus stop: older people are soaked while waiting for the 16 bus {mark}.",
    "Older residents wait in the rain at the bus stop on {place} Road because there is no shelter {mark}.",
)
UNRELATED = "My GP surgery never answers the telephone in the morning and appointments vanish by nine {mark}."


def words() -> dict[str, str]:
    """A place and a marker no other test uses."""
    tag = uuid4().hex[:8]
    return {"place": f"Quarry{tag}", "mark": f"sim{tag}"}


def ids(found: similar.Similar) -> list[int]:
    return [item.submission.id for item in found]


# The words ---------------------------------------------------------------------------------------------------------


def test_keywords_are_the_distinctive_words_longest_first() -> None:
    text = "The the THE bus stop on Armley Road has no shelter and older people get soaked; it's 16 o'clock, isn't it"
    found = similar.keywords(text)
    assert found[:2] == ["shelter", "o'clock"]
    assert set(found) == {"shelter", "o'clock", "armley", "soaked", "older", "road", "stop", "bus"}
    assert similar.keywords("the and of to it " * 20) == []
    assert len(similar.keywords(" ".join(f"word{number}" for number in range(50)))) == similar.TERMS


def test_closeness_separates_close_from_unrelated() -> None:
    mark = words()
    base = SHELTER.format(**mark)
    for close in CLOSE:
        assert similar.closeness(base, close.format(**mark)) >= similar.THRESHOLD
    assert similar.closeness(base, UNRELATED.format(place="x", mark="y")) < similar.THRESHOLD


# What is suggested -------------------------------------------------------------------------------------------------


def test_close_texts_are_found_and_unrelated_ones_are_not(worker: StaffUser, make: Make) -> None:
    mark = words()
    item = make(SHELTER.format(**mark))
    close = [make(text.format(**mark)) for text in CLOSE]
    unrelated = make(UNRELATED.format(**mark))
    found = similar.for_submission(item, worker)
    assert set(ids(found)) == {row.id for row in close}
    assert unrelated.id not in ids(found)
    first = found.items[0]
    assert first.code == sharing.format_code(first.submission.receipt_code)
    assert first.excerpt and first.routings[0].lcp.slug == "armley"
    assert [item.score for item in found] == sorted((item.score for item in found), reverse=True)


def test_the_item_itself_and_items_tied_to_it_are_not_suggested(worker: StaffUser, make: Make) -> None:
    mark = words()
    item = make(SHELTER.format(**mark))
    duplicate, counted, free = (make(text.format(**mark)) for text in (*CLOSE, CLOSE[0]))
    duplicate.duplicate_of_id = item.id
    counted.same_issue_as_id = item.id
    db.session.commit()
    assert ids(similar.for_submission(item, worker)) == [free.id]
    # Nor, from the counted item, its own original or another item counted with the same original.
    assert item.id not in ids(similar.for_submission(counted, worker))
    free.same_issue_as_id = item.id
    db.session.commit()
    assert free.id not in ids(similar.for_submission(counted, worker))


def test_another_partnerships_items_are_not_suggested(worker: StaffUser, admin: StaffUser, make: Make) -> None:
    mark = words()
    item = make(SHELTER.format(**mark), "armley")
    theirs = make(CLOSE[0].format(**mark), "seacroft")
    shared = make(CLOSE[1].format(**mark), "seacroft", "armley")
    assert ids(similar.for_submission(item, worker)) == [shared.id]
    # An admin sees every partnership, but suggestions stay within the item's own partnerships.
    assert ids(similar.for_submission(item, admin)) == [shared.id]
    # The shared item lists only the partnership the worker may see.
    assert [routing.lcp.slug for routing in similar.for_submission(item, worker).items[0].routings] == ["armley"]
    both = make(SHELTER.format(**mark), "armley", "seacroft")
    assert theirs.id in ids(similar.for_submission(both, admin))
    assert theirs.id not in ids(similar.for_submission(both, worker))


def test_items_older_than_90_days_are_not_suggested(worker: StaffUser, make: Make) -> None:
    mark = words()
    old = make(CLOSE[0].format(**mark))
    recent = make(CLOSE[1].format(**mark))
    item = make(SHELTER.format(**mark))
    old.created_at = utcnow() - timedelta(days=similar.WINDOW_DAYS + 1)
    db.session.commit()
    assert ids(similar.for_submission(item, worker)) == [recent.id]


def test_at_most_five(worker: StaffUser, make: Make) -> None:
    mark = words()
    item = make(SHELTER.format(**mark))
    for number in range(7):
        make(CLOSE[number % 2].format(**mark) + f" {number}")
    assert len(similar.for_submission(item, worker)) == 5
    assert len(similar.for_submission(item, worker, limit=2)) == 2


def test_nothing_distinctive_finds_nothing(worker: StaffUser, make: Make) -> None:
    item = make("It is the one.")
    make("It is the one.")
    assert ids(similar.for_submission(item, worker)) == []


# The item page -----------------------------------------------------------------------------------------------------


def page_of(client, submission_id: int) -> Page:
    response = client.get(f"/admin/submissions/{submission_id}")
    assert response.status_code == 200
    return Page(response)


def test_the_item_page_lists_them_with_two_buttons_each(app: Flask, staff_client) -> None:
    mark = words()
    with app.test_request_context():
        share = sharing_commands.share
        item = share(Actor.resident(), sharing.ShareInput(SHELTER.format(**mark), lcps_by_slug(["armley"]))).submission
        close = share(
            Actor.resident(), sharing.ShareInput(CLOSE[0].format(**mark), lcps_by_slug(["armley"]))
        ).submission
        item_id, close_id, code = item.id, close.id, sharing.format_code(close.receipt_code)
    page = page_of(staff_client("staff", ("armley",)), item_id)
    section = page.soup.select_one("#similar-list")
    assert page.soup.find("h2", id="similar").get_text(strip=True) == "Similar items"
    entry = section.select_one(f"#similar-{close_id}")
    text = " ".join(entry.get_text(" ").split())
    assert f"Item {close_id}" in text and code in text and "Armley" in text and "Received" in text
    assert "No shelter at the" in text
    assert entry.select_one("a")["href"] == f"/admin/submissions/{close_id}"
    duplicate, same = entry.select("form")
    assert duplicate["action"] == f"/admin/submissions/{item_id}/duplicate"
    assert duplicate.select_one("input[name=code]")["value"] == code
    assert "Mark this one as a duplicate of it" in duplicate.get_text()
    assert same["action"] == f"/admin/submissions/{item_id}/same-issue"
    assert same.select_one("input[name=original]")["value"] == str(close_id)
    assert "Same issue (count together)" in same.get_text()
    for form in (duplicate, same):
        assert form["method"] == "post" and form.select_one("input[name=csrf_token]")["value"]
        # Each button says which item it acts on, for a screen reader among several alike.
        assert f"(item {close_id})" in form.select_one("button").get_text(" ")
    # Suggesting changed nothing.
    with app.app_context():
        row = db.session.get(Submission, item_id)
        assert row.duplicate_of_id is None and row.same_issue_as_id is None


def test_a_viewer_sees_them_without_buttons(app: Flask, staff_client) -> None:
    mark = words()
    with app.test_request_context():
        share = sharing_commands.share
        item = share(Actor.resident(), sharing.ShareInput(SHELTER.format(**mark), lcps_by_slug(["armley"]))).submission
        close = share(
            Actor.resident(), sharing.ShareInput(CLOSE[1].format(**mark), lcps_by_slug(["armley"]))
        ).submission
        item_id, close_id = item.id, close.id
    page = page_of(staff_client("viewer", ("armley",)), item_id)
    entry = page.soup.select_one(f"#similar-{close_id}")
    assert entry is not None and entry.select("form") == []


def test_nothing_similar_says_so(app: Flask, staff_client) -> None:
    with app.test_request_context():
        item = sharing_commands.share(
            Actor.resident(), sharing.ShareInput(UNRELATED.format(**words()), lcps_by_slug(["armley"]))
        ).submission
        item_id = item.id
    page = page_of(staff_client("staff", ("armley",)), item_id)
    assert page.soup.select_one("#no-similar").get_text(strip=True) == "No similar items in the last 90 days."
    assert page.soup.select_one("#similar-list") is None
