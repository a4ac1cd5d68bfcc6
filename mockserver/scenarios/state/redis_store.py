"""The Redis store: state shared by every worker and host that points at one Redis.

Keys of a session share the hash tag ``{session}``:
``<prefix>{session}:active`` and ``:done`` (hashes id -> script JSON), ``:served`` (hash id -> steps
handed out), ``:free`` (hash id -> steps given back, served again first), ``:held`` (hash token -> a step
taken for a request whose journal entry is not written yet), ``:seq`` (installation counter),
``:once`` (ids of file scripts ever installed, at most ``max_scripts``), ``:journal`` (a list, newest
first, trimmed to the ring size), ``:journal-seen`` (set while the session's journal is remembered)
and ``:journal-evicted`` (set when a journal vanished that was not cleared). Only writes create keys:
reading any session id leaves Redis as it was.
``<prefix>counters`` (a hash) holds what ``/__mock/health`` counts, for every worker and host.
Consuming a step is one Lua script, so two workers never serve the same step and none is lost.

A step is taken if and only if its answer is what the client gets, and the journal records what the
client got, even when Redis stalls and runs late what this process already gave up on (``deadline``):
taking a step holds it; the journal entry of its answer confirms it, in one script; when the entry
cannot be written the client gets 503 and the step is given back. Both scripts change nothing after
their deadline.

Journals are bounded per session (the ring) and by idle expiry; Redis's own memory limit bounds them
together (``--journal-total`` is the memory store's). A journal that expired, or that Redis evicted,
reads as evicted until it is cleared (for at most as long again as the idle time), as the memory
store's evicted journals do.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import orjson
import redis
from redis.backoff import NoBackoff
from redis.commands.core import Script as LuaScript
from redis.retry import Retry

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
from mockserver.scenarios.state.counters import RedisCounters
from mockserver.scenarios.state.deadline import RedisClock
from mockserver.scenarios.state.errors import StateUnavailable, TooManyScripts
from mockserver.scenarios.state.model import Script, StoredScript

# A journal nobody writes to for this long disappears (sessions are cheap to create); its session is
# remembered as long again, so that reading it says the journal was evicted.
JOURNAL_IDLE_SECONDS = 7 * 24 * 3600
# Short timeouts: during an outage a request should fail fast with 503, not hang.
SOCKET_TIMEOUT = 0.5
# A step held for a request is given back when its journal entry has not confirmed it within this long
# (if giving it back at once failed too): longer than any request takes to be answered.
HOLD_SECONDS = 600
# Undos of requests answered 503 that wait for Redis to come back (beyond, the oldest are forgotten).
MAX_UNDOS = 10_000

# Giving a step back: it is served again, before the script's next one (a script that had run out
# becomes active again). A script deleted meanwhile takes nothing back.
_GIVE_BACK = """
local function give_back(active, done, free, id, index)
  local raw = redis.call('HGET', active, id)
  if not raw then
    raw = redis.call('HGET', done, id)
    if not raw then return end
    redis.call('HDEL', done, id)
    redis.call('HSET', active, id, raw)
  end
  local list = {}
  local had = redis.call('HGET', free, id)
  if had then list = cjson.decode(had) end
  table.insert(list, index)
  table.sort(list)
  redis.call('HSET', free, id, cjson.encode(list))
end
"""

# Take a step, held under the caller's token until the journal entry of its answer confirms it
# (_APPEND_ENTRY) or it is given back (_UNDO, or by the next take once the hold has expired). Nothing is
# taken after the deadline (ARGV[1], Redis time): the caller has answered 503 by then.
_TAKE = (
    _GIVE_BACK
    + """
local active, done, served, free, held = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
if now > tonumber(ARGV[1]) then return {'late', t[1], t[2]} end
local token, hold = ARGV[5], tonumber(ARGV[6])
local mine = redis.call('HGET', held, token)
if mine then
  local h = cjson.decode(mine)
  return {'step', t[1], t[2], h.id, h.scenario, h.index}
