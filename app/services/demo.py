"""Fictional demo content so a new installation looks alive: meetings with agenda items, updates, maturity ratings.

Every row made here has `is_demo` set, and a run first deletes the demo rows it made before, so it
can be run again and never touches the reference data. Dates are relative to today, so there are
always upcoming and past meetings.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, select

from app.extensions import db
from app.formatting import utcnow
from app.models import (
    AgendaItem,
    Lcp,
    MaturityAssessment,
    MaturityElement,
    MaturityLevel,
    MaturityRating,
    Meeting,
    Topic,
    Update,
)

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


def clear_demo() -> None:
    demo_meetings = select(Meeting.id).where(Meeting.is_demo)
    db.session.execute(delete(AgendaItem).where(AgendaItem.meeting_id.in_(demo_meetings)))
    db.session.execute(delete(Meeting).where(Meeting.is_demo))
    db.session.execute(delete(Update).where(Update.is_demo))
    demo_assessments = select(MaturityAssessment.id).where(MaturityAssessment.is_demo)
    db.session.execute(delete(MaturityRating).where(MaturityRating.assessment_id.in_(demo_assessments)))
    db.session.execute(delete(MaturityAssessment).where(MaturityAssessment.is_demo))


def load_demo(today: date | None = None) -> int:
    """Replaces the demo content; returns the number of demo rows made."""
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
    db.session.commit()
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
            meeting.agenda_items.append(
                AgendaItem(title=title, position=position, topics=[topics[s] for s in slugs if s in topics])
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
