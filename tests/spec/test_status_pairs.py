"""The OpenAPI document says which HTTP status goes with which result code, exactly as D7's rule does."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

import spec
from spec._codes import result_codes
from spec.answer_rules import status_matches_result

DOCUMENT_URI = "urn:oioi-mock:openapi"
CLIENT_STATUSES = (200, 400, 401, 403, 404, 405, 409, 411, 413, 415, 418, 422, 429, 451)
SERVER_STATUSES = (500, 502, 503, 504)


def body(code: int) -> dict[str, Any]:
    if code == 0:
        return {"user": {"sessions": []}, "result": {"code": 0, "message": "Success."}}
    return {"result": {"code": code, "message": "Refused."}, "error": "refused"}


def document_accepts(status: int, code: int) -> bool:
    """The response the document gives ``status`` (its own, else ``4XX``/``5XX``) takes ``code``."""
    document = spec.openapi_document()
    responses = document["paths"]["/api/v4/request"]["post"]["responses"]
    response = responses.get(str(status)) or responses[f"{status // 100}XX"]
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    schema = response["content"]["application/json"]["schema"]
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry = Registry().with_resource(DOCUMENT_URI, resource)
    validator = Draft202012Validator({"$ref": DOCUMENT_URI + schema["$ref"]}, registry=registry)
    return validator.is_valid(body(code))


@pytest.mark.parametrize("status", CLIENT_STATUSES)
def test_the_document_takes_exactly_the_pairs_the_answer_rules_take(status: int) -> None:
    for code in result_codes():
        rules = not list(status_matches_result(status, code))
        assert document_accepts(status, code) == rules, f"HTTP {status} with result {code}"


def test_rate_limiting_carries_a_general_or_request_code() -> None:
    allowed = {code for code in result_codes() if document_accepts(429, code)}
    families = {result_codes()[code].family for code in allowed}
    assert families == {"general", "request"}
    assert 100 in allowed and 220 not in allowed and 0 not in allowed


@pytest.mark.parametrize("status", SERVER_STATUSES)
def test_a_server_error_carries_a_general_code(status: int) -> None:
    # D28: a contract run fails any 5xx; the document still says what its body holds.
    allowed = {code for code in result_codes() if document_accepts(status, code)}
    assert allowed == {code for code, entry in result_codes().items() if entry.family == "general"}
