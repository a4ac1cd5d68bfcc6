"""A Redis that stalls (SIGSTOP, then SIGCONT) under concurrent scripted requests on two workers: a step
is taken if and only if its answer is what the client got, and the journal records what the client got."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter

import requests

from tests.state.mock_process import Mock, running
from tests.state.redis_server import RedisServer

SESSIONS = 16
STEPS = 5000  # more than the run can use: every answer of a session's script is a 429
STALL_SECONDS = 3.0


class Client(threading.Thread):
    """Requests in one session, one after the other, each with its own identifier, until stopped."""

    def __init__(self, mock: Mock, session: str, number: int, stop: threading.Event):
        super().__init__(daemon=True)
        self.mock, self.session, self.number, self.stop = mock, session, number, stop
        self.got: dict[str, int] = {}  # identifier -> the HTTP status the client received
        self.failed: list[str] = []

    def run(self) -> None:
        sent = 0
        while not self.stop.is_set():
            identifier = f"{self.number:02X}{sent:06X}"
            sent += 1
            try:
                answer = self.mock.call(identifier, session=self.session, timeout=20)
                self.got[identifier] = answer.status_code
            except requests.RequestException as error:  # no answer at all: the test reports it
                self.failed.append(f"{identifier}: {error}")


def test_a_redis_stall_takes_a_step_only_for_an_answer_the_client_got(own_redis: RedisServer) -> None:
    run = uuid.uuid4().hex[:8]
    sessions = [f"stall-{run}-{number}" for number in range(SESSIONS)]
    with running(["--workers", "2", "--state", own_redis.url]) as mock:
        for session in sessions:
            script = {"sequence": [{"scenario": "http-429", "times": STEPS}]}
            assert mock.admin("POST", "/scenarios/script", session, json=script).status_code == 201
        stop = threading.Event()
        clients = [Client(mock, session, number, stop) for number, session in enumerate(sessions)]
        for client in clients:
            client.start()
        time.sleep(1.5)
        own_redis.pause()
        time.sleep(STALL_SECONDS)
        own_redis.resume()
        time.sleep(2.0)
        stop.set()
        for client in clients:
            client.join(timeout=60)
            assert not client.is_alive()

        statuses = Counter(status for client in clients for status in client.got.values())
        assert statuses[429] > 0 and statuses[503] > 0, statuses  # the stall was felt, and steps served
        assert [failure for client in clients for failure in client.failed] == []

        consumed_not_received: dict[str, int] = {}
        misjournalled: list[str] = []
        for client in clients:
            scripts = mock.admin("GET", "/scenarios/scripts", client.session).json()["scripts"]
            answered = sum(1 for status in client.got.values() if status == 429)
            if scripts[0]["served"] != answered:
                consumed_not_received[client.session] = scripts[0]["served"] - answered
            journal = mock.admin("GET", f"/requests?limit={len(client.got) + 10}", client.session).json()
            journalled = {entry["identifier"]: entry["status"] for entry in journal["requests"]}
            for identifier, status in journalled.items():
                received = client.got.get(identifier)
                if received != status:
                    misjournalled.append(f"{identifier}: journal {status}, client {received}")
            for identifier, status in client.got.items():
                if status == 429 and identifier not in journalled:
                    misjournalled.append(f"{identifier}: the client got 429, the journal has nothing")
        lost = sum(consumed_not_received.values())
        assert (consumed_not_received, misjournalled) == ({}, []), (
            f"{lost} steps taken that no client received; {len(misjournalled)} journal entries that are not "
            "what the client got"
        )
