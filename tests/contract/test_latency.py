"""Answer times: recorded for every exchange, reported per group; a budget is judged only when given."""

from __future__ import annotations

from pathlib import Path

import pytest

from contract_tests.checks import LATENCY_BUDGET
from contract_tests.latency import percentile, summary
from contract_tests.runner import KNOWN_GOOD
from tests.contract.conftest import ada_args, reference_server, run_suite


def test_percentiles_are_by_nearest_rank() -> None:
    seconds = [n / 1000 for n in range(20, 0, -1)]  # 1 to 20 ms, unsorted
    assert (percentile(seconds, 50), percentile(seconds, 95), percentile(seconds, 100)) == (
        0.010,
        0.019,
        0.020,
    )
    assert percentile([0.5], 95) == 0.5
    assert summary([0.001, 0.003]) == {"count": 2, "p50_ms": 1.0, "p95_ms": 3.0, "max_ms": 3.0}
    with pytest.raises(ValueError, match="no answer times"):
        percentile([], 50)


@pytest.mark.slow
def test_every_group_s_answer_times_are_reported(reference: str, tmp_path: Path) -> None:
    run = run_suite(tmp_path, *ada_args(reference, "--max-examples", "3"))
    assert run.code == 0, run.explain()
    assert run.report is not None
    latency = run.report["latency"]
    assert latency["budget_ms"] is None
    rows = latency["by_group"]
    answered = sum(run.report["coverage"]["statuses"].values())
    assert sum(row["count"] for group, row in rows.items() if group != KNOWN_GOOD) == answered
    assert {"success", "cross-user", "concurrency", "repeat", "latency", KNOWN_GOOD} <= rows.keys()
    assert all(0 < row["p50_ms"] <= row["p95_ms"] <= row["max_ms"] for row in rows.values())
    assert f"  {KNOWN_GOOD:<16}{rows[KNOWN_GOOD]['count']:>8}" in run.stdout
    checks = {check["name"]: check for check in run.report["checks"]}
    assert checks["known-good-latency"] == checks["known-good-latency"] | {
        "outcome": "skipped",
        "skipped": LATENCY_BUDGET.missing,
    }


@pytest.mark.slow
def test_a_slow_server_is_measured_and_fails_only_a_budget_it_exceeds(tmp_path: Path) -> None:
    with reference_server("--mutation", "slow-answers") as url:
        without = run_suite(tmp_path, *ada_args(url, "--max-examples", "3"))
        generous = run_suite(tmp_path, *ada_args(url, "--max-examples", "3", "--latency-budget", "60000"))
    assert without.code == 0, without.explain()
    assert without.report is not None
    assert without.report["latency"]["by_group"][KNOWN_GOOD]["p95_ms"] >= 150  # the mutant's own sleep
    assert generous.code == 0, generous.explain()
    assert generous.report is not None
    outcomes = {check["name"]: check["outcome"] for check in generous.report["checks"]}
    assert outcomes["known-good-latency"] == "passed"
