"""The inbox as a list a worker lives in: its views and their counts (kept a minute, never stale after a change),
saved views, the search box, the download, and pages whose number of SQL statements does not grow with the data.

Each test makes partnerships of its own (rolled back with the test), so the counts it reads are exact.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from uuid import uuid4

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select, update

from app.clock import utcnow
from app.extensions import db
from app.models import AuditEvent, Lcp, Routing, SavedView, Submission, SubmissionContact, Topic
from app.page_cache import cache
from app.services import targets, triage
from tests.conftest import Page, statements


@pytest.fixture
def add(app: Flask) -> Callable[..., int]:
    """An item in a partnership, written directly (quicker than sharing it), as it stands after some casework."""

    def add(
        lcp: Lcp,
        *,
        days: float = 0,
        status: str = "received",
        opened: bool = False,
        assignee: int | None = None,
        follow_up: bool = False,
        answered: bool = False,
        closed_at: datetime | None = None,
        body: str = "The bus to the surgery stopped running",
        topic: Topic | None = None,
        email: str | None = None,
    ) -> int:
        with app.app_context():
            arrived = utcnow() - timedelta(days=days)
            submission = Submission(receipt_code=uuid4().hex[:12].upper(), body=body, created_at=arrived)
            if topic is not None:
                submission.topics = [db.session.get(Topic, topic.id)]
            if email:
                submission.contact = SubmissionContact(email=email, wants_updates=True)
            routing = Routing(
                submission=submission,
                lcp_id=lcp.id,
                status=status,
                created_at=arrived,
                opened_at=arrived if opened else None,
                assignee_id=assignee,
                has_new_follow_up=follow_up,
                first_response_at=arrived + timedelta(hours=1) if answered or status != "received" else None,
                closed_at=closed_at if status == "closed" else None,
            )
            db.session.add(routing)
            db.session.commit()
            return routing.id

    return add


def listed(client: FlaskClient, url: str) -> tuple[Page, list[int]]:
    response = client.get(url)
    assert response.status_code == 200, url
    page = Page(response)
    return page, [int(row["id"].removeprefix("routing-")) for row in page.soup.select("tbody tr[id^=routing-]")]


def nav_counts(page: Page) -> dict[str, int]:
    """Each view the inbox's navigation lists, with the count it shows."""
    found = {}
    for link in page.soup.select("nav.app-inbox-views a"):
        count = link.select_one(".app-inbox-views__count")
        if count is not None:
            name = link.select_one(".app-break-anywhere").get_text(strip=True)
            found[name] = int(count.contents[0].strip().replace(",", ""))
    return found


def current_view(page: Page) -> list[str]:
    return [
        " ".join(link.get_text(" ").split()) for link in page.soup.select("nav.app-inbox-views a[aria-current=page]")
    ]


def token(client: FlaskClient) -> str:
    return Page(client.get("/admin/inbox")).soup.select_one("meta[name=csrf-token]")["content"]


def post(client: FlaskClient, url: str, data: dict, **kwargs):
    return client.post(url, data={"csrf_token": token(client), **data}, **kwargs)


# The views ---------------------------------------------------------------------------------------------------------


