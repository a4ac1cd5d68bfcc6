"""Proxy mode (``--upstream``): steps 1 to 5 of a protocol request when the upstream builds the answer.

The same line as ``endpoint.decide``, with these differences (docs/proxy.md, D45):

- parse: the app's request is validated (``proxy.validation``) instead of refused; only the mock's
  own headers (``X-Mock-Scenario``, ``X-Mock-Now``) and a body over ``--max-body-bytes`` are answered
  here. With ``--upstream-strict`` a request that breaks the contract is answered 400/230 here.
- build: the answer without a scenario is the upstream's (forwarded at most once, only when a scenario
  needs it: an HTTP error or a result code never reaches the upstream); data scenarios reshape it.
- the upstream's answer is validated; with ``--upstream-strict`` a bad one becomes a 502.
- every answer carries ``X-Mock-Violations``; the journal keeps the upstream's reply and the violations.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mockserver import answers
from mockserver.answers import Answer
from mockserver.data import clock
from mockserver.data.reshape import reshape
from mockserver.errors import Rejected, StateUnavailable
from mockserver.http import records
from mockserver.http.delivery import Decision, read, unavailable
from mockserver.http.incoming import Incoming
from mockserver.identity import parsing
from mockserver.identity.parsing import Call
from mockserver.proxy import forward, validation
from mockserver.proxy.forward import Reply, Upstream
from mockserver.proxy.record import Recorder
from mockserver.proxy.validation import Violation
from mockserver.scenarios import behaviour, effects
from mockserver.scenarios.behaviour import Compositions
from mockserver.scenarios.selector import Selector
from mockserver.scenarios.state.base import ScriptStep

if TYPE_CHECKING:
    from mockserver.http.runtime import Runtime

VIOLATIONS_HEADER = "X-Mock-Violations"


class Forwarder:
    """The upstream's answer to one request, asked for at most once (scenarios may never ask)."""

    def __init__(self, upstream: Upstream, environ: dict[str, Any], incoming: Incoming) -> None:
        self.upstream = upstream
        self.environ = environ
        self.incoming = incoming
        self.reply: Reply | None = None

    def answer(self) -> Answer:
        if self.reply is None:
            environ = self.environ
            self.reply = self.upstream.forward(
                environ.get("REQUEST_METHOD", ""),
                environ.get("PATH_INFO", ""),
                environ.get("QUERY_STRING", ""),
                forward.request_headers(environ),
                self.incoming.raw,
            )
        return forward.as_answer(self.reply, self.upstream.timeout)


def decide(
    rt: Runtime,
    environ: dict[str, Any],
    *,
    selector: Selector,
    files: Compositions | None,
    step: ScriptStep | None,
) -> Decision:
    """Steps 1 to 5 in proxy mode (``step``: a scripted step already consumed, as in ``endpoint``)."""
    assert rt.upstream is not None
    incoming = read(rt, environ)
    if isinstance(incoming, Decision):
        return incoming
    sent = validation.Sent(
        method=environ.get("REQUEST_METHOD", ""),
        content_type=environ.get("CONTENT_TYPE", ""),
        mimetype=incoming.mimetype,
        params=incoming.params,
        raw=incoming.raw,
        too_big=incoming.too_big,
        limit=rt.max_body,
        profile=rt.profile,
    )
    found = _without_token(validation.request_violations(sent), incoming.raw)
    call = _call(rt, incoming.raw)
    ctx = records.context(call, incoming.raw, environ)
    try:
        header = behaviour.from_header(incoming.scenario, files)
        moment = clock.requested(incoming.now, clock.now(rt.pin))
        if incoming.too_big:  # what was not read cannot be forwarded
            raise parsing.too_large(rt.max_body)
        if rt.strict and found:
            problems = [v.problem() for v in found]
            raise Rejected(400, 230, f"Invalid request format: {problems[0].message}", problems)
    except Rejected as reason:
        answer = answers.rejected(records.without_token(reason, incoming.raw))
        return _judged(Decision(ctx, answer), None, found)
    resolution = rt.directory.resolve(call.identifier_type, call.identifier, call.token) if call else None
    try:
        if header is None and step is None:
            step = selector.pick(ctx)
        own = resolution.scenario if resolution is not None else None
        chosen = behaviour.choose(header, step, own, files)
    except StateUnavailable as error:
        return _judged(Decision(ctx, unavailable(error)), None, found)
    except Rejected as reason:
        return _judged(Decision(ctx, answers.rejected(reason), step=step), None, found)
    upstream = Forwarder(rt.upstream, environ, incoming)
    answer = build(rt, call, upstream, chosen, clock.anchor(moment))
    reply = upstream.reply
    if reply is not None and reply.failure is None:
        verdict = rt.verdicts_of_answers.judge(reply.status, reply.content_type, reply.body, rt.profile)
        judged = list(verdict.violations)
        found += judged
        if rt.recorder is not None and call is not None and verdict.success and not judged:
            _record(rt, rt.recorder, call, reply.body)
        if rt.strict and judged:
            problems = [v.problem() for v in judged]
            why = f"the upstream's answer breaks the contract: {problems[0].path}: {problems[0].message}"
            answer = Answer(502, answers.error_body(100, why, problems), 100)
    name = chosen.name if chosen is not None else None
    return _judged(Decision(ctx, answer, name, step), reply, found)


def _record(rt: Runtime, recorder: Recorder, call: Call, body: bytes) -> None:
    """Keep the answer; a directory that cannot be written is logged, the app's answer goes on."""
    try:
        recorder.keep(call, body)
    except OSError as error:
        rt.log.write({"event": "record-failed", "directory": str(recorder.directory), "error": str(error)})


def _without_token(found: list[Violation], raw: bytes) -> list[Violation]:
    """The request's violations with its token never repeated, in a message or as a value."""
    clean = records.token_cleaner(raw)
    if clean is None:
        return found
    return [
        replace(v, message=clean(v.message), value=clean(v.value) if isinstance(v.value, str) else v.value)
        for v in found
    ]


def _call(rt: Runtime, raw: bytes) -> Call | None:
    try:
        return rt.verdicts.parse(raw)
    except Rejected:
        return None


def build(
    rt: Runtime, call: Call | None, upstream: Forwarder, chosen: behaviour.Behaviour | None, anchor: datetime
) -> Answer:
    """Step 5: the upstream's answer, shaped by ``chosen`` (data variants reshape its sessions)."""
    if chosen is None:
        return upstream.answer()
    key = f"{call.identifier_type}:{call.identifier}" if call is not None else "anonymous"

    def success(variant: str, count: int | None) -> Answer:
        answer = upstream.answer()
        if answer.status != 200 or answer.code != 0:
            return answer  # nothing to reshape: the upstream's refusal or failure goes through
        body = reshape(rt.generator, key, anchor, answer.body, variant=variant, count=count)
        return answer if body is None else replace(answer, body=body, headers=dict(answer.headers))

    return effects.compose(chosen.parts, rt.mapping, rt.delays, upstream.answer, success)


def _judged(decision: Decision, reply: Reply | None, found: list[Violation]) -> Decision:
    """The decision with the count of violations on its answer and the journal's extra fields."""
    decision.answer = replace(
        decision.answer, headers={**decision.answer.headers, VIOLATIONS_HEADER: str(len(found))}
    )
    decision.extra = {
        "upstream": reply.describe() if reply is not None else None,
        "violations": [v.as_dict() for v in found],
    }
    return decision
