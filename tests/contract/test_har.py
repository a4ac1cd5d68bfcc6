"""``--har FILE``: traffic a real chromium captured, and the mock's journal as HAR, judged offline.

A page on another origin (a real HTTP server) calls a real mock with CORS from a headless chromium; the
HAR is built from the browser's own Network events (the performance log) and response bodies
(``Network.getResponseBody``). A clean capture keeps the contract (exit 0, its exchanges counted); one
planted violation fails exactly the entry it was planted in (exit 1, naming its index and the rule).
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from selenium.common.exceptions import WebDriverException

from contract_tests import Config, run
from contract_tests.har import ANSWER_NO_BODY, JUDGED, OTHER
from mockserver.serving.process import start_mock
from tests.browser import chromium, needs_chromium
from tests.contract.conftest import Run, run_suite

pytestmark = pytest.mark.slow

DEMO_KEY = "demo-key"
DEMO_TOKEN = "87d4e3085af04671834ebeb127df33bf"  # fixtures/users.yaml, user "demo"
WAIT_SECONDS = 30  # how long the page may take to make its calls; nothing is timed

# The app's page: three calls of the call (the demo user, a wrong token, an unknown user), one to
# another path; the title says when all have been answered.
PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>app</title></head><body><script>
const mock = new URLSearchParams(location.search).get("mock");
const call = (user) => fetch(mock + "/api/v4/request", {
  method: "POST",
  headers: {"Authorization": "key=demo-key", "Content-Type": "application/json"},
  body: JSON.stringify({"user-get-recent-sessions": {"user": user}}),
}).then((answer) => answer.text());
(async () => {
  await call({"identifier-type": "username", "identifier": "demo@example.com", "token": "DEMO_TOKEN"});
  await call({"identifier-type": "username", "identifier": "demo@example.com", "token": "0000000000wrong"});
  await call({"identifier-type": "username", "identifier": "nobody@example.com", "token": "0000000000none"});
  await fetch(mock + "/openapi.json").then((answer) => answer.text());
  document.title = "done";
})();
</script></body></html>""".replace("DEMO_TOKEN", DEMO_TOKEN)


class _App(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


@contextmanager
def app_server() -> Iterator[str]:
    """The app's page on its own origin (a free port): yields its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _App)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _pairs(headers: dict[str, Any]) -> list[dict[str, str]]:
    return [{"name": name, "value": str(value)} for name, value in headers.items()]


def har_from_browser(driver: Any) -> dict[str, Any]:
    """A HAR 1.2 document of what chromium's Network domain reported: every request, its headers and
    body as the browser sent them, the answer's status, headers and body as the browser received them."""
    events = [json.loads(line["message"])["message"] for line in driver.get_log("performance")]
    sent: dict[str, dict[str, Any]] = {}
    extra: dict[str, dict[str, Any]] = {}
    got: dict[str, dict[str, Any]] = {}
    finished: set[str] = set()
    for event in events:
        params = event.get("params", {})
        method = event.get("method")
        if method == "Network.requestWillBeSent":
            sent[params["requestId"]] = params
        elif method == "Network.requestWillBeSentExtraInfo":
            extra[params["requestId"]] = params["headers"]
        elif method == "Network.responseReceived":
            got[params["requestId"]] = params["response"]
        elif method == "Network.loadingFinished":
            finished.add(params["requestId"])
    entries = []
    for request_id, params in sent.items():
        request, response = params["request"], got.get(request_id)
        headers = {**request.get("headers", {}), **extra.get(request_id, {})}
        entry: dict[str, Any] = {
            "startedDateTime": datetime.fromtimestamp(params["wallTime"], UTC).isoformat(),
            "time": 0,
            "request": {
                "method": request["method"],
                "url": request["url"],
                "httpVersion": "HTTP/1.1",
                "headers": _pairs(headers),
                "queryString": [],
                "cookies": [],
                "headersSize": -1,
                "bodySize": -1,
            },
            "cache": {},
            "timings": {"send": 0, "wait": 0, "receive": 0},
        }
        if "postData" in request:
            entry["request"]["postData"] = {
                "mimeType": headers.get("Content-Type", ""),
                "text": request["postData"],
            }
        content: dict[str, Any] = {"size": 0, "mimeType": response["mimeType"] if response else ""}
        if response is not None and request_id in finished:
            try:
                body = driver.execute_cdp_cmd("Network.getResponseBody", {"requestId": request_id})
            except WebDriverException:  # none kept (a preflight's): the text is left out, as devtools does
                body = None
            if body is not None:
                encoded = {"encoding": "base64"} if body["base64Encoded"] else {}
                content |= {"text": body["body"], **encoded}
        entry["response"] = {
            "status": response["status"] if response else 0,
            "statusText": response.get("statusText", "") if response else "",
            "httpVersion": "HTTP/1.1",
            "headers": _pairs(response["headers"]) if response else [],
            "cookies": [],
            "content": content,
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
        }
        entries.append(entry)
    entries.sort(key=lambda entry: entry["startedDateTime"])
    return {"log": {"version": "1.2", "creator": {"name": "chromium"}, "entries": entries}}


@pytest.fixture(scope="module")
def captures(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, Any]]]:
    """The browser's capture and the mock's journal of the same calls, as HAR documents."""
    with start_mock(["--log-format", "off"]) as mock, app_server() as page:
        profile = tmp_path_factory.mktemp("chromium")
        with chromium(profile, logging={"performance": "ALL"}) as driver:
            driver.get(f"{page}?mock={mock.base}")
            deadline = time.monotonic() + WAIT_SECONDS
            while driver.title != "done":
                assert time.monotonic() < deadline, "the page did not make its calls"
                time.sleep(0.1)
            browser = har_from_browser(driver)
        journal = requests.get(f"{mock.base}/__mock/requests", params={"format": "har"}, timeout=10)
        assert journal.status_code == 200
        yield {"browser": browser, "journal": journal.json()}


