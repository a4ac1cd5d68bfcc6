"""Both stores run the same data-driven cases (tests/state/cases/*.yaml): adding a case is adding a file."""

from __future__ import annotations

import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

import spec
from mockserver.scenarios.state import MemoryStore, NewScript, Store, TooManyScripts
from mockserver.scenarios.state.model import normalise_sequence
from tests.state.conftest import BACKENDS, make
from tests.state.redis_server import RedisServer

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))


def _install(store: Store, session: str, spec: dict[str, Any]) -> object:
    new = NewScript(
        id=spec["id"],
        match=spec.get("match") or {},
        sequence=normalise_sequence(spec["sequence"]),
        ttl=spec.get("ttl"),
        once=spec.get("once", False),
    )
    try:
        return store.install(session, new) is not None
    except TooManyScripts:
        return "too-many"


def _take(store: Store, session: str, request: dict[str, Any]) -> object:
    taken = store.take(session, request)
    return None if taken is None else [taken.script_id, taken.scenario, taken.index]


def _scripts(store: Store, session: str, _: object) -> object:
    return [
        {"id": s.script.id, "served": s.served, "remaining": s.script.remaining(s.served)}
        | ({"exhausted": True} if s.exhausted else {})
        for s in store.scripts(session)
    ]


def _append_entry(store: Store, session: str, entry: dict[str, Any]) -> object:
    store.append_entry(session, entry)
    return None


def _wait(store: Store, session: str, seconds: float) -> object:
    time.sleep(seconds)
    return None


# Operation name -> function(store, session, argument) -> the value compared with `expect`.
OPERATIONS = {
    "install": _install,
    "take": _take,
    "scripts": _scripts,
    "delete": lambda store, session, script_id: store.delete(session, script_id),
    "reset": lambda store, session, _: store.reset(session),
    "append_entry": _append_entry,
    "entries": lambda store, session, _: [e["id"] for e in store.entries(session)],
    "clear_journal": lambda store, session, _: store.clear_journal(session),
    "wait": _wait,
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_store_case(path: Path, backend: str, redis_server: RedisServer) -> None:
    case = yaml.safe_load(path.read_text("utf-8"))
    store = make(backend, redis_server, case.get("journal_size", 1000), case.get("max_scripts", 1000))
    try:
        for number, op in enumerate(case["ops"]):
            (name,) = [key for key in op if key in OPERATIONS]
            got = OPERATIONS[name](store, op.get("session", "default"), op[name])
            if "expect" in op:
                assert got == op["expect"], f"{path.name} op #{number} ({name} {op[name]!r})"
    finally:
        store.close()


def test_cases_exist() -> None:
    assert len(CASES) >= 8


def test_memory_journal_stays_flat_beyond_its_ring() -> None:
    """Memory after 3 rings' worth of entries is what one ring needs: about 1 KiB per typical entry."""
    user = '{"identifier-type":"rfid","identifier":"04A2B3C4D5E6F7"}'
    entry = {
        "method": "POST",
        "path": "/api/v4/request",
        "identifier-type": "rfid",
        "identifier": "04A2B3C4D5E6F7",
        "headers": {"Content-Type": "application/json", "Authorization": "key=<redacted>"},
        "body": '{"' + spec.CALL + '":{"user":' + user + "}}",
        "time": "2026-01-01T00:00:00.000+00:00",
        "result": 0,
        "status": 200,
        "duration_ms": 1.5,
    }
    store = MemoryStore(journal_size=2000)
    tracemalloc.start()
    try:
        for _ in range(2000):
            store.append_entry("s", entry)
        one_ring = tracemalloc.get_traced_memory()[0]
        for _ in range(4000):
            store.append_entry("s", entry)
        three_rings = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(store.entries("s")) == 2000
    assert one_ring < 2000 * 1024
    assert three_rings < one_ring * 1.1


@pytest.mark.parametrize("backend", BACKENDS)
def test_concurrent_takes_serve_each_step_once(backend: str, redis_server: RedisServer) -> None:
    store = make(backend, redis_server)
    steps = [{"scenario": f"result-{i}", "times": 1} for i in range(400)]
    store.install("c", NewScript("many", {"identifier-type": "rfid"}, steps))
    request = {"call": spec.CALL, "identifier-type": "rfid", "identifier": "01"}
    with ThreadPoolExecutor(max_workers=8) as pool:
        taken = list(pool.map(lambda _: store.take("c", request), range(450)))
    served = [t for t in taken if t is not None]
    assert sorted(t.index for t in served) == list(range(400))  # every step once, none lost
    assert all(t.scenario == f"result-{t.index}" for t in served)
    assert taken.count(None) == 50
    store.close()
