"""Session base URLs: ``/sessions/<id>/...`` is the same path without the prefix, in session ``<id>``.

An app whose only setting is a base URL gets a private mock per test run: with the base URL
``http://mock/sessions/run-42`` its requests are answered and journalled in session ``run-42``
exactly as if it had sent ``X-Mock-Session: run-42``; admin calls work under the same prefix. The
rewrite happens here, in front of everything (the protocol endpoint with its answer cache, extra
``--path``s, the admin API), so every part sees an ordinary request with the header set: the prefix
moves to ``SCRIPT_NAME`` (links the mock builds keep it) and ``PATH_INFO`` is the rest.

The id is one path segment (an id holding ``/`` is reached through the header). Refused with a 400
whose JSON names where: an id that is not a usable session id (``$.path.session``), and a request
that also sends an ``X-Mock-Session`` header naming another session (``headers.X-Mock-Session``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication

import spec
from mockserver import answers
from mockserver.errors import Rejected
from mockserver.http.delivery import send
from mockserver.scenarios.state.base import SESSION_HEADER, session_problem

PREFIX = "/sessions/"
# The environ key that keeps the base URL a request came through (``/sessions/<id>``), for messages.
BASE_URL = "mock.session_base_url"
PATH_WHERE = spec.json_path(["path", "session"])
HEADER_WHERE = spec.header_path(SESSION_HEADER)


class SessionPrefix:
    """WSGI middleware: a request under ``/sessions/<id>`` goes on without the prefix, in session ``<id>``."""

    def __init__(self, wsgi_app: WSGIApplication) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX):
            return self.wsgi_app(environ, start_response)
        session, _, rest = path[len(PREFIX) :].partition("/")
        problem = session_problem(session, PATH_WHERE)
        header = environ.get("HTTP_X_MOCK_SESSION")
        if problem is None and header is not None and header != session:
            why = f"{header[:140]!r} names another session than the base URL's {session!r}"
            problem = spec.Problem(HEADER_WHERE, why)
        if problem is not None:
            error = f"Invalid request format: {problem.path}: {problem.message}"
            reason = Rejected(400, 230, error, [problem])
            return send(environ, start_response, answers.rejected(reason))
        environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + PREFIX + session
        environ[BASE_URL] = PREFIX + session
        environ["PATH_INFO"] = "/" + rest
        environ["HTTP_X_MOCK_SESSION"] = session
        return self.wsgi_app(environ, start_response)
