"""From raw request bytes to a checked call, or a Rejected with JSON paths (result 230)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson

import spec
from mockserver.errors import Rejected
from spec import Problem

CONTENT_TYPE_WHERE = spec.header_path("Content-Type")

JSON_TYPE = "application/json"


@dataclass(frozen=True)
class Call:
    """A well-formed request: the call's name and its user."""

    name: str
    body: Any
    identifier_type: str
    identifier: str
    token: str | None


def _bad(status: int, error: str, path: str, why: str, keyword: str = "format") -> Rejected:
    return Rejected(status, 230, error, [Problem(path, why, keyword)])


def check_content_type(mimetype: str, params: dict[str, str]) -> None:
    """D18: ``application/json`` (a UTF-8 charset parameter allowed), else 415 with result 230."""
    if mimetype != JSON_TYPE:
        shown = mimetype or "(missing)"
        why = f"Content-Type must be application/json, not {shown}"
        raise _bad(415, f"Unsupported media type: {why}", CONTENT_TYPE_WHERE, why, "content-type")
    charset = params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        why = f"the charset must be UTF-8, not {charset}"
        raise _bad(415, f"Unsupported media type: {why}", CONTENT_TYPE_WHERE, why, "content-type")


def too_large(limit: int) -> Rejected:
    why = f"the body is larger than the limit of {limit} bytes"
    return _bad(413, f"Request body too large: {why}", "$", why, "size")


def parse(raw: bytes) -> Call:
    """The call in ``raw``, or Rejected naming what is wrong and where."""
    if not raw.strip():
        raise _bad(
            400, "Invalid request format: the body is empty", "$", "expected a JSON object, got no body"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        why = f"the body is not UTF-8 (byte {error.start}: {raw[error.start : error.start + 1]!r})"
        raise _bad(400, f"Invalid request format: {why}", "$", why, "encoding") from None
    if spec.nested_too_deep(text):  # the schema check recurses: refuse before it (D35)
        why = f"the body nests deeper than {spec.MAX_DEPTH} levels"
        raise _bad(400, f"Invalid request format: {why}", "$", why, "json")
    try:
        body = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        why = f"the body is not JSON: {error}"
        raise _bad(400, f"Invalid request format: {why}", "$", why, "json") from None
    if not isinstance(body, dict):
        why = f"expected a JSON object with one key naming the call, got {type(body).__name__}"
        raise _bad(400, f"Invalid request format: {why}", "$", why, "type")
    if len(body) != 1:
        names = ", ".join(repr(k) for k in body) or "none"
        why = f"expected exactly one key naming the call, got {len(body)} ({names})"
        raise _bad(400, f"Invalid request format: {why}", "$", why, "envelope")
    (name,) = body
    if name != spec.CALL:
        why = f"unknown call {name!r}; calls: {spec.CALL}"
        raise _bad(400, f"Invalid request format: {why}", spec.json_path([name]), why, "call")
    found = [] if plainly_valid(body) else spec.problems(body, "request", "strict")
    if found:
        raise Rejected(400, 230, f"Invalid request format: {spec.headline(found)}", found)
    user = body[name]["user"]
    return Call(name, body, user["identifier-type"], user["identifier"], user.get("token"))


_IDENTIFIER_TYPES = frozenset(spec.IDENTIFIER_TYPES)  # plainly_valid's rules, read from the schema


def plainly_valid(body: dict[str, Any]) -> bool:
    """True exactly when ``spec`` accepts the envelope ``body`` as a request (schema ``request``).

    The same rules as spec/schemas/request.json and user.json, in plain Python (the enum and the
    lengths are read from user.json): a request the schema accepts costs ~2 µs here instead of
    ~100 µs in jsonschema. Only False sends a body to jsonschema,
    which then names the problems. tests/mockserver/test_hotpath.py proves the equivalence with
    hypothesis against the schema itself, so the two cannot drift apart unnoticed.
    """
    call = body.get(spec.CALL)
    if type(call) is not dict:
        return False
    user = call.get("user")
    if type(user) is not dict:
        return False
    kind, identifier = user.get("identifier-type"), user.get("identifier")
    if type(kind) is not str or kind not in _IDENTIFIER_TYPES:
        return False
    low, high = spec.IDENTIFIER_LENGTH
    if type(identifier) is not str or not low <= len(identifier) <= high:
        return False
    token = user.get("token")
    low, high = spec.TOKEN_LENGTH
    return token is None or (type(token) is str and low <= len(token) <= high)


# Bodies larger than this are parsed every time: the cache's memory stays bounded (size x this).
CACHED_BODY_BYTES = 2048


class CachedParser:
    """``parse`` with a bounded LRU cache per raw body: the verdict on given bytes never changes.

    Well-formed requests repeat (a client polls the same user), and validating one with jsonschema
    costs more than everything else the hot path does; a cached Call skips it, exactly equivalent.
    """

    def __init__(self, size: int) -> None:
        self._cached = lru_cache(maxsize=size)(_verdict)

    def parse(self, raw: bytes) -> Call:
        found = self._cached(raw) if len(raw) <= CACHED_BODY_BYTES else _verdict(raw)
        if isinstance(found, Call):
            return found
        raise Rejected(*found)  # a fresh exception each time: threads never share one traceback

    def clear(self) -> None:
        self._cached.cache_clear()


def _verdict(raw: bytes) -> Call | tuple[int, int, str, list[Problem]]:
    try:
        return parse(raw)
    except Rejected as reason:
        return (reason.status, reason.code, reason.error, reason.problems)
