"""What every admin call shares: the blueprint, the session it is scoped by, the JSON body of a write, the
JSON answer and the refusals.

Every admin call is scoped by the ``X-Mock-Session`` header (or a ``session`` query parameter; no
session = ``default``): scoping that keeps cooperating test runs apart, not access control (any caller
may name any session). Bad bodies answer 400 with ``{"error", "problems": [{"path", "message"}]}``;
an unreachable state backend answers 503 with result 100 and ``Retry-After``; never a 500.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from flask import Blueprint, Response, current_app, request

import spec
from mockserver import answers
from mockserver.http import runtime
from mockserver.http.incoming import UnreadableBody
from mockserver.http.session_prefix import BASE_URL
from mockserver.scenarios.engine import Engine
from mockserver.scenarios.state import (
    DEFAULT_SESSION,
    SESSION_HEADER,
    StateUnavailable,
    TooManyScripts,
    session_problem,
)
from mockserver.scenarios.state.schemas import first_problems
from spec import Problem, json_path

ADMIN_SCHEMA = "admin.schema.json#/$defs/"
MAX_BODY_BYTES = 1024 * 1024
# A refusal lists this many problems, and counts up to PROBLEMS_COUNTED of them (the rest: "at least").
PROBLEMS_LISTED = 50
PROBLEMS_COUNTED = 1000


class AdminInputError(Exception):
    """An admin call the mock refuses for what it sent: status, one line, problems with JSON paths, extra
    fields (the answer of a refusal; a client of ``mockserver.testing`` sees it as that API's AdminError).

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
    def naming(cls, problems: Sequence[Problem], counted_all: bool = True, **extra: Any) -> AdminInputError:
        """A 400 whose line names the first problem, and how many more there are."""
        first, others = problems[0], len(problems) - 1
        at_least = "" if counted_all else "at least "
        more = f" (and {at_least}{others} more)" if others or not counted_all else ""
        return cls(400, f"{first.path}: {first.message}{more}", problems, counted_all, **extra)


def blueprint() -> Blueprint:
    """The admin API's blueprint, without routes (each resource's module adds its own), made anew for
    each app: a blueprint takes no more routes once an app has it."""
    bp = Blueprint("mock_admin", __name__, url_prefix="/__mock")
    bp.before_request(_each_query_parameter_once)
    bp.register_error_handler(AdminInputError, _admin_error)
    bp.register_error_handler(UnreadableBody, _unreadable)
    bp.register_error_handler(StateUnavailable, _unavailable)
    bp.register_error_handler(TooManyScripts, _too_many)
    return bp


def _each_query_parameter_once() -> None:
    """A query parameter given twice is refused: which of the values was meant cannot be told."""
    repeated = [name for name, values in request.args.lists() if len(values) > 1]
    if repeated:
        problems = [Problem(json_path(["query", name]), "given twice; give it once") for name in repeated]
        raise AdminInputError.naming(problems)


def engine() -> Engine:
    """The scenario engine the admin API serves: the app's Runtime's (``runtime.of``)."""
    return runtime.of(current_app).engine


def as_json(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    data = orjson.dumps(body, default=str, option=orjson.OPT_NON_STR_KEYS)
    return Response(data, status, headers=dict(headers or {}), mimetype="application/json")


def session() -> str:
    """The session the call names (header or query parameter, which must agree), else the default."""
    header = request.headers.get(SESSION_HEADER)
    query = request.args.get("session")
    for where, value in (
        (spec.header_path(SESSION_HEADER), header),
        (json_path(["query", "session"]), query),
    ):
        if (problem := session_problem(value, where)) is not None:
            raise AdminInputError.naming([problem])
    if header is not None and query is not None and header != query:
        where = json_path(["query", "session"])
        base_url = request.environ.get(BASE_URL)  # the header the base URL set, not one the client sent
        named = f"base URL {base_url}" if base_url else f"{SESSION_HEADER} header"
        raise AdminInputError(
            400,
            f"{where}: the session query parameter and the {named} disagree",
            [Problem(where, f"{query!r} differs from the {named}'s {header!r}")],
        )
    return query or header or DEFAULT_SESSION


def body(definition: str) -> dict[str, Any]:
    """The JSON object a write sends, checked against ``definition`` (its type was checked in front, in
    ``admin_guard``)."""
    length = request.content_length
    raw = b"" if length is not None and length > MAX_BODY_BYTES else request.stream.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES or (length is not None and length > MAX_BODY_BYTES):
        message = f"an admin body is at most {MAX_BODY_BYTES} bytes"
        raise AdminInputError(413, f"$: {message}", [Problem("$", message)])
    if not raw.strip():
        raise AdminInputError(400, "$: the body must be a JSON object", [Problem("$", "the body is empty")])
    if spec.nested_too_deep(raw.decode("utf-8", "replace")):  # the schema check recurses: refuse first
        message = f"the body nests deeper than {spec.MAX_DEPTH} levels"
        raise AdminInputError(400, f"$: {message}", [Problem("$", message)])
    try:
        found = _exact(orjson.loads(raw), raw)
    except orjson.JSONDecodeError as exc:
        message = f"the body is not JSON ({exc})"
        raise AdminInputError(400, f"$: {message}", [Problem("$", message)]) from None
    problems, counted_all = first_problems(found, ADMIN_SCHEMA + definition, most=PROBLEMS_COUNTED)
    if problems:
        raise AdminInputError.naming(problems, counted_all)
    result: dict[str, Any] = found
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


def _admin_error(exc: AdminInputError) -> Response:
    listed = exc.problems[:PROBLEMS_LISTED]
    refusal: dict[str, Any] = {"error": exc.error, "problems": [p.as_dict() for p in listed], **exc.extra}
    unlisted = len(exc.problems) - len(listed)
    if unlisted or not exc.counted_all:  # "exact": false when the count stopped early
        refusal["more-problems"] = {"count": unlisted, "exact": exc.counted_all}
    return as_json(refusal, exc.status)


def _unreadable(exc: UnreadableBody) -> Response:
    message = f"the body could not be read ({exc})"
    return _admin_error(AdminInputError(exc.status, f"$: {message}", [Problem("$", message, "encoding")]))


def _unavailable(exc: StateUnavailable) -> Response:
    answer = answers.unavailable(str(exc))
    return Response(answer.body, answer.status, headers=answer.headers, mimetype=answers.JSON)


def _too_many(exc: TooManyScripts) -> Response:
    return as_json({"error": f"{exc}; delete some or reset the session", "problems": []}, 409)
