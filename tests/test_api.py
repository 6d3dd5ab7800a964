"""The public JSON API (/api/v1/): shapes and links, filters, keyset pages, ETag and 304, CORS, rate-limit headers,
problem details for bad parameters and unknown ids, counts under 10 null, and nothing that is not public."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.models import (
    AgendaItem,
    GpPractice,
    Lcp,
    Meeting,
    PublishedResponse,
    Routing,
    Submission,
    Topic,
    Update,
)

API = "/api/v1"
ORIGINAL = "My neighbour Jane Smith on 07700 900123 cannot get a GP appointment"
PREPARED = "My neighbour [removed] on [removed] cannot get a GP appointment"
COUNT_MONTH = datetime(2024, 2, 10, 12, 0)


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["type"].startswith("http://localhost/api/v1/#error-")
    return body


def _submission(
    lcp: Lcp, topics: list[Topic], when: datetime, *, demo: bool = False, body: str = "Words"
) -> Submission:
    submission = Submission(
        receipt_code=secrets.token_hex(5).upper(), body=body, created_at=when, is_demo=demo, topics=topics
    )
    submission.routings.append(Routing(lcp_id=lcp.id, created_at=when))
    db.session.add(submission)
    return submission


@pytest.fixture
def content(app: Flask) -> Iterator[dict[str, Any]]:
    """Public rows of the test's own beside drafts, future and example ones that must never show."""
    with app.app_context():
        lcp = db.session.scalar(select(Lcp).where(Lcp.slug == "armley"))
        other = db.session.scalar(select(Lcp).where(Lcp.slug == "seacroft"))
        assert lcp is not None and other is not None
        topics = list(db.session.scalars(select(Topic).order_by(Topic.position).limit(2)))
        on_topic, off_topic = topics
        now = utcnow()
        summer = datetime(2031, 7, 1, 17, 30)  # 18:30 in Leeds (BST)
        meeting = Meeting(
            lcp_id=lcp.id,
            title="API test meeting",
            starts_at=summer,
            ends_at=summer + timedelta(hours=2),
            public_may_attend=False,
            summary="About access",
            published=True,
        )
        meeting.agenda_items.append(
            AgendaItem(
                title="Access to GPs",
                description="What people told us",
                papers="Report | https://example.org/r.pdf",
                decision="Open a Saturday clinic",
                decided_at=summer,
                topics=[on_topic],
            )
        )
        later = Meeting(
            lcp_id=other.id,
            title="API test meeting two",
            starts_at=summer + timedelta(days=30),
            ends_at=summer + timedelta(days=30, hours=1),
            published=True,
        )
        draft = Meeting(lcp_id=lcp.id, title="API draft meeting", starts_at=summer, ends_at=summer, published=False)
        example = Meeting(lcp_id=lcp.id, title="API example meeting", starts_at=summer, ends_at=summer, is_demo=True)
        update = Update(
            lcp_id=lcp.id,
            title="API test update",
            body="**Bold** news <script>alert(1)</script>",
            published_at=now - timedelta(days=1),
            topics=[on_topic],
        )
        hidden_updates = [
            Update(lcp_id=lcp.id, title="API draft update", body="x", published_at=now, published=False),
            Update(lcp_id=lcp.id, title="API future update", body="x", published_at=now + timedelta(days=3)),
            Update(lcp_id=lcp.id, title="API example update", body="x", published_at=now, is_demo=True),
        ]
        submission = _submission(lcp, [on_topic], now - timedelta(days=2), body=ORIGINAL)
        submission.may_publish_words = True
        submission.quote_text = PREPARED
        reply = PublishedResponse(
            submission=submission,
            lcp_id=lcp.id,
            you_said="GP appointments are hard to get",
            we_did="We asked practices to open on Saturdays",
            quote_words=True,
            quote_text=PREPARED,
            published_at=now - timedelta(days=1),
        )
        example_submission = _submission(lcp, [on_topic], now - timedelta(days=2), demo=True, body=ORIGINAL)
        example_reply = PublishedResponse(
            submission=example_submission,
            lcp_id=lcp.id,
            you_said="API example reply",
            we_did="x",
            published_at=now - timedelta(days=1),
        )
        # Monthly counts: 12 on one topic (shown), 3 on another (fewer than 10), 20 examples (never counted).
        for _ in range(12):
            _submission(lcp, [on_topic], COUNT_MONTH)
        for _ in range(3):
            _submission(lcp, [off_topic], COUNT_MONTH)
        for _ in range(20):
            _submission(lcp, [on_topic], COUNT_MONTH, demo=True)
        unnamed = GpPractice(
            ods_code=None, name="The API Test Surgery", postcode="LS12 9ZZ", is_open=False, closed_on=date(2023, 3, 31)
        )
        db.session.add_all([meeting, later, draft, example, update, *hidden_updates, reply, example_reply, unnamed])
        db.session.commit()
        made = {
            "lcp": lcp.slug,
            "meeting": meeting.id,
            "later": later.id,
            "draft": draft.id,
            "example_meeting": example.id,
            "update": update.id,
            "hidden_updates": [row.id for row in hidden_updates],
            "reply": reply.id,
            "example_reply": example_reply.id,
            "submission": submission.id,
            "on_topic": on_topic.slug,
            "off_topic": off_topic.slug,
        }
    # Outside the app context: each request then has a session of its own, as in production.
    yield made


