"""The admin token, through a real server: admin calls need it, the pages that reveal nothing do not.

Refused without it or with another (401, ``WWW-Authenticate: Bearer``, a JSON body naming the headers
to send), accepted in either header; a mock bound beyond loopback without one makes one and prints
it; ``--admin-open`` is the logged way out.
"""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest
import requests

import spec
from mockserver.http import admin_token
from mockserver.serving.banner import banner_access
from mockserver.serving.process import ServerProcess, start_mock

from .conftest import DEMO, KEY

TOKEN = "team-admin-token-0815"
SCRIPT = orjson.dumps({"sequence": [{"scenario": "http-500", "times": 1}]})
# (method, path, body, status with the token): every admin call that changes state or reveals requests
GUARDED = [
    ("POST", "/__mock/scenarios/script", SCRIPT, 201),
    ("GET", "/__mock/scenarios/scripts", None, 200),
    ("GET", "/__mock/scenarios/scripts/no-such-script", None, 404),
    ("DELETE", "/__mock/scenarios/scripts/no-such-script", None, 404),
    ("DELETE", "/__mock/scenarios", None, 200),
    ("POST", "/__mock/scenarios/reload", None, 200),
    ("GET", "/__mock/requests", None, 200),
    ("DELETE", "/__mock/requests", None, 200),
    ("POST", "/__mock/requests/verify", b'{"at-least": 0}', 200),
    ("GET", "/__mock/state", None, 200),
    ("DELETE", "/__mock/state", None, 200),
    ("GET", "/__mock/no-such-page", None, 404),
]
OPEN = ["/__mock/health", "/__mock/catalog", "/__mock/scenarios", "/openapi.json"]


@pytest.fixture(scope="module")
def guarded() -> Iterator[ServerProcess]:
    with start_mock(["--admin-token", TOKEN]) as server:
        yield server


def _call(
    server: ServerProcess, method: str, path: str, body: bytes | None, headers: dict[str, str]
) -> requests.Response:
    sent = {"Content-Type": "application/json", **headers} if method == "POST" else headers
    return requests.request(method, server.base + path, data=body, headers=sent, timeout=30)


def _refused(answer: requests.Response, where: str) -> None:
    assert answer.status_code == 401, answer.text
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    body = answer.json()
    assert "Authorization: Bearer <admin token>" in body["error"] and "X-Mock-Admin-Token" in body["error"]
    assert [problem["path"] for problem in body["problems"]] == [where]
    assert TOKEN not in answer.text


@pytest.mark.slow
@pytest.mark.parametrize(
    ("method", "path", "body", "status"), GUARDED, ids=[f"{m} {p}" for m, p, _, _ in GUARDED]
)
def test_an_admin_call_needs_the_token(
    guarded: ServerProcess, method: str, path: str, body: bytes | None, status: int
) -> None:
    _refused(_call(guarded, method, path, body, {}), "headers.Authorization")
    wrong = _call(guarded, method, path, body, {"Authorization": f"Bearer {TOKEN}x"})
    _refused(wrong, "headers.Authorization")
    assert 'error="invalid_token"' in wrong.headers["WWW-Authenticate"]
    _refused(
        _call(guarded, method, path, body, {"X-Mock-Admin-Token": TOKEN[:-1]}), "headers.X-Mock-Admin-Token"
    )
    _refused(_call(guarded, method, path, body, {"Authorization": f"key={TOKEN}"}), "headers.Authorization")
    assert _call(guarded, method, path, body, {"Authorization": f"Bearer {TOKEN}"}).status_code == status
    assert _call(guarded, method, path, body, {"X-Mock-Admin-Token": TOKEN}).status_code == status


@pytest.mark.slow
@pytest.mark.parametrize("path", OPEN)
def test_the_pages_that_reveal_no_request_stay_open(guarded: ServerProcess, path: str) -> None:
    assert requests.get(guarded.base + path, timeout=30).status_code == 200


@pytest.mark.slow
def test_the_protocol_asks_for_the_api_key_only(guarded: ServerProcess) -> None:
    answer = requests.post(
        guarded.base + "/api/v4/request", json={spec.CALL: {"user": DEMO}}, headers=KEY, timeout=30
    )
    assert answer.status_code == 200


def _banner_token(server: ServerProcess) -> str:
    found = banner_access(server.banner).admin_token
    assert found is not None, server.banner
    return found


@pytest.mark.slow
def test_beyond_loopback_without_a_token_one_is_made_printed_and_enforced() -> None:
    with start_mock(["--host", "0.0.0.0"]) as server:
        assert server.host == "127.0.0.1"  # reached locally through the wildcard address
        token = _banner_token(server)
        assert len(token) >= 40
        _refused(requests.get(server.base + "/__mock/requests", timeout=30), "headers.Authorization")
        bearer = {"Authorization": f"Bearer {token}"}
        assert requests.get(server.base + "/__mock/requests", headers=bearer, timeout=30).status_code == 200
        assert requests.get(server.base + "/__mock/health", timeout=30).status_code == 200
        assert token not in server.stderr()


@pytest.mark.slow
@pytest.mark.parametrize("server", ["gunicorn", "granian"])
def test_every_worker_shares_the_token_made_at_start(server: str) -> None:
    with start_mock(["--host", "0.0.0.0", "--workers", "2", "--server", server]) as mock:
        bearer = {"Authorization": f"Bearer {_banner_token(mock)}", "Connection": "close"}
        # new connections, spread over both workers by the kernel
        statuses = {
            requests.get(mock.base + "/__mock/state", headers=bearer, timeout=30).status_code
            for _ in range(20)
        }
        assert statuses == {200}


@pytest.mark.slow
def test_admin_open_is_logged_and_leaves_the_admin_api_open() -> None:
    with start_mock(["--host", "0.0.0.0", "--admin-open"]) as server:
        assert "OPEN to anyone who reaches the port (--admin-open)" in server.banner
        assert requests.get(server.base + "/__mock/requests", timeout=30).status_code == 200
        warnings = [line for line in server.stderr().splitlines() if "--admin-open" in line]
    assert warnings == [
        "mockserver: warning: --admin-open: the admin API (scripts, journal, state) is open to anyone who "
        "reaches 0.0.0.0:0"
    ]


@pytest.mark.slow
def test_on_loopback_without_a_token_the_admin_api_is_open() -> None:
    with start_mock([]) as server:
        assert "open (loopback only" in server.banner
        assert requests.get(server.base + "/__mock/requests", timeout=30).status_code == 200
        assert "warning" not in server.stderr()


@pytest.mark.parametrize(
    ("method", "path", "needed"),
    [
        ("GET", "/__mock/requests", True),
        ("GET", "/sessions/run-1/__mock/requests", True),
        ("DELETE", "/sessions/run-1/__mock/state", True),
        ("GET", "/__mock/health", False),
        ("GET", "/sessions/run-1/__mock/catalog", False),
        ("POST", "/__mock/health", True),
        ("GET", "/__mock/ui", False),
        ("GET", "/__mock/ui/app.js", False),
        ("DELETE", "/__mock/ui", True),
        ("POST", "/api/v4/request", False),
        ("GET", "/openapi.json", False),
        ("GET", "/__mockery", False),
    ],
)
def test_which_calls_need_the_token(method: str, path: str, needed: bool) -> None:
    assert admin_token.needs_token(method, path) is needed
