"""Shared state in a real redis-server, through real `python -m mockserver` processes with several workers."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.state.mock_process import running
from tests.state.redis_server import RedisServer

SCENARIOS = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios"
# Result codes the 200 steps cycle through: the answer a client sees tells which step served it.
CYCLE = (100, 101, 102, 140, 144, 145, 0)
STEPS = 200


def test_200_concurrent_requests_on_4_workers_serve_each_step_exactly_once(redis_server: RedisServer) -> None:
    session = "multi-" + uuid.uuid4().hex[:8]
    with running(["--workers", "4", "--threads", "16", "--state", redis_server.url]) as mock:
        sequence = [{"scenario": f"result-{CYCLE[i % len(CYCLE)]}"} for i in range(STEPS)]
        made = mock.admin(
            "POST",
            "/scenarios/script",
            session,
            json={"match": {"identifier-type": "rfid"}, "sequence": sequence},
        )
        assert made.status_code == 201, made.text

        identifiers = [f"C{index:04X}" for index in range(STEPS)]
        with ThreadPoolExecutor(max_workers=STEPS) as pool:
            answers = list(pool.map(lambda ident: mock.call(ident, session=session), identifiers))
        seen = {
            ident: answer.json()["result"]["code"] for ident, answer in zip(identifiers, answers, strict=True)
        }

        journal = mock.admin("GET", f"/requests?limit={STEPS}", session).json()
        assert journal["count"] == STEPS  # all 200 appear in the journal
        steps = {entry["identifier"]: entry["script"]["step"] for entry in journal["requests"]}
        assert sorted(Counter(steps.values()).items()) == [(i, 1) for i in range(STEPS)]  # each step once
        for ident, step in steps.items():  # and each client saw the answer of the step it was given
            assert seen[ident] == CYCLE[step % len(CYCLE)], (ident, step)

        shown = mock.admin("GET", f"/scenarios/scripts/{made.json()['id']}", session).json()
        assert (shown["served"], shown["exhausted"]) == (STEPS, True)
        assert mock.call("C9999", session=session).json()["result"]["code"] == 0  # then normal behaviour


def test_file_scripts_are_installed_once_whatever_the_number_of_workers(redis_server: RedisServer) -> None:
    redis_server.flush()
    args = [
        "--workers",
        "3",
        "--state",
        redis_server.url,
        "--scenarios",
        str(SCENARIOS / "flaky-backend.yaml"),
    ]
    with running(args) as mock:
        scripts = mock.admin("GET", "/scenarios/scripts").json()["scripts"]
        assert [s["origin"] for s in scripts] == [f"file:{SCENARIOS / 'flaky-backend.yaml'}"]
        assert [mock.call("0A1B2C3D").json()["result"]["code"] for _ in range(4)] == [102, 102, 0, 0]
    # A restart does not bring a used file script back (the same Redis remembers it)...
    with running(args) as mock:
        assert mock.call("0A1B2C3D").json()["result"]["code"] == 0
        # ...but a reset of the session does, fresh.
        assert mock.admin("DELETE", "/scenarios").json()["reinstalled-from-files"] == 1
        assert mock.call("0A1B2C3D").json()["result"]["code"] == 102


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    server = RedisServer()  # this test stops and restarts it
    server.start()
    yield server
    server.stop()


def test_redis_outage_answers_503_then_recovers(own_redis: RedisServer) -> None:
    with running(["--workers", "2", "--state", own_redis.url]) as mock:
        assert mock.admin("POST", "/scenarios/script", json={"sequence": [{"scenario": "result-145"}]}).ok
        assert mock.call("0101").json()["result"]["code"] == 145

        own_redis.stop()
        down = mock.call("0102")
        assert down.status_code == 503
        assert down.headers["Retry-After"] == "1"
        body = down.json()
        assert body["result"]["code"] == 100
        assert "unreachable" in body["error"] and f"127.0.0.1:{own_redis.port}" in body["error"]
        admin = mock.admin("GET", "/scenarios/scripts")
        assert (admin.status_code, admin.json()["result"]["code"]) == (503, 100)
        assert mock.admin("GET", "/state").json()["reachable"] is False

        own_redis.start()
        deadline = time.monotonic() + 15
        status = None
        while time.monotonic() < deadline and status != 200:
            try:
                status = mock.call("0103").status_code
            except requests.RequestException:
                status = None
            time.sleep(0.1)
        assert status == 200  # recovered by itself
        # No answer was served without being recorded: every 200 since the restart is in the journal.
        assert mock.admin("GET", "/requests?identifier=0103").json()["count"] >= 1
        assert mock.admin("GET", "/state").json()["reachable"] is True
