"""The suite against the real mock process (``python -m mockserver``) and its demo users: exit 0."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mockserver.serving.process import start_mock
from tests.contract.conftest import FAST, run_suite

pytestmark = pytest.mark.slow

DEMO_KEY = "demo-key"
DEMO_TOKEN = "87d4e3085af04671834ebeb127df33bf"  # fixtures/users.yaml, user "demo"


@pytest.fixture(scope="module", params=["call-page", "http"])
def mock(request: pytest.FixtureRequest) -> Iterator[str]:
    with start_mock(["--log-format", "off", "--status-mapping", request.param]) as running:
        yield running.base


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


def test_the_local_mock_is_judged_as_its_demo_user_when_no_credentials_are_given(
    mock: str, tmp_path: Path
) -> None:
    run = run_suite(tmp_path, "--base-url", mock, *FAST)
    assert run.code == 0, run.explain()
    assert "no credentials given" in run.stderr and "demo@example.com" in run.stderr
    assert DEMO_KEY not in run.stderr + run.stdout
