"""A mock server for the OIOI ``user-get-recent-sessions`` call.

Public API: ``create_app(config)``. Run it with ``python -m mockserver`` (see ``mockserver.cli``).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from flask import Flask

from mockserver import routes, settings
from mockserver.protocol import Protocol
from mockserver.runtime import Runtime
from mockserver.selector import NoScripts

__all__ = ["create_app"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """A configured mock server. ``config`` overrides ``mockserver.settings.DEFAULTS`` (keys ``MOCK_*``)."""
    app = Flask("mockserver")
    app.config.update(settings.DEFAULTS)
    app.config.update(config or {})
    settings.check(app.config)
    app.extensions["mock.runtime"] = Runtime.from_config(app.config)
    app.extensions["mock.selector"] = NoScripts()  # until mockserver.admin installs the scenario engine's
    routes.init_app(app)
    _init_admin(app)
    app.wsgi_app = Protocol(app, app.wsgi_app)  # type: ignore[method-assign]
    return app


def _init_admin(app: Flask) -> None:
    """The scenario engine's state side (scripts, journal, admin API) attaches itself if installed."""
    try:
        admin = importlib.import_module("mockserver.admin")
    except ModuleNotFoundError as error:
        if error.name != "mockserver.admin":
            raise
        return
    admin.init_app(app)
