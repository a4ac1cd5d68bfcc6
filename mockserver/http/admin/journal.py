"""The journal (``/__mock/requests``): list it (as JSON or a HAR 1.2 file), clear it, verify what it
holds; and proxy mode's contract violations read back from it (``/__mock/violations``).

A journal whose entries were dropped to make room answers ``"evicted": true`` with a message, until it
is cleared.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, request

from mockserver.http import journal_har, runtime
from mockserver.http.admin import calls
from mockserver.http.admin.calls import AdminInputError
from mockserver.http.incoming import decimal
from mockserver.proxy import violations
from mockserver.proxy.validation import SIDES
from mockserver.scenarios.state import journal as queries
from spec import Problem, json_path

DEFAULT_LIMIT = 100


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/requests", view_func=list_requests, methods=["GET"])
    bp.add_url_rule("/violations", view_func=list_violations, methods=["GET"])
    bp.add_url_rule("/requests", view_func=clear_requests, methods=["DELETE"])
    bp.add_url_rule("/requests/verify", view_func=verify, methods=["POST"])


_QUERY = {"session", "limit", "since", "until", "format", *queries.FIELDS}
FORMATS = ("json", "har")  # ?format=: the journal as JSON (the default) or as a HAR 1.2 file


def list_requests() -> Response:
    session = calls.session()
    engine = calls.engine()
    unknown = sorted(set(request.args) - _QUERY)
    if unknown:
        problems = [
            Problem(json_path(["query", n]), f"unknown filter; filters: {', '.join(sorted(_QUERY))}")
            for n in unknown
        ]
        raise AdminInputError(400, f"{problems[0].path}: unknown filter", problems)
    matcher: dict[str, Any] = {}
    problems = []
    for name, convert in queries.FIELDS.items():
        value = request.args.get(name)
        if value is None:
            continue
        if convert is not int:
            matcher[name] = convert(value)
        elif (number := decimal(value)) is not None:
            matcher[name] = number
        else:
            problems.append(Problem(json_path(["query", name]), f"{value!r} is not an integer (digits 0-9)"))
    limit, shape = _limit_and_format(engine.store.journal_size, problems)
    if problems:
        raise AdminInputError.naming(problems)
    since = _time(request.args.get("since"), json_path(["query", "since"]))
    until = _time(request.args.get("until"), json_path(["query", "until"]))
    kept = engine.store.read_journal(session)
    found = queries.select(kept.entries, matcher, since, until)
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
        return calls.as_json(har, headers={"Content-Disposition": attachment})
    return calls.as_json({**body, "requests": found[:limit]})


def _evicted(session: str) -> str:
    """Why the journal of ``session`` is not whole: it was dropped to make room."""
    return f"the journal of session {session!r} was evicted: {calls.engine().store.eviction()}"


def _limit_and_format(most: int, problems: list[Problem]) -> tuple[int, str]:
    """The ``limit`` (1 to ``most``) and ``format`` query parameters; an unusable one is added to
    ``problems``."""
    limit = _limit(request.args.get("limit"), most, problems)
    shape = request.args.get("format", "json")
    if shape not in FORMATS:
        problems.append(Problem(json_path(["query", "format"]), f"{shape!r}: one of {', '.join(FORMATS)}"))
    return limit, shape


def _limit(raw: str | None, most: int, problems: list[Problem]) -> int:
    if raw is None:
        return min(DEFAULT_LIMIT, most)
    number = decimal(raw)
    if number is not None and 1 <= number <= most:
        return number
    problems.append(Problem(json_path(["query", "limit"]), f"{raw!r}: give an integer from 1 to {most}"))
    return 0


def list_violations() -> Response:
    """Proxy mode: the contract violations of the session's journalled requests, summarised by rule."""
    session = calls.session()
    engine = calls.engine()
    allowed = {"session", "limit", *violations.FILTERS}
    problems = [
        Problem(json_path(["query", name]), f"unknown filter; filters: {', '.join(sorted(allowed))}")
        for name in sorted(set(request.args) - allowed)
    ]
    side = request.args.get("side")
    if side is not None and side not in SIDES:
        problems.append(Problem(json_path(["query", "side"]), f"{side!r}: use one of {', '.join(SIDES)}"))
    limit, _ = _limit_and_format(engine.store.journal_size, problems)
    if problems:
        raise AdminInputError.naming(problems)
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
    return calls.as_json({**body, "violations": found[:limit]})


def clear_requests() -> Response:
    session = calls.session()
    return calls.as_json({"session": session, "removed": calls.engine().store.clear_journal(session)})


def verify() -> Response:
    session = calls.session()
    body = calls.body("verify")
    since = _time(body.get("since"), json_path(["since"]))
    until = _time(body.get("until"), json_path(["until"]))
    expect = {name: int(body[name]) for name in queries.COUNTS if name in body}  # 2.0 is an integer too
    if expect.get("at-least", 0) > expect.get("at-most", expect.get("at-least", 0)):
        low, high = expect["at-least"], expect["at-most"]
        why = f"at-least {low} is greater than at-most {high}: no count meets both"
        where = [json_path([name]) for name in ("at-least", "at-most")]
        raise AdminInputError(400, f"{', '.join(where)}: {why}", [Problem(path, why) for path in where])
    matcher = dict(body.get("match") or {})
    if matcher.get("method"):
        matcher["method"] = str(matcher["method"]).upper()
    kept = calls.engine().store.read_journal(session)
    evicted = _evicted(session) if kept.evicted else None
    outcome = queries.verify(kept.entries, matcher, expect, since, until, evicted=evicted)
    return calls.as_json({"session": session, **outcome}, 200 if outcome["matched"] else 409)


def _time(value: str | None, where: str) -> datetime | None:
    if value is None:
        return None
    try:
        return queries.parse_time(value)
    except ValueError:
        message = f"{value!r} is not an RFC 3339 date-time (e.g. 2026-01-31T12:00:00Z)"
        raise AdminInputError(400, f"{where}: {message}", [Problem(where, message)]) from None
