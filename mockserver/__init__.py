"""A mock server for the OIOI ``user-get-recent-sessions`` call.

Public API: ``create_app(config)``. Run it with ``python -m mockserver`` (see ``mockserver.serving.cli``).
"""

from __future__ import annotations

from mockserver.app import create_app

__all__ = ["create_app"]
