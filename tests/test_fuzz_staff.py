"""Property-based tests of the staff area's query arguments and addresses, signed in as each role, with Hypothesis.

The staff pages read their query strings as the public ones do: the inbox its filters (`status`, `lcp`, `topic`,
`assignee`, `source`, `from`, `to`, `q`, `sort`) and its paging cursors (`after`, `before`), the followers page its
partnership and cursors, the dashboard and its CSV downloads the period (`days`), the audit log its search and
paging (`q`, `action`, `before`), the practices page `ods` and the sign-in page `next`; and every page reads `lcp`
(a former partnership slug redirects) and `lang`. So they get what the public pages get from `tests/fuzz.py`: the
same strategies of hostile values and the same check (no server error or exception, redirects that stay on this
site, echoes that are inert), signed in as an admin, as a member of staff of one partnership and as a viewer of one.

The random examples are fewer than the public tests' (100, not 500), because the sweeps do the heavy lifting: every
argument of every page, one at a time with the rest valid, as each role, with each value known to break code that
trusts its input, and with each number inside a value the site made (a paging cursor, a date) swapped for one too
large for a column or written in another script. `test_every_staff_page_and_argument_is_listed` walks
`app.url_map` and the views' reads of `request.args`, so a page or an argument added later fails until it is
listed here.

A paging cursor the site did not make (an id past any column, a date in another shape) gives the first page, as
every other query argument the site cannot use is ignored; the tests at the end pin that down.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete, select

from app.admin import views as dashboard_views
from app.extensions import db
from app.models import (
    AgendaItem,
    Consent,
    Follower,
    Lcp,
    LcpRedirect,
    Meeting,
    Priority,
    ReplyTemplate,
    Routing,
    Topic,
    Update,
)
from app.numbers import LARGEST_ID
from app.services import keyset, translations, triage
from tests.conftest import Page
from tests.fuzz import (
    AWKWARD_VALUES,
    FUZZ,
    HTMX,
    JUNK_QUERY,
    LCPS,
    NUMBER,
    TEXT,
    TOPICS,
    VALUE,
    Answers,
    answer,
    as_text,
    check,
    encoded,
    form_pairs,
    given_pairs,
    numbers,
    pick,
    several,
    sweep,
    trouble,
    url,
)

STAFF_FUZZ = FUZZ

# The partnership of the member of staff and of the viewer: the demo has items in it.
LCP = "seacroft"
ROLES = {"admin": (), "staff": (LCP,), "viewer": (LCP,)}

# A former slug of that partnership, as a rename leaves (made by `known`): any page asked for it redirects.
FORMER = "fuzz-former-seacroft"
# What every page reads, before its view runs: `lcp` (app.old_addresses.redirect_old_lcp_slug) and `lang`.
EVERY_PAGE = {"lcp": [LCP], "lang": "en_GB"}


# Values the site made --------------------------------------------------------------------------------------------


@dataclass
class Known:
    """Valid values from the database: a paging cursor of each list, and a value for each variable in an address."""

    inbox_cursor: str
    people_cursor: str
    address: dict[str, str]


@pytest.fixture(scope="module")
def known(app: Flask) -> Iterator[Known]:
    """Two followers of the partnership who may be contacted, so that its list has rows, and a former slug of it
    (both deleted afterwards)."""
    with app.test_request_context():
        lcp = db.session.scalar(select(Lcp).where(Lcp.slug == LCP))
        db.session.add(LcpRedirect(old_slug=FORMER, lcp_id=lcp.id))
        made = []
        for number in range(2):
            confirmed = datetime(2025, 3, 1, 9, 30, 15, 250000 * number)
            follower = Follower(
                email=f"fuzz-staff-{number}@example.org", interests="contact", confirmed_at=confirmed, lcps=[lcp]
            )
            follower.consents.append(
                Consent(purpose="contact", wording="Fuzz", version="test", given_at=confirmed + timedelta(minutes=1))
            )
            db.session.add(follower)
            made.append(follower)
        db.session.commit()
        routing = db.session.scalar(
            select(Routing).where(Routing.lcp_id == lcp.id).order_by(Routing.created_at.desc(), Routing.id.desc())
        )
        assert routing is not None, "the demo has no items in the partnership"
        # A reply template of the partnership, for the template pages and the item page's "Start from a template".
        template = ReplyTemplate(lcp_id=lcp.id, title="Fuzz template", body="We did something.")
        db.session.add(template)
        db.session.commit()
        meeting = db.session.scalar(select(Meeting).where(Meeting.lcp_id == lcp.id).order_by(Meeting.id))
        item = db.session.scalar(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id))
        address = {
            "slug": LCP,
            "language": translations.other_languages()[0],
            "name": next(iter(dashboard_views.DOWNLOADS)),
            "meeting_id": str(meeting.id),
            "item_id": str(item.id if item else 1),
            "update_id": str(db.session.scalar(select(Update.id).where(Update.lcp_id == lcp.id))),
            "priority_id": str(db.session.scalar(select(Priority.id).order_by(Priority.id))),
            "submission_id": str(routing.submission_id),
            "topic_id": str(db.session.scalar(select(Topic.id).order_by(Topic.id))),
            "user_id": "1",
            "template_id": str(template.id),
            "routing_id": str(routing.id),
        }
        found = Known(
            inbox_cursor=keyset.write_cursor(routing.created_at, routing.id),
            people_cursor=keyset.write_cursor(made[-1].confirmed_at, made[-1].id),
            address=address,
        )
        ids = [follower.id for follower in made]
    yield found
    with app.app_context():
        db.session.execute(delete(Follower).where(Follower.id.in_(ids)))
        db.session.execute(delete(LcpRedirect).where(LcpRedirect.old_slug == FORMER))
        db.session.execute(delete(ReplyTemplate).where(ReplyTemplate.title == "Fuzz template"))
        db.session.commit()


@pytest.fixture
def signed_in(staff_client) -> dict[str, FlaskClient]:
    """A client for each role (new accounts, removed afterwards), shared by a test's examples."""
    return {role: staff_client(role, lcps) for role, lcps in ROLES.items()}


