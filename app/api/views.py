"""The API's endpoints: each validates its query (spectree, against `schemas`), asks app/services/open_data.py, and
answers JSON that spectree checks against the documented shape. Lists are `{"data": [...], "links": {"self",
"next"}}`, a page at a time; a bad parameter is a 400 problem, an unknown id a 404 one."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, abort, request
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError
from spectree import Response as Documented

from app import page_cache
from app.api import api, problems, schemas, spec
from app.links import absolute_url_for, site_url
from app.services import open_data
from app.services.open_data import FilterError, Filters

# Kept by browsers and shared caches for a minute; after that they ask again, and a 304 costs next to nothing.
CACHE_CONTROL = "public, max-age=60"
PAGED = ("partnership", "topic", "from", "to", "limit", "after")

T = TypeVar("T")


def messages() -> dict[str, str]:
    """What to send instead, for each parameter."""
    day = _("Enter a day written YYYY-MM-DD, such as 2026-03-05.")
    return {
        "limit": _("Enter a whole number from 1 to 100."),
        "after": _("Use the cursor from a list’s next link, as it is."),
        "from": day,
        "to": day,
        "partnership": _("Enter a partnership’s id: lower-case letters and numbers joined by hyphens."),
        "topic": _("Enter a topic’s id: lower-case letters and numbers joined by hyphens."),
    }


def _plain(error: dict[str, Any]) -> dict[str, str]:
    """One pydantic error as a parameter and a sentence saying what to send instead."""
    name = str(error["loc"][0]) if error.get("loc") else ""
    if error.get("type") == "extra_forbidden":
        return {"parameter": name, "message": _("This endpoint has no parameter of this name.")}
    if isinstance(error.get("input"), list):
        return {"parameter": name, "message": _("Give this parameter once.")}
    return {"parameter": name, "message": messages().get(name) or str(error.get("msg", ""))}


def refuse_bad_query(req: Any, resp: Any, error: Exception | None, instance: Any, adapter: Any) -> None:
    """spectree's hook before a view: a query that does not validate is a 400 problem, naming each parameter."""
    if isinstance(error, ValidationError):
        errors = [_plain(dict(item)) for item in error.errors()]
        unique = list({(item["parameter"], item["message"]): item for item in errors}.values())
        abort(problems.problem(400, errors=unique))


def answer_as_documented(req: Any, resp: Any, error: Exception | None, instance: Any, adapter: Any) -> None:
    """spectree's hook after a view: an answer that does not match its documented shape is our fault, said as a 500
    problem (spectree would otherwise send its own JSON)."""
    if error is not None:
        abort(problems.problem(500))


spec.before = refuse_bad_query
spec.after = answer_as_documented


def _documented(model: type[BaseModel], *missing: int) -> Documented:
    codes = {f"HTTP_{code}": schemas.Problem for code in (*missing, 429)}
    return Documented(HTTP_200=model, **codes)


def _query(name: str = "query") -> Any:
    return getattr(request.context, name)  # type: ignore[attr-defined]  # spectree's validated query


def _list_links(cursor: str | None, **path: Any) -> dict[str, str | None]:
    endpoint = request.endpoint or ""
    args = {key: value for key, value in request.args.items() if key != "after"}
    current = request.args.get("after")
    here = absolute_url_for(endpoint, lang=None, **path, **args, **({"after": current} if current else {}))
    following = absolute_url_for(endpoint, lang=None, **path, **args, after=cursor) if cursor else None
    return {"self": here, "next": following}


def _json(body: dict[str, Any], next_link: str | None = None) -> tuple[dict[str, Any], int, dict[str, str]]:
    headers = {"Cache-Control": CACHE_CONTROL}
    if next_link:
        headers["Link"] = f'<{next_link}>; rel="next"'
    return body, 200, headers


def _filters(query: Any) -> Filters:
    return Filters(
        partnership=getattr(query, "partnership", None),
        topic=getattr(query, "topic", None),
        date_from=getattr(query, "date_from", None),
        date_to=getattr(query, "date_to", None),
    )


def _paged(page_function: Callable[..., open_data.Page]) -> tuple[dict[str, Any], int, dict[str, str]]:
    query = _query()
    try:
        found = page_function(_filters(query), query.after, query.limit)
    except FilterError as refused:
        errors = [{"parameter": name, "message": text} for name, text in refused.problems.items()]
        abort(problems.problem(400, errors=errors))
    links = _list_links(found.next_after)
    return _json({"data": found.items, "links": links}, links["next"])


def _found(item: T | None) -> T:
    if item is None:
        abort(problems.problem(404))
    return item


# Lists ---------------------------------------------------------------------------------------------------------


@api.get("/partnerships")
@page_cache.page(*PAGED)
@spec.validate(
    query=schemas.PartnershipsQuery, resp=_documented(schemas.PartnershipList, 400), operation_id="listPartnerships"
)
def partnerships() -> Any:
    """Local Care Partnerships

    Every partnership in Leeds, by name; with `topic`, those with a priority on that topic."""
    return _paged(open_data.partnerships_page)


@api.get("/practices")
@page_cache.page(*PAGED)
@spec.validate(query=schemas.PracticesQuery, resp=_documented(schemas.PracticeList, 400), operation_id="listPractices")
def practices() -> Any:
    """GP practices

    Every Leeds GP practice in the NHS list, open and closed, by name, with its partnership where that is confirmed;
    with `partnership`, only that partnership's."""
    return _paged(open_data.practices_page)


