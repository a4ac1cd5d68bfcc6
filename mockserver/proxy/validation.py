"""Validation of live traffic with spec/: the app's requests and the upstream's answers (D45).

Each side's checks are plain functions in one list; a check yields ``Violation``s (side, rule, JSON
path, message, value). Rules carry the names of the contract suite's checks where they judge the same
thing, so a violation seen here and a failure of ``oioi-contract`` read alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import spec
from mockserver.errors import Rejected
from mockserver.identity import parsing

REQUEST, ANSWER = "request", "answer"
SIDES = (REQUEST, ANSWER)
_JSON_MEDIA = re.compile(r"^application/(?:[\w.+-]+\+)?json$", re.IGNORECASE)
_VALUE_CHARS = 200  # a value quoted in a violation is cut to this many characters


@dataclass(frozen=True)
class Violation:
    side: str  # request (the app's mistake) or answer (the upstream's)
    rule: str
    path: str
    message: str
    value: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "rule": self.rule,
            "path": self.path,
            "message": self.message,
            "value": _short(self.value),
        }

    def problem(self) -> spec.Problem:
        return spec.Problem(self.path, f"{self.rule}: {self.message}", self.rule)


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > _VALUE_CHARS:
        return value[:_VALUE_CHARS] + "..."
    if isinstance(value, dict | list):
        return _short(repr(value)) if len(repr(value)) > _VALUE_CHARS else value
    return value


def at(body: Any, path: str) -> Any:
    """The value at a JSON path of ``spec.json_path``'s simple form, or None when absent."""
    node = body
    for key, index in re.findall(r"\.([\w-]+)|\[(\d+)\]", path):
        try:
            node = node[int(index)] if index else node[key]
        except (KeyError, IndexError, TypeError):
            return None
    return node


# --- the request ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """What the app sent: method, Content-Type, body (and whether it was cut at the size limit)."""

    method: str
    content_type: str
    mimetype: str
    params: dict[str, str]
    raw: bytes
    too_big: bool
    limit: int
    profile: str


def _method(sent: Sent) -> Iterator[Violation]:
    if sent.method != "POST":
        yield Violation(REQUEST, "method", "method", f"the call is a POST, not {sent.method}", sent.method)


def _content_type(sent: Sent) -> Iterator[Violation]:
    try:
        parsing.check_content_type(sent.mimetype, sent.params)
    except Rejected as reason:
        for problem in reason.problems:
            yield Violation(REQUEST, "content-type", problem.path, problem.message, sent.content_type or None)


def _request_body(sent: Sent) -> Iterator[Violation]:
    if sent.too_big:
        why = f"the body is larger than --max-body-bytes ({sent.limit} bytes): not forwarded whole"
        yield Violation(REQUEST, "body-size", "$", why)
        return
    body, problem = spec.parse_json(sent.raw)
    if body is spec.NOT_JSON:
        yield Violation(
            REQUEST,
            "json-body",
            "$",
            problem or "not JSON",
            sent.raw[:_VALUE_CHARS].decode("utf-8", "replace"),
        )
        return
    try:
        parsing.parse(sent.raw)
    except Rejected as reason:
        for found in reason.problems:
            yield Violation(REQUEST, "request-schema", found.path, found.message, at(body, found.path))


REQUEST_CHECKS: list[Callable[[Sent], Iterator[Violation]]] = [_method, _content_type, _request_body]


def request_violations(sent: Sent) -> list[Violation]:
    return [found for check in REQUEST_CHECKS for found in check(sent)]


# --- the answer ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Got:
    """What the upstream answered, read once: status, Content-Type, the parsed body or why it is not JSON."""

    status: int
    content_type: str
    body: Any
    json_problem: str
    profile: str

    @property
    def code(self) -> Any:
        result = self.body.get("result") if isinstance(self.body, dict) else None
        return result.get("code") if isinstance(result, dict) else None

    @property
    def is_success(self) -> bool:
        return self.code == 0 and not isinstance(self.code, bool)


def read_answer(status: int, content_type: str, raw: bytes, profile: str) -> Got:
    body, problem = spec.parse_json(raw) if raw else (spec.NOT_JSON, "an empty body")
    return Got(status, content_type, body, problem, profile)


def _server_error(got: Got) -> Iterator[Violation]:
    if got.status >= 500:
        why = f"HTTP {got.status}: 5xx means internal error or temporarily unavailable (D28)"
        yield Violation(ANSWER, "not-a-server-error", "status", why, got.status)


