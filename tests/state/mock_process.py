"""``python -m mockserver`` as a real process on a free port, with its stderr kept for failure messages."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from tests.mockprocess import argv, spawn

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


OPTIONS = ("--log-format", "off", "--users", "", "--any-user")


def command(args: Sequence[str]) -> list[str]:
    return argv([*OPTIONS, *args])


@contextlib.contextmanager
def running(args: Sequence[str] = (), timeout: float = 60.0) -> Iterator[Mock]:
    """Start the server (any-user mode, no users file); wait until it answers; stop it by pid afterwards."""
    with spawn([*OPTIONS, *args], timeout=timeout) as process:
        yield Mock(process.base, process.process, process.stderr_path)
