"""Every bad-input case of bad_input.yaml: status, result code, a problem at the expected JSON path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml
from flask.testing import FlaskClient

import spec

CASES = yaml.safe_load((Path(__file__).parent / "bad_input.yaml").read_text("utf-8"))


def _body(case: dict[str, Any]) -> bytes | None:
    if "body" in case:
        return orjson.dumps(case["body"])
    if "text" in case:
        return case["text"].encode("utf-8")
    if "hex" in case:
        return bytes.fromhex(case["hex"])
    if "identifier_length" in case:
        user = {"identifier-type": "rfid", "identifier": "A" * case["identifier_length"]}
        return orjson.dumps({spec.CALL: {"user": user}})
    if "text_repeat" in case:
        return (case["text_repeat"]["text"] * case["text_repeat"]["times"]).encode("utf-8")
    return None


def _headers(case: dict[str, Any]) -> dict[str, str]:
    headers = {"Authorization": "key=demo-key", "Content-Type": "application/json", **case.get("headers", {})}
    return {name: value for name, value in headers.items() if value is not None}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_bad_input(client: FlaskClient, case: dict[str, Any]) -> None:
    response = client.open(
        case.get("path", "/api/v4/request"),
        method=case.get("method", "POST"),
        data=_body(case),
        headers=_headers(case),
    )
    expect = case["expect"]
    assert response.status_code == expect["status"], response.data
    assert response.mimetype == "application/json"
    body = orjson.loads(response.data)
    assert body["result"]["code"] == expect["code"]
    assert spec.problems(body, "response-error", "strict") == []
    assert isinstance(body["error"], str) and body["error"]
    paths = [problem["path"] for problem in body["problems"]]
    assert expect["path"] in paths, paths
    assert "sessions" not in body and "sessions" not in body.get("user", {})
    if "error_contains" in expect:
        assert expect["error_contains"] in body["error"]


def test_every_case_has_a_unique_name() -> None:
    names = [case["name"] for case in CASES]
    assert len(names) == len(set(names))


def test_schema_problems_are_all_reported(client: FlaskClient) -> None:
    user = {"identifier-type": "iban", "identifier": 7, "token": ""}
    response = client.post("/api/v4/request", json={spec.CALL: {"user": user}}, headers=_headers({}))
    paths = {p["path"] for p in response.get_json()["problems"]}
    base = f"$.{spec.CALL}.user"
    assert {f"{base}.identifier-type", f"{base}.identifier", f"{base}.token"} <= paths


def test_405_names_the_allowed_method(client: FlaskClient) -> None:
    response = client.get("/api/v4/request")
    assert response.headers["Allow"] == "POST"
    head = client.head("/api/v4/request")
    assert (head.status_code, head.headers["Allow"], head.data) == (405, "POST", b"")
    assert int(head.headers["Content-Length"]) == len(response.data) + 2  # "HEAD" for "GET", twice


def test_413_limit_is_configurable() -> None:
    from mockserver import create_app

    app = create_app({"MOCK_LOG_FORMAT": "off", "MOCK_MAX_BODY_BYTES": 100})
    body = {spec.CALL: {"user": {"identifier-type": "rfid", "identifier": "A" * 120}}}
    response = app.test_client().post("/api/v4/request", json=body, headers=_headers({}))
    assert response.status_code == 413
    small = {spec.CALL: {"user": {"identifier-type": "rfid", "identifier": "DEAD0140"}}}
    assert app.test_client().post("/api/v4/request", json=small, headers=_headers({})).status_code == 200
