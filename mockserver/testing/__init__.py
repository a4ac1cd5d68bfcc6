"""The mock from a test suite: ``MockServer`` (start or attach), its sessions, and a pytest plugin.

``with MockServer(any_user=True) as mock:`` starts a real mock process; ``mock.session(name)`` scripts,
reads and verifies one isolated session through the admin API. The pytest plugin
(``mockserver.testing.pytest_plugin``, registered as an entry point) gives each test its own session.
The names below are imported on first use: pytest loads the plugin in every run, and a run that uses
no mock imports nothing of the mock for it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mockserver.testing.admin import AdminError, MockUnreachable
    from mockserver.testing.server import MockServer
    from mockserver.testing.session import Session

__all__ = ["AdminError", "MockServer", "MockUnreachable", "Session"]
_HOMES = {"AdminError": "admin", "MockServer": "server", "MockUnreachable": "admin", "Session": "session"}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(f"mockserver.testing.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'mockserver.testing' has no attribute {name!r}")
