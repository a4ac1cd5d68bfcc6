"""The admin token: WSGI middleware that lets through only admin calls carrying it.

With ``MOCK_ADMIN_TOKEN`` set, every ``/__mock/*`` request needs the token, sent as
``Authorization: Bearer <token>`` or ``X-Mock-Admin-Token: <token>``, except the pages that change
nothing and reveal no request (``OPEN``: health, the catalogue, the scenario list, the dashboard page;
``/openapi.json`` is no admin path). A request without it, or with another, gets 401 with
``WWW-Authenticate: Bearer`` and a JSON body naming the headers to send; the token is compared in
constant time and never repeated: not in the body, the request log or the journal
(``journal_entries.SECRET_HEADERS``). Without a token every admin call is open, as on a loopback address by
default; ``python -m mockserver`` generates one for any other address (``serving.cli``).
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from wsgiref.types import StartResponse, WSGIApplication

import orjson

from mockserver.http import journal_entries
from spec import Problem, header_path

if TYPE_CHECKING:
    from mockserver.http.request_log import RequestLog

ADMIN_PREFIX = "/__mock/"
HEADER = "X-Mock-Admin-Token"
BEARER = "bearer "
# (method, path) of the admin pages anyone may read; the dashboard's files are open too (UI_PREFIX).
OPEN = frozenset(
    (method, path)
    for method in ("GET", "HEAD")
    for path in ("/__mock/health", "/__mock/catalog", "/__mock/scenarios", "/__mock/ui")
)
UI_PREFIX = "/__mock/ui/"
HOW = f"send 'Authorization: Bearer <admin token>' or '{HEADER}: <admin token>'"
AUTHORIZATION_WHERE = header_path("Authorization")
WHERE = "the token is the one given by --admin-token (MOCKSERVER_ADMIN_TOKEN) or printed in the mock's banner"


def needs_token(method: str, path: str) -> bool:
    """Whether a request to ``path`` with ``method`` is an admin call that needs the token.

    ``/__mock/`` anywhere in the path counts, not only at its start: a prefix that some middleware in
    front strips (a session's base URL) never opens the admin API, whichever order they are stacked in.
    """
    at = path.find(ADMIN_PREFIX)
    if at < 0:
        return False
    admin = path[at:]
    return (method, admin) not in OPEN and not (method in ("GET", "HEAD") and admin.startswith(UI_PREFIX))


def presented(environ: dict[str, Any]) -> tuple[str, str] | None:
    """The token a request presents and the header it came in (``headers.Authorization`` as a JSON
    path), or None. A Bearer Authorization wins over the other header."""
    authorization = str(environ.get("HTTP_AUTHORIZATION", "")).strip()
    if authorization[: len(BEARER)].lower() == BEARER:
        return authorization[len(BEARER) :].strip(), AUTHORIZATION_WHERE
    other = environ.get("HTTP_X_MOCK_ADMIN_TOKEN")
    if other is not None:
        return str(other).strip(), header_path(HEADER)
    return None


def refusal(environ: dict[str, Any], token: str) -> tuple[str, str, str] | None:
    """Why the request does not carry ``token``: (JSON path, message, WWW-Authenticate), or None."""
    given = presented(environ)
    if given is None:
        return AUTHORIZATION_WHERE, f"the admin API needs the admin token: {HOW}", 'Bearer realm="mock"'
    value, where = given
    if not hmac.compare_digest(value.encode("utf-8", "replace"), token.encode()):
        why = f"the admin token sent is not this mock's: {HOW}; {WHERE}"
        return where, why, 'Bearer realm="mock", error="invalid_token"'
    return None


class AdminToken:
    """WSGI middleware: admin calls without the token are refused (401) before the app sees them."""

    def __init__(self, wsgi_app: WSGIApplication, token: str, log: RequestLog) -> None:
        self.wsgi_app = wsgi_app
        self.token = token
        self.log = log

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method, path = str(environ.get("REQUEST_METHOD", "")), str(environ.get("PATH_INFO", ""))
        if not needs_token(method, path):
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        refused = refusal(environ, self.token)
        if refused is None:
            return self.wsgi_app(environ, start_response)
        where, why, challenge = refused
        body = orjson.dumps({"error": f"{where}: {why}", "problems": [Problem(where, why, "auth").as_dict()]})
        headers = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("WWW-Authenticate", challenge),
        ]
        start_response("401 UNAUTHORIZED", headers)
        self.log.write(journal_entries.plain_log_line(method, path, 401, started))
        return [b"" if method == "HEAD" else body]
