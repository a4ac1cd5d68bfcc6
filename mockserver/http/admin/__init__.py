"""The admin API under ``/__mock``, one module a resource, each serving its routes only: ``scripts``
(scripts and scenario files), ``journal`` (the journal, its verification and HAR file, proxy mode's
violations) and ``state`` (the session's state as a whole); ``calls`` holds what every call shares (the
session it is scoped by, the body of a write, the refusals)."""

from __future__ import annotations

from flask import Flask

from mockserver.http.admin import calls, journal, scripts, state


def init_app(app: Flask) -> None:
    """The admin API's routes; the engine they serve is the app's Runtime's (``runtime.of``)."""
    bp = calls.blueprint()
    for resource in (scripts, journal, state):
        resource.add_routes(bp)
    app.register_blueprint(bp)