def _json_body(got: Got) -> Iterator[Violation]:
    if not isinstance(got.body, dict) and got.status < 500:
        problem = got.json_problem or "a JSON value that is not an object"
        yield Violation(ANSWER, "json-body", "$", f"the body is {problem}")


def _json_content_type(got: Got) -> Iterator[Violation]:
    if not isinstance(got.body, dict):
        return
    media, _, params = got.content_type.partition(";")
    if not _JSON_MEDIA.match(media.strip()):
        why = "a JSON body sent with a Content-Type that is not JSON"
        yield Violation(ANSWER, "json-content-type", "headers.Content-Type", why, got.content_type or None)
    match = re.search(r"charset\s*=\s*\"?([\w-]+)", params, re.IGNORECASE)
    if match and match.group(1).lower().replace("_", "-") not in {"utf-8", "utf8"}:
        why = "JSON declared in a charset other than UTF-8"
        yield Violation(ANSWER, "json-content-type", "headers.Content-Type", why, got.content_type)


def _documented(code: Any) -> bool:
    return isinstance(code, int) and not isinstance(code, bool) and code in spec.result_codes()


def _result_code(got: Got) -> Iterator[Violation]:
    if not isinstance(got.body, dict):
        return
    if "result" not in got.body:
        yield Violation(ANSWER, "result-code-documented", "$.result", "the body has no result")
    elif not _documented(got.code):
        why = f"result code {got.code!r} is not one the protocol documents (D17)"
        yield Violation(ANSWER, "result-code-documented", "$.result.code", why, got.code)


def _schema(got: Got) -> Iterator[Violation]:
    if not isinstance(got.body, dict) or "result" not in got.body:
        return
    name = "response-success" if got.is_success else "response-error"
    for problem in spec.problems(got.body, name, got.profile):
        message = f"{problem.message} ({name}, {got.profile} profile)"
        yield Violation(ANSWER, "response-schema", problem.path, message, at(got.body, problem.path))


def _invariants(got: Got) -> Iterator[Violation]:
    if not got.is_success or not isinstance(got.body, dict):
        return
    for invariant in spec.INVARIANTS:
        rule = invariant.__name__.replace("_", "-")
        for problem in invariant(got.body):
            yield Violation(ANSWER, rule, problem.path, problem.message, at(got.body, problem.path))


def _sessions(body: Any) -> Any:
    user = body.get("user") if isinstance(body, dict) else None
    return user.get("sessions") if isinstance(user, dict) else None


def _code_vs_sessions(got: Got) -> Iterator[Violation]:
    if not isinstance(got.body, dict) or "result" not in got.body:
        return
    rule = "code-zero-iff-sessions"
    if got.is_success:
        if _sessions(got.body) is None:
            yield Violation(ANSWER, rule, "$.user.sessions", "result code 0 without user.sessions")
        for key in ("error", "problems"):
            if got.body.get(key) not in (None, "", []):
                why = f"result code 0 with {key}: a success that also reports an error"
                yield Violation(ANSWER, rule, f"$.{key}", why, got.body[key])
    elif _sessions(got.body) not in (None, []) or "sessions" in got.body:
        why = f"result code {got.code!r} with sessions: an error body never carries sessions"
        yield Violation(ANSWER, rule, "$.user.sessions", why)


_ERROR_STATUSES = frozenset({200, 400, 401, 403, 404})  # D7


def _status_vs_result(got: Got) -> Iterator[Violation]:
    code, status = got.code, got.status
    if status >= 500 or not _documented(code):
        return
    rule, family = "status-matches-result", spec.result_codes()[code].family
    if code == 0:
        if status != 200:
            yield Violation(ANSWER, rule, "$.result.code", f"result code 0 with HTTP {status} (D7)", code)
    elif family == "request":
        if not (status == 200 or 400 <= status < 500):
            why = f"result code {code} with HTTP {status}; expected 200 or a 4xx (D7)"
            yield Violation(ANSWER, rule, "$.result.code", why, code)
    elif status not in _ERROR_STATUSES:
        why = f"result code {code} with HTTP {status}; expected one of {sorted(_ERROR_STATUSES)} (D7)"
        yield Violation(ANSWER, rule, "$.result.code", why, code)


ANSWER_CHECKS: list[Callable[[Got], Iterator[Violation]]] = [
    _server_error,
    _json_body,
    _json_content_type,
    _result_code,
    _schema,
    _invariants,
    _code_vs_sessions,
    _status_vs_result,
]


def answer_violations(got: Got) -> list[Violation]:
    return [found for check in ANSWER_CHECKS for found in check(got)]
