"""The digest: one email per person across what they follow, new items only, once a period, delivered over SMTP.

"Now" is frozen far in the future (`NOW`), past every demo meeting and update, so only the rows these tests
make are new; every row made here is deleted afterwards. The CLI test runs at the real now, where the demo
content is, to show demo items arrive tagged "Example content".
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from app.clock import utcnow
from app.commands import Actor, system
from app.commands import people as people_commands
from app.commands.system import deliver_due
from app.extensions import db
from app.models import AgendaItem, DigestItem, DigestRun, Follower, Lcp, Meeting, OutboxMessage, Topic, Update
from app.services import digest
from tests.english_left import english_left, unisolated_english
from tests.mailbox import Mailbox

# The outbox worker, as `flask outbox send` runs it.
WORKER = Actor.system("outbox")
# `flask digests send`.
DIGESTS = Actor.system("digests")

NOW = (utcnow() + timedelta(days=1000)).replace(hour=7, minute=0, second=0, microsecond=0)
WEEK = timedelta(days=7)
DAY = timedelta(days=1)


@dataclass
class World:
    """Followers, meetings and updates made for one test, deleted after it."""

    followers: list[int] = field(default_factory=list)
    meetings: list[int] = field(default_factory=list)
    updates: list[int] = field(default_factory=list)

    def follower(
        self,
        lcps: tuple[str, ...] = (),
        topics: tuple[str, ...] = (),
        frequency: str = "weekly",
        confirmed=True,
        topic_scope: str = "followed",
    ) -> Follower:
        follower = Follower(
            email=f"digest-{uuid.uuid4().hex[:12]}@example.org",
            frequency=frequency,
            confirmed_at=utcnow() if confirmed else None,
            topic_scope=topic_scope,
        )
        follower.lcps = [lcp(slug) for slug in lcps]
        follower.topics = [topic(slug) for slug in topics]
        db.session.add(follower)
        db.session.commit()
        self.followers.append(follower.id)
        return follower

    def update(
        self, lcp_slug: str, title: str, published_at: datetime, topics: tuple[str, ...] = (), body=""
    ) -> Update:
        update = Update(
            lcp=lcp(lcp_slug),
            title=title,
            body=body or "Something happened.",
            published_at=published_at,
            topics=[topic(slug) for slug in topics],
        )
        db.session.add(update)
        db.session.commit()
        self.updates.append(update.id)
        return update

    def meeting(
        self, lcp_slug: str, title: str, starts_at: datetime, topics: tuple[str, ...] = (), outcome: str = ""
    ) -> Meeting:
        meeting = Meeting(
            lcp=lcp(lcp_slug),
            title=title,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2),
            location="Test Community Centre",
            summary=f"Partners meet: {title}.",
            outcome=outcome,
            agenda_items=[AgendaItem(title=f"Agenda of {title}", topics=[topic(slug) for slug in topics])],
        )
        db.session.add(meeting)
        db.session.commit()
        self.meetings.append(meeting.id)
        return meeting

    def clean(self) -> None:
        db.session.rollback()
        for follower_id in self.followers:
            if (follower := db.session.get(Follower, follower_id)) is not None:
                people_commands.delete_follower(Actor.cli(), follower)
        for meeting_id in self.meetings:
            db.session.delete(db.session.get(Meeting, meeting_id))
        for update_id in self.updates:
            db.session.delete(db.session.get(Update, update_id))
        db.session.commit()


@pytest.fixture
def world(app_context: None):
    made = World()
    yield made
    made.clean()


def lcp(slug: str) -> Lcp:
    return db.session.scalar(select(Lcp).where(Lcp.slug == slug))


def topic(slug: str) -> Topic:
    return db.session.scalar(select(Topic).where(Topic.slug == slug))


def queued_for(follower: Follower) -> list[OutboxMessage]:
    db.session.rollback()  # see what other connections (the CLI, the test client) committed
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.follower_id == follower.id).order_by(OutboxMessage.id)
        )
    )


def recorded(follower: Follower) -> set[tuple[str, int]]:
    rows = db.session.execute(select(DigestItem.kind, DigestItem.item_id).where(DigestItem.follower_id == follower.id))
    return {(kind, item_id) for kind, item_id in rows}


def runs(follower: Follower) -> list[str]:
    return list(db.session.scalars(select(DigestRun.period).where(DigestRun.follower_id == follower.id)))


@dataclass
class ItemSeen:
    title: str
    href: str
    kind: str
    reasons: list[str]
    text: str


def items_in(html: str) -> list[ItemSeen]:
    soup = BeautifulSoup(html, "html.parser")
    seen = []
    for block in soup.select("main .item"):
        link = block.select_one("h2 a")
        seen.append(
            ItemSeen(
                title=link.get_text(strip=True),
                href=link["href"],
                kind=block.select_one("p strong").get_text(strip=True),
                reasons=[p.get_text(strip=True) for p in block.select("p.reason")],
                text=" ".join(block.get_text(" ").split()),
            )
        )
    return seen


def text_of(email) -> str:
    return Mailbox.text(email).replace("\r\n", "\n")


def one_email(mailbox, smtp, follower: Follower):
    deliver_due(WORKER, smtp)
    received = mailbox.to(follower.email)
    assert len(received) == 1, f"{len(received)} emails to {follower.email}"
    return received[0]


# What goes in, why, and in what order --------------------------------------------------------------------------


def test_one_email_across_every_follow_says_why_newest_first_and_nothing_twice(world, mailbox, smtp) -> None:
    # Topics across Leeds: a followed topic brings items from partnerships not followed too.
    person = world.follower(lcps=("seacroft", "armley"), topics=("mental-health",), topic_scope="leeds")
    soon = world.meeting("hatch", "Soon meeting on minds", NOW + 3 * DAY, topics=("mental-health",))
    later = world.meeting("seacroft", "Later Seacroft meeting", NOW + 20 * DAY, topics=("housing",))
    newest = world.update("armley", "Armley news", NOW - DAY)
    both = world.update("seacroft", "Seacroft news on minds", NOW - 2 * DAY, topics=("mental-health",))
    decided = world.meeting("seacroft", "Seacroft meeting that decided", NOW - 3 * DAY, outcome="Agreed a new clinic.")
    by_topic = world.update("wetherby", "Wetherby news on minds", NOW - 4 * DAY, topics=("mental-health",))
    # Not followed, outside the period, not published yet, or past with nothing decided: none of these go.
    world.update("wetherby", "Wetherby housing news", NOW - DAY, topics=("housing",))
    world.update("seacroft", "Old Seacroft news", NOW - 8 * DAY)
    world.update("seacroft", "Seacroft news for tomorrow", NOW + DAY)
    world.meeting("seacroft", "Past meeting with no outcome", NOW - 2 * DAY)

    report = system.send_digests(DIGESTS, "weekly", now=NOW)
    assert report.queued >= 1
    assert len(queued_for(person)) == 1

    email = one_email(mailbox, smtp, person)
    seen = items_in(mailbox.html(email))
    assert [item.title for item in seen] == [
        "Soon meeting on minds",
        "Later Seacroft meeting",
        "Armley news",
        "Seacroft news on minds",
        "Seacroft meeting that decided",
        "Wetherby news on minds",
    ]
    assert [item.kind for item in seen] == [
        "Meeting coming up",
        "Meeting coming up",
        "Update",
        "Update",
        "What was decided",
        "Update",
    ]
    reasons = {item.title: item.reasons for item in seen}
    assert reasons == {
        "Soon meeting on minds": ["You follow the topic Mental health and wellbeing (across Leeds)"],
        "Later Seacroft meeting": ["You follow Seacroft"],
        "Armley news": ["You follow Armley"],
        "Seacroft news on minds": ["You follow Seacroft", "You follow the topic Mental health and wellbeing"],
        "Seacroft meeting that decided": ["You follow Seacroft"],
        "Wetherby news on minds": ["You follow the topic Mental health and wellbeing (across Leeds)"],
    }
    links = {item.title: item.href for item in seen}
    assert links["Armley news"] == f"http://localhost/lcps/armley#update-{newest.id}"
    assert links["Seacroft meeting that decided"] == f"http://localhost/lcps/seacroft#meeting-{decided.id}"
    by_title = {item.title: item.text for item in seen}
    assert "What was decided" in by_title["Seacroft meeting that decided"]
    assert "Agreed a new clinic." in by_title["Seacroft meeting that decided"]
    assert "Agenda of Later Seacroft meeting" in by_title["Later Seacroft meeting"]
    assert "Test Community Centre" in by_title["Later Seacroft meeting"]
    assert "Seacroft Local Care Partnership" in by_title["Seacroft news on minds"]
    assert "Example content" not in mailbox.html(email)

    text = text_of(email)
    order = [text.index(item.title) for item in seen]
    assert order == sorted(order), "the text part lists the items in the same order"
    assert text.count("Seacroft news on minds") == 1
    assert "You follow the topic Mental health and wellbeing" in text
    assert f"http://localhost/lcps/seacroft#update-{both.id}" in text

    assert recorded(person) == {
        ("meeting", soon.id),
        ("meeting", later.id),
        ("update", newest.id),
        ("update", both.id),
        ("outcome", decided.id),
        ("update", by_topic.id),
    }
    assert runs(person) == [f"{NOW.isocalendar().year}-W{NOW.isocalendar().week:02d}"]


def test_update_bodies_are_sanitised_html_and_plain_text(world, mailbox, smtp) -> None:
    person = world.follower(lcps=("seacroft",))
    world.update(
        "seacroft",
        "Markdown news",
        NOW - DAY,
        body="Come **along** to [the centre](https://example.org/centre).\n\n<script>alert(1)</script>\n\n"
        "- tea\n- cake",
    )
    system.send_digests(DIGESTS, "weekly", now=NOW)
    email = one_email(mailbox, smtp, person)
    html = mailbox.html(email)
    assert "<strong>along</strong>" in html
    body_links = {a.get_text(): a["href"] for a in BeautifulSoup(html, "html.parser").select("main .item a")}
    assert body_links["the centre"] == "https://example.org/centre"
    assert "<script" not in html
    text = text_of(email)
    assert "Come along to the centre (https://example.org/centre)." in text
    assert "- tea\n- cake" in text
    assert "<" not in text.split("Markdown news", 1)[1].split("You follow", 1)[0]


# Once a period, and each item once ---------------------------------------------------------------------------


def test_running_twice_in_one_period_queues_one_email(world, mailbox, smtp) -> None:
    person = world.follower(lcps=("seacroft",))
    world.update("seacroft", "Seacroft news", NOW - DAY)

    first = system.send_digests(DIGESTS, "weekly", now=NOW)
    second = system.send_digests(DIGESTS, "weekly", now=NOW + timedelta(minutes=5))
    assert first.queued >= 1
    assert second.queued == 0
    assert second.already_sent >= 1
    assert len(queued_for(person)) == 1
    assert len(runs(person)) == 1
    one_email(mailbox, smtp, person)


def test_an_item_sent_in_one_period_is_not_sent_in_the_next(world, mailbox, smtp) -> None:
    person = world.follower(lcps=("seacroft",))
    coming = world.meeting("seacroft", "Meeting in three weeks", NOW + 21 * DAY)
    deciding = world.meeting("seacroft", "Meeting in two days", NOW + 2 * DAY)
    world.update("seacroft", "First news", NOW - DAY)

    system.send_digests(DIGESTS, "weekly", now=NOW)
    first = items_in(mailbox.html(one_email(mailbox, smtp, person)))
    assert [item.title for item in first] == ["Meeting in two days", "Meeting in three weeks", "First news"]

    # A week on: the meeting two days in has decided something, and there is new news.
    deciding.outcome = "Agreed to meet monthly."
    db.session.commit()
    world.update("seacroft", "Second news", NOW + 6 * DAY)
    mailbox.clear()
    system.send_digests(DIGESTS, "weekly", now=NOW + WEEK)
    second = items_in(mailbox.html(one_email(mailbox, smtp, person)))
    assert [(item.title, item.kind) for item in second] == [
        ("Second news", "Update"),
        ("Meeting in two days", "What was decided"),
    ]
    assert ("meeting", coming.id) in recorded(person)
    assert len(runs(person)) == 2


def test_nothing_new_sends_nothing_and_records_no_run(world, mailbox, smtp) -> None:
    quiet = world.follower(lcps=("seacroft",), topics=("transport",))
    follows_nothing = world.follower()
    world.update("seacroft", "Old news", NOW - 10 * DAY)

    report = system.send_digests(DIGESTS, "weekly", now=NOW)
    assert report.nothing_new >= 2
    for person in (quiet, follows_nothing):
        assert queued_for(person) == []
        assert runs(person) == []
    deliver_due(WORKER, smtp)
    assert mailbox.to(quiet.email) == [] and mailbox.to(follows_nothing.email) == []


def test_the_limit_says_how_many_more_and_the_rest_come_next_period(app: Flask, world, mailbox, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "DIGEST_LIMIT", 2)
    person = world.follower(lcps=("seacroft",), topics=("transport",), topic_scope="leeds")
    first_news = world.update("seacroft", "News one", NOW - DAY)
    second_news = world.update("seacroft", "News two", NOW - 2 * DAY)
    world.update("wetherby", "News three, on transport", NOW - 3 * DAY, topics=("transport",))
    world.update("seacroft", "News four", NOW - 4 * DAY)

    system.send_digests(DIGESTS, "weekly", now=NOW)
    email = one_email(mailbox, smtp, person)
    html = mailbox.html(email)
    assert [item.title for item in items_in(html)] == ["News one", "News two"]
    soup = BeautifulSoup(html, "html.parser")
    assert "And 2 more" in [h2.get_text(strip=True) for h2 in soup.select("main h2")]
    more = {a.get_text(strip=True): a["href"] for a in soup.select("main > ul a")}
    assert more == {
        "Seacroft Local Care Partnership": "http://localhost/lcps/seacroft",
        "Transport and getting around": "http://localhost/topics/transport",
    }
    text = text_of(email)
    assert "And 2 more" in text and "http://localhost/topics/transport" in text
    # Only what was listed is recorded, so the rest can come next time.
    assert recorded(person) == {("update", first_news.id), ("update", second_news.id)}

    mailbox.clear()
    system.send_digests(DIGESTS, "weekly", now=NOW + WEEK)
    rest = mailbox.html(one_email(mailbox, smtp, person))
    assert [item.title for item in items_in(rest)] == ["News three, on transport", "News four"]
    assert "more" not in BeautifulSoup(rest, "html.parser").select_one("main").get_text()

    mailbox.clear()
    assert system.send_digest(DIGESTS, person, "weekly", NOW + 2 * WEEK) == digest.NOTHING_NEW
    assert len(runs(person)) == 2


# Who gets one -----------------------------------------------------------------------------------------------------


def test_only_confirmed_people_with_that_frequency_get_one(world, mailbox, smtp) -> None:
    weekly = world.follower(lcps=("seacroft",))
    monthly = world.follower(lcps=("seacroft",), frequency="monthly")
    unsubscribed = world.follower(lcps=("seacroft",), frequency="none")
    unconfirmed = world.follower(lcps=("seacroft",), confirmed=False)
    world.update("seacroft", "Seacroft news", NOW - DAY)

    report = system.send_digests(DIGESTS, "weekly", now=NOW)
    confirmed_weekly = db.session.scalar(
        select(func.count())
        .select_from(Follower)
        .where(Follower.confirmed_at.is_not(None), Follower.frequency == "weekly")
    )
    assert report.considered == confirmed_weekly
    assert len(queued_for(weekly)) == 1
    for person in (monthly, unsubscribed, unconfirmed):
        assert queued_for(person) == [], person

    report = system.send_digests(DIGESTS, "monthly", now=NOW)
    assert report.period == f"{NOW.year}-{NOW.month:02d}"
    assert len(queued_for(monthly)) == 1
    assert runs(monthly) == [report.period]
    assert len(queued_for(weekly)) == 1
    for person in (unsubscribed, unconfirmed):
        assert queued_for(person) == []

    deliver_due(WORKER, smtp)
    assert len(mailbox.to(weekly.email)) == 1
    assert "in the month to" in text_of(mailbox.to(monthly.email)[0])
    assert mailbox.to(unsubscribed.email) == [] and mailbox.to(unconfirmed.email) == []


def test_a_failure_for_one_person_leaves_no_trace_and_does_not_stop_the_others(world, monkeypatch) -> None:
    first = world.follower(lcps=("seacroft",))
    broken = world.follower(lcps=("seacroft",))
    world.update("seacroft", "Seacroft news", NOW - DAY)
    real_send = system.mail.send_to_follower

    def send_or_break(follower, name, **context):
        if follower.id == broken.id:
            raise RuntimeError("the mail template broke")
        return real_send(follower, name, **context)

    monkeypatch.setattr(system.mail, "send_to_follower", send_or_break)
    report = system.send_digests(DIGESTS, "weekly", now=NOW)
    assert report.failed == 1
    assert len(queued_for(first)) == 1 and runs(first) and recorded(first)
    # Nothing recorded as sent without its email.
    assert queued_for(broken) == [] and runs(broken) == [] and recorded(broken) == set()

    monkeypatch.setattr(system.mail, "send_to_follower", real_send)
    again = system.send_digests(DIGESTS, "weekly", now=NOW)
    assert again.failed == 0
    assert len(queued_for(broken)) == 1 and len(queued_for(first)) == 1


# The email itself ----------------------------------------------------------------------------------------------


def test_email_has_both_parts_and_one_click_unsubscribe(world, client, mailbox, smtp) -> None:
    person = world.follower(lcps=("seacroft",))
    world.update("seacroft", "Seacroft news", NOW - DAY)
    system.send_digests(DIGESTS, "weekly", now=NOW)
    email = one_email(mailbox, smtp, person)

    assert email["Subject"] == "What is new in the Local Care Partnerships you follow"
    assert email.get_content_type() == "multipart/alternative"
    assert "Seacroft news" in text_of(email)
    soup = BeautifulSoup(mailbox.html(email), "html.parser")
    assert soup.html["lang"] == "en-GB"
    assert soup.select("img, script, link, iframe") == []
    footer = {a.get_text(strip=True): a["href"] for a in soup.select("footer a")}
    assert set(footer) == {"Change what you follow, how often we email, or delete your data", "Stop these emails"}

    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.fullmatch(r"<(.+)>", email["List-Unsubscribe"])[1]
    assert unsubscribe == footer["Stop these emails"]
    assert unsubscribe in text_of(email)
    response = client.post(urlsplit(unsubscribe).path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    db.session.rollback()
    assert db.session.get(Follower, person.id).frequency == "none"


@pytest.mark.parametrize("language", ["pl", "ur"])
def test_a_followers_topics_are_named_in_their_language(app: Flask, world, mailbox, smtp, monkeypatch, language):
    """Every topic name in the email is the catalogue's, in the person's language: under an item, and in the pages
    listed for what the limit held back (named when the email is written, not in the language of whoever sent it).
    What stays English (titles, partnership names) is marked as English in the HTML part."""
    monkeypatch.setitem(app.config, "DIGEST_LIMIT", 1)
    in_english = world.follower(topics=("transport",))
    reader = world.follower(topics=("transport",))
    reader.language = language
    db.session.commit()
    world.update("wetherby", "Bus news", NOW - DAY, topics=("transport",))
    world.update("seacroft", "Timetable news", NOW - 2 * DAY, topics=("transport",))

    system.send_digests(DIGESTS, "weekly", now=NOW)
    deliver_due(WORKER, smtp)
    [english], [translated] = mailbox.to(in_english.email), mailbox.to(reader.email)
    with force_locale(language):
        label = gettext("Transport and getting around")
    assert label != "Transport and getting around"

    text, html = text_of(translated), mailbox.html(translated)
    assert "Transport and getting around" not in text and "Transport and getting around" not in html
    assert text.count(label) == 2, "the reason under the item, and the page for the rest"
    soup = BeautifulSoup(html, "html.parser")
    assert [a.get_text(strip=True) for a in soup.select("main > ul a")] == [label]
    assert english_left(mailbox.html(english), html) == []
    assert unisolated_english(html) == []
    title = soup.select_one("main .item h2 a")
    assert (title.get_text(strip=True), title["lang"], title["dir"]) == ("Bus news", "en-GB", "ltr")
    assert "Wetherby Local Care Partnership" in [bdi.get_text() for bdi in soup.select('main bdi[lang="en-GB"]')]


# The period -----------------------------------------------------------------------------------------------------


def test_periods_are_named_by_week_or_month_in_leeds(app_context: None) -> None:
    wednesday = datetime(2026, 11, 25, 12, 0)
    weekly = digest.period_for("weekly", wednesday)
    assert (weekly.key, weekly.start, weekly.end) == ("2026-W48", wednesday - WEEK, wednesday)
    monthly = digest.period_for("monthly", wednesday)
    assert (monthly.key, monthly.start) == ("2026-11", wednesday - timedelta(days=31))
    # 23:30 UTC on a Sunday in summer is already Monday in Leeds: the next week, and here the next month.
    assert digest.period_for("weekly", datetime(2026, 6, 28, 23, 30)).key == "2026-W27"
    assert digest.period_for("monthly", datetime(2026, 6, 30, 23, 30)).key == "2026-07"
    assert digest.period_for("weekly", datetime(2027, 1, 1, 12, 0)).key == "2026-W53"
    with pytest.raises(ValueError, match="weekly or monthly"):
        digest.period_for("none", wednesday)


# The command ---------------------------------------------------------------------------------------------------


def test_command_queues_digests_and_says_what_it_did(app: Flask, world) -> None:
    """At the real now, where the demo content is: demo items come, tagged as example content."""
    person = world.follower(lcps=("seacroft",))
    runner = app.test_cli_runner()

    result = runner.invoke(args=["digests", "send", "--frequency", "weekly"])
    assert result.exit_code == 0, result.output
    counts = re.search(
        r"weekly digests for \d{4}-W\d{2}: (\d+) people considered, (\d+) emails queued, (\d+) with nothing new, "
        r"(\d+) already sent this period, 0 failed",
        result.output,
    )
    assert counts, result.output
    assert int(counts[2]) >= 1
    assert "outbox send" in result.output
    messages = queued_for(person)
    assert len(messages) == 1
    assert messages[0].kind == "digest" and messages[0].status == "queued"
    # The demo meeting a few weeks ahead, marked as invented; links use SITE_URL.
    assert "Meeting coming up (Example content)" in messages[0].text_body
    assert f"{app.config['SITE_URL']}/lcps/seacroft#meeting-" in messages[0].text_body

    again = runner.invoke(args=["digests", "send", "--frequency", "weekly"])
    assert again.exit_code == 0
    assert re.search(r", 0 emails queued, ", again.output)
    assert len(queued_for(person)) == 1

    assert runner.invoke(args=["digests", "send", "--frequency", "none"]).exit_code == 2
    assert "outbox send" in " ".join(runner.invoke(args=["digests", "send", "--help"]).output.split())
