"""Serving: what the mock tells a client and its operator about where it is (the ``servers`` of
``/openapi.json``, the catalogue's curl lines, the banner of a server bound to any address), whether a
client that half-closes its side after its request gets its answer, and how it stops while requests are
in flight."""

from __future__ import annotations

import http.client
import ipaddress
import shlex
import signal
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
import pytest
from flask.testing import FlaskClient

import spec
from mockserver import settings
from mockserver.serving import banner, startup
from mockserver.serving.banner import banner_complete, listening, listening_url
from mockserver.serving.gunicorn_server import CUT_AFTER_SECONDS, GRACEFUL_SECONDS
from mockserver.serving.options import Options
from mockserver.serving.process import ServerProcess, mock_command, start, start_mock
from mockserver.serving.startup import network_urls
from mockserver.settings import PROTOCOL_PATHS
from tests.mockserver.conftest import DEMO, PROTOCOL_HEADERS, assert_the_call_at_every_path
from tests.mockserver.raw_http import parse


def fetch_json(server: ServerProcess, path: str) -> Any:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        assert response.status == 200
        return orjson.loads(response.read())
    finally:
        connection.close()


ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("http://localhost", "http://localhost"),
        ("http://mock.example:9123", "http://mock.example:9123"),
        ("https://mock.example", "https://mock.example"),
        ("http://[::1]:8123", "http://[::1]:8123"),
        ("http://10.0.0.7:8080/sandbox/oioi", "http://10.0.0.7:8080/sandbox/oioi"),  # a script root
    ],
)
def test_openapi_servers_name_the_url_the_request_reached(
    client: FlaskClient, base_url: str, expected: str
) -> None:
    served = client.get("/openapi.json", base_url=base_url).get_json()
    assert [server["url"] for server in served["servers"]] == [expected]


def test_openapi_servers_are_per_request_and_the_rest_is_the_spec(client: FlaskClient) -> None:
    first = client.get("/openapi.json", base_url="http://one.example:1").get_json()
    second = client.get("/openapi.json", base_url="http://two.example:2").get_json()
    assert first["servers"][0]["url"] == "http://one.example:1"
    assert second["servers"][0]["url"] == "http://two.example:2"
    assert {k: v for k, v in first.items() if k != "servers"} == {
        k: v for k, v in second.items() if k != "servers"
    }
    assert_the_call_at_every_path(first, PROTOCOL_PATHS)
    assert list(first) == list(spec.openapi_document())  # servers keeps its place in the document


@pytest.mark.parametrize("host", ["", "not a host", "x:port"])
def test_a_malformed_host_header_gives_way_to_the_servers_address(client: FlaskClient, host: str) -> None:
    served = client.get("/openapi.json", base_url="http://mock.example:9/root", headers={"Host": host})
    assert served.status_code == 200
    assert served.get_json()["servers"][0]["url"] == "http://mock.example:9/root"


@pytest.mark.slow
def test_a_real_mock_serves_openapi_with_its_own_port(server: ServerProcess) -> None:
    assert server.port != 8080
    assert [entry["url"] for entry in fetch_json(server, "/openapi.json")["servers"]] == [server.base]


def test_the_catalogues_curl_lines_use_the_url_the_request_reached(client: FlaskClient) -> None:
    document = client.get("/__mock/catalog", base_url="http://mock.example:9123/sandbox").get_json()
    lines = [entry["curl"] for entry in [*document["scenarios"], *document["magic-values"]]]
    assert lines and all(" http://mock.example:9123/sandbox/api/v4/request " in line for line in lines)


# -- the banner ---------------------------------------------------------------------------------
def test_a_wildcard_listening_line_reads_back_to_the_local_url() -> None:
    line = listening("mockserver", "http://0.0.0.0:8080", "gunicorn", local="http://127.0.0.1:8080")
    assert line == "mockserver listening on http://0.0.0.0:8080, locally http://127.0.0.1:8080 (gunicorn)"
    assert listening_url(f"{line}\n  network:    http://192.168.1.5:8080\n") == "http://127.0.0.1:8080"
    same = listening("mockserver", "http://127.0.0.1:8080", "gunicorn", local="http://127.0.0.1:8080")
    assert same == "mockserver listening on http://127.0.0.1:8080 (gunicorn)"
    assert listening_url(same) == "http://127.0.0.1:8080"