def get_json(client: FlaskClient, url: str, **kwargs: Any) -> Any:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def walk(client: FlaskClient, url: str) -> list[dict[str, Any]]:
    """Every item of a list, following `links.next` (made on SITE_URL, so the path is read from it)."""
    items: list[dict[str, Any]] = []
    pages = 0
    while url:
        body = get_json(client, url)
        items += body["data"]
        following = body["links"]["next"]
        url = following.removeprefix("http://localhost") if following else ""
        pages += 1
        assert pages < 500
    return items


# Shapes and links ----------------------------------------------------------------------------------------------


def test_partnerships_list_links_are_on_site_url_whatever_the_host(client: FlaskClient) -> None:
    body = get_json(client, f"{API}/partnerships?limit=3", headers={"Host": "evil.example"})
    assert len(body["data"]) == 3
    first = body["data"][0]
    assert set(first) == {"id", "name", "short_name", "confidence", "links"}
    assert first["links"]["self"] == f"http://localhost/api/v1/partnerships/{first['id']}"
    assert first["links"]["html"] == f"http://localhost/lcps/{first['id']}"
    assert body["links"]["self"] == "http://localhost/api/v1/partnerships?limit=3"
    assert body["links"]["next"].startswith("http://localhost/api/v1/partnerships?limit=3&after=")
    assert "evil" not in str(body)


def test_links_carry_no_language(client: FlaskClient) -> None:
    client.set_cookie("lang", "pl")
    body = get_json(client, f"{API}/topics?limit=1", headers={"Accept-Language": "ur"})
    assert "lang=" not in str(body)


def test_partnership_detail(client: FlaskClient, content: dict[str, Any]) -> None:
    body = get_json(client, f"{API}/partnerships/armley")
    assert body["id"] == "armley" and body["name"] == "Armley Local Care Partnership"
    assert body["areas"] and all(isinstance(area, str) for area in body["areas"])
    assert "B86003" in body["practices"]
    assert all({"name", "kind"} == set(partner) for partner in body["partners"])
    assert body["next_meeting"]["id"] == content["meeting"]
    assert body["next_meeting"]["partners_only"] is True
    card = body["scorecard"]
    assert card["days"] == 90 and card["target_days"] >= 1
    for name in ("items", "answered", "waiting", "with_outcome", "within_target", "waiting_past_target"):
        assert card[name] is None or card[name] >= 10


def test_scorecard_counts_under_ten_are_null(client: FlaskClient, make_lcp) -> None:
    # A partnership of the test's own: no other test's items arrive in it, so fewer than 10 arrived.
    card = get_json(client, f"{API}/partnerships/{make_lcp().slug}")["scorecard"]
    assert card["suppressed"] is True
    assert card["items"] is None and card["answered"] is None and card["median_days"] is None


