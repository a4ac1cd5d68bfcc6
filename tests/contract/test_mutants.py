"""Every mutant of the reference server breaks one rule: the suite must exit 1 and name the check."""

from __future__ import annotations

from pathlib import Path

import pytest

from contract_tests import CHECKS
from tests.contract.conftest import ada_args, reference_server, run_suite
from tests.servers.mutations import MUTANTS

pytestmark = pytest.mark.slow


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


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_the_suite_catches_the_mutant(name: str, tmp_path: Path) -> None:
    mutant = MUTANTS[name]
    with reference_server("--mutation", name) as url:
        run = run_suite(tmp_path, *ada_args(url))
    assert run.code == 1, run.explain()
    assert mutant.check in run.failed_checks(), run.explain()
    assert f"FAILED {mutant.check} " in run.stdout
