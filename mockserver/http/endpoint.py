"""The protocol endpoint: a plain WSGI application in front of the Flask app.

Every request to a protocol path (``/api/v4/request``, ``/api/v3/request``, ``--path``) is answered
here; Flask serves everything else (admin API, /openapi.json, health, catalogue, 404s). Flask's
request and response machinery costs ~50 µs a request, as much as the rest of a cached answer, so
the endpoint reads the WSGI environ itself and writes the status line and headers itself.

One request goes the straight line of ``http.pipeline`` (steps 1 to 5), with the answer made by the mock
(``Generated``) or, in proxy mode, forwarded to the upstream (``http.proxying.Forwarded``); then
``http.delivery.deliver`` journals it and sends it (steps 6 and 7).

Before all that, a plain repeated request is looked up in the answer cache (``http.hotpath``) and,
found and not scripted, sent as it is (still journalled and logged the same way).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from wsgiref.types import StartResponse, WSGIApplication

from mockserver import answers
from mockserver.answers import Answer
from mockserver.data.reshape import reshape
from mockserver.errors import StateUnavailable
from mockserver.http import hotpath, journal_entries, pipeline, proxying, runtime
from mockserver.http.delivery import (
    Decision,
    deliver,
    internal_error,
    journal,
    send,
)
from mockserver.http.incoming import Incoming, guard
from mockserver.identity import auth, parsing
from mockserver.identity.parsing import Call
from mockserver.identity.users import Resolution
from mockserver.scenarios import effects
from mockserver.scenarios.behaviour import Behaviour
from mockserver.scenarios.selector import RequestContext

if TYPE_CHECKING:
    from flask import Flask

    from mockserver.http.runtime import Runtime

ALLOWED = ("POST",)


class ProtocolEndpoint:
    """WSGI middleware: protocol paths are answered here, every other request goes on to Flask."""

    def __init__(self, app: Flask, wsgi_app: WSGIApplication) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.runtime = runtime.of(app)
        self.generated = Generated(self.runtime)
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
        selector, files = rt.selector, rt.files
        if rt.upstream is not None:  # proxy mode: every answer is the upstream's, never a cached one
            forwarded = proxying.Forwarded.opener(rt, rt.upstream, environ)
            decision = pipeline.decide(rt, environ, forwarded, allowed=None, selector=selector, files=files)
            return deliver(rt, selector, environ, start_response, decision, started=started)
        base = hotpath.base_key(environ) if rt.answers.entries else None  # --no-answer-cache: no key
        step = None
        if base is not None and (hot := rt.answers.get((*base, self._hour()))) is not None:
            ctx = journal_entries.context(hot.call, base[3], environ)
            try:
                step = selector.pick(ctx) if hot.call is not None else None
            except StateUnavailable:
                pass  # the full path asks the store again and answers 503 itself
            else:
                if step is None:
                    return self._send_cached(environ, start_response, ctx, hot, started=started)
        decision = pipeline.decide(
            rt, environ, self.generated, allowed=ALLOWED, selector=selector, files=files, base=base, step=step
        )
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
        entry = journal_entries.entry(
            "POST", environ["PATH_INFO"], ctx, hot.answer, scenario=None, started=started, secrets=secrets
        )
        replaced = journal(self.runtime.selector, entry)
        self.runtime.log.write(journal_entries.log_line(entry, started))
        if replaced is not None:  # the journal could not be written: 503, as for any answer
            return send(environ, start_response, replaced)
        start_response(hot.status, list(hot.headers))
        return [hot.body]


class Generated:
    """The mock's own source: the partner key is checked, the call must be valid, the answer is made."""

    known = None  # a refused request's call is not read

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def authorize(self, incoming: Incoming) -> None:
        auth.check(incoming.authorization, self.rt.keys)

    def admit(self, incoming: Incoming) -> Call:
        parsing.check_content_type(incoming.mimetype, incoming.params)
        if incoming.too_big:
            raise parsing.too_large(self.rt.max_body)
        return self.rt.parser.parse(incoming.raw)

    def build(
        self, call: Call | None, resolution: Resolution | None, chosen: Behaviour | None, anchor: datetime
    ) -> Answer:
        assert call is not None and resolution is not None  # admit gives a call, the directory resolves it
        return build(self.rt, call, resolution, chosen, anchor)

    def judged(self, decision: Decision) -> Decision:
        return decision

    def __call__(self, incoming: Incoming) -> Generated:
        return self  # one for every request: it keeps nothing of any


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
