"""CORS through a real server: preflights, the headers on every answer, and a page in a real browser.

The browser test serves a page from a second real HTTP server (another port: another origin); the
page calls the mock with ``fetch`` (a POST with the Authorization header: the browser sends a
preflight first) and shows the sessions it read, or that the browser refused the answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import requests

import spec
from mockserver.http.cors import ALLOWED_HEADERS
from mockserver.serving.process import ServerProcess, start_mock
from tests.browser import chromium, needs_chromium, page_of_another_origin

from .conftest import DEMO, KEY

APP = "http://app.example:3000"
PREFLIGHT = {"Origin": APP, "Access-Control-Request-Method": "POST"}
READ_HEADERS = {"Authorization", "Content-Type", "X-Mock-Scenario", "X-Mock-Session", "X-Mock-Now"}
CALL = orjson.dumps({spec.CALL: {"user": DEMO}})


def _post(server: ServerProcess, headers: dict[str, str], path: str = "/api/v4/request") -> requests.Response:
    sent = {**KEY, "Content-Type": "application/json", **headers}
    return requests.post(server.base + path, data=CALL, headers=sent, timeout=30)


@pytest.fixture(scope="module")
def any_origin() -> Iterator[ServerProcess]:
    with start_mock(["--log-format", "off"]) as server:
        yield server


@pytest.mark.slow
@pytest.mark.parametrize("path", ["/api/v4/request", "/api/v3/request", "/__mock/requests", "/openapi.json"])
def test_a_preflight_is_answered_with_every_header_the_kit_reads(
    any_origin: ServerProcess, path: str
) -> None:
    asked = {**PREFLIGHT, "Access-Control-Request-Headers": "authorization,content-type,x-mock-scenario"}
    answer = requests.options(any_origin.base + path, headers=asked, timeout=30)
    assert answer.status_code == 204 and answer.content == b""
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert {"GET", "POST", "DELETE"} <= {
        m.strip() for m in answer.headers["Access-Control-Allow-Methods"].split(",")
    }
    allowed = {header.strip() for header in answer.headers["Access-Control-Allow-Headers"].split(",")}
    assert READ_HEADERS | {"X-Mock-Admin-Token"} <= allowed
    assert int(answer.headers["Access-Control-Max-Age"]) > 0
    assert "Access-Control-Allow-Credentials" not in answer.headers


@pytest.mark.slow
def test_every_answer_names_who_may_read_it_cached_or_not(any_origin: ServerProcess) -> None:
    answers = [_post(any_origin, {"Origin": APP}) for _ in range(3)]  # the first cold, then the hot path
    for answer in answers:
        assert answer.status_code == 200 and answer.json()["result"]["code"] == 0
        assert answer.headers["Access-Control-Allow-Origin"] == "*"
        assert "Retry-After" in answer.headers["Access-Control-Expose-Headers"]
    stats = requests.get(any_origin.base + "/__mock/health", timeout=30)
    assert stats.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.slow
def test_the_headers_the_mock_sets_are_exposed(any_origin: ServerProcess) -> None:
    answer = _post(any_origin, {"Origin": APP, "X-Mock-Scenario": "http-503"})
    assert answer.status_code == 503 and answer.headers["Retry-After"]
    exposed = {header.strip() for header in answer.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"Retry-After", "Location", "WWW-Authenticate", "Allow"} <= exposed


@pytest.mark.slow
def test_listed_origins_only_are_allowed_and_every_answer_varies_by_origin() -> None:
    other = "https://other.example"
    with start_mock(
        ["--log-format", "off", "--cors-origin", f"{APP},{other}", "--admin-token", "t0ken-of-admin"]
    ) as server:
        for origin in (APP, other):
            allowed = requests.options(
                server.base + "/api/v4/request", headers={**PREFLIGHT, "Origin": origin}, timeout=30
            )
            assert allowed.headers["Access-Control-Allow-Origin"] == origin
            assert allowed.headers["Vary"] == "Origin"
        refused = requests.options(
            server.base + "/api/v4/request",
            headers={**PREFLIGHT, "Origin": "https://evil.example"},
            timeout=30,
        )
        assert "Access-Control-Allow-Origin" not in refused.headers and refused.headers["Vary"] == "Origin"
        answer = _post(server, {"Origin": "https://evil.example"})
        assert answer.status_code == 200 and "Access-Control-Allow-Origin" not in answer.headers
        assert _post(server, {"Origin": APP}).headers["Access-Control-Allow-Origin"] == APP
        # the admin token's refusal is readable by an allowed page: it says what to send
        token = requests.get(server.base + "/__mock/requests", headers={"Origin": APP}, timeout=30)
        assert token.status_code == 401 and token.headers["Access-Control-Allow-Origin"] == APP


@pytest.mark.slow
def test_no_cors_sends_no_cors_headers() -> None:
    with start_mock(["--log-format", "off", "--no-cors"]) as server:
        answer = _post(server, {"Origin": APP})
        assert answer.status_code == 200
        assert not [name for name in answer.headers if name.lower().startswith("access-control-")]
        preflight = requests.options(server.base + "/api/v4/request", headers=PREFLIGHT, timeout=30)
        assert preflight.status_code == 405  # the protocol's own answer to OPTIONS
        assert "Access-Control-Allow-Origin" not in preflight.headers


def test_the_allowed_headers_are_those_the_mock_reads() -> None:
    assert {header.strip() for header in ALLOWED_HEADERS.split(",")} == READ_HEADERS | {"X-Mock-Admin-Token"}


# --- in a real browser --------------------------------------------------------------------------

PAGE = (
    """<!doctype html>
