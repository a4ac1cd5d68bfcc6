"""The admin API against pages in browsers, through a real mock process: a page of another origin cannot
drive it, curl and the test API can, and so can the dashboard the mock serves itself.

A write carries its body as ``application/json`` (415 otherwise), so a browser always asks first (a
preflight) and never sends it as a "simple" request; a call from an origin the mock does not allow, or
that the browser marks ``Sec-Fetch-Site: cross-site``, is refused (403). The browser tests serve a page
from a second real server on another port (``127.0.0.1``: another origin of the same site) and through
``localhost`` (another site), and drive it in a real headless chromium.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import requests

from mockserver.http.admin_guard import names_the_mock, own_names
from mockserver.serving.process import ServerProcess, start_mock
from mockserver.testing import MockServer
from tests.browser import chromium, needs_chromium, page_of_another_origin

SCRIPT = orjson.dumps({"sequence": [{"scenario": "result-145"}]})
FOREIGN = "http://app.example:3000"
CONTENT_TYPE = "headers.Content-Type"
# Every admin write, as (method, path under the mock, body): what a page must not be able to do.
WRITES = [
    ("POST", "/__mock/scenarios/script", SCRIPT),
    ("POST", "/sessions/{session}/__mock/scenarios/script", SCRIPT),
    ("POST", "/__mock/requests/verify", b'{"at-least": 0}'),
    ("POST", "/sessions/{session}/__mock/requests/verify", b'{"at-least": 0}'),
    ("POST", "/__mock/scenarios/reload", b""),
]


@pytest.fixture(scope="module")
def mock() -> Iterator[ServerProcess]:
    with start_mock(["--log-format", "off"]) as server:
        yield server


def _scripts(server: ServerProcess, session: str) -> list[dict[str, Any]]:
    """The scripts of ``session``, read back the way curl reads them (no Origin)."""
    answer = requests.get(f"{server.base}/__mock/scenarios/scripts", params={"session": session}, timeout=30)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["scripts"]
    return found


def _url(server: ServerProcess, path: str, session: str) -> str:
    query = "" if "{session}" in path else f"?session={session}"
    return server.base + path.format(session=session) + query


# --- raw HTTP, as any client sends it -----------------------------------------------------------

SIMPLE_BODIES = {  # what a page may send without a preflight, or curl -d sends by default
    "text-plain": {"headers": {"Content-Type": "text/plain;charset=UTF-8"}},
    "form": {"headers": {"Content-Type": "application/x-www-form-urlencoded"}},
    "multipart": {"files": {"script": ("script.json", SCRIPT, "application/json")}},
    "none": {"headers": {}},
    "json-in-a-list": {"headers": {"Content-Type": "text/plain; application/json"}},
}


@pytest.mark.slow
@pytest.mark.parametrize("method,path,body", WRITES)
@pytest.mark.parametrize("kind", SIMPLE_BODIES)
def test_a_write_without_a_json_body_is_refused_and_changes_nothing(
    mock: ServerProcess, method: str, path: str, body: bytes, kind: str
) -> None:
    session = f"simple-{kind}"
    sent = dict(SIMPLE_BODIES[kind])
    if "files" not in sent:
        sent["data"] = body
    answer = requests.request(method, _url(mock, path, session), timeout=30, **sent)  # type: ignore[arg-type]
    assert answer.status_code == 415, answer.text
    refusal = answer.json()
    assert refusal["error"].startswith(CONTENT_TYPE) and "application/json" in refusal["error"]
    assert [p["path"] for p in refusal["problems"]] == [CONTENT_TYPE]
    assert _scripts(mock, session) == []


@pytest.mark.slow
@pytest.mark.parametrize("method,path,body", WRITES)
@pytest.mark.parametrize("content_type", ["application/json", "Application/JSON; charset=utf-8"])
def test_a_json_write_from_curl_is_served(
    mock: ServerProcess, method: str, path: str, body: bytes, content_type: str
) -> None:
    url = _url(mock, path, "curl-json")
    answer = requests.request(method, url, data=body, headers={"Content-Type": content_type}, timeout=30)
    assert answer.status_code in (200, 201), answer.text


@pytest.mark.slow
def test_a_bodyless_delete_needs_no_content_type(mock: ServerProcess) -> None:
    """A browser always asks before it sends a DELETE: no content type is needed to be safe."""
    requests.post(
        _url(mock, WRITES[0][1], "delete"), data=SCRIPT, headers={"Content-Type": "application/json"}
    )
    (made,) = _scripts(mock, "delete")
    answer = requests.delete(f"{mock.base}/__mock/scenarios/scripts/{made['id']}?session=delete", timeout=30)
    assert answer.status_code == 200, answer.text
    assert _scripts(mock, "delete") == []


FOREIGN_HEADERS = {
    "a foreign Origin": ({"Origin": FOREIGN}, "headers.Origin"),
    "the null Origin": ({"Origin": "null"}, "headers.Origin"),
    "cross-site": ({"Sec-Fetch-Site": "cross-site"}, "headers.Sec-Fetch-Site"),
    "same-site, no Origin": ({"Sec-Fetch-Site": "same-site"}, "headers.Sec-Fetch-Site"),
    "cross-site, foreign Origin": ({"Origin": FOREIGN, "Sec-Fetch-Site": "cross-site"}, "headers.Origin"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", FOREIGN_HEADERS)
@pytest.mark.parametrize(
    "method,path,body",
    [
        *WRITES,
        ("GET", "/__mock/requests", None),
        ("GET", "/sessions/{session}/__mock/scenarios/scripts", None),
    ],
)
def test_a_call_from_a_foreign_page_is_refused_and_changes_nothing(
    mock: ServerProcess, case: str, method: str, path: str, body: bytes | None
) -> None:
    headers, where = FOREIGN_HEADERS[case]
    session = "foreign"
    sent = {"Content-Type": "application/json", **headers}
    answer = requests.request(method, _url(mock, path, session), data=body, headers=sent, timeout=30)
    assert answer.status_code == 403, answer.text
    refusal = answer.json()
    assert refusal["error"].startswith(where)
    assert [p["path"] for p in refusal["problems"]] == [where]
    assert answer.headers["Access-Control-Allow-Origin"] == "*"  # the page may read why
    assert _scripts(mock, session) == []


@pytest.mark.slow
def test_the_mocks_own_origin_and_a_listed_one_are_served_and_open_pages_answer_anyone() -> None:
    with start_mock(["--log-format", "off", "--cors-origin", FOREIGN]) as server:
        own = server.base  # http://127.0.0.1:<port>, as a browser names the dashboard's origin
        for headers in (
            {"Origin": own, "Sec-Fetch-Site": "same-origin"},
            {"Origin": own},
            {"Origin": FOREIGN, "Sec-Fetch-Site": "cross-site"},
            {"Sec-Fetch-Site": "none"},  # typed into the address bar
        ):
            sent = {"Content-Type": "application/json", **headers}
            answer = requests.post(
                _url(server, WRITES[0][1], "allowed"), data=SCRIPT, headers=sent, timeout=30
            )
            assert answer.status_code == 201, (headers, answer.text)
        assert len(_scripts(server, "allowed")) == 4
        other = requests.get(f"{server.base}/__mock/requests", headers={"Origin": "https://evil.example"})
        assert other.status_code == 403, other.text
        for path in ("/__mock/health", "/__mock/catalog", "/__mock/scenarios", "/__mock/ui"):
            page = requests.get(server.base + path, headers={"Origin": "https://evil.example"}, timeout=30)
            assert page.status_code == 200, path


@pytest.mark.slow
def test_the_test_api_installs_and_verifies_as_before(mock: ServerProcess) -> None:
    with MockServer.attach(mock.base) as attached:
        session = attached.session("test-api")
        session.script(["result-145"])
        assert [s["remaining"] for s in session.scripts()] == [[{"scenario": "result-145", "times": 1}]]


# --- in a real browser --------------------------------------------------------------------------

PAGE = (
    """<!doctype html>
