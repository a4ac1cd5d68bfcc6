"""The admin API under ``/__mock`` (scripts, journal, verification, state) and ``init_app``.

Every admin call is scoped by the ``X-Mock-Session`` header (or a ``session`` query parameter; no
session = ``default``): scoping that keeps cooperating test runs apart, not access control (any caller
may name any session). Bad bodies answer 400 with ``{"error", "problems": [{"path", "message"}]}``;
an unreachable state backend answers 503 with result 100 and ``Retry-After``; never a 500. A journal
whose entries were dropped to make room answers ``"evicted": true`` with a message, until it is cleared.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson
from flask import Blueprint, Flask, Response, current_app, request

import spec
from mockserver import answers
from mockserver.http import docs, journal_har, runtime
from mockserver.http.admin_guard import JSON
from mockserver.http.incoming import UnreadableBody, decimal
from mockserver.http.session_prefix import BASE_URL
from mockserver.proxy import violations
from mockserver.proxy.validation import SIDES
from mockserver.scenarios import catalog
from mockserver.scenarios.engine import Engine
from mockserver.scenarios.scenario_files import ScenarioFileError
from mockserver.scenarios.state import (
    DEFAULT_SESSION,
    SESSION_HEADER,
    StateUnavailable,
    TooManyScripts,
    journal,
    session_problem,
)
from mockserver.scenarios.state.schemas import first_problems
from spec import Problem, json_path

DEFAULT_LIMIT = 100
ADMIN_SCHEMA = "admin.schema.json#/$defs/"
MAX_BODY_BYTES = 1024 * 1024
# A refusal lists this many problems, and counts up to PROBLEMS_COUNTED of them (the rest: "at least").
PROBLEMS_LISTED = 50
PROBLEMS_COUNTED = 1000

bp = Blueprint("mock_admin", __name__, url_prefix="/__mock")


class AdminError(Exception):
    """An admin call the mock refuses: status, one line, problems with JSON paths, extra fields.

    ``counted_all``: False when the search for problems stopped before the end (there are more).
    """

    def __init__(
        self,
        status: int,
        error: str,
        problems: Sequence[Problem] = (),
        counted_all: bool = True,
        **extra: Any,
    ) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.problems = list(problems)
        self.counted_all = counted_all
        self.extra = extra

    @classmethod
    def naming(cls, problems: Sequence[Problem], counted_all: bool = True, **extra: Any) -> AdminError:
        """A 400 whose line names the first problem, and how many more there are."""
        first, others = problems[0], len(problems) - 1
        at_least = "" if counted_all else "at least "
        more = f" (and {at_least}{others} more)" if others or not counted_all else ""
        return cls(400, f"{first.path}: {first.message}{more}", problems, counted_all, **extra)


def init_app(app: Flask) -> None:
    """The admin API's routes; the engine they serve is the app's Runtime's (``runtime.of``)."""
    app.register_blueprint(bp)


@bp.before_request
def _each_query_parameter_once() -> None:
    """A query parameter given twice is refused: which of the values was meant cannot be told."""
    repeated = [name for name, values in request.args.lists() if len(values) > 1]
    if repeated:
        problems = [Problem(json_path(["query", name]), "given twice; give it once") for name in repeated]
        raise AdminError.naming(problems)


def _engine() -> Engine:
    return runtime.of(current_app).engine


