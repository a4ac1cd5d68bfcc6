"""Micro-benchmark of the stores (not collected by pytest): ``python -m tests.state.bench_state``.

Prints operations per second and latency percentiles of ``take`` (a scripted step) and ``record``
(one journal entry) for the memory store and for a real redis-server on a free port.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import spec
from mockserver.scenarios.state import MemoryStore, NewScript, RedisStore, Store
from tests.state.redis_server import RedisServer

N = 20_000
ENTRY = {
    "method": "POST",
    "path": "/api/v4/request",
    "call": spec.CALL,
    "identifier-type": "rfid",
    "identifier": "04A2B3C4D5E6F7",
    "result": 0,
    "status": 200,
    "scenario": None,
    "session": "bench",
    "headers": {"Content-Type": "application/json", "Authorization": "key=<redacted>"},
    "body": '{"' + spec.CALL + '":{"user":{"identifier-type":"rfid","identifier":"04A2B3C4D5E6F7"}}}',
    "time": "2026-01-01T00:00:00.000+00:00",
    "duration_ms": 1.0,
}
REQUEST = {"call": spec.CALL, "identifier-type": "rfid", "identifier": "04A2B3C4D5E6F7"}


def measure(name: str, op: Callable[[], object]) -> None:
    samples = []
    for _ in range(N):
        start = time.perf_counter()
        op()
        samples.append(time.perf_counter() - start)
    total = sum(samples)
    q = statistics.quantiles(samples, n=100)
    print(f"{name:38s} {N / total:10.0f} ops/s   p50 {q[49] * 1e6:7.1f} us   p99 {q[98] * 1e6:7.1f} us")


def run(label: str, store: Store) -> None:
    for index in range(20):  # 20 scripts in the session, none matching: the usual cost of a lookup
        store.install(
            "bench",
            NewScript(f"other-{index}", {"identifier": f"X{index}"}, [{"scenario": "ok", "times": 1}]),
        )
    measure(f"{label}: take, 20 scripts, no match", lambda: store.take("bench", REQUEST))
    store.install(
        "bench", NewScript("hit", {"identifier-type": "rfid"}, [{"scenario": "ok", "times": 10 * N}])
    )
    measure(f"{label}: take, consuming a step", lambda: store.take("bench", REQUEST))
    measure(f"{label}: record (journal {store.journal_size})", lambda: store.record("bench", ENTRY))
    store.close()


def main() -> None:
    run("memory", MemoryStore(10_000))
    server = RedisServer()
    server.start()
    try:
        run("redis", RedisStore(server.url, 10_000))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
