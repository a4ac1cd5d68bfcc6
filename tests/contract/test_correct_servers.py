"""Correct servers that make different valid choices pass: exit 0, and the report says what was seen."""

from __future__ import annotations

from pathlib import Path

import pytest

from contract_tests import CHECKS
from contract_tests.checks import SECOND_USER
from tests.contract.conftest import ada_args, reference_server, run_suite

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("server_args", "suite_args"),
    [
        ([], []),  # nulls omitted, extra fields, +05:30/-03:00 offsets, 401/404 for auth errors
        (["--status-style", "call-page"], []),  # result-coded errors with HTTP 200, as the call page says
        (["--forms", "lenient"], ["--profile", "lenient"]),  # Z, fractions, "3.15" -> "3.15", "0.00" -> "0"
        (["--flaky-every", "7"], []),  # busy: every 7th answer is 503 + Retry-After, retried
        (["--variant", "permissive"], []),  # BOM, UTF-16, gzip, text after the JSON, "key = k", v3 path
        (["--variant", "picky", "--status-style", "call-page"], []),  # 415, 411, 413, unknown fields refused
        (["--variant", "shared-session-ids"], []),  # sessions of an answer share one external-session-id
    ],
    ids=["reference", "call-page-statuses", "lenient-forms", "busy-503", "permissive", "picky", "shared-ids"],
)
def test_a_correct_server_passes(server_args: list[str], suite_args: list[str], tmp_path: Path) -> None:
    with reference_server(*server_args) as url:
        run = run_suite(tmp_path, *ada_args(url, *suite_args))
    assert run.code == 0, run.explain()
    assert run.report is not None
    assert run.report["exit_code"] == 0
    assert (run.report["retries"] > 0) == ("--flaky-every" in server_args)
    assert "RESULT: PASS (exit 0)" in run.stdout
    # Their extra fields aside (a tolerant reader's remark), a correct server earns no warning.
    assert {w["source"] for w in run.report["warnings"]} <= {"unknown-fields"}, run.report["warnings"]


def test_without_a_second_user_the_checks_across_users_are_skipped_and_said_so(
    reference: str, tmp_path: Path
) -> None:
    run = run_suite(tmp_path, *ada_args(reference, "--max-examples", "3", second=False))
    assert run.code == 0, run.explain()
    assert run.report is not None
    assert run.report["users"] == ["known user"]
    needing = {check.name for check in CHECKS if check.needs is SECOND_USER}
    skipped = {c["name"]: c.get("skipped") for c in run.report["checks"] if c["outcome"] == "skipped"}
    assert needing and needing <= skipped.keys()
    assert {skipped[name] for name in needing} == {SECOND_USER.missing}
    assert f"skipped ({SECOND_USER.missing}): " in run.stdout
    assert not {"cross-user", "concurrency"} & run.report["coverage"]["by_group"].keys()


def test_lenient_forms_fail_the_strict_profile(tmp_path: Path) -> None:
    with reference_server("--forms", "lenient") as url:
        run = run_suite(tmp_path, *ada_args(url, "--profile", "strict"))
    assert run.code == 1, run.explain()
    assert run.failed_checks() == {"response-schema"}


def test_the_report_accounts_for_what_was_observed(reference: str, tmp_path: Path) -> None:
    run = run_suite(tmp_path, *ada_args(reference))
    assert run.code == 0, run.explain()
    report = run.report
    assert report is not None
    coverage = report["coverage"]
    # The reference answers 0, 140, 144, 145, 210 and 230 with 200, 400, 401 and 404 (its choices).
    assert {"0", "140", "144", "145", "210", "230"} <= set(coverage["result_codes"])
    assert {"200", "400", "401", "404"} <= set(coverage["statuses"])
    assert report["requests"] >= sum(coverage["statuses"].values())  # retries count as requests
    assert report["requests_per_second"] > 0
    assert [check["name"] for check in report["checks"]] == [check.name for check in CHECKS]
    assert report["users"] == ["known user", "second user"]
    assert "cross-user" in coverage["by_group"]
    # Tolerant reader: the reference's extra fields are warnings, not failures.
    assert any(
        w["source"] == "unknown-fields" and w["path"].endswith("tariff-id") for w in report["warnings"]
    )
    assert set(report["phases"]) == {
        "fixed",
        "concurrent",
        "hypothesis-valid",
        "hypothesis-invalid",
        "schemathesis-positive",
        "schemathesis-negative",
        "repeated",
    }
    assert report["phases"]["hypothesis-invalid"] == 10
    assert report["phases"]["concurrent"] == coverage["by_group"]["concurrency"]["200/0"] > 0
