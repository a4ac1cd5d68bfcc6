"""The partner's API key, ``Authorization: key=<api key>`` (OIOI transport), against the configured keys."""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from mockserver.errors import Rejected
from spec import Problem, header_path

PREFIX = "key="
REDACTED = "key=<redacted>"
_PATH = header_path("Authorization")


def _reject(why: str) -> Rejected:
    return Rejected(401, 210, f"Invalid API key: {why}", [Problem(_PATH, why, "auth")])


def check(header: str | None, keys: Iterable[str]) -> str:
    """The API key of a request whose header names a configured key; Rejected (401, result 210) otherwise."""
    if header is None or not header.strip():
        raise _reject("the Authorization header is missing; send 'Authorization: key=<api key>'")
    value = header.strip()
    if not value.startswith(PREFIX) or not value[len(PREFIX) :].strip():
        raise _reject("the Authorization header must be 'key=<api key>' (literally prefixed 'key=')")
    given = value[len(PREFIX) :].strip().encode()
    if not any(hmac.compare_digest(given, key.encode()) for key in keys):
        raise _reject("the API key is not known to this server")
    return given.decode()
