"""Session ids cost nothing to read: reading a session that holds nothing keeps nothing, in memory or in
Redis. What sessions really write is bounded: the memory store keeps the scripts of at most
``max_sessions`` sessions (the least recently used go first), and a session remembers the ids of at
most ``max_scripts`` file scripts."""

from __future__ import annotations

import uuid

import pytest
import redis
import requests

from mockserver.scenarios.state import MemoryStore, NewScript, RedisStore, Store
from tests.state.conftest import BACKENDS, make
from tests.state.mock_process import running
from tests.state.redis_server import RedisServer

READS = 2000


def _new(script_id: str, once: bool = False) -> NewScript:
    return NewScript(id=script_id, match={}, sequence=[{"scenario": "result-102", "times": 1}], once=once)


def _read_every_way(store: Store, session: str) -> None:
    """Every store call the admin API and the protocol path make for a session they only read (or reset:
    a session that holds nothing stays so)."""
    store.reset(session)
    store.scripts(session)
    store.script(session, "s-none")
    store.delete(session, "s-none")
    store.take(session, {"call": "user-get-recent-sessions", "identifier-type": "rfid", "identifier": "A"})
    store.read_journal(session)
    store.clear_journal(session)


def _size(store: Store) -> object:
    """What the store holds, counted by structure."""
    if isinstance(store, MemoryStore):
        return (len(store._sessions), len(store._journals), len(store._evicted), store._held)
    assert isinstance(store, RedisStore)
    return sorted(store._redis.scan_iter(match=f"{store.prefix}*"))


@pytest.mark.parametrize("backend", BACKENDS)
def test_reading_many_distinct_sessions_leaves_the_store_as_it_was(
    backend: str, redis_server: RedisServer
) -> None:
    store = make(backend, redis_server)
    try:
        store.install("kept", _new("s-kept"))
        store.append_entry("kept", {"id": "e1"})
        before = _size(store)
        for index in range(READS):
            _read_every_way(store, f"reader-{index}")
        assert _size(store) == before
    finally:
        store.close()


def test_the_memory_store_keeps_the_scripts_of_at_most_max_sessions_least_recently_used_first() -> None:
    store = MemoryStore(max_sessions=5)
    for index in range(50):
        store.install(f"writer-{index}", _new(f"s-{index}"))
        if index >= 1:
            store.scripts("writer-0")  # reading uses it: it stays while the others come and go
    assert len(store._sessions) == 5
    assert [s.script.id for s in store.scripts("writer-0")] == ["s-0"]
    assert store.scripts("writer-1") == []
    assert [s.script.id for s in store.scripts("writer-49")] == ["s-49"]
    state = store.describe()
    assert (state["max-script-sessions"], state["script-sessions"], state["script-sessions-evicted"]) == (
        5,
        5,
        45,
    )


def test_a_session_whose_last_script_is_deleted_holds_nothing() -> None:
    store = MemoryStore()
    store.install("brief", _new("s-1"))
    assert store.delete("brief", "s-1")
    assert len(store._sessions) == 0


def _once_ids(store: Store, session: str) -> int:
    if isinstance(store, MemoryStore):
        return len(store._sessions[session].once)
    assert isinstance(store, RedisStore)
    return int(store._redis.scard(store._key(session, "once")))


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_session_remembers_at_most_max_scripts_file_script_ids(
    backend: str, redis_server: RedisServer
) -> None:
    """A file script edited and reloaded again and again gets a new id each time; the old ids go."""
    store = make(backend, redis_server, max_scripts=3)
    try:
        for edit in range(20):
            assert store.install("files", _new(f"file-{edit}", once=True)) is not None
            store.delete("files", f"file-{edit}")  # the reload that replaces it
        assert _once_ids(store, "files") == 3
        assert store.install("files", _new("file-19", once=True)) is None  # the newest still counts
    finally:
        store.close()


def test_a_reset_leaves_no_redis_key_of_the_session(redis_server: RedisServer) -> None:
    store = make("redis", redis_server)
    assert isinstance(store, RedisStore)
    try:
        store.install("short-lived", _new("s-1"))
        store.install("short-lived", _new("file-1", once=True))
        store.reset("short-lived")
        assert list(store._redis.scan_iter(match=f"{store.prefix}*")) == []
    finally:
        store.close()


def _read_through_the_admin_api(base: str, session: str) -> None:
    headers = {"X-Mock-Session": session}
    with requests.Session() as http:
        for method, path in (
            ("GET", "/scenarios/scripts"),
            ("GET", "/scenarios/scripts/s-none"),
            ("DELETE", "/scenarios/scripts/s-none"),
            ("GET", "/requests"),
            ("DELETE", "/requests"),
            ("DELETE", "/scenarios"),
            ("GET", "/state"),
        ):
            answer = http.request(method, f"{base}/__mock{path}", headers=headers, timeout=30)
            assert answer.status_code < 500, answer.text


def _reads(base: str, count: int) -> None:
    run = uuid.uuid4().hex[:8]
    for index in range(count):
        _read_through_the_admin_api(base, f"reader-{run}-{index}")


def test_a_real_mock_read_with_many_session_ids_holds_no_more_sessions() -> None:
    with running() as mock:

        def held() -> object:
            state = mock.admin("GET", "/state").json()
            return state["script-sessions"], state["journals"], state["journal-entries"]

        mock.admin("POST", "/scenarios/script", "kept", json={"sequence": [{"scenario": "ok"}]})
        before = held()
        _reads(mock.base, READS // 10)
        assert held() == before


def test_a_real_mock_read_with_many_session_ids_writes_no_redis_key(redis_server: RedisServer) -> None:
    client = redis.Redis.from_url(redis_server.url)
    try:
        with running(["--state", redis_server.url, "--workers", "2"]) as mock:
            mock.admin("POST", "/scenarios/script", "kept", json={"sequence": [{"scenario": "ok"}]})
            before = sorted(client.scan_iter(match="mock:*"))
            _reads(mock.base, READS // 10)
            assert sorted(client.scan_iter(match="mock:*")) == before
    finally:
        client.close()
