"""The selector the server asks on every protocol request: scripted scenario, and the journal."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from mockserver.state.base import Store, Taken, valid_session
from mockserver.state.model import DEFAULT_SESSION, iso, probe

# The journal keeps this much of a request body (the rest is counted, not kept): memory stays bounded.
MAX_BODY_CHARS = 8192


class RequestLike(Protocol):
    """What the selector reads of mockserver.context.RequestContext."""

    @property
    def call(self) -> str | None: ...
    @property
    def identifier_type(self) -> str | None: ...
    @property
    def identifier(self) -> str | None: ...
    @property
    def session(self) -> str | None: ...


def session_of(header: str | None) -> str:
    """The session an ``X-Mock-Session`` value names (no header: the default session).

    An id the admin API would refuse is hashed, so it still isolates without making odd keys.
    """
    if not header:
        return DEFAULT_SESSION
    if valid_session(header):
        return header
    return "invalid-" + hashlib.sha256(header.encode("utf-8", "replace")).hexdigest()[:32]


class Selector:
    """``pick`` consumes one scripted step; ``record`` appends to the journal.

    Both raise StateUnavailable when the store cannot be reached.

    ``before_pick`` runs first on every pick (the scenario-file loader uses it to finish an
    installation that failed while the backend was down).
    """

    def __init__(self, store: Store, before_pick: Callable[[], None] | None = None):
        self.store = store
        self._before_pick = before_pick

    def pick(self, ctx: RequestLike) -> Taken | None:
        """The step taken for this request (its ``scenario``; the journal entry names script and step)."""
        if self._before_pick is not None:
            self._before_pick()
        return self.store.take(session_of(ctx.session), probe(ctx.call, ctx.identifier_type, ctx.identifier))

    def record(self, entry: Mapping[str, Any]) -> None:
        full = dict(entry)
        session = session_of(full.get("session"))
        full["session"] = session
        if "id" not in full:
            full["id"] = os.urandom(8).hex()
        if "time" not in full:
            full["time"] = iso(time.time())
        body = full.get("body")
        if isinstance(body, str) and len(body) > MAX_BODY_CHARS:
            full["body"] = body[:MAX_BODY_CHARS]
            full["body-truncated-from"] = len(body)
        self.store.record(session, full)
