"""The application factory, the selector hook, the catch-all handler, and the small endpoints."""

from __future__ import annotations

import http.client
import io
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

import spec
from mockserver import create_app
from mockserver.errors import ConfigError, StateUnavailable
from mockserver.http import runtime
from mockserver.scenarios.selector import NoScripts, RequestContext
from mockserver.scenarios.state import ScriptStep
from mockserver.serving.process import free_port, stop
from mockserver.settings import PROTOCOL_PATHS
from tests.mockserver.conftest import assert_the_call_at_every_path

from .conftest import DEMO, KEY, NOW


def test_defaults() -> None:
    app = create_app()
    assert app.config["MOCK_API_KEYS"] == ["demo-key"]
    assert app.config["MOCK_STATUS_MAPPING"] == "call-page"
    rt = runtime.of(app)  # one typed root: the engine, its selector and counters built with it
    assert list(app.extensions) == [runtime.EXTENSION]
    assert rt.selector is rt.engine.selector and rt.counters is rt.engine.store.counters


def test_config_overrides_defaults() -> None:
    app = create_app({"MOCK_API_KEYS": ["k1", "k2"], "MOCK_LOG_FORMAT": "off"})
    body = {spec.CALL: {"user": DEMO}}
    client = app.test_client()
    assert client.post("/api/v4/request", json=body, headers={"Authorization": "key=k2"}).status_code == 200
    assert client.post("/api/v4/request", json=body, headers=KEY).status_code == 401