def _json(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    data = orjson.dumps(body, default=str, option=orjson.OPT_NON_STR_KEYS)
    return Response(data, status, headers=dict(headers or {}), mimetype="application/json")


def _session() -> str:
    header = request.headers.get(SESSION_HEADER)
    query = request.args.get("session")
    for where, value in (
        (json_path(["headers", SESSION_HEADER]), header),
        (json_path(["query", "session"]), query),
    ):
        if (problem := session_problem(value, where)) is not None:
            raise AdminError.naming([problem])
    if header is not None and query is not None and header != query:
        where = json_path(["query", "session"])
        base_url = request.environ.get(BASE_URL)  # the header the base URL set, not one the client sent
        named = f"base URL {base_url}" if base_url else f"{SESSION_HEADER} header"
        raise AdminError(
            400,
            f"{where}: the session query parameter and the {named} disagree",
            [Problem(where, f"{query!r} differs from the {named}'s {header!r}")],
        )
    return query or header or DEFAULT_SESSION


def _body(definition: str) -> dict[str, Any]:
    """The JSON object a write sends, checked against ``definition`` (its type was checked in front, in
    ``admin_guard``)."""
    length = request.content_length
    raw = b"" if length is not None and length > MAX_BODY_BYTES else request.stream.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES or (length is not None and length > MAX_BODY_BYTES):
        message = f"an admin body is at most {MAX_BODY_BYTES} bytes"
        raise AdminError(413, f"$: {message}", [Problem("$", message)])
    if not raw.strip():
        raise AdminError(400, "$: the body must be a JSON object", [Problem("$", "the body is empty")])
    if spec.nested_too_deep(raw.decode("utf-8", "replace")):  # the schema check recurses: refuse first
        message = f"the body nests deeper than {spec.MAX_DEPTH} levels"
        raise AdminError(400, f"$: {message}", [Problem("$", message)])
    try:
        body = _exact(orjson.loads(raw), raw)
    except orjson.JSONDecodeError as exc:
        message = f"the body is not JSON ({exc})"
        raise AdminError(400, f"$: {message}", [Problem("$", message)]) from None
    problems, counted_all = first_problems(body, ADMIN_SCHEMA + definition, most=PROBLEMS_COUNTED)
    if problems:
        raise AdminError.naming(problems, counted_all)
    result: dict[str, Any] = body
    return result


# orjson reads an integer beyond 64 bits as a float: 10**26 would be quoted back as 1e+26.
_FLOAT_FROM_BIG_INTEGER = 2.0**63


def _exact(body: Any, raw: bytes) -> Any:
    """``body`` with every integer exact: read again by the standard library (slower, seldom) when
    orjson made a float of a big one, so that messages quote the number as it was sent."""
    found = [body]
    while found:
        value = found.pop()
        if isinstance(value, dict):
            found.extend(value.values())
        elif isinstance(value, list):
            found.extend(value)
        elif isinstance(value, float) and value.is_integer() and abs(value) >= _FLOAT_FROM_BIG_INTEGER:
            try:
                return json.loads(raw)
            except (ValueError, RecursionError):  # nested deeper than the standard library reads
                return body
    return body


def _time(value: str | None, where: str) -> datetime | None:
    if value is None:
        return None
    try:
        return journal.parse_time(value)
    except ValueError:
        message = f"{value!r} is not an RFC 3339 date-time (e.g. 2026-01-31T12:00:00Z)"
        raise AdminError(400, f"{where}: {message}", [Problem(where, message)]) from None


@bp.errorhandler(AdminError)
def _admin_error(exc: AdminError) -> Response:
    listed = exc.problems[:PROBLEMS_LISTED]
    body: dict[str, Any] = {"error": exc.error, "problems": [p.as_dict() for p in listed], **exc.extra}
    unlisted = len(exc.problems) - len(listed)
    if unlisted or not exc.counted_all:  # "exact": false when the count stopped early
        body["more-problems"] = {"count": unlisted, "exact": exc.counted_all}
    return _json(body, exc.status)


@bp.errorhandler(UnreadableBody)
def _unreadable(exc: UnreadableBody) -> Response:
    message = f"the body could not be read ({exc})"
    return _admin_error(AdminError(exc.status, f"$: {message}", [Problem("$", message, "encoding")]))


@bp.errorhandler(StateUnavailable)
def _unavailable(exc: StateUnavailable) -> Response:
    answer = answers.unavailable(str(exc))
    return Response(answer.body, answer.status, headers=answer.headers, mimetype=answers.JSON)


@bp.errorhandler(TooManyScripts)
def _too_many(exc: TooManyScripts) -> Response:
    return _json({"error": f"{exc}; delete some or reset the session", "problems": []}, 409)


# Scripts ---------------------------------------------------------------------------------------


@bp.post("/scenarios/script")
def add_script() -> Response:
    session = _session()
    body = _body("script")
    engine = _engine()
    problems = engine.check_sequence(body["sequence"], ["sequence"])
    if problems:
        raise AdminError.naming(problems, scenarios=engine.scenario_names())
    stored = engine.add_script(session, body.get("match") or {}, body["sequence"], body.get("ttl"))
    location = f"{request.script_root}/__mock/scenarios/scripts/{stored.script.id}"
    return _json({"session": session, **stored.view()}, 201, {"Location": location})


@bp.get("/scenarios/scripts")
def list_scripts() -> Response:
    session = _session()
    scripts = [s.view() for s in _engine().store.scripts(session)]
    return _json({"session": session, "count": len(scripts), "scripts": scripts})


@bp.get("/scenarios/scripts/<script_id>")
def show_script(script_id: str) -> Response:
    session = _session()
    stored = _engine().store.script(session, script_id)
    if stored is None:
        raise _no_script(session, script_id)
    return _json({"session": session, **stored.view()})


@bp.delete("/scenarios/scripts/<script_id>")
def delete_script(script_id: str) -> Response:
    session = _session()
    if not _engine().store.delete(session, script_id):
        raise _no_script(session, script_id)
    return _json({"session": session, "deleted": script_id})


def _no_script(session: str, script_id: str) -> AdminError:
    ids = [s.script.id for s in _engine().store.scripts(session)]
    problem = Problem(
        "$.id", f"no script {script_id!r} in session {session!r}; scripts: {', '.join(ids) or 'none'}"
    )
    return AdminError(404, problem.message, [problem], scripts=ids)


@bp.delete("/scenarios")
def reset_scripts() -> Response:
    """Scripts only (the journal stays, so a test can still verify); file scripts come back fresh."""
    session = _session()
    removed, reinstalled = _engine().reset(session)
    return _json({"session": session, "removed": removed, "reinstalled-from-files": reinstalled})


@bp.get("/scenarios")
def list_scenarios() -> Response:
    """The built-in catalogue (with curl commands) and the scenarios the files define."""
    engine = _engine()
    rt = runtime.of(current_app)
    base = request.host_url.rstrip("/")
    user = docs.demo_user(rt.directory)
    key = docs.shown_key(rt.keys[0], docs.is_loopback(request.remote_addr))
    builtin = [
        {**scenario.as_dict(), "curl": docs.curl(base, key, user, {"X-Mock-Scenario": scenario.name})}
        for scenario in catalog.catalog().values()
    ]
    named = [{**n.as_dict(), "curl": _script_curl(base, n.name)} for n in engine.scenarios.scenarios.values()]
    return _json(
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


@bp.post("/scenarios/reload")
def reload_files() -> Response:
    engine = _engine()
    try:
        fresh = engine.reload()
    except ScenarioFileError as exc:  # each problem at its JSON path in the file, as the reload event has it
        refused = AdminError.naming(exc.problems, file=exc.file)
        refused.error = f"scenario file {exc.file}: {refused.error}"
        raise refused from None
    return _json(
        {"files": list(fresh.files), "scenarios": len(fresh.scenarios), "scripts": len(fresh.scripts)}
    )


# Journal ---------------------------------------------------------------------------------------

_QUERY = {"session", "limit", "since", "until", "format", *journal.FIELDS}
FORMATS = ("json", "har")  # ?format=: the journal as JSON (the default) or as a HAR 1.2 file


@bp.get("/requests")
def list_requests() -> Response:
    session = _session()
    engine = _engine()
    unknown = sorted(set(request.args) - _QUERY)
    if unknown:
        problems = [
            Problem(json_path(["query", n]), f"unknown filter; filters: {', '.join(sorted(_QUERY))}")
            for n in unknown
        ]
        raise AdminError(400, f"{problems[0].path}: unknown filter", problems)
    matcher: dict[str, Any] = {}
    problems = []
    for name, convert in journal.FIELDS.items():
        value = request.args.get(name)
        if value is None:
            continue
        if convert is not int:
            matcher[name] = convert(value)
        elif (number := decimal(value)) is not None:
            matcher[name] = number
        else:
            problems.append(Problem(json_path(["query", name]), f"{value!r} is not an integer (digits 0-9)"))
    limit = _limit(request.args.get("limit"), engine.store.journal_size, problems)
    shape = request.args.get("format", "json")
    if shape not in FORMATS:
        problems.append(Problem(json_path(["query", "format"]), f"{shape!r}: one of {', '.join(FORMATS)}"))
    if problems:
        raise AdminError.naming(problems)
    since = _time(request.args.get("since"), json_path(["query", "since"]))
    until = _time(request.args.get("until"), json_path(["query", "until"]))
    kept = engine.store.read_journal(session)
    found = journal.select(kept.entries, matcher, since, until)
    body: dict[str, Any] = {
        "session": session,
        "count": len(found),
        "returned": min(limit, len(found)),
        "evicted": kept.evicted,
    }
    if kept.evicted:
        body["message"] = f"{_evicted(session)}; the requests listed are not its whole history"
    if shape == "har":
        har = journal_har.document(found[:limit], request.host_url, body.get("message", ""))
        attachment = f'attachment; filename="{journal_har.FILENAME}"'
        return _json(har, headers={"Content-Disposition": attachment})
    return _json({**body, "requests": found[:limit]})


def _evicted(session: str) -> str:
    """Why the journal of ``session`` is not whole: it was dropped to make room."""
    return f"the journal of session {session!r} was evicted: {_engine().store.eviction()}"


def _limit(raw: str | None, most: int, problems: list[Problem]) -> int:
    if raw is None:
        return min(DEFAULT_LIMIT, most)
    number = decimal(raw)
    if number is not None and 1 <= number <= most:
        return number
    problems.append(Problem(json_path(["query", "limit"]), f"{raw!r}: give an integer from 1 to {most}"))
    return 0


@bp.get("/violations")
def list_violations() -> Response:
    """Proxy mode: the contract violations of the session's journalled requests, summarised by rule."""
    session = _session()
    engine = _engine()
    allowed = {"session", "limit", *violations.FILTERS}
    problems = [
        Problem(json_path(["query", name]), f"unknown filter; filters: {', '.join(sorted(allowed))}")
        for name in sorted(set(request.args) - allowed)
    ]
    side = request.args.get("side")
    if side is not None and side not in SIDES:
        problems.append(Problem(json_path(["query", "side"]), f"{side!r}: use one of {', '.join(SIDES)}"))
    limit = _limit(request.args.get("limit"), engine.store.journal_size, problems)
    shape = request.args.get("format", "json")
    if shape not in FORMATS:
        problems.append(Problem(json_path(["query", "format"]), f"{shape!r}: one of {', '.join(FORMATS)}"))
    if problems:
        raise AdminError.naming(problems)
    wanted = {name: request.args[name] for name in violations.FILTERS if name in request.args}
    kept = engine.store.read_journal(session)
    found = violations.listed(kept.entries, wanted)
    body: dict[str, Any] = {
        "session": session,
        "proxy": runtime.of(current_app).upstream is not None,
        "count": len(found),
        "returned": min(limit, len(found)),
        "by-rule": violations.summary(found),
        "evicted": kept.evicted,
    }
    if kept.evicted:
        body["message"] = f"{_evicted(session)}; the violations listed are not the whole history"
    return _json({**body, "violations": found[:limit]})


@bp.delete("/requests")
def clear_requests() -> Response:
    session = _session()
    return _json({"session": session, "removed": _engine().store.clear_journal(session)})


@bp.post("/requests/verify")
def verify() -> Response:
    session = _session()
    body = _body("verify")
    since = _time(body.get("since"), json_path(["since"]))
    until = _time(body.get("until"), json_path(["until"]))
    expect = {name: int(body[name]) for name in journal.COUNTS if name in body}  # 2.0 is an integer too
    if expect.get("at-least", 0) > expect.get("at-most", expect.get("at-least", 0)):
        low, high = expect["at-least"], expect["at-most"]
        why = f"at-least {low} is greater than at-most {high}: no count meets both"
        where = [json_path([name]) for name in ("at-least", "at-most")]
        raise AdminError(400, f"{', '.join(where)}: {why}", [Problem(path, why) for path in where])
    matcher = dict(body.get("match") or {})
    if matcher.get("method"):
        matcher["method"] = str(matcher["method"]).upper()
    kept = _engine().store.read_journal(session)
    evicted = _evicted(session) if kept.evicted else None
    outcome = journal.verify(kept.entries, matcher, expect, since, until, evicted=evicted)
    return _json({"session": session, **outcome}, 200 if outcome["matched"] else 409)


# State -----------------------------------------------------------------------------------------


@bp.get("/state")
def show_state() -> Response:
    session = _session()
    engine = _engine()
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
        return _json({**body, "reachable": False, "error": str(exc)}, 503, answers.RETRY_LATER)
    return _json(body)


@bp.delete("/state")
def reset_state() -> Response:
    """The session's scripts (back to its file scripts) and its journal."""
    session = _session()
    engine = _engine()
    removed, reinstalled = engine.reset(session)
    cleared = engine.store.clear_journal(session)
    return _json(
        {
            "session": session,
            "removed": removed,
            "reinstalled-from-files": reinstalled,
            "requests-removed": cleared,
        }
    )
