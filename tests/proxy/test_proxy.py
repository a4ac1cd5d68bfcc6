"""Proxy mode through real processes: the mock with ``--upstream`` in front of the project's reference
server (tests/servers), its one-rule mutants, a second mock, a plain HTTP server, or a port where
nothing answers.

What each test proves is in its name: no violation on the correct server, the broken rule named on
a broken one, strict mode, scenarios over real answers, an upstream that is down or silent, hostile
JSON either way.
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

import spec
from mockserver.serving.process import ServerProcess, free_port, start_mock
from tests.contract.conftest import http_server, reference_server
from tests.servers.reference import API_KEY, USERS
from tests.state.redis_server import RedisServer

pytestmark = pytest.mark.slow

ADA, GRACE = USERS[0], USERS[-1]
KEY = f"key={API_KEY}"
EMPTY_USERS = Path(__file__).parent / "no-users.yaml"


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)

    @property
    def violations(self) -> int:
        return int(self.headers["X-Mock-Violations"])


def envelope(user: dict[str, Any], token: str | None = None) -> bytes:
    sent = {"identifier-type": user["identifier-type"], "identifier": user["identifier"]}
    if user.get("token") is not None or token is not None:
        sent["token"] = token if token is not None else user["token"]
    return orjson.dumps({spec.CALL: {"user": sent}})


def post(
    base: str, body: bytes, headers: dict[str, str] | None = None, path: str = "/api/v4/request"
) -> Reply:
    host, port = base.removeprefix("http://").rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    sent = {"Authorization": KEY, "Content-Type": "application/json", **(headers or {})}
    try:
        connection.request("POST", path, body=body, headers=sent)
        response = connection.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        connection.close()


def admin(server: ServerProcess, path: str, method: str = "GET", body: Any = None) -> Any:
    host, port = server.host_port
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        data = None if body is None else orjson.dumps(body)
        connection.request(method, path, body=data, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        payload = response.read()
        assert response.status < 300, payload
        return orjson.loads(payload)
    finally:
        connection.close()


@contextmanager
def proxy(upstream: str, *args: str) -> Iterator[ServerProcess]:
    """The mock in front of ``upstream``, with an empty user directory unless ``args`` give one (the demo
    directory's own scenarios would apply to its users' requests)."""
    users = [] if "--users" in args else ["--users", str(EMPTY_USERS)]
    command = ["--upstream", upstream, "--port", "0", "--log-format", "off", *users, *args]
    with start_mock(command) as server:
        yield server


@pytest.fixture(scope="module")
def reference() -> Iterator[str]:
    with reference_server() as url:
        yield url


@pytest.fixture(scope="module")
def proxied(reference: str) -> Iterator[ServerProcess]:
    with proxy(reference) as server:
        yield server


# --- the correct server: nothing to report -------------------------------------------------------

CORRECT_REQUESTS = {
    "Ada's sessions": envelope(ADA),
    "Grace's sessions": envelope(GRACE),
    "a wrong token (145)": envelope(ADA, token="0" * 32),
    "an unknown username (144)": envelope({"identifier-type": "username", "identifier": "nobody@x.org"}, "a"),
    **{f"{user['identifier-type']} {index}": envelope(user) for index, user in enumerate(USERS[1:-1])},
}


@pytest.mark.parametrize("body", CORRECT_REQUESTS.values(), ids=CORRECT_REQUESTS.keys())
def test_the_correct_server_passes_unchanged_with_no_violation(
    proxied: ServerProcess, reference: str, body: bytes
) -> None:
    direct = post(reference, body)
    through = post(proxied.base, body)
    assert (through.status, through.body) == (direct.status, direct.body)
    assert through.headers["Content-Type"] == direct.headers["Content-Type"]
    assert through.violations == 0, admin(proxied, "/__mock/violations")


def test_the_journal_keeps_what_the_upstream_said(proxied: ServerProcess) -> None:
    session = {"X-Mock-Session": "journal-upstream"}
    post(proxied.base, envelope(ADA), session)
    (entry,) = admin(proxied, "/__mock/requests?session=journal-upstream")["requests"]
    assert entry["upstream"]["status"] == 200
    assert entry["upstream"]["bytes"] > 0
    assert entry["violations"] == []
    assert entry["headers"]["Authorization"] != KEY  # the partner key went upstream, not into the journal


# --- broken servers: the broken rule is named ----------------------------------------------------

BROKEN = {
    "end-before-start": ("interval-end-not-before-start", "$.user.sessions[1].session-interval.end"),
    "duplicate-result-key": ("json-body", "$"),
    "text-json-content-type": ("json-content-type", "headers.Content-Type"),
    "cost-as-number": ("response-schema", "$.user.sessions[0].cost"),
}


@pytest.mark.parametrize("mutation", BROKEN)
def test_a_broken_server_is_named_by_rule_and_path(mutation: str) -> None:
    rule, path = BROKEN[mutation]
    with reference_server("--mutation", mutation) as upstream, proxy(upstream) as server:
        got = post(server.base, envelope(ADA), {"X-Mock-Session": "broken"})
        assert got.violations > 0
        listed = admin(server, f"/__mock/violations?session=broken&rule={rule}")
        assert listed["count"] > 0, admin(server, "/__mock/violations?session=broken")
        assert {v["side"] for v in listed["violations"]} == {"answer"}
        assert path in {v["path"] for v in listed["violations"]}
        summary = admin(server, "/__mock/violations?session=broken")["by-rule"]
        assert {"side": "answer", "rule": rule} in [{k: s[k] for k in ("side", "rule")} for s in summary]


# --- the app's mistakes ---------------------------------------------------------------------------

BAD_REQUESTS = {
    "content-type": (envelope(ADA), {"Content-Type": "text/plain"}, "headers.Content-Type"),
    "request-schema": (
        orjson.dumps({spec.CALL: {"user": {"identifier-type": "email", "identifier": "a"}}}),
        {},
        "$.user-get-recent-sessions.user.identifier-type",
    ),
    "json-body": (b'{"user-get-recent-sessions": {"user": {}}, "user-get-recent-sessions": 1}', {}, "$"),
}


@pytest.mark.parametrize("rule", BAD_REQUESTS)
def test_a_bad_request_is_forwarded_and_named(proxied: ServerProcess, rule: str) -> None:
    body, headers, path = BAD_REQUESTS[rule]
    session = f"bad-{rule}"
    got = post(proxied.base, body, {**headers, "X-Mock-Session": session})
    assert got.violations >= 1
    listed = admin(proxied, f"/__mock/violations?session={session}&side=request")
    assert (rule, path) in {(v["rule"], v["path"]) for v in listed["violations"]}
    (entry,) = admin(proxied, f"/__mock/requests?session={session}")["requests"]
    assert entry["upstream"] is not None  # forwarded all the same: the upstream's answer is the app's


LONG_SECRET = "s3cr3t" * 50  # 300 characters: over the schema's 255, so its field is a violation
SECRET_REQUESTS = {
    "a token too long": {
        "identifier-type": "username",
        "identifier": "ada@example.org",
        "token": LONG_SECRET,
    },
    "a token identifier too long": {"identifier-type": "token", "identifier": LONG_SECRET},
}


@pytest.mark.parametrize("user", SECRET_REQUESTS.values(), ids=SECRET_REQUESTS.keys())
def test_a_violation_never_repeats_the_token(proxied: ServerProcess, user: dict[str, Any]) -> None:
    session = {"X-Mock-Session": "secret"}
    got = post(proxied.base, orjson.dumps({spec.CALL: {"user": user}}), session)
    assert got.violations >= 1
    listed = admin(proxied, "/__mock/violations?session=secret&rule=request-schema")
    assert listed["count"] >= 1
    (entry,) = admin(proxied, "/__mock/requests?session=secret")["requests"]
    assert LONG_SECRET not in orjson.dumps([listed["violations"], entry["violations"]]).decode()
    admin(proxied, "/__mock/requests?session=secret", "DELETE")


def test_violations_refuse_an_unknown_filter_or_side(proxied: ServerProcess) -> None:
    host, port = proxied.host_port
    for query, path in (("colour=red", "$.query.colour"), ("side=both", "$.query.side")):
        connection = http.client.HTTPConnection(host, port, timeout=30)
        connection.request("GET", f"/__mock/violations?{query}")
        response = connection.getresponse()
        body = orjson.loads(response.read())
        connection.close()
        assert response.status == 400
        assert body["problems"][0]["path"] == path


# --- strict mode ---------------------------------------------------------------------------------


def test_strict_mode_answers_a_bad_request_itself(reference: str) -> None:
    with proxy(reference, "--upstream-strict") as server:
        got = post(server.base, envelope(ADA), {"Content-Type": "text/plain", "X-Mock-Session": "s"})
        assert got.status == 400
        assert got.json()["result"]["code"] == 230
        assert "headers.Content-Type" in {p["path"] for p in got.json()["problems"]}
        (entry,) = admin(server, "/__mock/requests?session=s")["requests"]
        assert entry["upstream"] is None  # never forwarded
        assert post(server.base, envelope(ADA)).status == 200  # a good one goes through


def test_strict_mode_turns_a_bad_answer_into_a_502() -> None:
    broken = reference_server("--mutation", "end-before-start")
    with broken as upstream, proxy(upstream, "--upstream-strict") as server:
        got = post(server.base, envelope(ADA))
    assert got.status == 502
    assert got.json()["result"]["code"] == 100
    paths = {p["path"] for p in got.json()["problems"]}
    assert "$.user.sessions[1].session-interval.end" in paths


# --- scenarios over real answers -----------------------------------------------------------------


def _sessions(reply: Reply) -> list[dict[str, Any]]:
    sessions: list[dict[str, Any]] = reply.json()["user"]["sessions"]
    return sessions


def _real_ids(reference: str) -> list[str]:
    return [s["external-session-id"] for s in _sessions(post(reference, envelope(ADA)))]


def test_no_sessions_reshapes_the_real_answer(proxied: ServerProcess) -> None:
    got = post(proxied.base, envelope(ADA), {"X-Mock-Scenario": "no-sessions"})
    assert (got.status, got.json()["result"]["code"], _sessions(got)) == (200, 0, [])


def test_in_progress_puts_a_running_session_before_the_real_ones(
    proxied: ServerProcess, reference: str
) -> None:
    got = post(proxied.base, envelope(ADA), {"X-Mock-Scenario": "in-progress"})
    first, *rest = _sessions(got)
    assert "end" not in first["session-interval"]
    real = _real_ids(reference)
    assert rest and all(s["external-session-id"] in real for s in rest)


def test_zero_cost_keeps_the_real_sessions(proxied: ServerProcess, reference: str) -> None:
    got = post(proxied.base, envelope(ADA), {"X-Mock-Scenario": "zero-cost"})
    assert [s["external-session-id"] for s in _sessions(got)] == _real_ids(reference)
    assert {s["cost"] for s in _sessions(got)} == {"0.00"}


@pytest.mark.parametrize(("scenario", "status", "code"), [("result-145", 200, 145), ("http-503", 503, 100)])
def test_an_error_scenario_never_reaches_the_upstream(
    proxied: ServerProcess, scenario: str, status: int, code: int
) -> None:
    session = {"X-Mock-Session": f"never-{scenario}", "X-Mock-Scenario": scenario}
    got = post(proxied.base, envelope(ADA), session)
    assert (got.status, got.json()["result"]["code"]) == (status, code)
    (entry,) = admin(proxied, f"/__mock/requests?session=never-{scenario}")["requests"]
    assert entry["upstream"] is None


def test_a_directory_users_own_scenario_applies(reference: str, tmp_path: Path) -> None:
    users = tmp_path / "users.yaml"
    entry = {"id": "ada", "identifiers": {"username": ADA["identifier"]}, "token": ADA["token"]}
    users.write_text(orjson.dumps({"users": [{**entry, "scenario": "no-sessions"}]}).decode(), "utf-8")
    with proxy(reference, "--users", str(users)) as server:
        assert _sessions(post(server.base, envelope(ADA))) == []
        assert _sessions(post(server.base, envelope(GRACE)))  # another user: the upstream's answer


def test_malformed_json_breaks_the_real_answer(proxied: ServerProcess) -> None:
    got = post(proxied.base, envelope(ADA), {"X-Mock-Scenario": "malformed-json"})
    assert got.status == 200
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(got.body)


def test_latency_delivers_the_real_answer(proxied: ServerProcess, reference: str) -> None:
    headers = {"X-Mock-Scenario": "latency-fixed; ms=50", "X-Mock-Session": "latency"}
    got = post(proxied.base, envelope(ADA), headers)
    assert (got.status, got.body) == (200, post(reference, envelope(ADA)).body)
    (entry,) = admin(proxied, "/__mock/requests?session=latency")["requests"]
    assert entry["scenario"] == "latency-fixed"


def test_truncated_cuts_the_real_answer(proxied: ServerProcess) -> None:
    with pytest.raises(http.client.IncompleteRead) as cut:
        post(proxied.base, envelope(ADA), {"X-Mock-Scenario": "truncated"})
    assert cut.value.partial and cut.value.expected


def test_reset_breaks_the_connection(proxied: ServerProcess) -> None:
    with pytest.raises((ConnectionError, http.client.HTTPException)):
        post(proxied.base, envelope(ADA), {"X-Mock-Scenario": "reset"})


def test_a_script_fails_once_then_forwards(proxied: ServerProcess, reference: str) -> None:
    script = {
        "match": {"identifier": ADA["identifier"]},
        "sequence": [{"scenario": "http-503"}, {"scenario": "ok"}],
    }
    admin(proxied, "/__mock/scenarios/script?session=scripted", "POST", script)
    headers = {"X-Mock-Session": "scripted"}
    first, second = post(proxied.base, envelope(ADA), headers), post(proxied.base, envelope(ADA), headers)
    assert first.status == 503
    assert (second.status, second.body) == (200, post(reference, envelope(ADA)).body)


# --- headers --------------------------------------------------------------------------------------


def test_the_partner_key_goes_upstream(proxied: ServerProcess) -> None:
    refused = post(proxied.base, envelope(ADA), {"Authorization": "key=not-the-key"})
    assert refused.json()["result"]["code"] == 210  # the upstream judged the key the app sent
    assert post(proxied.base, envelope(ADA)).json()["result"]["code"] == 0


def test_mock_headers_and_hop_by_hop_headers_are_not_forwarded_nor_the_upstreams_cors() -> None:
    with start_mock(["--port", "0", "--log-format", "off"]) as upstream, proxy(upstream.base) as server:
        headers = {
            "Authorization": "key=demo-key",
            "X-Mock-Session": "kept-here",
            "Accept-Encoding": "gzip",
            "Keep-Alive": "timeout=5",
            "X-App-Version": "4.2",
        }
        user = {
            "identifier-type": "username",
            "identifier": "demo@example.com",
            "token": "87d4e3085af04671834ebeb127df33bf",
        }
        got = post(server.base, envelope(user), {**headers, "Origin": "https://app.example"})
        assert got.status == 200
        # the upstream (a mock too) says who may read its answer; the proxy's own policy says it once
        assert got.headers.get_all("Access-Control-Allow-Origin") == ["*"]
        assert admin(upstream, "/__mock/requests?session=kept-here")["count"] == 0
        (entry,) = admin(upstream, "/__mock/requests")["requests"]
        assert not any(name.lower().startswith("x-mock-") for name in entry["headers"])
        assert "Keep-Alive" not in entry["headers"]
        assert entry["headers"]["Accept-Encoding"] == "identity"
        assert entry["headers"]["X-App-Version"] == "4.2"  # the app's own headers go on
        assert admin(server, "/__mock/requests?session=kept-here")["count"] == 1


# --- an upstream that does not answer -------------------------------------------------------------


def test_an_upstream_that_is_down_answers_502_result_100() -> None:
    with proxy(f"http://127.0.0.1:{free_port()}") as server:
        got = post(server.base, envelope(ADA), {"X-Mock-Session": "down"})
        (entry,) = admin(server, "/__mock/requests?session=down")["requests"]
    assert (got.status, got.json()["result"]["code"]) == (502, 100)
    assert entry["upstream"]["failure"].startswith("down")
    assert (entry["status"], entry["result"]) == (502, 100)


def _endless(server: socket.socket) -> None:
    """Answer one connection with a 64 MiB Content-Length and zeros until the reader hangs up."""
    connection, _ = server.accept()
    with connection:
        connection.recv(65536)
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 67108864\r\n\r\n"
        with contextlib.suppress(OSError):
            connection.sendall(head)
            for _ in range(1024):
                connection.sendall(b"0" * 65536)


def test_an_answer_too_large_to_hold_is_a_502_result_100() -> None:
    endless = socket.socket()
    endless.bind(("127.0.0.1", 0))
    endless.listen(8)
    sender = threading.Thread(target=_endless, args=(endless,), daemon=True)
    sender.start()
    try:
        with proxy(f"http://127.0.0.1:{endless.getsockname()[1]}") as server:
            got = post(server.base, envelope(ADA))
    finally:
        endless.close()
        sender.join(timeout=30)
    assert (got.status, got.json()["result"]["code"]) == (502, 100)
    assert "larger than" in got.json()["error"]


def test_an_upstream_that_never_answers_gives_504_result_102() -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # connections are accepted by the kernel; nothing ever answers
    try:
        upstream = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with proxy(upstream, "--upstream-timeout", "0.5") as server:
            got = post(server.base, envelope(ADA))
    finally:
        silent.close()
    assert (got.status, got.json()["result"]["code"]) == (504, 102)
    assert "--upstream-timeout" in got.json()["error"]


# --- hostile JSON: never a 500, always named -------------------------------------------------------

NESTED = b"[" * 10_000 + b"]" * 10_000
LONE_SURROGATE = rb'"\ud800x"'  # the JSON escape of a surrogate with no partner
HUGE = b"-9967156139212575322409009152"  # beyond 64 bits: no store writes it as an integer
HOSTILE_REQUESTS = {  # body, rule, path, words of the message
    "nested 10,000 deep": (NESTED, "json-body", "$", f"nested deeper than {spec.MAX_DEPTH} levels"),
    "a lone surrogate escape": (
        b'{"user-get-recent-sessions":{"user":{"identifier-type":"username","identifier":'
        + LONE_SURROGATE
        + b',"token":"t"}}}',
        "json-body",
        "$",
        r"the string at $.user-get-recent-sessions.user.identifier holds \ud800",
    ),
    "an integer beyond 64 bits": (
        b'{"user-get-recent-sessions": {"user": ' + HUGE + b"}}",
        "request-schema",
        "$.user-get-recent-sessions.user",
        "is not of type 'object'",  # the value, beyond what a store writes, is quoted as text
    ),
}
SESSION = (
    b'{"session-interval": {"start": "2014-06-23T16:32:22+02:00", "end": "2014-06-23T17:42:47+02:00"},'
    b' "cost": "3.76", "currency": "EUR", "external-session-id": "abc-def"'
)
HOSTILE_ANSWERS = {  # the upstream's body, rule, path, words of the message
    "nested 10,000 deep": (
        b'{"result": {"code": 0, "message": "Success."}, "user": {"sessions": [], "x": ' + NESTED + b"}}",
        "json-body",
        "$",
        f"nested deeper than {spec.MAX_DEPTH} levels",
    ),
    "nested 500 deep": (  # read by orjson (1024 levels), not written by it (254): a rewrite cannot write it
        b'{"result": {"code": 0, "message": "Success."}, "user": {"sessions": [], "x": '
        + b"[" * 500
        + b"]" * 500
        + b"}}",
        "json-body",
        "$",
        f"nested deeper than {spec.MAX_DEPTH} levels",
    ),
    "a lone surrogate escape": (
        b'{"result": {"code": 0, "message": "Success."}, "user": {"sessions": ['
        + SESSION
        + b', "address": '
        + LONE_SURROGATE
        + b"}]}}",
        "json-body",
        "$",
        r"the string at $.user.sessions[0].address holds \ud800",
    ),
    "an integer beyond 64 bits": (
        b'{"result": {"code": 0, "message": "Success."}, "user": {"sessions": ['
        + SESSION
        + b', "connector-id": '
        + HUGE
        + b"}]}}",
        "response-schema",
        "$.user.sessions[0].connector-id",
        HUGE.decode(),
    ),
}
NO_SESSIONS = {"X-Mock-Scenario": "no-sessions"}
ANSWER_HEADER = "X-Answer"  # the app's own header: forwarded, it tells the raw upstream what to send


class _Raw(http.server.BaseHTTPRequestHandler):
    """An upstream that answers 200 with the body of HOSTILE_ANSWERS that ``X-Answer`` names."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = HOSTILE_ANSWERS[self.headers[ANSWER_HEADER]][0]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Pair:
    lenient: ServerProcess
    strict: ServerProcess
    upstream: str


