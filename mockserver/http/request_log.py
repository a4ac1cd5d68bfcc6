"""One structured line per request, written in batches (orjson; no logging-module overhead).

A request only formats its line and appends it to a queue; a background thread writes what is
queued every ``interval`` seconds (default 50 ms) in one write and one flush. Writing and flushing
under a lock in every request made the server's threads queue on that lock: with 16 threads it
took 45% of a worker's samples on the hot path (py-spy), more than everything else the mock does.

Nothing is lost silently: ``flush()`` writes what is queued at once (the process flushes at exit);
if the stream stops taking lines (a full pipe nobody reads), at most ``max_lines`` wait and the
ones dropped beyond that are counted in a line of their own.
"""

from __future__ import annotations

import atexit
import sys
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any, TextIO

import orjson

DEFAULT_INTERVAL = 0.05  # seconds between batched writes
MAX_LINES = 100_000  # lines that may wait for the stream before new ones are dropped (and counted)


def _json(entry: dict[str, Any]) -> str:
    return orjson.dumps(entry, default=str).decode()


def _text(entry: dict[str, Any]) -> str:
    return " ".join(f"{key}={value}" for key, value in entry.items() if value is not None)


_FORMATS: dict[str, Callable[[dict[str, Any]], str]] = {"json": _json, "text": _text}


class RequestLog:
    """Writes entries as JSON lines or ``key=value`` text; format ``off`` writes nothing.

    ``interval`` 0 writes each line at once (under a lock); otherwise lines are batched.
    """

    def __init__(
        self,
        fmt: str,
        stream: TextIO | None = None,
        interval: float = DEFAULT_INTERVAL,
        max_lines: int = MAX_LINES,
    ) -> None:
        self._format = _FORMATS.get(fmt)
        self._stream = stream
        self._interval = interval
        self._queue: deque[str] = deque()
        self._max_lines = max_lines
        self._dropped = 0
        self._lock = threading.Lock()  # one writer at a time: the flusher, or flush()
        self._flusher: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def write(self, entry: dict[str, Any]) -> None:
        if self._format is None:
            return
        line = self._format(entry) + "\n"
        if self._interval <= 0:
            with self._lock:
                self._write(line)
            return
        if len(self._queue) >= self._max_lines:
            self._dropped += 1  # approximate under races; only ever reported, never relied on
            return
        self._queue.append(line)  # deque.append is atomic: no lock on the request's path
        if self._flusher is None:
            self._start()

    def flush(self) -> None:
        """Write every queued line now."""
        with self._lock:
            lines = []
            queue = self._queue
            while queue:
                lines.append(queue.popleft())
            lost = len(lines)  # if the write fails: these, and the drops already counted
            dropped, self._dropped = self._dropped, 0
            if dropped:
                lines.append(_json({"event": "log-lines-dropped", "lines": dropped}) + "\n")
            if lines:
                try:
                    self._write("".join(lines))
                except (OSError, ValueError):  # a closed or broken stream: counted, reported if it recovers
                    self._dropped += lost + dropped

    def _write(self, text: str) -> None:
        stream = self._stream or sys.stderr
        stream.write(text)
        stream.flush()

    def _start(self) -> None:
        with self._start_lock:
            if self._flusher is not None:
                return
            ref = weakref.ref(self)
            self._flusher = threading.Thread(
                target=_flush_every, args=(ref, self._interval), name="mock-request-log", daemon=True
            )
            self._flusher.start()
            atexit.register(_flush_at_exit, ref)


def _flush_every(ref: weakref.ref[RequestLog], interval: float) -> None:
    """The flusher thread: ends when its log is gone (an app that was dropped, e.g. in tests)."""
    while True:
        time.sleep(interval)
        log = ref()
        if log is None:
            return
        log.flush()
        del log


def _flush_at_exit(ref: weakref.ref[RequestLog]) -> None:
    log = ref()
    if log is not None:
        log.flush()
