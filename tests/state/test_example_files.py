"""The example scenario files do what their comments say, served as a user serves them: the demo users
file, no --any-user, every file of fixtures/scenarios at once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

import spec
from mockserver import settings
from mockserver.serving.process import ServerProcess, start_mock

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "fixtures" / "scenarios"
USERS = {user["id"]: user for user in yaml.safe_load((ROOT / "fixtures" / "users.yaml").read_text())["users"]}
KEY = {"Authorization": f"key={settings.DEMO_API_KEY}", "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def mock() -> Iterator[ServerProcess]:
    with start_mock(["--log-format", "off", "--scenarios", str(SCENARIOS)]) as server:
        yield server


def _user(user_id: str, kind: str) -> dict[str, str]:
    user = USERS[user_id]
    found = {"identifier-type": kind, "identifier": user["identifiers"][kind]}
    return found | ({"token": user["token"]} if user.get("token") else {})


def _call(mock: ServerProcess, user: dict[str, str], session: str | None = None) -> requests.Response:
    headers = KEY | ({"X-Mock-Session": session} if session else {})
    body = {spec.CALL: {"user": user}}
    return requests.post(f"{mock.base}/api/v4/request", json=body, headers=headers, timeout=30)


def _code(answer: requests.Response) -> Any:
    return answer.json()["result"]["code"]


def test_flaky_backend_times_out_twice_then_recovers(mock: ServerProcess) -> None:
    anna = _user("anna", "rfid")
    assert [_code(_call(mock, anna)) for _ in range(4)] == [102, 102, 0, 0]
    assert len(_call(mock, anna).json()["user"]["sessions"]) == USERS["anna"]["sessions"]


def test_slow_auth_failure_refuses_once_slowly_then_serves_slowly(mock: ServerProcess) -> None:
    slow = _user("slow", "username")
    started = time.monotonic()
    assert _code(_call(mock, slow)) == 145
    assert time.monotonic() - started >= 1.5
    assert [_code(_call(mock, slow)) for _ in range(3)] == [0, 0, 0]
    assert _code(_call(mock, slow)) == 0  # the user's own scenario again: late, but a success


def test_outage_drill_lives_in_its_own_session(mock: ServerProcess) -> None:
    demo = _user("demo", "username")
    drill = "outage-drill"
    statuses = [_call(mock, demo, drill) for _ in range(6)]
    assert [answer.status_code for answer in statuses] == [503, 503, 503, 500, 429, 200]
    assert statuses[4].headers["Retry-After"] == "5"
    assert _code(_call(mock, demo)) == 0  # other sessions never see the drill
    card = _user("fleet", "evco-id")
    with pytest.raises(requests.ConnectionError):
        _call(mock, card, drill)  # reset
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        _call(mock, card, drill)  # truncated: less than Content-Length, then closed
    with pytest.raises(requests.JSONDecodeError):
        _call(mock, card, drill).json()  # malformed JSON


def test_data_edge_cases_tour_one_of_each(mock: ServerProcess) -> None:
    fleet = _user("fleet", "rfid")
    tour = [_call(mock, fleet, "data-tour").json() for _ in range(7)]
    sessions = [body["user"]["sessions"] for body in tour]
    assert [len(found) for found in sessions[:2]] == [0, 500]
    assert all(s.get("address", "") is None for s in sessions[2])  # every optional field null
    assert all("address" not in s for s in sessions[3])  # every optional field left out
    assert "end" not in sessions[4][0]["session-interval"]  # the newest still in progress
    assert {s["cost"] for s in sessions[5]} == {"0.00"}
    assert all(body["result"]["code"] == 0 for body in tour)
