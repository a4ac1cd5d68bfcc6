"""``mockserver.testing``: MockServer and its sessions against real mock processes, and the pytest plugin
run as a real pytest process (a failing test's report, a parallel run sharing one mock)."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

import spec
from mockserver.scenarios.state import valid_session
from mockserver.serving.process import free_port
from mockserver.testing import AdminError, MockServer, MockUnreachable, ServerDidNotStart, Session
from mockserver.testing.pytest_plugin import session_name
from mockserver.testing.server import given_admin_token, mock_args

ROOT = Path(__file__).resolve().parents[2]
KEY = {"Authorization": "key=demo-key"}


def call(base_url: str, identifier: str) -> dict[str, Any]:
    body = {spec.CALL: {"user": {"identifier-type": "rfid", "identifier": identifier}}}
    answer = requests.post(f"{base_url}/api/v4/request", json=body, headers=KEY, timeout=30)
    return dict(answer.json())


@pytest.mark.parametrize(
    ("options", "argv"),
    [
        ({"any_user": True, "seed": 7}, ["--any-user", "--seed", "7"]),
        ({"answer_cache": False}, ["--no-answer-cache"]),
        ({"path": ["/a", "/b"], "api_key": "k"}, ["--path", "/a", "--path", "/b", "--api-key", "k"]),
        ({"now": None, "log_format": "off"}, ["--log-format", "off"]),
    ],
)
def test_options_become_the_flags_of_the_settings_table(options: dict[str, Any], argv: list[str]) -> None:
    assert mock_args(options) == argv


def test_an_unknown_option_is_refused_by_the_mock_saying_where_the_flags_are() -> None:
    refused = r"unrecognized arguments: --any-users .*--help lists every flag"
    with pytest.raises(ServerDidNotStart, match=refused):
        MockServer(any_users=True, timeout=30).start()


def test_a_started_mock_honours_its_options_and_stops(mock_server: MockServer) -> None:
    assert call(mock_server.url, "FFFF0001")["result"]["code"] == 140  # the run's mock: no such user
    with MockServer(any_user=True, seed=7, log_format="off") as mock:
        assert mock.process is not None
        process = mock.process.process
        assert call(mock.url, "FFFF0001")["result"]["code"] == 0  # any user is known
    assert process.poll() is not None


def test_an_attached_mock_is_the_same_mock_and_stays_running(mock_server: MockServer) -> None:
    name = "attached-" + str(free_port())
    attached = MockServer.attach(mock_server.url)
    with attached:
        attached.session(name).script(["result-102"])
    assert call(mock_server.session(name).base_url, "04A2B3C4D5E6F7")["result"]["code"] == 102
    assert mock_server.session(name).requests(result=102)[0]["session"] == name
    mock_server.session(name).reset()


@pytest.mark.parametrize(
    ("url", "why"),
    [(f"http://127.0.0.1:{free_port()}", "Connection refused"), ("notaurl", "not an http(s) URL")],
    ids=["nothing listens", "not a URL"],  # the same ids in every xdist worker, whichever port it got
)
def test_attaching_to_nothing_fails_at_once_saying_why(url: str, why: str) -> None:
    with pytest.raises(
        MockUnreachable,
        match=f"the mock at {re.escape(url)} did not answer /__mock/health: .*{re.escape(why)}",
    ):
        MockServer.attach(url)


@pytest.mark.slow
def test_a_mock_on_every_interface_is_reached_with_the_token_it_generated() -> None:
    with MockServer(host="0.0.0.0", log_format="off") as mock:
        assert mock.url.startswith("http://127.0.0.1:")
        mock.session("beyond").script(["result-102"])
        assert call(mock.session("beyond").base_url, "04A2B3C4D5E6F7")["result"]["code"] == 102
        assert mock.session("beyond").requests()[0]["result"] == 102
        with pytest.raises(AdminError, match="HTTP 401"):  # the token is what lets it in
            MockServer.attach(mock.url).session("beyond").requests()
        assert MockServer.attach(mock.url, admin_token=mock.admin.admin_token).session("beyond").scripts()


@pytest.mark.parametrize(
    ("args", "env", "token"),
    [
        (["--host", "0.0.0.0", "--admin-token", "t" * 32], {}, "t" * 32),
        (["--admin-token=" + "u" * 32, "--seed", "7"], {}, "u" * 32),
        ([], {"MOCKSERVER_ADMIN_TOKEN": "v" * 32}, "v" * 32),
        (["--seed", "7"], {}, None),
        (["--admin-tok", "x" * 32, "--admin-token=" + "y" * 32], {}, "y" * 32),  # a prefix; the last wins
        (["--admin-open", "--admin-tokens", "z" * 32], {"MOCKSERVER_ADMIN_TOKEN": ""}, None),  # other flags
    ],
)
def test_a_token_given_in_raw_flags_or_the_environment_is_the_one_sent(
    args: list[str], env: dict[str, str], token: str | None
) -> None:
    assert given_admin_token(args, env) == token


@pytest.mark.slow
def test_a_mock_given_its_token_in_raw_flags_is_reached_with_it() -> None:
    with MockServer(args=["--host", "0.0.0.0", "--admin-token", "w" * 32, "--log-format", "off"]) as mock:
        assert mock.admin.admin_token == "w" * 32
        assert mock.session("given").requests() == []


@pytest.mark.slow
def test_a_mock_with_a_self_signed_certificate_is_reached_through_its_ca_file() -> None:
    with MockServer(tls_self_signed=True, log_format="off") as mock:
        assert mock.url.startswith("https://") and mock.ca_file is not None
        mock.session("tls").script(["result-145"])
        assert len(mock.session("tls").scripts()) == 1
        with pytest.raises(MockUnreachable, match="CERTIFICATE_VERIFY_FAILED"):  # the CA is what it trusts
            MockServer.attach(mock.url)
        assert len(MockServer.attach(mock.url, ca_cert=mock.ca_file).session("tls").scripts()) == 1


class _Recorder(BaseHTTPRequestHandler):
    seen: list[dict[str, str]] = []  # noqa: RUF012 (one list per test: reset there)

    def do_GET(self) -> None:
        type(self).seen.append({"path": self.path, **dict(self.headers)})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        body = b'{"scripts": []}'  # what the calls of the test read
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def recorder() -> Iterator[str]:
    _Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_the_admin_token_is_sent_as_a_bearer_token(recorder: str) -> None:
    MockServer.attach(recorder, admin_token="s3cret").session("s").scripts()
    calls = [(h["path"], h.get("Authorization")) for h in _Recorder.seen]
    paths = ["/__mock/health", "/__mock/state", "/__mock/scenarios/scripts"]  # attach's two, then the call
    assert calls == [(path, "Bearer s3cret") for path in paths]
    MockServer.attach(recorder)
    assert "Authorization" not in _Recorder.seen[-1]


@pytest.mark.parametrize(
    ("script", "paths"),
    [
        ({"sequence": ["ok", "no-such-scenario"]}, ["$.sequence[1].scenario"]),
        ({"sequence": [{"scenario": "ok", "times": 0}]}, ["$.sequence[0].times"]),
        ({"sequence": ["ok"], "match": {"identifier_type": "phone"}}, ["$.match.identifier-type"]),
        ({"sequence": ["ok"], "ttl": -1}, ["$.ttl"]),
    ],
)
def test_a_refused_script_raises_with_the_json_paths(
    mock_session: Session, script: dict[str, Any], paths: list[str]
) -> None:
    with pytest.raises(AdminError) as refused:
        mock_session.script(**script)
    assert (refused.value.status, refused.value.paths) == (400, paths)
    assert paths[0] in str(refused.value)


def test_requests_filter_the_journal_and_an_unknown_filter_is_refused(mock_session: Session) -> None:
    mock_session.script(["result-145"])
    for _ in range(2):
        call(mock_session.base_url, "04A2B3C4D5E6F7")
    assert [e["result"] for e in mock_session.requests()] == [0, 145]
    assert [e["result"] for e in mock_session.requests(result=145, identifier_type="rfid")] == [145]
    assert mock_session.requests(limit=1)[0]["result"] == 0
    with pytest.raises(AdminError) as refused:
        mock_session.requests(colour="red")
    assert refused.value.paths == ["$.query.colour"]


def test_a_failed_verify_shows_the_closest_misses(mock_session: Session) -> None:
    call(mock_session.base_url, "04A2B3C4D5E6F7")
    assert mock_session.verify(result=0, exactly=1)["matched"] is True
    with pytest.raises(AssertionError) as failed:
        mock_session.verify(result=145, identifier="04A2B3C4D5E6F7")
    message = str(failed.value)
    assert "0 request(s) matched; expected at least 1" in message
    assert "closest misses:" in message
    assert "agrees on 1 of 2: result expected 145, got 0" in message
    with pytest.raises(AssertionError, match="1 request"):
        mock_session.verify(result=0, exactly=2)


def test_reset_clears_scripts_and_journal_and_the_catalogue_is_data(
    mock_server: MockServer, mock_session: Session
) -> None:
    mock_session.script(["result-102"])
    call(mock_session.base_url, "04A2B3C4D5E6F7")
    assert mock_session.reset()["requests-removed"] == 1
    assert (mock_session.scripts(), mock_session.requests()) == ([], [])
    assert {"result-102", "http-503", "reset", "latency-fixed"} <= set(mock_server.scenario_names())
    assert "script" in mock_server.catalogue()


def test_a_session_with_a_slash_has_headers_but_no_base_url(mock_server: MockServer) -> None:
    session = mock_server.session("team/run-1")
    assert session.headers == {"X-Mock-Session": "team/run-1"}
    with pytest.raises(ValueError, match="has no base URL"):
        _ = session.base_url


@pytest.mark.parametrize(
    ("nodeid", "worker", "expected"),
    [
        ("tests/a.py::test_x", "gw1", "gw1.tests.a.py::test_x"),
        ("a.py::test_x[1 2]", "main", "main.a.py::test_x-1-2--"),  # then a hash: see below
        ("a.py::test_" + "y" * 200, "gw0", "gw0.a.py::test_yyy"),
    ],
)
def test_session_names_are_ids_named_after_the_test(nodeid: str, worker: str, expected: str) -> None:
    name = session_name(nodeid, worker)
    assert name.startswith(expected) and len(name) <= 128
    assert valid_session(name) and "/" not in name  # an id, and one path segment of a base URL
    assert session_name(nodeid, "gw9") != name
    if name != expected:  # changed or cut: a hash keeps look-alike node ids apart
        assert session_name(nodeid + "!", worker) != name


def pytest_run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=240, check=False)


FAILING = """
import requests

