"""Proxy mode (``--upstream``): the source of ``http.pipeline`` whose normal answer is the upstream's.

The same line as the mock's own answers (``http.pipeline``), with these differences (docs/proxy.md, D45):

- parse: the partner key is the upstream's to judge; the app's request is validated
  (``proxy.validation``) instead of refused: only the mock's own headers (``X-Mock-Session``,
  ``X-Mock-Scenario``, ``X-Mock-Now``) and a body over ``--max-body-bytes`` are answered by the mock.
  With ``--upstream-strict`` a request that breaks the contract is answered 400/230 and never forwarded.
- build: the answer without a scenario is the upstream's (forwarded at most once, only when a scenario
  needs it: an HTTP error or a result code never reaches the upstream); data scenarios reshape it.
- the upstream's answer is validated; with ``--upstream-strict`` a bad one becomes a 502.
- every answer carries ``X-Mock-Violations``; the journal keeps the upstream's reply and the violations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mockserver import answers
from mockserver.answers import Answer
from mockserver.data.reshape import reshape
from mockserver.errors import Rejected
from mockserver.http import journal_entries
from mockserver.http.delivery import Decision
from mockserver.http.incoming import Incoming
from mockserver.identity import parsing
from mockserver.identity.parsing import Call
from mockserver.identity.users import Resolution
from mockserver.proxy import forward, validation
from mockserver.proxy.forward import Reply, Upstream
from mockserver.proxy.recording import Recorder
from mockserver.proxy.validation import Violation
from mockserver.scenarios import effects
from mockserver.scenarios.behaviour import Behaviour

if TYPE_CHECKING:
    from mockserver.http.runtime import Runtime

VIOLATIONS_HEADER = "X-Mock-Violations"


class Forwarded:
    """One request in proxy mode: its violations, and the upstream's answer, asked for at most once."""

    def __init__(self, rt: Runtime, upstream: Upstream, environ: dict[str, Any], incoming: Incoming) -> None:
        self.rt = rt
        self.upstream = upstream
        self.environ = environ
        self.incoming = incoming
        self.reply: Reply | None = None
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
        self.found = _without_token(validation.request_violations(sent), incoming.raw)
        self.known = _call(rt, incoming.raw)

    @classmethod
    def opener(
        cls, rt: Runtime, upstream: Upstream, environ: dict[str, Any]
    ) -> Callable[[Incoming], Forwarded]:
        return lambda incoming: cls(rt, upstream, environ, incoming)

    def authorize(self, incoming: Incoming) -> None:
        pass  # the partner key goes upstream: the upstream judges it

    def admit(self, incoming: Incoming) -> Call | None:
        if incoming.too_big:  # what was not read cannot be forwarded
            raise parsing.too_large(self.rt.max_body)
        if self.rt.strict and self.found:
            problems = [v.problem() for v in self.found]
            raise Rejected(400, 230, f"Invalid request format: {problems[0].message}", problems)
        return self.known

    def answer(self) -> Answer:
        if self.reply is None:
            environ = self.environ
            self.reply = self.upstream.forward(
                environ.get("REQUEST_METHOD", ""),
                environ.get("PATH_INFO", ""),
                environ.get("QUERY_STRING", ""),
                journal_entries.headers_of(environ, redacted=False),
                self.incoming.raw,
            )
        return forward.as_answer(self.reply, self.upstream.timeout)

    def build(
        self, call: Call | None, resolution: Resolution | None, chosen: Behaviour | None, anchor: datetime
    ) -> Answer:
        """Step 5: the upstream's answer, shaped by ``chosen`` (data variants reshape its sessions)."""
        if chosen is None:
            return self.answer()
        key = f"{call.identifier_type}:{call.identifier}" if call is not None else "anonymous"

        def success(variant: str, count: int | None) -> Answer:
            answer = self.answer()
            if answer.status != 200 or answer.code != 0:
                return answer  # nothing to reshape: the upstream's refusal or failure goes through
            body = reshape(self.rt.generator, key, anchor, answer.body, variant=variant, count=count)
            return answer if body is None else replace(answer, body=body, headers=dict(answer.headers))

        return effects.compose(chosen.parts, self.rt.mapping, self.rt.delays, self.answer, success)

    def judged(self, decision: Decision) -> Decision:
        """The upstream's answer judged (recorded when clean, a 502 in strict mode when not), the count of
        violations on the app's answer and the journal's extra fields."""
        rt, reply, found = self.rt, self.reply, list(self.found)
        if reply is not None and reply.failure is None:
            verdict = rt.answer_judge.judge(reply.status, reply.content_type, reply.body, rt.profile)
            judged = list(verdict.violations)
            found += judged
            call = self.known
            if rt.recorder is not None and call is not None and verdict.success and not judged:
                _record(rt, rt.recorder, call, reply.body)
            if rt.strict and judged:
                problems = [v.problem() for v in judged]
                why = f"the upstream's answer breaks the contract: {problems[0].path}: {problems[0].message}"
                decision.answer = Answer(502, answers.error_body(100, why, problems), 100)
        decision.answer = replace(
            decision.answer, headers={**decision.answer.headers, VIOLATIONS_HEADER: str(len(found))}
        )
        decision.extra = {
            "upstream": reply.describe() if reply is not None else None,
            "violations": [v.as_dict() for v in found],
        }
        return decision


def _record(rt: Runtime, recorder: Recorder, call: Call, body: bytes) -> None:
    """Keep the answer; a directory that cannot be written is logged, the app's answer goes on."""
    try:
        recorder.keep(call, body)
    except OSError as error:
        rt.log.write({"event": "record-failed", "directory": str(recorder.directory), "error": str(error)})


def _without_token(found: list[Violation], raw: bytes) -> list[Violation]:
    """The request's violations with its token never repeated, in a message or as a value."""
    clean = journal_entries.token_cleaner(raw)
    if clean is None:
        return found
    return [
        replace(v, message=clean(v.message), value=clean(v.value) if isinstance(v.value, str) else v.value)
        for v in found
    ]


def _call(rt: Runtime, raw: bytes) -> Call | None:
    try:
        return rt.parser.parse(raw)
    except Rejected:
        return None
