"""`make contract`: the target and credentials come from the CONTRACT_* variables (BASE_URL=... on
make's command line is short for CONTRACT_BASE_URL), and the demo credentials go to loopback only."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tests.contract.conftest import ROOT, http_server
from tests.servers.reference import API_KEY, USERS

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed"),
]

ADA = {
    "CONTRACT_API_KEY": API_KEY,
    "CONTRACT_IDENTIFIER_TYPE": "username",
    "CONTRACT_IDENTIFIER": USERS[0]["identifier"],
    "CONTRACT_TOKEN": USERS[0]["token"],
}
QUICK = {"CONTRACT_MAX_EXAMPLES": "3", "CONTRACT_RATE_LIMIT": "0", "CONTRACT_RETRIES": "0"}


def make_contract(tmp_path: Path, *assignments: str, env: dict[str, str]) -> tuple[int, str, Any]:
    """``make contract ASSIGNMENTS`` with only ``env``'s CONTRACT_* variables (reports into ``tmp_path``);
    its exit status, its output and the JSON report (None if none was written)."""
    bin_dir = tmp_path / "bin"  # the interpreter running these tests, as the Makefile's $(BIN)/python
    bin_dir.mkdir()
    python = bin_dir / "python"  # a script, not a link: a link to a venv's python leaves the venv
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    report = tmp_path / "report.json"
    outer = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}  # when the tests themselves run under make
    base = {k: v for k, v in os.environ.items() if not k.startswith("CONTRACT_") and k not in outer}
    done = subprocess.run(
        # -o: never reinstall the virtual environment from here
        [
            "make",
            "--no-print-directory",
            "-o",
            ".venv/.installed",
            "contract",
            f"BIN={bin_dir}",
            *assignments,
        ],
        cwd=ROOT,
        env=base
        | {
            "PYTHONPATH": str(ROOT),
            "CONTRACT_REPORT": str(report),
            "CONTRACT_JUNITXML": str(tmp_path / "j.xml"),
            "CONTRACT_HTML": str(tmp_path / "report.html"),
        }
        | env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    written = json.loads(report.read_text("utf-8")) if report.exists() else None
    return done.returncode, done.stdout + done.stderr, written


def test_make_contract_judges_contract_base_url(reference: str, tmp_path: Path) -> None:
    code, output, report = make_contract(tmp_path, env={"CONTRACT_BASE_URL": reference, **ADA, **QUICK})
    assert code == 0, output
    assert report is not None and report["target"] == f"{reference}/api/v4/request", output


def test_make_contract_writes_its_three_reports_in_one_folder() -> None:
    outer = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTRACT_") and k not in outer}
    database = subprocess.run(
        ["make", "--no-print-directory", "-p", "-n", "-o", ".venv/.installed", "contract"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    ).stdout
    defaults = dict(re.findall(r"^(CONTRACT_(?:JUNITXML|REPORT|HTML)) [:?]?= (\S+)$", database, re.MULTILINE))
    assert defaults.keys() == {"CONTRACT_JUNITXML", "CONTRACT_REPORT", "CONTRACT_HTML"}, database[-3000:]
    assert {str(Path(path).parent) for path in defaults.values()} == {"reports"}
    assert Path(defaults["CONTRACT_HTML"]).suffix == ".html"


def test_base_url_on_make_s_command_line_names_the_target_too(reference: str, tmp_path: Path) -> None:
    code, output, report = make_contract(tmp_path, f"BASE_URL={reference}", env={**ADA, **QUICK})
    assert code == 0, output
    assert report is not None and report["target"] == f"{reference}/api/v4/request", output


class _Recorder(BaseHTTPRequestHandler):
    """A proxy that records every request it is asked to forward, and forwards none."""

    seen: ClassVar[list[dict[str, str]]] = []

    def _record(self) -> None:
        self.seen.append({"url": self.path, **dict(self.headers)})
        self.send_response(502)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _record

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A recording HTTP proxy on loopback: every request for a remote target the suite makes."""
    seen: list[dict[str, str]] = []
    with http_server(type("Recorder", (_Recorder,), {"seen": seen})) as url:
        yield url, seen


@pytest.mark.parametrize("assignment", ["CONTRACT_BASE_URL", "BASE_URL"])
def test_a_remote_target_without_credentials_gets_no_request_and_is_told_what_to_set(
    assignment: str, proxy: tuple[str, list[dict[str, str]]], tmp_path: Path
) -> None:
    proxy_url, seen = proxy
    remote = "http://staging.example.com"  # reached, if at all, through the recording proxy
    route = {"HTTP_PROXY": proxy_url, "http_proxy": proxy_url, "NO_PROXY": "", "no_proxy": ""}
    code, output, report = make_contract(tmp_path, f"{assignment}={remote}", env={**route, **QUICK})
    assert seen == [], "the suite sent a request without credentials to a remote target"
    assert code != 0, output  # make itself exits 2 whatever its recipe's status
    assert f"no credentials given for {remote}" in output
    assert "CONTRACT_API_KEY" in output
    assert report is not None and report["exit_code"] == 2, output
