"""The admin API over HTTP, from a test: one JSON call, and its refusal as an exception.

The standard library only (``urllib``), so the mock's package needs no HTTP client of its own; no proxy
setting of the environment applies (a test's mock is reached directly).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

ADMIN_PREFIX = "/__mock"
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class AdminError(Exception):
    """The mock refused an admin call: the status, its ``error`` line and its problems (JSON paths).

    ``paths`` lists the JSON path of every problem, e.g. ``["$.sequence[0].scenario"]``.
    """

    def __init__(self, method: str, path: str, status: int, body: Any) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.body = body
        found = body if isinstance(body, dict) else {}
        self.error = str(found.get("error", body))
        self.problems: list[dict[str, Any]] = list(found.get("problems") or [])
        super().__init__(f"{method} {path}: HTTP {status}: {self.error}")

    @property
    def paths(self) -> list[str]:
        return [str(problem.get("path")) for problem in self.problems]


@dataclass(frozen=True)
class Admin:
    """Where the admin API is (the mock's base URL) and the token it takes, if any."""

    url: str
    admin_token: str | None = None
    timeout: float = 30.0

    def call(
        self,
        method: str,
        path: str,
        *,
        session: str | None = None,
        body: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        ok: tuple[int, ...] = (200, 201),
    ) -> tuple[int, Any]:
        """``method`` on ``/__mock<path>`` in ``session``: (status, JSON body); AdminError unless ``ok``."""
        headers = {"Accept": "application/json"}
        if session is not None:
            headers["X-Mock-Session"] = session
        if self.admin_token is not None:
            headers["Authorization"] = f"Bearer {self.admin_token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        url = self.url.rstrip("/") + ADMIN_PREFIX + path
        if query:
            url += "?" + urlencode({k: v for k, v in query.items() if v is not None})
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with _OPENER.open(request, timeout=self.timeout) as answer:
                status, raw = answer.status, answer.read()
        except urllib.error.HTTPError as refused:
            with refused:
                status, raw = refused.code, refused.read()
        parsed = _json(raw)
        if status not in ok:
            raise AdminError(method, ADMIN_PREFIX + path, status, parsed)
        return status, parsed


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw.strip() else None
    except ValueError:
        return raw.decode("utf-8", "replace")
