"""The mock from a test suite: ``MockServer`` (start or attach), its sessions, and a pytest plugin.

``with MockServer(any_user=True) as mock:`` starts a real mock process; ``mock.session(name)`` scripts,
reads and verifies one isolated session through the admin API. The pytest plugin
(``mockserver.testing.pytest_plugin``, registered as an entry point) gives each test its own session.
The names below are imported on first use: pytest loads the plugin in every run, and a run that uses
no mock imports nothing of the mock for it. A run that does imports the standard library only (an
import contract in ``pyproject.toml``): the mock's dependencies load in the mock's own process.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mockserver.serving.process import ServerDidNotStart
    from mockserver.testing.admin import AdminError, MockUnreachable
    from mockserver.testing.server import MockServer
    from mockserver.testing.session import Session

__all__ = ["AdminError", "MockServer", "MockUnreachable", "ServerDidNotStart", "Session"]
_HOMES = {
    "AdminError": "mockserver.testing.admin",
    "MockServer": "mockserver.testing.server",
    "MockUnreachable": "mockserver.testing.admin",
    "ServerDidNotStart": "mockserver.serving.process",  # a mock that does not start, saying why
    "Session": "mockserver.testing.session",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'mockserver.testing' has no attribute {name!r}")
