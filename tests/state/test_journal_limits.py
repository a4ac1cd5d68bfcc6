"""How much journal the state keeps, and what a dropped journal reads as. Memory: a ring per session and
a total shared by every session, beyond which the least recently used session's journal goes first.
Redis: a ring per session that expires when idle (or that Redis evicts). Either way, a journal dropped
without being cleared reads as evicted."""

from __future__ import annotations

import time
import uuid

import pytest
import redis

from mockserver.scenarios.state import MemoryStore, RedisStore, SessionJournal
from tests.state.mock_process import Mock, running
from tests.state.redis_server import RedisServer


def _sessions(count: int) -> list[str]:
    run = uuid.uuid4().hex[:8]
    return [f"test-{run}-{index:03d}" for index in range(count)]


def _count(mock: Mock, session: str) -> int:
    count: int = mock.admin("GET", "/requests", session).json()["count"]
    return count


def test_a_suite_with_one_session_per_test_keeps_every_test_s_journal() -> None:
    """With the defaults, 300 tests of a few requests each all keep their history."""
    with running() as mock:
        sessions = _sessions(300)
        for session in sessions:
            mock.call("0A0B0C", session=session)
            mock.call("0A0B0D", session=session)
        assert [s for s in sessions if _count(mock, s) != 2] == []
        verified = mock.admin(
            "POST", "/requests/verify", sessions[0], json={"match": {"identifier": "0A0B0C"}, "exactly": 1}
        )
        assert verified.status_code == 200, verified.text


def test_the_least_recently_used_session_goes_first_and_the_state_shows_the_limits() -> None:
    with running(["--journal-size", "5", "--journal-total", "20"]) as mock:
        a, b, c, d, e = _sessions(5)
        for session in (a, b, c, d):
            for index in range(5):
                mock.call(f"0C{index:02d}", session=session)
        assert _count(mock, a) == 5  # reading a journal uses it: b is now the least recently used
        mock.call("0E00", session=e)  # 21 entries: one session's journal must go
        assert [_count(mock, s) for s in (a, b, c, d, e)] == [5, 0, 5, 5, 1]
        state = mock.admin("GET", "/state").json()
        assert (state["journal-size"], state["journal-total"]) == (5, 20)
        assert (state["journals"], state["journal-entries"]) == (4, 16)


def test_the_memory_store_holds_at_most_its_total() -> None:
    store = MemoryStore(journal_size=3, journal_total=7)
    for index in range(40):
        store.append_entry(f"s{index % 5}", {"id": index})
        held = sum(len(store.entries(f"s{n}")) for n in range(5))
        assert held <= 7
        assert store.describe()["journal-entries"] == held
    assert [e["id"] for e in store.entries("s4")] == [39, 34, 29]  # a ring: the newest 3


def test_clearing_a_journal_frees_its_room() -> None:
    store = MemoryStore(journal_size=2, journal_total=4)
    for session in ("a", "a", "b", "b"):
        store.append_entry(session, {"session": session})
    assert store.clear_journal("a") == 2
    store.append_entry("c", {"session": "c"})
    store.append_entry("c", {"session": "c"})
    assert [len(store.entries(s)) for s in ("a", "b", "c")] == [0, 2, 2]  # nothing dropped from b


def test_a_total_smaller_than_one_journal_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one whole journal"):
        MemoryStore(journal_size=10, journal_total=9)


