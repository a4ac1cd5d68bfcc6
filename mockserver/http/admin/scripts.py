"""Scripts and scenarios (``/__mock/scenarios...``): install, list, show and delete a session's scripts,
reset them, the scenarios there are (with curl commands), and reload the scenario files."""

from __future__ import annotations

import shlex

import orjson
from flask import Blueprint, Response, current_app, request

from mockserver.http import curl_lines, runtime
from mockserver.http.admin import calls
from mockserver.http.admin.calls import AdminInputError
from mockserver.http.admin_guard import JSON
from mockserver.scenarios import catalog
from mockserver.scenarios.scenario_files import ScenarioFileError
from spec import Problem


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/scenarios/script", view_func=add_script, methods=["POST"])
    bp.add_url_rule("/scenarios/scripts", view_func=list_scripts, methods=["GET"])
    bp.add_url_rule("/scenarios/scripts/<script_id>", view_func=show_script, methods=["GET"])
    bp.add_url_rule("/scenarios/scripts/<script_id>", view_func=delete_script, methods=["DELETE"])
    bp.add_url_rule("/scenarios", view_func=reset_scripts, methods=["DELETE"])
    bp.add_url_rule("/scenarios", view_func=list_scenarios, methods=["GET"])
    bp.add_url_rule("/scenarios/reload", view_func=reload_files, methods=["POST"])


def add_script() -> Response:
    session = calls.session()
    body = calls.body("script")
    engine = calls.engine()
    problems = engine.check_sequence(body["sequence"], ["sequence"])
    if problems:
        raise AdminInputError.naming(problems, scenarios=engine.scenario_names())
    stored = engine.add_script(session, body.get("match") or {}, body["sequence"], body.get("ttl"))
    location = f"{request.script_root}/__mock/scenarios/scripts/{stored.script.id}"
    return calls.as_json({"session": session, **stored.view()}, 201, {"Location": location})


def list_scripts() -> Response:
    session = calls.session()
    scripts = [s.view() for s in calls.engine().store.scripts(session)]
    return calls.as_json({"session": session, "count": len(scripts), "scripts": scripts})


def show_script(script_id: str) -> Response:
    session = calls.session()
    stored = calls.engine().store.script(session, script_id)
    if stored is None:
        raise _no_script(session, script_id)
    return calls.as_json({"session": session, **stored.view()})


def delete_script(script_id: str) -> Response:
    session = calls.session()
    if not calls.engine().store.delete(session, script_id):
        raise _no_script(session, script_id)
    return calls.as_json({"session": session, "deleted": script_id})


def _no_script(session: str, script_id: str) -> AdminInputError:
    ids = [s.script.id for s in calls.engine().store.scripts(session)]
    problem = Problem(
        "$.id", f"no script {script_id!r} in session {session!r}; scripts: {', '.join(ids) or 'none'}"
    )
    return AdminInputError(404, problem.message, [problem], scripts=ids)


def reset_scripts() -> Response:
    """Scripts only (the journal stays, so a test can still verify); file scripts come back fresh."""
    session = calls.session()
    removed, reinstalled = calls.engine().reset(session)
    return calls.as_json({"session": session, "removed": removed, "reinstalled-from-files": reinstalled})


def list_scenarios() -> Response:
    """The built-in catalogue (with curl commands) and the scenarios the files define."""
    engine = calls.engine()
    rt = runtime.of(current_app)
    base = request.host_url.rstrip("/")
    user = curl_lines.demo_user(rt.directory)
    key = curl_lines.shown_key(rt.keys[0], curl_lines.is_loopback(request.remote_addr))
    builtin = [
        {**scenario.as_dict(), "curl": curl_lines.curl(base, key, user, {"X-Mock-Scenario": scenario.name})}
        for scenario in catalog.catalog().values()
    ]
    named = [{**n.as_dict(), "curl": _script_curl(base, n.name)} for n in engine.scenarios.scenarios.values()]
    return calls.as_json(
        {"scenarios": builtin, "named": named, "files": list(engine.scenarios.files), "script": _SCRIPT_HELP}
    )


def _script_curl(base: str, name: str) -> str:
    """A curl command scripting ``name`` for the next request (of any user) in the default session."""
    body = orjson.dumps({"sequence": [{"scenario": name}]}).decode()
    url = f"{base}/__mock/scenarios/script"
    return shlex.join(["curl", "-sS", "-X", "POST", url, "-H", f"Content-Type: {JSON}", "-d", body])


_SCRIPT_HELP = {
    "install": f"POST /__mock/scenarios/script (Content-Type: {JSON}) "
    '{"match": {"identifier": "..."}, '
    '"sequence": [{"scenario": "result-102", "times": 2}, {"scenario": "ok"}]}',
    "precedence": "identifier > identifier-type > call, then the oldest script",
    "isolation": "send X-Mock-Session: <run id> on protocol and admin requests, "
    "or use the base URL /sessions/<run id> for both",
}


def reload_files() -> Response:
    engine = calls.engine()
    try:
        fresh = engine.reload()
    except ScenarioFileError as exc:  # each problem at its JSON path in the file, as the reload event has it
        refused = AdminInputError.naming(exc.problems, file=exc.file)
        refused.error = f"scenario file {exc.file}: {refused.error}"
        raise refused from None
    return calls.as_json(
        {"files": list(fresh.files), "scenarios": len(fresh.scenarios), "scripts": len(fresh.scripts)}
    )
