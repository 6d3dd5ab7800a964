"""The API keeps to its own OpenAPI document: the document is valid OpenAPI 3.1 (openapi-spec-validator), and
schemathesis, reading it from the app (WSGI, in process), calls every operation with values the document allows and
with values it does not, checking every answer: never a server error, a status and content type the document lists,
a body matching the documented schema (problem details included), and a bad parameter refused with a 400.

Examples per operation follow `FUZZ_EXAMPLES` as the other property tests do (tests/fuzz.py): 50 in `make test`, 500
in `make fuzz`, derandomised, so each run sees the same examples.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.api import schemas
from tests.fuzz import EXAMPLES

API = "/api/v1"


def test_the_document_is_valid_openapi_3_1(client) -> None:
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    validate(document)  # raises on anything OpenAPI 3.1 does not allow
    assert document["servers"] == [{"url": "http://localhost"}]
    paths = set(document["paths"])
    assert {
        f"{API}/partnerships",
        f"{API}/partnerships/{{slug}}",
        f"{API}/practices",
        f"{API}/practices/{{ident}}",
        f"{API}/meetings",
        f"{API}/meetings/{{meeting_id}}",
        f"{API}/updates",
        f"{API}/updates/{{update_id}}",
        f"{API}/responses",
        f"{API}/topics",
        f"{API}/counts/monthly",
    } <= paths
    for operations in document["paths"].values():
        for operation in operations.values():
            for status, answer in operation["responses"].items():
                if status != "200":
                    assert list(answer["content"]) == ["application/problem+json"]


def test_the_document_names_no_ui_of_its_own(client) -> None:
    """spectree's own pages (Swagger UI and the like load scripts from other hosts) are never registered."""
    for path in ("/apidoc/swagger", "/apidoc/redoc", "/apidoc/scalar", "/apidoc/openapi.json"):
        assert client.get(path).status_code == 404


OPERATIONS = [
    "GET /api/v1/partnerships",
    "GET /api/v1/partnerships/{slug}",
    "GET /api/v1/practices",
    "GET /api/v1/practices/{ident}",
    "GET /api/v1/meetings",
    "GET /api/v1/meetings/{meeting_id}",
    "GET /api/v1/updates",
    "GET /api/v1/updates/{update_id}",
    "GET /api/v1/responses",
    "GET /api/v1/responses/{response_id}",
    "GET /api/v1/topics",
    "GET /api/v1/topics/{slug}",
    "GET /api/v1/counts/monthly",
]
MODES = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
# The model each list endpoint reads its query with (app/api/views.py).
QUERY_MODELS = {
    "GET /api/v1/partnerships": schemas.PartnershipsQuery,
    "GET /api/v1/practices": schemas.PracticesQuery,
    "GET /api/v1/meetings": schemas.DatedQuery,
    "GET /api/v1/updates": schemas.DatedQuery,
    "GET /api/v1/responses": schemas.DatedQuery,
    "GET /api/v1/topics": schemas.TopicsQuery,
    "GET /api/v1/counts/monthly": schemas.CountsQuery,
}
CONTRACT = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def test_every_operation_is_tested(app: Flask) -> None:
    schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", app)
    labels = sorted(result.ok().label for result in schema.get_all_operations())
    assert labels == sorted(OPERATIONS)


# Values the document cannot forbid have no negative examples: an id in a path is any text or any number.
CASES = [(label, mode) for label in OPERATIONS for mode in MODES if "{" not in label or mode is MODES[0]]


@pytest.mark.parametrize(("label", "mode"), CASES, ids=[f"{label} {mode.value}" for label, mode in CASES])
def test_every_operation_keeps_to_the_document(app: Flask, label: str, mode: schemathesis.GenerationMode) -> None:
    """Values the document allows (positive) and values it does not (negative): each answer is checked by every
        schemathesis check (no server error, documented status, content type, headers and schema; negative data
        refused). Values the document allows but that name nothing (an unknown partnership, a cursor this API did not
    write) are refused with a 400 too, so schemathesis's "positive data accepted" check is left out."""
    schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", app)
    operation = schema.find_operation_by_label(label)
    assert operation is not None

    @CONTRACT
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: schemathesis.Case) -> None:
        # The WSGI transport does not decode Brotli, which the site sends to anyone who accepts it.
        response = case.call_and_validate(
            headers={"Accept-Encoding": "identity"}, excluded_checks=[positive_data_acceptance]
        )
        assert response.status_code < 500
        if response.status_code >= 400:
            headers = {name.lower(): values for name, values in response.headers.items()}
            assert headers["content-type"][0].startswith("application/problem+json")
        if mode is schemathesis.GenerationMode.NEGATIVE and "{" not in label and response.status_code != 400:
            # A query the document does not allow is refused with 400 problem details naming what was wrong. But a
            # negative case can reach the API as a valid one (a parameter named "" with no values is not sent at
            # all): then the query as sent must be one the document allows, and the answer a 200.
            sent = dict(parse_qsl(urlsplit(response.request.url).query, keep_blank_values=True))
            QUERY_MODELS[label].model_validate(sent)
            assert response.status_code == 200, (case.query, response.text)

    check()
