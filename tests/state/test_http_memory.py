"""The admin API and the selector over real HTTP, against one `python -m mockserver` process (memory state).

Each test works in its own X-Mock-Session, so they share the server without seeing each other.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
import yaml

import spec
from tests.state.mock_process import Mock, running

CASES = Path(__file__).parent / "admin_errors.yaml"


@pytest.fixture(scope="module")
def mock() -> Iterator[Mock]:
    with running(["--journal-size", "50"]) as server:
        yield server


@pytest.fixture
def session() -> str:
    return "t-" + uuid.uuid4().hex[:10]


def script(mock: Mock, session: str, body: dict[str, object]) -> dict[str, object]:
    response = mock.admin("POST", "/scenarios/script", session, json=body)
    assert response.status_code == 201, response.text
    assert response.headers["Location"].endswith(f"/__mock/scenarios/scripts/{response.json()['id']}")
    return dict(response.json())


def codes(mock: Mock, session: str, identifier: str, n: int) -> list[int]:
    return [mock.call(identifier, session=session).json()["result"]["code"] for _ in range(n)]


def test_a_script_is_consumed_in_order_then_falls_back(mock: Mock, session: str) -> None:
    made = script(
        mock,
        session,
        {
            "match": {"identifier": "0A0B0C0D"},
            "sequence": [
                {"scenario": "result-102", "times": 2},
                {"scenario": "result-145"},
                {"scenario": "ok"},
            ],
        },
    )
    assert codes(mock, session, "0A0B0C0D", 2) == [102, 102]
    shown = mock.admin("GET", f"/scenarios/scripts/{made['id']}", session).json()
    assert shown["served"] == 2
    assert shown["remaining"] == [{"scenario": "result-145", "times": 1}, {"scenario": "ok", "times": 1}]
    assert codes(mock, session, "0A0B0C0D", 3) == [145, 0, 0]
    shown = mock.admin("GET", f"/scenarios/scripts/{made['id']}", session).json()
    assert shown["exhausted"] is True
    assert shown["remaining"] == []
    # The journal names the script and the step each answer came from; the fallback has none.
    entries = mock.admin("GET", "/requests", session).json()["requests"]
    assert [(e["result"], e.get("script", {}).get("step")) for e in entries] == [
        (0, None),
        (0, 3),
        (145, 2),
        (102, 1),
        (102, 0),
    ]
    assert {e["session"] for e in entries} == {session}


def test_other_identifiers_are_not_matched(mock: Mock, session: str) -> None:
    script(
        mock,
        session,
        {
            "match": {"identifier-type": "rfid", "identifier": "AA11"},
            "sequence": [{"scenario": "result-140", "times": 3}],
        },
    )
    assert mock.call("AA11", identifier_type="evco-id", session=session).json()["result"]["code"] == 0
    assert mock.call("AA12", session=session).json()["result"]["code"] == 0
    assert mock.call("AA11", session=session).json()["result"]["code"] == 140


def test_sessions_never_see_each_other(mock: Mock, session: str) -> None:
    other = session + "-other"
    script(mock, session, {"sequence": [{"scenario": "result-101", "times": 5}]})
    assert codes(mock, other, "CAFE01", 2) == [0, 0]
    assert mock.admin("GET", "/scenarios/scripts", other).json()["scripts"] == []
    assert codes(mock, session, "CAFE01", 1) == [101]
    mine = mock.admin("GET", "/requests", session).json()["requests"]
    theirs = mock.admin("GET", "/requests", other).json()["requests"]
    assert [e["result"] for e in mine] == [101]
    assert [e["result"] for e in theirs] == [0, 0]
    # The session query parameter names the same scope as the header.
    assert mock.admin("GET", f"/requests?session={other}").json()["count"] == 2


def test_no_header_is_the_default_session(mock: Mock, session: str) -> None:
    listed = mock.admin("GET", "/scenarios/scripts").json()
    assert listed["session"] == "default"
    assert session not in {s["id"] for s in listed["scripts"]}


def test_the_most_specific_script_wins_then_the_oldest(mock: Mock, session: str) -> None:
    script(mock, session, {"match": {"identifier-type": "rfid"}, "sequence": [{"scenario": "result-100"}]})
    script(mock, session, {"match": {"identifier": "BEEF"}, "sequence": [{"scenario": "result-144"}]})
    script(mock, session, {"match": {"identifier": "BEEF"}, "sequence": [{"scenario": "result-145"}]})
    assert codes(mock, session, "BEEF", 4) == [144, 145, 100, 0]


def test_reset_removes_scripts_and_keeps_the_journal(mock: Mock, session: str) -> None:
    script(mock, session, {"sequence": [{"scenario": "result-102", "times": 10}]})
    assert codes(mock, session, "D00D", 1) == [102]
    reset = mock.admin("DELETE", "/scenarios", session)
    assert reset.json() == {"session": session, "removed": 1, "reinstalled-from-files": 0}
    assert codes(mock, session, "D00D", 1) == [0]  # the reset really resets
    assert mock.admin("GET", "/requests", session).json()["count"] == 2
    assert mock.admin("DELETE", "/requests", session).json()["removed"] == 2
    assert mock.admin("GET", "/requests", session).json()["count"] == 0


def test_delete_state_clears_scripts_and_journal(mock: Mock, session: str) -> None:
    script(mock, session, {"sequence": [{"scenario": "result-102", "times": 10}]})
    codes(mock, session, "D00D", 2)
    cleared = mock.admin("DELETE", "/state", session).json()
    assert (cleared["removed"], cleared["requests-removed"]) == (1, 2)
    assert codes(mock, session, "D00D", 1) == [0]


def test_delete_one_script(mock: Mock, session: str) -> None:
    first = script(mock, session, {"sequence": [{"scenario": "result-140"}]})
    script(mock, session, {"sequence": [{"scenario": "result-145"}]})
    assert mock.admin("DELETE", f"/scenarios/scripts/{first['id']}", session).status_code == 200
    missing = mock.admin("DELETE", f"/scenarios/scripts/{first['id']}", session)
    assert missing.status_code == 404
    assert first["id"] in missing.json()["error"]
    assert codes(mock, session, "F00D", 2) == [145, 0]


def test_a_ttl_expires_the_script(mock: Mock, session: str) -> None:
    script(mock, session, {"sequence": [{"scenario": "result-102", "times": 100}], "ttl": 0.4})
    assert codes(mock, session, "EE01", 1) == [102]
    time.sleep(0.6)
    assert codes(mock, session, "EE01", 1) == [0]
    assert mock.admin("GET", "/scenarios/scripts", session).json()["count"] == 0


def test_unknown_scenario_names_the_ones_that_exist(mock: Mock, session: str) -> None:
    response = mock.admin(
        "POST",
        "/scenarios/script",
        session,
        json={"sequence": [{"scenario": "ok"}, {"scenario": "result-999"}]},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["problems"][0]["path"] == "$.sequence[1].scenario"
    assert "unknown scenario 'result-999'" in body["error"]
    assert {"ok", "result-102", "latency-fixed", "malformed-json"} <= set(body["scenarios"])


def test_scenario_parameters_are_accepted_in_steps(mock: Mock, session: str) -> None:
    script(mock, session, {"sequence": [{"scenario": "http-429; retry-after=7"}]})
    response = mock.call("0123", session=session)
    assert (response.status_code, response.headers["Retry-After"]) == (429, "7")


ADMIN_ERRORS = yaml.safe_load(CASES.read_text("utf-8"))


@pytest.mark.parametrize("case", ADMIN_ERRORS, ids=[c["name"] for c in ADMIN_ERRORS])
def test_bad_admin_calls_answer_json_with_a_path(mock: Mock, case: dict[str, object]) -> None:
    kwargs: dict[str, object] = {}
    if "json" in case:
        kwargs["json"] = case["json"]
    if "data" in case:
        kwargs["data"] = str(case["data"]).encode()
    # a POST's body is JSON, as the admin API asks, unless the case sends another type
    headers = {"Content-Type": "application/json"} if case["method"] == "POST" else {}
    headers |= dict(case.get("headers") or {})  # type: ignore[call-overload]
    url = f"{mock.base}{case.get('base_url', '')}/__mock{case['path']}"
    response = requests.request(str(case["method"]), url, headers=headers, timeout=30, **kwargs)
    assert response.status_code == case["status"], response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["error"], str) and body["error"]
    paths = [p["path"] for p in body["problems"]]
    wanted = case["path_in_answer"]
    assert set(wanted if isinstance(wanted, list) else [wanted]) <= set(paths), body
    assert str(case.get("error_contains", "")) in body["error"]


def test_journal_filters(mock: Mock, session: str) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    script(
        mock, session, {"match": {"identifier": "F1"}, "sequence": [{"scenario": "result-145", "times": 2}]}
    )
    for identifier in ("F1", "F1", "F2", "F1"):
        mock.call(identifier, session=session)
    mock.call("F3", identifier_type="evco-id", session=session)

    def found(query: str) -> list[tuple[str, int]]:
        response = mock.admin("GET", f"/requests?{query}", session)
        assert response.status_code == 200, response.text
        return [(e["identifier"], e["result"]) for e in response.json()["requests"]]

    assert found("") == [("F3", 0), ("F1", 0), ("F2", 0), ("F1", 145), ("F1", 145)]  # newest first
    assert found("identifier=F1") == [("F1", 0), ("F1", 145), ("F1", 145)]
    assert found("result=145") == [("F1", 145), ("F1", 145)]
    assert found("identifier-type=evco-id") == [("F3", 0)]
    assert found("status=200&identifier=F2") == [("F2", 0)]
    assert found("scenario=result-145&limit=1") == [("F1", 145)]
    assert found(f"call={spec.CALL}&limit=2") == [("F3", 0), ("F1", 0)]
    assert len(found(f"since={before.isoformat()}")) == 5  # an unencoded + arrives as a space: accepted
    assert found("until=" + before.strftime("%Y-%m-%dT%H:%M:%S.%fZ")) == []
    assert found("identifier=nobody") == []


def test_journal_entries_carry_the_request(mock: Mock, session: str) -> None:
    mock.call("AB12", session=session)
    (entry,) = mock.admin("GET", "/requests", session).json()["requests"]
    assert entry["method"] == "POST"
    assert entry["path"] == "/api/v4/request"
    assert entry["headers"]["Authorization"] != "key=demo-key"  # the API key is redacted
    assert '"identifier":"AB12"' in entry["body"].replace(" ", "")
    assert entry["status"] == 200
    assert datetime.fromisoformat(entry["time"]).tzinfo is not None


def test_verify_counts_and_lists_near_misses(mock: Mock, session: str) -> None:
    script(mock, session, {"match": {"identifier": "V1"}, "sequence": [{"scenario": "result-102"}]})
    for identifier in ("V1", "V1", "V2"):
        mock.call(identifier, session=session)

    def verify(body: dict[str, object]) -> tuple[int, dict[str, object]]:
        response = mock.admin("POST", "/requests/verify", session, json=body)
        return response.status_code, response.json()

    status, body = verify({"match": {"identifier": "V1"}, "exactly": 2})
    assert (status, body["matched"], body["count"]) == (200, True, 2)
    status, body = verify({"match": {"identifier": "V1", "result": 102}, "at-least": 1, "at-most": 1})
    assert (status, body["matched"]) == (200, True)
    status, body = verify({"match": {"identifier": "V1", "result": 145}})
    assert (status, body["matched"], body["count"]) == (409, False, 0)
    assert body["expected"] == {"at-least": 1}
    closest = body["closest"]
    # Both V1 requests agree on the identifier (1 of 2), newest first; V2 agrees on nothing.
    assert [(c["agrees"], c["request"]["identifier"], c["request"]["result"]) for c in closest] == [
        (1, "V1", 0),
        (1, "V1", 102),
        (0, "V2", 0),
    ]
    assert closest[0]["mismatches"] == [{"field": "result", "expected": 145, "actual": 0}]
    status, body = verify({"match": {"identifier": "V2"}, "exactly": 0})
    assert (status, body["matched"]) == (409, False)


def test_the_journal_is_a_bounded_ring(mock: Mock, session: str) -> None:
    for index in range(60):  # the server keeps 50 (--journal-size 50)
        mock.call(f"R{index:03d}", session=session)
    entries = mock.admin("GET", "/requests?limit=50", session).json()["requests"]
    assert [e["identifier"] for e in entries] == [f"R{i:03d}" for i in range(59, 9, -1)]
    too_many = mock.admin("GET", "/requests?limit=51", session)
    assert too_many.status_code == 400
    assert too_many.json()["problems"][0]["path"] == "$.query.limit"


def test_state_describes_the_backend(mock: Mock, session: str) -> None:
    body = mock.admin("GET", "/state", session).json()
    assert (body["backend"], body["journal-size"], body["reachable"]) == ("memory", 50, True)


def test_the_catalogue_lists_builtin_scenarios_with_curl(mock: Mock) -> None:
    body = mock.admin("GET", "/scenarios").json()
    names = [s["name"] for s in body["scenarios"]]
    assert {"ok", "result-145", "http-503", "latency-fixed"} <= set(names)
    assert all(s["curl"].startswith("curl ") and s["description"] for s in body["scenarios"])


def test_a_script_of_30000_invalid_steps_lists_50_problems_and_says_there_are_more(mock: Mock) -> None:
    response = mock.admin("POST", "/scenarios/script", json={"sequence": [{}] * 30_000})
    assert response.status_code == 400
    assert len(response.content) < 20_000  # it was 4.3 MB, every problem listed
    body = response.json()
    assert body["problems"][0] == {"path": "$.sequence", "message": "30000 items; at most 1000"}
    assert len(body["problems"]) == 50
    assert body["more-problems"] == {"count": 950, "exact": False}  # counting stopped at 1000
    assert body["error"] == "$.sequence: 30000 items; at most 1000 (and at least 999 more)"


def test_a_script_of_1000_unknown_scenarios_counts_every_problem(mock: Mock) -> None:
    response = mock.admin("POST", "/scenarios/script", json={"sequence": [{"scenario": "nope"}] * 1000})
    assert response.status_code == 400
    body = response.json()
    assert len(body["problems"]) == 50 and body["more-problems"] == {"count": 950, "exact": True}
    assert body["error"].endswith("(and 999 more)")


def test_a_refused_value_is_not_sent_back_whole(mock: Mock) -> None:
    for step in ({"scenario": "x" * 500_000}, {"scenario": "ok", "times": "9" * 500_000}):
        response = mock.admin("POST", "/scenarios/script", json={"sequence": [step]})
        assert response.status_code == 400
        assert len(response.content) < 2_000, response.content[:300]


def test_an_admin_body_over_a_megabyte_is_refused_unread(mock: Mock) -> None:
    response = mock.admin("POST", "/scenarios/script", data=b" " * (1024 * 1024 + 1))
    assert response.status_code == 413
    assert response.json()["problems"] == [{"path": "$", "message": "an admin body is at most 1048576 bytes"}]
