"""The mock's exceptions: one base, a few specific ones."""

from __future__ import annotations

from collections.abc import Sequence

from spec import Problem


class MockError(Exception):
    """Base of every error the mock server raises on purpose."""


class ConfigError(MockError):
    """A configuration value (flag, environment variable, users file) is not usable."""


class StateUnavailable(MockError):
    """The shared-state backend (e.g. Redis) cannot be reached; the request is answered 503."""

    def __init__(self, backend: str, detail: str = "") -> None:
        super().__init__(f"state backend {backend} unavailable" + (f": {detail}" if detail else ""))
        self.backend = backend


class Rejected(MockError):
    """A request the mock answers with a result-coded error body (bad input, bad key, unknown scenario)."""

    def __init__(
        self,
        status: int,
        code: int,
        error: str,
        problems: Sequence[Problem] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(error)
        self.status = status
        self.code = code
        self.error = error
        self.problems = list(problems)
        self.headers = headers or {}


class UnknownScenario(MockError):
    """A scenario name (or one of its parameters) that the catalogue does not have."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadScenarioParameter(UnknownScenario):
    """A known scenario with a parameter it cannot take: unknown, without a value, given twice, out of
    bounds, or in contradiction with another (``min`` above ``max``)."""
