"""A mock server for the OIOI ``user-get-recent-sessions`` call.

Public API: ``create_app(config)``. Run it with ``python -m mockserver`` or ``oioi-mock`` (see
``mockserver.serving.cli``). ``create_app`` is imported on first use, so that the command can check
which ``spec`` it got before anything imports it (``mockserver.__main__``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mockserver.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    """``create_app`` on first use: the pytest plugin (``mockserver.testing``) is loaded in every pytest
    run of an environment the package is installed in, and need not import Flask for it."""
    if name == "create_app":
        from mockserver.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
