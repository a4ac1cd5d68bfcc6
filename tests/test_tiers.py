"""The tiers' promise (tests/README.md, "Tiers"): the tests of one ``xdist_group`` run in one process.

``make unit`` and ``make quick`` share tests out with ``--dist loadgroup``; a module whose costly fixture
serves all its tests (the kit built and installed, the mutants judged) counts on it, and pays its fixture
once per process when the grouping silently stops (as with pytest-xdist 3.8 on pytest 9.2).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

GROUPED = """
import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group("together")


@pytest.mark.parametrize("n", range(8))
def test_grouped(n):
    Path(f"grouped-{n}").write_text(os.environ["PYTEST_XDIST_WORKER"])
"""

LOOSE = """
import time

import pytest


@pytest.mark.parametrize("n", range(8))
def test_loose(n):
    time.sleep(0.05)
"""


@pytest.mark.slow  # a pytest run of its own, two processes
def test_the_tests_of_one_xdist_group_run_in_one_process(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # not the checkout's configuration
    (tmp_path / "test_grouped.py").write_text(GROUPED)
    (tmp_path / "test_loose.py").write_text(LOOSE)
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", "--dist", "loadgroup"]
    done = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    workers = {path.read_text() for path in tmp_path.glob("grouped-*")}
    assert len(list(tmp_path.glob("grouped-*"))) == 8
    assert len(workers) == 1, f"the group's tests ran in {sorted(workers)}"