def test_each_view_lists_what_it_says_and_counts_it_exactly(app, make_lcp, add, staff_client) -> None:
    lcp = make_lcp()
    worker = staff_client("staff", (lcp.slug,))
    colleague = staff_client("staff", (lcp.slug,))
    monday = triage.week_start()
    fresh = add(lcp)
    mine = add(lcp, opened=True, assignee=worker.user.id, status="looking")
    waiting = add(lcp, opened=True, days=30)
    followed = add(lcp, opened=True, follow_up=True, assignee=colleague.user.id, answered=True)
    closed_now = add(lcp, opened=True, status="closed", closed_at=max(monday, utcnow() - timedelta(minutes=1)))
    add(lcp, opened=True, status="closed", closed_at=monday - timedelta(minutes=1))
    add(lcp, status="closed", closed_at=monday - timedelta(days=20), days=40)
    expected = {
        "urgent": [],
        "new": [fresh],
        "mine": [mine],
        "unassigned": [waiting, fresh],
        "overdue": [waiting],
        "follow-ups": [followed],
        "closed-week": [closed_now],
    }
    page, _rows = listed(worker, "/admin/inbox")
    labels = {view: str(label) for view, label in triage.VIEWS.items()}
    assert nav_counts(page) == {labels[view]: len(ids) for view, ids in expected.items()}
    assert current_view(page) == ["All items"]
    for view, ids in expected.items():
        page, found = listed(worker, f"/admin/inbox?view={view}")
        assert sorted(found) == sorted(ids), view
        assert current_view(page) == [f"{labels[view]} {len(ids)} item{'s' if len(ids) != 1 else ''}"]
        assert page.soup.title.get_text().startswith(labels[view])
        # Every item link carries the view, for the item page's previous and next; so do the pages of another order.
        for link in page.soup.select("tbody a[href^='/admin/submissions/']"):
            assert link["href"].endswith(f"&view={view}")
        page, oldest_first = listed(worker, f"/admin/inbox?view={view}&sort=oldest")
        assert sorted(oldest_first) == sorted(ids)
        for link in page.soup.select("tbody a[href^='/admin/submissions/']"):
            assert link["href"].endswith(f"&view={view}&sort=oldest")


def test_overdue_uses_each_partnerships_own_target(app, make_lcp, add, staff_client) -> None:
    patient, quick = make_lcp(target=10), make_lcp(target=2)
    arrived = utcnow() - timedelta(days=8)
    # The premise, from the same working-day rules (weekends and bank holidays): over 2 days, within 10.
    assert targets.standing(arrived, 2).over and not targets.standing(arrived, 10).over
    slow_here = add(quick, days=8)
    fine_there = add(patient, days=8)
    worker = staff_client("staff", (patient.slug, quick.slug))
    _page, found = listed(worker, "/admin/inbox?view=overdue")
    assert found == [slow_here]
    page, _found = listed(worker, "/admin/inbox")
    row = page.soup.select_one(f"#routing-{slow_here}")
    assert re.search(r"\d+ days? over", row.get_text(" "))
    assert "over" not in page.soup.select_one(f"#routing-{fine_there}").get_text(" ")
    # One partnership chosen: only its target counts.
    assert listed(worker, f"/admin/inbox?view=overdue&lcp={patient.slug}")[1] == []
    # Answered, or closed: no longer waiting, whatever its age.
    add(quick, days=30, answered=True)
    add(quick, days=30, status="closed", closed_at=utcnow() - timedelta(days=1))
    assert listed(worker, "/admin/inbox?view=overdue")[1] == [slow_here]


@pytest.mark.parametrize(("target", "words"), [(0, "due today"), (1, "due in 1 day"), (2, "due in 2 days")])
def test_the_target_in_words(app, make_lcp, add, staff_client, target, words) -> None:
    """An item that arrived today is due after exactly its target's working days, whatever the day of the week."""
    lcp = make_lcp(target=target)
    ident = add(lcp)
    answered = add(lcp, answered=True)
    page, _found = listed(staff_client("staff", (lcp.slug,)), "/admin/inbox")
    row = " ".join(page.soup.select_one(f"#routing-{ident}").get_text(" ").split())
    assert f"Received: today {words}" in row
    assert "due" not in page.soup.select_one(f"#routing-{answered}").get_text(" ")