@pytest.mark.parametrize(
    "config",
    [
        {"MOCK_STATUS_MAPPING": "rest"},
        {"MOCK_LOG_FORMAT": "xml"},
        {"MOCK_API_KEYS": []},
        {"MOCK_API_KEYS": "demo-key"},
        {"MOCK_SEED": -1},
        {"MOCK_MAX_BODY_BYTES": "big"},
        {"MOCK_NOW": "tomorrow"},
        {"MOCK_PATHS": ["api"]},
        {"MOCK_USERS_FILE": "/nonexistent/users.yaml"},
    ],
)
def test_bad_config_is_refused(config: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        create_app(config)


def _ask(port: int, method: str, path: str, body: Any = None) -> tuple[int, dict[str, str], Any]:
    """One request to 127.0.0.1:port from a page at https://app.example: status, headers, JSON body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"Origin": "https://app.example", "Content-Type": "application/json", **KEY}
        connection.request(method, path, None if body is None else orjson.dumps(body), headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), orjson.loads(response.read() or b"null")
    finally:
        connection.close()


def test_a_server_of_create_app_reads_a_config_given_as_text_as_the_command_line_does(
    tmp_path: Path,
) -> None:
    """gunicorn calls the factory with the literal config it is given: "off" and "false" turn CORS and
    any-user mode off, as MOCKSERVER_CORS=off and MOCKSERVER_ANY_USER=false do."""
    port = free_port()
    factory = (
        "mockserver:create_app({'MOCK_CORS': 'off', 'MOCK_ANY_USER': 'false', 'MOCK_LOG_FORMAT': 'off'})"
    )
    argv = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", factory]
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=sink, stderr=sink, process_group=0)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log.read_text("utf-8")
            assert time.monotonic() < deadline, log.read_text("utf-8")
            try:
                if _ask(port, "GET", "/__mock/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        stranger = {"identifier-type": "rfid", "identifier": "0123ABCD4567"}  # no user of the directory
        status, headers, body = _ask(port, "POST", "/api/v4/request", {spec.CALL: {"user": stranger}})
    finally:
        stop(server, group=True)
    assert status == 200 and body["result"]["code"] == 140  # unknown: any-user mode is off
    assert not any(name.lower().startswith("access-control-") for name in headers), headers  # CORS off


def test_v3_and_extra_paths() -> None:
    app = create_app({"MOCK_LOG_FORMAT": "off", "MOCK_PATHS": ["/oioi"]})
    body = {spec.CALL: {"user": DEMO}}
    for path in ("/api/v4/request", "/api/v3/request", "/oioi"):
        assert app.test_client().post(path, json=body, headers=KEY).status_code == 200


class ScriptedSelector:
    """A selector like the scenario engine's (``StoreSelector``): scripted names in order, every journal
    entry kept."""

    def __init__(self, script: list[str], fail: bool = False) -> None:
        self.script, self.fail = script, fail
        self.seen: list[RequestContext] = []
        self.entries: list[dict[str, Any]] = []

    def pick(self, ctx: RequestContext) -> ScriptStep | None:
        if self.fail:
            raise StateUnavailable("redis://127.0.0.1:1", "connection refused")
        self.seen.append(ctx)
        return ScriptStep("recorded", self.script.pop(0), len(self.seen) - 1) if self.script else None

    def journal(self, entry: dict[str, Any], step: ScriptStep | None = None) -> None:
        self.entries.append(entry)


def _app_with(selector: Any) -> Any:
    app = create_app({"MOCK_LOG_FORMAT": "off", "MOCK_NOW": NOW})
    runtime.of(app).selector = selector  # in place of the engine's own
    return app


def _post(app: Any, user: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    body = {spec.CALL: {"user": user}}
    return app.test_client().post("/api/v4/request", json=body, headers={**KEY, **(headers or {})})


def test_default_selector_scripts_nothing() -> None:
    selector = NoScripts()
    assert selector.pick(None) is None  # type: ignore[arg-type]
    assert selector.journal({}) is None


def test_precedence_header_then_script_then_directory() -> None:
    selector = ScriptedSelector(["result-101", "result-102"])
    app = _app_with(selector)
    first = _post(app, DEMO, {"X-Mock-Scenario": "result-145", "X-Mock-Session": "run-1"})
    assert first.get_json()["result"]["code"] == 145
    assert selector.seen == []  # the header wins: no scripted step consumed
    assert _post(app, DEMO).get_json()["result"]["code"] == 101
    tomasz = {
        "identifier-type": "rfid",
        "identifier": "7C3E9A12B4D6F8A0C2E4",
    }  # directory scenario in-progress
    assert _post(app, tomasz).get_json()["result"]["code"] == 102
    assert "end" not in _post(app, tomasz).get_json()["user"]["sessions"][0]["session-interval"]


def test_context_and_journal_entries() -> None:
    selector = ScriptedSelector([])
    app = _app_with(selector)
    _post(app, DEMO, {"X-Mock-Session": "run-7"})
    ctx = selector.seen[0]
    assert (ctx.call, ctx.identifier_type, ctx.identifier, ctx.session) == (
        spec.CALL, "username", DEMO["identifier"], "run-7",
    )  # fmt: skip
    assert ctx.headers["Authorization"] == "key=<redacted>"
    assert orjson.loads(ctx.raw_body_text) == {spec.CALL: {"user": {**DEMO, "token": "<redacted>"}}}
    app.test_client().post("/api/v4/request", data=b"{", headers={"Authorization": "key=bad"})
    ok, refused = selector.entries
    assert ok["result"] == 0 and ok["status"] == 200 and ok["session"] == "run-7" and ok["scenario"] is None
    assert ok["identifier"] == DEMO["identifier"] and ok["identifier-type"] == "username"
    assert "demo-key" not in orjson.dumps(ok).decode()
    assert refused["result"] == 210 and refused["status"] == 401 and refused["body"] == "{"
    assert refused["call"] is None
    expected = {
        "time",
        "method",
        "path",
        "headers",
        "body",
        "scenario",
        "result",
        "status",
        "session",
        "call",
    }
    assert expected | {"identifier-type", "identifier", "duration_ms"} == set(ok)


def test_state_unavailable_is_a_503_with_retry_after() -> None:
    response = _post(_app_with(ScriptedSelector([], fail=True)), DEMO)
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    body = response.get_json()
    assert body["result"]["code"] == 100 and "redis://127.0.0.1:1" in body["error"]


def test_catch_all_answers_json_and_counts() -> None:
    app = create_app({"MOCK_LOG_FORMAT": "off"})

    def boom() -> str:
        raise RuntimeError("kaboom")

    app.add_url_rule("/boom", "boom", boom)
    app.logger.disabled = True
    response = app.test_client().get("/boom")
    assert response.status_code == 500 and response.get_json()["result"]["code"] == 100
    assert "Traceback" not in response.get_data(as_text=True)
    assert runtime.of(app).internal_errors == 1


class NoJournal(ScriptedSelector):
    """Scripts answer, the journal cannot be written (a backend that fails between two calls)."""

    def journal(self, entry: dict[str, Any], step: ScriptStep | None = None) -> None:
        raise StateUnavailable("redis://127.0.0.1:1", "connection reset")


def test_an_answer_whose_journal_entry_cannot_be_written_is_a_503_cached_or_not() -> None:
    app = _app_with(NoJournal([]))
    first, second = _post(app, DEMO), _post(app, DEMO)
    for response in (first, second):
        assert response.status_code == 503 and response.headers["Retry-After"] == "1"
        assert response.get_json()["result"]["code"] == 100
    assert runtime.of(app).answers.stats()["entries"] == 0  # a 503 is never kept
    ok = _app_with(ScriptedSelector([]))
    _post(ok, DEMO)
    runtime.of(ok).selector = NoJournal([])  # the backend fails after the answer was cached
    hit = _post(ok, DEMO)
    assert runtime.of(ok).answers.stats()["hits"] == 1
    assert hit.status_code == 503 and hit.get_json()["result"]["code"] == 100


class Broken(ScriptedSelector):
    def pick(self, ctx: RequestContext) -> ScriptStep | None:
        raise RuntimeError("kaboom")


def test_the_protocol_endpoint_has_its_own_catch_all() -> None:
    app = _app_with(Broken([]))
    app.logger.disabled = True
    response = _post(app, DEMO)
    assert response.status_code == 500 and response.get_json()["result"]["code"] == 100
    assert "RuntimeError" in response.get_json()["error"]
    assert "Traceback" not in response.get_data(as_text=True)
    assert runtime.of(app).internal_errors == 1


def test_openapi_and_health(client: Any) -> None:
    served = client.get("/openapi.json").get_json()
    assert served.pop("servers")[0]["url"] == "http://localhost"
    assert_the_call_at_every_path(served, PROTOCOL_PATHS)
    health = client.get("/__mock/health").get_json()
    assert health["status"] == "ok" and health["internal-errors"] == 0


def test_openapi_names_every_path_the_call_is_answered_at() -> None:
    app = create_app({"MOCK_LOG_FORMAT": "off", "MOCK_PATHS": ["/oioi/request"]})
    assert_the_call_at_every_path(
        app.test_client().get("/openapi.json").get_json(), [*PROTOCOL_PATHS, "/oioi/request"]
    )


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_one_log_line_per_request(fmt: str) -> None:
    stream = io.StringIO()
    app = create_app({"MOCK_LOG_FORMAT": fmt, "MOCK_LOG_STREAM": stream, "MOCK_NOW": NOW})
    _post(app, DEMO)
    _post(app, {"identifier-type": "rfid", "identifier": "DEAD0144"})
    runtime.of(app).log.flush()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    if fmt == "json":
        first = orjson.loads(lines[0])
        assert first["call"] == spec.CALL and first["result"] == 0 and first["status"] == 200
        assert first["identifier-type"] == "username" and first["duration_ms"] >= 0
    else:
        assert "result=144" in lines[1] and "identifier-type=rfid" in lines[1]


def test_every_log_line_has_the_time_a_protocol_line_has() -> None:
    stream = io.StringIO()
    app = create_app({"MOCK_LOG_FORMAT": "json", "MOCK_LOG_STREAM": stream, "MOCK_NOW": NOW})
    _post(app, DEMO)
    app.test_client().get("/__mock/health")
    app.test_client().get("/no/such/path")
    runtime.of(app).log.flush()
    lines = [orjson.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["path"] for line in lines] == ["/api/v4/request", "/__mock/health", "/no/such/path"]
    for line in lines:
        assert datetime.fromisoformat(line["time"]).tzinfo is not None, line


def test_self_check_logs_violations() -> None:
    from mockserver.answers import Answer
    from mockserver.http import selfcheck

    bad = orjson.dumps({"user": {"sessions": [{"cost": 3}]}, "result": {"code": 0, "message": "Success."}})
    assert {p.path for p in selfcheck.check(Answer(200, bad, 0))} >= {"$.user.sessions[0].cost"}
    assert selfcheck.check(Answer(200, bad, 0, deliberate=True)) == []
    stream = io.StringIO()
    app = create_app(
        {"MOCK_LOG_FORMAT": "json", "MOCK_LOG_STREAM": stream, "MOCK_SELF_CHECK": True, "MOCK_NOW": NOW}
    )
    for name in ("ok", "many-sessions", "all-optional-null", "result-144", "http-503"):
        _post(app, DEMO, {"X-Mock-Scenario": name})
    assert runtime.of(app).self_check_failures == 0
    runtime.of(app).log.flush()
    assert len(stream.getvalue().splitlines()) == 5 and "self-check" not in stream.getvalue()


class Files:
    """Stands in for the scenario files: one composed scenario."""

    def resolve(self, name: str) -> list[str] | None:
        table = {
            "slow-timeout": ["latency-fixed; ms=30", "result-102"],
            "cut-145": ["truncated; fraction=0.5", "result-145"],
            "broken": ["result-102", "explode"],
        }
        return table.get(name.split(";", maxsplit=1)[0].strip())

    def scenario_names(self) -> list[str]:
        return ["ok", "slow-timeout", "cut-145", "broken"]


def _app_with_files() -> Any:
    app = create_app({"MOCK_LOG_FORMAT": "off", "MOCK_NOW": NOW})
    runtime.of(app).files = Files()
    return app


def test_composed_scenarios_apply_every_part() -> None:
    import time

    app = _app_with_files()
    started = time.perf_counter()
    slow = _post(app, DEMO, {"X-Mock-Scenario": "slow-timeout"})
    assert time.perf_counter() - started >= 0.03
    assert slow.get_json()["result"]["code"] == 102
    cut = _post(app, DEMO, {"X-Mock-Scenario": "cut-145"})
    whole = _post(app, DEMO, {"X-Mock-Scenario": "result-145"}).data
    assert cut.data == whole[: len(whole) // 2]
    assert int(cut.headers["Content-Length"]) == len(whole)


def test_unknown_names_list_file_scenarios_too() -> None:
    app = _app_with_files()
    response = _post(app, DEMO, {"X-Mock-Scenario": "nothing"})
    assert response.status_code == 400 and "slow-timeout" in response.get_json()["error"]
    broken = _post(app, DEMO, {"X-Mock-Scenario": "broken"})
    assert broken.status_code == 400 and "explode" in broken.get_json()["error"]
