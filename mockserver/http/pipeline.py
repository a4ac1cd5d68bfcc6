"""Steps 1 to 5 of every protocol request, in the mock and in proxy mode alike.

One line, called in order by ``decide``; what differs between the two modes is the ``Source`` passed in,
where the normal answer comes from:

1. read       ``http.incoming.read``   method, headers, at most ``--max-body-bytes`` of body
2. parse      ``Source.authorize`` (the API key), then the mock's own headers (``X-Mock-Session``,
              ``X-Mock-Scenario``, ``X-Mock-Now``), then ``Source.admit`` (Content-Type, size, the call):
              the order of the errors a client sees
3. identify   ``identity.users``       the directory user, a magic value, or an unknown user
4. choose     ``scenarios.behaviour``  the header, a scripted step, the user's own scenario, or none
5. build      ``Source.build``         the normal answer (generated, or the upstream's), shaped by the
              behaviour; ``Source.judged`` adds what the source knows of it (proxy mode: violations)

Steps 6 and 7 (journal, deliver) are ``http.delivery.deliver``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import spec
from mockserver import answers
from mockserver.answers import Answer
from mockserver.data import clock
from mockserver.errors import Rejected, StateUnavailable
from mockserver.http import hotpath, journal_entries
from mockserver.http.delivery import Decision
from mockserver.http.incoming import Incoming, read
from mockserver.identity.parsing import Call
from mockserver.identity.users import Resolution
from mockserver.scenarios import behaviour
from mockserver.scenarios.behaviour import Behaviour, Compositions
from mockserver.scenarios.selector import Selector
from mockserver.scenarios.state.base import SESSION_HEADER, ScriptStep, session_problem

if TYPE_CHECKING:
    from mockserver.http.runtime import Runtime


class Source(Protocol):
    """Where one request's normal answer comes from, and the checks that belong to it."""

    @property
    def known(self) -> Call | None:
        """The call as far as it is known before step 2's checks (the journal's context of a refusal)."""

    def authorize(self, incoming: Incoming) -> None:
        """The partner's credentials, first of step 2 (Rejected when refused)."""

    def admit(self, incoming: Incoming) -> Call | None:
        """The rest of step 2 after the mock's own headers: the call, or Rejected."""

    def build(
        self, call: Call | None, resolution: Resolution | None, chosen: Behaviour | None, anchor: datetime
    ) -> Answer:
        """Step 5: the normal answer shaped by ``chosen``."""

    def judged(self, decision: Decision) -> Decision:
        """The decision with what the source adds to every answer and journal entry."""


def decide(
    rt: Runtime,
    environ: dict[str, Any],
    source_of: Callable[[Incoming], Source],
    *,
    allowed: tuple[str, ...] | None,
    selector: Selector,
    files: Compositions | None,
    base: hotpath.BaseKey | None = None,
    step: ScriptStep | None = None,
) -> Decision:
    """Steps 1 to 5 for one request. ``source_of(incoming)`` gives the request's Source; ``allowed``: the
    methods answered (None: every one); ``base``: the answer cache's key, when it may keep the answer;
    ``step``: a scripted step the cache lookup already consumed."""
    # 1. read
    method = environ.get("REQUEST_METHOD", "")
    if allowed is not None and method not in allowed:
        incoming: Incoming | Answer = answers.method_not_allowed(method, allowed)
    else:
        incoming = read(environ, rt.max_body, base[3] if base is not None else None)
    if isinstance(incoming, Answer):  # refused: a method not answered, a body that cannot be read
        return Decision(journal_entries.context(None, b"", environ), incoming)
    source: Source = source_of(incoming)
    # 2. parse
    now = clock.now(rt.pin)
    try:
        source.authorize(incoming)
        check_session(incoming.session)
        header = behaviour.from_header(incoming.scenario, files)
        moment = clock.requested(incoming.now, now)
        call = source.admit(incoming)
    except Rejected as reason:  # decided by the cache key alone (a scenario header is never cached)
        ctx = journal_entries.context(source.known, incoming.raw, environ)
        answer = answers.rejected(journal_entries.without_token(reason, incoming.raw))
        return source.judged(Decision(ctx, answer, keep=hotpath.keeper(rt.answers, base, now, None)))
    ctx = journal_entries.context(call, incoming.raw, environ)
    # 3. identify
    resolution = rt.directory.resolve(call.identifier_type, call.identifier, call.token) if call else None
    # 4. choose
    try:
        if header is None and step is None:
            step = selector.pick(ctx)
        own = resolution.scenario if resolution is not None else None
        chosen = behaviour.choose(header, step, own, files)
    except StateUnavailable as error:
        return source.judged(Decision(ctx, answers.unavailable(str(error))))
    except Rejected as reason:
        return source.judged(Decision(ctx, answers.rejected(reason), step=step))
    # 5. build
    answer = source.build(call, resolution, chosen, clock.anchor(moment))
    if chosen is None:
        return source.judged(Decision(ctx, answer, keep=hotpath.keeper(rt.answers, base, moment, call)))
    return source.judged(Decision(ctx, answer, chosen.name, step))


_SESSION_PATH = spec.header_path(SESSION_HEADER)


def check_session(value: str | None) -> None:
    """An ``X-Mock-Session`` that cannot name a session is refused, in either mode."""
    problem = session_problem(value, _SESSION_PATH)
    if problem is not None:
        raise Rejected(400, 230, f"Invalid request format: {problem.message}", [problem])