def test_a_view_combines_with_the_filters_and_an_unknown_view_is_ignored(app, make_lcp, add, staff_client) -> None:
    lcp = make_lcp()
    worker = staff_client("staff", (lcp.slug,))
    web = add(lcp)
    add(lcp, opened=True)
    with app.app_context():
        db.session.get(Routing, web).submission.source = "phone"
        db.session.commit()
    assert listed(worker, "/admin/inbox?view=new&source=phone")[1] == [web]
    assert listed(worker, "/admin/inbox?view=new&source=paper")[1] == []
    assert len(listed(worker, "/admin/inbox?view=everything")[1]) == 2
    assert triage.Filters(view="new").query_args() == {"view": "new"}


def test_an_items_age_counts_days_in_leeds(app_context) -> None:
    today = date(2026, 6, 10)
    # 23:30 UTC on 9 June is 00:30 on 10 June in Leeds (British Summer Time).
    assert triage.age(datetime(2026, 6, 9, 23, 30), today) == "today"
    assert triage.age(datetime(2026, 6, 9, 22, 30), today) == "1 day"
    assert triage.age(datetime(2026, 6, 7, 12, 0), today) == "3 days"
    assert triage.first_words("The lift is broken") == "The lift is broken"
    cut = triage.first_words("The lift at the health centre " * 10)
    assert len(cut) <= triage.FIRST_WORDS and cut.endswith(" health…")


# Counts kept a minute, never stale ---------------------------------------------------------------------------------


def counted(app: Flask, client: FlaskClient, url: str = "/admin/inbox") -> tuple[Page, int]:
    """The page, and how many COUNT statements it took."""
    with statements(app) as sent:
        response = client.get(url)
    assert response.status_code == 200
    return Page(response), sum(1 for statement in sent if re.search(r"count\(", statement, re.IGNORECASE))


def test_counts_are_kept_but_a_change_shows_at_once(app, make_lcp, add, staff_client) -> None:
    lcp = make_lcp()
    worker = staff_client("staff", (lcp.slug,))
    first_item = add(lcp)
    add(lcp)
    page, first = counted(app, worker)
    assert first == len(triage.VIEWS) and nav_counts(page)["New"] == 2
    page, second = counted(app, worker)
    assert second == 0 and nav_counts(page)["New"] == 2

    # A change through the bulk bar, and one written any other way, each show on the next page.
    response = post(worker, "/admin/inbox/bulk", {"routing": first_item, "status": "closed", "reason": "Done"})
    assert response.status_code == 303
    page, again = counted(app, worker)
    assert again == len(triage.VIEWS)
    assert nav_counts(page)["New"] == 1 and nav_counts(page)["Closed this week"] == 1
    add(lcp)
    page, _count = counted(app, worker)
    assert nav_counts(page)["New"] == 2
    # So does an UPDATE or DELETE statement, which changes no row loaded in the session.
    with app.app_context():
        db.session.execute(update(Routing).where(Routing.lcp_id == lcp.id).values(opened_at=utcnow()))
        db.session.commit()
    page, again = counted(app, worker)
    assert again == len(triage.VIEWS) and nav_counts(page)["New"] == 0
    with app.app_context():
        db.session.execute(
            delete(Submission).where(
                Submission.id.in_(
                    select(Routing.submission_id).where(Routing.lcp_id == lcp.id, Routing.status == "closed")
                )
            )
        )
        db.session.commit()
    page, _count = counted(app, worker)
    assert nav_counts(page)["Closed this week"] == 0


def test_counts_are_shared_by_the_same_partnerships_only(app, make_lcp, add, staff_client) -> None:
    lcp, other = make_lcp(), make_lcp()
    add(lcp)
    add(other)
    add(other)
    one, same = staff_client("staff", (lcp.slug,)), staff_client("staff", (lcp.slug,))
    both = staff_client("staff", (lcp.slug, other.slug))
    _page, first = counted(app, one)
    page, shared = counted(app, same)
    # The partnerships' views come from what the first worked out; "Mine" is the person's own.
    assert first == len(triage.VIEWS) and shared == 1 and nav_counts(page)["New"] == 1
    page, wider = counted(app, both)
    assert wider == len(triage.VIEWS) and nav_counts(page)["New"] == 3
    admin_page, _count = counted(app, staff_client("admin"))
    assert nav_counts(admin_page)["New"] >= 3


