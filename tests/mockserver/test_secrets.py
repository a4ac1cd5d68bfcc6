"""The API key, the admin token and users' tokens stay out of what the mock prints, logs, journals and
answers.

Curl commands show the demo key only to a reader on this machine (the catalogue and GET /__mock/scenarios
to a client on loopback; the banner's last line, read where the mock runs, always), otherwise a
placeholder; a key of your own is never in one, and the banner masks it and never shows an admin token
you gave; logs (both formats), error bodies and the journal never hold a key or a token,
whatever the request got wrong."""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Iterator

import orjson
import pytest
import requests

import spec
from mockserver import create_app, settings
from mockserver.http.curl_lines import KEY_PLACEHOLDER
from mockserver.serving.options import Options
from mockserver.serving.process import ServerProcess, start_mock
from mockserver.serving.startup import banner
from tests.mockserver.conftest import PROTOCOL_HEADERS

KEY = "s3cret-partner-key-4711"
TOKEN = "87d4e3085af04671834ebeb127df33bf"  # the demo user's (fixtures/users.yaml)
USER = {"identifier-type": "username", "identifier": "demo@example.com"}
ADMIN = "adm1n-t0ken-of-the-team"
WRONG_ADMIN = "n0t-the-adm1n-t0ken"


def _curl_lines(document: dict[str, object]) -> list[str]:
    entries = [*document.get("scenarios", []), *document.get("magic-values", [])]  # type: ignore[misc]
    return [entry["curl"] for entry in entries]


def _try_line(server: ServerProcess) -> str:
    (line,) = [line for line in server.banner.splitlines() if line.lstrip().startswith("try:")]
    return line


def test_a_key_of_your_own_is_never_in_a_curl_command() -> None:
    with start_mock(["--api-key", KEY, "--log-format", "off"]) as server:
        for path in ("/__mock/catalog", "/__mock/scenarios"):
            answer = requests.get(server.base + path, timeout=30)
            assert KEY not in answer.text
            lines = _curl_lines(answer.json())
            assert lines and all(f"Authorization: key={KEY_PLACEHOLDER}" in line for line in lines)
        assert KEY not in _try_line(server) and KEY_PLACEHOLDER in _try_line(server)


def test_the_demo_key_is_shown_to_this_machine_only() -> None:
    with start_mock(["--log-format", "off"]) as server:  # the demo key, on 127.0.0.1
        lines = _curl_lines(requests.get(server.base + "/__mock/catalog", timeout=30).json())
        assert all(f"key={settings.DEMO_API_KEY}" in line for line in lines)
        assert f"key={settings.DEMO_API_KEY}" in _try_line(server)
    client = create_app({"MOCK_LOG_FORMAT": "off"}).test_client()
    remote = {"REMOTE_ADDR": "192.0.2.7"}  # a reader elsewhere on the network
    for path in ("/__mock/catalog", "/__mock/scenarios"):
        document = client.get(path, environ_overrides=remote).get_json()
        assert all(f"key={KEY_PLACEHOLDER}" in line for line in _curl_lines(document))


