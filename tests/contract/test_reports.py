"""The reports: the console points to the JSON report by its path, once written; folders made."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import spec
from contract_tests import explore
from mockserver.serving.process import free_port
from tests.contract.conftest import Run, ada_args, reference_server, run_suite

pytestmark = pytest.mark.slow

# A mutant and the line its failures make the console cut (a 1 MB request's curl command; the
# failures beyond the three shown per check), as it ends with and without a JSON report ({}: its path).
CUT = {
    "crash-on-big-body": (r"…\(\d+ more characters: see {}\)", r"…\(\d+ more characters\)"),
    "cost-as-number": (
        r"\.\.\. and \d+ more: see {}",
        r"\.\.\. and \d+ more \(--report FILE lists every failure\)",
    ),
}


def _ending(run: Run, pattern: str) -> list[str]:
    return [line for line in run.stdout.splitlines() if re.search(pattern + "$", line)]


@pytest.mark.parametrize("mutant", sorted(CUT))
def test_the_console_points_to_the_json_report_only_when_written(mutant: str, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    with_report, without_report = CUT[mutant]
    with reference_server("--mutation", mutant) as url:
        args = ada_args(url, "--max-examples", "3")
        written = run_suite(tmp_path, *args)
        console_only = run_suite(tmp_path, *args, outputs=())
        junit_only = run_suite(tmp_path, *args, outputs=("--junitxml",))
    assert written.code == 1, written.explain()
    assert _ending(written, with_report.format(re.escape(str(report)))), written.explain()
    assert f"see {report}" in (written.junit or "")
    # Nor does the JSON report send its reader to itself.
    assert "JSON report" not in json.dumps(written.report)
    for run in (console_only, junit_only):
        assert run.code == 1, run.explain()
        assert _ending(run, without_report), run.explain()
        assert "JSON report" not in run.stdout
    assert junit_only.junit is not None
    assert "JSON report" not in junit_only.junit
    assert str(report) not in junit_only.junit


@pytest.mark.parametrize("target", ["reference", "unreachable"])
def test_the_reports_folders_are_created(target: str, reference: str, tmp_path: Path) -> None:
    url = reference if target == "reference" else f"http://127.0.0.1:{free_port()}"
    report, junit = tmp_path / "new" / "report.json", tmp_path / "other" / "new" / "junit.xml"
    page = tmp_path / "third" / "report.html"
    paths = ["--report", str(report), "--junitxml", str(junit), "--html", str(page)]
    run = run_suite(tmp_path, *ada_args(url, "--max-examples", "3", *paths), outputs=())
    assert run.code == (0 if target == "reference" else 2), run.explain()
    assert json.loads(report.read_text("utf-8"))["exit_code"] == run.code
    assert junit.read_text("utf-8").startswith("<?xml")
    assert page.read_text("utf-8").startswith("<!DOCTYPE html>")
    if target == "reference":  # a judged run says where its reports are, and which kit judged
        assert f"reports written: {junit}, {report}, {page}" in run.stderr, run.stderr
        version = spec.version()
        assert run.stdout.startswith(f"contract suite {version}: "), run.stdout
        assert json.loads(report.read_text("utf-8"))["version"] == version
        assert f'<property name="version" value="{version}" />' in junit.read_text("utf-8")
        assert f"oioi-recent-sessions-kit {version}" in page.read_text("utf-8")


def test_failed_cases_and_failures_are_counted_apart(tmp_path: Path) -> None:
    """Every session of a success lacks its currency: one case makes several failures of response-schema,
    and each report says how many cases failed, of how many judged, and how many failures they made."""
    with reference_server("--mutation", "missing-currency") as url:
        run = run_suite(tmp_path, *ada_args(url, "--max-examples", "3"))
    assert run.code == 1, run.explain()
    assert run.report is not None
    check = next(check for check in run.report["checks"] if check["name"] == "response-schema")
    cases, judged, failures = check["failed_cases"], check["applied"], check["failures"]
    assert 0 < cases < failures and cases < judged, check
    assert failures == sum(1 for f in run.report["failures"] if f["check"] == "response-schema")
    tally = f"{cases} of {judged} cases failed, {failures} failures"
    assert f"FAILED response-schema [schema] ({tally})" in run.stdout.splitlines()
    assert f'message="{tally}: ' in (run.junit or "")
    assert f"[schema] {tally}</span>" in (run.html or "")


def test_a_run_leaves_nothing_in_the_folder_it_runs_from_and_keeps_tables_in_the_user_cache(
    reference: str, tmp_path: Path
) -> None:
    """Hypothesis keeps a cache in ``.hypothesis/`` of the current folder: not in a CI workspace; its
    Unicode tables go to the user's cache folder (XDG_CACHE_HOME), and no examples."""
    workspace, cache = tmp_path / "workspace", tmp_path / "cache"
    workspace.mkdir()
    env = {"HYPOTHESIS_STORAGE_DIRECTORY": "", "XDG_CACHE_HOME": str(cache)}
    run = run_suite(tmp_path, *ada_args(reference), cwd=workspace, env=env)
    assert run.code == 0, run.explain()
    assert sorted(p.name for p in workspace.iterdir()) == []
    kept = cache / "oioi-contract" / "hypothesis"
    assert list(kept.glob("unicode_data/*/codec-*utf-8*")), sorted(str(p) for p in kept.rglob("*"))
    assert not (kept / "examples").exists()


def test_a_relative_cache_folder_is_ignored_as_xdg_says(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    assert explore.cache_home() == Path.home() / ".cache" / "oioi-contract" / "hypothesis"
    monkeypatch.setenv("XDG_CACHE_HOME", "/srv/cache")
    assert explore.cache_home() == Path("/srv/cache/oioi-contract/hypothesis")


def test_a_cache_folder_that_cannot_be_written_leaves_nothing_behind(reference: str, tmp_path: Path) -> None:
    workspace, blocked = tmp_path / "workspace", tmp_path / "a-file"
    workspace.mkdir()
    blocked.write_text("not a folder")
    env = {"HYPOTHESIS_STORAGE_DIRECTORY": "", "XDG_CACHE_HOME": str(blocked)}
    run = run_suite(tmp_path, *ada_args(reference), cwd=workspace, env=env)
    assert run.code == 0, run.explain()
    assert sorted(p.name for p in workspace.iterdir()) == []
    assert blocked.read_text() == "not a folder"