@pytest.fixture(scope="module", params=["memory", "redis"])
def state(request: pytest.FixtureRequest) -> Iterator[list[str]]:
    """The journal's store: the proxy's own memory, or a real Redis."""
    if request.param == "memory":
        yield []
        return
    redis = RedisServer()
    redis.start()
    try:
        yield ["--state", redis.url]
    finally:
        redis.stop()


@contextmanager
def pair(upstream: str, state: list[str]) -> Iterator[Pair]:
    with proxy(upstream, *state) as lenient, proxy(upstream, "--upstream-strict", *state) as strict:
        yield Pair(lenient, strict, upstream)


@pytest.fixture(scope="module")
def in_front_of_a_mock(state: list[str]) -> Iterator[Pair]:
    with start_mock(["--port", "0", "--log-format", "off"]) as upstream, pair(upstream.base, state) as both:
        yield both


@pytest.fixture(scope="module")
def in_front_of_a_raw_upstream(state: list[str]) -> Iterator[Pair]:
    with http_server(_Raw) as upstream, pair(upstream, state) as both:
        yield both


def _slug(case: str) -> str:
    return "-".join(case.replace(",", "").split())


def _listed(server: ServerProcess, session: str, side: str, rule: str, path: str) -> dict[str, Any]:
    """The one violation of ``session`` with this side, rule and path (the journal could store it)."""
    listed = admin(server, f"/__mock/violations?session={session}&side={side}&rule={rule}")
    (found,) = [v for v in listed["violations"] if v["path"] == path]
    return found


