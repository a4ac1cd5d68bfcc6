"""CORS: WSGI middleware that lets a web app in a browser call the mock from another origin.

In front of everything (the protocol endpoint, the admin API, /openapi.json), so the hot path's
answers and the admin token's refusals carry the same headers. A preflight (``OPTIONS`` with
``Origin`` and ``Access-Control-Request-Method``) is answered here, 204, with the methods the mock
serves, every request header it reads (``ALLOWED_HEADERS``) and how long a browser may keep the
answer. Every other answer names who may read it and exposes the headers the mock sets beyond
CORS's safelisted ones (``EXPOSED_HEADERS``).

Any origin (the default) is answered ``Access-Control-Allow-Origin: *``, the same for every request,
so no cache has to tell requests apart. A list of origins (``--cors-origin``) is answered with the
request's own origin when listed, no such header when not (the browser then refuses the page the
answer), and ``Vary: Origin`` either way. Credentials (cookies, TLS client certificates) are never
allowed: the mock reads none; its API key and admin token travel in headers a page sets itself.
Which pages may call the admin API at all, whatever CORS allows, is ``admin_guard``'s rule.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any
from wsgiref.types import StartResponse, WSGIApplication

from mockserver.http import journal_entries

if TYPE_CHECKING:
    from mockserver.http.request_log import RequestLog

ALLOWED_METHODS = "GET, HEAD, POST, DELETE, OPTIONS"
ALLOWED_HEADERS = (
    "Authorization, Content-Type, X-Mock-Scenario, X-Mock-Session, X-Mock-Now, X-Mock-Admin-Token"
)
# Headers the mock sets that a page cannot read unless told: Retry-After (429, 503), Location (a new
# script), Allow (405), WWW-Authenticate (the admin token's 401).
EXPOSED_HEADERS = "Retry-After, Location, Allow, WWW-Authenticate"
MAX_AGE_SECONDS = 3600  # how long a browser may keep a preflight's answer (Chromium keeps at most 7200)
ANY = "*"
_PREFLIGHT = frozenset({"HTTP_ORIGIN", "HTTP_ACCESS_CONTROL_REQUEST_METHOD"})


class Cors:
    """WSGI middleware: CORS headers on every answer, preflights answered. ``origins`` empty: any."""

    def __init__(self, wsgi_app: WSGIApplication, origins: Sequence[str], log: RequestLog) -> None:
        self.wsgi_app = wsgi_app
        self.any = not origins or ANY in origins
        self.origins = frozenset(origins)
        self.log = log
        self._common = [("Access-Control-Expose-Headers", EXPOSED_HEADERS)]
        if self.any:
            self._common.insert(0, ("Access-Control-Allow-Origin", ANY))
        else:
            self._common.append(("Vary", "Origin"))

    def allowed(self, environ: dict[str, Any]) -> list[tuple[str, str]]:
        """The headers that name who may read the answer to this request."""
        if self.any:
            return self._common
        origin = environ.get("HTTP_ORIGIN")
        if origin in self.origins:
            return [("Access-Control-Allow-Origin", str(origin)), *self._common]
        return self._common

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        extra = self.allowed(environ)
        if environ.get("REQUEST_METHOD") == "OPTIONS" and environ.keys() >= _PREFLIGHT:
            return self._preflight(environ, start_response, extra)

        def starting(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            return start_response(status, [*headers, *extra], *exc_info)

        return self.wsgi_app(environ, starting)

    def _preflight(
        self, environ: dict[str, Any], start_response: StartResponse, extra: list[tuple[str, str]]
    ) -> Iterable[bytes]:
        started = time.perf_counter()
        headers = [
            *extra,
            ("Access-Control-Allow-Methods", ALLOWED_METHODS),
            ("Access-Control-Allow-Headers", ALLOWED_HEADERS),
            ("Access-Control-Max-Age", str(MAX_AGE_SECONDS)),
            ("Content-Length", "0"),
        ]
        start_response("204 NO CONTENT", headers)
        self.log.write(journal_entries.plain_log_line("OPTIONS", environ.get("PATH_INFO", ""), 204, started))
        return []
