"""Every file in fixtures/counter-examples fails, in the profiles it names, for exactly its stated rule."""

from __future__ import annotations

from pathlib import Path

import pytest

import spec
from tests.spec.conftest import counter_example_files, load

CASES = counter_example_files()


def all_problems(case: dict, profile: str) -> list[spec.Problem]:
    found = spec.problems(case["instance"], case["schema"], profile)
    if case["schema"].startswith("response"):
        found += spec.check_invariants(case["instance"])
    return found


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_counter_example_breaks_its_rule(path: Path) -> None:
    case = load(path)
    for profile in spec.PROFILES:
        found = all_problems(case, profile)
        if profile not in case["profiles"]:
            assert found == [], f"{path.name} must be valid in the {profile} profile"
            continue
        expected = {(item["path"], item["keyword"]) for item in case["expect"]}
        got = {(problem.path, problem.keyword) for problem in found}
        # The stated rule is among the problems, and nothing else is wrong with the instance.
        assert expected <= got, f"{path.name} ({profile}): expected {expected}, got {got}"
        assert {p for p, _ in got} == {p for p, _ in expected}, f"{path.name}: other paths broken too: {got}"


def test_there_are_enough_counter_examples_and_each_states_its_rule() -> None:
    assert len(CASES) >= 25
    for path in CASES:
        case = load(path)
        assert case["rule"].strip(), path.name
        assert case["schema"] in spec.SCHEMA_NAMES, path.name
        assert set(case["profiles"]) <= set(spec.PROFILES) and case["profiles"], path.name
