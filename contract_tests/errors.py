"""The suite's exceptions: one base, one per reason a run cannot judge the target."""

from __future__ import annotations


class ContractError(Exception):
    """Base of every error the suite raises on purpose."""


class CannotJudge(ContractError):
    """The run cannot judge the target (unreachable, credentials refused, bad options): exit 2."""


class ReportNotWritten(ContractError):
    """A report could not be written where --junitxml or --report asked."""


class Stopped(ContractError):
    """The run ends before its last case: what was judged stands, later cases are not sent (INCOMPLETE)."""


class OutOfTime(Stopped):
    """The overall time budget (--max-time) is spent; no more requests are sent."""


class TargetGone(Stopped):
    """The target answered earlier and now refuses connections, on every retry: it went away mid-run, and
    what it would have answered cannot be judged."""
