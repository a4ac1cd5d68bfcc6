"""The suite against the real mock process (``python -m mockserver``) and its demo users: exit 0."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.contract.conftest import FAST, ROOT, _env, free_port, run_suite, wait_until_listening

pytestmark = pytest.mark.slow

DEMO_KEY = "demo-key"
DEMO_TOKEN = "87d4e3085af04671834ebeb127df33bf"  # fixtures/users.yaml, user "demo"


@pytest.fixture(scope="module", params=["call-page", "http"])
def mock(request: pytest.FixtureRequest) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mockserver",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-format",
            "off",
            "--status-mapping",
            request.param,
        ],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_listening(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.mark.parametrize(
    "user",
    [
        ["--identifier-type", "username", "--identifier", "demo@example.com", "--token", DEMO_TOKEN],
        ["--identifier-type", "rfid", "--identifier", "04A2B3C4D5E6F7", "--token", DEMO_TOKEN],
        ["--identifier-type", "evco-id", "--identifier", "NL*FLT*F00000042*7"],
        ["--identifier-type", "token", "--identifier", DEMO_TOKEN],
    ],
    ids=["username", "rfid", "evco-id-without-token", "token"],
)
def test_the_mock_keeps_the_contract(mock: str, user: list[str], tmp_path: Path) -> None:
    run = run_suite(tmp_path, "--base-url", mock, "--api-key", DEMO_KEY, *user, *FAST)
    assert run.code == 0, run.explain()