<html><head><meta charset="utf-8"><title>another site</title></head>
<body><pre id="out">waiting</pre>
<script>
const mock = new URLSearchParams(location.search).get("mock");
const script = 'SCRIPT';
const admin = (session) => `${mock}/__mock/scenarios/script?session=${session}`;

async function fetched(session, init, url) {
  try {
    const answer = await fetch(url || admin(session), {method: "POST", ...init});
    return `${session} ${answer.status}`;
  } catch (error) {
    return `${session} unread`;
  }
}

// A form posted into a frame of its own: the browser sends it as a simple request, and nobody reads it.
// Sent as text/plain, its one field makes the body a script: {...,"match":{"identifier":"=x"}}.
function submitted(session, enctype) {
  return new Promise((resolve) => {
    const frame = document.createElement("iframe");
    frame.name = session;
    document.body.append(frame);
    frame.addEventListener("load", () => resolve(`${session} sent`), {once: true});
    const form = document.createElement("form");
    Object.assign(form, {method: "POST", enctype, target: session, action: admin(session)});
    const field = document.createElement("input");
    field.type = "hidden";
    field.name = script.slice(0, -1) + ',"match":{"identifier":"';
    field.value = 'x"}}';
    form.append(field);
    document.body.append(form);
    form.submit();
  });
}

