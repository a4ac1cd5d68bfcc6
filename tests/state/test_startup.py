"""``python -m mockserver --state URL`` at start: a URL that names no store stops the start with one line
before anything listens; a Redis that does not answer yet is one warning, and the mock starts anyway."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from mockserver.names import ENV_PREFIX
from mockserver.serving.process import free_port
from tests.state.mock_process import command, running
from tests.state.redis_server import RedisServer

ROOT = Path(__file__).resolve().parents[2]
NAMED = "--state (MOCKSERVER_STATE)"


def run(args: list[str]) -> subprocess.CompletedProcess[str]:
    """The mock's command line with ``args``, run to its end (none of the caller's MOCKSERVER_* variables)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    return subprocess.run(
        command(args), cwd=ROOT, env=environ, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("foo://x", "use 'memory' or a Redis URL"),
        ("redis://127.0.0.1:notaport/0", "Port could not be cast to integer"),
        ("redis://127.0.0.1:6379/notadb", "the path is the database number"),
        ("redis://127.0.0.1:6379/0?colour=blue", "unknown query parameter 'colour' (a Redis URL takes"),
        ("unix://", "give the socket's path"),
    ],
)
def test_a_bad_state_url_stops_the_start_with_one_line(url: str, problem: str) -> None:
    done = run(["--state", url])
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""  # no banner: nothing listened
    assert done.stderr.splitlines() == [done.stderr.strip()], done.stderr
    assert done.stderr.startswith(f"mockserver: {NAMED}: {url!r}: {problem}"), done.stderr


def test_a_password_in_a_bad_state_url_is_not_shown() -> None:
    done = run(["--state", "redis://:s3cret@127.0.0.1:6379/notadb"])
    assert done.returncode == 2
    assert "s3cret" not in done.stderr and "***" in done.stderr


def test_a_redis_that_does_not_answer_yet_is_one_warning_and_the_mock_starts() -> None:
    later = RedisServer(free_port())
    with running(["--state", later.url, "--workers", "1"]) as mock:
        lines = [line for line in mock.stderr().splitlines() if line.strip()]
        assert len(lines) == 1, lines
        assert lines[0].startswith(f"mockserver: warning: {NAMED}: state backend {later.url} unavailable")
        assert mock.admin("GET", "/state").json()["reachable"] is False
        assert mock.call("0A01").status_code == 503
        down = mock.admin("GET", "/health")
        assert (down.status_code, down.headers["Retry-After"]) == (503, "1")  # a load balancer takes it out
        assert down.json()["status"] == "state-unavailable" and down.json()["state-reachable"] is False
        later.start()  # it comes up: the mock uses it without a restart
        try:
            deadline = time.monotonic() + 15
            while mock.call("0A02").status_code != 200 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert mock.call("0A03").status_code == 200
            assert mock.admin("GET", "/requests?identifier=0A03").json()["count"] == 1
            up = mock.admin("GET", "/health").json()
            assert (up["status"], up["state"], up["state-reachable"]) == ("ok", "redis", True)
        finally:
            later.stop()
