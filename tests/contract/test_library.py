"""The suite as a library: ``contract_tests.run(config) -> Report``, the call the command line wraps,
against the real mock (it keeps the contract) and a real server that breaks one rule (named)."""

from __future__ import annotations

import pytest

from contract_tests import DEMO_CREDENTIALS, CannotJudge, Config, run
from mockserver.serving.process import free_port
from mockserver.testing import MockServer
from tests.contract.conftest import ADA, GRACE, reference_server
from tests.servers.reference import API_KEY

FAST = {"max_examples": 5, "rate_limit": 0, "timeout": 5.0, "retries": 2}


def test_the_mock_keeps_the_contract_as_a_report_value(mock_server: MockServer) -> None:
    report = run(Config(base_url=mock_server.url, **DEMO_CREDENTIALS, **FAST))
    assert (report.exit_code, report.failures, report.incomplete) == (0, [], "")
    assert report.requests > 0
    assert {result.outcome for result in report.results} <= {"passed", "skipped"}


def test_a_server_that_breaks_a_rule_fails_the_check_that_names_it() -> None:
    with reference_server("--mutation", "token-accepted-across-users") as url:
        config = Config(
            base_url=url,
            api_key=API_KEY,
            identifier_type="username",
            identifier=ADA["identifier"],
            token=ADA["token"],
            second_user_type="username",
            second_user=GRACE["identifier"],
            second_user_token=GRACE["token"],
            **FAST,
        )
        report = run(config)
    assert report.exit_code == 1
    assert {failure.check for failure in report.failures} == {"cross-user-auth-refused"}


def test_a_target_that_cannot_be_judged_raises() -> None:
    with pytest.raises(CannotJudge, match="unreachable"):
        run(Config(base_url=f"http://127.0.0.1:{free_port()}", **DEMO_CREDENTIALS, **FAST))