(async () => {
  const outcomes = [
    await fetched("fetch-text", {headers: {"Content-Type": "text/plain"}, body: script}),
    await fetched("fetch-blob", {body: new Blob([script])}),
    await fetched("fetch-json", {headers: {"Content-Type": "application/json"}, body: script}),
    await fetched("fetch-base", {headers: {"Content-Type": "text/plain"}, body: script},
                  `${mock}/sessions/fetch-base/__mock/scenarios/script`),
    await submitted("form-text", "text/plain"),
    await submitted("form-url", "application/x-www-form-urlencoded"),
    await submitted("form-multipart", "multipart/form-data"),
  ];
  document.getElementById("out").textContent = outcomes.join("; ");
})();
</script></body></html>
"""
).replace("SCRIPT", SCRIPT.decode())
SESSIONS = ["fetch-text", "fetch-blob", "fetch-json", "fetch-base", "form-text", "form-url", "form-multipart"]


@pytest.fixture
def page(tmp_path: Path) -> Iterator[str]:
    with page_of_another_origin(tmp_path / "site", "page.html", PAGE) as url:
        yield url


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    with chromium(tmp_path / "profile") as driver:
        yield driver


def _outcomes(browser: Any, url: str) -> dict[str, str]:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(url)
    out = browser.find_element(By.ID, "out")
    WebDriverWait(browser, 60).until(lambda _: out.text != "waiting")
    return dict(outcome.split(" ", 1) for outcome in str(out.text).split("; "))


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("cors", [[], ["--cors-origin", "https://app.example"]], ids=["any-origin", "listed"])
@pytest.mark.parametrize("site", ["localhost", "127.0.0.1"], ids=["cross-site", "same-site"])
def test_a_page_of_another_origin_installs_no_script_in_a_real_browser(
    browser: Any, page: str, cors: list[str], site: str
) -> None:
    with start_mock(["--log-format", "off", *cors]) as server:
        outcomes = _outcomes(browser, f"{page.replace('127.0.0.1', site)}?mock={server.base}")
        assert set(outcomes) == set(SESSIONS)
        for session in SESSIONS:
            assert _scripts(server, session) == [], (session, outcomes)
        if not cors:  # every answer is readable (Access-Control-Allow-Origin: *): each says no
            assert {outcomes[s] for s in SESSIONS if s.startswith("fetch")} == {"403"}, outcomes


@pytest.mark.slow
@needs_chromium
def test_the_dashboard_the_mock_serves_installs_a_script_in_a_real_browser(
    browser: Any, mock: ServerProcess
) -> None:
    browser.get(f"{mock.base}/__mock/ui")
    status = browser.execute_async_script(
        """const done = arguments[arguments.length - 1];
        fetch("/__mock/scenarios/script?session=own", {method: "POST",
              headers: {"Content-Type": "application/json"}, body: arguments[0]})
          .then((answer) => done(answer.status), (error) => done(String(error)));""",
        SCRIPT.decode(),
    )
    assert status == 201
    assert [s["remaining"] for s in _scripts(mock, "own")] == [[{"scenario": "result-145", "times": 1}]]


# --- a page whose own name points at the mock (DNS rebinding) -----------------------------------

REBOUND = "rebound.example"  # a page's own name, that its owner points at 127.0.0.1 once it has loaded


@pytest.mark.parametrize(
    ("host", "answered"),
    [
        ("127.0.0.1:8080", True),
        ("[::1]:8080", True),
        ("192.168.1.20", True),
        ("localhost:8080", True),
        ("LOCALHOST.", True),
        ("app.localhost:8080", True),
        (f"{REBOUND}:8080", False),
        ("localhost.example:8080", False),
        ("127.0.0.1.example", False),
        ("", False),
    ],
)
def test_without_a_token_the_mock_is_named_by_an_address_or_a_local_name(host: str, answered: bool) -> None:
    assert names_the_mock(host, frozenset({"qa-laptop"})) is answered
    assert names_the_mock("QA-Laptop:8080", frozenset({"qa-laptop"}))


def test_this_machines_own_name_is_answered() -> None:
    assert all(names_the_mock(f"{name}:8080", own_names()) for name in own_names())


@pytest.mark.slow
@pytest.mark.parametrize("token", [None, "t" * 32], ids=["no token", "a token"])
def test_a_call_naming_the_mock_by_another_name_is_refused_without_a_token(token: str | None) -> None:
    given = ["--admin-token", token] if token else []
    with start_mock(["--log-format", "off", *given]) as server:
        sent = {"Host": f"{REBOUND}:{server.base.rsplit(':', 1)[1]}", "Content-Type": "application/json"}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        url = f"{server.base}/__mock/scenarios/script?session=rebound"
        answer = requests.post(url, data=SCRIPT, headers=sent, timeout=30)
        read = requests.get(f"{server.base}/__mock/requests", headers=sent, timeout=30)
        if token:  # the page has no token to send: any name is answered
            assert (answer.status_code, read.status_code) == (201, 200), answer.text
            return
        assert (answer.status_code, read.status_code) == (403, 403), answer.text
        assert [p["path"] for p in answer.json()["problems"]] == ["headers.Host"]
        assert "--admin-token" in answer.json()["error"]
        assert _scripts(server, "rebound") == []
        page = requests.get(f"{server.base}/__mock/ui", headers=sent, timeout=30)
        assert page.status_code == 200  # the open pages answer any name


@pytest.mark.slow
@needs_chromium
def test_a_page_whose_name_points_at_the_mock_installs_no_script_in_a_real_browser(
    tmp_path: Path, mock: ServerProcess
) -> None:
    """The page's name resolves to 127.0.0.1 (chromium's resolver rules stand in for the DNS answer a
    rebinding page's owner gives): to the browser the admin API is its own origin, and only the
    ``Host`` the browser sends tells the mock it is named by a stranger. The mock's own address, in the
    same browser, is served: what differs is the name alone."""
    rules = (f"--host-resolver-rules=MAP {REBOUND} 127.0.0.1",)
    port = mock.base.rsplit(":", 1)[1]
    install = """const done = arguments[arguments.length - 1];
        fetch("/__mock/scenarios/script?session=" + arguments[1], {method: "POST",
              headers: {"Content-Type": "application/json"}, body: arguments[0]})
          .then((answer) => done(answer.status), (error) => done(String(error)));"""
    with chromium(tmp_path / "profile", arguments=rules) as driver:
        statuses = {}
        for session, base in (("rebound", f"http://{REBOUND}:{port}"), ("own-address", mock.base)):
            driver.get(f"{base}/__mock/ui")
            statuses[session] = driver.execute_async_script(install, SCRIPT.decode(), session)
    assert statuses == {"rebound": 403, "own-address": 201}
    assert _scripts(mock, "rebound") == []
