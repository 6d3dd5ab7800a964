"""The API's reference page at /api/v1/: the OpenAPI document, read at request time, as a page in the site's design.

Every endpoint with its parameters, its answers and an example request with the answer it gets now (made by the same
serialisers from what the site holds), then every shape the answers use. No scripts: it is a page like the others."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import render_template

from app import page_cache
from app.api import api
from app.links import absolute_path
from app.services import open_data
from app.services.open_data import Filters

REF = "#/components/schemas/"


def type_of(schema: dict[str, Any]) -> str:
    """A schema's type in a few words: `string (date) | null`, `array[Meeting]`."""
    if "$ref" in schema:
        return str(schema["$ref"]).removeprefix(REF)
    if "anyOf" in schema:
        return " | ".join(type_of(part) for part in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(json.dumps(value) for value in schema["enum"])
    kind = str(schema.get("type", "any"))
    if kind == "array":
        return f"array[{type_of(schema.get('items', {}))}]"
    return f"{kind} ({schema['format']})" if "format" in schema else kind


@dataclass
class Field:
    name: str
    type: str
    required: bool
    description: str
    default: str = ""


@dataclass
class Operation:
    ident: str
    method: str
    path: str
    summary: str
    description: str
    parameters: list[Field]
    # (status, description, shape name)
    responses: list[tuple[str, str, str]]
    example_url: str = ""
    example: str = ""


@dataclass
class Shape:
    name: str
    description: str
    properties: list[Field] = field(default_factory=list)


def _list(path: str, page: Callable[[Filters, str | None, int], open_data.Page], filters: Filters) -> Any:
    found = page(filters, None, 1)
    following = absolute_path(f"{path}&after={found.next_after}") if found.next_after else None
    return {"data": found.items, "links": {"self": absolute_path(path), "next": following}}


def examples() -> dict[str, tuple[str, Any]]:
    """For each operation: an example request's address and the answer it gets now (None when there is nothing to
    show, as on an empty site)."""
    partnerships = open_data.partnerships_page(Filters(), None, 1).items
    slug = partnerships[0]["id"] if partnerships else ""
    lcp = open_data.find_partnership(slug) if slug else None
    practices = open_data.practices_page(Filters(), None, 1).items
    meetings = open_data.meetings_page(Filters(), None, 1).items
    updates = open_data.updates_page(Filters(), None, 1).items
    responses = open_data.responses_page(Filters(), None, 1).items
    topics = open_data.topics_page(Filters(), None, 1).items
    counts = open_data.monthly_counts()[:3]
    found: dict[str, tuple[str, Any]] = {
        "listPartnerships": ("/api/v1/partnerships?limit=1", None),
        "listPractices": ("/api/v1/practices?limit=1", None),
        "listMeetings": ("/api/v1/meetings?limit=1", None),
        "listUpdates": ("/api/v1/updates?limit=1", None),
        "listResponses": ("/api/v1/responses?limit=1", None),
        "listTopics": ("/api/v1/topics?limit=1", None),
    }
    pages = {
        "listPartnerships": open_data.partnerships_page,
        "listPractices": open_data.practices_page,
        "listMeetings": open_data.meetings_page,
        "listUpdates": open_data.updates_page,
        "listResponses": open_data.responses_page,
        "listTopics": open_data.topics_page,
    }
    for ident, (path, _none) in list(found.items()):
        found[ident] = (path, _list(path, pages[ident], Filters()))
    found["listMonthlyCounts"] = (
        "/api/v1/counts/monthly",
        {"data": counts, "links": {"self": absolute_path("/api/v1/counts/monthly"), "next": None}},
    )
    singles = {
        "getPartnership": ("partnerships", slug, open_data.partnership_detail(lcp) if lcp else None),
        "getPractice": ("practices", practices[0]["id"] if practices else "", practices[0] if practices else None),
        "getMeeting": ("meetings", meetings[0]["id"] if meetings else "", meetings[0] if meetings else None),
        "getUpdate": ("updates", updates[0]["id"] if updates else "", updates[0] if updates else None),
        "getResponse": ("responses", responses[0]["id"] if responses else "", responses[0] if responses else None),
        "getTopic": ("topics", topics[0]["id"] if topics else "", topics[0] if topics else None),
    }
    for ident, (collection, key, value) in singles.items():
        found[ident] = (f"/api/v1/{collection}/{key}", value) if value is not None else ("", None)
    return found


def _fields(schema: dict[str, Any]) -> list[Field]:
    required = set(schema.get("required", []))
    return [
        Field(name, type_of(value), name in required, str(value.get("description", "")))
        for name, value in schema.get("properties", {}).items()
    ]


def operations(document: dict[str, Any]) -> list[Operation]:
    made = examples()
    found = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            parameters = [
                Field(
                    parameter["name"],
                    type_of(parameter["schema"]),
                    bool(parameter.get("required")),
                    str(parameter.get("description") or ""),
                    json.dumps(parameter["schema"]["default"])
                    if parameter["schema"].get("default") is not None
                    else "",
                )
                for parameter in operation.get("parameters", [])
            ]
            responses = []
            for status, answer in operation["responses"].items():
                media: list[dict[str, Any]] = list(answer.get("content", {}).values())
                shape: dict[str, Any] = media[0].get("schema", {}) if media else {}
                responses.append((status, str(answer.get("description", "")), type_of(shape) if shape else ""))
            url, example = made.get(operation["operationId"], ("", None))
            found.append(
                Operation(
                    ident=operation["operationId"],
                    method=method.upper(),
                    path=path,
                    summary=operation["summary"],
                    description=operation.get("description", ""),
                    parameters=parameters,
                    responses=responses,
                    example_url=absolute_path(url) if url else "",
                    example=json.dumps(example, indent=2, ensure_ascii=False) if example is not None else "",
                )
            )
    return found


def shapes(document: dict[str, Any]) -> list[Shape]:
    return [
        Shape(name, str(schema.get("description", "")), _fields(schema))
        for name, schema in sorted(document["components"]["schemas"].items())
        if not name.endswith("Query")
    ]


@api.get("/")
@page_cache.page()
def reference() -> str:
    from app.api.views import openapi_document

    document = openapi_document()
    return render_template(
        "api/reference.html",
        document=document,
        operations=operations(document),
        shapes=shapes(document),
        openapi_url=absolute_path("/api/v1/openapi.json"),
        server=document["servers"][0]["url"],
    )
