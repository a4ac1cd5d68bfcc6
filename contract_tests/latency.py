"""Answer times: percentiles by nearest rank, and the summary the reports show for a group of answers."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(seconds: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0 < q <= 100) by nearest rank: a time one of the answers took."""
    if not seconds:
        raise ValueError("no answer times")
    ordered = sorted(seconds)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


def summary(seconds: Sequence[float]) -> dict[str, float]:
    """How many answers, and their p50, p95 and slowest time in milliseconds."""
    return {
        "count": len(seconds),
        "p50_ms": round(percentile(seconds, 50) * 1000, 1),
        "p95_ms": round(percentile(seconds, 95) * 1000, 1),
        "max_ms": round(max(seconds) * 1000, 1),
    }