def test_practices(client: FlaskClient, content: dict[str, Any]) -> None:
    armley = walk(client, f"{API}/practices?partnership=armley&limit=2")
    assert {practice["id"] for practice in armley} >= {"B86003", "B86024", "B86060"}
    assert all(practice["partnership"] == "armley" for practice in armley)
    assert all(practice["confirmed_by"] in ("published", "programme", "staff") for practice in armley)
    one = get_json(client, f"{API}/practices/B86003")
    assert set(one) == {
        "id",
        "ods_code",
        "name",
        "postcode",
        "status",
        "closed_on",
        "partnership",
        "confirmed_by",
        "links",
    }
    assert one["links"]["self"] == "http://localhost/api/v1/practices/B86003"
    assert one["links"]["html"].startswith("http://localhost/find?practice=")
    unnamed = get_json(client, f"{API}/practices/name:the-api-test-surgery")
    assert unnamed["id"] == "name:the-api-test-surgery" and unnamed["ods_code"] is None
    assert unnamed["status"] == "closed" and unnamed["closed_on"] == "2023-03-31"
    assert unnamed["partnership"] is None and unnamed["confirmed_by"] is None


def test_meetings(client: FlaskClient, content: dict[str, Any]) -> None:
    everything = walk(client, f"{API}/meetings?limit=100")
    ids = [meeting["id"] for meeting in everything]
    assert content["meeting"] in ids and content["later"] in ids
    assert content["draft"] not in ids and content["example_meeting"] not in ids
    starts = [meeting["starts_at"] for meeting in everything]
    assert [datetime.fromisoformat(value) for value in starts] == sorted(datetime.fromisoformat(v) for v in starts)
    one = get_json(client, f"{API}/meetings/{content['meeting']}")
    assert one["starts_at"] == "2031-07-01T18:30:00+01:00"
    assert one["public_may_attend"] is False and one["partners_only"] is True
    assert one["links"]["html"] == f"http://localhost/lcps/armley/meetings/{content['meeting']}"
    [item] = one["agenda_items"]
    assert item["papers"] == [{"title": "Report", "url": "https://example.org/r.pdf"}]
    assert item["decision"] == "Open a Saturday clinic" and item["decided_at"] == "2031-07-01T18:30:00+01:00"
    assert item["topics"] == [content["on_topic"]]
    for hidden in (content["draft"], content["example_meeting"]):
        problem(client.get(f"{API}/meetings/{hidden}"), 404)


def test_meeting_filters(client: FlaskClient, content: dict[str, Any]) -> None:
    mine = [m["id"] for m in walk(client, f"{API}/meetings?partnership=armley&limit=100")]
    assert content["meeting"] in mine and content["later"] not in mine
    on_topic = [m["id"] for m in walk(client, f"{API}/meetings?topic={content['on_topic']}&limit=100")]
    assert content["meeting"] in on_topic and content["later"] not in on_topic
    day = [m["id"] for m in walk(client, f"{API}/meetings?from=2031-07-01&to=2031-07-01")]
    assert day == [content["meeting"]]
    assert walk(client, f"{API}/meetings?from=2031-07-02&to=2031-07-30") == []


def test_updates(client: FlaskClient, content: dict[str, Any]) -> None:
    everything = walk(client, f"{API}/updates?partnership=armley&limit=100")
    ids = [update["id"] for update in everything]
    assert content["update"] in ids
    assert not set(content["hidden_updates"]) & set(ids)
    one = get_json(client, f"{API}/updates/{content['update']}")
    assert one["body"] == "**Bold** news <script>alert(1)</script>"
    assert "<strong>Bold</strong>" in one["body_html"] and "<script" not in one["body_html"]
    assert one["topics"] == [content["on_topic"]]
    assert one["links"]["html"] == f"http://localhost/lcps/armley#update-{content['update']}"
    for hidden in content["hidden_updates"]:
        problem(client.get(f"{API}/updates/{hidden}"), 404)
    today = date.today().isoformat()
    assert content["update"] not in [u["id"] for u in walk(client, f"{API}/updates?from={today}&to={today}")]


def test_responses_carry_only_the_prepared_quote(client: FlaskClient, content: dict[str, Any], app: Flask) -> None:
    everything = walk(client, f"{API}/responses?limit=100")
    ids = [reply["id"] for reply in everything]
    assert content["reply"] in ids and content["example_reply"] not in ids
    one = get_json(client, f"{API}/responses/{content['reply']}")
    assert one["quote"] == PREPARED and one["topics"] == [content["on_topic"]]
    assert one["links"]["html"] == f"http://localhost/lcps/armley#response-{content['reply']}"
    for url in (f"{API}/responses?limit=100", f"{API}/responses/{content['reply']}", f"{API}/meetings?limit=100"):
        text = client.get(url).get_data(as_text=True)
        assert "07700" not in text and "Jane Smith" not in text
    problem(client.get(f"{API}/responses/{content['example_reply']}"), 404)
    # The person withdraws their agreement: the quote goes at once.
    with app.app_context():
        submission = db.session.get(Submission, content["submission"])
        assert submission is not None
        submission.may_publish_words = False
        from app.page_cache import public_change

        public_change(db.session)
        db.session.commit()
    assert get_json(client, f"{API}/responses/{content['reply']}")["quote"] is None


