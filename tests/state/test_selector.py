"""The selector the protocol endpoint calls: sessions, journal entries, and errors of an unreachable Redis."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

import spec
from mockserver.scenarios.selector import MAX_BODY_CHARS, StoreSelector, session_of
from mockserver.scenarios.state import MemoryStore, NewScript, RedisStore, ScriptStep, StateUnavailable
from mockserver.serving.process import free_port


@dataclass(frozen=True)
class Ctx:
    call: str | None = spec.CALL
    identifier_type: str | None = "rfid"
    identifier: str | None = "0A0B"
    session: str | None = None


def test_session_ids() -> None:
    assert session_of(None) == session_of("") == "default"
    assert session_of("run-42") == "run-42"
    assert session_of("has spaces {and braces}") == "default"


def test_an_entry_of_an_unusable_session_id_is_journalled_nowhere() -> None:
    store = MemoryStore()
    selector = StoreSelector(store)
    selector.journal({"session": "bad id!", "status": 400})
    selector.journal({"session": "good", "status": 400})
    assert store.entries("default") == []
    assert [e["status"] for e in store.entries("good")] == [400]


def test_pick_takes_a_step_and_journal_bounds_the_body() -> None:
    store = MemoryStore()
    selector = StoreSelector(store)
    store.install("qa", NewScript("s1", {"identifier": "0A0B"}, [{"scenario": "result-140", "times": 1}]))
    assert selector.pick(Ctx(session="qa")) == ScriptStep("s1", "result-140", 0)
    selector.journal({"session": "qa", "identifier": "0A0B", "body": "x" * (MAX_BODY_CHARS + 10)})
    assert selector.pick(Ctx(session="qa")) is None
    selector.journal({"session": "qa", "identifier": "0A0B", "body": "{}"})
    newest, oldest = store.entries("qa")
    assert len(oldest["body"]) == MAX_BODY_CHARS and oldest["body-truncated-from"] == MAX_BODY_CHARS + 10
    assert newest["body"] == "{}"
    assert oldest["id"] != newest["id"] and oldest["time"] <= newest["time"]
    assert store.entries("default") == []


def test_an_unreachable_redis_raises_state_unavailable_fast() -> None:
    store = RedisStore(f"redis://127.0.0.1:{free_port()}/0", timeout=0.2)
    selector = StoreSelector(store)
    with pytest.raises(StateUnavailable, match="unreachable"):
        selector.pick(Ctx())
    with pytest.raises(StateUnavailable):
        selector.journal({"identifier": "0A0B"})
    with pytest.raises(StateUnavailable):
        store.ping()
    store.close()


def test_the_url_password_is_never_shown() -> None:
    store = RedisStore(f"redis://:s3cret@127.0.0.1:{free_port()}/0", timeout=0.2)
    with pytest.raises(StateUnavailable) as caught:
        store.ping()
    assert "s3cret" not in str(caught.value)
    assert "s3cret" not in str(store.describe())
    store.close()
