"""The API's shapes as pydantic models: what spectree checks each request and response against, and what the OpenAPI
document and the reference page at /api/v1/ describe. Each model matches a serialiser in app/services/open_data.py."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from app.services.open_data import DEFAULT_LIMIT, MAX_LIMIT

ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_day(value: object) -> object:
    """Only `YYYY-MM-DD`: pydantic alone would also read a number as a Unix time."""
    if isinstance(value, str) and not ISO_DAY.fullmatch(value):
        raise ValueError("not a day written YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_iso_day)]
Slug = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]


def _no_null_defaults(schema: dict[str, Any]) -> None:
    """A parameter left out is simply absent: it is never null (a query string cannot say null), so its schema is the
    value's own, without a default of null, which OpenAPI would check as a value."""
    for name, value in schema.get("properties", {}).items():
        if "default" in value and value["default"] is None:
            del value["default"]
        kinds = value.get("anyOf", [])
        if len(kinds) == 2 and {"type": "null"} in kinds:
            own = next(kind for kind in kinds if kind != {"type": "null"})
            schema["properties"][name] = {**{k: v for k, v in value.items() if k != "anyOf"}, **own}


class Strict(BaseModel):
    """A query that names a parameter the endpoint does not have is refused, so a misspelt filter is not ignored."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, json_schema_extra=_no_null_defaults)


class Paging(Strict):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="How many items a page holds, 1 to 100.")
    after: str | None = Field(
        default=None,
        min_length=1,
        max_length=400,
        description="Where the page starts: the cursor from the `next` link.",
    )


class TopicsQuery(Paging):
    pass


class PartnershipsQuery(Paging):
    topic: Slug | None = Field(default=None, description="Only partnerships with a priority on this topic (its id).")


class PracticesQuery(Paging):
    partnership: Slug | None = Field(
        default=None, description="Only the practices confirmed as this partnership's (its id)."
    )


class DatedQuery(Paging):
    partnership: Slug | None = Field(default=None, description="Only this partnership's (its id).")
    topic: Slug | None = Field(default=None, description="Only those on this topic (its id).")
    date_from: Day | None = Field(
        default=None, alias="from", description="From this day in Leeds (YYYY-MM-DD), included."
    )
    date_to: Day | None = Field(default=None, alias="to", description="To this day in Leeds (YYYY-MM-DD), included.")


class CountsQuery(Strict):
    partnership: Slug | None = Field(default=None, description="Only this partnership's items (its id).")
    topic: Slug | None = Field(default=None, description="Only items on this topic (its id).")
    date_from: Day | None = Field(
        default=None, alias="from", description="From this day in Leeds (YYYY-MM-DD), included."
    )
    date_to: Day | None = Field(default=None, alias="to", description="To this day in Leeds (YYYY-MM-DD), included.")


# Responses -----------------------------------------------------------------------------------------------------


class Links(BaseModel):
    self: str = Field(description="This item in the API.")
    html: str = Field(description="This item's page on the website.")


class ListLinks(BaseModel):
    self: str = Field(description="This page of the list.")
    next: str | None = Field(description="The next page, or null on the last.")


class Topic(BaseModel):
    id: str = Field(description="The topic's id (its slug).")
    label: str
    summary: str
    links: Links


class Partnership(BaseModel):
    id: str = Field(description="The partnership's id (its slug).")
    name: str
    short_name: str = Field(description="The name used inside a sentence, such as HATCH.")
    confidence: Literal["high", "medium", "low"] = Field(description="How well public sources establish it.")
    links: Links


class Partner(BaseModel):
    name: str
    kind: str


class Priority(BaseModel):
    title: str
    summary: str
    topics: list[str] = Field(description="Topic ids.")


class MeetingSummary(BaseModel):
    id: int
    partnership: str = Field(description="The partnership's id.")
    title: str
    starts_at: datetime = Field(description="ISO 8601 with the offset Leeds had then.")
    ends_at: datetime
    public_may_attend: bool | None = Field(description="Null when the partnership has not said.")
    partners_only: bool = Field(description="True when the partnership said the public cannot attend.")
    links: Links


class Scorecard(BaseModel):
    days: int = Field(description="The period: the last this many days.")
    suppressed: bool = Field(description="True when fewer than 10 items arrived: the figures are then null.")
    items: int | None = Field(description="Items that arrived; null when fewer than 10.")
    answered: int | None = Field(description="Items answered; null when fewer than 10.")
    waiting: int | None = Field(description="Items not yet answered; null when fewer than 10.")
    median_days: float | None = Field(description="Median days to a first answer; null when fewer than 10 answered.")
    with_outcome: int | None = Field(description="Items with a published reply; null when fewer than 10.")
    outcome_percent: int | None
    target_days: int = Field(description="The partnership's first-response target, in working days.")
    within_target: int | None = Field(description="Answered within the target; null when fewer than 10.")
    within_target_percent: int | None
    waiting_past_target: int | None = Field(description="Still waiting and past the target; null when fewer than 10.")


class PartnershipDetail(Partnership):
    summary: str
    areas: list[str]
    practices: list[str] = Field(description="ODS codes of its confirmed GP practices (a name for one without).")
    partners: list[Partner]
    priorities: list[Priority]
    next_meeting: MeetingSummary | None
    scorecard: Scorecard


class Practice(BaseModel):
    id: str = Field(description="The ODS code, or `name:` and the name in lower-case words joined by hyphens.")
    ods_code: str | None
    name: str
    postcode: str
    status: Literal["open", "closed"]
    closed_on: date | None
    partnership: str | None = Field(description="The confirmed partnership's id, or null while not confirmed.")
    confirmed_by: Literal["published", "programme", "staff"] | None
    links: Links


class Paper(BaseModel):
    title: str
    url: str


class AgendaItem(BaseModel):
    id: int
    title: str
    description: str
    topics: list[str]
    papers: list[Paper]
    decision: str | None
    decided_at: datetime | None


class Meeting(MeetingSummary):
    location: str
    online: bool
    joining_details: str
    summary: str
    outcome: str | None
    agenda_items: list[AgendaItem]


class Update(BaseModel):
    id: int
    partnership: str
    title: str
    body: str = Field(description="As written, in Markdown.")
    body_html: str = Field(description="As HTML, sanitised to a short list of tags.")
    published_at: datetime
    topics: list[str]
    links: Links


class Response(BaseModel):
    id: int
    partnership: str
    you_said: str
    we_did: str
    quote: str | None = Field(
        description="The person's words as prepared for quoting (others' details removed), only while they agree."
    )
    published_at: datetime
    topics: list[str]
    links: Links


class MonthlyCount(BaseModel):
    month: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}$", description="A month in Leeds, YYYY-MM.")
    partnership: str | None
    topic: str | None = Field(description="A topic id, or null for items with no topic.")
    count: int | None = Field(description="Items that reached the partnership; null when fewer than 10.")


class PartnershipList(BaseModel):
    data: list[Partnership]
    links: ListLinks


class PracticeList(BaseModel):
    data: list[Practice]
    links: ListLinks


class MeetingList(BaseModel):
    data: list[Meeting]
    links: ListLinks


class UpdateList(BaseModel):
    data: list[Update]
    links: ListLinks


class ResponseList(BaseModel):
    data: list[Response]
    links: ListLinks


class TopicList(BaseModel):
    data: list[Topic]
    links: ListLinks


class MonthlyCountList(BaseModel):
    data: list[MonthlyCount]
    links: ListLinks


class ParameterError(BaseModel):
    parameter: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[ParameterError] = Field(default_factory=list, description="Each bad parameter, in plain words.")
