"""Deterministic, realistic charging histories.

Same (seed, user key, clock anchor, variant) -> byte-identical body, in any process: every random
choice comes from a private ``random.Random`` (or a private Faker instance) seeded from a blake2b hash
of the seed and the names involved, never from Python's ``hash()`` or the global generator.

A user's history is stable as the clock moves: day ``d`` either has sessions or not, decided by a
generator seeded with (seed, user, d). The newest ones before the anchor are returned, newest first.
"""

from __future__ import annotations

import _random
import hashlib
import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import orjson
from faker import Faker

import spec
from mockserver.data.countries import COUNTRIES, Country

VARIANTS = (
    "normal",
    "none",
    "many",
    "null",
    "omitted",
    "in-progress",
    "never-charged",
    "zero-cost",
    "non-ascii",
)
OPTIONAL_FIELDS = (
    "request-sent",
    "connector-id",
    "charging-station-id",
    "energy-consumed",
    "external-session-id",
    "address",
)
_COUNTRY_LIST = tuple(COUNTRIES.values())
SUCCESS_RESULT = {"code": 0, "message": spec.result_codes()[0].message}
_STREETS = 256  # street addresses per country and seed
_TWO_53 = float(2**53)
_MAX_DAYS = 3650  # how far back a history walk may go: bounds every loop below
_STATIONS = 256  # charging stations per country and seed, shared by users (as public stations are)
_EPOCH_DAY = date(1970, 1, 1).toordinal()
_CACHED_STAMPS = 65536  # bound of the time formatter's caches (offsets per zone and hour, day texts)


class Rng(random.Random):
    """``random.Random`` with integer draws from one ``random()`` each: ``randint`` and ``choice`` of
    the standard class cost ~1.5 µs through ``_randbelow``, and a history makes hundreds of them.
    (The bias of scaling a 53-bit float to these small ranges is far below anything observable.)"""

    def __init__(self, seed: int) -> None:  # random.Random's, minus its type checks on the seed (~1.5 µs)
        _random.Random.seed(self, seed)
        self.gauss_next = None

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq: Sequence[_T]) -> _T:  # type: ignore[override]
        return seq[int(self.random() * len(seq))]


_T = TypeVar("_T")


def _mix(value: int) -> int:
    """splitmix64's finaliser: a well-spread 64-bit integer from any integer, with no hashing library."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


_MASK64 = (1 << 64) - 1


def stable_int(*parts: object) -> int:
    """A 64-bit integer from the parts' text, identical in every process (unlike ``hash()``)."""
    text = "\x1f".join(str(part) for part in parts)
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


@dataclass(frozen=True)
class Station:
    id: int
    connectors: tuple[int, ...]
    country: Country
    address: str


@dataclass(frozen=True)
class Profile:
    """Per-user habits, drawn once from the user's hash."""

    home: Country
    length: int  # how many sessions the history holds
    activity: float  # chance that a given day has a session
    stations: Sequence[Station]
    battery_kwh: float


