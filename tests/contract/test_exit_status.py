"""Exit 2 when the run cannot judge (unreachable, refused credentials, bad options), with reports
saying why; CONTRACT_* env."""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mockserver.serving.process import free_port
from tests.contract.conftest import FAST, KNOWN_ADA, Run, ada_args, counting, run_suite
from tests.servers.reference import API_KEY, USERS

pytestmark = pytest.mark.slow


def assert_reports_say_why(run: Run, said: str, target: str | None = None) -> None:
    """Both reports were written, and say the run could not judge, and why (CI uploads them)."""
    assert run.report is not None, run.explain()
    assert run.report.keys() == {"target", "exit_code", "reason"}
    assert (run.report["target"], run.report["exit_code"]) == (target, 2)
    assert said in run.report["reason"], run.report
    assert run.report["reason"] in run.stderr
    assert run.stdout.rstrip().splitlines()[-1] == "RESULT: CANNOT JUDGE (exit 2)", run.explain()
    assert run.junit is not None, run.explain()
    suite = ET.fromstring(run.junit)
    assert (suite.get("tests"), suite.get("errors"), suite.get("failures")) == ("1", "1", "0")
    error = suite.find("testcase/error")
    assert error is not None and said in error.get("message", "")
    assert run.html is not None, run.explain()
    assert "CANNOT JUDGE (exit 2)" in run.html
    assert html.escape(run.report["reason"]) in run.html


def test_an_unreachable_target_exits_2_naming_the_url_and_the_reason(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    run = run_suite(tmp_path, "--base-url", url, "--api-key", API_KEY, *KNOWN_ADA, *FAST)
    assert run.code == 2, run.explain()
    # The whole reason, after the URL: not a cut repr of the client library's exception.
    assert f"target unreachable: POST {url}/api/v4/request: no answer: connection refused\n" in run.stderr
    assert_reports_say_why(run, "target unreachable", target=f"{url}/api/v4/request")


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (["--api-key", "not-the-key"], "result code 210"),
        (["--token", "0" * 32], "result code 145"),
        (["--identifier", "nobody@example.org"], "result code 144"),
        (["--path", "/api/v9/request"], "HTTP 404"),
        (
            ["--second-user-token", "0" * 32],
            "the second user's credentials were refused: HTTP 401, result code 145",
        ),
    ],
    ids=["wrong-api-key", "wrong-token", "unknown-user", "wrong-path", "wrong-second-user-token"],
)
def test_refused_credentials_exit_2(reference: str, change: list[str], said: str, tmp_path: Path) -> None:
    run = run_suite(tmp_path, *ada_args(reference), *change)
    assert run.code == 2, run.explain()
    assert said in run.stderr
    path = change[1] if change[0] == "--path" else "/api/v4/request"
    assert_reports_say_why(run, said, target=reference + path)
    if change[0] == "--api-key":
        assert "not-the-key" not in run.stderr + run.stdout + str(run.report) + str(run.junit)


USER_X = ["--identifier-type", "rfid", "--identifier", "X"]
GOOD = ["--base-url", "http://x", "--api-key", "k", *USER_X]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--api-key", "k", *USER_X], "missing --base-url"),
        ([], "missing --base-url (or CONTRACT_BASE_URL), the server to judge, or --har FILE; a loopback"),
        (["--base-url", "ftp://x", "--api-key", "k", *USER_X], "--base-url"),
        ([*GOOD[:4], "--identifier-type", "email", "--identifier", "X"], "--identifier-type"),
        ([*GOOD, "--max-examples", "0"], "--max-examples"),
        ([*GOOD, "--profile", "loose"], "--profile"),
    ],
    ids=["missing", "nothing", "scheme", "identifier-type", "max-examples", "profile"],
)
def test_bad_options_exit_2(args: list[str], said: str, tmp_path: Path) -> None:
    run = run_suite(tmp_path, *args)
    assert run.code == 2, run.explain()
    assert "bad options" in run.stderr
    assert said in run.stderr
    # one line, as the mock's own refusals: no usage printed before it
    assert "usage:" not in run.stderr and run.stderr.count("bad options") == 1, run.stderr
    given = args[args.index("--base-url") + 1] if "--base-url" in args else None
    assert_reports_say_why(run, said, target=given)  # the target as given, though the options were refused


def test_a_remote_target_without_credentials_is_refused_before_any_request(tmp_path: Path) -> None:
    url = "http://staging.invalid"  # never resolves: any request would report it unreachable
    run = run_suite(tmp_path, "--base-url", url, *FAST)
    assert run.code == 2, run.explain()
    assert_reports_say_why(run, f"no credentials given for {url}", target=url)
    assert "CONTRACT_API_KEY" in run.stderr
    assert "unreachable" not in run.stderr


