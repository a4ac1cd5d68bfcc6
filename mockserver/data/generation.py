"""Deterministic, realistic charging histories.

Same (seed, user key, clock anchor, variant) -> byte-identical body, in any process: every random
choice comes from a private generator (or a private Faker instance) seeded from the seed and the names
involved (``seeding``). Times are written by ``timestamps``; data variants reshape a history
(``variants``).

A user's history is stable as the clock moves: day ``d`` either has sessions or not, decided by a
generator seeded with (seed, user, d). The newest ones before the anchor are returned, newest first.

A history is one driver's. A user lives in a home country and charges there on most days; now and
then a trip of a few consecutive days takes them to another country (``_calendar``: one trip at most in
each block of ``_TRIP_BLOCK`` days). A day's sessions follow one another, each ending before the next
starts, inside the day's window (06:00 to 04:00 the next morning, local time); a day before or after
a day in another country has a narrower window, so that the next session abroad starts at least
``HOP_GAP`` after the last one at home ended, and no session runs into the next day's.
"""

from __future__ import annotations

import math
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
# The Faker providers the pools draw from: street addresses and postcodes (address; its street names take
# persons' names), towns (address's city lists, geo's places). Faker's default builds every provider of
# the locale and scans its package folders for each: ~0.26 s of each worker's start, for nothing. A Faker
# release whose addresses name another provider gets every provider for that locale (``_streets``).
FAKER_PROVIDERS = ("faker.providers.address", "faker.providers.person", "faker.providers.geo")
_CITY_LISTS = ("cities", "real_city_names")  # Faker address providers' lists of real towns
_FEW_TOWNS = 20  # a list shorter than this is topped up from the next source
_STATION_IDS = (1000, 99000)  # pooled stations' ids: 1000 + a permutation of range(99000), all distinct
_ABROAD = {c.code: tuple(o for o in _COUNTRY_LIST if o is not c) for c in _COUNTRY_LIST}
_TRIP_BLOCK = 28  # days: each block of a user's calendar holds at most one trip abroad
_TRIP_DAYS = (2, 7)  # a trip's length in days, bounds included
# A day's window, in seconds after its local midnight: sessions start from _OPENS and by _LAST_START,
# and end by _CLOSES. Next to a day in another country the window narrows (_ARRIVES after arriving,
# _LEAVES before leaving): then at least 11 h lie between the two days' sessions, 9 h once zones (up
# to 2 h apart in the table) and a change to summer time are counted: more than countries.HOP_GAP.
_OPENS, _LAST_START, _CLOSES = 6 * 3600, 23 * 3600 - 1, 28 * 3600
_ARRIVES, _LEAVES = 11 * 3600, 24 * 3600
_PAUSE = (10 * 60, 90 * 60)  # seconds between two sessions of a day, at least
_WISHES, _PAUSES = 0x100, 0x200  # offsets of a day's seed for the layout's draws (sessions use 0..2)
_CENTS = tuple(f"{n:02d}" for n in range(100))  # a cost's decimals: an int's formatter costs more


def _street_pool(fake: Faker, seed: int) -> tuple[tuple[str, str], ...]:
    """``_STREETS`` (street address, postcode) pairs drawn from ``fake`` seeded with ``seed``: the same
    pairs from any set of providers that has every formatter the locale's addresses name."""
    fake.seed_instance(seed)
    # " ".join(split()): some locales put newlines or double spaces in
    return tuple((" ".join(fake.street_address().split()), fake.postcode()) for _ in range(_STREETS))