def test_topics(client: FlaskClient, app: Flask) -> None:
    everything = walk(client, f"{API}/topics?limit=3")
    with app.app_context():
        slugs = list(db.session.scalars(select(Topic.slug).order_by(Topic.position, Topic.id)))
    assert [topic["id"] for topic in everything] == slugs
    one = get_json(client, f"{API}/topics/{slugs[0]}")
    assert one == everything[0]
    assert one["links"]["html"] == f"http://localhost/topics/{slugs[0]}"


# Keyset pages --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["practices", "partnerships", "topics", "meetings", "updates", "responses"])
def test_pages_walk_every_item_once(client: FlaskClient, content: dict[str, Any], path: str) -> None:
    whole = get_json(client, f"{API}/{path}?limit=100")
    assert whole["links"]["next"] is None or path == "practices"
    everything = walk(client, f"{API}/{path}?limit=100")
    paged = walk(client, f"{API}/{path}?limit=3")
    ids = [item["id"] for item in paged]
    assert len(ids) == len(set(ids))
    assert ids == [item["id"] for item in everything]


def test_list_link_header(client: FlaskClient) -> None:
    response = client.get(f"{API}/practices?limit=2")
    assert response.headers["Link"] == f'<{response.get_json()["links"]["next"]}>; rel="next"'
    # The kept copy, served to the next reader, carries it too.
    again = client.get(f"{API}/practices?limit=2")
    assert again.headers["Link"] == response.headers["Link"]


# Caching -------------------------------------------------------------------------------------------------------


def test_etag_and_304_and_a_change_refreshes(client: FlaskClient, app: Flask) -> None:
    url = f"{API}/updates?partnership=armley"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=60"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    with app.app_context():
        lcp = db.session.scalar(select(Lcp).where(Lcp.slug == "armley"))
        assert lcp is not None
        db.session.add(Update(lcp_id=lcp.id, title="API fresh update", body="x", published_at=utcnow()))
        db.session.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "API fresh update" in changed.get_data(as_text=True)


