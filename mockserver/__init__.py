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
    if name == "create_app":
        from mockserver.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
