"""Reading the violations back from the journal: each request's entry keeps its own (``violations``).

The journal is the one place every worker writes to (memory or Redis state alike), so the violations
of all workers are listed together, per session, with no store of their own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

ENTRY_FIELDS = ("time", "path", "identifier-type", "identifier", "status", "result", "scenario")
FILTERS = ("side", "rule")


def listed(entries: Iterable[Mapping[str, Any]], wanted: Mapping[str, str]) -> list[dict[str, Any]]:
    """Every violation of the journal's entries (newest first) that matches ``wanted`` (side, rule),
    with the fields of its request that say which one it was (``request`` names its journal id)."""
    found: list[dict[str, Any]] = []
    for entry in entries:
        for violation in entry.get("violations") or ():
            if all(violation.get(name) == value for name, value in wanted.items()):
                request = {name: entry.get(name) for name in ENTRY_FIELDS}
                found.append({**violation, "request": {"id": entry.get("id"), **request}})
    return found


def summary(found: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """How many violations each (side, rule) has, the most frequent first."""
    counts = Counter((str(v.get("side")), str(v.get("rule"))) for v in found)
    return [
        {"side": side, "rule": rule, "count": count}
        for (side, rule), count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]
