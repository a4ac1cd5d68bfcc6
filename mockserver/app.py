"""The application factory: ``create_app(config)`` builds one mock server from a config mapping."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from mockserver import settings
from mockserver.http import admin, dashboard, routes
from mockserver.http.endpoint import ProtocolEndpoint
from mockserver.http.runtime import Runtime
from mockserver.http.session_prefix import SessionPrefix


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """A configured mock server. ``config`` overrides ``mockserver.settings.DEFAULTS`` (keys ``MOCK_*``)."""
    app = Flask("mockserver")
    app.config.update(settings.DEFAULTS)
    app.config.update(config or {})
    settings.check(app.config)
    app.extensions["mock.runtime"] = Runtime.from_config(app.config)
    routes.init_app(app)
    admin.init_app(app)  # the scenario engine: its selector, scenario files and the admin API
    dashboard.init_app(app)  # /__mock/ui: a page that uses the admin API
    endpoint = ProtocolEndpoint(app, app.wsgi_app)
    app.wsgi_app = SessionPrefix(endpoint)  # type: ignore[method-assign]
    return app
