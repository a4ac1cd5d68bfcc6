"""The Flask side of the HTTP surface: /openapi.json, /__mock/health and /__mock/catalog, JSON errors.

Protocol paths never reach Flask: ``endpoint.ProtocolEndpoint`` answers them in front of it. A request to
any other path that is not a page of the mock (a 404, a 405) is answered in the protocol's error
shape and journalled like a protocol request, so a client with a wrong URL shows in the journal.
"""

from __future__ import annotations

import re
import time
from functools import cache
from typing import Any

import orjson
from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import BadRequest, HTTPException, RequestTimeout
from werkzeug.sansio.utils import get_host

import spec
from mockserver import answers
from mockserver.answers import Answer
from mockserver.http import catalog_document, curl_lines, delivery, journal_entries
from mockserver.http.incoming import UnreadableBody, decimal
from mockserver.http.runtime import Runtime, of
from mockserver.names import HEALTH_PATH
from mockserver.scenarios.selector import Selector
from mockserver.scenarios.state import StateUnavailable


def runtime() -> Runtime:
    return of(current_app)


def selector() -> Selector:
    return of(current_app).selector


def init_app(app: Flask) -> None:
    app.add_url_rule("/openapi.json", "openapi", openapi, methods=["GET"])
    app.add_url_rule(HEALTH_PATH, "health", health, methods=["GET"])
    app.add_url_rule("/__mock/catalog", "catalog", catalog_page, methods=["GET"])
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(UnreadableBody, unreadable_body)
    app.register_error_handler(Exception, internal_error)
    app.before_request(_start)
    app.after_request(_log)


def _response(answer: Answer) -> Response:
    status, headers = answers.head(answer)
    return Response(answer.body, status, headers=headers)


# -- other endpoints ----------------------------------------------------------------------------
@cache
def _openapi_document(paths: tuple[str, ...]) -> dict[str, Any]:
    """spec's bundled document with the call at each of ``paths`` (D21: the mock answers it at every
    protocol path), built once per set of paths and never changed afterwards."""
    document = spec.openapi_document()
    ((canonical, item),) = document["paths"].items()
    served = {}
    for path in paths:
        operation = dict(item["post"])
        if path != canonical:  # operation ids are unique in a document
            operation["operationId"] += "At" + "".join(part.title() for part in re.split(r"\W+", path))
        served[path] = {**item, "post": operation}
    return {**document, "paths": served}


def openapi() -> Response:
    """The OpenAPI document of this mock: the call at every path it answers it at, ``servers`` naming
    the URL the request reached the mock at, so that a tool reading it calls this mock wherever it
    listens."""
    here = {"url": served_from(), "description": "the mock server this document came from"}
    document = {**_openapi_document(runtime().paths), "servers": [here]}
    return Response(orjson.dumps(document), 200, content_type=answers.JSON)


def served_from() -> str:
    """The request's scheme, host and port, and the script root. A Host header that is missing or not a
    host gives way to the server's own address; without one either, the URL is relative (to wherever
    the document was fetched from, as OpenAPI reads it)."""
    host = request.host
    if not host:
        environ = request.environ
        server = (str(environ.get("SERVER_NAME", "")), decimal(str(environ.get("SERVER_PORT", ""))))
        host = get_host(request.scheme, None, server)
    return f"{request.scheme}://{host}{request.script_root}" if host else request.script_root or "/"


def health() -> Response:
    """200 ``ok``; 503 ``state-unavailable`` (with the reason) while the Redis the state lives in does not
    answer, when every request that needs it answers 503 too: a load balancer can take the mock out.
    ``scenario-scripts`` says whether the scenario files' scripts are all installed (``pending``, with
    ``scenario-scripts-error``, until the state takes them)."""
    rt = runtime()
    counted = rt.counters.totals()
    engine = rt.engine
    try:
        engine.store.ping()
        problem = None
    except StateUnavailable as error:
        problem = str(error)
    else:
        engine.try_install()
    body = {
        "status": "ok" if problem is None else "state-unavailable",
        "state": engine.store.kind,
        "state-reachable": problem is None,
        "any-user": rt.directory.any_user,
        "status-mapping": rt.mapping,
        "seed": rt.generator.seed,
        "pinned-now": rt.pin.isoformat() if rt.pin else None,
        "internal-errors": counted["internal_errors"],
        "self-check-failures": counted["self_check_failures"],
        "counted-across": counted.across,
        "scenario-scripts": "installed" if engine.pending is None else "pending",
    }
    if engine.pending is not None:  # the files' scripts are not all in the state yet, and why
        body["scenario-scripts-error"] = engine.pending
    if problem is None:
        return Response(orjson.dumps(body), 200, content_type=answers.JSON)
    headers = dict(answers.RETRY_LATER)
    return Response(orjson.dumps({**body, "error": problem}), 503, headers, content_type=answers.JSON)


def catalog_page() -> Response:
    rt = runtime()
    key = curl_lines.shown_key(rt.keys[0], curl_lines.is_loopback(request.remote_addr))
    document = catalog_document.document(served_from(), key, rt.directory)
    return Response(orjson.dumps(document), 200, content_type=answers.JSON)


# -- errors -------------------------------------------------------------------------------------
def http_error(error: HTTPException) -> Response:
    status = error.code or 500
    rt = runtime()
    allowed: list[str] = list(getattr(error, "valid_methods", None) or [])
    if status == 405:
        answer = answers.method_not_allowed(request.method, allowed)
    elif status == 404:
        why = f"no such path {request.path!r}; protocol paths: {', '.join(rt.paths)}"
        answer = answers.http_error(404, error.name, "path", why)
    else:
        answer = answers.http_exception(error)
    if request.path.startswith("/__mock/"):
        return _response(answer)
    if rt.self_check:
        delivery.check_answer(rt, answer)
    ctx = journal_entries.context(None, b"", request.environ)
    started = g.mock_started
    entry = journal_entries.entry(
        request.method, request.path, ctx, answer, scenario=None, started=started, secrets=rt.secrets
    )
    g.mock_entry = entry
    return _response(delivery.journal(selector(), entry) or answer)


def unreadable_body(error: UnreadableBody) -> Response:
    """A body the server could not decode (a broken chunked encoding: 400) or that stopped arriving (408),
    answered as any HTTP error."""
    refusal = RequestTimeout if error.status == RequestTimeout.code else BadRequest
    return http_error(refusal(f"the body could not be read ({error})"))


def internal_error(error: Exception) -> Response:
    """Last resort: a JSON 500 with result 100, and the traceback in the log. A test asserts none happens."""
    return _response(delivery.internal_error(runtime(), current_app.logger, request.environ, error))


def _start() -> None:
    g.mock_started = time.perf_counter()


def _log(response: Response) -> Response:
    entry = g.get("mock_entry")
    started = g.get("mock_started", time.perf_counter())
    if entry is None:
        line = journal_entries.plain_log_line(request.method, request.path, response.status_code, started)
    else:
        line = journal_entries.log_line(entry, started)
    runtime().log.write(line)
    return response
