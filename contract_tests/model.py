"""The values the suite passes around: what a case expects, what was sent and got, what went wrong."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import spec


class User(StrEnum):
    """One of the known-good users a run is given: the known user, and optionally a second one."""

    KNOWN = "known user"  # --identifier-type, --identifier, --token
    SECOND = "second user"  # --second-user-type, --second-user, --second-user-token

    @property
    def other(self) -> User:
        return User.SECOND if self is User.KNOWN else User.KNOWN


class Kind(StrEnum):
    """What a correct server does with a case; the checks read this to know which rules apply."""

    KNOWN = "known"  # a known-good user (``Expect.user``): must succeed with that user's sessions
    USER_AUTH = "user-auth"  # wrong/missing token, unknown user: must be refused
    PARTNER_AUTH = "partner-auth"  # missing/wrong/malformed API key: must be refused
    BAD_INPUT = "bad-input"  # malformed request: must be rejected
    LENIENT = "lenient"  # a server may accept (then only with the known user's data) or reject
    DENIED = "denied"  # not the call (another method or path) and no valid key: anything but data
    CROSS_USER = "cross-user"  # one known user's identifier with the other's token: refused (D40)
    CONCURRENT = "concurrent"  # a known-good request among the other user's, in flight: its user's data
    RECORDED = "recorded"  # an exchange captured elsewhere (a HAR file): what it asked for is unknown


# The group of the run's last known-good request: the latency budget is judged on it (D43).
LATENCY_GROUP = "latency"

# Result-code families a refusal may use, per kind. A general code (100-102) may stand in for any
# specific one (D8).
USER_AUTH_FAMILIES = frozenset({"user-auth", "general"})
PARTNER_AUTH_FAMILIES = frozenset({"partner-auth", "general"})
ANY_ERROR_FAMILIES = frozenset({"user-auth", "general", "partner-auth", "request"})


@dataclass(frozen=True)
class Expect:
    """A case's expectation: its kind, the result-code families a refusal may use, and ``user``: the
    known-good user whose sessions a success holds (KNOWN) or may hold instead of a refusal
    (CROSS_USER; None: none may)."""

    kind: Kind
    families: frozenset[str] = ANY_ERROR_FAMILIES
    user: User | None = User.KNOWN


@dataclass(frozen=True)
class Request:
    """One HTTP request exactly as sent (the body as bytes, so malformed bodies can be sent)."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    chunked: bool = False  # sent with Transfer-Encoding: chunked (no Content-Length)

    def body_text(self) -> str:
        return self.body.decode("utf-8", errors="backslashreplace")


@dataclass(frozen=True)
class Case:
    """A request to send, named and grouped, with what a correct server does with it."""

    name: str  # e.g. "auth/wrong-token"
    group: str  # success, authentication, bad-input, tolerated, identity, hypothesis, schemathesis
    headers: dict[str, str]
    body: bytes
    expect: Expect
    note: str = ""  # one line for people: what the case probes
    method: str = "POST"
    path: str | None = None  # path (and query) instead of --path, e.g. "/api/v3/request"
    chunked: bool = False  # send the body with Transfer-Encoding: chunked

    @staticmethod
    def json_body(value: Any, *, ascii_only: bool = False) -> bytes:
        """JSON bytes; ``ascii_only`` escapes non-ASCII (needed for lone surrogates)."""
        return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", errors="surrogatepass")


@dataclass(frozen=True)
class Response:
    """One HTTP answer; ``error`` is set (and status 0) when no answer came."""

    status: int
    headers: dict[str, str]
    body: bytes
    elapsed: float
    error: str = ""
    retries: int = 0

    @property
    def content_type(self) -> str:
        for name, value in self.headers.items():
            if name.lower() == "content-type":
                return value
        return ""


@dataclass
class Exchange:
    """A case, the request sent for it and the answer (None when the time budget ran out first)."""

    case: Case
    request: Request
    response: Response
    body: Any = field(init=False)
    json_problem: str = field(init=False)

    def __post_init__(self) -> None:
        if self.response.error:
            self.body, self.json_problem = spec.NOT_JSON, self.response.error
        else:
            self.body, self.json_problem = spec.parse_json(self.response.body)

    @property
    def kind(self) -> Kind:
        return self.case.expect.kind

    @property
    def answered(self) -> bool:
        return not self.response.error

    @property
    def is_json_object(self) -> bool:
        return isinstance(self.body, dict)

    @property
    def result_code(self) -> Any:
        """The raw ``result.code`` (any type), or None when absent."""
        if not isinstance(self.body, dict):
            return None
        result = self.body.get("result")
        return result.get("code") if isinstance(result, dict) else None

    @property
    def sessions(self) -> Any:
        """``user.sessions`` when present (any type), else None."""
        if not isinstance(self.body, dict):
            return None
        user = self.body.get("user")
        return user.get("sessions") if isinstance(user, dict) else None

    def carries_sessions(self) -> bool:
        """Sessions anywhere a client would look for them: ``user.sessions`` or a top-level ``sessions``."""
        return spec.answer_rules.carries_sessions(self.body)


@dataclass(frozen=True)
class Finding:
    """One rule broken (or, with ``warning``, a remark) on one exchange."""

    message: str
    path: str = "$"
    value: Any = None
    warning: bool = False


@dataclass(frozen=True)
class Failure:
    """A check failed on one exchange: everything a developer needs to reproduce and fix it."""

    check: str
    family: str
    rule: str
    case: str
    message: str
    path: str
    value: Any
    curl: str
    status: int
    response_excerpt: str
    seed: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "family": self.family,
            "rule": self.rule,
            "case": self.case,
            "message": self.message,
            "path": self.path,
            "value": self.value,
            "curl": self.curl,
            "status": self.status,
            "response": self.response_excerpt,
            "seed": self.seed,
        }


@dataclass(frozen=True)
class Remark:
    """Something a developer should look at that the contract allows (e.g. an unknown field)."""

    source: str
    case: str
    message: str
    path: str = "$"

    def as_dict(self) -> dict[str, str]:
        return {"source": self.source, "case": self.case, "message": self.message, "path": self.path}