def test_the_app_gets_a_145(mock_session):
    mock_session.script(["result-145"])
    body = {"user-get-recent-sessions": {"user": {"identifier-type": "rfid", "identifier": "04A2B3C4D5E6F7"}}}
    key = {"Authorization": "key=demo-key"}
    requests.post(mock_session.base_url + "/api/v4/request", json=body, headers=key, timeout=30)
    assert False, "the app under test broke"

def test_passes(mock_session):
    pass

def test_the_app_never_asked(mock_session):
    mock_session.verify(result=145)
"""


@pytest.mark.slow
def test_a_failed_test_shows_its_session_journal(tmp_path: Path) -> None:
    (tmp_path / "test_failing.py").write_text(FAILING, "utf-8")
    done = pytest_run(str(tmp_path / "test_failing.py"), "--rootdir", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert "2 failed, 1 passed" in out
    assert "mock session journal: main.test_failing.py::test_the_app_gets_a_145" in out
    assert "POST /api/v4/request rfid:04A2B3C4D5E6F7 -> HTTP 200 result 145 [result-145" in out
    assert out.count("mock session journal") == 2  # the passing test's report has none
    # a failed verify: the test's line, then the mock's message; no frame of mockserver.testing
    assert "0 request(s) matched; expected at least 1" in out
    assert "mockserver/testing" not in out and "self.admin.call" not in out


SHARED = """
import os

