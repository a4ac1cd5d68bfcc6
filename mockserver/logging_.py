"""One structured line per request, written straight to a stream (orjson; no logging-module overhead)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO

import orjson


def _json(entry: dict[str, Any]) -> str:
    return orjson.dumps(entry, default=str).decode()


def _text(entry: dict[str, Any]) -> str:
    return " ".join(f"{key}={value}" for key, value in entry.items() if value is not None)


_FORMATS: dict[str, Callable[[dict[str, Any]], str]] = {"json": _json, "text": _text}


class RequestLog:
    """Writes entries as JSON lines or ``key=value`` text; format ``off`` writes nothing."""

    def __init__(self, fmt: str, stream: TextIO | None = None) -> None:
        self._format = _FORMATS.get(fmt)
        self._stream = stream
        self._lock = threading.Lock()

    def write(self, entry: dict[str, Any]) -> None:
        if self._format is None:
            return
        line = self._format(entry) + "\n"
        stream = self._stream or sys.stderr
        with self._lock:
            stream.write(line)
            stream.flush()