@pytest.mark.parametrize("case", HOSTILE_REQUESTS)
def test_a_hostile_request_is_judged_like_the_mock_and_named(in_front_of_a_mock: Pair, case: str) -> None:
    body, rule, path, words = HOSTILE_REQUESTS[case]
    direct = post(in_front_of_a_mock.upstream, body, {"Authorization": "key=demo-key"})
    session = "request-" + _slug(case)
    headers = {"Authorization": "key=demo-key", "X-Mock-Session": session}
    through = post(in_front_of_a_mock.lenient.base, body, headers)
    assert (through.status, through.body) == (direct.status, direct.body)
    assert through.status == 400
    assert words in _listed(in_front_of_a_mock.lenient, session, "request", rule, path)["message"]
    (entry,) = admin(in_front_of_a_mock.lenient, f"/__mock/requests?session={session}")["requests"]
    assert entry["upstream"] is not None  # forwarded all the same

    strict = {**headers, "X-Mock-Session": f"{session}-strict"}  # Redis: one journal for both proxies
    refused = post(in_front_of_a_mock.strict.base, body, strict)
    assert (refused.status, refused.json()["result"]["code"]) == (400, 230)
    assert any(p["path"] == path and words in p["message"] for p in refused.json()["problems"])
    (entry,) = admin(in_front_of_a_mock.strict, f"/__mock/requests?session={session}-strict")["requests"]
    assert entry["upstream"] is None


