"""Validation of live traffic with spec/: the app's requests and the upstream's answers (D45).

Each side's checks are plain functions in one list; a check yields ``Violation``s (side, rule, JSON
path, message, value). Rules carry the names of the contract suite's checks where they judge the same
thing, so a violation seen here and a failure of ``oioi-contract`` read alike.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson

import spec
from mockserver.errors import Rejected
from mockserver.identity import parsing
from spec import answer_rules

REQUEST, ANSWER = "request", "answer"
SIDES = (REQUEST, ANSWER)
_VALUE_CHARS = 200  # a value quoted in a violation is cut to this many characters
_QUOTE = reprlib.Repr()  # nested levels, items and digits bounded: never recurses deep
_QUOTE.maxlong = _QUOTE.maxother = _VALUE_CHARS


@dataclass(frozen=True)
class Violation:
    side: str  # request (the app's mistake) or answer (the upstream's)
    rule: str
    path: str
    message: str
    value: Any = None

    @classmethod
    def at(cls, side: str, rule: str, problem: spec.Problem, body: Any, message: str = "") -> Violation:
        """A violation of ``problem``, quoting the value of ``body`` at its path."""
        return cls(side, rule, problem.path, message or problem.message, spec.value_at(body, problem.path))

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
    """``value`` as the journal keeps it: as it is when short and every store can write it, else as
    text cut to ``_VALUE_CHARS`` (a lone surrogate as its escape; an integer beyond 64 bits, a long or
    deep value as a bounded repr)."""
    if isinstance(value, str):
        text = value.encode("utf-8", "backslashreplace").decode("utf-8")
        return text[:_VALUE_CHARS] + "..." if len(text) > _VALUE_CHARS else text
    try:
        stored = orjson.dumps(value)
    except orjson.JSONEncodeError:
        stored = b""
    return value if 0 < len(stored) <= _VALUE_CHARS else _short(_QUOTE.repr(value))


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
        yield Violation(REQUEST, "json-body", "$", problem or "not JSON")  # the journal keeps the body
        return
    try:
        parsing.parse(sent.raw)
    except Rejected as reason:
        for found in reason.problems:
            yield Violation(
                REQUEST, "request-schema", found.path, found.message, spec.value_at(body, found.path)
            )


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
        return answer_rules.is_success_code(self.code)


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
    if isinstance(got.body, dict):
        for problem in answer_rules.json_content_type(got.content_type):
            yield Violation(
                ANSWER, "json-content-type", problem.path, problem.message, got.content_type or None
            )


def _result_code(got: Got) -> Iterator[Violation]:
    if not isinstance(got.body, dict):
        return
    if "result" not in got.body:
        yield Violation(ANSWER, "result-code-documented", "$.result", "the body has no result")
    elif not answer_rules.documented(got.code):
        why = f"result code {got.code!r} is not one the protocol documents (D17)"
        yield Violation(ANSWER, "result-code-documented", "$.result.code", why, got.code)


def _schema(got: Got) -> Iterator[Violation]:
    if not isinstance(got.body, dict) or "result" not in got.body:
        return
    name = "response-success" if got.is_success else "response-error"
    for problem in spec.problems(got.body, name, got.profile):
        message = f"{problem.message} ({name}, {got.profile} profile)"
        yield Violation(
            ANSWER, "response-schema", problem.path, message, spec.value_at(got.body, problem.path)
        )


def _invariants(got: Got) -> Iterator[Violation]:
    if not got.is_success or not isinstance(got.body, dict):
        return
    for invariant in spec.INVARIANTS:
        rule = invariant.__name__.replace("_", "-")
        for problem in invariant(got.body):
            yield Violation(
                ANSWER, rule, problem.path, problem.message, spec.value_at(got.body, problem.path)
            )


def _code_vs_sessions(got: Got) -> Iterator[Violation]:
    if isinstance(got.body, dict) and got.status < 500:
        for problem in answer_rules.code_zero_iff_sessions(got.body):
            yield Violation.at(ANSWER, "code-zero-iff-sessions", problem, got.body)


def _status_vs_result(got: Got) -> Iterator[Violation]:
    for problem in answer_rules.status_matches_result(got.status, got.code):
        yield Violation(ANSWER, "status-matches-result", problem.path, f"{problem.message} (D7)", got.code)


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


# Answers up to this size are judged once per distinct bytes (the cache's memory: size x this, at most).
CACHED_ANSWER_BYTES = 16 * 1024


@dataclass(frozen=True)
class Verdict:
    """What the proxy needs of a judged answer: whether it is a success, and its violations."""

    success: bool
    violations: tuple[Violation, ...]


def _verdict(status: int, content_type: str, raw: bytes, profile: str) -> Verdict:
    got = read_answer(status, content_type, raw, profile)
    return Verdict(got.is_success, tuple(answer_violations(got)))


class AnswerJudge:
    """``answer_violations`` with a bounded LRU cache per (status, Content-Type, body, profile).

    The verdict on given bytes never changes, and an app polling one user gets the same answer again and
    again; validating a success with jsonschema costs milliseconds (about 15 for a history of 8 sessions),
    a cached verdict microseconds. Larger answers are judged every time.
    """

    def __init__(self, size: int) -> None:
        self._cached = lru_cache(maxsize=size)(_verdict)

    def judge(self, status: int, content_type: str, raw: bytes, profile: str) -> Verdict:
        if len(raw) <= CACHED_ANSWER_BYTES:
            return self._cached(status, content_type, raw, profile)
        return _verdict(status, content_type, raw, profile)
