"""The mock as a real process for the shared-state tests (any user, no users file, no request log), with
a method per kind of request: the protocol call and the admin API."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import requests

import spec
from mockserver.serving.process import ServerProcess, mock_command, start_mock

KEY = "demo-key"
PROTOCOL = {"Authorization": f"key={KEY}", "Content-Type": "application/json"}


@dataclass
class Mock:
    server: ServerProcess

    @property
    def base(self) -> str:
        return self.server.base

    def stderr(self) -> str:
        return self.server.stderr()

    def call(
        self, identifier: str, identifier_type: str = "rfid", session: str | None = None, timeout: float = 30
    ) -> requests.Response:
        """One user-get-recent-sessions request."""
        body = {spec.CALL: {"user": {"identifier-type": identifier_type, "identifier": identifier}}}
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
        """One admin call (``path`` after ``/__mock``), in ``session`` when given; a POST says its body
        is JSON, as the admin API asks of every POST, unless ``headers`` say otherwise."""
        sent = {"Content-Type": "application/json"} if method == "POST" else {}
        sent |= dict(headers or {}) | ({"X-Mock-Session": session} if session else {})
        return requests.request(method, f"{self.base}/__mock{path}", headers=sent, timeout=30, **kwargs)


OPTIONS = ("--log-format", "off", "--users", "", "--any-user")


def command(args: Sequence[str]) -> list[str]:
    return mock_command([*OPTIONS, *args])


@contextlib.contextmanager
def running(args: Sequence[str] = (), timeout: float = 60.0) -> Iterator[Mock]:
    """Start the server (any-user mode, no users file); wait until it answers; stop it afterwards."""
    with start_mock([*OPTIONS, *args], timeout=timeout) as server:
        yield Mock(server)
