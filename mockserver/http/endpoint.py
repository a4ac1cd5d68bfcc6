"""The protocol endpoint: a plain WSGI application in front of the Flask app.

Every request to a protocol path (``/api/v4/request``, ``/api/v3/request``, ``--path``) is answered
here; Flask serves everything else (admin API, /openapi.json, health, catalogue, 404s). Flask's
request and response machinery costs ~50 µs a request, as much as the rest of a cached answer, so
the endpoint reads the WSGI environ itself (``Incoming``) and writes the status line and headers
itself (``send``). Nothing here needs a Flask context.

A request is read in a fixed order (API key, scenario and clock headers, Content-Type, size, body),
then the behaviour is picked by precedence: the ``X-Mock-Scenario`` header, a scripted step (the
selector), the user directory or a magic value, normal behaviour. Plain repeated requests are
answered from the answer cache (``hotpath``) without reading more than their key; every request,
cached or not, is journalled and logged the same way (``records``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_options_header
from werkzeug.wsgi import get_input_stream

import spec
from mockserver import answers
from mockserver.answers import Answer
from mockserver.data import clock
from mockserver.errors import Rejected, StateUnavailable, UnknownScenario
from mockserver.http import hotpath, records, selfcheck
from mockserver.identity import auth, parsing
from mockserver.identity.parsing import Call
from mockserver.identity.users import Resolution
from mockserver.scenarios import catalog, effects, transport
from mockserver.scenarios.catalog import Choice
from mockserver.scenarios.selector import RequestContext

if TYPE_CHECKING:
    from flask import Flask

    from mockserver.http.runtime import Runtime
    from mockserver.scenarios.selector import Selector
    from mockserver.scenarios.state.base import ScriptStep

SCENARIO_HEADER = "X-Mock-Scenario"
NOW_HEADER = "X-Mock-Now"
ALLOWED = ("POST",)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class ProtocolEndpoint:
    """WSGI middleware: protocol paths are answered here, every other request goes on to Flask."""

    def __init__(self, app: Flask, wsgi_app: WsgiApp) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.runtime: Runtime = app.extensions["mock.runtime"]
        self._paths = frozenset(self.runtime.paths)
        pin = self.runtime.pin
        self._pinned_hour = hotpath.hour(pin) if pin is not None else None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "") not in self._paths:
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        try:
            return self._serve(environ, start_response, started)
        except Exception as error:  # last resort: a JSON 500 with result 100, the traceback in the log
            answer = internal_error(self.runtime, self.app.logger, environ, error)
            return send(environ, start_response, answer)

    def _serve(
        self, environ: dict[str, Any], start_response: StartResponse, started: float
    ) -> Iterable[bytes]:
        rt = self.runtime
        selector: Selector = self.app.extensions["mock.selector"]
        base = hotpath.base_key(environ) if rt.answers.entries else None  # --no-answer-cache: no key
        taken = None
        if base is not None and (hot := rt.answers.get((*base, self._hour()))) is not None:
            ctx = records.context(hot.call, base[3], environ)
            try:
                taken = selector.pick(ctx) if hot.call is not None else None
            except StateUnavailable:
                pass  # the full path asks the store again and answers 503 itself
            else:
                if taken is None:
                    return self._send_hot(environ, start_response, ctx, hot, started=started)
        decided = self._decide(environ, selector, base, taken)
        return deliver(rt, selector, environ, start_response, decided, started=started)

    def _decide(
        self,
        environ: dict[str, Any],
        selector: Selector,
        base: hotpath.BaseKey | None,
        taken: ScriptStep | None,
    ) -> Decision:
        method = environ.get("REQUEST_METHOD", "")
        if method not in ALLOWED:
            answer = answers.method_not_allowed(method, ALLOWED)
            return Decision(records.context(None, b"", environ), answer)
        try:
            incoming = Incoming.read(environ, self.runtime.max_body)
        except HTTPException as error:  # e.g. a client that sent less than its Content-Length
            return Decision(records.context(None, b"", environ), http_exception(error))
        files = self.app.extensions.get("mock.scenario_files")
        return decide(self.runtime, selector, incoming, files=files, base=base, taken=taken)

    def _hour(self) -> int:
        return self._pinned_hour if self._pinned_hour is not None else int(time.time()) // 3600

    def _send_hot(
        self,
        environ: dict[str, Any],
        start_response: StartResponse,
        ctx: RequestContext,
        hot: hotpath.CachedAnswer,
        *,
        started: float,
    ) -> Iterable[bytes]:
        entry = records.entry("POST", environ["PATH_INFO"], ctx, hot.answer, scenario=None, started=started)
        replaced = journal(self.app.extensions["mock.selector"], entry)
        self.runtime.log.write(records.log_line(entry, started))
        if replaced is not None:  # the journal could not be written: 503, as for any answer
            return send(environ, start_response, replaced)
        start_response(hot.status, list(hot.headers))
        return [hot.body]


# -- reading ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Incoming:
    """What the endpoint reads of one request, straight from the WSGI environ."""

    environ: dict[str, Any]
    authorization: str | None
    scenario: str | None
    now: str | None
    mimetype: str
    params: dict[str, str]
    raw: bytes  # at most max_body bytes
    too_big: bool

    @classmethod
    def read(cls, environ: dict[str, Any], limit: int) -> Incoming:
        mimetype, params = _content_type(environ.get("CONTENT_TYPE", ""))
        raw, too_big = _read_body(environ, limit)
        return cls(
            environ=environ,
            authorization=environ.get("HTTP_AUTHORIZATION"),
            scenario=environ.get("HTTP_X_MOCK_SCENARIO"),
            now=environ.get("HTTP_X_MOCK_NOW"),
            mimetype=mimetype,
            params=params,
            raw=raw,
            too_big=too_big,
        )


@lru_cache(maxsize=256)
def _content_type(header: str) -> tuple[str, dict[str, str]]:
    """(mimetype in lower case, parameters) of a Content-Type header, as werkzeug's Request gives them."""
    value, params = parse_options_header(header)
    return value.lower(), params