def rules(app: Flask) -> list:
    """Every address of the staff area a browser may GET."""
    found = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/admin") and "GET" in rule.methods]
    return sorted(found, key=lambda rule: rule.rule)


VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def address(rule, values: dict[str, str]) -> str:
    return VARIABLE.sub(lambda match: values[match[1]], rule.rule)


# The pages' own arguments, each with a valid value -----------------------------------------------------------------


def arguments(known: Known) -> dict[str, list[tuple[Answers, tuple[str, ...] | None]]]:
    """For each page that reads its query string (by endpoint): profiles of valid arguments, with the arguments a
    sweep changes in each (None: all). A cursor is swept on its own, since `after` wins over `before`."""
    inbox = {
        "status": "received",
        "lcp": LCP,
        "topic": "housing",
        "assignee": "me",
        "source": "web",
        "from": "2001-01-01",
        "to": "2026-12-31",
        "q": "surgery",
        "sort": "oldest",
        "view": "overdue",
    }
    return {
        "admin.inbox": [
            ({**inbox, "after": known.inbox_cursor}, None),
            ({"assignee": "1", "before": known.inbox_cursor}, ("assignee", "before")),
        ],
        "admin.inbox_csv": [(inbox, None)],
        "admin.inbox_views": [(inbox, None)],
        "admin.people": [
            ({"lcp": LCP, "after": known.people_cursor}, None),
            ({"lcp": LCP, "before": known.people_cursor}, ("before",)),
        ],
        "admin.dashboard": [({"days": "90"}, None)],
        "admin.figures_csv": [({"days": "365"}, None)],
        "admin.audit": [({"q": "routing", "action": "routing", "before": "1000"}, None)],
        "admin.lcp_practices": [({"ods": "B86003"}, None)],
        # Coverage: its filters; the uploads page's "done" banner and the undo step's import, by number.
        "admin.coverage": [({"lcp": LCP, "unconfirmed": "1", "how": "programme"}, None)],
        "admin.practice_imports": [({"done": "1"}, None)],
        "admin.practice_import_undo": [({"import": "1"}, None)],
        "admin.login": [({"next": "/admin/inbox?status=received"}, None)],
        # The item page: the inbox view it was opened from (previous and next), and a reply template asked for.
        "admin.submission": [
            (
                {
                    **inbox,
                    "view": "unassigned",
                    "routing": known.address["routing_id"],
                    "reply_for": known.address["routing_id"],
                    "template": known.address["template_id"],
                },
                None,
            )
        ],
    }


