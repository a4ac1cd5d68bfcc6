"""Forwarding one protocol request to the upstream server through a pool of connections.

The app's headers go on (its partner key included) except the hop-by-hop ones (RFC 9110 section 7.6.1)
and the mock's own ``X-Mock-*``; the upstream's answer comes back as it was sent. An upstream that
cannot be reached answers 502 with result 100, one whose whole answer has not arrived by
``--upstream-timeout`` 504 with result 102, one whose answer cannot be read (bad framing, a broken
status line, bytes after its end) 502 naming what was wrong (D45).

HTTP/1.1 is read with h11, which parses and does not guess: informational answers (``102``, ``103``)
are passed over on the way to the final one, and a connection goes back to the pool only after a whole
answer, framed correctly, with nothing after it. Anything else (a time-out, a short body, trailing
bytes, a parse error) closes it, so no answer is ever left in a connection for another user's request
to read.
"""

from __future__ import annotations

import contextlib
import re
import select
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import h11
import orjson

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
POOL_SIZE = 32  # idle connections kept open to the upstream, per worker
MAX_ANSWER_BYTES = 16 * 1024 * 1024  # a larger answer is a failure of the upstream (502), never held whole
MAX_HEAD_BYTES = 64 * 1024  # the status line and headers of one answer (informational ones included)
READ_BYTES = 65536

# Why the upstream gave no answer to pass on: the first word of ``Reply.failure``.
DOWN = "down"  # not reached, or the connection broke before a whole answer
TIMEOUT = "timeout"  # the whole answer had not arrived by the deadline
UNREADABLE = "unreadable"  # an answer arrived that is not HTTP/1.1 framed correctly