end
local holds = redis.call('HGETALL', held)
for i = 1, #holds, 2 do
  local h = cjson.decode(holds[i + 1])
  if h.expires <= now then
    redis.call('HDEL', held, holds[i])
    give_back(active, done, free, h.id, h.index)
  end
end
local want = {['call'] = ARGV[2], ['identifier-type'] = ARGV[3], ['identifier'] = ARGV[4]}
local weights = {['call'] = 1, ['identifier-type'] = 2, ['identifier'] = 4}
local flat = redis.call('HGETALL', active)
local best, bestspec, bestid, bestraw = nil, -1, nil, nil
for i = 1, #flat, 2 do
  local id, raw = flat[i], flat[i + 1]
  local s = cjson.decode(raw)
  if type(s.expires) == 'number' and s.expires <= now then
    redis.call('HDEL', active, id)
    redis.call('HDEL', served, id)
    redis.call('HDEL', free, id)
  else
    local ok, spec = true, 0
    for name, weight in pairs(weights) do
      local expected = s.match[name]
      if expected ~= nil and expected ~= cjson.null then
        spec = spec + weight
        if expected ~= want[name] then ok = false end
      end
    end
    if ok and (spec > bestspec or (spec == bestspec and s.seq < best.seq)) then
      best, bestspec, bestid, bestraw = s, spec, id, raw
    end
  end
end
if best == nil then return {'none', t[1], t[2]} end
local index, left_free
local returned = redis.call('HGET', free, bestid)
if returned then
  local list = cjson.decode(returned)
  index = table.remove(list, 1)
  left_free = #list
  if left_free == 0 then
    redis.call('HDEL', free, bestid)
  else
    redis.call('HSET', free, bestid, cjson.encode(list))
  end
else
  index = redis.call('HINCRBY', served, bestid, 1) - 1
  left_free = 0
end
local counted = tonumber(redis.call('HGET', served, bestid) or '0')
local left, total, scenario = index, 0, false
for _, step in ipairs(best.sequence) do
  total = total + step.times
  if not scenario then
    if left < step.times then scenario = step.scenario else left = left - step.times end
  end
end
if counted >= total and left_free == 0 then
  redis.call('HDEL', active, bestid)
  redis.call('HSET', done, bestid, bestraw)
end
if not scenario then return {'none', t[1], t[2]} end
local h = {['id'] = bestid, ['index'] = index, ['scenario'] = scenario, ['expires'] = now + hold}
redis.call('HSET', held, token, cjson.encode(h))
return {'step', t[1], t[2], bestid, scenario, index}
"""
)

# Undo what a request the client got 503 for may have done all the same (its command ran, but the reply
# came too late): remove its journal entry (ARGV[2], the exact bytes; empty: none) and give its step
# back, whether still held (ARGV[1]) or confirmed by that entry (script ARGV[3], step ARGV[4]). Sent
# after this process gave up, it runs after every command of the request that could still act.
_UNDO = (
    _GIVE_BACK
    + """
local active, done, free, held, journal = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local removed = 0
if ARGV[2] ~= '' then removed = redis.call('LREM', journal, 1, ARGV[2]) end
if ARGV[1] == '' then return removed end
local raw = redis.call('HGET', held, ARGV[1])
if raw then
  redis.call('HDEL', held, ARGV[1])
  local h = cjson.decode(raw)
  give_back(active, done, free, h.id, h.index)
elseif removed == 1 then
  give_back(active, done, free, ARGV[3], tonumber(ARGV[4]))
