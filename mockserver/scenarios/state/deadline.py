"""Deadlines on Redis's own clock, for the commands that take a step or write the journal.

A command this process gave up on (its socket timed out, the client was answered 503) may still run:
a Redis that stalls keeps what clients sent and runs it when it resumes. So each of those commands
carries the Redis time after which it must change nothing, and checks it against ``TIME`` first.

This process learns how its monotonic clock maps to Redis's ``TIME`` from the replies: a reply that
carries Redis's time ``r``, sent at ``s`` and received at ``e`` here, ran at some moment between ``s`` and
``e``, so the offset is at least ``r - e``. The deadline uses the largest such bound of the last
``WINDOW`` seconds: in Redis time it is never later than the moment this process gives up, whatever the
skew between the hosts' clocks. (A Redis clock set back by more than the margin makes deadlines late for
up to the window: commands that ran late could then still act.)
"""

from __future__ import annotations

import time

# How long a measured offset stands without a better one: the two clocks drift apart by well under a
# millisecond in that time.
WINDOW = 10.0
# A command must run this long before the moment this process gives up on it, so that its reply is
# back in time (and the clocks' drift over the window is covered).
MARGIN = 0.1
# No socket timeout: this process never gives up on a command, so any moment will do.
NEVER = 1e15


class RedisClock:
    """The offset between this process's monotonic clock and Redis's ``TIME``, and deadlines from it."""

    def __init__(self, timeout: float | None, margin: float = MARGIN):
        """``timeout``: how long this process waits for a reply before it gives up (None: forever)."""
        self.timeout = timeout
        self.margin = margin
        self._best: tuple[float, float] | None = None  # (lower bound of the offset, when it was measured)

    def stale(self) -> bool:
        """True when no offset was measured within the window (measure one before a deadline)."""
        best = self._best
        return self.timeout is not None and (best is None or time.monotonic() - best[1] > WINDOW)

    def observe(self, redis_now: float, received: float) -> None:
        """Learn from a reply that carried Redis's time ``redis_now`` and arrived at ``received``."""
        bound = redis_now - received
        best = self._best
        if best is None or bound > best[0] or received - best[1] > WINDOW:
            self._best = (bound, received)

    def deadline(self, sent: float) -> float:
        """The Redis time after which a command sent at ``sent`` (monotonic, here) must change nothing."""
        if self.timeout is None:
            return NEVER
        best = self._best
        assert best is not None, "measure the offset first (stale)"
        return sent + best[0] + self.timeout - self.margin
