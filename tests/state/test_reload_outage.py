"""A scenario-file reload while the Redis of the state does not answer: the files' scripts are installed
once it answers again, without another edit, and /__mock/health says they are pending meanwhile."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import requests

from tests.state.mock_process import Mock, running
from tests.state.redis_server import RedisServer

BEFORE = """version: 1
scripts:
  - match: {identifier: RO01}
    sequence: [{scenario: result-140}]
"""
AFTER = """version: 1
scripts:
  - match: {identifier: RO01}
    sequence: [{scenario: result-144}, {scenario: ok}]
"""


def health(mock: Mock) -> dict[str, Any]:
    try:
        body: dict[str, Any] = requests.get(f"{mock.base}/__mock/health", timeout=10).json()
    except requests.RequestException as error:
        return {"error": str(error)}
    return body


def file_scripts(mock: Mock) -> list[list[dict[str, Any]]] | None:
    """The sequences of the default session's file scripts, or None while the state does not answer."""
    answer = mock.admin("GET", "/scenarios/scripts")
    if answer.status_code != 200:
        return None
    return [s["sequence"] for s in answer.json()["scripts"] if s["origin"].startswith("file:")]


def test_a_reload_during_a_redis_outage_installs_the_scripts_once_redis_answers(
    own_redis: RedisServer, tmp_path: Path
) -> None:
    path = tmp_path / "outage.yaml"
    path.write_text(BEFORE)
    args = ["--workers", "2", "--state", own_redis.url, "--scenarios", str(tmp_path), "--reload-scenarios"]
    with running(args) as mock:
        assert file_scripts(mock) == [[{"scenario": "result-140", "times": 1}]]
        assert health(mock)["scenario-scripts"] == "installed"

        redis_named = f"127.0.0.1:{own_redis.port}"  # the reason names the state's backend
        own_redis.pause()
        try:
            path.write_text(AFTER)  # the watchers see it within a second, while Redis does not answer
            reasons: list[str] = []  # what health said while the scripts were pending
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and not any(redis_named in why for why in reasons):
                body = health(mock)
                if body.get("scenario-scripts") == "pending":
                    reasons.append(body["scenario-scripts-error"])
                time.sleep(0.2)
        finally:
            own_redis.resume()

        wanted = [[{"scenario": "result-144", "times": 1}, {"scenario": "ok", "times": 1}]]
        deadline = time.monotonic() + 20
        installed = None
        while time.monotonic() < deadline and installed != wanted:
            installed = file_scripts(mock)
            time.sleep(0.2)
        assert installed == wanted  # no further edit was needed
        assert mock.call("RO01").json()["result"]["code"] == 144

        assert any(redis_named in why for why in reasons), f"health said, while pending: {reasons}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and health(mock).get("scenario-scripts") != "installed":
            time.sleep(0.2)
        assert [health(mock)["scenario-scripts"] for _ in range(4)] == ["installed"] * 4