def _judge(tmp_path: Path, document: dict[str, Any], *args: str) -> Run:
    har = tmp_path / "capture.har"
    har.write_text(json.dumps(document), "utf-8")
    return run_suite(tmp_path, "--har", str(har), *args)


def _call_entries(document: dict[str, Any]) -> list[int]:
    """The indexes of the entries that are the call: POSTs to /api/v4/request."""
    return [
        index
        for index, entry in enumerate(document["log"]["entries"])
        if entry["request"]["method"] == "POST" and entry["request"]["url"].endswith("/api/v4/request")
    ]


def _flagged(run: Run) -> set[str]:
    assert run.report is not None, run.explain()
    return {failure["case"].split(" ")[0] for failure in run.report["failures"]}


@needs_chromium
def test_a_clean_browser_capture_keeps_the_contract(
    captures: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    document = captures["browser"]
    run = _judge(tmp_path, document)
    assert run.code == 0, run.explain()
    assert run.report is not None
    recorded = run.report["recorded"]
    assert recorded[JUDGED] == 3 == len(_call_entries(document))
    # The page itself, the CORS preflights and the other path are counted, not judged.
    assert recorded[OTHER] == len(document["log"]["entries"]) - 3 >= 2
    assert f"3 {JUDGED}" in run.stdout and f"{OTHER}" in run.stdout
    judged = {check["name"]: check["applied"] for check in run.report["checks"]}
    assert judged["response-schema"] == judged["request-schema"] == judged["secrets-not-disclosed"] == 3
    skipped = {check["name"] for check in run.report["checks"] if check["outcome"] == "skipped"}
    assert {"cross-user-auth-refused", "finished-sessions-stable", "server-answers"} <= skipped


def _answer(entry: dict[str, Any]) -> dict[str, Any]:
    return json.loads(entry["response"]["content"]["text"])


def _plant_currency(document: dict[str, Any]) -> int:
    index = _call_entries(document)[0]  # the demo user's success
    entry = document["log"]["entries"][index]
    body = _answer(entry)
    body["user"]["sessions"][0]["currency"] = "eur"
    entry["response"]["content"]["text"] = json.dumps(body)
    return index


def _plant_server_error(document: dict[str, Any]) -> int:
    index = _call_entries(document)[1]  # the wrong token's refusal
    document["log"]["entries"][index]["response"]["status"] = 503
    return index


def _plant_token(document: dict[str, Any]) -> int:
    index = _call_entries(document)[2]  # the unknown user's refusal, which sent no demo token
    entry = document["log"]["entries"][index]
    body = _answer(entry)
    body["result"]["message"] = f"expected token {DEMO_TOKEN}"
    entry["response"]["content"]["text"] = json.dumps(body)
    return index


@needs_chromium
@pytest.mark.parametrize(
    ("plant", "rule"),
    [
        (_plant_currency, "currency-is-iso4217"),
        (_plant_server_error, "not-a-server-error"),
        (_plant_token, "secrets-not-disclosed"),
    ],
    ids=["mutated-answer-body", "5xx", "token-disclosed"],
)
def test_a_planted_violation_fails_that_entry_alone(
    captures: dict[str, dict[str, Any]], plant: Any, rule: str, tmp_path: Path
) -> None:
    document = copy.deepcopy(captures["browser"])
    index = plant(document)
    run = _judge(tmp_path, document)
    assert run.code == 1, run.explain()
    assert rule in run.failed_checks()
    assert _flagged(run) == {f"log.entries[{index}]"}
    started = document["log"]["entries"][index]["startedDateTime"]
    assert f"log.entries[{index}] ({started})" in run.stdout
    assert DEMO_TOKEN not in run.stdout and DEMO_TOKEN not in json.dumps(run.report)


def test_the_mock_s_journal_as_har_keeps_the_contract(
    captures: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    document = captures["journal"]
    run = _judge(tmp_path, document)
    assert run.code == 0, run.explain()
    assert run.report is not None
    # The journal keeps no answer body: the requests are judged, the answers' bodies are not.
    assert run.report["recorded"][JUDGED] == run.report["recorded"][ANSWER_NO_BODY] == 3
    assert {c["name"]: c["applied"] for c in run.report["checks"]}["request-schema"] == 3
    assert "exchanges of " in run.stdout and " judged" in run.stdout  # read, not sent: no rate
    assert "requests in" not in run.stdout and "answer times (ms)" not in run.stdout, run.stdout


@pytest.mark.parametrize("planted", ["request-body", "5xx"])
def test_a_planted_violation_in_the_journal_s_har_fails_that_entry_alone(
    captures: dict[str, dict[str, Any]], planted: str, tmp_path: Path
) -> None:
    document = copy.deepcopy(captures["journal"])
    index = _call_entries(document)[1]
    entry = document["log"]["entries"][index]
    if planted == "request-body":
        body = json.loads(entry["request"]["postData"]["text"])
        body["user-get-recent-sessions"]["user"]["identifier-type"] = "nickname"
        entry["request"]["postData"]["text"] = json.dumps(body)
        rule = "request-schema"
    else:
        entry["response"]["status"] = 500
        rule = "not-a-server-error"
    run = _judge(tmp_path, document)
    assert run.code == 1, run.explain()
    assert run.failed_checks() == {rule}
    assert _flagged(run) == {f"log.entries[{index}]"}


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("<html>not json</html>", "is not a HAR file: not JSON"),
        ('{"log": {"version": "1.2"}}', "is not a HAR file: no log.entries list"),
        ('{"log": {"entries": [{"request": "GET /"}]}}', "log.entries[0]: request is not an object"),
    ],
    ids=["not-json", "no-entries", "bad-entry"],
)
def test_a_file_that_is_not_har_cannot_be_judged_in_one_line(content: str, said: str, tmp_path: Path) -> None:
    har = tmp_path / "capture.har"
    har.write_text(content, "utf-8")
    run = run_suite(tmp_path, "--har", str(har))
    assert run.code == 2, run.explain()
    assert run.stderr.strip().count("\n") == 0 and said in run.stderr
    assert run.stdout.strip() == "RESULT: CANNOT JUDGE (exit 2)"


def test_the_python_api_judges_a_har_by_its_config_field(tmp_path: Path) -> None:
    success = {"result": {"code": 0, "message": "Success"}, "user": {"sessions": []}}
    entry = {
        "startedDateTime": "2026-01-01T00:00:00Z",
        "request": {
            "method": "POST",
            "url": "https://app.example/api/v3/request",
            "headers": [{"name": "Content-Type", "value": "application/json"}],
            "postData": {
                "mimeType": "application/json",
                "text": '{"user-get-recent-sessions": {"user": {"identifier-type": "evco-id", '
                '"identifier": "NL*FLT*F00000042*7"}}}',
            },
        },
        "response": {
            "status": 200,
            "headers": [{"name": "content-type", "value": "application/json"}],
            "content": {"mimeType": "application/json", "text": json.dumps(success)},
        },
    }
    har = tmp_path / "capture.har"
    har.write_text(json.dumps({"log": {"entries": [entry]}}), "utf-8")
    report = run(Config(har=str(har)))
    assert report.exit_code == 0
    assert report.recorded[JUDGED] == 1