@pytest.mark.parametrize("case", HOSTILE_ANSWERS)
def test_a_hostile_answer_is_passed_on_or_refused_and_named(
    in_front_of_a_raw_upstream: Pair, case: str
) -> None:
    body, rule, path, words = HOSTILE_ANSWERS[case]
    session = "answer-" + _slug(case)
    headers = {ANSWER_HEADER: case, "X-Mock-Session": session}
    through = post(in_front_of_a_raw_upstream.lenient.base, envelope(ADA), headers)
    assert (through.status, through.body) == (200, body)
    assert through.violations >= 1
    assert words in _listed(in_front_of_a_raw_upstream.lenient, session, "answer", rule, path)["message"]
    reshaped = post(in_front_of_a_raw_upstream.lenient.base, envelope(ADA), {**headers, **NO_SESSIONS})
    assert (reshaped.status, reshaped.violations > 0) == (200, True)  # a data scenario over it: no 500

    strict = {**headers, "X-Mock-Session": f"{session}-strict"}  # Redis: one journal for both proxies
    refused = post(in_front_of_a_raw_upstream.strict.base, envelope(ADA), strict)
    assert (refused.status, refused.json()["result"]["code"]) == (502, 100)
    assert any(p["path"] == path and words in p["message"] for p in refused.json()["problems"])
    assert _listed(in_front_of_a_raw_upstream.strict, f"{session}-strict", "answer", rule, path)


