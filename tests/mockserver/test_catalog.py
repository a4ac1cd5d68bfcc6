"""The scenario catalogue and its effects through the Flask test client (real sockets: test_e2e.py)."""

from __future__ import annotations

import time
from typing import Any

import orjson
import pytest

import spec
from mockserver import create_app
from mockserver.errors import BadScenarioParameter, UnknownScenario
from mockserver.scenarios import catalog
from spec.answer_rules import status_matches_result
from tests.spec.test_status_pairs import document_accepts

from .conftest import DEMO, KEY, NOW, Api
from .test_generation import VARIANT_CHECKS


def test_parse_defaults_and_parameters() -> None:
    assert catalog.parse("latency-fixed").params == {"ms": 500.0}
    choice = catalog.parse(" latency-uniform ;min=5; max = 9 ;")
    assert (choice.name, dict(choice.params)) == ("latency-uniform", {"min": 5.0, "max": 9.0})


# text, the exception, words of its message (a bad parameter of a known scenario is not "unknown")
PARSE_ERRORS = [
    ("explode", UnknownScenario, "scenarios: ok, result-0"),
    ("", UnknownScenario, "unknown scenario ''"),
    ("latency-fixed; seconds=3", BadScenarioParameter, "has no parameter 'seconds'; its parameters: ms"),
    ("reset; ms=3", BadScenarioParameter, "its parameters: none"),
    ("latency-fixed; ms", BadScenarioParameter, "parameter ms has no value (write ms=<number>)"),
    ("latency-fixed; ms=", BadScenarioParameter, "parameter ms has no value"),
    ("latency-fixed; ms=1; ms=900", BadScenarioParameter, "parameter ms is given twice"),
    ("latency-fixed; ms = 1;ms=1", BadScenarioParameter, "parameter ms is given twice"),
    ("latency-uniform; min=900; max=100", BadScenarioParameter, "min=900 is greater than max=100"),
    ("latency-uniform; min=2000", BadScenarioParameter, "min=2000 is greater than max=1000"),
    ("latency-fixed; ms=fast", BadScenarioParameter, "must be a number, not 'fast'"),
    ("latency-fixed; ms=\u0661", BadScenarioParameter, "must be a number"),
    ("latency-fixed; ms=1_0", BadScenarioParameter, "must be a number"),
    ("latency-fixed; ms=nan", BadScenarioParameter, "must be a number"),
    ("latency-fixed; ms=-5", BadScenarioParameter, "outside 0..60000"),
    ("latency-fixed; ms=1e9", BadScenarioParameter, "outside"),
    ("truncated; fraction=1", BadScenarioParameter, "outside"),
]


@pytest.mark.parametrize(("text", "kind", "words"), PARSE_ERRORS, ids=[p[0] for p in PARSE_ERRORS])
def test_parse_errors_say_what_is_wrong(text: str, kind: type[UnknownScenario], words: str) -> None:
    with pytest.raises(UnknownScenario) as caught:
        catalog.parse(text)
    assert type(caught.value) is kind
    assert words in caught.value.message


def test_parameters_within_bounds_and_in_order_are_accepted() -> None:
    assert dict(catalog.parse("latency-uniform; min=100; max=100").params) == {"min": 100.0, "max": 100.0}
    assert dict(catalog.parse("latency-fixed; ms=.5").params) == {"ms": 0.5}
    assert dict(catalog.parse("latency-fixed; ms=2e3").params) == {"ms": 2000.0}


def test_the_catalogue_has_every_documented_scenario() -> None:
    names = set(catalog.names())
    assert {f"result-{c}" for c in (0, 140, 144, 145, 100, 101, 102, 210, 230)} <= names
    assert {"http-500", "http-502", "http-503", "http-504", "http-429"} <= names
    assert {"latency-fixed", "latency-uniform", "latency-lognormal"} <= names
    assert {
        "reset",
        "empty-response",
        "malformed-json",
        "truncated",
        "slow-dribble",
        "wrong-content-type",
    } <= names
    data = {"no-sessions", "many-sessions", "all-optional-null", "all-optional-omitted", "in-progress"}
    assert data | {"zero-cost", "non-ascii-address", "never-charged"} <= names
    assert all(s.description for s in catalog.catalog().values())


def _scenario(api: Api, text: str, user: dict[str, Any] | None = None) -> Any:
    return api(user, {"X-Mock-Scenario": text})


@pytest.mark.parametrize("code", list(spec.result_codes()))
@pytest.mark.parametrize("mapping", spec.STATUS_MAPPINGS)
def test_result_scenarios(code: int, mapping: str) -> None:
    app = create_app({"MOCK_LOG_FORMAT": "off", "MOCK_NOW": NOW, "MOCK_STATUS_MAPPING": mapping})
    unknown = {
        "identifier-type": "rfid",
        "identifier": "0000FFFF",
    }  # result-0 succeeds even for unknown users
    body = {spec.CALL: {"user": unknown}}
    response = app.test_client().post(
        "/api/v4/request", json=body, headers={**KEY, "X-Mock-Scenario": f"result-{code}"}
    )
    assert response.status_code == spec.result_codes()[code].status[mapping]
    parsed = orjson.loads(response.data)
    assert parsed["result"]["code"] == code
    assert spec.problems(parsed, "response", "strict") == []


