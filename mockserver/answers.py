"""Answers as values: status, body bytes, result code, headers, and optional transport behaviour.

The request handler turns an Answer into a Flask response; the journal and the log read it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

import spec
from mockserver.errors import Rejected

JSON = "application/json"


@dataclass
class Answer:
    """What the mock will do for one request.

    ``transport`` acts on the connection before any byte is written (reset, close); ``stream``
    replaces ``body`` with chunks produced while sending; ``deliberate`` marks answers broken on
    purpose by a scenario (self-check leaves them alone).
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
