"""Reading a protocol request: what the endpoint needs of it, straight from the WSGI environ.

Only the method, a few headers and at most ``limit`` bytes of body are read; nothing needs Flask.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from werkzeug.http import parse_options_header
from werkzeug.wsgi import get_input_stream


@dataclass(frozen=True)
class Incoming:
    """What the endpoint reads of one request, straight from the WSGI environ."""

    environ: dict[str, Any]
    authorization: str | None
    scenario: str | None
    now: str | None
    mimetype: str
    params: dict[str, str]
    raw: bytes  # at most max_body bytes
    too_big: bool

    @classmethod
    def read(cls, environ: dict[str, Any], limit: int) -> Incoming:
        mimetype, params = _content_type(environ.get("CONTENT_TYPE", ""))
        raw, too_big = _read_body(environ, limit)
        return cls(
            environ=environ,
            authorization=environ.get("HTTP_AUTHORIZATION"),
            scenario=environ.get("HTTP_X_MOCK_SCENARIO"),
            now=environ.get("HTTP_X_MOCK_NOW"),
            mimetype=mimetype,
            params=params,
            raw=raw,
            too_big=too_big,
        )


@lru_cache(maxsize=256)
def _content_type(header: str) -> tuple[str, dict[str, str]]:
    """(mimetype in lower case, parameters) of a Content-Type header, as werkzeug's Request gives them."""
    value, params = parse_options_header(header)
    return value.lower(), params


def _read_body(environ: dict[str, Any], limit: int) -> tuple[bytes, bool]:
    """At most ``limit`` bytes of body, and whether there was more (never reads past limit + 1).

    werkzeug's input stream: Content-Length bounds it; a chunked body is read to its end.
    """
    length = environ.get("CONTENT_LENGTH") or ""
    if length.isdigit() and int(length) > limit:
        return b"", True
    raw = get_input_stream(environ).read(limit + 1)
    return raw[:limit], len(raw) > limit