@pytest.mark.parametrize(("status", "code"), [(500, 100), (502, 100), (503, 100), (504, 102), (429, 100)])
def test_http_scenarios(api: Api, status: int, code: int) -> None:
    response = _scenario(api, f"http-{status}")
    assert response.status_code == status
    assert orjson.loads(response.data)["result"]["code"] == code
    assert ("Retry-After" in response.headers) == (status in (503, 429))


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_http_scenarios_send_a_pair_the_contract_and_the_document_allow(api: Api, status: int) -> None:
    code = orjson.loads(_scenario(api, f"http-{status}").data)["result"]["code"]
    assert list(status_matches_result(status, code)) == []  # D7
    assert document_accepts(status, code)


def test_retry_after_parameter(api: Api) -> None:
    assert _scenario(api, "http-429; retry-after=7").headers["Retry-After"] == "7"


@pytest.mark.parametrize(
    ("text", "least_ms"),
    [
        ("latency-fixed; ms=40", 40),
        ("latency-uniform; min=30; max=30", 30),
        ("latency-lognormal; median=25; sigma=0", 25),
    ],
)
def test_latency_delays_at_least(api: Api, text: str, least_ms: float) -> None:
    started = time.perf_counter()
    response = _scenario(api, text)
    assert (time.perf_counter() - started) * 1000 >= least_ms
    assert orjson.loads(response.data)["result"]["code"] == 0


def test_lognormal_is_capped_and_seeded() -> None:
    def delays(seed: int) -> list[float]:
        from mockserver.scenarios.effects import Delays

        source = Delays(seed)
        return [source.lognormal(100, 0.5) for _ in range(5)]

    assert delays(1) == delays(1) != delays(2)


@pytest.mark.parametrize(
    ("name", "variant"),
    [("no-sessions", "none"), ("many-sessions", "many"), ("all-optional-null", "null"),
     ("all-optional-omitted", "omitted"), ("in-progress", "in-progress"), ("never-charged", "never-charged"),
     ("zero-cost", "zero-cost"), ("non-ascii-address", "non-ascii")],
)  # fmt: skip
def test_data_scenarios(api: Api, name: str, variant: str) -> None:
    body = orjson.loads(_scenario(api, name).data)
    assert spec.problems(body, "response-success", "strict") == [] and spec.check_invariants(body) == []
    assert VARIANT_CHECKS[variant](body["user"]["sessions"])


def test_many_sessions_count(api: Api) -> None:
    assert len(orjson.loads(_scenario(api, "many-sessions; count=7").data)["user"]["sessions"]) == 7


def test_malformed_json(api: Api) -> None:
    response = _scenario(api, "malformed-json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(response.data)


def test_wrong_content_type(api: Api) -> None:
    response = _scenario(api, "wrong-content-type")
    assert response.mimetype == "text/html"
    assert response.data.startswith(b"<!DOCTYPE html>")


def test_truncated_announces_more_than_it_sends(api: Api) -> None:
    full = api().data
    response = _scenario(api, "truncated; fraction=0.25")
    assert int(response.headers["Content-Length"]) == len(full)
    assert response.data == full[: len(full) // 4]


def test_slow_dribble_sends_the_whole_body(api: Api) -> None:
    started = time.perf_counter()
    response = _scenario(api, "slow-dribble; chunks=4; ms=20")
    assert response.data == api().data
    assert time.perf_counter() - started >= 0.06


@pytest.mark.parametrize("name", ["reset", "empty-response"])
def test_connection_faults_need_a_socket(api: Api, name: str) -> None:
    response = _scenario(api, name)  # the test client has no socket: a clear error instead
    assert response.status_code == 501
    assert "start the mock with --server gunicorn" in orjson.loads(response.data)["error"]
    assert catalog.needs_connection(f"{name}; x=1") and not catalog.needs_connection("result-102")


def test_ok_is_normal_behaviour(api: Api) -> None:
    assert _scenario(api, "ok").data == api().data
    unknown = {"identifier-type": "rfid", "identifier": "0000FFFF"}
    assert orjson.loads(_scenario(api, "ok", unknown).data)["result"]["code"] == 140


def test_catalog_endpoint(client: Any) -> None:
    document = client.get("/__mock/catalog").get_json()
    assert [s["name"] for s in document["scenarios"]] == catalog.names()
    assert all("X-Mock-Scenario" in s["curl"] and s["description"] for s in document["scenarios"])
    values = {(v["identifier-type"], v["value"]) for v in document["magic-values"]}
    assert ("username", "error-145@example.com") in values and ("rfid", "DEAD0140") in values
    assert {u["id"] for u in document["users"]} >= {"demo", "fleet"}
    assert DEMO["identifier"] in document["scenarios"][0]["curl"]


@pytest.mark.parametrize(("text", "kind", "words"), PARSE_ERRORS[2:5], ids=[p[0] for p in PARSE_ERRORS[2:5]])
def test_a_script_step_with_a_bad_parameter_is_a_400_at_its_path(
    text: str, kind: type[UnknownScenario], words: str
) -> None:
    client = create_app({"MOCK_LOG_FORMAT": "off"}).test_client()
    sequence = [{"scenario": "ok"}, {"scenario": text}]
    answer = client.post("/__mock/scenarios/script", json={"sequence": sequence})
    assert answer.status_code == 400
    problems = answer.get_json()["problems"]
    assert [p["path"] for p in problems] == ["$.sequence[1].scenario"]
    assert words in problems[0]["message"] and "from files" not in problems[0]["message"]
