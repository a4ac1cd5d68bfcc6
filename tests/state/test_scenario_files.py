"""Scenario files: every example under fixtures/scenarios loads; every file under invalid/ is refused
for the reason its first line states (``# expect: ...``), with the file named in the message."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockserver.scenarios.scenario_files import ScenarioFileError, discover, load
from mockserver.scenarios.state import DEFAULT_SESSION

ROOT = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios"
VALID = sorted(p for p in ROOT.iterdir() if p.is_file())
INVALID = sorted((ROOT / "invalid").iterdir())


@pytest.mark.parametrize("path", VALID, ids=[p.name for p in VALID])
def test_example_loads(path: Path) -> None:
    loaded = load([path])
    assert loaded.files == (str(path),)
    assert loaded.scenarios or loaded.scripts


def test_the_folder_loads_every_example_together() -> None:
    loaded = load([ROOT])
    assert [Path(f) for f in loaded.files] == VALID  # invalid/ is a sub-folder: not loaded
    assert {"flaky-then-ok", "slow-token-rejected", "odd-data-tour"} <= set(loaded.scenarios)


@pytest.mark.parametrize("path", INVALID, ids=[p.name for p in INVALID])
def test_invalid_file_is_refused_for_its_stated_reason(path: Path) -> None:
    first = path.read_text("utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name}: the first line must state the expected error"
    with pytest.raises(ScenarioFileError) as caught:
        load([path])
    message = str(caught.value)
    assert message.startswith(f"scenario file {path}: ")
    assert first.removeprefix("# expect: ") in message


def test_named_sequences_expand_in_scripts() -> None:
    loaded = load([ROOT / "flaky-backend.yaml"])
    (script,) = loaded.scripts
    assert script.session == DEFAULT_SESSION
    assert [dict(s) for s in script.sequence] == [
        {"scenario": "result-102", "times": 2},
        {"scenario": "ok", "times": 1},
    ]
    # `times` on a named sequence repeats the whole sequence.
    repeated = loaded.expand([{"scenario": "flaky-then-ok", "times": 3}, {"scenario": "http-500"}])
    assert [s["scenario"] for s in repeated] == [*["result-102", "ok"] * 3, "http-500"]


def test_composed_scenarios_resolve_to_builtin_choices() -> None:
    loaded = load([ROOT / "slow-auth-failure.yaml"])
    assert loaded.resolve("slow-token-rejected") == ["latency-fixed; ms=1500", "result-145"]
    assert loaded.resolve("result-145") is None
    assert loaded.resolve("flaky-then-ok") is None


def test_script_ids_depend_on_content_only() -> None:
    first, second = load([ROOT]), load([ROOT])
    assert [s.id for s in first.scripts] == [s.id for s in second.scripts]
    assert len({s.id for s in first.scripts}) == len(first.scripts)


def test_a_name_defined_twice_across_files_is_refused(tmp_path: Path) -> None:
    body = "version: 1\nscenarios:\n  twice:\n    description: x\n    compose: [ok, result-140]\n"
    (tmp_path / "a.yaml").write_text(body)
    (tmp_path / "b.yaml").write_text(body)
    with pytest.raises(
        ScenarioFileError, match=r"b\.yaml: \$\.scenarios\.twice: 'twice' is already defined in"
    ):
        load([tmp_path])


def test_a_missing_path_is_named() -> None:
    with pytest.raises(ScenarioFileError, match=r"no-such\.yaml: no such file or folder"):
        discover(["no-such.yaml"])
