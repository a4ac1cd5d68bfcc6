"""The default scenario selector: no scripts, no journal. mockserver.admin installs the real one."""

from __future__ import annotations

from typing import Any, Protocol

from mockserver.context import RequestContext


class Selector(Protocol):
    """What the request handler asks: ``pick`` (consume one scripted step) and ``record`` (journal)."""

    def pick(self, ctx: RequestContext) -> str | None: ...

    def record(self, entry: dict[str, Any]) -> None: ...


class NoScripts:
    """Picks nothing and keeps nothing."""

    def pick(self, ctx: RequestContext) -> str | None:
        return None

    def record(self, entry: dict[str, Any]) -> None:
        return None