def _read_body(environ: dict[str, Any], limit: int) -> tuple[bytes, bool]:
    """At most ``limit`` bytes of body, and whether there was more (never reads past limit + 1).

    werkzeug's input stream: Content-Length bounds it; a chunked body is read to its end.
    """
    length = environ.get("CONTENT_LENGTH") or ""
    if length.isdigit() and int(length) > limit:
        return b"", True
    raw = get_input_stream(environ).read(limit + 1)
    return raw[:limit], len(raw) > limit


# -- deciding -----------------------------------------------------------------------------------
@dataclass
class Decision:
    """The answer a request gets, with what the journal needs and what the cache may keep."""

    ctx: RequestContext
    answer: Answer
    scenario: str | None = None
    taken: ScriptStep | None = None
    keep: hotpath.Keeper | None = None


def decide(
    rt: Runtime,
    selector: Selector,
    incoming: Incoming,
    *,
    files: Any,
    base: hotpath.BaseKey | None,
    taken: ScriptStep | None = None,
) -> Decision:
    """The answer to ``incoming`` (``taken``: a scripted step the cache lookup already consumed)."""
    now = clock.now(rt.pin)
    raw = incoming.raw
    try:
        auth.check(incoming.authorization, rt.keys)
        header_choice = _header_choice(incoming.scenario, files)
        moment = _moment(incoming.now, now)
        parsing.check_content_type(incoming.mimetype, incoming.params)
        if incoming.too_big:
            raise parsing.too_large(rt.max_body)
        call = rt.verdicts.parse(raw)
    except Rejected as reason:  # decided by the cache key alone (a scenario header is never cached)
        ctx = records.context(None, raw, incoming.environ)
        return Decision(ctx, answers.rejected(reason), keep=hotpath.keeper(rt.answers, base, now, None))
    ctx = records.context(call, raw, incoming.environ)
    try:
        if header_choice is None and taken is None:
            taken = selector.pick(ctx)
        choice = header_choice or (None if taken is None else _choice(taken.scenario, "script", files))
    except StateUnavailable as error:
        return Decision(ctx, unavailable(error))
    except Rejected as reason:
        return Decision(ctx, answers.rejected(reason), taken=taken)
    resolution = rt.directory.resolve(call.identifier_type, call.identifier, call.token)
    if choice is None and resolution.scenario:
        try:
            choice = _choice(resolution.scenario, "users", files)
        except Rejected as reason:
            return Decision(ctx, answers.rejected(reason))
    success = _success_for(rt, call, resolution, clock.anchor(moment))

    def normal() -> Answer:
        if resolution.code == 0:
            return success(resolution.variant, None)
        error = f"{answers.message(resolution.code)} ({resolution.why})"
        return answers.result(resolution.code, rt.mapping, error)

    if choice is None:
        return Decision(ctx, normal(), keep=hotpath.keeper(rt.answers, base, moment, call))
    answer = effects.compose(choice.parts, rt.mapping, rt.delays, normal, success)
    return Decision(ctx, answer, choice.name, taken)


@dataclass(frozen=True)
class Behaviour:
    """The scenario a request gets: one built-in, or several composed by a scenario file."""

    name: str
    parts: tuple[Choice, ...]


def _header_choice(text: str | None, files: Any) -> Behaviour | None:
    if text is None or not text.strip():
        return None
    return _choice(text, f"headers.{SCENARIO_HEADER}", files)