@pytest.mark.parametrize(
    ("key", "shown"), [(settings.DEMO_API_KEY, settings.DEMO_API_KEY), (KEY, KEY_PLACEHOLDER)]
)
@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.7"])
def test_a_banner_on_a_network_address_shows_the_demo_key_to_this_machine(
    host: str, key: str, shown: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The banner is read where the mock runs: its curl command, pasted there, must work."""
    chosen = Options(host, 8080, 1, 1, {"MOCK_API_KEYS": [key]})
    banner(chosen, host, 8080, "gunicorn")
    out = capsys.readouterr().out
    (line,) = [line for line in out.splitlines() if line.lstrip().startswith("try:")]
    assert f"key={shown}" in line and KEY not in out


def _call(user: dict[str, object]) -> bytes:
    return orjson.dumps({spec.CALL: {"user": user}})


# Requests that each get something wrong, carrying the key and a token where a client would.
PROTOCOL = {"Authorization": f"key={KEY}", "Content-Type": "application/json"}
WRONG = [
    ("a token too long", PROTOCOL, _call({**USER, "token": TOKEN + "x" * 300})),
    ("a token in a list", PROTOCOL, _call({**USER, "token": [TOKEN]})),
    ("a token that is an object", PROTOCOL, _call({**USER, "token": {"value": TOKEN}})),
    ("a wrong identifier type", PROTOCOL, _call({**USER, "identifier-type": "e-mail", "token": TOKEN})),
    ("a wrong token", PROTOCOL, _call({**USER, "token": TOKEN[::-1]})),
    ("the right token", PROTOCOL, _call({**USER, "token": TOKEN})),
    ("no JSON", PROTOCOL, b'{"' + spec.CALL.encode() + b'": {"user": {"token": "' + TOKEN.encode() + b'"'),
    ("a wrong key", {**PROTOCOL, "Authorization": f"key={KEY}x"}, _call({**USER, "token": TOKEN})),
    ("no key= prefix", {**PROTOCOL, "Authorization": KEY}, _call({**USER, "token": TOKEN})),
    ("a bad clock", {**PROTOCOL, "X-Mock-Now": "soon"}, _call({**USER, "token": TOKEN})),
    ("a bad media type", {**PROTOCOL, "Content-Type": "text/plain"}, _call({**USER, "token": TOKEN})),
    ("an unknown scenario", {**PROTOCOL, "X-Mock-Scenario": "nope"}, _call({**USER, "token": TOKEN})),
]
# The identifier of type token is a token too: refusals never repeat it (the journal keeps it, as
# what scripts and verify match on).
AS_IDENTIFIER = [
    ("a token identifier too long", PROTOCOL, _call({"identifier-type": "token", "identifier": TOKEN * 9})),
    (
        "a token identifier, a bad token",
        PROTOCOL,
        _call({"identifier-type": "token", "identifier": TOKEN, "token": 5}),
    ),
]


@contextlib.contextmanager
def _mock(log_format: str) -> Iterator[ServerProcess]:
    with start_mock(["--api-key", KEY, "--log-format", log_format, "--admin-token", ADMIN]) as server:
        yield server


def test_the_banner_masks_a_key_of_your_own_and_never_shows_a_given_admin_token() -> None:
    with _mock("off") as server:
        assert KEY not in server.banner and ADMIN not in server.banner
        (line,) = [line for line in server.banner.splitlines() if line.lstrip().startswith("API key:")]
        assert f"(your own key, {len(KEY)} characters)" in line


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_no_key_or_token_in_error_bodies_logs_or_the_journal(log_format: str) -> None:
    with _mock(log_format) as server, requests.Session() as http:
        answers: dict[str, str] = {}
        for session, cases in (("fields", WRONG), ("identifiers", AS_IDENTIFIER)):
            for name, headers, body in cases:
                sent = {**headers, "X-Mock-Session": session}
                answers[name] = http.post(server.base + "/api/v4/request", data=body, headers=sent).text
        token_call = _call({**USER, "token": TOKEN})
        answers["a wrong path"] = http.post(
            server.base + "/api/v3/nowhere", data=token_call, headers=PROTOCOL
        ).text
        answers["a wrong method"] = http.get(server.base + "/api/v4/request", headers=PROTOCOL).text
        bearer = {"Authorization": f"Bearer {ADMIN}"}
        answers["a wrong path, the admin token sent"] = http.get(
            server.base + "/nowhere", headers=bearer
        ).text
        bad_script = orjson.dumps({"sequence": [{"scenario": "nope", "times": 0}]})
        answers["a bad script"] = http.post(
            server.base + "/__mock/scenarios/script",
            data=bad_script,
            headers={**PROTOCOL, "X-Mock-Admin-Token": ADMIN},
        ).text
        refused = []
        for headers in ({}, {"Authorization": f"Bearer {WRONG_ADMIN}"}, {"X-Mock-Admin-Token": WRONG_ADMIN}):
            refused.append(http.get(server.base + "/__mock/requests", headers=headers))
            answers[f"the journal asked with {headers}"] = refused[-1].text
        journal = http.get(
            server.base + "/__mock/requests", headers={"X-Mock-Session": "fields", **bearer}
        ).text
        default = http.get(server.base + "/__mock/requests", headers=bearer).text
        stderr = server.stderr()
    assert [answer.status_code for answer in refused] == [401, 401, 401]
    for name, answer in answers.items():
        assert KEY not in answer and TOKEN not in answer, (name, answer[:500])
        assert ADMIN not in answer and WRONG_ADMIN not in answer, (name, answer[:500])
    assert orjson.loads(journal)["count"] == len(WRONG)
    assert KEY not in journal and TOKEN not in journal
    assert '"token":"<redacted>"' in journal.replace("\\", "").replace(" ", "")
    assert orjson.loads(default)["requests"][0]["headers"]["Authorization"] == "Bearer <redacted>"
    assert ADMIN not in default and KEY not in default and TOKEN not in default
    assert stderr.strip(), "the request log printed nothing"
    for secret in (KEY, TOKEN, ADMIN, WRONG_ADMIN):
        assert secret not in stderr


def test_the_journal_keeps_that_a_token_was_sent() -> None:
    app = create_app({"MOCK_LOG_FORMAT": "off", "MOCK_LOG_STREAM": io.StringIO()})
    client = app.test_client()
    spaced = (
        b'{"'
        + spec.CALL.encode()
        + b'": {"user": {"token" :  "'
        + TOKEN.encode()
        + b'", "identifier": "x"}}}'
    )
    client.post(
        "/api/v4/request",
        data=spaced,
        headers=PROTOCOL_HEADERS,
    )
    (entry,) = client.get("/__mock/requests").get_json()["requests"]
    assert TOKEN not in entry["body"] and '"token" :  "<redacted>"' in entry["body"]


def _logged(server: ServerProcess, words: str) -> str:
    """The server's stderr once the request log has written ``words`` (it writes in batches)."""
    for _ in range(200):
        if words in (stderr := server.stderr()):
            return stderr
        time.sleep(0.05)
    raise AssertionError(f"the request log never wrote {words!r}")


# Credentials in headers the mock does not know as credentials: (header, value, what the value holds).
ODD_HEADERS = [
    ("X-Api-Key", KEY, "the API key alone"),
    ("X-Partner-Auth", f"ApiKey {KEY}", "the API key after a scheme"),
    ("X-Forwarded-Authorization", f"Bearer {ADMIN}", "the admin token"),
]


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_a_key_or_token_in_a_header_of_any_name_is_journalled_redacted(log_format: str) -> None:
    odd = {name: value for name, value, _ in ODD_HEADERS}
    session = {"X-Mock-Session": "odd-headers"}
    call = _call({"identifier-type": "rfid", "identifier": "0A0B0C0D"})
    with _mock(log_format) as server, requests.Session() as http:
        # the same request three times: answered in full, then from the answer cache; then a wrong path,
        # answered by Flask
        for _ in range(3):
            answered = http.post(server.base + "/api/v4/request", data=call, headers=PROTOCOL | odd | session)
            assert answered.status_code == 200, answered.text
        http.post(server.base + "/api/v3/nowhere", data=call, headers=PROTOCOL | odd | session)
        admin = {"X-Mock-Admin-Token": ADMIN, **session}
        journal = http.get(server.base + "/__mock/requests", headers=admin).json()
        stderr = _logged(server, "/api/v3/nowhere")
    assert [e["status"] for e in journal["requests"]] == [404, 200, 200, 200]
    for entry in journal["requests"]:
        assert {name: entry["headers"][name] for name in odd} == dict.fromkeys(odd, "<redacted>")
        assert entry["headers"]["Authorization"] == "key=<redacted>"
    for secret in (KEY, ADMIN):
        assert secret not in orjson.dumps(journal).decode() and secret not in stderr
