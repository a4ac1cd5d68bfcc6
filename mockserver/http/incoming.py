"""Reading a protocol request (step 1 of ``http.pipeline``): what the endpoint needs of it, straight from
the WSGI environ, or the answer to a request that cannot be read.

Only the method, a few headers and at most ``limit`` bytes of body are read; nothing needs Flask.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import IO, Any, TypeVar

from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_options_header
from werkzeug.wsgi import get_input_stream

import spec
from mockserver import answers
from mockserver.answers import Answer
from mockserver.errors import Rejected


@dataclass(frozen=True)
class Incoming:
    """What the endpoint reads of one request, straight from the WSGI environ."""

    environ: dict[str, Any]
    authorization: str | None
    scenario: str | None
    now: str | None
    session: str | None
    mimetype: str
    params: dict[str, str]
    raw: bytes  # at most max_body bytes
    too_big: bool

    @classmethod
    def read(cls, environ: dict[str, Any], limit: int, body: bytes | None = None) -> Incoming:
        """``body``: the whole body when it was read already (the answer cache's key holds it)."""
        mimetype, params = _content_type(environ.get("CONTENT_TYPE", ""))
        raw, too_big = _read_body(environ, limit) if body is None else _limited(body, limit)
        return cls(
            environ=environ,
            authorization=environ.get("HTTP_AUTHORIZATION"),
            scenario=environ.get("HTTP_X_MOCK_SCENARIO"),
            now=environ.get("HTTP_X_MOCK_NOW"),
            session=environ.get("HTTP_X_MOCK_SESSION"),
            mimetype=mimetype,
            params=params,
            raw=raw,
            too_big=too_big,
        )


def read(environ: dict[str, Any], limit: int, body: bytes | None = None) -> Incoming | Answer:
    """Step 1: what the endpoint reads of the request (at most ``limit`` bytes of body), or the answer to
    one that cannot be read (``body``: the whole body, when the answer cache's key read it: werkzeug's
    stream costs more)."""
    try:
        return Incoming.read(environ, limit, body)
    except HTTPException as error:  # e.g. a client that sent less than its Content-Length
        return answers.http_exception(error)
    except UnreadableBody as error:  # e.g. a chunk size that is not hexadecimal, a body that stopped
        why = f"the body could not be read ({error})"
        problems = [spec.Problem("$", why, "encoding")]
        reason = Rejected(error.status, 230, f"Invalid request format: {why}", problems)  # 400, or 408
        return answers.rejected(reason)


@lru_cache(maxsize=256)
def _content_type(header: str) -> tuple[str, dict[str, str]]:
    """(mimetype in lower case, parameters) of a Content-Type header, as werkzeug's Request gives them."""
    value, params = parse_options_header(header)
    return value.lower(), params


class UnreadableBody(Exception):
    """The body could not be read: a broken chunked encoding, say (the server's reader refused it)."""

    status = 400


class BodyTimedOut(UnreadableBody):
    """The body stopped arriving: the server's socket timed out waiting for the rest of it."""

    status = 408


T = TypeVar("T")


class GuardedInput:
    """A WSGI input stream whose reader's own errors become UnreadableBody.

    Each server's reader raises its own exception types for a body it cannot decode (gunicorn's
    ``InvalidChunkSize``, say), which Flask would answer with a 500; werkzeug's HTTP errors (a client
    that sent less than its Content-Length) pass unchanged.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream

    def _guard(self, read: Callable[[], T]) -> T:
        try:
            return read()
        except (HTTPException, UnreadableBody):
            raise
        except TimeoutError as error:
            raise BodyTimedOut("the rest of the body did not arrive in time") from error
        except Exception as error:  # the server's reader: its exception types are its own
            raise UnreadableBody(f"{type(error).__name__}: {error}") from error

    def read(self, size: int = -1) -> bytes:
        return self._guard(lambda: self._stream.read(size))

    def readline(self, size: int = -1) -> bytes:
        return self._guard(lambda: self._stream.readline(size))

    def readlines(self, hint: int = -1) -> list[bytes]:
        return self._guard(lambda: self._stream.readlines(hint))

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.readline, b"")


class FailedInput:
    """An input stream that could not be read: every read raises the same UnreadableBody again, so the
    step that reads the body answers for it (the answer cache's look at the body comes first)."""

    def __init__(self, error: UnreadableBody) -> None:
        self.error = error

    def read(self, size: int = -1) -> bytes:
        raise self.error

    def readline(self, size: int = -1) -> bytes:
        raise self.error


def guard(environ: dict[str, Any]) -> dict[str, Any]:
    """``environ`` with its input stream guarded (``GuardedInput``), for code that reads it later."""
    stream = environ.get("wsgi.input")
    if stream is not None and not isinstance(stream, GuardedInput):
        environ["wsgi.input"] = GuardedInput(stream)
    return environ


def decimal(text: str | None) -> int | None:
    """A header's or a query's non-negative integer: ``spec.ASCII_INTEGER`` without a sign, at most 18
    digits (``"²".isdigit()`` is True and ``int("²")`` fails: the pattern takes ASCII digits only)."""
    if text is None or len(text) > 18 or text[:1] in "+-" or not spec.ASCII_INTEGER.fullmatch(text):
        return None
    return int(text)


def _limited(body: bytes, limit: int) -> tuple[bytes, bool]:
    """``_read_body``'s answer for a whole body already read: a longer one than ``limit`` is not kept."""
    return (b"", True) if len(body) > limit else (body, False)


def _read_body(environ: dict[str, Any], limit: int) -> tuple[bytes, bool]:
    """At most ``limit`` bytes of body, and whether there was more (never reads past limit + 1).

    werkzeug's input stream: Content-Length bounds it; a chunked body is read to its end.
    """
    length = decimal(environ.get("CONTENT_LENGTH"))
    if length is not None and length > limit:
        return b"", True
    raw = GuardedInput(get_input_stream(environ)).read(limit + 1)
    return raw[:limit], len(raw) > limit