# Saved views -------------------------------------------------------------------------------------------------------


def audits(app: Flask, action: str, actor: str) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(select(AuditEvent).where(AuditEvent.action == action, AuditEvent.actor_label == actor))
        )


def test_a_worker_saves_filters_as_a_view_and_finds_it_with_its_count(app, make_lcp, add, staff_client) -> None:
    lcp = make_lcp()
    worker = staff_client("staff", (lcp.slug,))
    looking = add(lcp, status="looking")
    add(lcp)
    inbox = Page(worker.get(f"/admin/inbox?status=looking&lcp={lcp.slug}&after=2026-01-01T00:00:00_1"))
    link = inbox.links()["Save these filters as a view"]
    assert link == f"/admin/inbox/views?status=looking&lcp={lcp.slug}"
    form_page = Page(worker.get(link))
    assert "Looking at it" in form_page.text("#these-filters") and lcp.name in form_page.text("#these-filters")
    query = form_page.soup.select_one("input[name=query]")["value"]
    response = post(worker, "/admin/inbox/views", {"name": "  Looking   here ", "query": query})
    assert response.status_code == 303 and response.headers["Location"] == f"/admin/inbox?{query}"
    page, found = listed(worker, response.headers["Location"])
    assert found == [looking]
    assert nav_counts(page)["Looking here"] == 1 and current_view(page) == ["Looking here 1 item"]
    assert "The view “Looking here” is saved" in page.text()
    [record] = audits(app, "inbox.view.save", worker.user.email)
    assert '"query": "status=looking&lcp=' in record.after
    # Another person has their own views, not this one.
    assert "Looking here" not in nav_counts(Page(staff_client("staff", (lcp.slug,)).get("/admin/inbox")))


@pytest.mark.parametrize(
    ("name", "query", "message"),
    [
        ("", "status=looking", "Enter a name for the view"),
        ("x" * 81, "status=looking", "Enter a name of 80 characters or fewer"),
        ("MINE ALONE", "status=looking", "You already have a view called “MINE ALONE”"),
        ("new", "status=looking", "You already have a view called “new”"),
        ("Everything", "", "Choose some filters first"),
        ("Everything", "after=2026-01-01T00:00:00_1&lcp=nowhere", "Choose some filters first"),
        ("Hidden\u202emark", "status=looking", "hidden control characters"),
    ],
)
def test_a_name_that_cannot_be_saved_says_why(app, staff_client, name, query, message) -> None:
    worker = staff_client("staff", ("armley",))
    with app.app_context():
        db.session.add(SavedView(staff_id=worker.user.id, name="Mine alone", query="assignee=me"))
        db.session.commit()
    response = post(worker, "/admin/inbox/views", {"name": name, "query": query})
    assert response.status_code == 200
    page = Page(response)
    assert page.soup.title.get_text().startswith("Error:")
    assert message in page.soup.select_one("#name-error").get_text()
    assert page.soup.select_one(".nhsuk-error-summary a")["href"] == "#name"
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(SavedView.staff_id == worker.user.id)) == 1


def test_a_saved_view_is_deleted_only_by_its_owner(app, staff_client) -> None:
    worker, other = staff_client("staff", ("armley",)), staff_client("viewer", ("armley",))
    with app.app_context():
        view = SavedView(staff_id=worker.user.id, name="Phone calls", query="source=phone")
        db.session.add(view)
        db.session.commit()
        ident = view.id
    assert "Phone calls" in Page(worker.get("/admin/inbox/views")).text()
    assert post(other, "/admin/inbox/views/delete", {"view": str(ident)}).status_code == 404
    assert post(other, "/admin/inbox/views/delete", {"view": "x"}).status_code == 404
    response = post(worker, "/admin/inbox/views/delete", {"view": str(ident)}, follow_redirects=True)
    assert "The view “Phone calls” is deleted" in Page(response).text()
    with app.app_context():
        assert db.session.get(SavedView, ident) is None
    assert len(audits(app, "inbox.view.delete", worker.user.email)) == 1
    # A viewer keeps views of their own too: they read the inbox.
    response = post(other, "/admin/inbox/views", {"name": "Paper", "query": "source=paper"})
    assert response.status_code == 303


