"""What can go wrong in the state layer. ``StateUnavailable`` is the server's (mockserver.errors)."""

from __future__ import annotations

from mockserver.errors import ConfigError, MockError, StateUnavailable

__all__ = ["BadStateUrl", "StateUnavailable", "TooManyScripts"]


class TooManyScripts(MockError):
    """A session already holds the maximum number of active scripts."""


class BadStateUrl(ConfigError):
    """``MOCK_STATE`` is neither ``memory`` nor a ``redis://``, ``rediss://`` or ``unix://`` URL."""
