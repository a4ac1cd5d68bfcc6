"""Scenario files through the real server: scripts installed at start, reset to them, reload, refusal."""

from __future__ import annotations

import shlex
import subprocess
import time
from pathlib import Path
from typing import Any

import orjson

from tests.state.mock_process import command, running

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "fixtures" / "scenarios"
FIRST = """version: 1
scripts:
  - match: {identifier: RL01}
    sequence: [{scenario: result-140}]
"""
SECOND = """version: 1
scenarios:
  added-later:
    description: Defined after the server started.
    sequence: [{scenario: result-144}, {scenario: ok}]
scripts:
  - match: {identifier: RL01}
    sequence: [{scenario: added-later}]
"""


def test_every_example_serves_its_scripts() -> None:
    with running(["--scenarios", str(SCENARIOS)]) as mock:
        listed = mock.admin("GET", "/scenarios").json()
        assert {n["name"] for n in listed["named"]} == {
            "flaky-then-ok",
            "slow-token-rejected",
            "slow-success",
            "odd-data-tour",
        }
        assert all(n["curl"].startswith("curl ") and n["description"] for n in listed["named"])
        assert [mock.call("0A1B2C3D").json()["result"]["code"] for _ in range(4)] == [102, 102, 0, 0]
        # outage-drill.yaml scripts live in their own session only.
        drill = "outage-drill"
        assert [mock.call("0001", session=drill).status_code for _ in range(5)] == [503, 503, 503, 500, 429]
        assert mock.call("0001").status_code == 200
        # A script step may name a file's sequence: it expands.
        made = mock.admin(
            "POST", "/scenarios/script", "expand", json={"sequence": [{"scenario": "flaky-then-ok"}]}
        )
        assert made.json()["sequence"] == [
            {"scenario": "result-102", "times": 2},
            {"scenario": "ok", "times": 1},
        ]
        # the curl line shown beside a named scenario installs it as it stands
        line = next(n["curl"] for n in listed["named"] if n["name"] == "slow-success")
        shown = [*shlex.split(line), "--noproxy", "*", "-o", "/dev/null", "-w", "%{http_code}"]
        done = subprocess.run(shown, capture_output=True, text=True, timeout=60, check=True)
        assert done.stdout == "201", line


def test_reset_brings_file_scripts_back_fresh() -> None:
    with running(["--scenarios", str(SCENARIOS / "flaky-backend.yaml")]) as mock:
        assert [mock.call("0A1B2C3D").json()["result"]["code"] for _ in range(3)] == [102, 102, 0]
        assert mock.admin("DELETE", "/scenarios").json() == {
            "session": "default",
            "removed": 1,
            "reinstalled-from-files": 1,
        }
        assert mock.call("0A1B2C3D").json()["result"]["code"] == 102