# Search ------------------------------------------------------------------------------------------------------------


def test_a_search_that_finds_one_item_still_shows_the_list(app, make_lcp, add, staff_client) -> None:
    lcp = make_lcp()
    mark = f"mark{uuid4().hex[:10]}"
    ident = add(lcp, body=f"The ramp at the clinic {mark} is broken")
    add(lcp)
    worker = staff_client("staff", (lcp.slug,))
    page, found = listed(worker, f"/admin/inbox?q={mark}")
    assert found == [ident]
    label = page.soup.select_one("label[for=inbox-q]").get_text(strip=True)
    assert label == "Find an item: receipt code, item number or words"
    assert page.soup.select_one("#inbox-q")["value"] == mark
    assert f"Items that match “{mark}”" in page.text()


# The download ------------------------------------------------------------------------------------------------------


def test_the_download_holds_every_matching_item_without_contact_details(app, make_lcp, add, staff_client) -> None:
    lcp, other = make_lcp(), make_lcp()
    topic = None
    with app.app_context():
        topic = db.session.scalar(select(Topic).order_by(Topic.position))
        db.session.expunge(topic)
    email = f"person-{uuid4().hex[:8]}@example.org"
    risky = add(lcp, body='=HYPERLINK("https://example.com","click")', email=email, topic=topic, days=2)
    many = [add(lcp, days=3 + index / 24) for index in range(29)]
    add(other)
    worker = staff_client("viewer", (lcp.slug,))
    response = worker.get(f"/admin/inbox.csv?lcp={lcp.slug}&sort=oldest")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="inbox-\d{4}-\d{2}-\d{2}\.csv"', response.headers["Content-Disposition"])
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff") and email not in text
    table = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert table[0] == [
        "Item number",
        "Received",
        "First response",
        "Closed",
        "Partnership",
        "Topics",
        "Source",
        "Status",
        "Assigned to",
        "Tags",
        "What they said",
    ]
    assert len(table) == 1 + 30
    with app.app_context():
        submission_of = {ident: db.session.get(Routing, ident).submission_id for ident in [risky, *many]}
        codes = {db.session.get(Routing, ident).submission.receipt_code for ident in [risky, *many]}
    # Oldest first: the 29 older items, then the risky one.
    assert [int(row[0]) for row in table[1:]] == [submission_of[ident] for ident in [*reversed(many), risky]]
    last = table[-1]
    assert last[4] == lcp.name and last[5] == topic.label and last[6] == "Website" and last[7] == "Received"
    assert last[10] == "'" + '=HYPERLINK("https://example.com","click")'
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", last[1]) and last[2] == "" and last[3] == ""
    assert not any(code in text for code in codes)
    [record] = audits(app, "inbox.export", worker.user.email)
    assert '"rows": 30' in record.after and f'"lcp": "{lcp.slug}"' in record.after
    assert "30 rows" in record.summary


def test_the_inbox_links_its_download_with_the_same_filters(app, make_lcp, add, staff_client) -> None:
    lcp = make_lcp()
    add(lcp)
    worker = staff_client("staff", (lcp.slug,))
    page = Page(worker.get("/admin/inbox?view=new&q=bus"))
    assert page.links()["Download these items (CSV)"] == "/admin/inbox.csv?view=new&q=bus"


# Speed: no forms in rows, and a bounded number of statements --------------------------------------------------------


