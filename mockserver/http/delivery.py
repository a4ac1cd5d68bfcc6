"""Journalling and delivering an answer: delay, break the connection or send; self-check; journal and log.

Every way a protocol request is answered ends here (``deliver``), and the Flask side's JSON errors use
the same pieces (``journal``, ``send``, ``check_answer``), so a journal entry never depends on which
way a request went.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from wsgiref.types import StartResponse

from mockserver import answers
from mockserver.answers import Answer
from mockserver.errors import StateUnavailable
from mockserver.http import hotpath, journal_entries, selfcheck
from mockserver.scenarios import transport
from mockserver.scenarios.selector import RequestContext, Selector
from mockserver.scenarios.state.base import ScriptStep

if TYPE_CHECKING:
    from mockserver.http.runtime import Runtime


@dataclass
class Decision:
    """The answer a request gets, with what the journal needs and what the cache may keep."""

    ctx: RequestContext
    answer: Answer
    scenario: str | None = None
    step: ScriptStep | None = None
    keep: hotpath.Keeper | None = None
    extra: dict[str, Any] | None = None  # more for the journal entry (proxy mode: upstream, violations)


def deliver(
    rt: Runtime,
    selector: Selector,
    environ: dict[str, Any],
    start_response: StartResponse,
    decision: Decision,
    *,
    started: float,
) -> Iterable[bytes]:
    """Delay, break the connection or send the answer; self-check; journal and log entry.

    The cache keeps the answer (``decision.keep``) once it is journalled and passed self-check.
    """
    answer, keep = decision.answer, decision.keep
    if answer.delay_s > 0:
        time.sleep(answer.delay_s)
    broken = False
    kind = answer.transport
    if kind is not None:
        sock = transport.connection(environ)
        if sock is None:
            error = (
                f"scenario {decision.scenario} breaks the connection, which needs the client's socket, and "
                "this server does not hand it to the app: start the mock with --server gunicorn (the default)"
            )
            answer = Answer(501, answers.error_body(100, error), 100)
        else:
            _TRANSPORTS[kind](sock)
            broken = True
    if rt.self_check and check_answer(rt, answer):
        keep = None
    entry = journal_entries.entry(
        environ.get("REQUEST_METHOD", ""),
        environ.get("PATH_INFO", ""),
        decision.ctx,
        answer,
        scenario=decision.scenario,
        started=started,
        secrets=rt.secrets,
        step=decision.step,
    )
    if decision.extra:
        entry.update(decision.extra)
    replaced = journal(selector, entry, decision.step)
    if replaced is not None:
        answer, keep, broken = replaced, None, False
    if keep is not None:
        keep(answer)
    rt.log.write(journal_entries.log_line(entry, started))
    if broken:  # nothing more can be sent; the server's write fails as if the client went away
        start_response("200 OK", [])
        return [b""]
    return send(environ, start_response, answer)


_TRANSPORTS = {"reset": transport.reset, "close": transport.close}


def journal(selector: Selector, entry: dict[str, Any], step: ScriptStep | None = None) -> Answer | None:
    """Journal ``entry``; when the store cannot, the 503 that replaces the answer (entry updated), and
    ``step``, the scripted step the answer came from, is given back."""
    try:
        selector.journal(entry, step)
    except StateUnavailable as error:
        answer = answers.unavailable(str(error))
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
