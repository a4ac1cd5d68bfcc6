"""The stateful half of the scenario engine: scripts, isolation by session, the journal, and stores.

Public API:

- ``make_store(url, journal_size, max_scripts, journal_total, max_sessions, run_dir)``: ``memory`` or
  ``redis://...`` -> a ``Store``; ``check_url(url)`` refuses a URL that names none, without contacting
  anything.
- ``Store`` (``MemoryStore``, ``RedisStore``): scripts and a journal ring per session.
- ``NewScript``, ``StoredScript``, ``ScriptStep``, ``SessionJournal``: values the stores take and return.
- ``Store.counters``: counts that add up across workers (``counters``).
- ``journal``: filters and verification; ``schemas``: the admin and scenario-file schemas.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from redis.connection import Connection, parse_url

from mockserver.scenarios.state.base import (
    DEFAULT_JOURNAL_SIZE,
    DEFAULT_MAX_SCRIPTS,
    NewScript,
    ScriptStep,
    SessionJournal,
    Store,
    valid_session,
)
from mockserver.scenarios.state.errors import BadStateUrl, StateUnavailable, TooManyScripts
from mockserver.scenarios.state.memory import DEFAULT_JOURNAL_TOTAL, DEFAULT_MAX_SESSIONS, MemoryStore
from mockserver.scenarios.state.model import DEFAULT_SESSION, Script, StoredScript
from mockserver.scenarios.state.redis_store import RedisStore, redact
from mockserver.settings import is_memory

__all__ = [
    "DEFAULT_SESSION",
    "BadStateUrl",
    "MemoryStore",
    "NewScript",
    "RedisStore",
    "Script",
    "ScriptStep",
    "SessionJournal",
    "StateUnavailable",
    "Store",
    "StoredScript",
    "TooManyScripts",
    "check_url",
    "make_store",
    "valid_session",
]

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
_DATABASE = re.compile(r"/?[0-9]*")


def check_url(url: str | None) -> None:
    """Raise BadStateUrl unless ``url`` names a store: ``memory`` (None, empty) or a Redis URL that
    redis-py can connect with. Nothing is contacted."""
    if is_memory(url):
        return
    assert url is not None
    shown = redact(url)
    if not url.startswith(REDIS_SCHEMES):
        raise BadStateUrl(
            f"{shown!r}: use 'memory' or a Redis URL (redis://host:port/db, rediss://, unix://)"
        )
    parts = urlsplit(url)
    if parts.scheme == "unix" and not parts.path:
        raise BadStateUrl(f"{shown!r}: give the socket's path (unix:///run/redis/redis.sock)")
    if parts.scheme != "unix" and not _DATABASE.fullmatch(parts.path):
        raise BadStateUrl(f"{shown!r}: the path is the database number (redis://host:port/0)")
    try:
        options = parse_url(url)  # type: ignore[no-untyped-call]  # redis-py leaves it untyped
        connection = options.pop("connection_class", Connection)
        connection(**options)  # builds the connection without opening it
    except ValueError as error:
        raise BadStateUrl(f"{shown!r}: {error}") from None
    except TypeError as error:  # a query parameter the connection does not take: name it, not redis-py
        given = list(parse_qs(parts.query))
        unknown = [name for name in given if f"'{name}'" in str(error)] or given
        raise BadStateUrl(
            f"{shown!r}: unknown query parameter {', '.join(map(repr, unknown))} "
            "(a Redis URL takes redis-py's connection options, e.g. socket_timeout, health_check_interval)"
        ) from None


def make_store(
    url: str | None,
    journal_size: int = DEFAULT_JOURNAL_SIZE,
    max_scripts: int = DEFAULT_MAX_SCRIPTS,
    journal_total: int = DEFAULT_JOURNAL_TOTAL,
    *,
    max_sessions: int = DEFAULT_MAX_SESSIONS,
    run_dir: str | None = None,
) -> Store:
    """The store ``url`` names: ``memory`` (or None/empty) or a Redis URL such as ``redis://host:6379/0``.

    Raises BadStateUrl (a ConfigError naming ``MOCK_STATE``) for anything else. ``journal_total`` and
    ``max_sessions`` bound the memory store's journals and script sessions; Redis bounds its own memory.
    ``run_dir``: where the memory store's counters meet those of the server's other workers (Redis
    counts in Redis).
    """
    check_url(url)
    if is_memory(url):
        return MemoryStore(
            journal_size, max_scripts, journal_total, max_sessions=max_sessions, run_dir=run_dir
        )
    assert url is not None
    return RedisStore(url, journal_size, max_scripts)