@dataclass(frozen=True)
class Reply:
    """What the upstream said: status, headers (lower-case names), body; or why it said nothing."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    seconds: float = 0.0
    failure: str | None = None  # "down: ...", "timeout: ..." or "unreadable: ..." when nothing can go on

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


class Failed(Exception):
    """One exchange with the upstream ended without an answer to pass on (``kind``: DOWN, TIMEOUT,
    UNREADABLE)."""

    def __init__(self, kind: str, why: str) -> None:
        super().__init__(f"{kind}: {why}")
        self.kind = kind


class Upstream:
    """The upstream server: its base URL, a pool of idle connections, the deadline of one answer."""

    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        self.url = url
        self.base_path = parts.path.rstrip("/")
        self.timeout = timeout
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.authority = parts.netloc.rpartition("@")[2]
        self.tls = ssl.create_default_context() if parts.scheme == "https" else None
        self._idle: list[_Connection] = []
        self._lock = threading.Lock()

    def forward(self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes) -> Reply:
        """Send one request on; a Reply always (``failure`` set when there is no answer to pass on)."""
        target = self.base_path + path + (f"?{query}" if query else "")
        sent = [("Host", self.authority)]
        sent += [(name, value) for name, value in headers.items() if _forwarded(name)]
        sent.append(("Accept-Encoding", "identity"))
        if body or method not in ("GET", "HEAD"):
            sent.append(("Content-Length", str(len(body))))
        started = time.perf_counter()
        deadline = time.monotonic() + self.timeout
        connection: _Connection | None = None
        try:
            connection = self._checkout(deadline)
            status, got, data = connection.exchange(method, target, sent, body, deadline)
        except Failed as failure:
            if connection is not None:
                connection.close()
            return Reply(0, seconds=time.perf_counter() - started, failure=str(failure))
        self._checkin(connection)
        return Reply(status, got, data, time.perf_counter() - started)

    def _checkout(self, deadline: float) -> _Connection:
        """An idle connection still quiet (nothing to read: no close, no stray bytes), or a new one."""
        while True:
            with self._lock:
                connection = self._idle.pop() if self._idle else None
            if connection is None:
                return _Connection.open(self, deadline)
            if connection.quiet():
                return connection
            connection.close()

    def _checkin(self, connection: _Connection) -> None:
        """Back to the pool only when its answer was whole, framed correctly and nothing came after it."""
        if not connection.reusable():
            connection.close()
            return
        connection.h11.start_next_cycle()
        with self._lock:
            if len(self._idle) < POOL_SIZE:
                self._idle.append(connection)
                return
        connection.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


class _Connection:
    """One connection to the upstream: its socket and the h11 state of its exchanges."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD_BYTES)

    @classmethod
    def open(cls, upstream: Upstream, deadline: float) -> _Connection:
        try:
            sock = socket.create_connection((upstream.host, upstream.port), timeout=_left(deadline))
        except TimeoutError as error:
            raise Failed(TIMEOUT, f"no connection to {upstream.authority} ({error})") from error
        except OSError as error:
            raise Failed(DOWN, f"no connection to {upstream.authority} ({error})") from error
        if upstream.tls is not None:
            try:  # the handshake is bounded by the socket's time-out, what is left of the deadline
                sock = upstream.tls.wrap_socket(sock, server_hostname=upstream.host)
            except TimeoutError as error:
                sock.close()
                raise Failed(TIMEOUT, f"no TLS handshake with {upstream.authority} ({error})") from error
            except OSError as error:  # ssl.SSLError included: a certificate not trusted, say
                sock.close()
                raise Failed(DOWN, f"no TLS connection to {upstream.authority} ({error})") from error
        return cls(sock)

    def exchange(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes, deadline: float
    ) -> tuple[int, dict[str, str], bytes]:
        """Send the request, read the whole final answer by ``deadline``: status, headers, body."""
        try:
            request = h11.Request(method=method, target=target, headers=_latin1(headers))
            out = self.h11.send(request) or b""
            if body:
                out += self.h11.send(h11.Data(data=body)) or b""
            out += self.h11.send(h11.EndOfMessage()) or b""
        except h11.LocalProtocolError as error:  # a header value HTTP/1.1 cannot carry
            raise Failed(DOWN, f"the request could not be sent on ({error})") from error
        self._io(deadline, lambda: self.sock.sendall(out))
        return self._answer(deadline)

    def _answer(self, deadline: float) -> tuple[int, dict[str, str], bytes]:
        status, headers = 0, {}
        chunks: list[bytes] = []
        size = 0
        while True:
            event = self._next(deadline)
            if isinstance(event, h11.InformationalResponse):
                continue  # 102 Processing, 103 Early Hints: the final answer is still to come
            if isinstance(event, h11.Response):
                status = event.status_code
                headers = {
                    name.decode("latin-1").lower(): value.decode("latin-1") for name, value in event.headers
                }
                if "transfer-encoding" in headers and "content-length" in headers:  # RFC 9112 section 6.3
                    raise Failed(UNREADABLE, "its answer has both Transfer-Encoding and Content-Length")
            elif isinstance(event, h11.Data):
                size += len(event.data)
                if size > MAX_ANSWER_BYTES:  # never held whole: the connection is closed unread
                    raise Failed(DOWN, f"its answer is larger than {MAX_ANSWER_BYTES} bytes")
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                trailing, _closed = self.h11.trailing_data
                if trailing:
                    raise Failed(UNREADABLE, f"it sent {len(trailing)} bytes after the end of its answer")
                return status, headers, b"".join(chunks)
            elif isinstance(event, h11.ConnectionClosed):
                raise Failed(DOWN, "it closed the connection before answering")

    def _next(self, deadline: float) -> Any:
        """The next event of the answer, reading more when h11 needs it."""
        while True:
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as error:
                if error.error_status_hint == 431:  # h11's "Receive buffer too long"
                    raise Failed(UNREADABLE, f"its head is larger than {MAX_HEAD_BYTES} bytes") from error
                if "_SWITCH_UPGRADE" in str(error):  # a 101: the proxy never asks for another protocol
                    raise Failed(
                        UNREADABLE, "it switched protocols (101) though nobody asked it to"
                    ) from error
                raise Failed(UNREADABLE, _plain(str(error))) from error
            if event is not h11.NEED_DATA:
                return event
            data = self._io(deadline, lambda: self.sock.recv(READ_BYTES))
            self.h11.receive_data(data)

    def _io(self, deadline: float, operation: Any) -> Any:
        left = _left(deadline)
        if left <= 0:
            raise Failed(TIMEOUT, "its whole answer had not arrived")
        try:
            self.sock.settimeout(left)
            return operation()
        except TimeoutError as error:
            raise Failed(TIMEOUT, "its whole answer had not arrived") from error
        except OSError as error:
            raise Failed(DOWN, f"the connection broke ({error})") from error

    def quiet(self) -> bool:
        """Whether an idle connection has nothing to read: a closed or chattering one is not reused."""
        if isinstance(self.sock, ssl.SSLSocket) and self.sock.pending():
            return False
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable

    def reusable(self) -> bool:
        state = self.h11
        return state.our_state is h11.DONE and state.their_state is h11.DONE and not state.trailing_data[0]

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


def _left(deadline: float) -> float:
    return deadline - time.monotonic()


def _latin1(headers: list[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    """Header names and values as the server received them (WSGI gives them as Latin-1 text)."""
    return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]


def _plain(message: str) -> str:
    """h11's message with the bytes it quotes shown as bytes, not as ``bytearray(...)``."""
    return re.sub(r"bytearray\((b'.*?'|b\".*?\")\)", r"\1", message)


def _forwarded(name: str) -> bool:
    low = name.lower()
    return low not in HOP_BY_HOP and low not in READS_ANSWER and not low.startswith(OWN_HEADERS_PREFIX)


def as_answer(reply: Reply, timeout: float) -> Answer:
    """The answer the app gets for the upstream's reply: its status, headers and bytes, or 502/504."""
    if reply.failure is not None:
        if reply.failure.startswith(TIMEOUT):
            why = f"the upstream's whole answer had not come within --upstream-timeout {timeout:g} s"
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
