"""What can go wrong in the state layer. ``StateUnavailable`` is the server's (mockserver.errors)."""

from __future__ import annotations

from mockserver.errors import MockError, StateUnavailable
from mockserver.settings import SettingError, setting

__all__ = ["BadStateUrl", "StateUnavailable", "TooManyScripts"]


class TooManyScripts(MockError):
    """A session already holds the maximum number of active scripts."""


class BadStateUrl(SettingError):
    """``MOCK_STATE`` is neither ``memory`` nor a usable ``redis://``, ``rediss://`` or ``unix://`` URL."""

    def __init__(self, problem: str) -> None:
        super().__init__(setting("MOCK_STATE"), problem)