def test_record_the_mock(mock_server, mock_session):
    with open(os.environ["URLS"], "a") as urls:
        urls.write(os.environ["PYTEST_XDIST_WORKER"] + " " + mock_server.url + "\\n")
"""


@pytest.mark.slow
def test_the_examples_pass_in_parallel_against_one_shared_mock(tmp_path: Path) -> None:
    """pytest -n 2 with every worker running every example test at the same time (--dist each): all
    pass, each in its own session, and both workers used the same mock."""
    (tmp_path / "test_shared.py").write_text(SHARED, "utf-8")
    urls = tmp_path / "urls.txt"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("URLS", str(urls))
        done = pytest_run("-n", "2", "--dist", "each", "examples", str(tmp_path / "test_shared.py"))
    assert done.returncode == 0, done.stdout + done.stderr
    seen = dict(line.split() for line in urls.read_text().splitlines())
    assert sorted(seen) == ["gw0", "gw1"] and len(set(seen.values())) == 1, seen


ADMIN_ONLY = """
def test_script_and_read(mock_server, mock_session):
    assert mock_server.url.startswith("https://127.0.0.1:") and mock_server.ca_file
    mock_session.script(["result-102"])
    assert len(mock_session.scripts()) == 1 and mock_session.requests() == []
"""


@pytest.mark.slow
def test_the_plugin_reaches_a_mock_on_every_interface_with_tls_from_every_worker(tmp_path: Path) -> None:
    """The generated token and the CA file, read from the banner by the controller, reach the workers."""
    (tmp_path / "test_admin.py").write_text(ADMIN_ONLY, "utf-8")
    args = ["-n", "2", "--dist", "each", "--mock-args=--host 0.0.0.0 --tls-self-signed --log-format off"]
    done = pytest_run(*args, str(tmp_path / "test_admin.py"), "--rootdir", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


@pytest.mark.slow
@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one process", "xdist"])
@pytest.mark.parametrize(
    ("option", "why"),
    [
        (f"--mock-url=http://127.0.0.1:{free_port()}", "Connection refused"),
        ("--mock-url=notaurl", "http(s) URL"),
    ],
    ids=["nothing listens", "not a URL"],  # the same ids in every xdist worker, whichever port it got
)
def test_a_mock_url_that_does_not_answer_ends_the_run_with_one_message(
    tmp_path: Path, workers: list[str], option: str, why: str
) -> None:
    (tmp_path / "test_admin.py").write_text(ADMIN_ONLY + ADMIN_ONLY.replace("_read", "_read_again"), "utf-8")
    done = pytest_run(
        *workers, option, str(tmp_path / "test_admin.py"), "--rootdir", str(tmp_path), cwd=tmp_path
    )
    out = done.stdout + done.stderr
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, out
    assert "did not answer /__mock/health" in out and why in out
    assert "Traceback" not in out and "urllib" not in out and " error" not in out, out


@pytest.mark.slow
@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one process", "xdist"])
@pytest.mark.parametrize("token", [None, "w" * 32], ids=["no token", "another token"])
def test_a_mock_url_that_needs_an_admin_token_ends_the_run_with_one_message(
    tmp_path: Path, workers: list[str], token: str | None
) -> None:
    (tmp_path / "test_admin.py").write_text(ADMIN_ONLY + ADMIN_ONLY.replace("_read", "_read_again"), "utf-8")
    given = [f"--mock-admin-token={token}"] if token else []
    with MockServer(admin_token="t" * 32, log_format="off") as mock:
        url = mock.url
        done = pytest_run(
            *workers,
            f"--mock-url={url}",
            *given,
            str(tmp_path / "test_admin.py"),
            "--rootdir",
            str(tmp_path),
            cwd=tmp_path,
        )
    out = done.stdout + done.stderr
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, out
    why = "refused the token of --mock-admin-token" if token else "needs its admin token"
    assert f"the mock at {url} {why}; give the one in its banner: --mock-admin-token TOKEN" in out, out
    assert "Traceback" not in out and "AdminError" not in out and "HTTP 401" not in out, out


HEAVY = ("flask", "werkzeug", "faker", "redis", "cryptography", "gevent", "gunicorn", "spec", "jsonschema")
IMPORTS = """
import sys
before = set(sys.modules)
import mockserver.testing.pytest_plugin
from mockserver.testing import AdminError, MockServer, MockUnreachable, ServerDidNotStart, Session
from mockserver.serving.process import start_mock
print(" ".join(sorted({name.split(".")[0] for name in set(sys.modules) - before})))
"""


def test_the_plugin_and_mock_server_import_nothing_of_the_mock_itself(tmp_path: Path) -> None:
    """What a test suite loads to start a mock: the standard library and pytest, never the mock's own
    dependencies (nor ``spec``, a name an app may use for a package of its own)."""
    done = subprocess.run(
        [sys.executable, "-c", IMPORTS], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=True
    )
    loaded = set(done.stdout.split())
    assert "mockserver" in loaded and "pytest" in loaded
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


APP_SPEC = '"""The app\'s own package called spec: nothing of the kit."""\n\nOWNER = "the app"\n'
APP_TEST = """
import json
import urllib.request

import spec


def test_the_app_gets_the_scripted_answer(mock_session):
    assert spec.OWNER == "the app"
    mock_session.script(["result-102"])
    body = {"user-get-recent-sessions": {"user": {"identifier-type": "rfid", "identifier": "04A2B3C4D5E6F7"}}}
    request = urllib.request.Request(
        mock_session.base_url + "/api/v4/request",
        data=json.dumps(body).encode(),
        headers={"Authorization": "key=demo-key", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert json.load(answer)["result"]["code"] == 102
    mock_session.verify(result=102, exactly=1)
"""


@pytest.mark.slow
@pytest.mark.parametrize("command", [["pytest"], ["python", "-m", "pytest"]], ids=["pytest", "python -m"])
def test_an_app_with_a_package_called_spec_runs_its_tests_against_the_mock(
    tmp_path: Path, command: list[str]
) -> None:
    """The app's folder, with its own ``spec/``, is the current folder and on the app's import path; the
    mock process the plugin starts finds the kit's ``spec`` all the same, and the app keeps its own."""
    app = tmp_path / "app"
    (app / "spec").mkdir(parents=True)
    (app / "spec" / "__init__.py").write_text(APP_SPEC, "utf-8")
    (app / "test_app.py").write_text(APP_TEST, "utf-8")
    bin_dir = Path(sys.executable).parent
    argv = [str(bin_dir / "pytest")] if command == ["pytest"] else [sys.executable, "-m", "pytest"]
    done = subprocess.run(
        [*argv, "-p", "no:cacheprovider", "--rootdir", str(app), "test_app.py"],
        cwd=app,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