def _choice(text: str, where: str, files: Any) -> Behaviour:
    """A built-in scenario, or a scenario file's composition (``files``: the engine, or None)."""
    try:
        single = catalog.parse(text)
        return Behaviour(single.name, (single,))
    except UnknownScenario as error:
        message = error.message
        builtin = text.split(";", 1)[0].strip() in catalog.catalog()  # a built-in with bad parameters
        parts = None if builtin or files is None else files.resolve(text)
        if parts is None:
            if not builtin and files is not None:
                name = text.split(";", 1)[0].strip()
                message = f"unknown scenario {name!r}; scenarios: {', '.join(files.scenario_names())}"
            raise Rejected(400, 200, f"Unknown scenario: {message}", [spec.Problem(where, message)]) from None
    try:
        return Behaviour(text.split(";", 1)[0].strip(), tuple(catalog.parse(part) for part in parts))
    except UnknownScenario as error:
        raise Rejected(
            400, 200, f"Unknown scenario: {error.message}", [spec.Problem(where, error.message)]
        ) from None


def _moment(text: str | None, now: datetime) -> datetime:
    if text is None:
        return now
    try:
        return clock.parse_now(text)
    except ValueError as error:
        path = f"headers.{NOW_HEADER}"
        raise Rejected(
            400, 230, f"Invalid request format: {error}", [spec.Problem(path, str(error))]
        ) from None


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


# -- answering ----------------------------------------------------------------------------------
def deliver(
    rt: Runtime,
    selector: Selector,
    environ: dict[str, Any],
    start_response: StartResponse,
    decided: Decision,
    *,
    started: float,
) -> Iterable[bytes]:
    """Delay, break the connection or send the answer; self-check; journal and log entry.

    The cache keeps the answer (``decided.keep``) once it is journalled and passed self-check.
    """
    answer, keep = decided.answer, decided.keep
    if answer.delay_s > 0:
        time.sleep(answer.delay_s)
    broken = False
    kind = answer.transport
    if kind is not None:
        sock = transport.connection(environ)
        if sock is None:
            error = f"scenario {decided.scenario} needs a real server connection (none under this server)"
            answer = Answer(500, answers.error_body(100, error), 100)
        else:
            _TRANSPORTS[kind](sock)
            broken = True
    if rt.self_check and check_answer(rt, answer):
        keep = None
    entry = records.entry(
        environ.get("REQUEST_METHOD", ""),
        environ.get("PATH_INFO", ""),
        decided.ctx,
        answer,
        scenario=decided.scenario,
        started=started,
        taken=decided.taken,
    )
    replaced = journal(selector, entry)
    if replaced is not None:
        answer, keep, broken = replaced, None, False
    if keep is not None:
        keep(answer)
    rt.log.write(records.log_line(entry, started))
    if broken:  # nothing more can be sent; the server's write fails as if the client went away
        start_response("200 OK", [])
        return [b""]
    return send(environ, start_response, answer)


_TRANSPORTS = {"reset": transport.reset, "close": transport.close}


def journal(selector: Selector, entry: dict[str, Any]) -> Answer | None:
    """Record ``entry``; when the store cannot, the 503 that replaces the answer (entry updated)."""
    try:
        selector.record(entry)
    except StateUnavailable as error:
        answer = unavailable(error)
        entry.update(result=answer.code, status=answer.status)
        return answer
    return None


def send(environ: dict[str, Any], start_response: StartResponse, answer: Answer) -> Iterable[bytes]:
    """Status line and headers of ``answer``, then its body (or its stream; nothing to a HEAD)."""
    start_response(*answers.head(answer))
    if environ.get("REQUEST_METHOD") == "HEAD":
        return []
    return answer.stream(environ) if answer.stream is not None else [answer.body]


def check_answer(rt: Runtime, answer: Answer) -> bool:
    """True (and counted, and logged) when the answer breaks the contract (``--self-check``)."""
    found = selfcheck.check(answer)
    if found:
        rt.count("self_check_failures")
        rt.log.write(
            {"event": "self-check", "status": answer.status, "problems": [p.as_dict() for p in found]}
        )
    return bool(found)


def internal_error(rt: Runtime, log: logging.Logger, environ: dict[str, Any], error: Exception) -> Answer:
    """The last resort's answer: counted, the traceback logged; a test asserts none ever happens."""
    method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")
    log.error("internal error while handling %s %s", method, path, exc_info=error)
    rt.count("internal_errors")
    why = f"internal error in the mock server ({type(error).__name__}); it is logged"
    body = answers.error_body(100, why)
    return Answer(500, body, 100)


def http_exception(error: HTTPException) -> Answer:
    """A werkzeug HTTP error (e.g. a client that sent less than its Content-Length) as a JSON answer."""
    return answers.http_error(error.code or 500, error.name, "$", error.description or error.name)
