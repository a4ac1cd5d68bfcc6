"""What /__mock/health counts adds up across the workers of a server (memory state: a run directory
the server makes) and across servers sharing one Redis, through real processes: every read, from
whichever worker, says the same total."""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from mockserver.names import ENV_PREFIX
from mockserver.serving.banner import banner_complete
from mockserver.serving.process import ServerProcess, answers_health, start
from tests.state.faulty_mock import FAULT_LINE, FAULT_PATH
from tests.state.redis_server import RedisServer

ROOT = Path(__file__).resolve().parents[2]
BATCH = 20
MOST = 400  # faults sent at most while waiting for every worker to have served some
READS = 12


@contextlib.contextmanager
def faulty(args: Sequence[str], temporary: Path | None = None) -> Iterator[ServerProcess]:
    """The mock with a planted fault (tests/state/faulty_mock.py), on a free port; ``temporary``: its
    TMPDIR."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    if temporary is not None:
        env["TMPDIR"] = str(temporary)
    argv = [sys.executable, "-m", "tests.state.faulty_mock", "--host", "127.0.0.1", "--port", "0"]
    with start(
        [*argv, "--log-format", "off", *args],
        ready=answers_health,
        complete=banner_complete,
        env=env,
        cwd=ROOT,
    ) as server:
        yield server


def _workers_that_failed(server: ServerProcess) -> set[str]:
    return set(re.findall(rf"{FAULT_LINE} (\d+)", server.stderr()))


def _fault(server: ServerProcess) -> int:
    """One request on a connection of its own (any worker may take it): its status."""
    return requests.get(server.base + FAULT_PATH, timeout=30).status_code


def faults(server: ServerProcess, workers: int) -> int:
    """Internal errors, in batches until each of ``workers`` workers has had some; how many."""
    sent = 0
    with ThreadPoolExecutor(max_workers=8) as pool:
        while sent < MOST:
            assert list(pool.map(lambda _: _fault(server), range(BATCH))) == [500] * BATCH
            sent += BATCH
            if len(_workers_that_failed(server)) >= workers:
                return sent
    raise AssertionError(f"{MOST} requests reached workers {_workers_that_failed(server)} only")


def counted(server: ServerProcess) -> list[int]:
    """``internal-errors`` of /__mock/health, read on fresh connections (any worker answers)."""
    return [
        requests.get(f"{server.base}/__mock/health", timeout=30).json()["internal-errors"]
        for _ in range(READS)
    ]


def test_health_counts_the_internal_errors_of_every_worker() -> None:
    with faulty(["--workers", "2"]) as server:
        sent = faults(server, workers=2)
        assert counted(server) == [sent] * READS
        health = requests.get(f"{server.base}/__mock/health", timeout=30).json()
        assert health["counted-across"] == "every worker of this server"


def test_servers_sharing_redis_count_together(redis_server: RedisServer) -> None:
    args = ["--workers", "2", "--state", redis_server.url]
    with faulty(args) as one, faulty(args) as two:
        before = counted(one)[0]
        sent = faults(one, workers=2) + faults(two, workers=2)
        assert counted(one) + counted(two) == [before + sent] * (2 * READS)


def test_the_run_directory_holds_a_file_per_worker_and_goes_with_the_server(tmp_path: Path) -> None:
    with faulty(["--workers", "2"], temporary=tmp_path) as server:
        faults(server, workers=2)
        (run,) = tmp_path.glob("mockserver-run-*")
        assert len(list(run.glob("counters-*.json"))) == 2
    assert list(tmp_path.iterdir()) == []
