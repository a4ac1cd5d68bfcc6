"""Micro-benchmark of the scenario engine's stores: ``python -m bench.stores`` (``make bench-stores``).

Prints operations per second and latency percentiles of ``take`` (a scripted step) and ``append_entry``
(one journal entry) for the memory store and for a real redis-server on a free port (Debian package
``redis-server``), started here without persistence and stopped at the end. Nothing is asserted: the
figures are for people to read.
"""

from __future__ import annotations

import contextlib
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator

import redis

import spec
from mockserver.scenarios.state import MemoryStore, NewScript, RedisStore, Store
from mockserver.serving.process import free_port, stop

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
    journal = f"{label}: append_entry (journal {store.journal_size})"
    measure(journal, lambda: store.append_entry("bench", ENTRY))
    store.close()


@contextlib.contextmanager
def redis_server(timeout: float = 10.0) -> Iterator[str]:
    """A redis-server without persistence on a free loopback port, in a folder of its own: its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (make system-deps installs it)")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-redis-") as folder:
        argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        process = subprocess.Popen([*argv, "--dir", folder], stdout=subprocess.DEVNULL)
        client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=0.5, socket_connect_timeout=0.5)
        try:
            deadline = time.monotonic() + timeout
            while not _answers(client):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"redis-server did not answer on port {port} within {timeout} s")
                time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            client.close()
            stop(process, grace=10)


def _answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def main() -> None:
    run("memory", MemoryStore(10_000))
    with redis_server() as url:
        run("redis", RedisStore(url, 10_000))


if __name__ == "__main__":
    main()
