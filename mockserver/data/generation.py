"""Deterministic, realistic charging histories.

Same (seed, user key, clock anchor, variant) -> byte-identical body, in any process: every random
choice comes from a private generator (or a private Faker instance) seeded from the seed and the names
involved (``seeding``). Times are written by ``timestamps``; data variants reshape a history
(``variants``).

A user's history is stable as the clock moves: day ``d`` either has sessions or not, decided by a
generator seeded with (seed, user, d). The newest ones before the anchor are returned, newest first.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any

import orjson
from faker import Faker

import spec
from mockserver.data.countries import COUNTRIES, Country
from mockserver.data.seeding import TWO_53, Rng, mix, stable_int
from mockserver.data.timestamps import EPOCH_DAY, Timestamps
from mockserver.data.variants import OPTIONAL_FIELDS, SHAPERS, VARIANTS, Profile, Shaper, Station, keep

_COUNTRY_LIST = tuple(COUNTRIES.values())
SUCCESS_RESULT = {"code": 0, "message": spec.result_codes()[0].message}
_STREETS = 256  # street addresses per country and seed
_MAX_DAYS = 3650  # how far back a history walk may go: bounds every loop below
_STATIONS = 256  # charging stations per country and seed, shared by users (as public stations are)


class Generator:
    """Builds histories for one world (seed); bodies are cached in a bounded LRU cache."""

    def __init__(self, seed: int, cache_size: int = 4096) -> None:
        self.seed = seed
        self._fakers = threading.local()
        self._cities: dict[str, tuple[str, ...]] = {}
        self._pools: dict[str, tuple[tuple[str, str], ...]] = {}
        self._stations: dict[tuple[str, int], Station] = {}
        self._times = Timestamps()
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
        shaper: Shaper = SHAPERS.get(variant, keep)
        return shaper(self, key, anchor, profile, built)

    def profile(
        self, key: str, count: int | None = None, home: str | None = None, variant: str = ""
    ) -> Profile:
        user = stable_int(self.seed, key, "profile")
        rng = Rng(user)
        country = COUNTRIES[home] if home else rng.choice(_COUNTRY_LIST)
        length = count if count is not None else (200 if variant == "many" else rng.randint(2, 9))
        activity = rng.uniform(0.12, 0.6)
        stations = tuple(self._pooled(country, mix(user + n) % _STATIONS) for n in range(4))
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
            found = self.station(stable_int(self.seed, country.code, "station", number), country)
            self._stations[(country.code, number)] = found
        return found

    def station(self, station_seed: int, country: Country, non_ascii: bool = False) -> Station:
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
            day_seed = mix(days ^ day)
            if (day_seed >> 11) / TWO_53 >= chance:  # the seed's top 53 bits as a uniform [0, 1)
                continue  # most days have no session: no generator built for them
            # Each session its own generator: one that lies after the anchor (and so stops drawing
            # early) must not change the next one, or the past would change as the clock moves.
            sessions = range(1 + mix(day_seed - 1) % most)  # 1..most sessions that day
            per_day = [self.session(Rng(mix(day_seed + n)), day, profile, now) for n in sessions]
            found.extend(
                s for _, s in sorted((s for s in per_day if s is not None), reverse=True, key=_first)
            )
        return found[: profile.length]

    def _pick_station(self, rng: random.Random, profile: Profile) -> Station:
        if rng.random() < 0.8:
            return rng.choice(profile.stations)
        country = rng.choice(_COUNTRY_LIST)  # a trip abroad
        return self._pooled(country, int(rng.random() * _STATIONS))

    def session(
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
            wall = (day - EPOCH_DAY) * 86400 + rng.randint(6 * 3600, 22 * 3600 + 3599)
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


def _first(pair: tuple[float, dict[str, Any]]) -> float:
    return pair[0]


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