class Generator:
    """Builds histories for one world (seed); bodies are cached in a bounded LRU cache."""

    def __init__(self, seed: int, cache_size: int = 4096) -> None:
        self.seed = seed
        self._fakers = threading.local()
        self._cities: dict[str, tuple[str, ...]] = {}
        self._pools: dict[str, tuple[tuple[str, str], ...]] = {}
        self._stations: dict[tuple[str, int], Station] = {}
        self._times = Timestamps()
        step = stable_int(seed, "station ids")
        while math.gcd(step % _STATION_IDS[1], _STATION_IDS[1]) != 1:
            step += 1
        self._id_step, self._id_shift = step % _STATION_IDS[1], stable_int(seed, "station id shift")
        self._id_inverse = pow(self._id_step, -1, _STATION_IDS[1])
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
        battery = rng.choice((40.0, 52.0, 64.0, 77.0, 95.0))
        return Profile(country, length, activity, stations, battery, travel=rng.uniform(0.2, 0.9))

    def warm(self) -> None:
        """Build every country's street and station pools now (~0.25 s) rather than on first use, where
        each country costs its first request ~50 ms. Safe beside requests (a pool built twice is the
        same pool); the server runs it in a background thread as a worker starts."""
        for country in _COUNTRY_LIST:
            for number in range(_STATIONS):
                self._pooled(country, number)

    # -- building blocks ----------------------------------------------------------------------
    def _faker(self, locale: str, every_provider: bool = False) -> Faker:
        cache: dict[tuple[str, bool], Faker] | None = getattr(self._fakers, "by_locale", None)
        if cache is None:
            cache = self._fakers.by_locale = {}
        if (locale, every_provider) not in cache:
            providers = None if every_provider else list(FAKER_PROVIDERS)  # None: Faker's default, all
            cache[(locale, every_provider)] = Faker(locale, providers=providers)
        return cache[(locale, every_provider)]

    def _pooled(self, country: Country, number: int) -> Station:
        """Station ``number`` (< _STATIONS) of the country's shared pool, built when first used.
        Threads racing to build one build the same station (it depends on seed, country, number)."""
        found = self._stations.get((country.code, number))
        if found is None:
            slot = _COUNTRY_LIST.index(country) * _STATIONS + number
            first, span = _STATION_IDS
            ident = first + (slot * self._id_step + self._id_shift) % span  # distinct slots, distinct ids
            found = self.station(stable_int(self.seed, country.code, "station", number), country, ident=ident)
            self._stations[(country.code, number)] = found
        return found

    def station_country(self, ident: object) -> Country | None:
        """The country of the pooled station with id ``ident``; None for an id no pooled station has."""
        first, span = _STATION_IDS
        if not isinstance(ident, int) or isinstance(ident, bool) or not first <= ident < first + span:
            return None
        index = (ident - first - self._id_shift) * self._id_inverse % span // _STATIONS
        return _COUNTRY_LIST[index] if index < len(_COUNTRY_LIST) else None

    def station(
        self, station_seed: int, country: Country, non_ascii: bool = False, *, ident: int | None = None
    ) -> Station:
        """A station in ``country`` drawn from ``station_seed``: its id is ``ident`` when given."""
        rng = Rng(station_seed)
        street, postcode = rng.choice(self._streets(country))
        if non_ascii:
            postcode, city = country.non_ascii_city
        else:
            city = self._city(country, rng)
        place = f"{postcode} {city}" if country.postcode_first else f"{city} {postcode}"
        station_id = rng.randint(1000, 99999) if ident is None else ident
        connectors = tuple(station_id * 10 + n for n in range(1, rng.randint(2, 4) + 1))
        return Station(station_id, connectors, country, f"{street}, {place}, {country.name}")

    def _streets(self, country: Country) -> tuple[tuple[str, str], ...]:
        """The country's pool of (street address, postcode) pairs, drawn once from Faker with a seeded
        instance: Faker costs ~60 µs an address, a pool lookup nothing (a new user's history needs
        several stations). Threads racing to build a pool build the same one."""
        pool = self._pools.get(country.code)
        if pool is None:
            seed = stable_int(self.seed, country.code, "streets")
            try:
                pool = _street_pool(self._faker(country.locale), seed)
            except AttributeError:  # a Faker release whose formats use a provider FAKER_PROVIDERS leaves out
                pool = _street_pool(self._faker(country.locale, every_provider=True), seed)
            self._pools[country.code] = pool
        return pool

    def _city(self, country: Country, rng: Rng) -> str:
        """A real town of the country: from the locale's list of cities where Faker has one, else the
        places of Faker's geo data in the country, topped up with the table's ``towns`` (Faker's
        composed ``city()`` gives surnames as towns). Sorted: some locales build the list from a
        set, whose order changes with PYTHONHASHSEED."""
        cities = self._cities.get(country.code)
        if cities is None:
            fake = self._faker(country.locale)
            found = {city for p in fake.providers for name in _CITY_LISTS for city in getattr(p, name, ())}
            if len(found) < _FEW_TOWNS:
                places = (place for p in fake.providers for place in getattr(p, "land_coords", ()))
                found |= {place[2].split(",")[0] for place in places if place[3] == country.code}
            if len(found) < _FEW_TOWNS:
                found |= set(country.towns)
            cities = self._cities[country.code] = tuple(sorted(found))
        return rng.choice(cities)

    def _walk(self, key: str, anchor: datetime, profile: Profile, many: bool) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        today = anchor.date().toordinal()
        now = anchor.timestamp()
        days = stable_int(self.seed, key, "days", many)  # one hash per history; per day a cheap mix
        trips = stable_int(self.seed, key, "trips")
        chance, most = (0.95, 3) if many else (profile.activity, 2)
        abroad = min(0.95, 2 * chance)  # a trip needs charging more often
        where = _calendar(trips, profile)
        for back in range(_MAX_DAYS):
            if len(found) >= profile.length:
                break
            day = today - back
            day_seed = mix(days ^ day)
            roll = (day_seed >> 11) / TWO_53  # the seed's top 53 bits as a uniform [0, 1)
            if roll >= abroad:
                continue  # most days have no session: no generator built for them
            here, stay = where(day)
            if stay == 0 and roll >= chance:
                continue
            made = self._day(where, day, day_seed, profile, here=here, stay=stay, now=now, most=most)
            found.extend(session for _, session in reversed(made))
        return found[: profile.length]

    def _day(
        self,
        where: Callable[[int], tuple[Country, int]],
        day: int,
        day_seed: int,
        profile: Profile,
        *,
        here: Country,
        stay: int,
        now: float,
        most: int,
    ) -> list[tuple[float, dict[str, Any]]]:
        """The sessions of ``day`` (oldest first) that start before ``now``: 1 to ``most`` sessions
        laid one after another in the day's window. The layout is drawn whole whatever ``now`` is,
        so a session after the clock never changes one before it."""
        opens = _ARRIVES if where(day - 1)[0] is not here else _OPENS
        closes = _LEAVES if where(day + 1)[0] is not here else _CLOSES
        latest = min(_LAST_START, closes - 3600)
        midnight = (day - EPOCH_DAY) * 86400 - self._times.day_offset(here.tz, day)
        count = 1 + mix(day_seed - 1) % most
        wished = sorted(_draw(day_seed + _WISHES + n, opens, latest) for n in range(count))
        made: list[tuple[float, dict[str, Any]]] = []
        free = opens
        for n, wish in enumerate(wished):
            begins = max(wish, free)
            if begins > latest or midnight + begins >= now:
                break
            rng = Rng(mix(day_seed + n))
            state, fast, duration = _kind(rng)
            duration = min(duration, closes - begins)
            free = begins + duration + _draw(day_seed + _PAUSES + n, *_PAUSE)
            station = self._station_at(rng, profile, here, stay)
            one = self.session(
                rng, day, profile, now, station=station, start=midnight + begins, kind=(state, fast, duration)
            )
            if one is not None:
                made.append(one)
        return made

    def _station_at(self, rng: Rng, profile: Profile, here: Country, stay: int) -> Station:
        """At home mostly one of the user's own stations; on a trip one of the two near where they
        stay, or any on the way."""
        if stay == 0:
            if rng.random() < 0.9:
                return rng.choice(profile.stations)
        elif rng.random() < 0.6:
            return self._pooled(here, mix(stay + rng.randint(0, 1)) % _STATIONS)
        return self._pooled(here, int(rng.random() * _STATIONS))

    def session(
        self,
        rng: Rng,
        day: int,
        profile: Profile,
        anchor: float,
        *,
        state: str = "",
        station: Station | None = None,
        start: float | None = None,
        kind: tuple[str, bool, int] | None = None,
    ) -> tuple[float, dict[str, Any]] | None:
        """(start, session) of a session on ``day`` (a date ordinal), None when it starts at or after
        ``anchor``; ``kind`` is its (state, fast, duration) when already drawn (``_kind``). Times are
        epoch seconds (floats) until formatted: datetimes cost several times more."""
        station = station or rng.choice(profile.stations)
        country = station.country
        stamp = self._times.stamp
        if start is None:
            wall = (day - EPOCH_DAY) * 86400 + rng.randint(6 * 3600, 22 * 3600 + 3599)
            start = wall - self._times.day_offset(country.tz, day)
        if start >= anchor:
            return None
        state, fast, duration = kind or _kind(rng, state)
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
            "cost": f"{cents // 100}.{_CENTS[cents % 100]}",
            "currency": country.currency,
            "external-session-id": _uuid4(rng.getrandbits(128)),
            "address": station.address,
        }
        _vary_optional(rng, session)
        return start, session