@pytest.mark.parametrize(
    ("args", "written"),
    [
        (["--bogus"], True),  # the paths come from CONTRACT_REPORT, CONTRACT_JUNITXML and CONTRACT_HTML
        (["--report"], False),  # no path: nothing can be written
    ],
    ids=["unknown-option", "report-without-a-path"],
)
def test_a_refused_command_line_writes_the_reports_it_can(
    args: list[str], written: bool, tmp_path: Path
) -> None:
    env = {
        "CONTRACT_REPORT": str(tmp_path / "report.json"),
        "CONTRACT_JUNITXML": str(tmp_path / "junit.xml"),
        "CONTRACT_HTML": str(tmp_path / "report.html"),
    }
    run = run_suite(tmp_path, *args, env=env if written else {}, outputs=())
    assert run.code == 2, run.explain()
    assert "bad options" in run.stderr
    if written:
        assert_reports_say_why(run, "unrecognized arguments: --bogus")
    else:
        assert (run.report, run.junit, run.html) == (None, None, None)
        assert "Traceback" not in run.stderr


def test_every_option_reads_the_environment(reference: str, tmp_path: Path) -> None:
    ada = USERS[0]
    env = {
        "CONTRACT_BASE_URL": reference,
        "CONTRACT_API_KEY": API_KEY,
        "CONTRACT_IDENTIFIER_TYPE": "username",
        "CONTRACT_IDENTIFIER": ada["identifier"],
        "CONTRACT_TOKEN": ada["token"],
        "CONTRACT_MAX_EXAMPLES": "3",
        "CONTRACT_RATE_LIMIT": "0",
        "CONTRACT_SEED": "7",
    }
    run = run_suite(tmp_path, env=env)
    assert run.code == 0, run.explain()
    assert run.report is not None
    assert run.report["seed"] == 7
    assert run.report["phases"]["hypothesis-valid"] == 3
    # The command line wins over the environment.
    run = run_suite(tmp_path, "--api-key", "not-the-key", env=env)
    assert run.code == 2, run.explain()


def test_max_time_stops_the_run_and_says_it_could_not_judge(reference: str, tmp_path: Path) -> None:
    run = run_suite(tmp_path, *ada_args(reference), "--rate-limit", "50", "--max-time", "1")
    assert run.code == 2, run.explain()  # no violation seen, but not every case was sent: not a pass
    assert run.report is not None
    assert run.report["incomplete"] == "stopped after --max-time 1 s; later cases were not sent"
    assert run.report["requests"] <= 52
    assert "INCOMPLETE" in run.stdout and "RESULT: INCOMPLETE (exit 2)" in run.stdout


def _unwritable(tmp_path: Path) -> dict[str, str]:
    """Report paths no report can be written to, each for a reason of its own."""
    (tmp_path / "a-file").write_text("", "utf-8")
    (tmp_path / "a-folder").mkdir()
    return {
        "a-folder": str(tmp_path / "a-folder"),
        "under-a-file": str(tmp_path / "a-file" / "report.json"),
        "under-proc": "/proc/nowhere/report.json",
    }


@pytest.mark.parametrize("option", ["--report", "--junitxml", "--html"])
@pytest.mark.parametrize("where", ["a-folder", "under-a-file", "under-proc"])
def test_a_report_that_cannot_be_written_is_refused_before_any_request(
    option: str, where: str, tmp_path: Path
) -> None:
    path = _unwritable(tmp_path)[where]
    others = [other for other in ("--report", "--junitxml", "--html") if other != option]
    with counting() as (url, seen):
        run = run_suite(tmp_path, *ada_args(url), option, path, outputs=others)
    assert run.code == 2, run.explain()
    assert f"bad options: {option}: cannot write there: {path}: " in run.stderr, run.stderr
    assert run.stderr.count(path) == 1, run.stderr  # said once: the refused path is not tried again
    assert seen == []
    assert run.stdout.splitlines()[-1] == "RESULT: CANNOT JUDGE (exit 2)", run.stdout
    assert "RESULT: PASS" not in run.stdout and "RESULT: FAIL" not in run.stdout
    written = run.junit if option == "--report" else json.dumps(run.report)  # the others still say why
    assert written is not None and f"{option}: cannot write there" in written, run.explain()


def test_a_report_that_cannot_be_written_at_the_end_makes_the_result_line_say_exit_2(
    tmp_path: Path,
) -> None:
    report = tmp_path / "late.json"
    # Writable when the run starts; a folder stands there once the target has been asked.
    with counting(on_request=lambda: report.mkdir(exist_ok=True)) as (url, seen):
        run = run_suite(
            tmp_path, *ada_args(url), outputs=("--junitxml", "--html"), env={"CONTRACT_REPORT": str(report)}
        )
    assert seen and report.is_dir()
    assert run.code == 2, run.explain()
    assert f"cannot write the report {report}: Is a directory" in run.stderr, run.stderr
    results = [line for line in run.stdout.splitlines() if line.startswith("RESULT")]
    assert results == ["RESULT: CANNOT JUDGE (exit 2)"], run.stdout
    assert run.stdout.splitlines()[-1] == results[0]
    assert run.junit is not None and run.html is not None  # the other reports were written
