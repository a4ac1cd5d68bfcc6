"""Data variants over a real history: the upstream's answer (proxy mode) or a recorded one, reshaped.

The same variants as generated histories (``variants.VARIANTS``) and, where a variant adds a
session (``in-progress``, ``never-charged``) or an address (``non-ascii``), the generator's own
stations: the real sessions stay, the new data is generated for the same user key.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from itertools import cycle, islice
from typing import Any

import orjson

from mockserver.data.generation import Generator
from mockserver.data.variants import SHAPERS, Profile, non_ascii_addresses

Sessions = list[dict[str, Any]]


def _normal(gen: Generator, key: str, anchor: datetime, profile: Profile, real: Sessions) -> Sessions:
    return real


def _none(gen: Generator, key: str, anchor: datetime, profile: Profile, real: Sessions) -> Sessions:
    return []


def _many(gen: Generator, key: str, anchor: datetime, profile: Profile, real: Sessions) -> Sessions:
    if not real:
        return gen.sessions(key, anchor, "many", profile.length)
    return [dict(one) for one in islice(cycle(real), profile.length)]


def _non_ascii(gen: Generator, key: str, anchor: datetime, profile: Profile, real: Sessions) -> Sessions:
    return non_ascii_addresses(gen, key, real, lambda session: profile.home)


def _with_intervals(
    shaper: Callable[[Generator, str, datetime, Profile, Sessions], Sessions],
) -> Callable[[Generator, str, datetime, Profile, Sessions], Sessions]:
    """A generated shaper that reads ``session-interval.end``: only sessions where it is readable."""

    def shape(gen: Generator, key: str, anchor: datetime, profile: Profile, real: Sessions) -> Sessions:
        readable = [s for s in real if _readable_end(s)]
        return shaper(gen, key, anchor, profile, readable)

    return shape


def _readable_end(session: Any) -> bool:
    interval = session.get("session-interval") if isinstance(session, dict) else None
    end = interval.get("end") if isinstance(interval, dict) else None
    if not isinstance(end, str):
        return False
    try:
        return datetime.fromisoformat(end).tzinfo is not None
    except ValueError:
        return False


RESHAPERS: dict[str, Callable[[Generator, str, datetime, Profile, Sessions], Sessions]] = {
    "normal": _normal,
    "none": _none,
    "many": _many,
    "null": SHAPERS["null"],
    "omitted": SHAPERS["omitted"],
    "zero-cost": SHAPERS["zero-cost"],
    "in-progress": _with_intervals(SHAPERS["in-progress"]),
    "never-charged": _with_intervals(SHAPERS["never-charged"]),
    "non-ascii": _non_ascii,
}


def reshape(
    gen: Generator, key: str, anchor: datetime, body: bytes, *, variant: str, count: int | None
) -> bytes | None:
    """The success ``body`` with its sessions reshaped by ``variant`` (and cut to ``count``), or None
    when ``body`` is not a success holding a list of sessions, or cannot be written again (then there
    is nothing to reshape)."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    user: Any = data.get("user") if isinstance(data, dict) else None
    sessions = user.get("sessions") if isinstance(user, dict) else None
    if not isinstance(sessions, list) or not all(isinstance(one, dict) for one in sessions):
        return None
    length = count if count is not None else (200 if variant == "many" else max(len(sessions), 1))
    profile = gen.profile(key, length, None, variant)
    shaped = RESHAPERS[variant](gen, key, anchor, profile, sessions)
    user["sessions"] = shaped if count is None else shaped[:count]
    try:
        return orjson.dumps(data)
    except orjson.JSONEncodeError:  # nested deeper than orjson writes: the body goes on as it was
        return None