@pytest.fixture
def interfaces(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine with a LAN address and a ULA, seen by its route and by its host name."""
    route = {socket.AF_INET: ["192.168.1.5"], socket.AF_INET6: ["fd00::5"]}
    named = {
        socket.AF_INET: ["127.0.1.1", "192.168.1.5", "10.8.0.2"],
        socket.AF_INET6: ["::1", "fe80::1%eth0", "fd00::5"],
    }
    monkeypatch.setattr(startup, "_route_source", lambda family: route[family])
    monkeypatch.setattr(startup, "_host_name_addresses", lambda family: named[family])


@pytest.mark.usefixtures("interfaces")
@pytest.mark.parametrize(
    ("host", "urls"),
    [
        ("127.0.0.1", None),
        ("::1", None),
        ("localhost", None),
        ("0.0.0.0", ["http://192.168.1.5:80", "http://10.8.0.2:80"]),
        ("::", ["http://192.168.1.5:80", "http://10.8.0.2:80", "http://[fd00::5]:80"]),
        ("192.168.1.5", ["http://192.168.1.5:80"]),
        ("fd00::5", ["http://[fd00::5]:80"]),
        ("mock.lan", ["http://mock.lan:80"]),
    ],
)
def test_network_urls_list_what_other_devices_reach(host: str, urls: list[str] | None) -> None:
    assert network_urls(host, 80) == urls


def _route_address() -> str | None:
    """The non-loopback address this machine sends from by its default route, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # UDP: nothing is sent
        except OSError:
            return None
        address = str(probe.getsockname()[0])
        return None if ipaddress.ip_address(address).is_loopback else address


@pytest.mark.slow
@pytest.mark.parametrize("server", ["gunicorn", "granian"])
def test_a_mock_bound_to_every_address_says_so_and_lists_its_network_urls(server: str) -> None:
    if server == "granian":
        pytest.importorskip("granian")
    with start_mock(["--host", "0.0.0.0", "--server", server, "--log-format", "off"]) as mock:
        assert mock.host == "127.0.0.1"  # what process.py reads: a URL this machine reaches
        port = mock.port
        first, second, *_ = mock.banner.splitlines()
        assert first.startswith(
            f"mockserver {spec.version()} listening on http://0.0.0.0:{port}, locally {mock.base} ({server}"
        )
        label, _, listed = second.partition(":")
        assert label.strip() == "network"
        route = _route_address()
        if listed.strip() == "none found (no address but loopback)":
            assert route is None
        else:
            urls = listed.split()
            assert route is None or f"http://{route}:{port}" in urls
            for url in urls:
                parts = urlsplit(url)
                assert parts.port == port and not ipaddress.ip_address(parts.hostname or "").is_loopback
        assert mock.banner.count(mock.base) >= 4  # catalogue, dashboard, spec and curl use the local URL
        (line,) = [line for line in mock.banner.splitlines() if line.lstrip().startswith(banner.LAST_LABEL)]
        status, answer = pasted(line)  # the try: line's curl command, pasted on this machine
        assert status == 200 and "sessions" in orjson.loads(answer)["user"], answer


def pasted(line: str) -> tuple[int, bytes]:
    """What the banner's ``try:`` line's curl command gets: its URL, -H headers and -d body, sent."""
    label, _, command = line.strip().partition(" ")
    assert label == banner.LAST_LABEL, line
    words = shlex.split(command)
    assert words[:2] == ["curl", "-sS"], words
    url = urlsplit(next(word for word in words if word.startswith(("http://", "https://"))))
    headers = dict(words[i + 1].split(": ", 1) for i, word in enumerate(words) if word == "-H")
    body = words[words.index("-d") + 1].encode()
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=30)
    try:
        connection.request("POST", url.path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("anonymise", [False, True])
def test_the_banner_names_the_dashboard_and_where_recordings_go(
    anonymise: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = tmp_path / "recordings"
    config = {
        "MOCK_API_KEYS": [settings.DEMO_API_KEY],
        "MOCK_UPSTREAM": "http://127.0.0.1:18700",
        "MOCK_RECORD": str(record),
        "MOCK_ANONYMISE": anonymise,
    }
    startup.banner(Options("127.0.0.1", 8080, 1, 1, config), "127.0.0.1", 8080, "gunicorn")
    lines = capsys.readouterr().out.splitlines()
    labels = [line.strip().split(":", 1)[0] for line in lines[1:]]
    assert labels == ["upstream", "API key", "record", "admin", "world", "demo user", "catalogue", "try"]
    base = "http://127.0.0.1:8080"
    catalogue = ["catalogue:", f"{base}/__mock/catalog", "dashboard:", f"{base}/__mock/ui"]
    assert lines[-2].split() == [*catalogue, "spec:", f"{base}/openapi.json"]
    anonymised = "anonymised; " if anonymise else ""
    assert lines[3] == (
        f"  record:     {record}    ({anonymised}each user's last successful answer; "
        f"replay: --users {record / 'users.yaml'})"
    )
    assert banner.banner_complete("\n".join(lines)) and not banner.banner_complete("\n".join(lines[:-1]))
    # the upstream judges the key: the curl to paste shows where the app's own goes, not the demo key
    assert "key=<your-api-key>" in lines[-1] and settings.DEMO_API_KEY not in lines[-1]


@pytest.mark.slow
def test_the_banner_says_what_makes_the_answers() -> None:
    flags = [
        "--any-user",
        "--seed",
        "7",
        "--now",
        "2024-06-23T18:00:00+02:00",
        "--scenarios",
        "fixtures/scenarios",
    ]
    with start_mock([*flags, "--log-format", "off"], cwd=ROOT) as mock:
        (line,) = [line.strip() for line in mock.banner.splitlines() if line.lstrip().startswith("world:")]
    assert line == (
        "world:      seed 7; users of users.yaml and any identifier of its type's form (--any-user); "
        "clock pinned at 2024-06-23T18:00:00+02:00; scenario files fixtures/scenarios"
    )
    with start_mock(["--users", "", "--log-format", "off"]) as mock:
        assert "world:      seed 0; no users file; the real clock; no scenario files" in mock.banner


@pytest.mark.slow
def test_a_mock_bound_to_loopback_prints_no_network_line() -> None:
    with start_mock(["--log-format", "off"]) as mock:
        assert mock.banner.startswith(f"mockserver {spec.version()} listening on {mock.base} (gunicorn, ")
        assert "network:" not in mock.banner


# -- stopping -----------------------------------------------------------------------------------
@dataclass
class Outcome:
    """What a client saw of one request, and when (``time.monotonic()``)."""

    status: int | None
    headers: dict[str, str]
    body: bytes
    error: str | None
    at: float


def post_with_scenario(mock: ServerProcess, scenario: str) -> Outcome:
    body = orjson.dumps({spec.CALL: {"user": {"identifier-type": "rfid", "identifier": "04A2B3C4D5E6F7"}}})
    headers = PROTOCOL_HEADERS | {"X-Mock-Scenario": scenario}
    connection = http.client.HTTPConnection(mock.host, mock.port, timeout=90)
    try:
        connection.request("POST", "/api/v4/request", body=body, headers=headers)
        response = connection.getresponse()
        status, got = response.status, dict(response.getheaders())
        try:
            data, error = response.read(), None
        except http.client.IncompleteRead as short:
            data, error = short.partial, "incomplete"
        return Outcome(status, got, data, error, time.monotonic())
    except (OSError, http.client.HTTPException) as failure:
        return Outcome(None, {}, b"", type(failure).__name__, time.monotonic())
    finally:
        connection.close()


def events(stderr: str, name: str) -> list[dict[str, Any]]:
    return [
        e
        for line in stderr.splitlines()
        if line.startswith("{") and (e := orjson.loads(line)).get("event") == name
    ]


@pytest.mark.slow
def test_sigterm_answers_short_requests_and_cuts_long_ones_within_the_bound() -> None:
    with start_mock(["--any-user"]) as mock, ThreadPoolExecutor(3) as pool:
        short = pool.submit(post_with_scenario, mock, "latency-fixed; ms=1500")
        long = pool.submit(post_with_scenario, mock, "latency-fixed; ms=30000")
        dribble = pool.submit(post_with_scenario, mock, "slow-dribble; chunks=2; ms=30000")
        time.sleep(0.7)  # all three in flight, each asleep in its own greenlet
        stopped = time.monotonic()
        mock.process.send_signal(signal.SIGTERM)
        code = mock.process.wait(timeout=GRACEFUL_SECONDS + 10)

        answered = short.result()
        assert (answered.status, answered.error) == (200, None)  # finished within the grace: as usual
        assert "sessions" in orjson.loads(answered.body)["user"]

        cut = long.result()
        assert cut.status == 503 and cut.error is None  # a whole HTTP response...
        assert orjson.loads(cut.body)["result"]["code"] == 100
        assert cut.headers["Retry-After"] == "1" and cut.headers["Connection"] == "close"
        assert cut.at - stopped > CUT_AFTER_SECONDS - 0.5  # ...at the bound, never before it

        closed = dribble.result()  # its answer was under way: the connection is closed, short
        assert (closed.status, closed.error) == (200, "incomplete")
        assert closed.at - stopped > CUT_AFTER_SECONDS - 0.5

        # The worker left before the master would kill it: it wrote the cut's events, which it flushes
        # last, as it leaves (below), and the master exited cleanly. The clock of this process cannot
        # say it under load: it also counts the scheduling of the master's exit and of this test.
        assert code == 0
        stderr = mock.stderr()
        assert "SIGKILL" not in stderr and "Traceback" not in stderr
        lines = events(stderr, "request-cut-at-stop")
        assert sorted((e["scenario"], e["status"]) for e in lines) == [
            ("latency-fixed; ms=30000", 503),
            ("slow-dribble; chunks=2; ms=30000", None),
        ]
        assert all(e["path"] == "/api/v4/request" and e["running_ms"] > 4000 for e in lines)


@pytest.mark.slow
def test_a_quick_stop_cuts_requests_in_flight_at_once() -> None:
    with start_mock(["--any-user"]) as mock, ThreadPoolExecutor(1) as pool:
        long = pool.submit(post_with_scenario, mock, "latency-fixed; ms=30000")
        time.sleep(0.7)
        stopped = time.monotonic()
        mock.process.send_signal(signal.SIGINT)  # Ctrl-C
        mock.process.wait(timeout=GRACEFUL_SECONDS + 10)
        cut = long.result()
        assert cut.status == 503 and cut.at - stopped < 1.5
        assert "SIGKILL" not in mock.stderr()
        assert [e["status"] for e in events(mock.stderr(), "request-cut-at-stop")] == [503]


@pytest.mark.slow
def test_a_sigterm_as_soon_as_the_banner_is_printed_stops_the_mock_before_the_graceful_timeout() -> None:
    """The banner comes when the master listens, before its worker starts: the worker keeps a SIGTERM
    that arrives while it starts, where it would lose it and be killed at the graceful timeout."""
    for _ in range(3):
        with start(mock_command(["--log-format", "off"]), complete=banner_complete) as mock:  # not ready
            mock.process.send_signal(signal.SIGTERM)
            assert mock.process.wait(timeout=GRACEFUL_SECONDS - 1) == 0


@pytest.mark.slow
def test_sigterm_closes_a_keep_alive_connection_that_waits_for_its_next_request() -> None:
    with start_mock(["--log-format", "off"]) as mock:
        connection = http.client.HTTPConnection(mock.host, mock.port, timeout=30)
        connection.request("POST", "/api/v4/request", body=CALL, headers=PROTOCOL_HEADERS)
        answer = connection.getresponse()
        assert answer.status == 200 and answer.getheader("Connection") != "close"
        answer.read()
        idle = connection.sock
        mock.process.send_signal(signal.SIGTERM)
        idle.settimeout(GRACEFUL_SECONDS - 1)  # the keep-alive period alone would close it after 5 s
        assert idle.recv(1) == b""  # closed by the server, without a word
        assert mock.process.wait(timeout=GRACEFUL_SECONDS - 1) == 0
        connection.close()


HALF_CLOSING = 50  # requests, each on its own connection, each followed by shutdown(SHUT_WR)
CALL = orjson.dumps({spec.CALL: {"user": DEMO}})
WHOLE_REQUEST = (
    b"POST /api/v4/request HTTP/1.1\r\nHost: mock\r\nAuthorization: key=demo-key\r\n"
    b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(CALL), CALL)
)


def _answered_after_half_close(server: ServerProcess) -> bool:
    """Whether a whole request whose client then shuts its sending side down gets its 200."""
    with socket.create_connection(server.host_port, timeout=10) as sock:
        sock.sendall(WHOLE_REQUEST)
        sock.shutdown(socket.SHUT_WR)  # as `curl` and HTTP/1.0-style clients may: "that is all I send"
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except OSError:  # reset, or nothing within the time-out
            return False
    replies, _, _ = parse(received, head=False)
    return [reply.status for reply in replies] == [200]


@pytest.mark.slow
@pytest.mark.parametrize(
    "server",
    [
        "gunicorn",
        pytest.param(
            "granian",
            marks=pytest.mark.xfail(
                strict=True,
                reason="granian 2.8 drops the request of a client that half-closes, and has no setting "
                "for it (docs/operations.md, Serving)",
            ),
        ),
    ],
)
def test_a_client_that_half_closes_after_its_request_gets_every_answer(server: str) -> None:
    with start_mock(["--server", server, "--workers", "1", "--log-format", "off"]) as mock:
        lost = sum(not _answered_after_half_close(mock) for _ in range(HALF_CLOSING))
    assert lost == 0, f"{lost} of {HALF_CLOSING} answers lost"