def _wait_for(check: object, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


def test_reload_on_change_and_a_bad_edit_keeps_the_old_files(tmp_path: Path) -> None:
    path = tmp_path / "live.yaml"
    path.write_text(FIRST)
    with running(["--scenarios", str(tmp_path), "--reload-scenarios"]) as mock:
        assert mock.call("RL01").json()["result"]["code"] == 140
        path.write_text(SECOND)

        def named() -> set[str]:
            return {n["name"] for n in mock.admin("GET", "/scenarios").json()["named"]}

        assert _wait_for(lambda: "added-later" in named())
        assert [mock.call("RL01").json()["result"]["code"] for _ in range(3)] == [144, 0, 0]

        path.write_text("version: 2\n")  # invalid: logged, and the previous files stay in force
        assert _wait_for(lambda: bool(_events(mock.stderr(), "scenario-files-rejected")))
        assert "added-later" in named()
        refused = mock.admin("POST", "/scenarios/reload")
        assert refused.status_code == 400
        assert refused.json()["error"].startswith(f"scenario file {path}: $.version: ")
        event = _events(mock.stderr(), "scenario-files-rejected")[-1]
        # the answer names each problem where the reload event does: the file, and a JSON path in it
        assert refused.json()["file"] == event["file"] == str(path)
        assert refused.json()["problems"] == event["problems"]
        assert [p["path"] for p in event["problems"]] != ["$"]
        assert all(str(path) not in p["message"] for p in event["problems"])


def _events(stderr: str, name: str) -> list[dict[str, Any]]:
    """The JSON lines of event ``name`` in ``stderr``."""
    found = []
    for line in stderr.splitlines():
        if line.startswith("{"):
            event = orjson.loads(line)
            if event.get("event") == name:
                found.append(event)
    return found


LASTING = """version: 1
scripts:
  - match: {identifier: RL01}
    sequence: [{scenario: result-140, times: 10}]
"""
UNKNOWN_STEP = """version: 1
scripts:
  - match: {identifier: RL01}
    sequence: [{scenario: result-140}, {scenario: result-999}]
"""


def test_a_bad_edit_is_logged_as_one_json_line_and_the_old_files_stay(tmp_path: Path) -> None:
    path = tmp_path / "live.yaml"
    path.write_text(LASTING)
    with running(["--scenarios", str(path), "--reload-scenarios"]) as mock:
        path.write_text(UNKNOWN_STEP)
        assert _wait_for(lambda: bool(_events(mock.stderr(), "scenario-files-rejected")))
        (event,) = _events(mock.stderr(), "scenario-files-rejected")
        assert event["file"] == str(path)
        assert [p["path"] for p in event["problems"]] == ["$.scripts[0].sequence[1].scenario"]
        assert "result-999" in event["problems"][0]["message"]
        assert "previous ones stay in force" in event["message"]
        assert mock.call("RL01").json()["result"]["code"] == 140  # the script that was in force

        path.write_text("version: 1\nscripts: [\n")  # not YAML at all
        assert _wait_for(lambda: len(_events(mock.stderr(), "scenario-files-rejected")) == 2)
        broken = _events(mock.stderr(), "scenario-files-rejected")[1]
        assert broken["file"] == str(path) and broken["problems"][0]["path"] == "$"
        assert "not valid YAML" in broken["problems"][0]["message"]
        assert "line 3, column 1" in broken["problems"][0]["message"]

        path.unlink()  # a file named on the command line that goes away
        assert _wait_for(lambda: len(_events(mock.stderr(), "scenario-files-rejected")) == 3)
        gone = _events(mock.stderr(), "scenario-files-rejected")[2]
        assert gone["problems"] == [{"path": "$", "message": "no such file or folder"}]
        assert mock.call("RL01").json()["result"]["code"] == 140  # the old script is still there

        assert "Traceback" not in mock.stderr()


def test_a_bad_scenario_file_stops_the_server_with_exit_code_2() -> None:
    bad = SCENARIOS / "invalid" / "bad-identifier-type.yaml"
    done = subprocess.run(
        command(["--scenarios", str(bad)]), cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert f"scenario file {bad}: $.scripts[0].match.identifier-type: 'email' is not one of" in done.stderr


COMPOSED = """version: 1
scenarios:
  slow-145:
    description: 300 ms of latency, then result 145.
    compose: ["latency-fixed; ms=300", result-145]
scripts:
  - match: {identifier: SLOW1}
    sequence: [{scenario: slow-145}, {scenario: ok}]
"""


def test_a_composed_scenario_applies_every_part(tmp_path: Path) -> None:
    path = tmp_path / "composed.yaml"
    path.write_text(COMPOSED)
    with running(["--scenarios", str(path)]) as mock:
        started = time.monotonic()
        scripted = mock.call("SLOW1")
        took = time.monotonic() - started
        assert scripted.json()["result"]["code"] == 145
        assert took >= 0.3  # the latency part really delays
        assert mock.call("SLOW1").json()["result"]["code"] == 0  # then the script's next step
        (entry, first) = mock.admin("GET", "/requests?identifier=SLOW1").json()["requests"]
        assert (first["scenario"], first["script"]["step"], entry["script"]["step"]) == ("slow-145", 0, 1)