end
return removed
"""
)

# Append a journal entry and confirm the held step its answer came from (ARGV[6]; empty: none), in
# one: the entry is written if and only if the step stays taken. Nothing happens after the deadline
# (ARGV[1]): the caller has answered 503 by then, and gives the step back.
_APPEND_ENTRY = """
local journal, seen, evicted, held = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
if now > tonumber(ARGV[1]) then return {'late', t[1], t[2]} end
if ARGV[6] ~= '' and redis.call('HDEL', held, ARGV[6]) == 0 then return {'lost', t[1], t[2]} end
local had, was_seen = redis.call('EXISTS', journal), redis.call('EXISTS', seen)
local remembered = tonumber(ARGV[5])
redis.call('LPUSH', journal, ARGV[2])
redis.call('LTRIM', journal, 0, tonumber(ARGV[3]) - 1)
redis.call('EXPIRE', journal, tonumber(ARGV[4]))
redis.call('SET', seen, 1, 'EX', remembered)
redis.call('EXPIRE', evicted, remembered)
if was_seen == 1 and had == 0 then  -- it vanished without being cleared: expired or evicted
  redis.call('SET', evicted, 1, 'EX', remembered)
end
return {'ok', t[1], t[2]}
"""

_INSTALL = """
local active, done, served, once = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local id, raw, limit, only_once = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4] == '1'
if redis.call('HEXISTS', active, id) == 1 or redis.call('HEXISTS', done, id) == 1 then return 0 end
if only_once and redis.call('SISMEMBER', once, id) == 1 then return 0 end
if redis.call('HLEN', active) >= limit then return -1 end
redis.call('HSET', active, id, raw)
redis.call('HSET', served, id, 0)
if only_once then
  redis.call('SADD', once, id)
  -- bounded: beyond the limit, the ids of file scripts replaced long ago (any but this one) go
  local extra = redis.call('SCARD', once) - limit
  if extra > 0 then
    for _, old in ipairs(redis.call('SRANDMEMBER', once, extra + 1)) do
      if extra > 0 and old ~= id then
        redis.call('SREM', once, old)
        extra = extra - 1
      end
    end
  end
