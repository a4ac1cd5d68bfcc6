"""The default scenario selector: no scripts, no journal. mockserver.admin installs the real one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from mockserver.context import RequestContext

if TYPE_CHECKING:
    from mockserver.state.base import Taken


class Selector(Protocol):
    """What the request handler asks: ``pick`` (consume one scripted step) and ``record`` (journal)."""

    def pick(self, ctx: RequestContext) -> Taken | None: ...

    def record(self, entry: dict[str, Any]) -> None: ...


class NoScripts:
    """Picks nothing and keeps nothing."""

    def pick(self, ctx: RequestContext) -> Taken | None:
        return None

    def record(self, entry: dict[str, Any]) -> None:
        return None
