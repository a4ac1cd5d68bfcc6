"""Reading the journal: filters, and verification with near misses (like getsentry/responses).

Entries are dicts as the server records them; the fields read here are in ``FIELDS``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

# Fields a filter or a verify matcher may name, and how a query-string value becomes comparable.
FIELDS: Mapping[str, Callable[[str], Any]] = {
    "call": str,
    "identifier-type": str,
    "identifier": str,
    "result": int,
    "status": int,
    "scenario": str,
    "method": str.upper,
    "path": str,
}
# Counting rules of verify: name -> (test, words for a message).
COUNTS: Mapping[str, tuple[Callable[[int, int], bool], str]] = {
    "exactly": (lambda found, n: found == n, "exactly"),
    "at-least": (lambda found, n: found >= n, "at least"),
    "at-most": (lambda found, n: found <= n, "at most"),
}
# The rules that more entries can never break: the only ones a journal with dropped entries can meet.
GROWING = frozenset({"at-least"})
CLOSEST = 5


def parse_time(text: str) -> datetime:
    """An RFC 3339 date-time (``Z`` allowed); a naive one is taken as UTC.

    A space before the offset is read as ``+``: an unencoded ``+`` in a query string arrives as one.
    """
    text = text.strip()
    if len(text) > 6 and text[-6] == " " and text[-3] == ":":
        text = text[:-6] + "+" + text[-5:]
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def entry_time(entry: Mapping[str, Any]) -> datetime | None:
    raw = entry.get("time")
    if isinstance(raw, int | float):
        return datetime.fromtimestamp(raw, UTC)
    if isinstance(raw, str):
        try:
            return parse_time(raw)
        except ValueError:
            return None
    return None


def within(entry: Mapping[str, Any], since: datetime | None, until: datetime | None) -> bool:
    """True when the entry's time is inside [since, until] (open ends when None)."""
    if since is None and until is None:
        return True
    moment = entry_time(entry)
    if moment is None:
        return False
    return (since is None or moment >= since) and (until is None or moment <= until)


def agrees(matcher: Mapping[str, Any], entry: Mapping[str, Any]) -> list[str]:
    """The matcher fields the entry agrees with."""
    return [name for name, value in matcher.items() if value is not None and entry.get(name) == value]


def select(
    entries: Iterable[Mapping[str, Any]],
    matcher: Mapping[str, Any],
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Mapping[str, Any]]:
    """Entries inside the window whose every named field equals the matcher's (order kept)."""
    named = {k: v for k, v in matcher.items() if v is not None}
    return [e for e in entries if within(e, since, until) and len(agrees(named, e)) == len(named)]


def verify(
    entries: Sequence[Mapping[str, Any]],
    matcher: Mapping[str, Any],
    expect: Mapping[str, int],
    since: datetime | None = None,
    until: datetime | None = None,
    *,
    evicted: str | None = None,
) -> dict[str, Any]:
    """Whether the count of matching entries meets every rule in ``expect``; near misses if not.

    ``evicted`` says why entries of the journal were dropped (None: it is whole). The dropped ones
    could only add to the count, so then only an ``at-least`` rule can be met.
    """
    named = {k: v for k, v in matcher.items() if v is not None}
    rules = dict(expect) or {"at-least": 1}
    window = [e for e in entries if within(e, since, until)]
    found = [e for e in window if len(agrees(named, e)) == len(named)]
    failed = [
        name
        for name, n in rules.items()
        if not COUNTS[name][0](len(found), n) or (evicted is not None and name not in GROWING)
    ]
    wanted = " and ".join(f"{COUNTS[name][1]} {n}" for name, n in rules.items())
    message = f"{len(found)} request(s) matched; expected {wanted}"
    if evicted is not None:
        message = f"{evicted}; {len(found)} request(s) matched among those kept; expected {wanted}"
    outcome: dict[str, Any] = {
        "matched": not failed,
        "count": len(found),
        "expected": rules,
        "evicted": evicted is not None,
        "message": message,
        "matches": found[:CLOSEST],
    }
    if failed:
        outcome["closest"] = closest(window, named)
    return outcome


def closest(entries: Iterable[Mapping[str, Any]], matcher: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The requests that missed the matcher by the fewest fields, newest first among equals."""
    scored = []
    for order, entry in enumerate(entries):
        good = agrees(matcher, entry)
        if len(good) == len(matcher):
            continue
        misses = [
            {"field": name, "expected": value, "actual": entry.get(name)}
            for name, value in matcher.items()
            if name not in good
        ]
        near = {"agrees": len(good), "of": len(matcher), "mismatches": misses, "request": dict(entry)}
        scored.append((-len(good), order, near))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [item[2] for item in scored[:CLOSEST]]
