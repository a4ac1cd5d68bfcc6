"""The API key stays out of what the mock prints and serves: curl commands (the catalogue, GET
/__mock/scenarios, the banner's last line) show the demo key only to a reader on this machine,
otherwise a placeholder."""

from __future__ import annotations

import pytest
import requests

from mockserver import create_app, settings
from mockserver.http.docs import KEY_PLACEHOLDER
from mockserver.serving.options import Options
from mockserver.serving.process import ServerProcess, start_mock
from mockserver.serving.startup import banner

KEY = "s3cret-partner-key-4711"
TOKEN = "87d4e3085af04671834ebeb127df33bf"  # the demo user's (fixtures/users.yaml)
USER = {"identifier-type": "username", "identifier": "demo@example.com"}


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


def test_a_banner_on_a_network_address_shows_the_placeholder(capsys: pytest.CaptureFixture[str]) -> None:
    chosen = Options("0.0.0.0", 8080, 1, 1, {"MOCK_API_KEYS": [settings.DEMO_API_KEY]})
    banner(chosen, "0.0.0.0", 8080, "gunicorn")
    (line,) = [line for line in capsys.readouterr().out.splitlines() if line.lstrip().startswith("try:")]
    assert KEY_PLACEHOLDER in line and f"key={settings.DEMO_API_KEY}" not in line
