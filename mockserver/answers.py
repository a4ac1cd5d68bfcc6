"""Answers as values: status, body bytes, result code, headers, and optional transport behaviour.

The protocol endpoint sends an Answer (``head`` gives its status line and headers); the journal and
the log read it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import orjson
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

import spec
from mockserver.errors import Rejected

JSON = "application/json"


@dataclass
class Answer:
    """What the mock will do for one request.

    ``transport`` acts on the connection before any byte is written (reset, close); ``stream``
    replaces ``body`` with chunks produced while sending; ``deliberate`` marks answers broken on
    purpose by a scenario, or not of the mock's making (an upstream's, in proxy mode): self-check leaves
    them alone.
    """

    status: int
    body: bytes = b""
    code: int | None = None
    content_type: str | None = JSON
    headers: dict[str, str] = field(default_factory=dict)
    stream: Callable[[Mapping[str, Any]], Iterable[bytes]] | None = None
    transport: str | None = None
    delay_s: float = 0.0
    deliberate: bool = False


RETRY_AFTER_SECONDS = 1  # every 503 of the mock's own (its state unreachable, the server stopping)
RETRY_LATER: Mapping[str, str] = MappingProxyType({"Retry-After": str(RETRY_AFTER_SECONDS)})


def unavailable(why: str) -> Answer:
    """503 with result 100 and Retry-After: the mock cannot answer now (its state backend cannot be
    reached, the server is stopping). The one shape of every such answer."""
    return Answer(503, error_body(100, f"{why} (retry later)"), 100, headers=dict(RETRY_LATER))


def message(code: int) -> str:
    return spec.result_codes()[code].message


def error_body(code: int, error: str, problems: Sequence[spec.Problem] | None = None) -> bytes:
    body: dict[str, Any] = {"result": {"code": code, "message": message(code)}, "error": error}
    if problems is not None:
        body["problems"] = [p.as_dict() for p in problems]
    return orjson.dumps(body)


def result(code: int, mapping: str, error: str, problems: Sequence[spec.Problem] | None = None) -> Answer:
    """A result-coded error with the HTTP status the status mapping gives that code (D7)."""
    status = spec.result_codes()[code].status[mapping]
    return Answer(status, error_body(code, error, problems), code)


def rejected(reason: Rejected) -> Answer:
    """Bad input, a bad API key, an unknown scenario: always with problems."""
    body = error_body(reason.code, reason.error, reason.problems)
    return Answer(reason.status, body, reason.code, headers=dict(reason.headers))


def success(body: bytes) -> Answer:
    return Answer(200, body, 0)


def http_error(status: int, name: str, where: str, why: str) -> Answer:
    """An HTTP-level error (404, 405, a broken request body) in the error shape, result 200 (100 if 5xx)."""
    code = 200 if status < 500 else 100
    return Answer(status, error_body(code, f"{name}: {why}", [spec.Problem(where, why)]), code)


def http_exception(error: HTTPException) -> Answer:
    """A werkzeug HTTP error (e.g. a client that sent less than its Content-Length) as a JSON answer."""
    return http_error(error.code or 500, error.name, "$", error.description or error.name)


def method_not_allowed(method: str, allowed: Sequence[str]) -> Answer:
    why = f"method {method} is not allowed here; allowed: {', '.join(allowed)}"
    answer = http_error(405, "Method Not Allowed", "method", why)
    answer.headers["Allow"] = ", ".join(allowed)
    return answer


def head(answer: Answer) -> tuple[str, list[tuple[str, str]]]:
    """The status line and headers that go on the wire (Content-Length unless the answer streams)."""
    headers = [] if answer.content_type is None else [("Content-Type", answer.content_type)]
    if answer.stream is None and "Content-Length" not in answer.headers:
        headers.append(("Content-Length", str(len(answer.body))))
    headers += answer.headers.items()
    return f"{answer.status} {HTTP_STATUS_CODES.get(answer.status, 'UNKNOWN').upper()}", headers
