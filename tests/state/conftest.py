"""Fixtures of the shared-state tests: a real redis-server (session-wide) and stores on both backends."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from mockserver.scenarios.state import MemoryStore, RedisStore, Store
from tests.state.redis_server import RedisServer

BACKENDS = ("memory", "redis")


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A redis-server for one test alone: one that the test pauses or stops."""
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()  # fails with an install hint when redis-server is missing; never skips
    server.start()
    yield server
    server.stop()


def make(backend: str, redis_server: RedisServer, journal_size: int = 1000, max_scripts: int = 1000) -> Store:
    if backend == "memory":
        return MemoryStore(journal_size, max_scripts)
    # A fresh key prefix per store: tests share one redis-server without seeing each other.
    return RedisStore(redis_server.url, journal_size, max_scripts, prefix=f"t{uuid.uuid4().hex[:8]}:")
