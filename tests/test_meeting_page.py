"""A meeting's own page (comment before it, read what was decided after it), the LCP page's sharing and
"you said, we did" sections, published replies in the LCP's news feed, and the staff commands for submissions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import feedparser
import pytest
from bs4 import Tag
from flask import Flask
from sqlalchemy import func, select

from app.clock import utcnow
from app.commands import Actor
from app.commands import sharing as sharing_commands
from app.extensions import db
from app.formatting import uk_date
from app.models import AgendaItem, Lcp, Meeting, OutboxMessage, PublishedResponse, Routing, Submission, Topic
from app.services import sharing
from app.services.sharing import ContactInput, ShareInput
from tests.conftest import section

MEETING_LCP = "otley-aireborough"
REPLY_LCP = "york-road"
EMAIL = "meeting-page-tests@example.org"


def words(element: Tag) -> str:
    """The text as read, visually hidden parts included: "Comment on this item: Falls"."""
    return " ".join(element.get_text().split())


def lcp_named(slug: str) -> Lcp:
    return db.session.scalar(select(Lcp).where(Lcp.slug == slug))


def topic_named(slug: str) -> Topic:
    return db.session.scalar(select(Topic).where(Topic.slug == slug))


# Meetings made for these tests, one coming and one past, removed afterwards ---------------------------------------


@dataclass
class Meetings:
    upcoming: int
    upcoming_items: list[int]
    past: int
    decided_item: int
    undecided_item: int


DECISION = "Partners agreed to run falls sessions at the library every month from spring."


@pytest.fixture
def meetings(app: Flask) -> Iterator[Meetings]:
    now = utcnow()
    with app.app_context():
        lcp = lcp_named(MEETING_LCP)
        ageing, transport = topic_named("ageing-well"), topic_named("transport")
        soon = Meeting(
            lcp=lcp,
            title="Partnership meeting about falls",
            starts_at=now + timedelta(days=5),
            ends_at=now + timedelta(days=5, hours=2),
            location="Otley Civic Centre",
            joining_details="Come to the front desk and ask for the partnership meeting.",
            public_may_attend=True,
            summary="Partners and residents plan the year.",
        )
        soon.agenda_items = [
            AgendaItem(
                title="Falls prevention classes",
                description="Where and when classes could run.",
                position=0,
                topics=[ageing],
            ),
            AgendaItem(title="Bus links to the health centre", position=1, topics=[transport]),
        ]
        gone = Meeting(
            lcp=lcp,
            title="Partnership meeting in the autumn",
            starts_at=now - timedelta(days=20),
            ends_at=now - timedelta(days=20) + timedelta(hours=2),
            location="Otley Civic Centre",
            outcome="Two actions agreed.",
        )
        gone.agenda_items = [
            AgendaItem(
                title="Falls classes: the plan", position=0, decision=DECISION, decided_at=now - timedelta(days=18)
            ),
            AgendaItem(title="Warm spaces this winter", position=1),
        ]
        db.session.add_all([soon, gone])
        db.session.commit()
        made = Meetings(
            upcoming=soon.id,
            upcoming_items=[item.id for item in soon.agenda_items],
            past=gone.id,
            decided_item=gone.agenda_items[0].id,
            undecided_item=gone.agenda_items[1].id,
        )
    yield made
    with app.app_context():
        for submission in db.session.scalars(
            select(Submission).where(Submission.agenda_item_id.in_([made.decided_item, made.undecided_item]))
        ):
            db.session.delete(submission)
        for meeting_id in (made.upcoming, made.past):
            db.session.delete(db.session.get(Meeting, meeting_id))
        db.session.commit()


def test_a_coming_meeting_says_when_and_how_to_join_and_invites_comments_on_each_item(
    app: Flask, get_page, meetings: Meetings
) -> None:
    with app.test_request_context():
        day = uk_date(db.session.get(Meeting, meetings.upcoming).starts_at)
    page = get_page(f"/lcps/{MEETING_LCP}/meetings/{meetings.upcoming}")
    assert page.h1 == "Partnership meeting about falls"
    crumbs = [(words(a), a["href"]) for a in page.soup.select("nav.nhsuk-breadcrumb a")]
    assert crumbs == [
        ("Home", "/"),
        ("All LCPs", "/lcps"),
        ("Otley & Aireborough Local Care Partnership", f"/lcps/{MEETING_LCP}"),
    ]
    details = {
        words(row.dt): words(row.dd) for row in page.soup.select("main dl.nhsuk-summary-list .nhsuk-summary-list__row")
    }
    assert details["When"].startswith(f"{day}, ")
    assert details["Where"] == "Otley Civic Centre"
    assert details["How to join"] == "Come to the front desk and ask for the partnership meeting."
    assert details["Who can come"] == "Members of the public are welcome."
    assert "Example content" not in page.text()

    cards = page.soup.select("main #agenda + p + ol > li")
    assert [card["id"] for card in cards] == [f"item-{item}" for item in meetings.upcoming_items]
    first = cards[0]
    assert words(first.h3) == "Falls prevention classes"
    assert "Where and when classes could run." in words(first)
    assert [a["href"] for a in first.select(".app-tag-list a")] == ["/topics/ageing-well"]
    comment = [a for a in first.find_all("a") if words(a).startswith("Comment on this item")]
    assert len(comment) == 1
    assert words(comment[0]) == "Comment on this item: Falls prevention classes"
    assert words(comment[0].select_one(".nhsuk-u-visually-hidden")) == ": Falls prevention classes"
    assert comment[0]["href"] == f"/share?item={meetings.upcoming_items[0]}"
    assert "What was decided" not in page.text()

    links = {words(a): a["href"] for a in page.soup.select("main a")}
    assert links["Tell the partnership something else"] == f"/share?lcp={MEETING_LCP}"
    assert links["Add this meeting to your calendar"] == f"/lcps/{MEETING_LCP}/meetings/{meetings.upcoming}.ics"


def test_the_comment_link_opens_the_share_form_about_that_item(client, get_page, meetings: Meetings) -> None:
    page = get_page(f"/lcps/{MEETING_LCP}/meetings/{meetings.upcoming}")
    link = next(a for a in page.soup.select("main a") if words(a).startswith("Comment on this item"))
    form = get_page(link["href"])
    assert form.h1 == "Comment on an agenda item"
    assert "Your comment on “Falls prevention classes”" in form.text()
    assert form.soup.select_one("input[name=item]")["value"] == str(meetings.upcoming_items[0])


def test_after_the_meeting_each_item_says_what_was_decided_or_that_nothing_is_recorded(
    get_page, meetings: Meetings
) -> None:
    page = get_page(f"/lcps/{MEETING_LCP}/meetings/{meetings.past}")
    assert page.h1 == "Partnership meeting in the autumn"
    text = page.text()
    assert "How to join" not in text and "Add this meeting to your calendar" not in text
    assert "Comment on this item" not in text
    decided = page.soup.find(id=f"item-{meetings.decided_item}")
    assert [words(h4) for h4 in decided.find_all("h4")] == ["What was decided"]
    assert DECISION in words(decided)
    assert "Nothing has been recorded" not in words(decided)
    undecided = page.soup.find(id=f"item-{meetings.undecided_item}")
    assert "Nothing has been recorded yet about what was decided on this item." in words(undecided)
    assert "Two actions agreed." in text
    # Anyone can still tell the partnership something, without an item.
    links = {words(a): a["href"] for a in page.soup.select("main a")}
    assert links["Tell the partnership something else"] == f"/share?lcp={MEETING_LCP}"


def test_a_meeting_is_found_only_under_its_own_partnership(client, meetings: Meetings) -> None:
    assert client.get(f"/lcps/{MEETING_LCP}/meetings/{meetings.upcoming}").status_code == 200
    assert client.get(f"/lcps/armley/meetings/{meetings.upcoming}").status_code == 404
    assert client.get(f"/lcps/{MEETING_LCP}/meetings/999999").status_code == 404
    assert client.get(f"/lcps/nowhere/meetings/{meetings.upcoming}").status_code == 404


def test_example_meetings_are_marked_as_made_up(app: Flask, get_page) -> None:
    with app.app_context():
        meeting = db.session.scalar(
            select(Meeting)
            .join(Lcp)
            .where(Meeting.is_demo, Lcp.slug == "seacroft", Meeting.ends_at < utcnow())
            .order_by(Meeting.starts_at)
        )
        meeting_id = meeting.id
    page = get_page(f"/lcps/seacroft/meetings/{meeting_id}")
    tag = page.soup.select_one("main .nhsuk-tag--yellow")
    assert tag is not None and words(tag) == "Example content"
    assert "This meeting is made up, to show how this site will work." in page.text()
    # The demo records a decision on the first item of the earliest past meeting.
    assert "Example decision:" in page.text()


def test_meeting_cards_on_the_lcp_page_lead_to_the_meeting_page(app: Flask, get_page, meetings: Meetings) -> None:
    page = get_page(f"/lcps/{MEETING_LCP}")
    card = page.soup.find(id=f"meeting-{meetings.upcoming}")
    links = {words(a): a["href"] for a in card.find_all("a")}
    with app.test_request_context():
        day = uk_date(db.session.get(Meeting, meetings.upcoming).starts_at)
        past_day = uk_date(db.session.get(Meeting, meetings.past).starts_at)
    assert links[f"Meeting details and agenda ({day})"] == f"/lcps/{MEETING_LCP}/meetings/{meetings.upcoming}"
    assert links[f"Comment on the agenda ({day})"] == f"/lcps/{MEETING_LCP}/meetings/{meetings.upcoming}#agenda"
    past = page.soup.find(id=f"meeting-{meetings.past}")
    assert past.find_parent("details", id="past-meetings") is not None
    past_links = {words(a): a["href"] for a in past.find_all("a")}
    assert past_links == {f"Meeting details and agenda ({past_day})": f"/lcps/{MEETING_LCP}/meetings/{meetings.past}"}


# The LCP page: telling the partnership, and "you said, we did" ------------------------------------------------------


def test_the_lcp_page_invites_people_to_tell_the_partnership(get_page) -> None:
    page = get_page("/lcps/york-road")
    contents = [(words(a), a["href"]) for a in page.soup.select("main nav[aria-label='On this page'] a")]
    assert ("Tell this partnership what is happening", "#tell-us") in contents
    assert ("You said, we did", "#you-said") in contents
    ids = [h2.get("id") for h2 in page.soup.select("main h2[id]")]
    assert ids.index("contact") + 1 == ids.index("tell-us")
    assert [href for _, href in contents] == [f"#{ident}" for ident in ids]
    parts = section(page, "tell-us")
    text = " ".join(words(part) for part in parts)
    assert "You do not have to give your name." in text
    links = {words(a): a["href"] for part in parts for a in part.find_all("a")}
    assert links["Tell York Road what is happening"] == "/share?lcp=york-road"
    assert links["Check on something you shared"] == "/track"


def test_without_replies_the_page_says_none_are_published(get_page) -> None:
    page = get_page(f"/lcps/{REPLY_LCP}")
    text = " ".join(words(part) for part in section(page, "you-said"))
    assert text == "You said, we did This partnership has not published any replies to what people told it yet."


@dataclass
class Replies:
    quoted: int
    unquoted: int
    quoted_code: str
    unquoted_code: str


QUOTED_WORDS = "The crossing outside the surgery on Harehills Road has no lights, and it frightens me."
UNQUOTED_WORDS = "Private words about the pharmacy queue that must never be shown on the site."


@pytest.fixture
def replies(app: Flask) -> Iterator[Replies]:
    """Two replies on York Road: one whose sender agreed to be quoted, one whose sender did not."""
    with app.test_request_context():
        lcp = lcp_named(REPLY_LCP)
        agreed = sharing_commands.share(
            Actor.resident(),
            ShareInput(body=QUOTED_WORDS, lcps=[lcp], topics=[topic_named("transport")], may_publish_words=True),
        ).submission
        declined = sharing_commands.share(
            Actor.resident(),
            ShareInput(
                body=UNQUOTED_WORDS,
                lcps=[lcp],
                topics=[topic_named("access-to-services")],
                contact=ContactInput(email=EMAIL, name="Pat Example", wants_updates=True),
            ),
        ).submission
        from app.commands import casework as casework_commands
        from app.commands import quotes

        quotes.prepare_quote(Actor.cli(), agreed, [], [])
        quoted = casework_commands.respond(
            Actor.cli(),
            agreed.routings[0],
            "A crossing near the surgery has no lights.",
            "We asked the council's road safety team to survey it.",
            quote_words=True,
            then_status="",
        )
        # The person did not agree to be quoted (staff cannot ask to: the command refuses), so no words show.
        unquoted = casework_commands.respond(
            Actor.cli(),
            declined.routings[0],
            "The pharmacy queue is too long in the mornings and people with no time to wait go without.",
            "The pharmacy now opens half an hour earlier.",
            then_status="",
        )
        made = Replies(quoted.id, unquoted.id, agreed.receipt_code, declined.receipt_code)
        submissions = [agreed.id, declined.id]
    yield made
    with app.app_context():
        for submission_id in submissions:
            submission = db.session.get(Submission, submission_id)
            if submission is not None:
                db.session.delete(submission)
        db.session.commit()


def test_published_replies_show_on_the_lcp_page_with_words_only_by_consent(
    app: Flask, get_page, replies: Replies
) -> None:
    with app.app_context():
        assert db.session.get(PublishedResponse, replies.quoted).quote == QUOTED_WORDS
        assert db.session.get(PublishedResponse, replies.unquoted).quote == ""
        assert db.session.get(PublishedResponse, replies.unquoted).quote_words is False
    page = get_page(f"/lcps/{REPLY_LCP}")
    quoted = page.soup.find(id=f"response-{replies.quoted}")
    assert quoted is not None and quoted.find_previous("h2")["id"] == "you-said"
    text = words(quoted)
    assert "You said: A crossing near the surgery has no lights." in text
    assert "We did: We asked the council's road safety team to survey it." in text
    figure = quoted.find("figure")
    assert words(figure.figcaption) == "In their own words"
    assert words(figure.blockquote) == QUOTED_WORDS
    assert [a["href"] for a in quoted.select(".app-tag-list a")] == ["/topics/transport"]
    assert "Example content" not in text

    unquoted = page.soup.find(id=f"response-{replies.unquoted}")
    assert "We did: The pharmacy now opens half an hour earlier." in words(unquoted)
    assert unquoted.find("figure") is None and unquoted.find("blockquote") is None
    assert "In their own words" not in words(unquoted)
    # Nothing personal and nothing the person did not agree to show, anywhere on the page.
    whole = page.response.get_data(as_text=True)
    for secret in (UNQUOTED_WORDS, EMAIL, "Pat Example", replies.quoted_code, replies.unquoted_code):
        assert secret not in whole
    assert sharing.format_code(replies.unquoted_code) not in whole
    # Newest first.
    cards = [card["id"] for card in page.soup.select("main article[id^=response-]")]
    assert cards == [f"response-{replies.unquoted}", f"response-{replies.quoted}"]


def test_example_replies_are_tagged_as_example_content(get_page) -> None:
    page = get_page("/lcps/seacroft")
    cards = page.soup.select("main article[id^=response-]")
    assert cards
    for card in cards:
        assert words(card.select_one(".nhsuk-tag--yellow")) == "Example content"
        assert "Example:" in words(card)
    assert any(card.find("blockquote") for card in cards), "the demo shows a quoted reply"
    assert "replies and ratings marked “Example content” are made up" in page.text()


def parse_atom(client, url: str):
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_the_lcp_news_feed_carries_published_replies(client, replies: Replies) -> None:
    feed = parse_atom(client, f"/lcps/{REPLY_LCP}/updates.atom")
    by_link = {entry.link: entry for entry in feed.entries}
    quoted = by_link[f"http://localhost/lcps/{REPLY_LCP}#response-{replies.quoted}"]
    assert quoted.id == quoted.link
    assert quoted.title == "You said, we did: A crossing near the surgery has no lights."
    content = quoted.content[0].value
    assert "<strong>You said:</strong> A crossing near the surgery has no lights." in content
    assert "<strong>We did:</strong> We asked the council" in content and "road safety team to survey it." in content
    assert "In their own words" in content and QUOTED_WORDS in content
    assert quoted.author == "York Road Local Care Partnership"
    assert [tag.term for tag in quoted.tags] == ["transport"]
    assert quoted.published_parsed is not None

    unquoted = by_link[f"http://localhost/lcps/{REPLY_LCP}#response-{replies.unquoted}"]
    assert unquoted.title == "You said, we did: The pharmacy queue is too long in the mornings and…"
    assert "The pharmacy now opens half an hour earlier." in unquoted.content[0].value
    assert UNQUOTED_WORDS not in unquoted.content[0].value
    assert "In their own words" not in unquoted.content[0].value

    published = [entry.published_parsed for entry in feed.entries]
    assert published == sorted(published, reverse=True)
    assert feed.entries[0].link.endswith(f"#response-{replies.unquoted}")
    assert feed.feed.updated_parsed == feed.entries[0].published_parsed


def test_city_wide_feeds_carry_updates_only(client, replies: Replies) -> None:
    for url in ("/updates.atom", f"/updates.atom?lcp={REPLY_LCP}"):
        feed = parse_atom(client, url)
        assert not [entry for entry in feed.entries if "#response-" in entry.link]


# Staff commands ---------------------------------------------------------------------------------------------------


def run(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_submissions_list_shows_codes_partnerships_and_statuses_but_nothing_personal(
    app: Flask, replies: Replies
) -> None:
    result = run(app, "submissions", "list", "--lcp", REPLY_LCP)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for code in (replies.quoted_code, replies.unquoted_code):
        line = next(line for line in lines if sharing.format_code(code) in line)
        assert f"{REPLY_LCP}: received" in line and "[web]" in line
    assert re.fullmatch(r"\d+ submissions", lines[-1]) and int(lines[-1].split()[0]) >= 2
    for secret in (QUOTED_WORDS, UNQUOTED_WORDS, EMAIL, "Pat Example"):
        assert secret not in result.output
    looking = run(app, "submissions", "list", "--lcp", REPLY_LCP, "--status", "looking")
    assert looking.exit_code == 0 and looking.output.strip() == "No submissions match."
    examples = run(app, "submissions", "list", "--lcp", "seacroft")
    assert examples.exit_code == 0 and "example" in examples.output and "seacroft: acted" in examples.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["list", "--lcp", "nowhere"], "No partnership has the slug 'nowhere'"),
        (["list", "--status", "lost"], "Unknown status 'lost'. Choose one of: received, looking, shared"),
        (["show", "ABCD-2345"], "No submission has the receipt code 'ABCD-2345'"),
        (["show", "not a code"], "No submission has the receipt code"),
    ],
)
def test_submissions_commands_refuse_unknown_things_clearly(app: Flask, args: list[str], message: str) -> None:
    result = run(app, "submissions", *args)
    assert result.exit_code == 1
    assert message in result.output


def test_submissions_show_prints_everything_with_contact_labelled(app: Flask, replies: Replies) -> None:
    result = run(app, "submissions", "show", sharing.format_code(replies.unquoted_code).lower())
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"Receipt code: {sharing.format_code(replies.unquoted_code)}" in out
    assert UNQUOTED_WORDS in out
    assert f"    {REPLY_LCP}: received" in out
    assert "Topics: Access to GPs, dentists and services" in out
    assert "May quote their words: no" in out
    assert "received (by person)" in out and "response" in out
    assert "We did: The pharmacy now opens half an hour earlier." in out
    assert "Contact (personal data" in out
    assert f"Email: {EMAIL}" in out and "Name: Pat Example" in out
    assert "Wants emails about changes and replies: yes" in out
    anonymous = run(app, "submissions", "show", replies.quoted_code)
    assert anonymous.exit_code == 0
    assert "Contact: none; it was sent anonymously." in anonymous.output
    assert EMAIL not in anonymous.output


def test_submissions_status_changes_one_partnerships_status_and_tells_the_person(app: Flask, replies: Replies) -> None:
    code = sharing.format_code(replies.unquoted_code)
    result = run(
        app, "submissions", "status", code, "--lcp", REPLY_LCP, "shared", "--reason", "Passed to the pharmacy."
    )
    assert result.exit_code == 0, result.output
    assert f"{code} for {REPLY_LCP}: shared" in result.output
    assert "an email is queued" in result.output
    with app.app_context():
        submission = db.session.scalar(select(Submission).where(Submission.receipt_code == replies.unquoted_code))
        routing = submission.routings[0]
        assert (routing.status, routing.status_reason) == ("shared", "Passed to the pharmacy.")
        assert [event.status for event in submission.events if event.kind == "status"] == ["shared"]
        mail = db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.contact_id == submission.contact.id, OutboxMessage.kind == "status-changed")
            .order_by(OutboxMessage.id)
        ).all()
        assert len(mail) == 1 and mail[0].to_address == EMAIL
        # Links in the email use the site's public address, not a request's.
        assert f"{app.config['SITE_URL']}/track/{code}" in mail[0].text_body


@pytest.mark.parametrize(
    ("lcp", "status", "message"),
    [
        (REPLY_LCP, "finished", "Unknown status 'finished'"),
        ("nowhere", "looking", "No partnership has the slug 'nowhere'"),
        ("armley", "looking", f"was not sent to armley; it went to: {REPLY_LCP}"),
    ],
)
def test_submissions_status_refuses_what_cannot_apply(
    app: Flask, replies: Replies, lcp: str, status: str, message: str
) -> None:
    result = run(app, "submissions", "status", replies.quoted_code, "--lcp", lcp, status)
    assert result.exit_code == 1
    assert message in result.output
    with app.app_context():
        statuses = db.session.scalars(
            select(Routing.status).join(Submission).where(Submission.receipt_code == replies.quoted_code)
        ).all()
        assert statuses == ["received"]


def test_submissions_respond_refuses_to_quote_someone_who_did_not_agree(app: Flask, replies: Replies) -> None:
    def published() -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(PublishedResponse))

    before = published()
    refused = run(
        app,
        "submissions",
        "respond",
        replies.unquoted_code,
        "--lcp",
        REPLY_LCP,
        "--you-said",
        "The queue is long.",
        "--we-did",
        "We opened earlier.",
        "--quote",
    )
    assert refused.exit_code == 1
    assert "The person did not agree to have their words quoted" in refused.output
    assert "without --quote" in refused.output
    assert published() == before

    agreed = run(
        app,
        "submissions",
        "respond",
        replies.quoted_code,
        "--lcp",
        REPLY_LCP,
        "--you-said",
        "The crossing still worries people.",
        "--we-did",
        "Lights will be fitted in March.",
        "--quote",
    )
    assert agreed.exit_code == 0, agreed.output
    assert published() == before + 1
    with app.app_context():
        response = db.session.scalar(select(PublishedResponse).order_by(PublishedResponse.id.desc()))
        assert (response.we_did, response.quote_words, response.quote) == (
            "Lights will be fitted in March.",
            True,
            QUOTED_WORDS,
        )
        assert f"{app.config['SITE_URL']}/lcps/{REPLY_LCP}#response-{response.id}" in agreed.output


def test_meetings_decide_records_the_decision_and_tells_each_commenter_once(app: Flask, meetings: Meetings) -> None:
    with app.test_request_context():
        item = db.session.get(AgendaItem, meetings.undecided_item)
        lcp = lcp_named(MEETING_LCP)
        for body in ("First comment on warm spaces.", "Second comment, same person."):
            sharing_commands.share(
                Actor.resident(), ShareInput(body=body, lcps=[lcp], agenda_item=item, contact=ContactInput(email=EMAIL))
            )
        sharing_commands.share(Actor.resident(), ShareInput(body="An anonymous comment.", lcps=[lcp], agenda_item=item))
    result = run(app, "meetings", "decide", str(meetings.undecided_item), "Warm spaces open in four libraries.")
    assert result.exit_code == 0, result.output
    assert "1 person told by email." in result.output
    assert "Warm spaces this winter" in result.output
    with app.app_context():
        item = db.session.get(AgendaItem, meetings.undecided_item)
        assert item.decision == "Warm spaces open in four libraries." and item.decided_at is not None
        told = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.to_address == EMAIL, OutboxMessage.kind == "decision-recorded")
        ).all()
        assert len(told) == 1
    again = run(app, "meetings", "decide", str(meetings.undecided_item), "Warm spaces open in five libraries.")
    assert again.exit_code == 0
    assert "replacing the one before" in again.output


@pytest.mark.parametrize(
    ("which", "message"),
    [("missing", "No agenda item has the id 999999"), ("upcoming", "has not started yet")],
)
def test_meetings_decide_refuses_an_unknown_or_future_item(
    app: Flask, meetings: Meetings, which: str, message: str
) -> None:
    item_id = 999999 if which == "missing" else meetings.upcoming_items[0]
    result = run(app, "meetings", "decide", str(item_id), "Something.")
    assert result.exit_code == 1
    assert message in result.output
    if which == "upcoming":
        with app.app_context():
            assert db.session.get(AgendaItem, item_id).decision == ""


# Example content and the privacy notice ---------------------------------------------------------------------------


def demo_rows() -> tuple[list[Submission], list[PublishedResponse]]:
    db.session.expire_all()
    submissions = db.session.scalars(select(Submission).where(Submission.is_demo).order_by(Submission.id)).all()
    responses = db.session.scalars(
        select(PublishedResponse).where(PublishedResponse.is_demo).order_by(PublishedResponse.id)
    ).all()
    return list(submissions), list(responses)


def test_demo_submissions_are_anonymous_examples_with_replies_made_again_each_run(
    app_context: None, replies: Replies
) -> None:
    from app.commands.system import load_demo

    load_demo(Actor.cli())
    submissions, responses = demo_rows()
    assert 3 <= len(submissions) <= 4
    for submission in submissions:
        assert submission.body.startswith("Example:")
        assert submission.contact is None
        assert submission.routings
    assert len({routing.status for submission in submissions for routing in submission.routings}) >= 3
    assert len({routing.lcp.slug for submission in submissions for routing in submission.routings}) >= 2
    assert "armley" not in {routing.lcp.slug for submission in submissions for routing in submission.routings}
    assert responses and all(response.submission.is_demo for response in responses)
    assert all(response.you_said.startswith("Example:") for response in responses)
    codes = {submission.receipt_code for submission in submissions}

    load_demo(Actor.cli())
    again, again_responses = demo_rows()
    assert (len(again), len(again_responses)) == (len(submissions), len(responses))
    assert not codes & {submission.receipt_code for submission in again}, "the old examples were deleted"
    # Real submissions and their replies are left alone.
    assert db.session.get(PublishedResponse, replies.quoted) is not None
    assert db.session.scalar(select(Submission).where(Submission.receipt_code == replies.quoted_code)) is not None


def test_the_privacy_notice_says_what_sharing_keeps(get_page) -> None:
    page = get_page("/privacy")
    parts = section(page, "sharing")
    text = " ".join(words(part) for part in parts)
    assert words(parts[0]) == "If you tell a partnership what is happening"
    for sentence in (
        "anonymous unless you choose otherwise",
        "We do not store your name, email address, internet (IP) address or details of your browser or device with it.",
        "That count is kept for up to an hour, then forgotten, and it is never stored with what you sent.",
        "receipt code of 8 letters and numbers",
        "Leaving your email address is your choice.",
        "“Staff may email me to ask about what I shared”",
        "“Email me when its status changes or the partnership replies”",
        "only then do those organisations see your email address",
        "Your receipt email has a link where you can add to what you said, stop the emails or delete your contact "
        "details.",
    ):
        assert sentence in text, sentence
    assert "this notice will say what that collects before it goes live" not in page.text()


def test_a_submission_nobody_could_place_is_routed_and_its_sender_sees_where_it_went(app: Flask, client) -> None:
    with app.test_request_context():
        shared = sharing_commands.share(
            Actor.resident(), ShareInput(body="Route test: the pharmacy hours changed", lcp_unsure=True)
        )
        code = sharing.format_code(shared.submission.receipt_code)
    before = client.get(f"/track/{code}").get_data(as_text=True)
    assert "working out which partnership should handle it" in before

    result = run(app, "submissions", "route", code, "--lcp", "seacroft")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{code} is now with seacroft: received."
    again = run(app, "submissions", "route", code, "--lcp", "seacroft")
    assert again.output.strip() == f"{code} was already with seacroft."

    page = " ".join(client.get(f"/track/{code}").get_data(as_text=True).split())
    assert "working out which partnership" not in page
    assert "Seacroft Local Care Partnership" in page and "Received: waiting to be read" in page
    assert "It was passed to Seacroft Local Care Partnership." in page
    with app.app_context():
        submission = sharing.find_by_code(code)
        assert [routing.lcp.slug for routing in submission.routings] == ["seacroft"]
        assert [event.kind for event in submission.events] == ["received", "routed"]
        db.session.delete(submission)
        db.session.commit()