# The names `arguments` lists, for the check that nothing the views read is missing from it.
INBOX_FILTERS = {"status", "lcp", "topic", "assignee", "source", "from", "to", "q", "sort", "view"}
LISTED = {
    "admin.inbox": {*INBOX_FILTERS, "after", "before"},
    "admin.inbox_csv": INBOX_FILTERS,
    "admin.inbox_views": INBOX_FILTERS,
    "admin.people": {"lcp", "after", "before"},
    "admin.dashboard": {"days"},
    "admin.figures_csv": {"days"},
    "admin.audit": {"q", "action", "before"},
    "admin.lcp_practices": {"ods"},
    "admin.coverage": {"lcp", "unconfirmed", "how"},
    "admin.practice_imports": {"done"},
    "admin.practice_import_undo": {"import"},
    "admin.login": {"next"},
    "admin.submission": {
        *("status", "lcp", "topic", "assignee", "source", "from", "to", "q", "sort", "view"),
        *("routing", "reply_for", "template"),
    },
}
# The sign-in steps are for people not yet signed in; everything else is swept signed in.
SIGNED_OUT = ("admin.login",)

READS = re.compile(r"""\bargs(?:\.get|\.getlist)?[(\[]\s*["']([^"']+)["']""")


def test_every_staff_page_and_argument_is_listed(app: Flask, known: Known) -> None:
    """A view that reads its query string is listed, with every argument it names; so is the inbox's filter reader."""
    listed = arguments(known)
    assert set(listed) == set(LISTED)
    for endpoint, profiles in listed.items():
        assert {name for profile, _fields in profiles for name in profile} == LISTED[endpoint], endpoint
    for rule in rules(app):
        source = inspect.getsource(inspect.unwrap(app.view_functions[rule.endpoint]))
        if "request.args" in source or "request.values" in source:
            assert rule.endpoint in LISTED, f"{rule.endpoint} reads its query string: list it in `arguments`"
            assert set(READS.findall(source)) <= LISTED[rule.endpoint], rule.endpoint
    assert set(READS.findall(inspect.getsource(triage.read_filters))) <= LISTED["admin.inbox"]


# Values known to break code ----------------------------------------------------------------------------------------

# Beyond the public sweep's: nothing, a negative number, numbers past 64 bits and at 2**63, a line break (a header
# a redirect might carry), and decimal digits int() reads though they are not ASCII (Arabic-Indic, full-width).
STAFF_VALUES = (*AWKWARD_VALUES, "", "-1", "9" * 25, "9223372036854775808", "a\r\nb", "٣٤", "１２")
# What takes the place of each number inside a value the site made; and of a date, the calendar's first and last days.
NUMBERS_INSIDE = ("9" * 25, "2147483648", "٣")
DAYS = ("0001-01-01", "9999-12-31")


def mutations(value: str | list) -> list[str]:
    """A value the site made with each run of digits in it in turn swapped for each of `NUMBERS_INSIDE`, and each
    date in it for each of `DAYS`: the cursor `2026-10-01T12:00:00_42` becomes `2026-10-01T12:00:00_9999…`."""
    if not isinstance(value, str):
        return []
    found = []
    for pattern, replacements in ((r"[0-9]+", NUMBERS_INSIDE), (r"[0-9]{4}-[0-9]{2}-[0-9]{2}", DAYS)):
        for match in re.finditer(pattern, value):
            found += [value[: match.start()] + new + value[match.end() :] for new in replacements]
    return found


def values_for(profile: Answers) -> Callable[[str], list]:
    return lambda name: [*STAFF_VALUES, *mutations(profile.get(name, ""))]


def getter(client: FlaskClient, path: str, headers: dict | None = None):
    return lambda answers: client.get(url(path, form_pairs(answers)), headers=headers or {})


# Sweeps: every argument, one at a time, with each awkward value -----------------------------------------------------


EVERY_PAGE_SWEEP = "lcp and lang on a few pages"


