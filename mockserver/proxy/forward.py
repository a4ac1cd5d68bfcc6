"""Forwarding one protocol request to the upstream server through a pool of connections.

The app's headers go on (its partner key included) except the hop-by-hop ones (RFC 9110 section 7.6.1)
and the mock's own ``X-Mock-*``; the upstream's answer comes back as it was sent. An upstream that
cannot be reached answers 502 with result 100, one that does not answer in time 504 with result 102
(D45).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import orjson
import urllib3
from urllib3.exceptions import HTTPError, NewConnectionError, TimeoutError

from mockserver import answers
from mockserver.answers import Answer

# Headers that describe one connection, not the message: never passed on in either direction.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
# The mock's own server writes these on every answer: the upstream's are not repeated.
SERVER_OWN = frozenset({"date", "server"})
# Who may read an answer in a browser is the mock's own policy (--cors, --cors-origin), not the upstream's:
# a page calls the mock's origin, and the upstream's headers would stand beside the mock's, twice.
CORS_PREFIX = "access-control-"
OWN_HEADERS_PREFIX = "x-mock-"
# Not passed on: the mock reads every answer (validation, data scenarios), so it asks for one without a
# content coding (``Accept-Encoding: identity``) whatever the app accepts.
READS_ANSWER = frozenset({"accept-encoding"})
POOL_SIZE = 32  # connections kept open to the upstream, per worker
MAX_ANSWER_BYTES = 16 * 1024 * 1024  # a larger answer is a failure of the upstream (502), never held whole


@dataclass(frozen=True)
class Reply:
    """What the upstream said: status, headers (lower-case names), body; or why it said nothing."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    seconds: float = 0.0
    failure: str | None = None  # "down" or "timeout" when the upstream did not answer

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def describe(self) -> dict[str, Any]:
        """What the journal keeps of the upstream's answer."""
        found: dict[str, Any] = {"status": self.status or None, "duration_ms": round(self.seconds * 1000, 3)}
        if self.failure is not None:
            found["failure"] = self.failure
        else:
            found["content-type"] = self.content_type or None
            found["bytes"] = len(self.body)
        return found


class Upstream:
    """The upstream server: its base URL, a pool of connections, the time-out of one request."""

    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        self.url = url
        self.base_path = parts.path.rstrip("/")
        self.timeout = timeout
        self._pool = urllib3.connection_from_url(
            f"{parts.scheme}://{parts.netloc}", maxsize=POOL_SIZE, block=False, retries=False
        )

    def forward(self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes) -> Reply:
        """Send one request on; a Reply always (``failure`` set when the upstream did not answer)."""
        target = self.base_path + path + (f"?{query}" if query else "")
        sent = {name: value for name, value in headers.items() if _forwarded(name)}
        sent["Accept-Encoding"] = "identity"
        started = time.perf_counter()

        def failed(why: str) -> Reply:
            return Reply(0, seconds=time.perf_counter() - started, failure=why)

        try:
            response = self._pool.urlopen(
                method,
                target,
                body=body if body or method not in ("GET", "HEAD") else None,
                headers=sent,
                timeout=urllib3.Timeout(total=self.timeout),
                redirect=False,
                retries=False,
                preload_content=False,
                decode_content=False,
            )
            data = response.read(MAX_ANSWER_BYTES + 1)
        except NewConnectionError as error:  # refused: a subclass of the time-outs in urllib3 2
            return failed(f"down: {error}")
        except TimeoutError as error:
            return failed(f"timeout: {error}")
        except HTTPError as error:
            return failed(f"down: {error}")
        if len(data) > MAX_ANSWER_BYTES:  # never held whole: the connection is dropped unread
            response.close()
            return failed(f"down: its answer is larger than {MAX_ANSWER_BYTES} bytes")
        response.release_conn()
        got = {name.lower(): value for name, value in response.headers.items()}
        return Reply(response.status, got, data, time.perf_counter() - started)

    def close(self) -> None:
        self._pool.close()


def _forwarded(name: str) -> bool:
    low = name.lower()
    return low not in HOP_BY_HOP and low not in READS_ANSWER and not low.startswith(OWN_HEADERS_PREFIX)


def request_headers(environ: Mapping[str, Any]) -> dict[str, str]:
    """The request's headers from the WSGI environ, as sent (credentials included: they go upstream)."""
    found: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_") and key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
            found[key[5:].replace("_", "-").title()] = value
    if environ.get("CONTENT_TYPE"):
        found["Content-Type"] = environ["CONTENT_TYPE"]
    return found


def as_answer(reply: Reply, timeout: float) -> Answer:
    """The answer the app gets for the upstream's reply: its status, headers and bytes, or 502/504."""
    if reply.failure is not None:
        if reply.failure.startswith("timeout"):
            why = f"the upstream did not answer within --upstream-timeout {timeout:g} s ({reply.failure})"
            return Answer(504, answers.error_body(102, why), 102)
        return Answer(
            502, answers.error_body(100, f"the upstream gave no usable answer ({reply.failure})"), 100
        )
    kept = {
        name.title(): value
        for name, value in reply.headers.items()
        if name not in HOP_BY_HOP
        and name not in SERVER_OWN
        and name != "content-type"
        and not name.startswith(CORS_PREFIX)
    }
    # the upstream's, not the mock's: --self-check leaves it alone (the proxy's validation judges it)
    return Answer(
        reply.status, reply.body, result_code(reply), reply.content_type or None, kept, deliberate=True
    )


def result_code(reply: Reply) -> int | None:
    """The integer ``result.code`` of the upstream's body, when it has one (for the journal: the strict
    reading of the body is the validation's)."""
    try:
        body = orjson.loads(reply.body) if reply.body else None
    except orjson.JSONDecodeError:
        return None
    result = body.get("result") if isinstance(body, dict) else None
    code = result.get("code") if isinstance(result, dict) else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None
