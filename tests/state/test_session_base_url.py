"""A session base URL (``/sessions/<id>``) against one real mock process per state backend: scripted,
answered, journalled and verified exactly as the ``X-Mock-Session`` header, and bad ids refused."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

import spec
from tests.state.mock_process import PROTOCOL, Mock, running
from tests.state.redis_server import RedisServer

EXTRA_PATH = "/partner/recent-sessions"
BODY = {spec.CALL: {"user": {"identifier-type": "rfid", "identifier": "0A0B0C0D"}}}


@pytest.fixture(scope="module", params=["memory", "redis", "proxy memory", "proxy redis"])
def mock(request: pytest.FixtureRequest, redis_server: RedisServer) -> Iterator[Mock]:
    """The mock, or the mock in proxy mode in front of another: the same line for both, the same rules."""
    state = ["--state", redis_server.url] if request.param.endswith("redis") else []
    if not request.param.startswith("proxy"):
        with running([*state, "--path", EXTRA_PATH]) as server:
            yield server
        return
    with (
        running(["--path", EXTRA_PATH]) as upstream,
        running([*state, "--path", EXTRA_PATH, "--upstream", upstream.base]) as server,
    ):
        yield server


class Way:
    """How a test reaches session ``name``: its base URL, or the header on the plain URL."""

    def __init__(self, mock: Mock, name: str, by_prefix: bool) -> None:
        self.base = f"{mock.base}/sessions/{name}" if by_prefix else mock.base
        self.headers = {} if by_prefix else {"X-Mock-Session": name}

    def call(self, path: str = "/api/v4/request", **extra: str) -> requests.Response:
        headers = PROTOCOL | self.headers | extra
        return requests.post(self.base + path, json=BODY, headers=headers, timeout=30)

    def admin(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        url = f"{self.base}/__mock{path}"
        return requests.request(method, url, headers=self.headers, timeout=30, **kwargs)


def run_story(way: Way) -> dict[str, Any]:
    """Script 102 twice then 145, call four times (one through an extra path), verify, read the journal."""
    made = way.admin(
        "POST",
        "/scenarios/script",
        json={"match": {"identifier": "0A0B0C0D"}, "sequence": [{"scenario": "result-102", "times": 2}]},
    )
    assert made.status_code == 201, made.text
    codes = [way.call().json()["result"]["code"] for _ in range(3)]
    codes.append(way.call(EXTRA_PATH).json()["result"]["code"])
    verified = way.admin("POST", "/requests/verify", json={"match": {"result": 102}, "exactly": 2})
    missed = way.admin("POST", "/requests/verify", json={"match": {"result": 145}})
    journal = way.admin("GET", "/requests").json()
    return {
        "created": {k: made.json()[k] for k in ("session", "served")},
        "location": made.headers["Location"],
        "codes": codes,
        "verified": (verified.status_code, verified.json()["count"]),
        "missed": (missed.status_code, len(missed.json()["closest"])),
        "journal": [
            (e["session"], e["path"], e["result"], e.get("scenario"), e["headers"].get("X-Mock-Session"))
            for e in journal["requests"]
        ],
        "session": journal["session"],
    }


def test_a_base_url_is_scripted_journalled_and_verified_like_the_header(mock: Mock) -> None:
    name = "base-" + uuid.uuid4().hex[:8]
    by_header = run_story(Way(mock, name + "-h", by_prefix=False))
    by_prefix = run_story(Way(mock, name + "-p", by_prefix=True))
    assert by_prefix["codes"] == by_header["codes"] == [102, 102, 0, 0]
    assert by_prefix["location"].startswith(f"/sessions/{name}-p/__mock/scenarios/scripts/")

    def renamed(story: dict[str, Any], suffix: str) -> Any:
        return repr({k: v for k, v in story.items() if k != "location"}).replace(name + suffix, "NAME")

    assert renamed(by_prefix, "-p") == renamed(by_header, "-h")
    assert by_prefix["session"] == name + "-p"


def test_sessions_reached_by_base_url_do_not_see_each_other(mock: Mock) -> None:
    first, second = (Way(mock, f"iso-{uuid.uuid4().hex[:8]}", by_prefix=True) for _ in range(2))
    made = first.admin("POST", "/scenarios/script", json={"sequence": [{"scenario": "result-145"}]})
    assert made.status_code == 201, made.text
    assert second.call().json()["result"]["code"] == 0
    assert first.call().json()["result"]["code"] == 145
    assert [e["result"] for e in second.admin("GET", "/requests").json()["requests"]] == [0]
    assert [e["result"] for e in first.admin("GET", "/requests").json()["requests"]] == [145]
    assert first.admin("DELETE", "/state").json()["requests-removed"] == 1
    assert second.admin("GET", "/requests").json()["count"] == 1


BAD = [
    ("an id with a space", "/sessions/a%20b/api/v4/request", {}, "$.path.session"),
    ("an empty id", "/sessions//api/v4/request", {}, "$.path.session"),
    ("an id too long", f"/sessions/{'x' * 129}/__mock/requests", {}, "$.path.session"),
    ("a header naming another session", "/sessions/a/api/v4/request", {"X-Mock-Session": "b"}, None),
    ("an admin call with another header", "/sessions/a/__mock/requests", {"X-Mock-Session": "b"}, None),
    ("a bad header on a protocol call", "/api/v4/request", {"X-Mock-Session": "a b"}, None),
    ("a bad header on an extra path", EXTRA_PATH, {"X-Mock-Session": "{x}"}, None),
]


@pytest.mark.parametrize(("path", "headers", "where"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_bad_session_is_a_400_naming_where(
    mock: Mock, path: str, headers: dict[str, str], where: str | None
) -> None:
    def refused_in_journal() -> list[int]:
        sessions = ["default", "a", "b"]
        counted = (
            requests.post(
                f"{mock.base}/__mock/requests/verify?session={name}",
                json={"match": {"status": 400}, "at-least": 0},
                timeout=30,
            ).json()["count"]
            for name in sessions
        )
        return list(counted)

    before = refused_in_journal()
    # twice: a refusal is never served from the answer cache to a later request, nor cached itself
    for _ in range(2):
        answer = requests.post(mock.base + path, json=BODY, headers=PROTOCOL | headers, timeout=30)
        assert answer.status_code == 400, answer.text
        body = answer.json()
        assert [p["path"] for p in body["problems"]] == [where or "headers.X-Mock-Session"]
        assert body["result"]["code"] == 230
    # answered and journalled nowhere: not in the default session, not in a session the id could name
    assert refused_in_journal() == before


def test_the_same_header_as_the_prefix_is_accepted_and_plain_requests_stay_cached(mock: Mock) -> None:
    name = "same-" + uuid.uuid4().hex[:8]
    way = Way(mock, name, by_prefix=True)
    assert way.call(**{"X-Mock-Session": name}).status_code == 200
    assert way.call().status_code == 200
    assert [e["session"] for e in way.admin("GET", "/requests").json()["requests"]] == [name, name]