@pytest.mark.parametrize("endpoint", [*LISTED, EVERY_PAGE_SWEEP])
def test_each_awkward_value_in_each_staff_query_argument(app: Flask, known: Known, signed_in, endpoint: str) -> None:
    """Each page's own arguments as each role; `lcp` and `lang`, read alike by every page, on a few pages. One test
    a page, so that the workers share them."""
    paths = {rule.endpoint: address(rule, known.address) for rule in rules(app)}
    problems = []
    if endpoint in LISTED:
        clients = {"signed out": app.test_client()} if endpoint in SIGNED_OUT else signed_in
        for role, client in clients.items():
            for profile, fields in arguments(known)[endpoint]:
                found = sweep(getter(client, paths[endpoint]), profile, fields, values=values_for(profile))
                problems += [f"GET {paths[endpoint]} as {role}: {problem}" for problem in found]
    else:
        for page in ("admin.dashboard", "admin.inbox", "admin.people", "admin.lcp_overview", "admin.meeting_edit"):
            send = getter(signed_in["admin"], paths[page])
            found = sweep(send, EVERY_PAGE, values=values_for(EVERY_PAGE))
            # With a former slug, the page redirects to the same address with the new one, the rest kept as it was.
            found += sweep(send, {**EVERY_PAGE, "lcp": [FORMER]}, ("lang",), values=values_for(EVERY_PAGE))
            problems += [f"GET {paths[page]} as admin: {problem}" for problem in found]
    assert not problems, "\n".join(problems)


def test_each_awkward_value_in_each_staff_address(app: Flask, known: Known, signed_in) -> None:
    """Each variable of each address (a slug, an id, a language, a figure's name), as an admin and as staff."""
    problems = []
    for role in ("admin", "staff"):
        client = signed_in[role]
        values = {**known.address, "user_id": str(client.user.id)}
        for rule in rules(app):
            for name in rule.arguments:
                for value in (*STAFF_VALUES, *mutations(values[name])):
                    path = address(rule, {**values, name: encoded(value)})
                    try:
                        check(client.get(path), [value])
                    except Exception as error:  # noqa: BLE001 - every problem is collected, then all are reported
                        problems.append(
                            f"GET {rule.rule} as {role} with {name}={as_text(value)[:30]!r}: {trouble(error)}"
                        )
    assert not problems, "\n".join(problems)


# Property tests ----------------------------------------------------------------------------------------------------

ROLE = st.sampled_from(tuple(ROLES))
STATUSES = ("received", "looking", "shared", "acted", "closed")


@st.composite
def evenly(draw, *strategies: st.SearchStrategy):
    """One of `strategies`, each as likely as another; `a | b` would flatten them and weigh every branch of each
    alike, so that a value of a given shape among the dozen branches of `VALUE` would be rare."""
    return draw(strategies[draw(st.integers(0, len(strategies) - 1))])


# Moments as ISO 8601 (any a datetime can hold, the calendar's ends included).
moments = st.datetimes().map(datetime.isoformat) | st.sampled_from(("0001-01-01T00:00:00", "9999-12-31T23:59:59"))
days = evenly(st.dates().map(date.isoformat), st.sampled_from(DAYS), NUMBER)


def cursor(known: str) -> st.SearchStrategy:
    """A cursor: the site's own; mostly one of its shape with a moment (the list's own, any, or any text) and a
    number in it (one known to break code, any, or number-like: huge, negative, not ASCII); or anything."""
    moment = evenly(st.just(known.rpartition("_")[0]), moments, TEXT)
    number = evenly(st.sampled_from(NUMBERS_INSIDE), numbers, NUMBER)
    shaped = st.builds("{}_{}".format, moment, number)
    return answer((known,), evenly(shaped, shaped, VALUE))


@STAFF_FUZZ
@given(data=st.data(), role=ROLE, junk=st.lists(st.sampled_from(JUNK_QUERY), max_size=2), headers=HTMX)
def test_the_inbox(known, signed_in, data, role, junk, headers) -> None:
    """Every filter of the inbox and its cursors, as each role, as a page or as htmx asks for it."""
    fields = data.draw(
        st.fixed_dictionaries(
            {
                "status": answer(STATUSES),
                "lcp": answer(LCPS),
                "topic": answer(TOPICS),
                "assignee": answer(("me", "none", "1"), NUMBER),
                "source": answer(("web", "phone", "paper", "event")),
                "from": answer(("2001-01-01",), days),
                "to": answer(("2026-12-31",), days),
                "q": answer(("surgery", "bus")),
                "sort": answer(("oldest", "newest")),
                "view": answer(("new", "mine", "unassigned", "overdue", "follow-ups", "closed-week")),
                "after": cursor(known.inbox_cursor),
                "before": cursor(known.inbox_cursor),
            }
        )
    )
    pairs = given_pairs(fields)
    response = signed_in[role].get(url("/admin/inbox", pairs, junk), headers=headers)
    check(response, [value for _name, value in pairs])