def _calendar(trips: int, profile: Profile) -> Callable[[int], tuple[Country, int]]:
    """``where(day)``: the country the user is in on ``day`` and the seed of that trip (0 at home).
    Each block of _TRIP_BLOCK days (its phase the user's) holds a trip with the chance
    ``profile.travel``, to one other country, on consecutive days that leave the block's first and
    last day at home. A walk asks about a day up to three times (``_day`` asks about both
    neighbours) and about a block several times: each block is drawn once per walk."""
    phase = trips % _TRIP_BLOCK
    home = (profile.home, 0)
    blocks: dict[int, tuple[int, int, tuple[Country, int]]] = {}  # block: (first day, end, place)

    def where(day: int) -> tuple[Country, int]:
        block = (day + phase) // _TRIP_BLOCK
        found = blocks.get(block)
        if found is None:
            found = blocks[block] = _trip(trips, block, block * _TRIP_BLOCK - phase, profile)
        first, end, place = found
        return place if first <= day < end else home

    return where


def _trip(trips: int, block: int, start: int, profile: Profile) -> tuple[int, int, tuple[Country, int]]:
    """(first day, end day, (country, trip seed)) of the trip in the block of days from ``start``;
    first == end when the block holds none."""
    roll = mix(trips ^ block)
    if (roll >> 11) / TWO_53 >= profile.travel:
        return start, start, (profile.home, 0)
    shape = mix(roll)
    low, high = _TRIP_DAYS
    length = low + shape % (high - low + 1)
    first = start + 1 + (shape >> 16) % (_TRIP_BLOCK - length - 1)
    abroad = _ABROAD[profile.home.code]
    trip = mix(shape) | 1
    return first, first + length, (abroad[trip % len(abroad)], trip)


def _draw(value: int, low: int, high: int) -> int:
    """An integer in [low, high] from ``value`` by one mix: cheaper than a generator for one draw."""
    return low + int((mix(value) >> 11) / TWO_53 * (high - low + 1))


def _kind(rng: Rng, state: str = "") -> tuple[str, bool, int]:
    """(state, fast, duration in seconds) of a session: a few never charge, a third charge fast."""
    state = state or ("never-charged" if rng.random() < 0.08 else "charged")
    fast = rng.random() < 0.3
    if state == "never-charged":
        duration = rng.randint(60, 360)
    elif fast:
        duration = rng.randint(15 * 60, 60 * 60)
    else:
        duration = rng.randint(45 * 60, 10 * 3600)
    return state, fast, duration


def _uuid4(bits: int) -> str:
    """``str(uuid.UUID(int=bits, version=4))`` at a third of the cost: the version and variant bits
    set; the bytes' hex is ``f"{bits:032x}"`` without the general formatter."""
    bits = (bits & ~(0xF000 << 64) | (0x4000 << 64)) & ~(0xC000 << 48) | (0x8000 << 48)
    text = bits.to_bytes(16, "big").hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _vary_optional(rng: Rng, session: dict[str, Any]) -> None:
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
