"""The hot path: repeated identical protocol requests answered from a bounded cache of final bytes.

A client polling one user sends the same bytes again and again, and without a scenario the answer
depends only on the request's path, ``Authorization`` and ``Content-Type`` headers, its body, the
clock's hour (histories are generated per hour, see ``clock``) and the app's seed. The protocol
endpoint (``http.endpoint``) looks every plain request up here first; the first such request is answered
in full and its answer stored (``keeper``); the next ones are sent as they are.

Never from the cache: requests with ``X-Mock-Scenario`` or ``X-Mock-Now``, or with an
``X-Mock-Session`` that is not a usable session id, bodies over
``parsing.CACHED_BODY_BYTES``, chunked bodies, answers that a scenario shaped (including a
directory user's own scenario), answers that failed ``--self-check``, and 503s. A scripted step
always wins: the selector is asked on every hit (memory store: one dict lookup under a lock; Redis:
one round trip), and a scripted request is answered in full with the step already taken. Every
request is journalled and logged the same way, cached or not (``journal_entries``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import Any

from mockserver import answers
from mockserver.answers import Answer
from mockserver.http.incoming import FailedInput, GuardedInput, UnreadableBody, decimal
from mockserver.identity.parsing import CACHED_BODY_BYTES, Call
from mockserver.scenarios.state.base import valid_session

# Headers that make an answer depend on more than the key.
_BYPASS = ("HTTP_X_MOCK_SCENARIO", "HTTP_X_MOCK_NOW", "HTTP_TRANSFER_ENCODING")
_OVERHEAD = 512  # bytes of bookkeeping counted per cache entry besides body and key

BaseKey = tuple[str, str | None, str | None, bytes]  # path, Authorization, Content-Type, body
Key = tuple[str, str | None, str | None, bytes, int]  # and the clock hour


def hour(moment: datetime) -> int:
    """The clock hour of ``moment`` (hours since the epoch): generated histories change per hour."""
    return int(moment.timestamp()) // 3600


@dataclass(frozen=True)
class CachedAnswer:
    """A cached answer: what goes on the wire, and what the journal needs to describe it."""

    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    answer: Answer
    call: Call | None

    @classmethod
    def of(cls, answer: Answer, call: Call | None) -> CachedAnswer:
        status, headers = answers.head(answer)
        return cls(status, tuple(headers), answer.body, answer, call)

    @property
    def size(self) -> int:
        return len(self.body) + _OVERHEAD


class AnswerCache:
    """A thread-safe LRU cache of CachedAnswer answers, bounded by entries and by bytes."""

    def __init__(self, entries: int, max_bytes: int) -> None:
        self.entries = entries
        self.max_bytes = max_bytes
        self._items: OrderedDict[Key, CachedAnswer] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Key) -> CachedAnswer | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return found

    def keep(self, key: Key, hot: CachedAnswer) -> None:
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


def base_key(environ: dict[str, Any]) -> BaseKey | None:
    """The key (without the hour) of a protocol request the cache may answer, else None.

    Reads the body (at most CACHED_BODY_BYTES) and puts it back as a fresh stream.
    """
    if environ.get("REQUEST_METHOD") != "POST":
        return None
    if any(name in environ for name in _BYPASS):
        return None
    session = environ.get("HTTP_X_MOCK_SESSION")
    if session is not None and not valid_session(session):  # refused in full, never from the cache
        return None
    length = decimal(environ.get("CONTENT_LENGTH"))
    if length is None or not 0 < length <= CACHED_BODY_BYTES:
        return None
    try:
        raw = GuardedInput(environ["wsgi.input"]).read(length)
    except UnreadableBody as error:  # e.g. it stopped arriving: answered when the endpoint reads it
        environ["wsgi.input"] = FailedInput(error)
        return None
    environ["wsgi.input"] = BytesIO(raw)
    if len(raw) != length:
        return None
    return (environ.get("PATH_INFO", ""), environ.get("HTTP_AUTHORIZATION"), environ.get("CONTENT_TYPE"), raw)


def keeper(cache: AnswerCache, base: BaseKey | None, moment: datetime, call: Call | None) -> Keeper | None:
    """What the endpoint calls with an answer the cache may keep (None: this request may not)."""
    if base is None:
        return None
    key: Key = (*base, hour(moment))

    def keep(answer: Answer) -> None:
        cache.keep(key, CachedAnswer.of(answer, call))

    return keep


Keeper = Callable[[Answer], None]
