"""The in-memory store: one process, thread-safe (one lock), bounded journal rings and script sessions.

Each session's journal is a ring of ``journal_size`` entries; all of them together hold at most
``journal_total``. Beyond that, the journal of the least recently used session (written to or read
from) is dropped whole, so memory stays flat even when every test picks a new session id, and a
suite with one session per test keeps hundreds of them.

Scripts the same way: at most ``max_sessions`` sessions hold scripts; installing into one more drops
the scripts of the least recently used (installed to, read or served from). Reading a session that
holds nothing keeps nothing, so any number of session ids can be read without growing the store.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from threading import Lock
from typing import Any

import orjson

from mockserver import settings
from mockserver.scenarios.state.base import (
    DEFAULT_JOURNAL_SIZE,
    DEFAULT_MAX_SCRIPTS,
    NewScript,
    ScriptStep,
    SessionJournal,
    Store,
    build,
    ordered,
)
from mockserver.scenarios.state.counters import FileCounters
from mockserver.scenarios.state.errors import TooManyScripts
from mockserver.scenarios.state.model import Script, StoredScript, matches

DEFAULT_JOURNAL_TOTAL: int = settings.default("MOCK_JOURNAL_TOTAL")
DEFAULT_MAX_SESSIONS: int = settings.default("MOCK_MAX_SCRIPT_SESSIONS")
# Sessions whose journal was dropped, remembered (the most recent ones) so that reading their journal
# says so instead of showing an empty history: about 100 bytes each.
EVICTED_REMEMBERED = 10_000


@dataclass
class _Session:
    active: dict[str, Script] = field(default_factory=dict)
    done: dict[str, Script] = field(default_factory=dict)
    served: dict[str, int] = field(default_factory=dict)
    once: dict[str, None] = field(default_factory=dict)  # insertion-ordered: the oldest go first
    seq: int = 0

    def empty(self) -> bool:
        return not (self.active or self.done or self.once)


class MemoryStore(Store):
    """State of one process. Use Redis for several workers or hosts."""

    kind = "memory"

    def __init__(
        self,
        journal_size: int = DEFAULT_JOURNAL_SIZE,
        max_scripts: int = DEFAULT_MAX_SCRIPTS,
        journal_total: int = DEFAULT_JOURNAL_TOTAL,
        *,
        clock: Callable[[], float] = time.time,
        remember_evicted: int = EVICTED_REMEMBERED,
        max_sessions: int = DEFAULT_MAX_SESSIONS,
        run_dir: str | None = None,
    ):
        super().__init__(journal_size, max_scripts)
        if journal_total < journal_size:
            raise ValueError("the journals' total must hold at least one whole journal")
        if max_sessions < 1:
            raise ValueError("at least one session must be able to hold scripts")
        self.journal_total = journal_total
        self.max_sessions = max_sessions
        self._lock = Lock()
        # Sessions that hold scripts, least recently used first.
        self._sessions: OrderedDict[str, _Session] = OrderedDict()
        self._sessions_evicted = 0
        if run_dir:  # the workers of one server: each keeps its own scripts, they count together
            self.counters = FileCounters(run_dir)
        # Entries are kept as compact JSON bytes: a fraction of the memory of dicts. Least recently
        # used session first; ``_held`` counts the entries of every ring.
        self._journals: OrderedDict[str, deque[bytes]] = OrderedDict()
        self._held = 0
        self._evicted: OrderedDict[str, None] = OrderedDict()  # least recently evicted first
        self._remember_evicted = remember_evicted
        self._evictions = 0
        self._clock = clock

    def _expire(self, state: _Session, now: float) -> None:
        for table in (state.active, state.done):
            for script_id in [i for i, s in table.items() if s.expired(now)]:
                del table[script_id]
                state.served.pop(script_id, None)

    def _existing(self, session: str) -> _Session | None:
        """The session's scripts, its expired ones gone (None when it holds nothing: never created here).
        Under the lock."""
        state = self._sessions.get(session)
        if state is None:
            return None
        self._expire(state, self._clock())
        if state.empty():
            del self._sessions[session]
            return None
        self._sessions.move_to_end(session)
        return state

    def _created(self, session: str) -> _Session:
        """The session's scripts, made room for when it is new. Under the lock."""
        state = self._existing(session)
        if state is None:
            while len(self._sessions) >= self.max_sessions:
                self._sessions.popitem(last=False)
                self._sessions_evicted += 1
            state = self._sessions[session] = _Session()
        return state

    def install(self, session: str, new: NewScript) -> StoredScript | None:
        with self._lock:
            state = self._existing(session)
            if state is not None and (
                new.id in state.active or new.id in state.done or (new.once and new.id in state.once)
            ):
                return None
            if state is not None and len(state.active) >= self.max_scripts:
                raise TooManyScripts(f"session {session!r} already has {self.max_scripts} active scripts")
            state = self._created(session)
            state.seq += 1
            script = build(new, state.seq, self._clock())
            state.active[script.id] = script
            state.served[script.id] = 0
            if new.once:
                state.once[script.id] = None
                while len(state.once) > self.max_scripts:  # the ids of long-replaced file scripts
                    del state.once[next(iter(state.once))]
            while len(state.done) > self.max_scripts:  # keep exhausted ones for inspection, bounded
                oldest = min(state.done.values(), key=lambda s: s.seq)
                del state.done[oldest.id]
                state.served.pop(oldest.id, None)
            return StoredScript(script, 0)

    def scripts(self, session: str) -> list[StoredScript]:
        with self._lock:
            state = self._existing(session)
            if state is None:
                return []
            every = (*state.active.values(), *state.done.values())
            found = [StoredScript(s, state.served.get(s.id, 0)) for s in every]
        return ordered(found)

    def delete(self, session: str, script_id: str) -> bool:
        with self._lock:
            state = self._existing(session)
            if state is None:
                return False
            found = state.active.pop(script_id, None) or state.done.pop(script_id, None)
            state.served.pop(script_id, None)
            if state.empty():
                del self._sessions[session]
            return found is not None

    def reset(self, session: str) -> int:
        with self._lock:
            state = self._sessions.pop(session, None)
            return 0 if state is None else len(state.active) + len(state.done)

    def take(self, session: str, request: Mapping[str, Any]) -> ScriptStep | None:
        with self._lock:
            state = self._existing(session)
            if state is None:
                return None
            candidates = [s for s in state.active.values() if matches(s.match, request)]
            if not candidates:
                return None
            best = min(candidates, key=lambda s: s.rank)
            index = state.served[best.id]
            scenario = best.step_at(index)
            state.served[best.id] = index + 1
            if index + 1 >= best.total:
                state.done[best.id] = state.active.pop(best.id)
            if scenario is None:  # defensive: an exhausted script in the active table
                return None
            return ScriptStep(best.id, scenario, index)

    def append_entry(self, session: str, entry: Mapping[str, Any], step: ScriptStep | None = None) -> None:
        # A copy of exact size: orjson's own result keeps a 4 KiB buffer, 8x the usual entry.
        data = memoryview(orjson.dumps(entry, default=str)).tobytes()
        with self._lock:
            ring = self._journals.get(session)
            if ring is None:
                ring = self._journals[session] = deque(maxlen=self.journal_size)
            else:
                self._journals.move_to_end(session)
            if len(ring) < self.journal_size:
                self._held += 1
            ring.appendleft(data)
            # Never the ring just written to: it is the most recent, and one ring fits in the total.
            while self._held > self.journal_total:
                victim, dropped = self._journals.popitem(last=False)
                self._held -= len(dropped)
                self._evictions += 1
                self._evicted[victim] = None
                self._evicted.move_to_end(victim)
                while len(self._evicted) > self._remember_evicted:
                    self._evicted.popitem(last=False)

    def read_journal(self, session: str) -> SessionJournal:
        with self._lock:
            evicted = session in self._evicted
            ring = self._journals.get(session)
            if ring is None:
                return SessionJournal([], evicted)
            self._journals.move_to_end(session)  # read by a test: still in use
            raw = list(ring)
        return SessionJournal([orjson.loads(item) for item in raw], evicted)

    def clear_journal(self, session: str) -> int:
        with self._lock:
            self._evicted.pop(session, None)
            ring = self._journals.pop(session, None)
            if ring is None:
                return 0
            self._held -= len(ring)
            return len(ring)

    def ping(self) -> None:
        return None

    def describe(self) -> dict[str, Any]:
        with self._lock:
            journals, held, evictions = len(self._journals), self._held, self._evictions
            sessions, sessions_evicted = len(self._sessions), self._sessions_evicted
        return {
            **super().describe(),
            "journal-total": self.journal_total,
            "journals": journals,
            "journal-entries": held,
            "journals-evicted": evictions,
            "max-script-sessions": self.max_sessions,
            "script-sessions": sessions,
            "script-sessions-evicted": sessions_evicted,
        }

    def eviction(self) -> str:
        named = settings.setting("MOCK_JOURNAL_TOTAL").named(command_line=True)
        return (
            f"the journals of all sessions together keep {self.journal_total} requests, and this "
            f"session's was the least recently used; raise {named} to keep more"
        )