def test_the_contract_suite_finds_no_server_error_through_a_proxy(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    with start_mock(["--port", "0", "--log-format", "off"]) as upstream, proxy(upstream.base) as server:
        command = ["--base-url", server.base, "--rate-limit", "0", "--max-examples", "5", "--report"]
        subprocess.run([sys.executable, "-m", "contract_tests", *command, str(report)], check=False)
    (check,) = [c for c in orjson.loads(report.read_bytes())["checks"] if c["name"] == "not-a-server-error"]
    assert (check["outcome"], check["failures"]) == ("passed", 0), check


# --- several workers, shared state ---------------------------------------------------------------


def test_the_violations_of_every_worker_are_listed_together_with_redis_state() -> None:
    redis = RedisServer()
    redis.start()
    try:
        broken = reference_server("--mutation", "end-before-start")
        with broken as upstream, proxy(upstream, "--workers", "2", "--state", redis.url) as server:
            counts = [
                post(server.base, envelope(ADA), {"X-Mock-Session": "workers"}).violations for _ in range(8)
            ]
            listed = admin(server, "/__mock/violations?session=workers")
    finally:
        redis.stop()
    assert min(counts) > 0
    assert listed["count"] == sum(counts)
    assert "interval-end-not-before-start" in {row["rule"] for row in listed["by-rule"]}
