"""The application factory: ``create_app(config)`` builds one mock server from a config mapping."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from wsgiref.types import WSGIApplication

from flask import Flask

from mockserver import settings
from mockserver.http import admin, dashboard, routes, runtime
from mockserver.http.admin_guard import AdminGuard
from mockserver.http.admin_token import AdminToken
from mockserver.http.cors import Cors
from mockserver.http.endpoint import ProtocolEndpoint
from mockserver.http.runtime import Runtime
from mockserver.http.session_prefix import SessionPrefix


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """A configured mock server. ``config`` overrides ``mockserver.settings.DEFAULTS`` (keys ``MOCK_*``),
    each value read by its setting's kind as the command line reads it (``settings.check``): a boolean may
    be ``"off"``, a list must be a list. ConfigError (a SettingError naming the key) for an unusable one."""
    app = Flask("mockserver")
    app.config.update(settings.check(config or {}))
    rt = app.extensions[runtime.EXTENSION] = Runtime.from_config(app.config)  # the engine included
    routes.init_app(app)
    admin.init_app(app)
    dashboard.init_app(app)  # /__mock/ui: a page that uses the admin API
    wsgi_app: WSGIApplication = ProtocolEndpoint(app, app.wsgi_app)
    log = rt.log
    if app.config["MOCK_ADMIN_TOKEN"] is not None:  # the admin API needs the token (http/admin_token.py)
        wsgi_app = AdminToken(wsgi_app, app.config["MOCK_ADMIN_TOKEN"], log)
    wsgi_app = SessionPrefix(wsgi_app)  # /sessions/<id>/...: the path without it, in that session
    # with CORS on or off: a browser sends a page's simple requests either way (http/admin_guard.py)
    origins = settings.cors_origins(app.config["MOCK_CORS_ORIGINS"])
    wsgi_app = AdminGuard(wsgi_app, origins, log, token=app.config["MOCK_ADMIN_TOKEN"] is not None)
    if app.config["MOCK_CORS"]:  # outermost: every refusal is readable by a page too
        wsgi_app = Cors(wsgi_app, settings.cors_origins(app.config["MOCK_CORS_ORIGINS"]), log)
    app.wsgi_app = wsgi_app  # type: ignore[method-assign]
    return app
