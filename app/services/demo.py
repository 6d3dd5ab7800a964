"""Fictional demo content so a new installation looks alive: meetings with agenda items (a past one with a
recorded decision), updates, maturity ratings, and a few things people "shared" with "you said, we did" replies.

Every row made here has `is_demo` set, and a run first deletes the demo rows it made before, so it
can be run again and never touches the reference data. Dates are relative to today, so there are
always upcoming and past meetings.

Example submissions are anonymous (no contact row, so nobody is ever emailed about them), their words start
"Example:", and they and their replies are for display only: like all example content, they never count
towards a conclusion such as which partnerships match a topic.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, or_, select

from app.clock import utcnow
from app.extensions import db
from app.models import (
    AgendaItem,
    Lcp,
    MaturityAssessment,
    MaturityElement,
    MaturityLevel,
    MaturityRating,
    Meeting,
    PublishedResponse,
    Routing,
    Submission,
    SubmissionContact,
    SubmissionEvent,
    Topic,
    Update,
)
from app.models.submissions import submission_topic
from app.services import quoting, safety
from app.services.sharing import new_code

VENUES = [
    "Example Community Centre, Room 2",
    "Example Library, Meeting Room",
    "Example Health Centre, Seminar Room",
]
# How to join, for the public: in person or online. Example text, like everything here.
JOINING_IN_PERSON = [
    "Example: Room 2, ground floor, step-free access. Ask at reception.",
    "Example: Meeting Room 1, first floor, reached by a lift. A hearing loop is fitted.",
]
JOINING_ONLINE = "Example: a video call link is sent the day before. Ask the partnership for it."
# Whether the public may come: yes, partners only, and not said, so every wording shows somewhere.
PUBLIC_MAY_ATTEND = [True, None, False]
AGENDA = [
    ("Example item: what residents told us this quarter", ["access-to-services", "mental-health"]),
    ("Example item: falls prevention sessions", ["ageing-well", "healthy-living"]),
    ("Example item: warm spaces and food support", ["money-cost-of-living", "isolation-connection"]),
    ("Example item: activities for young people over the holidays", ["children-young-people-families"]),
    ("Example item: bus links to the health centre", ["transport", "access-to-services"]),
    ("Example item: getting online for appointments", ["digital-inclusion"]),
    ("Example item: feeling safe in the park after dark", ["community-safety", "green-public-spaces-environment"]),
    ("Example item: damp and cold homes", ["housing", "long-term-conditions"]),
]
AGENDA_ITEMS_PER_MEETING = 2
UPDATES = [
    (
        "Example update: new walking group",
        "This is **example content**. A weekly walking group starts from the community centre, open to everyone.",
        ["healthy-living", "isolation-connection"],
    ),
    (
        "Example update: you said, we did",
        "This is **example content**. You told us evening appointments were hard to find; "
        "partners are piloting a late clinic.",
        ["access-to-services"],
    ),
    (
        "Example update: carers' coffee morning",
        "This is **example content**. Unpaid carers are invited to a monthly coffee morning with advice on hand.",
        ["ageing-well", "isolation-connection"],
    ),
    (
        "Example update: job club at the library",
        "This is **example content**. A weekly job club helps with CVs, applications and interview practice.",
        ["employment-skills", "money-cost-of-living"],
    ),
    (
        "Example update: talking therapies drop-in",
        "This is **example content**. A monthly drop-in explains how to refer yourself for talking therapies.",
        ["mental-health"],
    ),
]
UPDATES_PER_LCP = 3
# What was decided on the first item of each partnership's earliest past meeting; the later past meeting has
# none recorded, so both ways a past agenda item reads are shown.
DECISION = "Example decision: partners agreed to look into this and report back at the next meeting."


@dataclass(frozen=True)
class DemoRouting:
    lcp: str
    status: str
    reason: str = ""


@dataclass(frozen=True)
class DemoReply:
    lcp: str
    you_said: str
    we_did: str
    quote_words: bool = False


@dataclass(frozen=True)
class DemoSubmission:
    body: str
    topics: list[str]
    days_ago: int
    routings: list[DemoRouting]
    replies: list[DemoReply] = field(default_factory=list)
    source: str = "web"
    may_publish_words: bool = False
    speaks_for: str = "self"
    organisation_name: str = ""
    people_count: int | None = None


# Anonymous, made up, and sent to partnerships whose pages show them; Armley keeps a feed of updates only.
SUBMISSIONS = [
    DemoSubmission(
        body="Example: the last bus from Seacroft to the health centre leaves before the evening appointments "
        "finish, so people without a car miss them or walk back in the dark.",
        topics=["transport", "access-to-services"],
        days_ago=45,
        may_publish_words=True,
        routings=[
            DemoRouting("seacroft", "acted"),
            DemoRouting("cross-gates", "shared", "Example: passed to the council's transport team."),
        ],
        replies=[
            DemoReply(
                "seacroft",
                "Example: the last bus leaves before evening appointments end, so people without a car miss them.",
                "Example: the practices now offer their latest appointments first to people who come by bus, and we "
                "asked the bus company to look at the timetable.",
                quote_words=True,
            )
        ],
    ),
    DemoSubmission(
        body="Example: older people at our lunch club say the winter is lonely and they do not know where the "
        "warm spaces are.",
        topics=["isolation-connection", "ageing-well", "money-cost-of-living"],
        days_ago=30,
        source="event",
        speaks_for="organisation",
        organisation_name="Example Lunch Club",
        people_count=30,
        routings=[DemoRouting("hatch", "acted")],
        replies=[
            DemoReply(
                "hatch",
                "Example: older people did not know where the warm spaces were over winter.",
                "Example: we printed a list of warm spaces with opening times and gave it to lunch clubs, GP "
                "practices and the library.",
            )
        ],
    ),
    DemoSubmission(
        body="Example: the path by the beck floods after rain, so the walking group has to turn back.",
        topics=["green-public-spaces-environment", "healthy-living"],
        days_ago=20,
        source="phone",
        routings=[DemoRouting("hatch", "closed", "Example: the council has cleared the drain and the path is dry.")],
        replies=[
            DemoReply(
                "hatch",
                "Example: the path by the beck floods, so the walking group cannot use it.",
                "Example: we reported it to the council, who cleared the drain. The path has stayed dry since.",
            )
        ],
    ),
    DemoSubmission(
        body="Example: damp in the flats on our street is making children's asthma worse.",
        topics=["housing", "long-term-conditions", "children-young-people-families"],
        days_ago=6,
        routings=[DemoRouting("seacroft", "looking")],
    ),
]


def clear_demo() -> None:
    demo_submissions = select(Submission.id).where(Submission.is_demo)
    db.session.execute(
        delete(PublishedResponse).where(
            or_(PublishedResponse.is_demo, PublishedResponse.submission_id.in_(demo_submissions))
        )
    )
    db.session.execute(delete(SubmissionEvent).where(SubmissionEvent.submission_id.in_(demo_submissions)))
    db.session.execute(delete(Routing).where(Routing.submission_id.in_(demo_submissions)))
    db.session.execute(delete(SubmissionContact).where(SubmissionContact.submission_id.in_(demo_submissions)))
    db.session.execute(delete(submission_topic).where(submission_topic.c.submission_id.in_(demo_submissions)))
    db.session.execute(delete(Submission).where(Submission.is_demo))
    demo_meetings = select(Meeting.id).where(Meeting.is_demo)
    db.session.execute(delete(AgendaItem).where(AgendaItem.meeting_id.in_(demo_meetings)))
    db.session.execute(delete(Meeting).where(Meeting.is_demo))
    db.session.execute(delete(Update).where(Update.is_demo))
    demo_assessments = select(MaturityAssessment.id).where(MaturityAssessment.is_demo)
    db.session.execute(delete(MaturityRating).where(MaturityRating.assessment_id.in_(demo_assessments)))
    db.session.execute(delete(MaturityAssessment).where(MaturityAssessment.is_demo))


def load_demo(today: date | None = None) -> int:
    """Replaces the demo content in the caller's transaction; returns the number of demo rows made.
    `flask demo` is `app.commands.system.load_demo`, which commits."""
    today = today or utcnow().date()
    clear_demo()
    topics = {topic.slug: topic for topic in db.session.scalars(select(Topic))}
    elements = [
        element
        for element in db.session.scalars(select(MaturityElement).order_by(MaturityElement.position))
        if element.slug != "culture"
    ]
    levels = list(db.session.scalars(select(MaturityLevel).order_by(MaturityLevel.rank)))
    made = 0
    for lcp in db.session.scalars(select(Lcp).order_by(Lcp.slug)):
        chooser = random.Random(lcp.slug)  # noqa: S311 - repeatable demo content, not security
        made += _meetings(lcp, chooser, topics, today)
        made += _updates(lcp, chooser, topics, today)
        made += _assessments(lcp, chooser, elements, levels, today)
    made += _submissions(topics, today)
    db.session.flush()
    return made


def _meetings(lcp: Lcp, chooser: random.Random, topics: dict[str, Topic], today: date) -> int:
    made = 0
    # A generator of its own, so the choices below leave the rest of the demo content as it was.
    attend = random.Random(f"{lcp.slug}-attend")  # noqa: S311 - repeatable demo content, not security
    for weeks in (-9, -3, 4):
        day = today + timedelta(weeks=weeks, days=chooser.randint(0, 4))
        starts = datetime.combine(day, time(13 + chooser.randint(0, 4), 0))
        location = chooser.choice(VENUES)
        online = chooser.random() < 0.3  # drawn after the venue, as before, so the other choices stay the same
        meeting = Meeting(
            lcp=lcp,
            title=f"Example partnership meeting: {lcp.short_name}",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            location=location,
            online=online,
            joining_details=JOINING_ONLINE if online else attend.choice(JOINING_IN_PERSON),
            public_may_attend=attend.choice(PUBLIC_MAY_ATTEND),
            summary="Example meeting for demonstration. Partners and residents meet to review local priorities.",
            outcome="Example outcome: partners agreed two actions and will report back next time." if weeks < 0 else "",
            is_demo=True,
        )
        for position, (title, slugs) in enumerate(chooser.sample(AGENDA, AGENDA_ITEMS_PER_MEETING)):
            decided = weeks == -9 and position == 0
            meeting.agenda_items.append(
                AgendaItem(
                    title=title,
                    position=position,
                    topics=[topics[s] for s in slugs if s in topics],
                    decision=DECISION if decided else "",
                    decided_at=starts + timedelta(days=2) if decided else None,
                )
            )
            made += 1
        db.session.add(meeting)
        made += 1
    return made


def _updates(lcp: Lcp, chooser: random.Random, topics: dict[str, Topic], today: date) -> int:
    for index, (title, body, slugs) in enumerate(chooser.sample(UPDATES, UPDATES_PER_LCP)):
        published = datetime.combine(today - timedelta(days=7 + 19 * index + chooser.randint(0, 6)), time(9, 30))
        db.session.add(
            Update(
                lcp=lcp,
                title=title,
                body=body,
                published_at=published,
                topics=[topics[s] for s in slugs if s in topics],
                is_demo=True,
            )
        )
    return UPDATES_PER_LCP


def _assessments(
    lcp: Lcp, chooser: random.Random, elements: list[MaturityElement], levels: list[MaturityLevel], today: date
) -> int:
    if not levels or not elements:
        return 0
    made = 0
    for months_ago in (14, 2):
        assessment = MaturityAssessment(
            lcp=lcp,
            assessed_on=today - timedelta(days=30 * months_ago),
            note="Example self-assessment for demonstration.",
            is_demo=True,
        )
        assessment.ratings = [MaturityRating(element=element, level=chooser.choice(levels)) for element in elements]
        db.session.add(assessment)
        made += 1 + len(elements)
    return made


def _prepare_quote(submission: Submission, when: datetime) -> None:
    """Prepare the example's words for quoting as staff would (`app.commands.quotes.prepare_quote`): every personal
    detail found removed, so its replies can quote it."""
    keys = [detail.key for detail in safety.personal_details(submission.body)]
    submission.quote_text = safety.redact(submission.body, safety.removal_spans(submission.body, keys, []))
    submission.quote_prepared_at = when
    submission.events.append(
        SubmissionEvent(
            kind=quoting.EVENT_PREPARED,
            body=quoting.removed_description(submission.body, keys, []),
            actor="staff",
            public=False,
            created_at=when,
        )
    )


def _submissions(topics: dict[str, Topic], today: date) -> int:
    """Example submissions with their history and replies; anonymous, so nobody is emailed about them."""
    lcps = {lcp.slug: lcp for lcp in db.session.scalars(select(Lcp))}
    made = 0
    for example in SUBMISSIONS:
        routings = [routing for routing in example.routings if routing.lcp in lcps]
        if not routings:
            continue
        sent = datetime.combine(today - timedelta(days=example.days_ago), time(10, 15))
        submission = Submission(
            receipt_code=new_code(),
            body=example.body,
            speaks_for=example.speaks_for,
            organisation_name=example.organisation_name,
            people_count=example.people_count,
            may_publish_words=example.may_publish_words,
            source=example.source,
            language="en_GB",
            created_at=sent,
            is_demo=True,
            topics=[topics[slug] for slug in example.topics if slug in topics],
        )
        submission.events.append(
            SubmissionEvent(kind="received", status="received", actor="person", public=True, created_at=sent)
        )
        for step, wanted in enumerate(routings, start=1):
            changed = sent + timedelta(days=2 * step)
            routing = Routing(
                lcp=lcps[wanted.lcp],
                status=wanted.status,
                status_reason=wanted.reason,
                created_at=sent,
                updated_at=changed,
            )
            submission.routings.append(routing)
            submission.events.append(
                SubmissionEvent(
                    routing=routing,
                    kind="status",
                    status=wanted.status,
                    body=wanted.reason,
                    actor="staff",
                    public=True,
                    created_at=changed,
                )
            )
        by_lcp = {routing.lcp.slug: routing for routing in submission.routings}
        if example.may_publish_words and any(reply.quote_words for reply in example.replies):
            _prepare_quote(submission, sent + timedelta(days=1))
        for reply in example.replies:
            if reply.lcp not in by_lcp:
                continue
            published = sent + timedelta(days=min(example.days_ago - 1, 10))
            submission.responses.append(
                PublishedResponse(
                    lcp=lcps[reply.lcp],
                    you_said=reply.you_said,
                    we_did=reply.we_did,
                    quote_words=reply.quote_words and example.may_publish_words,
                    quote_text=(submission.quote_text or "") if reply.quote_words and example.may_publish_words else "",
                    published_at=published,
                    is_demo=True,
                )
            )
            submission.events.append(
                SubmissionEvent(
                    routing=by_lcp[reply.lcp],
                    kind="response",
                    body=reply.we_did,
                    actor="staff",
                    public=True,
                    created_at=published,
                )
            )
        db.session.add(submission)
        made += 1 + len(submission.routings) + len(submission.events) + len(submission.responses)
    return made
