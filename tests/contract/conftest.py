"""Real server processes on free ports, and the suite run as its command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tests.servers.reference import API_KEY, USERS

ROOT = Path(__file__).resolve().parents[2]
ADA, GRACE = USERS[0], USERS[-1]
KNOWN_ADA = ["--identifier-type", "username", "--identifier", ADA["identifier"], "--token", ADA["token"]]
SECOND_GRACE = [
    "--second-user-type",
    "username",
    "--second-user",
    GRACE["identifier"],
    "--second-user-token",
    GRACE["token"],
]
# Small and unthrottled: these targets are local processes (defaults are for staging).
FAST = ["--max-examples", "10", "--rate-limit", "0", "--timeout", "2", "--retries", "2"]


@contextmanager
def http_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A plain HTTP server on a free loopback port, answering with ``handler`` in a thread: its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class Counting(BaseHTTPRequestHandler):
    """Answers every request 500 and keeps its request line in ``seen`` (set per server by ``counting``);
    calls ``on_request`` first (nothing by default)."""

    seen: ClassVar[list[str]]
    on_request: ClassVar[Callable[[], None] | None] = None

    def _answer(self) -> None:
        self.seen.append(self.requestline)
        if self.on_request is not None:
            self.on_request()
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(500)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _answer

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


@contextmanager
def counting(on_request: Callable[[], None] | None = None) -> Iterator[tuple[str, list[str]]]:
    """A server answering everything 500: its base URL and the request lines it received."""
    seen: list[str] = []
    attributes = {"seen": seen, "on_request": staticmethod(on_request) if on_request else None}
    with http_server(type("Counted", (Counting,), attributes)) as url:
        yield url, seen


# Read once, on the importing thread: pytest sets and deletes PYTEST_CURRENT_TEST on the main thread
# while servers and suites are started from a pool's threads, and os.environ is not safe to iterate then.
_ENV = {k: v for k, v in os.environ.items() if not k.startswith(("CONTRACT_", "PYTEST_"))}


def _env() -> dict[str, str]:
    return _ENV | {"PYTHONPATH": str(ROOT)}


@contextmanager
def reference_server(*args: str) -> Iterator[str]:
    """``python -m tests.servers ARGS`` on a free port; yields its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.servers", "--port", "0", *args],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("PORT "), f"server did not start: {line!r}"
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    report: dict[str, Any] | None
    junit: str | None
    html: str | None

    def failed_checks(self) -> set[str]:
        assert self.report is not None, self.stderr
        return {check["name"] for check in self.report["checks"] if check["outcome"] == "failed"}

    def explain(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.stdout[-6000:]}\n--- stderr\n{self.stderr[-3000:]}"


def run_suite(
    tmp_path: Path,
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    outputs: Sequence[str] = ("--report", "--junitxml", "--html"),
    cwd: Path = ROOT,
) -> Run:
    """Run ``python -m contract_tests ARGS --report ... --junitxml ... --html ...`` in ``cwd`` and collect
    what it wrote.

    ``outputs``: which of ``--report``, ``--junitxml`` and ``--html`` to give (into ``tmp_path``).
    """
    report, junit, html = tmp_path / "report.json", tmp_path / "junit.xml", tmp_path / "report.html"
    for path in (report, junit, html):
        path.unlink(missing_ok=True)
    paths = {"--report": report, "--junitxml": junit, "--html": html}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "contract_tests",
            *args,
            *(part for option in outputs for part in (option, str(paths[option]))),
        ],
        cwd=cwd,
        env=_env() | (env or {}),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Run(
        done.returncode,
        done.stdout,
        done.stderr,
        json.loads(report.read_text("utf-8")) if report.exists() else None,
        junit.read_text("utf-8") if junit.exists() else None,
        html.read_text("utf-8") if html.exists() else None,
    )


@pytest.fixture(scope="module")
def reference() -> Iterator[str]:
    with reference_server() as url:
        yield url


def ada_args(url: str, *extra: str, second: bool = True) -> list[str]:
    """The suite's options for a proof server: Ada, and Grace as the second user unless ``second`` is
    False."""
    return [
        "--base-url",
        url,
        "--api-key",
        API_KEY,
        *KNOWN_ADA,
        *(SECOND_GRACE if second else []),
        *FAST,
        *extra,
    ]
