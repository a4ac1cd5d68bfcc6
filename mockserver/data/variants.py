"""Data variants: each reshapes a user's normal history (``many-sessions``, ``all-optional-null``...).

One table, ``SHAPERS``: variant name -> function of (the history's world, user key, anchor, profile,
the normal sessions). ``normal``, ``none`` and ``many`` are handled by the generator itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from mockserver.data.countries import HOP_GAP, Country, session_country
from mockserver.data.seeding import Rng, stable_int

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
    travel: float = 0.5  # chance that a block of days holds a trip abroad


class World(Protocol):
    """What a shaper may ask of the generator: its seed, one more session, one more station."""

    seed: int

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
    ) -> tuple[float, dict[str, Any]] | None: ...

    def station(self, station_seed: int, country: Country, non_ascii: bool = False) -> Station: ...

    def station_country(self, ident: object) -> Country | None: ...


Sessions = list[dict[str, Any]]
Shaper = Callable[[World, str, datetime, Profile, Sessions], Sessions]


def keep(gen: World, key: str, anchor: datetime, profile: Profile, built: Sessions) -> Sessions:
    return built


def _all_null(gen: World, key: str, anchor: datetime, profile: Profile, built: list[dict[str, Any]]) -> Any:
    for session in built:
        session.update(dict.fromkeys(OPTIONAL_FIELDS))
        session["session-interval"] = {"start": None, "end": None}
        session["charging-interval"] = {"start": None, "end": None}
    return built


def _all_omitted(
    gen: World, key: str, anchor: datetime, profile: Profile, built: list[dict[str, Any]]
) -> Any:
    for session in built:
        for name in OPTIONAL_FIELDS:
            session.pop(name, None)
        session["session-interval"] = {}
        session["charging-interval"] = {}
    return built


def _zero_cost(gen: World, key: str, anchor: datetime, profile: Profile, built: list[dict[str, Any]]) -> Any:
    for session in built:
        session["cost"] = "0.00"
    return built


def _newest(state: str, minutes: tuple[int, int]) -> Shaper:
    """A shaper that puts a fresh session of ``state`` first, starting ``minutes`` before the anchor."""

    def shape(gen: World, key: str, anchor: datetime, profile: Profile, built: list[dict[str, Any]]) -> Any:
        rng = Rng(stable_int(gen.seed, key, state, anchor.isoformat()))
        start = anchor - timedelta(minutes=rng.randint(*minutes), seconds=rng.randint(0, 59))
        made = gen.session(
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
        here = profile.stations[0].country
        # the user is back home: a session abroad must have ended HOP_GAP before this one started
        abroad = start - timedelta(seconds=HOP_GAP)
        earlier = [s for s in built if _ends_before(s, start if session_country(s, here) is here else abroad)]
        return [fresh, *earlier][: max(profile.length, 1)]

    return shape


def _ends_before(session: dict[str, Any], moment: datetime) -> bool:
    end = session["session-interval"].get("end")
    return end is not None and datetime.fromisoformat(end) <= moment


def _non_ascii(gen: World, key: str, anchor: datetime, profile: Profile, built: list[dict[str, Any]]) -> Any:
    def likely(session: dict[str, Any]) -> Country:
        return gen.station_country(session.get("charging-station-id")) or profile.home

    return non_ascii_addresses(gen, key, built, likely)


def non_ascii_addresses(
    gen: World, key: str, sessions: Sessions, likely: Callable[[dict[str, Any]], Country]
) -> Sessions:
    """Each address rewritten with a non-ASCII town of the session's own country (the one its
    currency and time zone say; of several, ``likely(session)`` if it is one): one address per
    charging station, as in any history."""
    for index, session in enumerate(sessions):
        country = session_country(session, likely(session))
        station = session.get("charging-station-id")
        which = ("station", station) if isinstance(station, int) else (key, index)
        session["address"] = gen.station(
            stable_int(gen.seed, "non-ascii", country.code, *which), country, non_ascii=True
        ).address
    return sessions


SHAPERS: dict[str, Shaper] = {
    "null": _all_null,
    "omitted": _all_omitted,
    "zero-cost": _zero_cost,
    "in-progress": _newest("in-progress", (10, 90)),
    "never-charged": _newest("never-charged", (20, 600)),
    "non-ascii": _non_ascii,
}
