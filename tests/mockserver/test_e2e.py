"""The real thing: ``python -m mockserver`` (gunicorn) on a free port, spoken to over HTTP sockets.

Every catalogue scenario is checked here from the client's side: the reset really resets, the
delay really delays, the malformed JSON really fails to parse, the truncated body really is short.
"""

from __future__ import annotations

import http.client
import shlex
import shutil
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import orjson
import pytest

import spec
from mockserver.scenarios import catalog
from mockserver.serving.process import ServerProcess as Running
from mockserver.serving.process import start_mock
from mockserver.settings import PROTOCOL_PATHS
from tests.mockserver.conftest import assert_the_call_at_every_path

from .conftest import DEMO, NOW, PROTOCOL_HEADERS
from .test_generation import VARIANT_CHECKS

pytestmark = pytest.mark.slow


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    seconds: float

    def json(self) -> Any:
        return orjson.loads(self.body)


def call(
    running: Running,
    user: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
    read: bool = True,
) -> Reply:
    host, port = running.host_port
    connection = http.client.HTTPConnection(host, port, timeout=30)
    body = raw if raw is not None else orjson.dumps({spec.CALL: {"user": user or DEMO}})
    sent = PROTOCOL_HEADERS | (headers or {})
    started = time.perf_counter()
    try:
        connection.request("POST", "/api/v4/request", body=body, headers=sent)
        response = connection.getresponse()
        data = response.read() if read else b""
        return Reply(response.status, response.headers, data, time.perf_counter() - started)
    finally:
        connection.close()


def get(running: Running, path: str) -> Any:
    host, port = running.host_port
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        connection.request("GET", path)
        return orjson.loads(connection.getresponse().read())
    finally:
        connection.close()


def scenario(running: Running, text: str) -> Reply:
    return call(running, headers={"X-Mock-Scenario": text})


def _valid_success(reply: Reply) -> None:
    assert reply.status == 200
    body = reply.json()
    assert spec.problems(body, "response-success", "strict") == [] and spec.check_invariants(body) == []


# -- one check per catalogue entry -------------------------------------------------------------
def _result(code: int) -> Callable[[Running], None]:
    def check(running: Running) -> None:
        reply = scenario(running, f"result-{code}")
        assert reply.status == spec.result_codes()[code].status["call-page"]
        assert reply.json()["result"]["code"] == code
        assert spec.problems(reply.json(), "response", "strict") == []

    return check


def _http(status: int) -> Callable[[Running], None]:
    def check(running: Running) -> None:
        reply = scenario(running, f"http-{status}")
        assert reply.status == status
        assert reply.json()["result"]["code"] in (100, 102)
        if status in (503, 429):
            assert reply.headers["Retry-After"] == "1"

    return check


def _latency(text: str, least: float) -> Callable[[Running], None]:
    def check(running: Running) -> None:
        reply = scenario(running, text)
        assert reply.seconds >= least
        _valid_success(reply)

    return check


def _reset(running: Running) -> None:
    with pytest.raises(ConnectionResetError):
        scenario(running, "reset")


def _empty(running: Running) -> None:
    with pytest.raises(http.client.RemoteDisconnected):
        scenario(running, "empty-response")


def _malformed(running: Running) -> None:
    reply = scenario(running, "malformed-json")
    assert reply.status == 200 and reply.headers["Content-Type"] == "application/json"
    with pytest.raises(orjson.JSONDecodeError):
        reply.json()


