"""The small API over spec/: loading, caching, paths, unknown fields, the code table."""

from __future__ import annotations

import copy
import json

import pytest

import spec
from tests.spec.conftest import FIXTURES, load

DOCUMENT = load(FIXTURES / "examples" / "response-success.document.json")


def test_validators_are_compiled_once() -> None:
    assert spec.validator("session", "strict") is spec.validator("session", "strict")
    assert spec.validator("session", "strict") is not spec.validator("session", "lenient")


def test_unknown_schema_names_list_the_known_ones() -> None:
    with pytest.raises(KeyError, match="response-success"):
        spec.load_schema("sessions")


def test_problems_are_sorted_and_carry_json_paths() -> None:
    body = copy.deepcopy(DOCUMENT)
    body["user"]["sessions"][1]["currency"] = "eur"
    body["user"]["sessions"][0]["cost"] = 1
    found = spec.problems(body, "response-success")
    assert [p.path for p in found] == sorted(p.path for p in found)
    assert {p.path for p in found} == {"$.user.sessions[0].cost", "$.user.sessions[1].currency"}
    assert all(p.as_dict().keys() == {"path", "message"} for p in found)
    assert spec.headline(found).startswith("$.user.sessions[0].cost: ")


def test_json_path_quotes_awkward_keys() -> None:
    assert spec.json_path(["user-get-recent-sessions", "user", 0]) == "$.user-get-recent-sessions.user[0]"
    assert spec.json_path(["a b", "it's"]) == "$['a b']['it\\'s']"


def test_unknown_fields_are_found_but_allowed() -> None:
    body = copy.deepcopy(DOCUMENT)
    body["sessions"] = []
    body["user"]["sessions"][1]["co2-saved"] = 1.5
    body["result"]["trace-id"] = "x"
    assert spec.problems(body, "response-success") == []
    assert spec.unknown_fields(body, "response-success") == [
        "$.result.trace-id",
        "$.sessions",
        "$.user.sessions[1].co2-saved",
    ]


def test_an_error_body_with_sessions_is_named_at_the_sessions() -> None:
    body = {"result": {"code": 145, "message": "Authentication failed: User token not valid."}}
    assert spec.problems(body, "response") == []
    body["user"] = {"sessions": []}
    assert [p.path for p in spec.problems(body, "response")] == ["$.user.sessions"]


def test_the_code_table_and_the_schema_agree() -> None:
    enum = spec.load_schema("common")["$defs"]["resultCode"]["enum"]
    assert sorted(spec.result_codes()) == sorted(enum)
    assert {c.code for c in spec.result_codes().values() if c.call_page} == {0, 140, 144, 145}
    for code in spec.result_codes().values():
        assert set(code.status) == set(spec.STATUS_MAPPINGS)


def test_in_progress_and_never_charged_sessions_satisfy_the_invariants() -> None:
    body = copy.deepcopy(DOCUMENT)
    body["user"]["sessions"][0]["session-interval"]["end"] = None
    body["user"]["sessions"][0]["charging-interval"]["end"] = None
    assert spec.check_invariants(body) == []


def test_invariants_compare_instants_across_offsets() -> None:
    body = copy.deepcopy(DOCUMENT)
    # 15:00 UTC is 17:00 +02:00: inside the session, though it reads earlier.
    body["user"]["sessions"][0]["charging-interval"]["end"] = "2014-06-23T15:00:00+00:00"
    assert spec.check_invariants(body) == []


def test_each_invariant_runs_alone_on_any_body() -> None:
    for invariant in spec.INVARIANTS:
        for junk in (None, [], {"user": None}, {"user": {"sessions": [None, 1, {"cost": None}]}}):
            list(invariant(junk))  # never raises on wrong types: the schema reports those
    assert json.dumps([p.as_dict() for p in spec.check_invariants(DOCUMENT)]) == "[]"