@STAFF_FUZZ
@given(
    data=st.data(),
    role=st.sampled_from(("admin", "staff", "staff", "viewer")),
    lcp=evenly(st.just(LCP), st.just(LCP), answer(LCPS)),
    more=several(LCPS),
)
def test_the_followers_page(known, signed_in, data, role, lcp, more) -> None:
    """A partnership (mostly the person's own, else another, none or anything), sometimes with another after it
    (the page reads the first), and either cursor or both; mostly as someone who sees the list, which viewers
    do not."""
    fields = data.draw(
        st.fixed_dictionaries({"after": cursor(known.people_cursor), "before": cursor(known.people_cursor)})
    )
    pairs = given_pairs({"lcp": lcp}) + [("lcp", other) for other in more[:1]] + given_pairs(fields)
    check(signed_in[role].get(url("/admin/people", pairs)), [value for _name, value in pairs])


FIGURES = tuple(f"/admin/figures/{name}.csv" for name in dashboard_views.DOWNLOADS)


@STAFF_FUZZ
@given(
    role=ROLE,
    page=st.sampled_from(("/admin/", *FIGURES, "/admin/audit", f"/admin/lcps/{LCP}/practices")),
    days=answer(("30", "90", "365"), NUMBER),
    search=answer(("routing", "staff", "%", "_")),
    action=answer(("routing", "people", "staff.")),
    before=answer(("1", "1000"), NUMBER),
    ods=answer(("B86003", " b86003 ", "Y02002")),
)
def test_the_dashboard_its_downloads_the_audit_log_and_the_practices(
    signed_in, role, page, days, search, action, before, ods
) -> None:
    """The dashboard's period (its CSV downloads too), the audit log's search and paging, the practice to link."""
    pairs = given_pairs({"days": days, "q": search, "action": action, "before": before, "ods": ods})
    check(signed_in[role].get(url(page, pairs)), [value for _name, value in pairs])


@STAFF_FUZZ
@given(
    data=st.data(),
    role=ROLE,
    lcps=several((*LCPS, FORMER, FORMER)),
    lang=answer(("en_GB", "ar", "ur")),
    junk=st.lists(st.sampled_from(JUNK_QUERY), max_size=2),
)
def test_any_staff_page_with_a_partnership_and_a_language(app, known, signed_in, data, role, lcps, lang, junk) -> None:
    """`lcp` (repeatable; a former slug redirects) and `lang`, which every page reads before its view does."""
    rule = data.draw(st.sampled_from(rules(app)))
    values = {**known.address, "user_id": str(signed_in[role].user.id)}
    pairs = [("lcp", lcp) for lcp in lcps] + given_pairs({"lang": lang})
    check(signed_in[role].get(url(address(rule, values), pairs, junk)), [value for _name, value in pairs])


@STAFF_FUZZ
@given(data=st.data(), role=ROLE, value=pick((LCP, "armley", "1", "2", "status", "ur"), evenly(NUMBER, VALUE)))
def test_values_in_staff_addresses(app, known, signed_in, data, role, value) -> None:
    """One variable of a staff address (a slug, an id, a language, a figure's name) given any value."""
    rule = data.draw(st.sampled_from([rule for rule in rules(app) if rule.arguments]))
    name = data.draw(st.sampled_from(sorted(rule.arguments)))
    values = {**known.address, "user_id": str(signed_in[role].user.id), name: encoded(value)}
    check(signed_in[role].get(address(rule, values)), [value])


@STAFF_FUZZ
@given(
    next_page=answer(("/admin/inbox", "/admin/people?lcp=seacroft"), TEXT),
    path=st.sampled_from(("/admin/", "/admin/login")),
)
def test_the_sign_in_page_and_where_it_returns_to(app, next_page, path) -> None:
    """Signed out: a staff page sends the person to sign in, and `next` is kept for afterwards; both stay here."""
    pairs = given_pairs({"next": next_page})
    response = app.test_client().get(url(path, pairs))
    check(response, [value for _name, value in pairs])


# Paging cursors the site did not make -------------------------------------------------------------------------------

