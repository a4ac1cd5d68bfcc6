"""The session's state as a whole (``/__mock/state``): the store and its reach, and the reset of the
session's scripts and journal together."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from mockserver import answers
from mockserver.http.admin import calls
from mockserver.scenarios.state import StateUnavailable


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/state", view_func=show_state, methods=["GET"])
    bp.add_url_rule("/state", view_func=reset_state, methods=["DELETE"])


def show_state() -> Response:
    session = calls.session()
    engine = calls.engine()
    body: dict[str, Any] = {
        "session": session,
        **engine.store.describe(),
        "reachable": True,
        "scenario-files": list(engine.scenarios.files),
        "reload": engine.watcher is not None,
    }
    try:
        engine.store.ping()
    except StateUnavailable as exc:
        return calls.as_json({**body, "reachable": False, "error": str(exc)}, 503, answers.RETRY_LATER)
    return calls.as_json(body)


def reset_state() -> Response:
    """The session's scripts (back to its file scripts) and its journal."""
    session = calls.session()
    engine = calls.engine()
    removed, reinstalled = engine.reset(session)
    cleared = engine.store.clear_journal(session)
    return calls.as_json(
        {
            "session": session,
            "removed": removed,
            "reinstalled-from-files": reinstalled,
            "requests-removed": cleared,
        }
    )
