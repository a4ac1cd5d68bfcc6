"""Every mutant of the reference server breaks one rule: the suite must exit 1 and name the check.

Each mutant is a real server process judged by the suite's command line. The runs are independent,
so every mutant pytest collected is judged two at a time (two cores); each test waits for its own.
The module's tests run in one xdist process (``xdist_group``): the fixture judges every collected mutant,
and each process that ran one of them would judge them all again.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from contract_tests import CHECKS
from tests.contract.conftest import ADA, GRACE, Run, ada_args, reference_server, run_suite
from tests.servers.mutations import MUTANTS
from tests.servers.reference import API_KEY

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("mutants")]

WORKERS = 2
CHEAP = ["--max-examples", "3"]  # every mutant is caught by the fixed cases; explorers only sampled
TEST = "test_the_suite_catches_the_mutant"


def test_the_mutants_cover_every_family_and_name_real_checks() -> None:
    names = {check.name: check.family for check in CHECKS}
    assert len(MUTANTS) >= 15
    assert {mutant.family for mutant in MUTANTS.values()} == {
        "schema",
        "semantics",
        "authentication",
        "robustness",
        "consistency",
    }
    assert all(mutant.check in names for mutant in MUTANTS.values())


def _judge(name: str, folder: Path) -> Run:
    with reference_server("--mutation", name) as url:
        return run_suite(folder, *ada_args(url, *CHEAP, *MUTANTS[name].suite_args))


@pytest.fixture(scope="module")
def mutant_runs(request: pytest.FixtureRequest) -> Iterator[dict[str, Future[Run]]]:
    """Start judging every mutant pytest collected (``-k`` selects fewer); ``Future``s by mutant name."""
    wanted = [
        item.callspec.params["name"]
        for item in request.session.items
        if item.name.startswith(TEST + "[") and hasattr(item, "callspec")
    ]
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(WORKERS) as pool:
        folders = {name: Path(tmp) / name for name in wanted}
        for folder in folders.values():
            folder.mkdir()
        futures = {name: pool.submit(_judge, name, folders[name]) for name in wanted}
        yield futures
        for future in futures.values():
            future.cancel()


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_the_suite_catches_the_mutant(name: str, mutant_runs: dict[str, Future[Run]]) -> None:
    mutant = MUTANTS[name]
    run = mutant_runs[name].result(timeout=300)
    assert run.report is not None, run.explain()
    if mutant.warns:
        assert run.code == 0, run.explain()
        assert {w["source"] for w in run.report["warnings"]} - {"unknown-fields"} == {mutant.check}
        assert f"  {mutant.check}: " in run.stdout
        caught = [remark for remark in run.report["warnings"] if remark["source"] == mutant.check]
    else:
        assert run.code == 1, run.explain()
        assert mutant.check in run.failed_checks(), run.explain()
        assert f"FAILED {mutant.check} " in run.stdout
        if mutant.alone:
            assert run.failed_checks() == {mutant.check}, run.explain()
        caught = [failure for failure in run.report["failures"] if failure["check"] == mutant.check]
    if mutant.path is not None:
        assert {finding["path"] for finding in caught} == {mutant.path}, run.explain()
    if mutant.check == "secrets-not-disclosed":  # where a secret was shown, never the secret itself
        secrets = {API_KEY, ADA["token"], GRACE["token"]}  # what the suite is given
        for failure in caught:
            unsent = {secret for secret in secrets if secret not in failure["curl"]}
            assert not {secret for secret in unsent if secret in json.dumps(failure)}, failure
