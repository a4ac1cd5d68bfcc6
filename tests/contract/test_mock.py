"""The suite against the real mock process (``python -m mockserver``) and its demo users: exit 0."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from contract_tests.checks import SECOND_USER
from mockserver.serving.process import start_mock
from tests.contract.conftest import FAST, run_suite

pytestmark = pytest.mark.slow

DEMO_KEY = "demo-key"
DEMO_TOKEN = "87d4e3085af04671834ebeb127df33bf"  # fixtures/users.yaml, user "demo"
ANNA = [  # fixtures/users.yaml, user "anna": the second known-good user of every run here
    "--second-user-type",
    "username",
    "--second-user",
    "anna.lindqvist@example.se",
    "--second-user-token",
    "5f2b9c1e7a3d4f60b8e1c2d3a4b5c6d7",
]


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
    run = run_suite(tmp_path, "--base-url", mock, "--api-key", DEMO_KEY, *user, *ANNA, *FAST)
    assert run.code == 0, run.explain()
    assert run.report is not None
    assert not [c["name"] for c in run.report["checks"] if c.get("skipped") == SECOND_USER.missing]


def test_the_local_mock_is_judged_as_its_demo_user_when_no_credentials_are_given(
    mock: str, tmp_path: Path
) -> None:
    run = run_suite(tmp_path, "--base-url", mock, *FAST)
    assert run.code == 0, run.explain()
    assert "no credentials given" in run.stderr and "demo@example.com" in run.stderr
    assert "anna.lindqvist@example.se" in run.stderr
    assert DEMO_KEY not in run.stderr + run.stdout


def test_the_default_run_judges_the_mock_as_both_demo_users(tmp_path: Path) -> None:
    """Every option at its default, as ``make contract`` against ``make serve``: the whole suite, with
    the two demo users. Its duration is printed (``pytest -s``), not judged."""
    with start_mock(["--log-format", "off"]) as running:
        run = run_suite(tmp_path, "--base-url", running.base, timeout=600)
    assert run.code == 0, run.explain()
    assert run.report is not None
    assert run.report["users"] == ["known user", "second user"]
    assert run.report["incomplete"] is None
    assert not [c["name"] for c in run.report["checks"] if c.get("skipped") == SECOND_USER.missing]
    print(f"the default run took {run.report['duration_seconds']} s for {run.report['requests']} requests")