# `{moment}` is a moment the list holds, so a cursor that was read would change the page.
FOREIGN_CURSORS = (
    "99999999999999999999999",
    "{moment}_99999999999999999999999",
    "{moment}_9223372036854775808",
    "{moment}_2147483648",
    "{moment}_0",
    "{moment}_-1",
    "{moment}_+1",
    "{moment}_01",
    "{moment}_٣",
    "{moment}_1_000",
    "{moment}_ 1",
    "{moment}",
    "_1",
    "10000-01-01T00:00:00_1",
    "2026-13-01T00:00:00_1",
    "{moment}+14:00_1",
    "{moment}Z_1",
    "2026-10-01_1",
    "2026-W40-4_1",
    "20261001T120000_1",
    "2026-10-01 12:00:00_1",
    "2026-10-01T12:00_1",
    "٢٠٢٦-١٠-٠١T12:00:00_1",
)


def test_a_cursor_is_read_only_as_the_pager_writes_it() -> None:
    moments = (datetime(2026, 10, 1, 12), datetime(2026, 10, 1, 12, 0, 5, 123), datetime(1, 1, 1), datetime.max)
    for moment in moments:
        for ident in (1, 42, LARGEST_ID):
            assert keyset.read_cursor(keyset.write_cursor(moment, ident)) == (moment, ident)
    for foreign in FOREIGN_CURSORS:
        value = foreign.format(moment=moments[1].isoformat())
        assert keyset.read_cursor(value) is None, value
    assert keyset.read_cursor(None) is None


def listed(page: Page) -> list[str]:
    """The routings or followers a page lists, in order."""
    rows = page.soup.select("tbody tr[id^=routing-], #contactable-table tbody tr")
    return [row.get("id") or row.get_text(" ", strip=True) for row in rows]


@pytest.mark.parametrize(
    ("path", "moment_of"), [("/admin/inbox?", "inbox_cursor"), (f"/admin/people?lcp={LCP}&", "people_cursor")]
)
def test_a_cursor_the_site_did_not_make_gives_the_first_page(staff_client, known, path, moment_of) -> None:
    client = staff_client("staff", (LCP,))
    first = Page(client.get(path.rstrip("?&")))
    assert listed(first), "the first page lists nothing, so the test proves nothing"
    moment = getattr(known, moment_of).rpartition("_")[0]
    # The site's own cursor does move the page on, so a cursor that was read would be seen.
    assert listed(Page(client.get(f"{path}after={getattr(known, moment_of)}"))) != listed(first)
    problems = []
    for foreign in FOREIGN_CURSORS:
        value = foreign.format(moment=moment)
        for name in ("after", "before"):
            try:
                response = client.get(f"{path}{name}={encoded(value)}")
                assert response.status_code == 200, f"status {response.status_code}"
                assert listed(Page(response)) == listed(first), "not the first page"
            except Exception as error:  # noqa: BLE001 - every problem is collected, then all are reported at once
                problems.append(f"{name}={value!r}: {trouble(error)}")
    assert not problems, "\n".join(problems)


def test_the_last_day_of_the_calendar_in_the_inbox_date_filter(staff_client) -> None:
    """The last day the calendar holds has no day after it to stop before: "received on or before" it is every
    item there is, and "on or after" it none."""
    client = staff_client("staff", (LCP,))
    everything = listed(Page(client.get("/admin/inbox")))
    for query in ("to=9999-12-31", "from=0001-01-01", "from=0001-01-01&to=9999-12-31"):
        response = client.get(f"/admin/inbox?{query}")
        assert response.status_code == 200, query
        assert listed(Page(response)) == everything, query
    response = client.get("/admin/inbox?from=9999-12-31")
    assert response.status_code == 200
    assert listed(Page(response)) == []


# Faults found outside the staff pages' own code ---------------------------------------------------------------------


def test_a_former_slug_redirects_whatever_the_other_arguments_are_called(known, signed_in) -> None:
    """`endpoint`, `_external` and `_scheme` are url_for's own parameters: they stay query arguments, as sent."""
    for path in (
        f"/admin/inbox?lcp={FORMER}&endpoint=x",
        f"/admin/lcps/{FORMER}?endpoint=x",
        f"/admin/inbox?lcp={FORMER}&_external=1&_scheme=javascript",
    ):
        response = signed_in["admin"].get(path)
        check(response, ["x"])
        assert response.status_code == 301
        location = response.headers["Location"]
        assert location.startswith("/admin/") and FORMER not in location.split("?")[0]
        assert path.split("?")[1].split("&")[-1] in location
