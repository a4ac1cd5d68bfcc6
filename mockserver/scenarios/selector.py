"""What the protocol endpoint asks of the scenario engine on every request: a scripted step, and the journal.

``Selector`` is the interface; ``NoScripts`` answers it with nothing (an app without the engine's
state, e.g. in unit tests); ``StoreSelector`` answers it from a store (memory or Redis), which the
admin API installs.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from mockserver.scenarios.state.base import ScriptStep, Store, valid_session
from mockserver.scenarios.state.model import DEFAULT_SESSION, iso, probe

# The journal keeps this much of a request body (the rest is counted, not kept): memory stays bounded.
MAX_BODY_CHARS = 8192


@dataclass(frozen=True)
class RequestContext:
    """One protocol request, as far as it could be understood.

    Fields that could not be read (bad input, failed authentication) are None. ``headers`` has the
    API key already redacted; ``session`` is the ``X-Mock-Session`` header.
    """

    call: str | None
    identifier_type: str | None
    identifier: str | None
    session: str | None
    headers: Mapping[str, str]
    raw_body_text: str


class Selector(Protocol):
    """What the endpoint asks: ``pick`` (consume one scripted step) and ``journal`` (journal)."""

    def pick(self, ctx: RequestContext) -> ScriptStep | None: ...

    def journal(self, entry: dict[str, Any], step: ScriptStep | None = None) -> None: ...


class NoScripts:
    """Picks nothing and keeps nothing."""

    def pick(self, ctx: RequestContext) -> ScriptStep | None:
        return None

    def journal(self, entry: dict[str, Any], step: ScriptStep | None = None) -> None:
        return None


def session_of(header: str | None) -> str:
    """The session an ``X-Mock-Session`` value names (no header: the default session).

    The endpoint refuses a request whose header is not a usable id (``session_problem``) before it
    picks a step, and ``journal`` journals it nowhere (as a base URL with a bad id).
    """
    if header is None or not valid_session(header):
        return DEFAULT_SESSION
    return header


class StoreSelector:
    """``pick`` consumes one scripted step from the store; ``journal`` appends to the journal.

    Both raise StateUnavailable when the store cannot be reached (then ``journal`` gives the step back).

    ``before_pick`` runs first on every pick (the scenario engine uses it to finish installing file
    scripts that failed while the backend was down).
    """

    def __init__(self, store: Store, before_pick: Callable[[], None] | None = None):
        self.store = store
        self._before_pick = before_pick

    def pick(self, ctx: RequestContext) -> ScriptStep | None:
        """The step taken for this request (its ``scenario``; the journal entry names script and step)."""
        if self._before_pick is not None:
            self._before_pick()
        return self.store.take(session_of(ctx.session), probe(ctx.call, ctx.identifier_type, ctx.identifier))

    def journal(self, entry: Mapping[str, Any], step: ScriptStep | None = None) -> None:
        """Append ``entry`` to its session's journal; an entry of an unusable session id is kept nowhere.

        ``step``: the step ``pick`` took for this answer; it stays taken only if the entry is written.
        """
        named = entry.get("session")
        if named is not None and not valid_session(named):
            return
        full = dict(entry)
        session = session_of(named)
        full["session"] = session
        if "id" not in full:
            full["id"] = os.urandom(8).hex()
        if "time" not in full:
            full["time"] = iso(time.time())
        body = full.get("body")
        if isinstance(body, str) and len(body) > MAX_BODY_CHARS:
            full["body"] = body[:MAX_BODY_CHARS]
            full["body-truncated-from"] = len(body)
        self.store.append_entry(session, full, step)
