"""The stateful half of the scenario engine: scripts, isolation by session, the journal, and stores.

Public API:

- ``make_store(url, journal_size, max_scripts)``: ``memory`` or ``redis://...`` -> a ``Store``.
- ``Store`` (``MemoryStore``, ``RedisStore``): scripts and a journal ring per session.
- ``NewScript``, ``StoredScript``, ``ScriptStep``: values the stores take and return.
- ``journal``: filters and verification; ``schemas``: the admin and scenario-file schemas.
"""

from __future__ import annotations

from mockserver.scenarios.state.base import (
    DEFAULT_JOURNAL_SIZE,
    DEFAULT_MAX_SCRIPTS,
    NewScript,
    ScriptStep,
    Store,
    valid_session,
)
from mockserver.scenarios.state.errors import BadStateUrl, StateUnavailable, TooManyScripts
from mockserver.scenarios.state.memory import MemoryStore
from mockserver.scenarios.state.model import DEFAULT_SESSION, Script, StoredScript
from mockserver.scenarios.state.redis_store import RedisStore

__all__ = [
    "DEFAULT_SESSION",
    "BadStateUrl",
    "MemoryStore",
    "NewScript",
    "RedisStore",
    "Script",
    "ScriptStep",
    "StateUnavailable",
    "Store",
    "StoredScript",
    "TooManyScripts",
    "make_store",
    "valid_session",
]

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def make_store(
    url: str | None, journal_size: int = DEFAULT_JOURNAL_SIZE, max_scripts: int = DEFAULT_MAX_SCRIPTS
) -> Store:
    """The store ``url`` names: ``memory`` (or None/empty) or a Redis URL such as ``redis://host:6379/0``."""
    if not url or url == "memory":
        return MemoryStore(journal_size, max_scripts)
    if url.startswith(REDIS_SCHEMES):
        return RedisStore(url, journal_size, max_scripts)
    raise BadStateUrl(f"MOCK_STATE={url!r}: use 'memory' or a Redis URL (redis://host:port/db)")