class Generator:
    """Builds histories for one world (seed); bodies are cached in a bounded LRU cache."""

    def __init__(self, seed: int, cache_size: int = 4096) -> None:
        self.seed = seed
        self._fakers = threading.local()
        self._cities: dict[str, tuple[str, ...]] = {}
        self._pools: dict[str, tuple[tuple[str, str], ...]] = {}
        self._stations: dict[tuple[str, int], Station] = {}
        self._times = _Times()
        self.body: Callable[[str, datetime, str, int | None, str | None], bytes] = lru_cache(
            maxsize=cache_size
        )(self._body)

    # -- public -------------------------------------------------------------------------------
    def _body(self, key: str, anchor: datetime, variant: str, count: int | None, home: str | None) -> bytes:
        """The success body (bytes) for user ``key`` at clock ``anchor``. Cached by its arguments."""
        sessions = self.sessions(key, anchor, variant, count, home)
        return orjson.dumps({"user": {"sessions": sessions}, "result": SUCCESS_RESULT})

    def sessions(
        self,
        key: str,
        anchor: datetime,
        variant: str = "normal",
        count: int | None = None,
        home: str | None = None,
    ) -> list[dict[str, Any]]:
        """The user's sessions before ``anchor`` (newest first), shaped by ``variant``."""
        if variant not in VARIANTS:
            raise ValueError(f"unknown variant {variant!r}; variants: {', '.join(VARIANTS)}")
        if variant == "none":
            return []
        profile = self.profile(key, count, home, variant)
        many = variant == "many"
        built = self._walk(key, anchor, profile, many)
        shaper: Shaper = _SHAPERS.get(variant, _keep)
        return shaper(self, key, anchor, profile, built)

    def profile(
        self, key: str, count: int | None = None, home: str | None = None, variant: str = ""
    ) -> Profile:
        user = stable_int(self.seed, key, "profile")
        rng = Rng(user)
        country = COUNTRIES[home] if home else rng.choice(_COUNTRY_LIST)
        length = count if count is not None else (200 if variant == "many" else rng.randint(2, 9))
        activity = rng.uniform(0.12, 0.6)
        stations = tuple(self._pooled(country, _mix(user + n) % _STATIONS) for n in range(4))
        return Profile(country, length, activity, stations, rng.choice((40.0, 52.0, 64.0, 77.0, 95.0)))

    def warm(self) -> None:
        """Build every country's street and station pools now (~1 s) rather than on first use, where
        each country costs its first request ~50 ms. Safe beside requests (a pool built twice is the
        same pool); the server runs it in a background thread as a worker starts."""
        for country in _COUNTRY_LIST:
            for number in range(_STATIONS):
                self._pooled(country, number)

    # -- building blocks ----------------------------------------------------------------------
    def _faker(self, locale: str) -> Faker:
        cache: dict[str, Faker] | None = getattr(self._fakers, "by_locale", None)
        if cache is None:
            cache = self._fakers.by_locale = {}
        if locale not in cache:
            cache[locale] = Faker(locale)
        return cache[locale]

    def _pooled(self, country: Country, number: int) -> Station:
        """Station ``number`` (< _STATIONS) of the country's shared pool, built when first used.
        Threads racing to build one build the same station (it depends on seed, country, number)."""
        found = self._stations.get((country.code, number))
        if found is None:
            found = self._station(stable_int(self.seed, country.code, "station", number), country)
            self._stations[(country.code, number)] = found
        return found

    def _station(self, station_seed: int, country: Country, non_ascii: bool = False) -> Station:
        rng = Rng(station_seed)
        street, postcode = rng.choice(self._streets(country))
        if non_ascii:
            postcode, city = country.non_ascii_city
        else:
            city = self._city(country, rng)
        place = f"{postcode} {city}" if country.postcode_first else f"{city} {postcode}"
        station_id = rng.randint(1000, 99999)
        connectors = tuple(station_id * 10 + n for n in range(1, rng.randint(2, 4) + 1))
        return Station(station_id, connectors, country, f"{street}, {place}, {country.name}")

    def _streets(self, country: Country) -> tuple[tuple[str, str], ...]:
        """The country's pool of (street address, postcode) pairs, drawn once from Faker with a seeded
        instance: Faker costs ~60 µs an address, a pool lookup nothing (a new user's history needs
        several stations). Threads racing to build a pool build the same one."""
        pool = self._pools.get(country.code)
        if pool is None:
            fake = self._faker(country.locale)
            fake.seed_instance(stable_int(self.seed, country.code, "streets"))
            # " ".join(split()): some locales put newlines or double spaces in
            pool = tuple((" ".join(fake.street_address().split()), fake.postcode()) for _ in range(_STREETS))
            self._pools[country.code] = pool
        return pool

    def _city(self, country: Country, rng: random.Random) -> str:
        """A city of the country's Faker list, sorted first: some locales build it from a set, whose
        order changes with PYTHONHASHSEED, so Faker's own ``city()`` differs between processes.
        Locales without a list get a pool drawn once from a seeded instance."""
        cities = self._cities.get(country.code)
        if cities is None:
            fake = self._faker(country.locale)
            found = sorted({city for p in fake.providers for city in getattr(p, "cities", ())})
            if not found:  # a locale that composes city names: a pool from a seeded instance
                fake.seed_instance(stable_int(self.seed, country.code, "cities"))
                found = [str(fake.city()) for _ in range(_STREETS // 4)]
            cities = self._cities[country.code] = tuple(found)
        return rng.choice(cities)

    def _walk(self, key: str, anchor: datetime, profile: Profile, many: bool) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        today = anchor.date().toordinal()
        now = anchor.timestamp()
        days = stable_int(self.seed, key, "days", many)  # one hash per history; per day a cheap mix
        chance, most = (0.95, 3) if many else (profile.activity, 2)
        for back in range(_MAX_DAYS):
            if len(found) >= profile.length:
                break
            day = today - back
            day_seed = _mix(days ^ day)
            if (day_seed >> 11) / _TWO_53 >= chance:  # the seed's top 53 bits as a uniform [0, 1)
                continue  # most days have no session: no generator built for them
            # Each session its own generator: one that lies after the anchor (and so stops drawing
            # early) must not change the next one, or the past would change as the clock moves.
            sessions = range(1 + _mix(day_seed - 1) % most)  # 1..most sessions that day
            per_day = [self._session(Rng(_mix(day_seed + n)), day, profile, now) for n in sessions]
            found.extend(
                s for _, s in sorted((s for s in per_day if s is not None), reverse=True, key=_first)
            )
        return found[: profile.length]

    def _pick_station(self, rng: random.Random, profile: Profile) -> Station:
        if rng.random() < 0.8:
            return rng.choice(profile.stations)
        country = rng.choice(_COUNTRY_LIST)  # a trip abroad
        return self._pooled(country, int(rng.random() * _STATIONS))

    def _session(
        self,
        rng: random.Random,
        day: int,
        profile: Profile,
        anchor: float,
        *,
        state: str = "",
        station: Station | None = None,
        start: float | None = None,
    ) -> tuple[float, dict[str, Any]] | None:
        """(start, session) of a session on ``day`` (a date ordinal), None when it starts at or after
        ``anchor``. Times are epoch seconds (floats) until formatted: datetimes cost several times more."""
        station = station or self._pick_station(rng, profile)
        country = station.country
        stamp = self._times.stamp
        if start is None:
            wall = (day - _EPOCH_DAY) * 86400 + rng.randint(6 * 3600, 22 * 3600 + 3599)
            start = wall - self._times.day_offset(country.tz, day)
        if start >= anchor:
            return None
        state = state or ("never-charged" if rng.random() < 0.08 else "charged")
        fast = rng.random() < 0.3
        if state == "never-charged":
            duration = rng.randint(60, 360)
        elif fast:
            duration = rng.randint(15 * 60, 60 * 60)
        else:
            duration = rng.randint(45 * 60, 10 * 3600)
        end: float | None = start + duration
        if state == "in-progress" or (end is not None and end > anchor):
            end = None
        power = rng.uniform(50.0, 150.0) if fast else rng.choice((3.7, 7.4, 11.0, 22.0))
        price_cents = round(rng.uniform(*country.price) * 100)
        fee_cents = 0 if rng.random() < 0.4 else round(rng.uniform(*country.fee) * 100)
        charging: dict[str, str | None] = {"start": None, "end": None}
        c_start = start + rng.randint(5, 180)
        full = profile.battery_kwh * rng.uniform(0.2, 0.8) / power * 3600
        if state == "never-charged":
            energy = round(rng.uniform(0.0, 0.08), 3)
        elif c_start >= anchor:  # plugged in moments ago: not charging yet
            energy = 0.0
        else:
            c_end: float | None = c_start + full
            limit = end if end is not None else anchor
            if c_start + full > limit - 30:
                c_end = max(c_start, limit - rng.randint(0, 30))
            if end is None and c_end is not None and c_end >= anchor - 30:
                c_end = None  # still charging
            charged_until = c_end if c_end is not None else anchor
            energy = round(power * (charged_until - c_start) / 3600, 3)
            charging = {
                "start": stamp(c_start, country.tz),
                "end": stamp(c_end, country.tz) if c_end else None,
            }
        # cost = energy (3 decimals) * price (2) + fee (2), rounded half up to cents, in integers
        cents = (round(energy * 1000) * price_cents + fee_cents * 1000 + 500) // 1000
        session: dict[str, Any] = {
            "request-sent": stamp(start - rng.randint(5, 240), country.tz),
            "connector-id": rng.choice(station.connectors),
            "charging-station-id": station.id,
            "session-interval": {
                "start": stamp(start, country.tz),
                "end": stamp(end, country.tz) if end else None,
            },
            "charging-interval": charging,
            "energy-consumed": energy,
            "cost": f"{cents // 100}.{cents % 100:02d}",
            "currency": country.currency,
            "external-session-id": _uuid4(rng.getrandbits(128)),
            "address": station.address,
        }
        _vary_optional(rng, session)
        return start, session


class _Times:
    """The strict date-time form of D3 (``2014-06-23T18:32:49+02:00``) from epoch seconds, with the
    zone's offset at that moment: offsets and local 'date T hour:' texts cached per zone and UTC
    hour (every zone of the country table changes offset on the hour); both caches bounded."""

    def __init__(self) -> None:
        self._offsets: dict[tuple[str, int], tuple[int, str]] = {}
        self._noon: dict[tuple[str, int], int] = {}
        self._hours: dict[tuple[str, int], tuple[str | None, str]] = {}

    def day_offset(self, tz: str, day: int) -> int:
        """The zone's UTC offset (seconds) at local noon of ``day`` (a date ordinal): the offset of any
        time from 06:00 on (offset changes happen at night)."""
        found = self._noon.get((tz, day))
        if found is None:
            if len(self._noon) >= _CACHED_STAMPS:
                self._noon.clear()
            noon = datetime(*date.fromordinal(day).timetuple()[:3], 12, tzinfo=_zone(tz))
            offset = noon.utcoffset()
            found = self._noon[(tz, day)] = int(offset.total_seconds()) if offset else 0
        return found

    def stamp(self, moment: float, tz: str) -> str:
        seconds = int(moment)  # moments are after 1970: int() floors, as isoformat truncates
        hour, within = divmod(seconds, 3600)
        found = self._hours.get((tz, hour))
        if found is None:
            found = self._hour(tz, hour)
        head, suffix = found
        if head is None:  # an offset that is not whole hours
            return self._general(seconds, tz)
        return f"{head}{_MINUTES_SECONDS[within]}{suffix}"

    def _hour(self, tz: str, hour: int) -> tuple[str | None, str]:
        """("YYYY-MM-DDThh:", "+hh:mm") of a UTC hour in the zone (no head for part-hour offsets)."""
        if len(self._hours) >= _CACHED_STAMPS:
            self._hours.clear()
        offset_s, suffix = self._offset(tz, hour)
        head = None
        if offset_s % 3600 == 0:
            local = datetime.fromtimestamp(hour * 3600 + offset_s, UTC)
            head = f"{local.date().isoformat()}T{local.hour:02d}:"
        found = self._hours[(tz, hour)] = (head, suffix)
        return found

    def _offset(self, tz: str, hour: int) -> tuple[int, str]:
        found = self._offsets.get((tz, hour))
        if found is None:
            if len(self._offsets) >= _CACHED_STAMPS:
                self._offsets.clear()
            offset = datetime.fromtimestamp(hour * 3600, _zone(tz)).utcoffset()
            total = int(offset.total_seconds()) if offset else 0
            sign, minutes = ("+" if total >= 0 else "-"), abs(total) // 60
            found = self._offsets[(tz, hour)] = (total, f"{sign}{minutes // 60:02d}:{minutes % 60:02d}")
        return found

    def _general(self, seconds: int, tz: str) -> str:
        offset_s, suffix = self._offset(tz, seconds // 3600)
        local = datetime.fromtimestamp(seconds + offset_s, UTC)
        return f"{local.replace(tzinfo=None).isoformat(timespec='seconds')}{suffix}"


_MINUTES_SECONDS = tuple(f"{m:02d}:{s:02d}" for m in range(60) for s in range(60))  # "mm:ss" of an hour


def _first(pair: tuple[float, dict[str, Any]]) -> float:
    return pair[0]


@cache
def _zone(name: str) -> ZoneInfo:
    """ZoneInfo keeps only a few zones strongly cached; the countries' zones are a small fixed set."""
    return ZoneInfo(name)


def _uuid4(bits: int) -> str:
    """``str(uuid.UUID(int=bits, version=4))`` at half the cost: the version and variant bits set."""
    bits = (bits & ~(0xF000 << 64) | (0x4000 << 64)) & ~(0xC000 << 48) | (0x8000 << 48)
    text = f"{bits:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _vary_optional(rng: random.Random, session: dict[str, Any]) -> None:
    """Optional fields are sometimes null and sometimes left out (D5), as real servers do."""
    for name in OPTIONAL_FIELDS:
        roll = rng.random()
        if roll < 0.05:
            session[name] = None
        elif roll < 0.08:
            del session[name]
    for interval in ("session-interval", "charging-interval"):
        for name in ("start", "end"):
            if session[interval][name] is None and rng.random() < 0.5:
                del session[interval][name]


# -- variants: each reshapes the normal history -------------------------------------------------
Sessions = list[dict[str, Any]]
Shaper = Callable[["Generator", str, datetime, Profile, Sessions], Sessions]


def _keep(gen: Generator, key: str, anchor: datetime, profile: Profile, built: Sessions) -> Sessions:
    return built


def _all_null(
    gen: Generator, key: str, anchor: datetime, profile: Profile, built: list[dict[str, Any]]
) -> Any:
    for session in built:
        session.update(dict.fromkeys(OPTIONAL_FIELDS))
        session["session-interval"] = {"start": None, "end": None}
        session["charging-interval"] = {"start": None, "end": None}
    return built


def _all_omitted(
    gen: Generator, key: str, anchor: datetime, profile: Profile, built: list[dict[str, Any]]
) -> Any:
    for session in built:
        for name in OPTIONAL_FIELDS:
            session.pop(name, None)
        session["session-interval"] = {}
        session["charging-interval"] = {}
    return built


def _zero_cost(
    gen: Generator, key: str, anchor: datetime, profile: Profile, built: list[dict[str, Any]]
) -> Any:
    for session in built:
        session["cost"] = "0.00"
    return built


def _newest(state: str, minutes: tuple[int, int]) -> Shaper:
    """A shaper that puts a fresh session of ``state`` first, starting ``minutes`` before the anchor."""

    def shape(
        gen: Generator, key: str, anchor: datetime, profile: Profile, built: list[dict[str, Any]]
    ) -> Any:
        rng = Rng(stable_int(gen.seed, key, state, anchor.isoformat()))
        start = anchor - timedelta(minutes=rng.randint(*minutes), seconds=rng.randint(0, 59))
        made = gen._session(
            rng,
            start.date().toordinal(),
            profile,
            anchor.timestamp(),
            state=state,
            station=profile.stations[0],
            start=start.timestamp(),
        )
        assert made is not None
        fresh = made[1]
        if state == "in-progress":
            for name in ("end",):
                fresh["session-interval"].pop(name, None)
                fresh["charging-interval"].pop(name, None)
            fresh["charging-interval"].setdefault("start", None)
        else:
            fresh["charging-interval"] = {"start": None, "end": None}  # as the document's second example
        earlier = [s for s in built if _ends_before(s, start)]
        return [fresh, *earlier][: max(profile.length, 1)]

    return shape


def _ends_before(session: dict[str, Any], moment: datetime) -> bool:
    end = session["session-interval"].get("end")
    return end is not None and datetime.fromisoformat(end) <= moment


def _non_ascii(
    gen: Generator, key: str, anchor: datetime, profile: Profile, built: list[dict[str, Any]]
) -> Any:
    for index, session in enumerate(built):
        currency = session["currency"]
        country = next(c for c in COUNTRIES.values() if c.currency == currency)
        if currency == "EUR":
            country = profile.home if profile.home.currency == "EUR" else COUNTRIES["DE"]
        station = gen._station(stable_int(gen.seed, key, "non-ascii", index), country, non_ascii=True)
        session["address"] = station.address
    return built


_SHAPERS: dict[str, Shaper] = {
    "null": _all_null,
    "omitted": _all_omitted,
    "zero-cost": _zero_cost,
    "in-progress": _newest("in-progress", (10, 90)),
    "never-charged": _newest("never-charged", (20, 600)),
    "non-ascii": _non_ascii,
}
