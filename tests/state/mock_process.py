"""``python -m mockserver`` as a real process on a free port, with its stderr kept for failure messages."""

from __future__ import annotations

import contextlib
import os
import re
import selectors
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"listening on (http://\S+)")
KEY = "demo-key"
PROTOCOL = {"Authorization": f"key={KEY}", "Content-Type": "application/json"}


@dataclass
class Mock:
    base: str
    process: subprocess.Popen[str]
    stderr_path: Path

    def stderr(self) -> str:
        return self.stderr_path.read_text("utf-8", "replace")

    def call(
        self, identifier: str, identifier_type: str = "rfid", session: str | None = None, timeout: float = 30
    ) -> requests.Response:
        """One user-get-recent-sessions request."""
        body = {
            "user-get-recent-sessions": {
                "user": {"identifier-type": identifier_type, "identifier": identifier}
            }
        }
        headers = dict(PROTOCOL) | ({"X-Mock-Session": session} if session else {})
        return requests.post(f"{self.base}/api/v4/request", json=body, headers=headers, timeout=timeout)

    def admin(
        self,
        method: str,
        path: str,
        session: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """One admin call (``path`` after ``/__mock``), in ``session`` when given."""
        sent = dict(headers or {}) | ({"X-Mock-Session": session} if session else {})
        return requests.request(method, f"{self.base}/__mock{path}", headers=sent, timeout=30, **kwargs)


def command(args: Sequence[str]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "mockserver",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--log-format",
        "off",
        "--users",
        "",
        "--any-user",
        *args,
    ]


@contextlib.contextmanager
def running(args: Sequence[str] = (), timeout: float = 60.0) -> Iterator[Mock]:
    """Start the server (any-user mode, no users file), wait for its URL, terminate it by pid afterwards."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MOCKSERVER_")}
    with tempfile.NamedTemporaryFile("w+", prefix="mock-stderr-", suffix=".log", delete=False) as err:
        stderr_path = Path(err.name)
    with stderr_path.open("w") as err_file:
        process = subprocess.Popen(
            command(args), cwd=ROOT, env=environ, stdout=subprocess.PIPE, stderr=err_file, text=True
        )
    mock: Mock | None = None
    try:
        base = _banner_url(process, timeout, stderr_path)
        mock = Mock(base, process, stderr_path)
        _wait_ready(mock, timeout)
        yield mock
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        if process.stdout is not None:
            process.stdout.close()
        stderr_path.unlink(missing_ok=True)


def _banner_url(process: subprocess.Popen[str], timeout: float, stderr_path: Path) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    seen = []
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                break
            line = process.stdout.readline()
            if not line:
                break
            seen.append(line)
            match = LISTENING.search(line)
            if match:
                return match.group(1)
    raise RuntimeError(
        f"mockserver did not start (exit {process.poll()}): {''.join(seen)!r}\n{stderr_path.read_text()}"
    )


def _wait_ready(mock: Mock, timeout: float) -> None:
    """The banner comes before workers boot: wait until one answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if mock.process.poll() is not None:
            raise RuntimeError(f"mockserver exited with {mock.process.returncode}:\n{mock.stderr()}")
        try:
            if requests.get(f"{mock.base}/__mock/health", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"mockserver did not answer within {timeout} s:\n{mock.stderr()}")
