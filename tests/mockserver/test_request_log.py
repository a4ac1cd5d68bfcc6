"""The request log: batched by a background thread, nothing lost (flushed on demand and at exit,
drops counted), and every line of a real server process reaches its stderr."""

from __future__ import annotations

import io
import time
from collections.abc import Callable

import orjson
import requests

import spec
from mockserver.http.request_log import RequestLog
from mockserver.serving.process import start_mock

from .conftest import DEMO, KEY

URL = "/api/v4/request"


def _eventually(check: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()


def test_lines_wait_in_the_queue_until_the_flusher_or_flush_writes_them() -> None:
    stream = io.StringIO()
    log = RequestLog("json", stream, interval=3600)  # the flusher never wakes during this test
    for n in range(3):
        log.write({"n": n})
    assert stream.getvalue() == ""
    log.flush()
    assert [orjson.loads(line)["n"] for line in stream.getvalue().splitlines()] == [0, 1, 2]


def test_the_flusher_writes_without_being_asked() -> None:
    stream = io.StringIO()
    log = RequestLog("text", stream, interval=0.01)
    log.write({"status": 200, "scenario": None})
    assert _eventually(lambda: stream.getvalue() == "status=200\n")


def test_interval_zero_writes_at_once() -> None:
    stream = io.StringIO()
    RequestLog("json", stream, interval=0).write({"a": 1})
    assert stream.getvalue() == '{"a":1}\n'


def test_lines_beyond_the_bound_are_dropped_and_counted() -> None:
    stream = io.StringIO()
    log = RequestLog("json", stream, interval=3600, max_lines=2)
    for n in range(5):
        log.write({"n": n})
    log.flush()
    lines = [orjson.loads(line) for line in stream.getvalue().splitlines()]
    assert lines == [{"n": 0}, {"n": 1}, {"event": "log-lines-dropped", "lines": 3}]


class Broken(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.broken = True

    def write(self, text: str) -> int:
        if self.broken:
            raise BrokenPipeError("nobody reads")
        return super().write(text)


def test_a_stream_that_fails_counts_the_lines_it_lost() -> None:
    stream = Broken()
    log = RequestLog("json", stream, interval=3600, max_lines=2)
    for n in range(5):  # 2 queued, 3 dropped
        log.write({"n": n})
    log.flush()  # fails: the 2 queued lines are lost too; no exception reaches the caller
    log.flush()  # fails again with only the count pending: the count is kept
    stream.broken = False
    log.write({"n": 5})
    log.flush()
    assert [orjson.loads(line) for line in stream.getvalue().splitlines()] == [
        {"n": 5},
        {"event": "log-lines-dropped", "lines": 5},
    ]


def test_a_server_process_logs_every_request_and_loses_none_at_exit() -> None:
    body = orjson.dumps({spec.CALL: {"user": DEMO}})
    headers = {**KEY, "Content-Type": "application/json"}
    with start_mock(["--log-format", "json", "--workers", "2"]) as mock:
        with requests.Session() as http:
            for _ in range(40):
                assert http.post(mock.base + URL, data=body, headers=headers, timeout=10).status_code == 200
        mock.process.terminate()  # SIGTERM: the workers flush what is queued as they exit
        mock.process.wait(timeout=15)
        assert mock.stderr().count('"path":"/api/v4/request"') == 40


def test_every_way_a_request_is_answered_logs_one_line_with_its_time() -> None:
    """The protocol call, an admin call, the dashboard, a CORS preflight, the admin token's 401 and the
    guard's refusal of a foreign page: each writes one JSON line with the same fields, time included."""
    body = orjson.dumps({spec.CALL: {"user": DEMO}})
    token = {"Authorization": "Bearer " + "t" * 32}
    preflight = {"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}
    calls = [
        ("POST", URL, {**KEY, "Content-Type": "application/json"}, body, 200),
        ("GET", "/__mock/requests", token, None, 200),
        ("GET", "/__mock/ui", {}, None, 200),
        ("OPTIONS", URL, preflight, None, 204),
        ("GET", "/__mock/requests", {}, None, 401),
        ("GET", "/__mock/requests", {**token, "Origin": "https://elsewhere.example"}, None, 403),
    ]
    with start_mock(["--log-format", "json", "--admin-token", "t" * 32]) as mock:
        for method, path, headers, sent, status in calls:
            got = requests.request(method, mock.base + path, data=sent, headers=headers, timeout=10)
            assert got.status_code == status, (method, path, got.text)
        mock.process.terminate()
        mock.process.wait(timeout=15)
        lines = [orjson.loads(line) for line in mock.stderr().splitlines() if line.startswith('{"time"')]
    logged = [(line["method"], line["path"], line["status"]) for line in lines if "status" in line]
    logged = [call for call in logged if call[1] != "/__mock/health"]  # start_mock's own readiness calls
    assert logged == [(method, path, status) for method, path, _, _, status in calls]
    assert all({"time", "duration_ms"} <= line.keys() for line in lines if "status" in line)
