"""The stateful half of the scenario engine: scripts, isolation by session, the journal, and stores.

Public API:

- ``make_store(url, journal_size, max_scripts)``: ``memory`` or ``redis://...`` -> a ``Store``.
- ``Store`` (``MemoryStore``, ``RedisStore``): scripts and a journal ring per session.
- ``Selector``: what the server calls per request (``pick``, ``record``).
- ``NewScript``, ``Stored``, ``Taken``: values the stores take and return.
- ``journal``: filters and verification; ``schemas``: the admin and scenario-file schemas.
"""

from __future__ import annotations

from mockserver.state.base import (
    DEFAULT_JOURNAL_SIZE,
    DEFAULT_MAX_SCRIPTS,
    NewScript,
    Store,
    Taken,
    valid_session,
)
from mockserver.state.errors import BadStateUrl, StateUnavailable, TooManyScripts
from mockserver.state.memory import MemoryStore
from mockserver.state.model import DEFAULT_SESSION, Script, Stored
from mockserver.state.redis_store import RedisStore
from mockserver.state.selector import Selector, session_of

__all__ = [
    "DEFAULT_SESSION",
    "BadStateUrl",
    "MemoryStore",
    "NewScript",
    "RedisStore",
    "Script",
    "Selector",
    "StateUnavailable",
    "Store",
    "Stored",
    "Taken",
    "TooManyScripts",
    "make_store",
    "session_of",
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
