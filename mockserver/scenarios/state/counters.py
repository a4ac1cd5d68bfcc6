"""Counters that add up across workers: internal errors and self-check failures.

``GET /__mock/health`` is answered by whichever worker the connection reached, and its counts must be
the server's, not that worker's. Where the counts live follows the state:

- ``LocalCounters``: this process only (an app built in-process, with no run directory).
- ``FileCounters``: one small JSON file per worker process in a run directory every worker of one
  server shares (``MOCK_RUN_DIR``, made by the server before its workers start); a read sums them, so
  a worker that was replaced still counts. Memory state.
- ``RedisCounters``: one hash in the Redis every worker and host shares (HINCRBY). Redis state.

Counting never raises (it runs while an error is being answered): a count that cannot be shared stays
in the process, is shown by its own worker, and is shared with the next one that can be.
"""

from __future__ import annotations

import contextlib
import os
import threading
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import orjson
import redis

FILE_PREFIX = "counters-"


@dataclass(frozen=True)
class Totals:
    """Counts by name, and which processes they cover (one clause, for the health page)."""

    counts: Mapping[str, int]
    across: str

    def __getitem__(self, name: str) -> int:
        return self.counts.get(name, 0)


class Counters(ABC):
    """Named counts, safe to add to from many threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._own: Counter[str] = Counter()  # what this process counted

    @abstractmethod
    def add(self, name: str) -> None:
        """Count one ``name``. Never raises."""

    @abstractmethod
    def totals(self) -> Totals:
        """The counts of every process these counters cover."""


class LocalCounters(Counters):
    """The counts of this process."""

    def add(self, name: str) -> None:
        with self._lock:
            self._own[name] += 1

    def totals(self) -> Totals:
        with self._lock:
            return Totals(dict(self._own), "this process")


class FileCounters(Counters):
    """One JSON file per process in ``directory``, written whole (a new file, then renamed) at each count."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        super().__init__()
        self.directory = Path(directory)
        self._pid = os.getpid()
        self._token = os.urandom(4).hex()  # a later process with the same pid writes its own file

    def _path(self) -> Path:
        """This process's file (under the lock)."""
        if os.getpid() != self._pid:  # built before a fork: the child counts for itself
            self._pid, self._token, self._own = os.getpid(), os.urandom(4).hex(), Counter()
        return self.directory / f"{FILE_PREFIX}{self._pid}-{self._token}.json"

    def add(self, name: str) -> None:
        with self._lock:
            path = self._path()
            self._own[name] += 1
            written = path.with_suffix(".writing")
            with contextlib.suppress(OSError):  # an unwritable directory: the count stays in the process
                written.write_bytes(orjson.dumps(dict(self._own)))
                written.replace(path)

    def totals(self) -> Totals:
        with self._lock:
            own_path = self._path()
            total = Counter(self._own)
        try:
            paths = [p for p in self.directory.glob(f"{FILE_PREFIX}*.json") if p != own_path]
        except OSError:
            paths = []
        for path in paths:
            with contextlib.suppress(OSError, orjson.JSONDecodeError, AttributeError, TypeError, ValueError):
                counts = orjson.loads(path.read_bytes())
                total.update({str(name): int(count) for name, count in counts.items()})
        return Totals(dict(total), "every worker of this server")


class RedisCounters(Counters):
    """One Redis hash shared by every worker and host using that Redis; it expires after ``idle`` seconds
    without a count."""

    def __init__(self, client: redis.Redis, key: str, shown: str, idle: int) -> None:
        super().__init__()
        self._redis = client
        self.key = key
        self.shown = shown  # the URL without its password
        self.idle = idle
        self._pending: Counter[str] = Counter()  # counted here, not yet in Redis

    def add(self, name: str) -> None:
        with self._lock:
            self._own[name] += 1
            self._pending[name] += 1
        self._share()  # not under the lock: a round trip to Redis

    def _share(self) -> None:
        """Add what this process counted to Redis; what does not get there waits for the next try."""
        with self._lock:
            sending, self._pending = self._pending, Counter()
        try:
            pipe = self._redis.pipeline(transaction=True)
            for name, count in sending.items():
                pipe.hincrby(self.key, name, count)
            pipe.expire(self.key, self.idle)
            pipe.execute()
        except redis.RedisError:
            with self._lock:
                self._pending.update(sending)  # shared with the next count or read that reaches Redis

    def totals(self) -> Totals:
        with self._lock:
            waiting = bool(self._pending)
        if waiting:
            self._share()
        try:
            raw = self._redis.hgetall(self.key)
        except redis.RedisError as error:
            with self._lock:
                own = dict(self._own)
            return Totals(own, f"this worker only: {self.shown} did not answer ({error})")
        with self._lock:
            shared = {(k.decode() if isinstance(k, bytes) else str(k)): int(v) for k, v in raw.items()}
            total = Counter(shared) + self._pending
        return Totals(dict(total), f"every mock server using {self.shown}")