def test_a_page_has_one_post_form_and_no_form_in_any_row(app, make_lcp, add, staff_client) -> None:
    lcp = make_lcp()
    for _ in range(3):
        add(lcp)
    page = Page(staff_client("staff", (lcp.slug,)).get("/admin/inbox"))
    forms = page.soup.select("main form")
    posted = [form for form in forms if form.get("method", "get").lower() == "post"]
    assert [form["id"] for form in posted] == ["inbox-bulk"]
    assert sorted(form["id"] for form in forms if form not in posted) == ["inbox-filters", "inbox-search"]
    rows = page.soup.select("tbody tr")
    assert len(rows) == 3
    for row in rows:
        assert row.select("form, select, textarea, button") == []
        assert [field["type"] for field in row.select("input")] == ["checkbox"]
    assert page.soup.select_one("#inbox-bulk").find_parent("table") is None


def fill(app: Flask, lcp: Lcp, worker_id: int, admin_id: int, count: int) -> None:
    """`count` items in the partnership, so that every view has some: a third closed this week, a third the
    worker's or the admin's, a third nobody's; the open ones new, past their target and with a follow-up; a fifth
    urgent."""
    with app.app_context():
        topic = db.session.scalar(select(Topic).order_by(Topic.position))
        now = utcnow()
        for index in range(count):
            arrived = now - timedelta(days=40, minutes=index)
            submission = Submission(
                receipt_code=uuid4().hex[:12].upper(),
                body=f"Item {index} about the bus",
                created_at=arrived,
                urgent_at=arrived if index % 5 == 1 else None,
            )
            submission.topics = [topic]
            closed = index % 3 == 0
            db.session.add(
                Routing(
                    submission=submission,
                    lcp_id=lcp.id,
                    status="closed" if closed else "received",
                    closed_at=max(triage.week_start(), now - timedelta(minutes=1)) if closed else None,
                    first_response_at=arrived if closed else None,
                    created_at=arrived,
                    assignee_id={1: worker_id, 4: admin_id}.get(index % 6),
                    has_new_follow_up=True,
                )
            )
        db.session.commit()


def statements_per_page(app: Flask, clients: dict[str, FlaskClient]) -> dict[str, int]:
    """How many statements each view's first page takes, counts worked out afresh."""
    found = {}
    for who, client in clients.items():
        for view in ("", *triage.VIEWS):
            with app.app_context():
                cache.clear()
            with statements(app) as sent:
                response = client.get(f"/admin/inbox?view={view}")
            assert response.status_code == 200
            assert len(Page(response).soup.select("tbody tr")) > 0, (who, view)
            found[f"{who} {view or 'all'}"] = len(sent)
    return found


def test_a_page_takes_the_same_number_of_statements_for_30_items_or_300(app, make_lcp, staff_client) -> None:
    lcp = make_lcp()
    worker = staff_client("staff", (lcp.slug,))
    clients = {"worker": worker, "admin": staff_client("admin")}
    people = (worker.user.id, clients["admin"].user.id)
    fill(app, lcp, *people, 30)
    small = statements_per_page(app, clients)
    fill(app, lcp, *people, 270)
    large = statements_per_page(app, clients)
    assert large == small
    # And few: the person, their partnerships, the topics, the staff, the saved views, the counts, the page.
    assert max(small.values()) <= 30, small


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("=1+1", "'=1+1"),
        ('  =HYPERLINK("http://x","y")', '\'  =HYPERLINK("http://x","y")'),
        ("\n@SUM(A1)", "'\n@SUM(A1)"),
        ("\u00a0+44 113", "'\u00a0+44 113"),
        ("-5 degrees at the bus stop", "'-5 degrees at the bus stop"),
        ("The bus = late", "The bus = late"),
        ("", ""),
    ],
)
def test_a_cell_that_a_spreadsheet_would_run_is_written_as_text(typed: str, written: str) -> None:
    from app.services.spreadsheet import safe_cell

    assert safe_cell(typed) == written
    assert safe_cell(12) == "12"
