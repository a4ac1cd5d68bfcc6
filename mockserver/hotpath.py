"""The hot path: repeated identical protocol requests answered from a bounded cache of final bytes.

A client polling one user sends the same bytes again and again, and without a scenario the answer
depends only on the request's path, ``Authorization`` and ``Content-Type`` headers, its body, the
clock's hour (histories are generated per hour, see ``clock``) and the app's seed. ``HotPath`` wraps
the Flask app as WSGI middleware: the first such request goes through Flask, whose handler stores
the answer here (``AnswerCache.keep``); the next ones are answered without Flask.

Never from the cache: requests with ``X-Mock-Scenario`` or ``X-Mock-Now``, bodies over
``parsing.CACHED_BODY_BYTES``, chunked bodies, answers that a scenario shaped (including a
directory user's own scenario), answers that failed ``--self-check``, and 503s. A scripted step
always wins: the selector is asked on every hit (memory store: one dict lookup under a lock; Redis:
one round trip), and a scripted request goes on to Flask with the step already taken. Every request
is journalled and logged exactly as the Flask handler does it (``records``).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import TYPE_CHECKING, Any

from werkzeug.http import HTTP_STATUS_CODES

from mockserver import records
from mockserver.answers import Answer
from mockserver.errors import StateUnavailable
from mockserver.parsing import CACHED_BODY_BYTES, Call

if TYPE_CHECKING:
    from flask import Flask

    from mockserver.runtime import Runtime
    from mockserver.selector import Selector

# WSGI environ keys the wrapper hands to the Flask handler.
KEY = "mock.hot.key"  # the request's cache key without the hour: Flask may keep its answer
SCRIPTED = "mock.hot.scripted"  # the scripted scenario the wrapper already took for this request
# Headers that make an answer depend on more than the key.
_BYPASS = ("HTTP_X_MOCK_SCENARIO", "HTTP_X_MOCK_NOW", "HTTP_TRANSFER_ENCODING")
_OVERHEAD = 512  # bytes of bookkeeping counted per cache entry besides body and key

Key = tuple[str, str | None, str | None, bytes, int]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def hour(moment: datetime) -> int:
    """The clock hour of ``moment`` (hours since the epoch): generated histories change per hour."""
    return int(moment.timestamp()) // 3600


@dataclass(frozen=True)
class Hot:
    """A cached answer: what goes on the wire, and what the journal needs to describe it."""

    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    answer: Answer
    call: Call | None

    @classmethod
    def of(cls, answer: Answer, call: Call | None) -> Hot:
        headers = [] if answer.content_type is None else [("Content-Type", answer.content_type)]
        headers.append(("Content-Length", str(len(answer.body))))
        headers += answer.headers.items()
        status = f"{answer.status} {HTTP_STATUS_CODES.get(answer.status, 'UNKNOWN').upper()}"
        return cls(status, tuple(headers), answer.body, answer, call)

    @property
    def size(self) -> int:
        return len(self.body) + _OVERHEAD


class AnswerCache:
    """A thread-safe LRU cache of Hot answers, bounded by entries and by bytes."""

    def __init__(self, entries: int, max_bytes: int) -> None:
        self.entries = entries
        self.max_bytes = max_bytes
        self._items: OrderedDict[Key, Hot] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Key) -> Hot | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return found

    def keep(self, key: Key, hot: Hot) -> None:
        size = hot.size + len(key[3])
        if self.entries == 0 or size > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old.size + len(key[3])
            self._items[key] = hot
            self._bytes += size
            while len(self._items) > self.entries or self._bytes > self.max_bytes:
                gone_key, gone = self._items.popitem(last=False)
                self._bytes -= gone.size + len(gone_key[3])

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {
                "entries": len(self._items),
                "bytes": self._bytes,
                "hits": self.hits,
                "misses": self.misses,
            }


def base_key(
    environ: dict[str, Any], paths: Iterable[str]
) -> tuple[str, str | None, str | None, bytes] | None:
    """(path, Authorization, Content-Type, body) of a request the cache may answer, else None.

    Reads the body (at most CACHED_BODY_BYTES) and puts it back as a fresh stream for Flask.
    """
    path = environ.get("PATH_INFO", "")
    if environ.get("REQUEST_METHOD") != "POST" or path not in paths:
        return None
    if any(name in environ for name in _BYPASS):
        return None
    length = environ.get("CONTENT_LENGTH") or ""
    if not length.isdigit() or not 0 < int(length) <= CACHED_BODY_BYTES:
        return None
    raw = environ["wsgi.input"].read(int(length))
    environ["wsgi.input"] = BytesIO(raw)
    if len(raw) != int(length):
        return None
    return (path, environ.get("HTTP_AUTHORIZATION"), environ.get("CONTENT_TYPE"), raw)


class HotPath:
    """WSGI middleware in front of the Flask app: answers cache hits, hands everything else on."""

    def __init__(self, app: Flask, wsgi_app: WsgiApp) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.runtime: Runtime = app.extensions["mock.runtime"]
        self._paths = frozenset(self.runtime.paths)
        pin = self.runtime.pin
        self._pinned_hour = hour(pin) if pin is not None else None

    def _hour(self) -> int:
        return self._pinned_hour if self._pinned_hour is not None else int(time.time()) // 3600

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        base = base_key(environ, self._paths)
        if base is None:
            return self.wsgi_app(environ, start_response)
        hot = self.runtime.answers.get((*base, self._hour()))
        if hot is None:
            environ[KEY] = base
            return self.wsgi_app(environ, start_response)
        with self.app.app_context():  # the selector keeps the step it took in flask.g
            selector: Selector = self.app.extensions["mock.selector"]
            ctx = records.context(hot.call, base[3], environ)
            try:
                scenario = selector.pick(ctx) if hot.call is not None else None
                if scenario is not None:  # Flask answers it, in this app context, with this step
                    environ[SCRIPTED] = scenario
                    return self.wsgi_app(environ, start_response)
                path = environ["PATH_INFO"]
                entry = records.entry("POST", path, ctx, hot.answer, scenario=None, started=started)
                selector.record(entry)
            except StateUnavailable:  # Flask asks the store again and answers 503 itself
                return self.wsgi_app(environ, start_response)
        self.runtime.log.write(records.log_line(entry, started))
        start_response(hot.status, list(hot.headers))
        return [hot.body]


def keeper(
    runtime: Runtime, environ: Mapping[str, Any], moment: datetime, call: Call | None
) -> Keeper | None:
    """What the Flask handler calls with an answer the cache may keep (None: this request may not)."""
    base = environ.get(KEY)
    if base is None:
        return None
    key: Key = (*base, hour(moment))

    def keep(answer: Answer) -> None:
        runtime.answers.keep(key, Hot.of(answer, call))

    return keep


Keeper = Callable[[Answer], None]