def test_an_evicted_journal_says_so_in_the_listing_and_in_verify() -> None:
    with running(["--journal-size", "5", "--journal-total", "10"]) as mock:
        a, b, c = _sessions(3)
        for session in (a, b):
            for index in range(5):
                mock.call(f"0D{index:02d}", session=session)
        mock.call("0D99", session=c)  # a, the least recently used, goes

        listed = mock.admin("GET", "/requests", a).json()
        assert (listed["count"], listed["evicted"]) == (0, True)
        assert f"the journal of session {a!r} was evicted" in listed["message"]
        assert "--journal-total (MOCKSERVER_JOURNAL_TOTAL)" in listed["message"]
        assert mock.admin("GET", "/requests", b).json()["evicted"] is False
        assert "message" not in mock.admin("GET", "/requests", b).json()

        def verify(body: dict[str, object]) -> tuple[int, dict[str, object]]:
            answer = mock.admin("POST", "/requests/verify", a, json=body)
            return answer.status_code, answer.json()

        status, body = verify({"match": {"identifier": "0D00"}})
        assert (status, body["matched"], body["count"], body["evicted"]) == (409, False, 0, True)
        assert str(body["message"]).startswith(f"the journal of session {a!r} was evicted")
        status, body = verify({"match": {"identifier": "0D00"}, "exactly": 0})
        assert (status, body["matched"]) == (409, False)  # the dropped requests may have matched

        mock.call("0D00", session=a)  # written again: still not its whole history
        listed = mock.admin("GET", "/requests", a).json()
        assert (listed["count"], listed["evicted"]) == (1, True)
        status, body = verify({"match": {"identifier": "0D00"}, "at-least": 1})
        assert (status, body["matched"]) == (200, True)  # more requests could only add to the count
        status, body = verify({"match": {"identifier": "0D00"}, "at-most": 1})
        assert (status, body["matched"]) == (409, False)

        assert mock.admin("DELETE", "/requests", a).json()["removed"] == 1
        listed = mock.admin("GET", "/requests", a).json()  # cleared: a fresh, whole journal
        assert (listed["count"], listed["evicted"]) == (0, False)
        status, body = verify({"match": {"identifier": "0D00"}, "exactly": 0})
        assert (status, body["matched"], body["evicted"]) == (200, True, False)
        assert mock.admin("GET", "/state").json()["journals-evicted"] == 1


def test_the_memory_store_remembers_a_bounded_number_of_evicted_sessions() -> None:
    store = MemoryStore(journal_size=1, journal_total=1, remember_evicted=3)
    for index in range(10):
        store.append_entry(f"s{index}", {"id": index})
    evicted = [n for n in range(10) if store.read_journal(f"s{n}").evicted]
    assert evicted == [6, 7, 8]  # s0..s8 were dropped; the 3 most recent are remembered
    assert store.read_journal("s9") == SessionJournal([{"id": 9}], evicted=False)
    assert store.describe()["journals-evicted"] == 9


def test_a_session_never_written_is_not_evicted() -> None:
    store = MemoryStore(journal_size=1, journal_total=1)
    assert store.read_journal("never") == SessionJournal([], evicted=False)


def test_a_redis_journal_that_expired_reads_as_evicted_until_it_is_cleared(redis_server: RedisServer) -> None:
    store = RedisStore(redis_server.url, 10, prefix=f"t{uuid.uuid4().hex[:8]}:", journal_idle=1)
    try:
        store.append_entry("qa", {"id": 1})
        assert store.read_journal("qa") == SessionJournal([{"id": 1}], evicted=False)
        time.sleep(1.5)  # idle longer than the journal lives; its session is still remembered
        assert store.read_journal("qa") == SessionJournal([], evicted=True)
        store.append_entry("qa", {"id": 2})  # written again: still not its whole history
        assert store.read_journal("qa") == SessionJournal([{"id": 2}], evicted=True)
        assert store.clear_journal("qa") == 1
        store.append_entry("qa", {"id": 3})
        assert store.read_journal("qa") == SessionJournal([{"id": 3}], evicted=False)
        assert store.read_journal("never") == SessionJournal([], evicted=False)
        assert store.describe()["journal-idle-seconds"] == 1
    finally:
        store.close()


def test_a_journal_redis_evicted_says_so_through_the_admin_api(redis_server: RedisServer) -> None:
    with running(["--state", redis_server.url, "--workers", "2"]) as mock:
        (session,) = _sessions(1)
        mock.call("0F01", session=session)
        client = redis.Redis.from_url(redis_server.url)
        try:
            assert client.delete(f"mock:{{{session}}}:journal") == 1  # as Redis's maxmemory eviction would
        finally:
            client.close()
        listed = mock.admin("GET", "/requests", session).json()
        assert (listed["count"], listed["evicted"]) == (0, True)
        assert "expires" in listed["message"] and "maxmemory" in listed["message"]
        verified = mock.admin("POST", "/requests/verify", session, json={"match": {"identifier": "0F01"}})
        assert (verified.status_code, verified.json()["evicted"]) == (409, True)
        assert mock.admin("DELETE", "/state", session).json()["requests-removed"] == 0
        assert mock.admin("GET", "/requests", session).json()["evicted"] is False
