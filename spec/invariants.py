"""Rules of the document that JSON Schema cannot express, as plain functions in one list.

Each takes a success body (``{"user": {"sessions": [...]}, "result": ...}``) and yields
``Problem``s with JSON paths. They assume nothing about types: a value of the wrong type is
the schema's business and is skipped here, so each rule can be run alone on any body.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from spec._formats import iso4217_codes, parse_date_time
from spec._problems import Problem, json_path

Invariant = Callable[[Any], Iterator[Problem]]

_NON_NEGATIVE_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?", re.ASCII)


def _sessions(body: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    user = body.get("user") if isinstance(body, dict) else None
    sessions = user.get("sessions") if isinstance(user, dict) else None
    if isinstance(sessions, list):
        for index, session in enumerate(sessions):
            if isinstance(session, dict):
                yield index, session


def _base(index: int) -> list[Any]:
    return ["user", "sessions", index]


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_date_time(value)
    except ValueError:
        return None


def _interval(session: dict[str, Any], key: str) -> tuple[datetime | None, datetime | None]:
    interval = session.get(key)
    if not isinstance(interval, dict):
        return None, None
    return _moment(interval.get("start")), _moment(interval.get("end"))


def interval_end_not_before_start(body: Any) -> Iterator[Problem]:
    """An interval's end is not before its start ("Start and end time of the session")."""
    for index, session in _sessions(body):
        for key in ("session-interval", "charging-interval"):
            start, end = _interval(session, key)
            if start is not None and end is not None and end < start:
                yield Problem(
                    json_path([*_base(index), key, "end"]),
                    f"end {session[key]['end']} is before start {session[key]['start']}",
                    "interval-order",
                )


def charging_inside_session(body: Any) -> Iterator[Problem]:
    """Charging happens while the car is connected: the charging interval lies inside the session interval."""
    for index, session in _sessions(body):
        s_start, s_end = _interval(session, "session-interval")
        c_start, c_end = _interval(session, "charging-interval")
        for field, charging in (("start", c_start), ("end", c_end)):
            if charging is None:
                continue
            why = ""
            if s_start is not None and charging < s_start:
                why = "before the session started"
            elif s_end is not None and charging > s_end:
                why = "after the session ended"
            if why:
                yield Problem(
                    json_path([*_base(index), "charging-interval", field]),
                    f"charging {field} {session['charging-interval'][field]} is {why}",
                    "charging-inside-session",
                )


def energy_not_negative(body: Any) -> Iterator[Problem]:
    """ "The consumed energy in kWh (float)": a quantity of energy is never negative."""
    for index, session in _sessions(body):
        energy = session.get("energy-consumed")
        if isinstance(energy, int | float) and not isinstance(energy, bool) and energy < 0:
            yield Problem(json_path([*_base(index), "energy-consumed"]), f"{energy} is negative", "energy")


def cost_non_negative_decimal(body: Any) -> Iterator[Problem]:
    """ "The total cost of the session (string)": a non-negative decimal number written as a string."""
    for index, session in _sessions(body):
        if "cost" not in session:
            continue
        cost = session["cost"]
        if not isinstance(cost, str) or not _NON_NEGATIVE_DECIMAL.fullmatch(cost):
            yield Problem(
                json_path([*_base(index), "cost"]),
                f"{cost!r} is not a non-negative decimal string",
                "cost",
            )


def currency_is_iso4217(body: Any) -> Iterator[Problem]:
    """ "Currency of the cost (string)": an ISO 4217 alphabetic code."""
    for index, session in _sessions(body):
        if "currency" not in session:
            continue
        currency = session["currency"]
        if not isinstance(currency, str) or currency not in iso4217_codes():
            yield Problem(
                json_path([*_base(index), "currency"]),
                f"{currency!r} is not an ISO 4217 currency code",
                "currency",
            )


def intervals_start_before_they_end(body: Any) -> Iterator[Problem]:
    """Nothing ends that did not start, and nothing charges before the car is connected (D33)."""
    for index, session in _sessions(body):
        intervals = {key: session.get(key) for key in ("session-interval", "charging-interval")}
        for key, interval in intervals.items():
            if (
                isinstance(interval, dict)
                and interval.get("end") is not None
                and interval.get("start") is None
            ):
                path = json_path([*_base(index), key, "start"])
                yield Problem(path, f"{key} has an end but no start", "start-before-end")
        charging, whole = intervals["charging-interval"], intervals["session-interval"]
        charged = isinstance(charging, dict) and charging.get("start") is not None
        if charged and isinstance(whole, dict) and whole.get("start") is None:
            path = json_path([*_base(index), "session-interval", "start"])
            yield Problem(path, "charging started in a session that has no start", "start-before-end")


INVARIANTS: list[Invariant] = [
    interval_end_not_before_start,
    intervals_start_before_they_end,
    charging_inside_session,
    energy_not_negative,
    cost_non_negative_decimal,
    currency_is_iso4217,
]


def check_invariants(body: Any) -> list[Problem]:
    """Every invariant problem of a success body, sorted by path."""
    return sorted(problem for invariant in INVARIANTS for problem in invariant(body))
