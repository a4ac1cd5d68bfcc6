"""The HTTP surface: the protocol endpoint, /openapi.json, /__mock/health and /__mock/catalog, JSON errors.

The protocol handler reads the request in a fixed order (API key, scenario and clock headers,
Content-Type, size, body), then picks the behaviour by precedence: the ``X-Mock-Scenario`` header,
a scripted step (the selector), the user directory or a magic value, normal behaviour.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

import orjson
from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException

import spec
from mockserver import (
    answers,
    auth,
    catalog,
    clock,
    docs,
    effects,
    hotpath,
    parsing,
    records,
    selfcheck,
    transport,
)
from mockserver.answers import Answer
from mockserver.catalog import Choice
from mockserver.context import RequestContext
from mockserver.errors import Rejected, StateUnavailable, UnknownScenario
from mockserver.parsing import Call
from mockserver.runtime import Runtime
from mockserver.selector import Selector
from mockserver.users import Resolution

SCENARIO_HEADER = "X-Mock-Scenario"
NOW_HEADER = "X-Mock-Now"
SESSION_HEADER = records.SESSION_HEADER


def runtime() -> Runtime:
    value: Runtime = current_app.extensions["mock.runtime"]
    return value


def selector() -> Selector:
    value: Selector = current_app.extensions["mock.selector"]
    return value


def init_app(app: Flask) -> None:
    for path in app.extensions["mock.runtime"].paths:
        app.add_url_rule(path, "protocol", protocol, methods=["POST"], provide_automatic_options=False)
    app.add_url_rule("/openapi.json", "openapi", openapi, methods=["GET"])
    app.add_url_rule("/__mock/health", "health", health, methods=["GET"])
    app.add_url_rule("/__mock/catalog", "catalog", catalog_page, methods=["GET"])
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, internal_error)
    app.before_request(_start)
    app.after_request(_log)


# -- the protocol endpoint ----------------------------------------------------------------------
def protocol() -> Response:
    rt = runtime()
    raw, too_big = _read_body(rt.max_body)
    now = clock.now(rt.pin)
    try:
        auth.check(request.headers.get("Authorization"), rt.keys)
        header_choice = _header_choice()
        moment = _moment(rt, now)
        parsing.check_content_type(request.mimetype, dict(request.mimetype_params))
        if too_big:
            raise parsing.too_large(rt.max_body)
        call = rt.verdicts.parse(raw)
    except Rejected as reason:  # decided by the cache key alone (a scenario header is never cached)
        keep = hotpath.keeper(rt, request.environ, now, None)
        return finish(_context(None, raw), answers.rejected(reason), None, keep)
    ctx = _context(call, raw)
    try:
        choice = header_choice or _scripted(ctx)
    except StateUnavailable as error:
        return finish(ctx, unavailable(error), None)
    except Rejected as reason:
        return finish(ctx, answers.rejected(reason), None)
    resolution = rt.directory.resolve(call.identifier_type, call.identifier, call.token)
    if choice is None and resolution.scenario:
        try:
            choice = _choice(resolution.scenario, "users")
        except Rejected as reason:
            return finish(ctx, answers.rejected(reason), None)
    success = _success_for(rt, call, resolution, clock.anchor(moment))

    def normal() -> Answer:
        if resolution.code == 0:
            return success(resolution.variant, None)
        error = f"{answers.message(resolution.code)} ({resolution.why})"
        return answers.result(resolution.code, rt.mapping, error)

    if choice is None:
        return finish(ctx, normal(), None, hotpath.keeper(rt, request.environ, moment, call))
    answer = effects.compose(choice.parts, rt.mapping, rt.delays, normal, success)
    return finish(ctx, answer, choice.name)


def _read_body(limit: int) -> tuple[bytes, bool]:
    """At most ``limit`` bytes of body, and whether there was more (never reads past limit + 1)."""
    length = request.content_length
    if length is not None and length > limit:
        return b"", True
    raw = request.stream.read(limit + 1)
    return raw[:limit], len(raw) > limit


@dataclass(frozen=True)
class Chosen:
    """The scenario a request gets: one built-in, or several composed by a scenario file."""

    name: str
    parts: tuple[Choice, ...]


def _header_choice() -> Chosen | None:
    text = request.headers.get(SCENARIO_HEADER)
    if text is None or not text.strip():
        return None
    return _choice(text, f"headers.{SCENARIO_HEADER}")


def _choice(text: str, where: str) -> Chosen:
    """A built-in scenario, or a scenario file's composition (``mock.scenario_files``, helper B's)."""
    try:
        single = catalog.parse(text)
        return Chosen(single.name, (single,))
    except UnknownScenario as error:
        message = error.message
        builtin = text.split(";", 1)[0].strip() in catalog.catalog()  # a built-in with bad parameters
        files = None if builtin else current_app.extensions.get("mock.scenario_files")
        parts = files.resolve(text) if files is not None else None
        if parts is None:
            if files is not None and hasattr(files, "scenario_names"):
                name = text.split(";", 1)[0].strip()
                message = f"unknown scenario {name!r}; scenarios: {', '.join(files.scenario_names())}"
            raise Rejected(400, 200, f"Unknown scenario: {message}", [spec.Problem(where, message)]) from None
    try:
        return Chosen(text.split(";", 1)[0].strip(), tuple(catalog.parse(part) for part in parts))
    except UnknownScenario as error:
        raise Rejected(
            400, 200, f"Unknown scenario: {error.message}", [spec.Problem(where, error.message)]
        ) from None


def _scripted(ctx: RequestContext) -> Chosen | None:
    name = request.environ.pop(hotpath.SCRIPTED, None)  # the hot path took this request's step
    if name is None:
        name = selector().pick(ctx)
    return None if name is None else _choice(name, "script")


def _moment(rt: Runtime, now: datetime) -> datetime:
    text = request.headers.get(NOW_HEADER)
    if text is None:
        return now
    try:
        return clock.parse_now(text)
    except ValueError as error:
        path = f"headers.{NOW_HEADER}"
        raise Rejected(
            400, 230, f"Invalid request format: {error}", [spec.Problem(path, str(error))]
        ) from None


def _context(call: Call | None, raw: bytes) -> RequestContext:
    return records.context(call, raw, request.environ)


def _success_for(
    rt: Runtime, call: Call, resolution: Resolution, anchor: datetime
) -> Callable[[str, int | None], Answer]:
    user = resolution.user
    key = f"user:{user.id}" if user else f"{call.identifier_type}:{call.identifier}"
    home = user.country if user else None

    def success(variant: str, count: int | None) -> Answer:
        if count is None and user is not None:
            count = user.sessions
        return answers.success(rt.generator.body(key, anchor, variant, count, home))

    return success


def unavailable(error: StateUnavailable) -> Answer:
    body = answers.error_body(100, f"{error} (retry later)")
    return Answer(503, body, 100, headers={"Retry-After": "1"})


# -- turning an answer into a response ----------------------------------------------------------
def finish(
    ctx: RequestContext, answer: Answer, scenario: str | None, keep: hotpath.Keeper | None = None
) -> Response:
    """Delay, break the connection or build the response; self-check; journal and log entry.

    ``keep`` takes the answer into the hot path's cache once it is journalled and passed self-check.
    """
    rt = runtime()
    if answer.delay_s > 0:
        time.sleep(answer.delay_s)
    response: Response | None = None
    kind = answer.transport
    if kind is not None:
        sock = transport.connection(request.environ)
        if sock is None:
            error = f"scenario {scenario} needs a real server connection (none under this WSGI server)"
            answer = Answer(500, answers.error_body(100, error), 100)
        else:
            _TRANSPORTS[kind](sock)
            response = Response(b"", 200)
    if response is None:
        response = _response(answer)
    if rt.self_check and _self_check(rt, answer):
        keep = None
    entry = records.entry(
        request.method, request.path, ctx, answer, scenario=scenario, started=g.mock_started
    )
    g.mock_entry = entry
    try:
        selector().record(entry)
    except StateUnavailable as error:
        answer = unavailable(error)
        entry.update(result=answer.code, status=answer.status)
        response = _response(answer)
        keep = None
    if keep is not None:
        keep(answer)
    return response


_TRANSPORTS = {"reset": transport.reset, "close": transport.close}


def _response(answer: Answer) -> Response:
    if answer.stream is not None:
        response = Response(answer.stream(request.environ), answer.status, direct_passthrough=True)
    else:
        response = Response(answer.body, answer.status)
    if answer.content_type is not None:
        response.headers["Content-Type"] = answer.content_type
    for name, value in answer.headers.items():
        response.headers[name] = value
    return response


def _self_check(rt: Runtime, answer: Answer) -> bool:
    """True (and counted, and logged) when the answer breaks the contract."""
    found = selfcheck.check(answer)
    if found:
        rt.count("self_check_failures")
        rt.log.write(
            {"event": "self-check", "status": answer.status, "problems": [p.as_dict() for p in found]}
        )
    return bool(found)


# -- other endpoints ----------------------------------------------------------------------------
@cache
def _openapi_bytes() -> bytes:
    return orjson.dumps(spec.openapi_document())


def openapi() -> Response:
    return Response(_openapi_bytes(), 200, content_type=answers.JSON)


def health() -> Response:
    rt = runtime()
    body = {
        "status": "ok",
        "any-user": rt.directory.any_user,
        "status-mapping": rt.mapping,
        "seed": rt.generator.seed,
        "pinned-now": rt.pin.isoformat() if rt.pin else None,
        "internal-errors": rt.internal_errors,
        "self-check-failures": rt.self_check_failures,
    }
    return Response(orjson.dumps(body), 200, content_type=answers.JSON)


def catalog_page() -> Response:
    rt = runtime()
    document = docs.catalog_document(request.host_url.rstrip("/"), rt.keys[0], rt.directory)
    return Response(orjson.dumps(document), 200, content_type=answers.JSON)


# -- errors -------------------------------------------------------------------------------------
def http_error(error: HTTPException) -> Response:
    status = error.code or 500
    rt = runtime()
    allowed: list[str] = list(getattr(error, "valid_methods", None) or [])
    if status == 405:
        why = f"method {request.method} is not allowed here; allowed: {', '.join(allowed)}"
        problem = spec.Problem("method", why)
    elif status == 404:
        why = f"no such path {request.path!r}; protocol paths: {', '.join(rt.paths)}"
        problem = spec.Problem("path", why)
    else:
        why = error.description or error.name
        problem = spec.Problem("$", why)
    code = 200 if status < 500 else 100
    answer = Answer(status, answers.error_body(code, f"{error.name}: {why}", [problem]), code)
    if status == 405 and allowed:
        answer.headers["Allow"] = ", ".join(allowed)
    if request.path.startswith("/__mock/"):
        return _response(answer)
    return finish(_context(None, b""), answer, None)


def internal_error(error: Exception) -> Response:
    """Last resort: a JSON 500 with result 100, and the traceback in the log. A test asserts none happens."""
    current_app.logger.exception("internal error while handling %s %s", request.method, request.path)
    rt = runtime()
    rt.count("internal_errors")
    body = answers.error_body(
        100, f"internal error in the mock server ({type(error).__name__}); it is logged"
    )
    return _response(Answer(500, body, 100))


def _start() -> None:
    g.mock_started = time.perf_counter()


def _log(response: Response) -> Response:
    entry = g.get("mock_entry")
    started = g.get("mock_started", time.perf_counter())
    if entry is None:
        line = {"method": request.method, "path": request.path, "status": response.status_code}
        line["duration_ms"] = round((time.perf_counter() - started) * 1000, 3)
    else:
        line = records.log_line(entry, started)
    runtime().log.write(line)
    return response