end
return 1
"""

_DELETE = """
local removed = redis.call('HDEL', KEYS[1], ARGV[1]) + redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
return removed
"""

T = TypeVar("T")


def redact(url: str) -> str:
    """The URL without its password, for logs and the admin API."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class RedisStore(Store):
    """State in Redis (standalone; every key of a session shares one hash tag)."""

    kind = "redis"

    def __init__(
        self,
        url: str,
        journal_size: int = DEFAULT_JOURNAL_SIZE,
        max_scripts: int = DEFAULT_MAX_SCRIPTS,
        *,
        prefix: str = "mock:",
        timeout: float = SOCKET_TIMEOUT,
        journal_idle: int = JOURNAL_IDLE_SECONDS,
    ):
        super().__init__(journal_size, max_scripts)
        self.url = url
        self.prefix = prefix
        self.journal_idle = journal_idle
        # One retry on a fresh connection: after Redis restarts, the pool's old sockets are dead. Never
        # after a timeout (redis-py's default retries those too): the command sent may still run.
        self._redis = redis.Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
        )
        self._take = self._redis.register_script(_TAKE)
        self._install = self._redis.register_script(_INSTALL)
        self._delete = self._redis.register_script(_DELETE)
        self._append_entry = self._redis.register_script(_APPEND_ENTRY)
        # The URL's own socket_timeout wins over ours: the deadlines follow the one in force.
        self._undos: deque[tuple[list[str], list[Any]]] = deque(maxlen=MAX_UNDOS)
        self._clock = RedisClock(self._redis.connection_pool.connection_kwargs.get("socket_timeout"))
        self.counters = RedisCounters(self._redis, f"{prefix}counters", redact(url), journal_idle)

    def _key(self, session: str, name: str) -> str:
        return f"{self.prefix}{{{session}}}:{name}"

    def _keys(self, session: str, *names: str) -> list[str]:
        return [self._key(session, name) for name in names or ("active", "done", "served", "free", "held")]

    @contextmanager
    def _reachable(self) -> Iterator[None]:
        try:
            yield
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise StateUnavailable(redact(self.url), f"unreachable ({exc})") from exc
        except redis.ResponseError as exc:  # e.g. still loading its data, or a read-only replica
            raise StateUnavailable(redact(self.url), f"refused ({exc})") from exc

    def _call(self, fn: Callable[[], T]) -> T:
        with self._reachable():
            return fn()

    # Scripts ---------------------------------------------------------------------------------

    def install(self, session: str, new: NewScript) -> StoredScript | None:
        with self._reachable():
            pipe = self._redis.pipeline(transaction=False)
            pipe.incr(self._key(session, "seq"))
            pipe.time()
            seq, (seconds, micros) = pipe.execute()
            script = build(new, int(seq), seconds + micros / 1_000_000)
            outcome = int(
                self._install(
                    keys=self._keys(session, "active", "done", "served", "once"),
                    args=[script.id, script.to_json(), self.max_scripts, "1" if new.once else "0"],
                )
            )
            if outcome == -1:
                raise TooManyScripts(f"session {session!r} already has {self.max_scripts} active scripts")
            if outcome == 0:
                return None
            self._prune_done(session)
        return StoredScript(script, 0)

    def _prune_done(self, session: str) -> None:
        done_key = self._key(session, "done")
        if int(self._redis.hlen(done_key)) <= self.max_scripts:
            return
        scripts = sorted(
            (Script.from_json(raw) for raw in self._redis.hvals(done_key)),
            key=lambda s: s.seq,
        )
        drop = [s.id for s in scripts[: len(scripts) - self.max_scripts]]
        if drop:
            self._redis.hdel(done_key, *drop)
            self._redis.hdel(self._key(session, "served"), *drop)

    def scripts(self, session: str) -> list[StoredScript]:
        with self._reachable():
            pipe = self._redis.pipeline(transaction=True)
            for key in self._keys(session, "active", "done", "served", "free"):
                pipe.hgetall(key)
            pipe.time()
            active, done, served, free, (seconds, micros) = pipe.execute()
        now = seconds + micros / 1_000_000
        found = []
        for table in (active, done):
            for raw in table.values():
                script = Script.from_json(raw)
                if not script.expired(now):
                    name = script.id.encode()
                    given_back = len(orjson.loads(free[name])) if name in free else 0
                    found.append(StoredScript(script, int(served.get(name, 0)) - given_back))
        return ordered(found)

    def delete(self, session: str, script_id: str) -> bool:
        keys = self._keys(session, "active", "done", "served", "free")
        return bool(self._call(lambda: self._delete(keys=keys, args=[script_id])))

    def reset(self, session: str) -> int:
        with self._reachable():
            pipe = self._redis.pipeline(transaction=True)
            pipe.hlen(self._key(session, "active"))
            pipe.hlen(self._key(session, "done"))
            pipe.delete(*self._keys(session), self._key(session, "once"), self._key(session, "seq"))
            active, done, _ = pipe.execute()
        return int(active) + int(done)

    def take(self, session: str, request: Mapping[str, Any]) -> ScriptStep | None:
        token = os.urandom(8).hex()
        args = [request.get(name) or "" for name in ("call", "identifier-type", "identifier")]
        try:
            reply = self._before_deadline(self._take, self._keys(session), [*args, token, HOLD_SECONDS])
        except StateUnavailable:
            self._undo_late(session, ScriptStep("", "", 0, hold=token))
            raise
        if reply[0] != b"step":
            return None
        script_id, scenario, index = reply[3:]
        return ScriptStep(script_id.decode(), scenario.decode(), int(index), hold=token)

    def _before_deadline(self, script: LuaScript, keys: list[str], args: list[Any]) -> list[Any]:
        """Run a script that takes its deadline first and answers its status and Redis's TIME first.

        A reply that says the script ran after its deadline, yet came back in time, means the clock
        offset was off (Redis's clock moved): it is learned from that reply and the script sent once more.
        """
        with self._reachable():
            if self._undos:
                self._send_undos()
            if self._clock.stale():
                seconds, micros = self._redis.time()
                self._clock.observe(seconds + micros / 1_000_000, time.monotonic())
            for _ in range(2):
                sent = time.monotonic()
                deadline = f"{self._clock.deadline(sent):.6f}"
                reply: list[Any] = script(keys=keys, args=[deadline, *args])
                self._clock.observe(int(reply[1]) + int(reply[2]) / 1_000_000, time.monotonic())
                if reply[0] != b"late":
                    return reply
        raise StateUnavailable(redact(self.url), "answered after the request's deadline")

    def _undo_late(self, session: str, step: ScriptStep | None, entry: bytes = b"") -> None:
        """Undo what a request answered 503 may still have done: its journal entry, its step.

        Kept until Redis has run it (it is idempotent; sent again before this store's next command): a
        Redis that stalls does not even answer a new connection's handshake. A held step comes back by
        itself once its hold expires if this process never gets to send it.
        """
        keys = [*self._keys(session, "active", "done", "free", "held"), self._key(session, "journal")]
        hold = step.hold if step is not None else ""
        where = [step.script_id, step.index] if step is not None else ["", 0]
        self._undos.append((keys, [hold, entry, *where]))
        self._send_undos()

    def _send_undos(self) -> None:
        while True:
            try:
                keys, args = self._undos.popleft()
            except IndexError:
                return
            try:
                # EVAL, not EVALSHA: a Redis that has not seen this script yet must still run it when it
                # gets to it (EVALSHA would be refused after this process stopped waiting to load it).
                self._redis.eval(_UNDO, len(keys), *keys, *args)
            except redis.RedisError:
                self._undos.appendleft((keys, args))
                return

    # Journal ---------------------------------------------------------------------------------

    def _journal_keys(self, session: str) -> tuple[str, str, str]:
        """The journal, the mark that the session wrote to it, and the mark that it was evicted."""
        return (
            self._key(session, "journal"),
            self._key(session, "journal-seen"),
            self._key(session, "journal-evicted"),
        )

    def append_entry(self, session: str, entry: Mapping[str, Any], step: ScriptStep | None = None) -> None:
        keys = [*self._journal_keys(session), self._key(session, "held")]
        hold = step.hold if step is not None else ""  # confirmed by the same script as the entry
        data = orjson.dumps(entry, default=str)
        args = [data, self.journal_size, self.journal_idle, 2 * self.journal_idle]
        try:
            reply = self._before_deadline(self._append_entry, keys, [*args, hold])
        except StateUnavailable:
            self._undo_late(session, step, data)
            raise
        if reply[0] == b"lost":
            raise StateUnavailable(redact(self.url), f"the step was given back after {HOLD_SECONDS} s")

    def read_journal(self, session: str) -> SessionJournal:
        key, seen, evicted = self._journal_keys(session)
        with self._reachable():
            pipe = self._redis.pipeline(transaction=True)
            pipe.lrange(key, 0, -1)
            pipe.exists(seen)
            pipe.exists(evicted)
            raw, was_seen, marked = pipe.execute()
        entries = [orjson.loads(item) for item in raw]
        return SessionJournal(entries, bool(marked) or (bool(was_seen) and not entries))

    def clear_journal(self, session: str) -> int:
        key, seen, evicted = self._journal_keys(session)
        with self._reachable():
            pipe = self._redis.pipeline(transaction=True)
            pipe.llen(key)
            pipe.delete(key, seen, evicted)
            count, _ = pipe.execute()
        return int(count)

    # Operation -------------------------------------------------------------------------------

    def ping(self) -> None:
        self._call(self._redis.ping)

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "journal-idle-seconds": self.journal_idle, "url": redact(self.url)}

    def eviction(self) -> str:
        return (
            f"a journal nobody writes to for {self.journal_idle} s expires, and Redis may evict one "
            "under its own memory limit (maxmemory)"
        )

    def close(self) -> None:
        self._redis.close()