<html><head><meta charset="utf-8"><title>app</title></head>
<body><pre id="out">waiting</pre>
<script>
const mock = new URLSearchParams(location.search).get("mock");
const headers = {"Authorization": "key=demo-key", "Content-Type": "application/json"};
headers["X-Mock-Session"] = "web";
fetch(mock + "/api/v4/request", {method: "POST", headers: headers, body: JSON.stringify(CALL)})
  .then(async (answer) => {
    const body = await answer.json();
    const first = body.user.sessions[0];
    document.getElementById("out").textContent =
      `read ${answer.status} ${body.result.code} station ${first["charging-station-id"]}`;
  })
  .catch((error) => { document.getElementById("out").textContent = `refused ${error}`; });
</script></body></html>
"""
).replace("CALL", CALL.decode())


@pytest.fixture
def page(tmp_path: Path) -> Iterator[str]:
    with page_of_another_origin(tmp_path / "site", "app.html", PAGE) as url:
        yield url


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    with chromium(tmp_path / "profile") as driver:
        yield driver


def _journal(server: ServerProcess) -> list[dict[str, Any]]:
    journal = requests.get(server.base + "/__mock/requests", headers={"X-Mock-Session": "web"}, timeout=30)
    found: list[dict[str, Any]] = journal.json()["requests"]
    return found


def _outcome(browser: Any, url: str) -> str:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(url)
    out = browser.find_element(By.ID, "out")
    WebDriverWait(browser, 30).until(lambda _: out.text != "waiting")
    return str(out.text)


@pytest.mark.slow
@needs_chromium
def test_a_page_from_another_origin_reads_sessions_and_is_refused_when_not_allowed(
    browser: Any, page: str
) -> None:
    with start_mock(["--log-format", "off"]) as server:
        read = _outcome(browser, f"{page}?mock={server.base}")
        (entry,) = _journal(server)  # the POST itself, after its preflight
        assert entry["method"] == "POST" and entry["headers"]["Origin"] == page.rsplit("/", 1)[0]
        station = _post(server, {}).json()["user"]["sessions"][0]["charging-station-id"]
        assert read == f"read 200 0 station {station}"
    with start_mock(["--log-format", "off", "--cors-origin", "https://app.example"]) as server:
        assert _outcome(browser, f"{page}?mock={server.base}") == "refused TypeError: Failed to fetch"
        assert _journal(server) == []  # the preflight was refused: the POST was never sent
