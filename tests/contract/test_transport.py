"""The transport against a real local HTTP server: Retry-After honoured, time-outs reported, key redacted."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

import spec
from contract_tests.errors import OutOfTime, TargetGone
from contract_tests.model import Request
from contract_tests.transport import Client, curl, redact, retry_after
from mockserver.serving.process import free_port
from tests.contract.conftest import ada_args, http_server, reference_server, run_suite


class _Scripted(BaseHTTPRequestHandler):
    """Answers POSTs from a script of (status, headers, delay) and then 200 forever; status 0 closes
    the connection without an answer."""

    script: ClassVar[list[tuple[int, dict[str, str], float]]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        status, headers, delay = self.script.pop(0) if self.script else (200, {}, 0.0)
        time.sleep(delay)
        if status == 0:
            self.close_connection = True
            return
        body = b'{"result": {"code": 0, "message": "Success."}, "user": {"sessions": []}}'
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def scripted() -> Iterator[tuple[str, list[tuple[int, dict[str, str], float]]]]:
    script: ClassVar[list[tuple[int, dict[str, str], float]]] = []
    with http_server(type("Handler", (_Scripted,), {"script": script})) as url:
        yield f"{url}/api/v4/request", script


def _client(**overrides: float) -> Client:
    settings = {"rate_limit": 0.0, "timeout": 5.0, "retries": 3.0, "budget": 30.0} | overrides
    return Client(
        settings["rate_limit"],
        settings["timeout"],
        int(settings["retries"]),
        time.monotonic() + settings["budget"],
    )


def _request(url: str) -> Request:
    return Request("POST", url, {"Content-Type": "application/json"}, b"{}")


def test_retry_after_is_honoured_on_503_and_429(scripted: tuple[str, list]) -> None:
    url, script = scripted
    script += [(503, {"Retry-After": "1"}, 0.0), (429, {"Retry-After": "0"}, 0.0)]
    client = _client()
    started = time.monotonic()
    response = client.send(_request(url))
    assert time.monotonic() - started >= 1.0
    assert response.status == 200
    assert response.retries == 2
    assert client.sent == 3


def test_retries_stop_after_the_limit_and_the_last_answer_is_judged(scripted: tuple[str, list]) -> None:
    url, script = scripted
    script += [(503, {"Retry-After": "0"}, 0.0)] * 5
    response = _client(retries=2).send(_request(url))
    assert response.status == 503
    assert response.retries == 2


def test_a_time_out_is_an_answer_with_an_error_and_is_not_retried(scripted: tuple[str, list]) -> None:
    url, script = scripted
    script += [(200, {}, 1.0)]
    client = _client(timeout=0.3)
    response = client.send(_request(url))
    assert response.status == 0
    assert "timed out" in response.error
    assert client.sent == 1


def test_a_refused_connection_is_described_in_whole_words() -> None:
    url = f"http://127.0.0.1:{free_port()}/api/v4/request"  # nothing listens there
    response = _client(retries=0).send(_request(url))
    assert (response.status, response.error) == (0, "no answer: connection refused")


def test_a_target_that_refuses_every_retry_after_answering_has_gone_and_stops_the_run() -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/api/v4/request"
    client = _client(retries=2)
    server = ThreadingHTTPServer(("127.0.0.1", port), _Scripted)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        assert client.send(_request(url)).status == 200
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    with pytest.raises(TargetGone, match="stopped answering: connection refused on 3 attempts in a row"):
        client.send(_request(url))
    assert client.sent == 4


def test_a_target_that_never_answered_is_refused_as_an_answer_not_gone() -> None:
    """Before any answer a refusal is the target's answer: the run's first request says it cannot judge."""
    url = f"http://127.0.0.1:{free_port()}/api/v4/request"  # nothing listens there
    client = _client(retries=1)
    for _ in range(2):
        assert client.send(_request(url)).error == "no answer: connection refused"
    assert client.sent == 4


def test_a_connection_closed_without_an_answer_is_described(scripted: tuple[str, list]) -> None:
    url, script = scripted
    script += [(0, {}, 0.0)]
    response = _client(retries=0).send(_request(url))
    assert response.error == "no answer: the server closed the connection without an answer"


def test_an_unresolved_host_name_is_described() -> None:
    response = _client(retries=0).send(_request("http://nothing.invalid/api/v4/request"))
    assert response.error.startswith("no answer: host name not resolved (")
    assert response.error.endswith(")")
    assert "HTTPConnection" not in response.error


def test_the_rate_limit_spaces_requests(scripted: tuple[str, list]) -> None:
    url, _ = scripted
    client = _client(rate_limit=10.0)
    started = time.monotonic()
    for _ in range(4):
        client.send(_request(url))
    assert time.monotonic() - started >= 0.3  # 4 requests at 10/s: 3 gaps of 100 ms at least


def test_threads_share_the_rate_limit_and_the_count(scripted: tuple[str, list]) -> None:
    url, _ = scripted
    client = _client(rate_limit=10.0)
    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: client.send(_request(url)), range(8)))
    assert [answer.status for answer in answers] == [200] * 8
    assert client.sent == 8
    # 8 requests at 10/s from 4 threads: 7 gaps of 100 ms at least, as from one thread
    assert time.monotonic() - started >= 0.7


def test_an_answer_still_awaited_when_the_time_budget_ends_is_not_judged(scripted: tuple[str, list]) -> None:
    url, script = scripted
    script += [(200, {}, 1.0)]
    client = _client(timeout=5.0, budget=0.5)  # the budget, not the time-out, ends the wait
    with pytest.raises(OutOfTime, match="ran out while waiting for an answer"):
        client.send(_request(url))


def test_the_time_budget_stops_sending(scripted: tuple[str, list]) -> None:
    url, _ = scripted
    client = _client(rate_limit=2.0, budget=0.6)
    with pytest.raises(OutOfTime):
        for _ in range(10):
            client.send(_request(url))
    assert client.sent < 10


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        (" 0 ", 0.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("soon", None),
        (None, None),
        ("²", None),  # "²".isdigit() is True, and float("²") fails
        ("\u0663", None),  # an Arabic-Indic 3: float() reads it, HTTP's delta-seconds are ASCII digits
    ],
)
def test_retry_after_parsing(header: str | None, seconds: float | None) -> None:
    assert retry_after(header, now=1445412480.0) == seconds


def test_only_the_api_key_is_redacted() -> None:
    body = json.dumps({spec.CALL: {"user": {"identifier": "s3cret-user", "token": "tok-123"}}}).encode()
    request = Request(
        "POST",
        "http://h/api/v4/request",
        {"Authorization": "key=S3cretKey", "Content-Type": "application/json"},
        body,
    )
    command = curl(request, "S3cretKey")
    assert "S3cretKey" not in command
    assert "key=[REDACTED]" in command
    assert "tok-123" in command and "s3cret-user" in command and spec.CALL in command
    assert redact("key=s3cretkey", "S3cretKey") == "key=[REDACTED]"
    assert "S3cretKe" not in redact("key=S3cretKe", "S3cretKey")


def test_curl_says_when_no_content_type_was_sent() -> None:
    command = curl(Request("POST", "http://h/p", {"Authorization": "key=k1"}, b"{}"), "k1")
    assert command.count("Content-Type") == 1
    assert "-H Content-Type: " in command  # curl sends none then


def test_a_key_in_the_url_is_redacted_in_every_form() -> None:
    key = "k3y+with/slash"
    request = Request(
        "POST", "http://h/api/v4/request?key=k3y%2Bwith%2Fslash&apikey=k3y+with/slash", {}, b"{}"
    )
    command = curl(request, key)
    assert "k3y" not in command.lower()
    assert command.count("[REDACTED]") == 2


class _Recorder(BaseHTTPRequestHandler):
    """Records each request's headers and raw body (Content-Length or chunked), answers 200."""

    seen: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            for _ in range(1000):  # bounded: at most 1000 chunks
                size = int(self.rfile.readline().strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    break
                body += self.rfile.read(size)
                self.rfile.readline()
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.seen.append((dict(self.headers), body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_chunked_request_carries_no_content_length_and_the_same_body() -> None:
    with http_server(_Recorder) as base:
        client = Client(rate_limit=0, timeout=5, retries=0, deadline=time.monotonic() + 30)
        url = f"{base}/api/v4/request"
        for chunked in (True, False):
            client.send(Request("POST", url, {"Content-Type": "application/json"}, b'{"a": 1}', chunked))
    (chunked_headers, chunked_body), (plain_headers, plain_body) = _Recorder.seen[-2:]
    assert chunked_body == plain_body == b'{"a": 1}'
    assert "Content-Length" not in chunked_headers and chunked_headers["Transfer-Encoding"] == "chunked"
    assert plain_headers["Content-Length"] == "8"
    assert "Transfer-Encoding: chunked" in curl(Request("POST", url, {}, b"{}", True), "k")


GONE = "the target stopped answering: connection refused"


def test_a_target_that_dies_on_a_request_is_reported_at_that_request(tmp_path: Path) -> None:
    """The proof server exits on its first non-ASCII body: that case says the connection was closed on it
    and refused on the retry; the next case finds the target gone and the run stops there, INCOMPLETE,
    with no failure blamed on the cases it could not judge."""
    with reference_server("--mutation", "dies-on-non-ascii") as url:
        run = run_suite(tmp_path, *ada_args(url, "--max-examples", "3", "--retries", "1"), timeout=240)
    assert run.code == 1, run.explain()
    assert run.report is not None
    assert run.failed_checks() == {"server-answers"}, run.explain()
    [first] = [failure for failure in run.report["failures"] if failure["check"] == "server-answers"]
    assert first["case"].startswith("bad/not-utf8:"), first  # the first body with a byte beyond ASCII
    assert first["message"] in {
        f"no answer: {closed}; on retry: connection refused"
        for closed in ("the server closed the connection without an answer", "connection reset by the server")
    }, first
    assert f"  problem: {first['message']}" in run.stdout
    gone = f"{GONE} on 2 attempts in a row; later cases were not sent"
    assert run.report["incomplete"] == gone, run.explain()
    assert f"INCOMPLETE: {gone}" in run.stdout


def test_a_target_that_goes_away_mid_run_cannot_be_judged(tmp_path: Path) -> None:
    """Stopped from outside after its first answers (a deploy, a crash): exit 2, INCOMPLETE, no violation."""
    with reference_server("--gone-after", "6") as url:  # within the fixed cases, sent one at a time
        run = run_suite(tmp_path, *ada_args(url, "--max-examples", "3", "--retries", "1"), timeout=240)
    assert run.code == 2, run.explain()
    assert run.report is not None and run.report["failures"] == [], run.explain()
    assert run.report["incomplete"].startswith(GONE), run.explain()
    assert f"INCOMPLETE: {run.report['incomplete']}" in run.stdout, run.explain()
