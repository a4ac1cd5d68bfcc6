"""Raw HTTP/1.1 over a socket, for the hostile-input tests: bytes sent as they are, the answers read back
as responses, bounded in time and size.

A server may answer more than once on one connection (``100 Continue``, a body that holds a second
request) or not at all (it closes a connection it cannot parse). Reading stops when the server closes,
when a final answer is whole and nothing follows within ``SETTLE`` seconds, or at the time-out. A request
the sender knows to be cut short is followed by a half-close at once, so that a server waiting for the
rest of its body sees the end instead of waiting; a whole one is not (hyper, under granian, drops a
request whose client half-closed before it answered).
"""

from __future__ import annotations

import contextlib
import re
import socket
import time
from dataclasses import dataclass, field

SETTLE = 0.01  # seconds without more bytes after a whole final answer
WAIT = 0.5  # seconds to wait for a whole answer before half-closing
MOST_BYTES = 4 * 1024 * 1024
_STATUS = re.compile(rb"HTTP/(\d)\.(\d) (\d{3})[^\r\n]*\r\n")


@dataclass
class Reply:
    """One response: status, headers (names in lower case; a repeated one keeps its last value), body."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def json(self) -> bool:
        return self.headers.get("content-type", "").startswith("application/json")


@dataclass
class Exchange:
    """What came back for one request: its responses, whatever could not be read as one, and whether the
    server closed the connection."""

    replies: list[Reply]
    rest: bytes
    closed: bool

    @property
    def statuses(self) -> list[int]:
        return [reply.status for reply in self.replies]


def parse(data: bytes, head: bool) -> tuple[list[Reply], bytes, bool]:
    """The whole responses at the start of ``data``, what follows them, and whether the last is final and
    whole (``head``: the request was a HEAD, whose answers have no body)."""
    replies: list[Reply] = []
    rest = data
    while rest:
        status_line = _STATUS.match(rest)
        end = rest.find(b"\r\n\r\n")
        if status_line is None or end < 0:
            break
        status = int(status_line.group(3))
        headers: dict[str, str] = {}
        for line in rest[status_line.end() : end].split(b"\r\n"):
            name, _, value = line.partition(b":")
            headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
        body_at = end + 4
        if 100 <= status < 200 or status in (204, 304) or head:
            replies.append(Reply(status, headers))
            rest = rest[body_at:]
            continue
        if (
            "content-length" in headers
            and headers["content-length"].isascii()
            and headers["content-length"].isdigit()
        ):
            stop = body_at + int(headers["content-length"])
            if stop > len(rest):
                break
            replies.append(Reply(status, headers, rest[body_at:stop]))
            rest = rest[stop:]
            continue
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body, after = _chunks(rest[body_at:])
            if after is None:
                break
            replies.append(Reply(status, headers, body))
            rest = after
            continue
        break  # a body that ends when the connection does
    whole = bool(replies) and replies[-1].status >= 200 and not rest
    return replies, rest, whole


def _chunks(data: bytes) -> tuple[bytes, bytes | None]:
    """A chunked body and what follows it, or (b"", None) while it is not whole."""
    body, at = b"", 0
    while True:
        end = data.find(b"\r\n", at)
        if end < 0:
            return b"", None
        try:
            size = int(data[at:end].split(b";")[0] or b"0", 16)
        except ValueError:
            return b"", None
        if size == 0:
            trailer = data.find(b"\r\n\r\n", end)
            if data[end : end + 4] == b"\r\n\r\n":
                return body, data[end + 4 :]
            return (body, data[trailer + 4 :]) if trailer >= 0 else (b"", None)
        if len(data) < end + 2 + size + 2:
            return b"", None
        body += data[end + 2 : end + 2 + size]
        at = end + 2 + size + 2


def exchange(
    address: tuple[str, int], data: bytes, *, complete: bool = True, head: bool = False, timeout: float = 10.0
) -> Exchange:
    """Send ``data`` on a new connection and read what comes back (see the module's docstring)."""
    deadline = time.monotonic() + timeout
    received, closed = b"", False
    with socket.create_connection(address, timeout=timeout) as sock:
        with contextlib.suppress(OSError):  # closed before it took everything: its answer may be there
            sock.sendall(data)
        half_closed = False
        if not complete:
            _half_close(sock)
            half_closed = True
        waiting_since = time.monotonic()
        while len(received) < MOST_BYTES:
            now = time.monotonic()
            if now >= deadline:
                break
            whole = parse(received, head)[2]
            if whole:
                wait = SETTLE
            elif not half_closed and now - waiting_since >= WAIT:
                _half_close(sock)  # it waits for more of the request: say there is none
                half_closed = True
                continue
            else:
                wait = WAIT if not half_closed else deadline - now
            sock.settimeout(max(0.001, min(wait, deadline - now)))
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                if whole:
                    break
                continue
            except OSError:  # reset by the server
                closed = True
                break
            if not chunk:
                closed = True
                break
            received += chunk
    replies, rest, _ = parse(received, head)
    return Exchange(replies, rest, closed)


def _half_close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # the server closed first
        sock.shutdown(socket.SHUT_WR)