# CORS and rate limits ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [f"{API}/partnerships", f"{API}/partnerships/nowhere", f"{API}/nothing"])
def test_cors_on_every_api_answer(client: FlaskClient, url: str) -> None:
    response = client.get(url, headers={"Origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    exposed = response.headers["Access-Control-Expose-Headers"]
    for name in ("ETag", "Link", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy"):
        assert name in exposed


def test_cors_preflight(client: FlaskClient) -> None:
    response = client.options(
        f"{API}/meetings",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert set(response.headers["Access-Control-Allow-Methods"].replace(" ", "").split(",")) == {
        "GET",
        "HEAD",
        "OPTIONS",
    }


def test_other_pages_get_no_cors(client: FlaskClient) -> None:
    assert "Access-Control-Allow-Origin" not in client.get("/lcps").headers


def test_rate_limit_headers_and_429(limited_app_with) -> None:
    limited = limited_app_with(API_RATE_LIMIT="3 per minute")
    client = limited.test_client()
    client.environ_base["REMOTE_ADDR"] = "127.0.0.77"
    first = client.get(f"{API}/topics")
    assert first.status_code == 200
    assert first.headers["RateLimit-Limit"] == "3"
    assert first.headers["RateLimit-Remaining"] == "2"
    assert 0 <= int(first.headers["RateLimit-Reset"]) <= 60
    assert first.headers["RateLimit-Policy"] == "3;w=60"
    client.get(f"{API}/topics")
    client.get(f"{API}/topics")
    refused = client.get(f"{API}/topics")
    body = problem(refused, 429)
    assert "RateLimit-Reset" in body["detail"]
    assert refused.headers["RateLimit-Remaining"] == "0"
    assert refused.headers["Access-Control-Allow-Origin"] == "*"


# Problems ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("limit=1&limit=2", "limit"),
        ("from=2026-13-01", "from"),
        ("from=20260101", "from"),
        ("from=1700000000", "from"),
        ("to=yesterday", "to"),
        ("after=not-a-cursor", "after"),
        ("after=WyJ4IiwgMV0", "after"),
        ("partnership=Not%20A%20Slug", "partnership"),
        ("partnership=nowhere-at-all", "partnership"),
        ("topic=no-such-topic", "topic"),
        ("from=2026-03-02&to=2026-03-01", "to"),
        ("colour=blue", "colour"),
    ],
)
def test_bad_parameters_are_400_problems(client: FlaskClient, query: str, parameter: str) -> None:
    body = problem(client.get(f"{API}/meetings?{query}"), 400)
    assert parameter in [error["parameter"] for error in body["errors"]]
    assert all(error["message"] for error in body["errors"])


@pytest.mark.parametrize(
    "url",
    [
        f"{API}/partnerships?partnership=armley",
        f"{API}/topics?topic=housing",
        f"{API}/counts/monthly?limit=5",
        f"{API}/counts/monthly?partnership=nowhere-at-all",
        f"{API}/practices?after=%00",
    ],
)
def test_parameters_an_endpoint_lacks_or_unknown_are_400(client: FlaskClient, url: str) -> None:
    problem(client.get(url), 400)


@pytest.mark.parametrize(
    "path",
    [
        "/partnerships/nowhere",
        "/practices/ZZZ999",
        "/practices/name:nothing-like-this",
        "/meetings/2147483647",
        "/meetings/99999999999999",
        "/meetings/abc",
        "/updates/0",
        "/responses/123456789",
        "/topics/no-such-topic",
        "/nothing/here",
    ],
)
def test_unknown_ids_are_404_problems(client: FlaskClient, path: str) -> None:
    problem(client.get(API + path), 404)


def test_other_methods_are_405_problems(client: FlaskClient) -> None:
    response = client.post(f"{API}/partnerships")
    problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_a_fault_is_a_500_problem(app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.services import open_data

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("broken")

    monkeypatch.setattr(open_data, "topics_page", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    problem(client.get(f"{API}/topics"), 500)
    # An answer that does not match its documented shape is a fault too, never sent as it is.
    monkeypatch.setattr(open_data, "topic", lambda t: {"id": 1})
    problem(client.get(f"{API}/topics/housing"), 500)


def test_site_pages_keep_their_html_errors(client: FlaskClient) -> None:
    response = client.get("/lcps/nowhere")
    assert response.status_code == 404 and response.mimetype == "text/html"


# Monthly counts ------------------------------------------------------------------------------------------------


def test_monthly_counts_hide_counts_under_ten_and_examples(client: FlaskClient, content: dict[str, Any]) -> None:
    body = get_json(client, f"{API}/counts/monthly?from=2024-02-01&to=2024-02-29")
    rows = {(row["month"], row["partnership"], row["topic"]): row["count"] for row in body["data"]}
    assert rows == {
        ("2024-02", "armley", content["on_topic"]): 12,
        ("2024-02", "armley", content["off_topic"]): None,
    }
    assert all(row["count"] is None or row["count"] >= 10 for row in get_json(client, f"{API}/counts/monthly")["data"])
    one_topic = get_json(client, f"{API}/counts/monthly?topic={content['off_topic']}&from=2024-02-01&to=2024-02-29")
    assert [row["topic"] for row in one_topic["data"]] == [content["off_topic"]]
    assert get_json(client, f"{API}/counts/monthly?partnership=seacroft&from=2024-02-01&to=2024-02-29")["data"] == []
    assert get_json(client, f"{API}/counts/monthly?from=2024-03-01&to=2024-03-31")["data"] == []


def test_no_example_content_anywhere(client: FlaskClient, content: dict[str, Any]) -> None:
    for path in ("meetings", "updates", "responses"):
        text = str(walk(client, f"{API}/{path}?limit=100"))
        assert "Example" not in text and "example content" not in text


def test_times_carry_leeds_offset(client: FlaskClient, content: dict[str, Any]) -> None:
    update = get_json(client, f"{API}/updates/{content['update']}")
    moment = datetime.fromisoformat(update["published_at"])
    assert moment.utcoffset() in (timedelta(0), timedelta(hours=1))
    assert abs(moment.astimezone(UTC).replace(tzinfo=None) - (utcnow() - timedelta(days=1))) < timedelta(minutes=5)