def _truncated(running: Running) -> None:
    with pytest.raises(http.client.IncompleteRead) as caught:
        scenario(running, "truncated")
    full = call(running).body
    assert caught.value.partial == full[: len(full) // 2]
    assert caught.value.expected == len(full) - len(full) // 2


def _dribble(running: Running) -> None:
    host, port = running.host_port
    connection = http.client.HTTPConnection(host, port, timeout=30)
    body = orjson.dumps({spec.CALL: {"user": DEMO}})
    headers = PROTOCOL_HEADERS | {"X-Mock-Scenario": "slow-dribble; chunks=5; ms=150"}
    started = time.perf_counter()
    connection.request("POST", "/api/v4/request", body, headers)
    response = connection.getresponse()
    arrivals, pieces = [], []
    for _ in range(10_000):  # bounded: the body is a few kB
        piece = response.read1(65536)
        if not piece:
            break
        arrivals.append(time.perf_counter())
        pieces.append(piece)
    connection.close()
    assert b"".join(pieces) == call(running).body
    # 5 chunks, 150 ms apart: the last arrives at least 0.6 s after the request. (Not measured from
    # the first arrival: on a loaded machine the client may read the first chunks together.)
    assert arrivals[-1] - started >= 0.6
    assert len(arrivals) >= 2


def _content_type(running: Running) -> None:
    reply = scenario(running, "wrong-content-type")
    assert reply.status == 200 and reply.headers["Content-Type"].startswith("text/html")
    with pytest.raises(orjson.JSONDecodeError):
        reply.json()


def _data(name: str, variant: str) -> Callable[[Running], None]:
    def check(running: Running) -> None:
        reply = scenario(running, name)
        _valid_success(reply)
        assert VARIANT_CHECKS[variant](reply.json()["user"]["sessions"])

    return check


def _ok(running: Running) -> None:
    assert scenario(running, "ok").body == call(running).body


CHECKS: dict[str, Callable[[Running], None]] = {
    "ok": _ok,
    **{f"result-{code}": _result(code) for code in spec.result_codes()},
    **{f"http-{status}": _http(status) for status in (500, 502, 503, 504, 429)},
    "latency-fixed": _latency("latency-fixed; ms=300", 0.3),
    "latency-uniform": _latency("latency-uniform; min=200; max=260", 0.2),
    "latency-lognormal": _latency("latency-lognormal; median=250; sigma=0", 0.25),
    "reset": _reset,
    "empty-response": _empty,
    "malformed-json": _malformed,
    "truncated": _truncated,
    "slow-dribble": _dribble,
    "wrong-content-type": _content_type,
    "no-sessions": _data("no-sessions", "none"),
    "many-sessions": _data("many-sessions", "many"),
    "all-optional-null": _data("all-optional-null", "null"),
    "all-optional-omitted": _data("all-optional-omitted", "omitted"),
    "in-progress": _data("in-progress", "in-progress"),
    "never-charged": _data("never-charged", "never-charged"),
    "zero-cost": _data("zero-cost", "zero-cost"),
    "non-ascii-address": _data("non-ascii-address", "non-ascii"),
}


def test_every_catalogue_entry_has_a_real_http_check() -> None:
    assert set(CHECKS) == set(catalog.names())


@pytest.mark.parametrize("name", list(CHECKS))
def test_scenario_over_real_http(server: Running, name: str) -> None:
    CHECKS[name](server)


# -- the server as a whole ---------------------------------------------------------------------
def test_banner_and_protocol(server: Running) -> None:
    assert "demo-key" in server.banner and "demo@example.com" in server.banner
    reply = call(server)
    _valid_success(reply)
    assert call(server, raw=b"[]").json()["result"]["code"] == 230
    assert call(server, headers={"Authorization": "key=nope"}).status == 401
    served = get(server, "/openapi.json")
    assert served.pop("servers")[0]["url"] == server.base
    assert_the_call_at_every_path(served, PROTOCOL_PATHS)


def test_banner_curl_command_works(server: Running) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    line = next(line for line in server.banner.splitlines() if "curl " in line)
    command = shlex.split(line.split("try:", 1)[1])
    output = subprocess.run(command, capture_output=True, check=True, timeout=30).stdout
    assert orjson.loads(output)["result"]["code"] == 0


def test_catalogue_curl_commands_work(server: Running) -> None:
    """The documented magic values, run exactly as /__mock/catalog prints them."""
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    for entry in get(server, "/__mock/catalog")["magic-values"]:
        command = shlex.split(entry["curl"])
        output = subprocess.run(command, capture_output=True, check=True, timeout=30).stdout
        assert orjson.loads(output)["result"]["code"] == entry["outcome"]["code"], entry["curl"]


def test_concurrent_requests(server: Running) -> None:
    users = [{"identifier-type": "rfid", "identifier": f"DEAD01{code}"} for code in (40, 44, 45)] * 10
    with ThreadPoolExecutor(max_workers=10) as pool:
        replies = list(pool.map(lambda user: call(server, user), users))
    assert [r.json()["result"]["code"] for r in replies] == [140, 144, 145] * 10


def test_no_internal_errors_and_self_check_clean(server: Running) -> None:
    for name in CHECKS:  # make sure the server has seen every scenario before asking
        if name not in ("reset", "empty-response", "truncated"):
            scenario(server, name)
    health = get(server, "/__mock/health")
    assert health["internal-errors"] == 0
    assert health["self-check-failures"] == 0


def _bodies(running: Running) -> list[bytes]:
    users = [
        {"identifier-type": "rfid", "identifier": "04A2B3C4D5E6F7"},
        {"identifier-type": "username", "identifier": "someone@example.org", "token": "t0k3n"},
        {"identifier-type": "evco-id", "identifier": "FR*ABC*123456789*1"},
        {"identifier-type": "token", "identifier": "aaaabbbbccccddddeeeeffff00001111"},
    ]
    return [call(running, user).body for user in users]


def test_restart_gives_byte_identical_bodies() -> None:
    """Same seed and clock, another process (and another worker count): the same bytes."""
    args = ["--any-user", "--seed", "42", "--now", NOW, "--log-format", "off"]
    with start_mock(args) as first:
        before = _bodies(first)
    with start_mock([*args, "--workers", "2"]) as second:
        after = _bodies(second)
    assert before == after
    with start_mock(["--any-user", "--seed", "43", "--now", NOW, "--log-format", "off"]) as other:
        assert _bodies(other) != before


def test_environment_configures_the_process() -> None:
    env = {
        "MOCKSERVER_STATUS_MAPPING": "http",
        "MOCKSERVER_API_KEYS": "ci-key",
        "MOCKSERVER_LOG_FORMAT": "off",
    }
    with start_mock([], env=env) as running:
        unknown = {"identifier-type": "username", "identifier": "x@example.com", "token": "t"}
        reply = call(running, unknown, headers={"Authorization": "key=ci-key"})
        assert (reply.status, reply.json()["result"]["code"]) == (404, 144)
        assert "ci-key" not in running.banner  # a key of your own is masked
        assert "API key:    ******** (your own key, 6 characters)" in running.banner


def test_granian_serves_the_same_answers_and_says_what_it_cannot_do() -> None:
    """--server granian (optional dependency): same bytes as gunicorn, hot path and journal included."""
    pytest.importorskip("granian")
    args = ["--now", NOW, "--log-format", "off", "--workers", "1"]
    # granian copies the process environment into the WSGI environ: named like headers, these must not act
    leaky = {"HTTP_X_MOCK_SCENARIO": "result-101", "HTTP_PROXY": "http://proxy.invalid:3128"}
    with start_mock([*args, "--server", "granian"], env=leaky) as fast, start_mock(args) as reference:
        assert "(granian, workers 1" in fast.banner
        said = "server:     granian, asked for (--server granian): the fastest; 'reset' and 'empty-response'"
        assert f"{said} answer 501" in fast.banner
        answers = [call(fast, DEMO) for _ in range(3)]
        expected = call(reference, DEMO)
        assert {(a.status, a.body) for a in answers} == {(expected.status, expected.body)}
        assert call(fast, DEMO, {"X-Mock-Scenario": "result-102"}).json()["result"]["code"] == 102
        broken = call(fast, DEMO, {"X-Mock-Scenario": "reset"})
        assert broken.status == 501 and "start the mock with --server gunicorn" in broken.json()["error"]
        journal = get(fast, "/__mock/requests?limit=10")
        assert [e["scenario"] for e in journal["requests"]] == ["reset", "result-102", None, None, None]
        assert all("Proxy" not in e["headers"] for e in journal["requests"])


def test_granian_asked_with_a_file_that_resets_runs_gunicorn_and_says_why(tmp_path: Any) -> None:
    """A scenario file that breaks connections needs the socket: gunicorn runs, the banner says why,
    and the scripted reset is a real one."""
    drill = tmp_path / "drill.yaml"
    drill.write_text("version: 1\nscripts:\n  - session: drill\n    sequence: [{scenario: reset}]\n", "utf-8")
    argv = ["--now", NOW, "--log-format", "off", "--workers", "1", "--server", "granian"]
    argv += ["--scenarios", str(drill)]
    with start_mock(argv) as running:
        assert "(gunicorn, workers 1" in running.banner
        why = "server:     gunicorn, chosen for --server granian: drill.yaml $.scripts[0] uses 'reset'"
        assert why in running.banner, running.banner
        with pytest.raises(ConnectionResetError):
            call(running, DEMO, {"X-Mock-Session": "drill"})