@api.get("/meetings")
@page_cache.page(*PAGED)
@spec.validate(query=schemas.DatedQuery, resp=_documented(schemas.MeetingList, 400), operation_id="listMeetings")
def meetings() -> Any:
    """Meetings

    Published meetings in order of their start, with agenda items, papers and decisions. `from` and `to` are the
    days (in Leeds) they start on; with `topic`, meetings with an agenda item on it."""
    return _paged(open_data.meetings_page)


@api.get("/updates")
@page_cache.page(*PAGED)
@spec.validate(query=schemas.DatedQuery, resp=_documented(schemas.UpdateList, 400), operation_id="listUpdates")
def updates() -> Any:
    """Updates

    Published news from the partnerships, newest first. `from` and `to` are the days (in Leeds) they were
    published on."""
    return _paged(open_data.updates_page)


@api.get("/responses")
@page_cache.page(*PAGED)
@spec.validate(query=schemas.DatedQuery, resp=_documented(schemas.ResponseList, 400), operation_id="listResponses")
def responses() -> Any:
    """You said, we did

    Published replies to what people shared, newest first. A person's own words appear only as prepared for quoting,
    with their agreement; with `topic`, replies to items on it."""
    return _paged(open_data.responses_page)


@api.get("/topics")
@page_cache.page(*PAGED)
@spec.validate(query=schemas.TopicsQuery, resp=_documented(schemas.TopicList, 400), operation_id="listTopics")
def topics() -> Any:
    """Topics

    The topics that priorities, agenda items, updates and what people share are tagged with."""
    return _paged(open_data.topics_page)


@api.get("/counts/monthly")
@page_cache.page("partnership", "topic", "from", "to")
@spec.validate(
    query=schemas.CountsQuery, resp=_documented(schemas.MonthlyCountList, 400), operation_id="listMonthlyCounts"
)
def monthly_counts() -> Any:
    """What residents shared, per month

    Per month (in Leeds), per partnership and per topic: how many items people shared reached that partnership. An
    item on two topics counts under each. Any count under 10 is null ("fewer than 10"); example content never
    counts."""
    query = _query()
    try:
        rows = open_data.monthly_counts(query.partnership, query.topic, query.date_from, query.date_to)
    except FilterError as refused:
        errors = [{"parameter": name, "message": text} for name, text in refused.problems.items()]
        abort(problems.problem(400, errors=errors))
    return _json({"data": rows, "links": _list_links(None)})


# One item ------------------------------------------------------------------------------------------------------


@api.get("/partnerships/<string:slug>")
@page_cache.page()
@spec.validate(resp=_documented(schemas.PartnershipDetail, 404), operation_id="getPartnership")
def partnership(slug: str) -> Any:
    """One partnership

    Its areas, confirmed GP practices, partners, priorities, next meeting and public scorecard (the last 90 days;
    counts under 10 are null)."""
    return _json(open_data.partnership_detail(_found(open_data.find_partnership(slug))))


@api.get("/practices/<string:ident>")
@page_cache.page()
@spec.validate(resp=_documented(schemas.Practice, 404), operation_id="getPractice")
def practice(ident: str) -> Any:
    """One GP practice

    By its ODS code, or `name:` and its name for the few the NHS list has no code for."""
    return _json(open_data.practice(_found(open_data.find_practice(ident))))


@api.get("/meetings/<int:meeting_id>")
@page_cache.page()
@spec.validate(resp=_documented(schemas.Meeting, 404), operation_id="getMeeting")
def meeting(meeting_id: int) -> Any:
    """One meeting

    With its agenda items, papers and decisions."""
    return _json(open_data.meeting(_found(open_data.find_meeting(meeting_id))))


@api.get("/updates/<int:update_id>")
@page_cache.page()
@spec.validate(resp=_documented(schemas.Update, 404), operation_id="getUpdate")
def update(update_id: int) -> Any:
    """One update"""
    return _json(open_data.update(_found(open_data.find_update(update_id))))


@api.get("/responses/<int:response_id>")
@page_cache.page()
@spec.validate(resp=_documented(schemas.Response, 404), operation_id="getResponse")
def response(response_id: int) -> Any:
    """One reply (you said, we did)"""
    return _json(open_data.response(_found(open_data.find_response(response_id))))


@api.get("/topics/<string:slug>")
@page_cache.page()
@spec.validate(resp=_documented(schemas.Topic, 404), operation_id="getTopic")
def topic(slug: str) -> Any:
    """One topic"""
    return _json(open_data.topic(_found(open_data.find_topic(slug))))


# The document --------------------------------------------------------------------------------------------------

DESCRIPTION = (
    "What the Leeds Local Care Partnerships website publishes, read-only and open to anyone: partnerships, GP "
    'practices, meetings, updates, "you said, we did" replies, topics and monthly counts of what residents shared. '
    "No key is needed. Lists come a page at a time: follow `links.next` until it is null. Any count under 10 is null, "
    "meaning fewer than 10. Example content and drafts are never included. Errors are RFC 9457 problem details."
)


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document spectree generates, with the site's address as the server and problem details
    described as `application/problem+json`, as they are served."""
    document = copy.deepcopy(spec.spec)
    document["info"]["description"] = DESCRIPTION
    document["servers"] = [{"url": site_url()}]
    for operations in document["paths"].values():
        for operation in operations.values():
            for code, answer in operation["responses"].items():
                content = answer.get("content", {})
                if code != "200" and "application/json" in content:
                    answer["content"] = {problems.MEDIA_TYPE: content["application/json"]}
    return document


@api.get("/openapi.json")
@page_cache.page()
def openapi_json() -> Response:
    import json

    response = Response(json.dumps(openapi_document(), ensure_ascii=False), mimetype="application/json")
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response
