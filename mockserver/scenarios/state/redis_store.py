"""The Redis store: state shared by every worker and host that points at one Redis.

Keys of a session share the hash tag ``{session}``:
``<prefix>{session}:active`` and ``:done`` (hashes id -> script JSON), ``:served`` (hash id -> count),
``:seq`` (installation counter), ``:once`` (ids of file scripts ever installed, at most
``max_scripts``), ``:journal`` (a list, newest first, trimmed to the ring size), ``:journal-seen``
(set while the session's journal is remembered) and ``:journal-evicted`` (set when a journal vanished
that was not cleared). Only writes create keys: reading any session id leaves Redis as it was.
``<prefix>counters`` (a hash) holds what ``/__mock/health`` counts, for every worker and host.
Consuming a step is one Lua script, so two workers never serve the same step and none is lost.

Journals are bounded per session (the ring) and by idle expiry; Redis's own memory limit bounds them
together (``--journal-total`` is the memory store's). A journal that expired, or that Redis evicted,
reads as evicted until it is cleared (for at most as long again as the idle time), as the memory
store's evicted journals do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import orjson
import redis
from redis.backoff import NoBackoff
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
from mockserver.scenarios.state.errors import StateUnavailable, TooManyScripts
from mockserver.scenarios.state.model import Script, StoredScript

# A journal nobody writes to for this long disappears (sessions are cheap to create); its session is
# remembered as long again, so that reading it says the journal was evicted.
JOURNAL_IDLE_SECONDS = 7 * 24 * 3600
# Short timeouts: during an outage a request should fail fast with 503, not hang.
SOCKET_TIMEOUT = 0.5

_TAKE = """
local active, done, served = KEYS[1], KEYS[2], KEYS[3]
local want = {['call'] = ARGV[1], ['identifier-type'] = ARGV[2], ['identifier'] = ARGV[3]}
local weights = {['call'] = 1, ['identifier-type'] = 2, ['identifier'] = 4}
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local flat = redis.call('HGETALL', active)
local best, bestspec, bestid, bestraw = nil, -1, nil, nil
for i = 1, #flat, 2 do
  local id, raw = flat[i], flat[i + 1]
  local s = cjson.decode(raw)
  if type(s.expires) == 'number' and s.expires <= now then
    redis.call('HDEL', active, id)
    redis.call('HDEL', served, id)
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
if best == nil then return false end
local index = redis.call('HINCRBY', served, bestid, 1) - 1
local left, total, scenario = index, 0, false
for _, step in ipairs(best.sequence) do
  total = total + step.times
  if not scenario then
    if left < step.times then scenario = step.scenario else left = left - step.times end
  end
end
if index + 1 >= total then
  redis.call('HDEL', active, bestid)
  redis.call('HSET', done, bestid, bestraw)
end
if not scenario then return false end
return {bestid, scenario, index}
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
        # One retry on a fresh connection: after Redis restarts, the pool's old sockets are dead.
        self._redis = redis.Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 1),
            retry_on_timeout=False,
        )
        self._take = self._redis.register_script(_TAKE)
        self._install = self._redis.register_script(_INSTALL)
        self._delete = self._redis.register_script(_DELETE)
        self.counters = RedisCounters(self._redis, f"{prefix}counters", redact(url), journal_idle)

    def _key(self, session: str, name: str) -> str:
        return f"{self.prefix}{{{session}}}:{name}"

    def _keys(self, session: str) -> list[str]:
        return [self._key(session, name) for name in ("active", "done", "served")]

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
                    keys=[*self._keys(session), self._key(session, "once")],
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
            for key in self._keys(session):
                pipe.hgetall(key)
            pipe.time()
            active, done, served, (seconds, micros) = pipe.execute()
        now = seconds + micros / 1_000_000
        found = []
        for table in (active, done):
            for raw in table.values():
                script = Script.from_json(raw)
                if not script.expired(now):
                    found.append(StoredScript(script, int(served.get(script.id.encode(), 0))))
        return ordered(found)

    def delete(self, session: str, script_id: str) -> bool:
        return bool(self._call(lambda: self._delete(keys=self._keys(session), args=[script_id])))

    def reset(self, session: str) -> int:
        with self._reachable():
            pipe = self._redis.pipeline(transaction=True)
            pipe.hlen(self._key(session, "active"))
            pipe.hlen(self._key(session, "done"))
            pipe.delete(*self._keys(session), self._key(session, "once"), self._key(session, "seq"))
            active, done, _ = pipe.execute()
        return int(active) + int(done)

    def take(self, session: str, request: Mapping[str, Any]) -> ScriptStep | None:
        args = [request.get(name) or "" for name in ("call", "identifier-type", "identifier")]
        result = self._call(lambda: self._take(keys=self._keys(session), args=args))
        if not result:
            return None
        script_id, scenario, index = result
        return ScriptStep(script_id.decode(), scenario.decode(), int(index))

    # Journal ---------------------------------------------------------------------------------

    def _journal_keys(self, session: str) -> tuple[str, str, str]:
        """The journal, the mark that the session wrote to it, and the mark that it was evicted."""
        return (
            self._key(session, "journal"),
            self._key(session, "journal-seen"),
            self._key(session, "journal-evicted"),
        )

    def record(self, session: str, entry: Mapping[str, Any]) -> None:
        key, seen, evicted = self._journal_keys(session)
        remembered = 2 * self.journal_idle
        with self._reachable():
            pipe = self._redis.pipeline(transaction=True)
            pipe.exists(key)
            pipe.exists(seen)
            pipe.lpush(key, orjson.dumps(entry, default=str))
            pipe.ltrim(key, 0, self.journal_size - 1)
            pipe.expire(key, self.journal_idle)
            pipe.set(seen, 1, ex=remembered)
            pipe.expire(evicted, remembered)
            had_journal, was_seen, *_ = pipe.execute()
            if was_seen and not had_journal:  # it vanished without being cleared: expired or evicted
                self._redis.set(evicted, 1, ex=remembered)

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
