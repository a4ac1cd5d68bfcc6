"""The admin API over HTTP, from a test: one JSON call, and its refusal or silence as an exception.

The standard library only (``urllib``), so the mock's package needs no HTTP client of its own; no proxy
setting of the environment applies (a test's mock is reached directly). Over HTTPS the system's CAs are
trusted, or the CA file given (the one ``--tls-self-signed`` prints).
"""

from __future__ import annotations

import http.client
import json
import ssl
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from mockserver.names import ADMIN_PATH as ADMIN_PREFIX


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


class MockUnreachable(ConnectionError):
    """No answer from the mock: nothing at its URL, a URL that is none, a certificate not trusted."""

    def __init__(self, url: str, path: str, reason: object) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"the mock at {url} did not answer {path}: {reason}")


@dataclass(frozen=True)
class Admin:
    """Where the admin API is (the mock's base URL), the token it takes and the CA its HTTPS trusts."""

    url: str
    admin_token: str | None = None
    timeout: float = 30.0
    ca_file: str | None = None
    _opener: urllib.request.OpenerDirector = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        trusted = ssl.create_default_context(cafile=self.ca_file)  # the system's CAs without a file
        handlers = [urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=trusted)]
        object.__setattr__(self, "_opener", urllib.request.build_opener(*handlers))

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
        """``method`` on ``/__mock<path>`` in ``session``: (status, JSON body); AdminError unless ``ok``,
        MockUnreachable without an answer."""
        __tracebackhide__ = True  # a test's traceback ends at its own call of the API
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
        try:
            request = urllib.request.Request(url, data=data, headers=headers, method=method)
            with self._opener.open(request, timeout=self.timeout) as answer:
                status, raw = answer.status, answer.read()
        except urllib.error.HTTPError as refused:
            with refused:
                status, raw = refused.code, refused.read()
        except urllib.error.URLError as silent:
            raise MockUnreachable(self.url, ADMIN_PREFIX + path, silent.reason) from None
        except (OSError, http.client.HTTPException) as silent:
            raise MockUnreachable(self.url, ADMIN_PREFIX + path, silent) from None
        except ValueError as wrong:  # urllib's word for a URL that is none
            raise MockUnreachable(self.url, ADMIN_PREFIX + path, f"not an http(s) URL ({wrong})") from None
        parsed = _json(raw)
        if status not in ok:
            raise AdminError(method, ADMIN_PREFIX + path, status, parsed)
        return status, parsed


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw.strip() else None
    except ValueError:
        return raw.decode("utf-8", "replace")
