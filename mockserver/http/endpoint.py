"""The protocol endpoint: a plain WSGI application in front of the Flask app.

Every request to a protocol path (``/api/v4/request``, ``/api/v3/request``, ``--path``) is answered
here; Flask serves everything else (admin API, /openapi.json, health, catalogue, 404s). Flask's
request and response machinery costs ~50 µs a request, as much as the rest of a cached answer, so
the endpoint reads the WSGI environ itself and writes the status line and headers itself.

One request goes one straight line, each step in its room, called in order from ``decide``:

1. read       ``http.incoming``      method, headers, at most ``--max-body-bytes`` of body
2. parse      ``identity.auth``, ``scenarios.behaviour``, ``data.clock``, ``identity.parsing``
              the API key, the scenario and clock headers, the Content-Type, the body (in this order:
              it is the order of the errors a client sees)
3. identify   ``identity.users``     the directory user, a magic value, or an unknown user
4. choose     ``scenarios.behaviour`` the header, a scripted step, the user's own scenario, or none
5. build      ``data.generation``, ``scenarios.effects``   the normal answer, shaped by the behaviour
6. record     ``http.records``       the journal entry and the log line
7. deliver    ``http.delivery``      delay, break the connection or send

Before all that, a plain repeated request is looked up in the answer cache (``http.hotpath``) and,
found and not scripted, sent as it is (still journalled and logged the same way).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import spec
from mockserver import answers
from mockserver.answers import Answer
from mockserver.data import clock
from mockserver.data.reshape import reshape
from mockserver.errors import Rejected, StateUnavailable
from mockserver.http import hotpath, proxying, records
from mockserver.http.delivery import (
    Decision,
    deliver,
    internal_error,
    journal,
    read,
    send,
    unavailable,
)
from mockserver.http.incoming import Incoming, guard
from mockserver.identity import auth, parsing
from mockserver.identity.parsing import Call
from mockserver.identity.users import Resolution
from mockserver.scenarios import behaviour, effects
from mockserver.scenarios.behaviour import Behaviour, Compositions
from mockserver.scenarios.selector import RequestContext, Selector
from mockserver.scenarios.state.base import SESSION_HEADER, ScriptStep, session_problem

if TYPE_CHECKING:
    from flask import Flask

    from mockserver.http.runtime import Runtime

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
            # Flask's side reads bodies too (the admin API): a body the server cannot decode is a 400 there
            return self.wsgi_app(guard(environ), start_response)
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
        files: Compositions | None = self.app.extensions.get("mock.scenario_files")
        if rt.upstream is not None:  # proxy mode: every answer is the upstream's, never a cached one
            decision = proxying.decide(rt, environ, selector=selector, files=files, step=None)
            return deliver(rt, selector, environ, start_response, decision, started=started)
        base = hotpath.base_key(environ) if rt.answers.entries else None  # --no-answer-cache: no key
        step = None
        if base is not None and (hot := rt.answers.get((*base, self._hour()))) is not None:
            ctx = records.context(hot.call, base[3], environ)
            try:
                step = selector.pick(ctx) if hot.call is not None else None
            except StateUnavailable:
                pass  # the full path asks the store again and answers 503 itself
            else:
                if step is None:
                    return self._send_cached(environ, start_response, ctx, hot, started=started)
        decision = decide(rt, environ, selector=selector, files=files, base=base, step=step)
        return deliver(rt, selector, environ, start_response, decision, started=started)

    def _hour(self) -> int:
        return self._pinned_hour if self._pinned_hour is not None else int(time.time()) // 3600

    def _send_cached(
        self,
        environ: dict[str, Any],
        start_response: StartResponse,
        ctx: RequestContext,
        hot: hotpath.CachedAnswer,
        *,
        started: float,
    ) -> Iterable[bytes]:
        secrets = self.runtime.secrets
        entry = records.entry(
            "POST", environ["PATH_INFO"], ctx, hot.answer, scenario=None, started=started, secrets=secrets
        )
        replaced = journal(self.app.extensions["mock.selector"], entry)
        self.runtime.log.write(records.log_line(entry, started))
        if replaced is not None:  # the journal could not be written: 503, as for any answer
            return send(environ, start_response, replaced)
        start_response(hot.status, list(hot.headers))
        return [hot.body]


@dataclass(frozen=True)
class Parsed:
    """A request that passed every check of step 2."""

    call: Call
    header: Behaviour | None  # what X-Mock-Scenario asks for
    moment: datetime  # the clock for this request (X-Mock-Now, --now or the real time)


def decide(
    rt: Runtime,
    environ: dict[str, Any],
    *,
    selector: Selector,
    files: Compositions | None,
    base: hotpath.BaseKey | None,
    step: ScriptStep | None,
) -> Decision:
    """Steps 1 to 5 for one request (``step``: a scripted step the cache lookup already consumed)."""
    # 1. read
    method = environ.get("REQUEST_METHOD", "")
    if method not in ALLOWED:
        return Decision(records.context(None, b"", environ), answers.method_not_allowed(method, ALLOWED))
    incoming = read(rt, environ)
    if isinstance(incoming, Decision):
        return incoming
    # 2. parse
    now = clock.now(rt.pin)
    try:
        parsed = parse(rt, incoming, files, now)
    except Rejected as reason:  # decided by the cache key alone (a scenario header is never cached)
        ctx = records.context(None, incoming.raw, environ)
        answer = answers.rejected(records.without_token(reason, incoming.raw))
        return Decision(ctx, answer, keep=hotpath.keeper(rt.answers, base, now, None))
    call = parsed.call
    ctx = records.context(call, incoming.raw, environ)
    # 3. identify
    resolution = rt.directory.resolve(call.identifier_type, call.identifier, call.token)
    # 4. choose
    try:
        if parsed.header is None and step is None:
            step = selector.pick(ctx)
        chosen = behaviour.choose(parsed.header, step, resolution.scenario, files)
    except StateUnavailable as error:
        return Decision(ctx, unavailable(error))
    except Rejected as reason:
        return Decision(ctx, answers.rejected(reason), step=step)
    # 5. build
    answer = build(rt, call, resolution, chosen, clock.anchor(parsed.moment))
    if chosen is None:
        return Decision(ctx, answer, keep=hotpath.keeper(rt.answers, base, parsed.moment, call))
    return Decision(ctx, answer, chosen.name, step)


def parse(rt: Runtime, incoming: Incoming, files: Compositions | None, now: datetime) -> Parsed:
    """Step 2: the checks in the order a client sees their errors; Rejected at the first that fails."""
    auth.check(incoming.authorization, rt.keys)
    _check_session(incoming.session)
    header = behaviour.from_header(incoming.scenario, files)
    moment = clock.requested(incoming.now, now)
    parsing.check_content_type(incoming.mimetype, incoming.params)
    if incoming.too_big:
        raise parsing.too_large(rt.max_body)
    return Parsed(rt.verdicts.parse(incoming.raw), header, moment)


def _check_session(value: str | None) -> None:
    problem = session_problem(value, spec.json_path(["headers", SESSION_HEADER]))
    if problem is not None:
        raise Rejected(400, 230, f"Invalid request format: {problem.message}", [problem])


def build(
    rt: Runtime, call: Call, resolution: Resolution, chosen: Behaviour | None, anchor: datetime
) -> Answer:
    """Step 5: the answer without a scenario (the user's history or their error), shaped by ``chosen``."""
    user = resolution.user
    key = f"user:{user.id}" if user else f"{call.identifier_type}:{call.identifier}"
    home = user.country if user else None

    def success(variant: str, count: int | None) -> Answer:
        if user is not None and user.answer is not None:  # a recorded user: the answer as recorded
            if variant == "normal" and count is None:
                return answers.success(user.answer)
            shaped = reshape(rt.generator, key, anchor, user.answer, variant=variant, count=count)
            return answers.success(user.answer if shaped is None else shaped)
        if count is None and user is not None:
            count = user.sessions
        return answers.success(rt.generator.body(key, anchor, variant, count, home))

    def normal() -> Answer:
        if resolution.code == 0:
            return success(resolution.variant, None)
        error = f"{answers.message(resolution.code)} ({resolution.why})"
        return answers.result(resolution.code, rt.mapping, error)

    if chosen is None:
        return normal()
    return effects.compose(chosen.parts, rt.mapping, rt.delays, normal, success)
