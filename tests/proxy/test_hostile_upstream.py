"""Proxy mode in front of a hostile upstream, a raw socket server that frames its answers as told.

What each test proves is in its name: informational answers are passed over and never left for the
next user; the upstream's whole answer has one deadline; an answer that cannot be read is a 502
naming what was wrong, never a 500; a connection is reused only after a whole, correctly framed answer.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import orjson
import pytest

from mockserver.serving.process import ServerProcess
from tests.proxy.test_proxy import ADA, GRACE, admin, envelope, post, proxy

pytestmark = pytest.mark.slow

OK_BODY = b'{"result": {"code": 0, "message": "Success."}, "user": {"sessions": []}}'
ANSWER_FOR = "X-Answer-For"  # the raw upstream names, in its final answer, the identifier it answers


def final(identifier: str, extra: bytes = b"") -> bytes:
    """A whole 200 answer for ``identifier`` (``extra``: bytes sent after its end)."""
    head = (
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(OK_BODY)}\r\n{ANSWER_FOR}: {identifier}\r\n\r\n"
    )
    return head.encode() + OK_BODY + extra


Play = Callable[[socket.socket, str], None]  # answers one request of the identifier given


@dataclass
class RawUpstream:
    """A keep-alive HTTP/1.1 server on a raw socket: reads each request whole, answers with ``play``."""

    play: Play
    connections: int = 0
    sock: socket.socket = field(default_factory=socket.socket)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def serve(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve_one, args=(connection,), daemon=True).start()

    def _serve_one(self, connection: socket.socket) -> None:
        with connection, contextlib.suppress(OSError):
            connection.settimeout(30)
            buffered = b""
            while True:
                while b"\r\n\r\n" not in buffered:
                    data = connection.recv(65536)
                    if not data:
                        return
                    buffered += data
                head, _, buffered = buffered.partition(b"\r\n\r\n")
                length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
                while len(buffered) < length:
                    buffered += connection.recv(65536)
                body, buffered = buffered[:length], buffered[length:]
                identifier = orjson.loads(body)["user-get-recent-sessions"]["user"]["identifier"]
                self.play(connection, identifier)


@contextmanager
def raw_upstream(play: Play) -> Iterator[RawUpstream]:
    upstream = RawUpstream(play)
    upstream.sock.bind(("127.0.0.1", 0))
    upstream.sock.listen(64)
    thread = threading.Thread(target=upstream.serve, daemon=True)
    thread.start()
    try:
        yield upstream
    finally:
        with contextlib.suppress(OSError):  # wakes the accept() in progress; close() alone does not
            upstream.sock.shutdown(socket.SHUT_RDWR)
        upstream.sock.close()
        thread.join(timeout=10)
        assert not thread.is_alive()


def answered(server: ServerProcess, user: dict[str, str]) -> tuple[int, str | None]:
    got = post(server.base, envelope(user))
    return got.status, got.headers.get(ANSWER_FOR)


# --- informational answers: passed over, never left for the next request ----------------------------


@pytest.mark.parametrize(
    "informational",
    [
        b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n",
        b"HTTP/1.1 102 Processing\r\n\r\n",
        b"HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n",
    ],
    ids=["103", "102", "102 then 103"],
)
def test_each_user_gets_their_own_answer_after_informational_answers(informational: bytes) -> None:
    def play(connection: socket.socket, identifier: str) -> None:
        connection.sendall(informational + final(identifier))

    with raw_upstream(play) as upstream, proxy(upstream.url) as server:
        got = [answered(server, user) for _ in range(10) for user in (ADA, GRACE)]
    assert got == [(200, user["identifier"]) for _ in range(10) for user in (ADA, GRACE)]
    assert upstream.connections == 1  # the whole answers left the connection clean: it was reused


def test_bytes_after_an_answer_are_a_502_and_never_reach_the_next_user() -> None:
    """The bytes after Ada's answer would read as Grace's answer if the connection went back to the pool."""

    def play(connection: socket.socket, identifier: str) -> None:
        connection.sendall(final(identifier, extra=final("someone-else")))

    with raw_upstream(play) as upstream, proxy(upstream.url) as server:
        first = post(server.base, envelope(ADA))
        second = post(server.base, envelope(GRACE))
    assert (first.status, first.json()["result"]["code"]) == (502, 100)
    assert "bytes after the end of its answer" in first.json()["error"]
    assert second.status == 502 and second.headers.get(ANSWER_FOR) is None
    assert upstream.connections == 2


def test_a_stray_answer_after_a_clean_one_closes_the_idle_connection() -> None:
    """An upstream that sends a second answer once the first has been read: the idle connection has
    something to read, so it is closed, and the next user gets an answer to their own request."""

    def play(connection: socket.socket, identifier: str) -> None:
        connection.sendall(final(identifier))
        time.sleep(0.3)
        connection.sendall(final("someone-else"))

    with raw_upstream(play) as upstream, proxy(upstream.url) as server:
        first = answered(server, ADA)
        time.sleep(0.6)
        second = answered(server, GRACE)
    assert (first, second) == ((200, ADA["identifier"]), (200, GRACE["identifier"]))
    assert upstream.connections == 2


# --- one deadline for the whole answer --------------------------------------------------------------


def test_an_answer_that_dribbles_in_is_cut_at_the_upstream_timeout_with_504() -> None:
    def play(connection: socket.socket, identifier: str) -> None:
        connection.sendall(final(identifier)[: -len(OK_BODY)])  # the head, then a byte every 0.5 s
        for byte in OK_BODY:
            connection.sendall(bytes([byte]))
            time.sleep(0.5)

    with raw_upstream(play) as upstream, proxy(upstream.url, "--upstream-timeout", "2") as server:
        started = time.monotonic()
        got = post(server.base, envelope(ADA))
        took = time.monotonic() - started
    assert (got.status, got.json()["result"]["code"]) == (504, 102)
    assert "--upstream-timeout 2 s" in got.json()["error"]
    assert took < 2 + 5, f"the answer took {took:.1f} s; the body alone would have taken {len(OK_BODY) / 2} s"


# --- answers that cannot be read: 502 naming what was wrong -----------------------------------------

UNREADABLE = {  # what the upstream sends, words of the 502's message
    "a chunk size of -5": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n",
        "illegal chunk header",
    ),
    "a chunk size that is not hexadecimal": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
        "illegal chunk header",
    ),
    "a body shorter than its Content-Length": (
        b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n" + OK_BODY,
        "without sending complete message body",
    ),
    "a status line that is not HTTP": (b"HELLO THERE\r\n\r\n", "illegal status line"),
    "a status of four digits": (b"HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n", "illegal status line"),
    "two Content-Lengths that disagree": (
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
        "conflicting Content-Length",
    ),
    "a Content-Length in superscript digits": (
        "HTTP/1.1 200 OK\r\nContent-Length: \u00b2\r\n\r\nab".encode(),
        "Content-Length",
    ),
    "both Transfer-Encoding and Content-Length": (
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "both Transfer-Encoding and Content-Length",
    ),
    "a switch of protocols nobody asked for": (
        b"HTTP/1.1 101 Switching Protocols\r\n\r\n",
        "it switched protocols (101) though nobody asked it to",
    ),
    "a head larger than 64 KiB": (
        b"HTTP/1.1 200 OK\r\n" + b"X-Big: " + b"a" * 200_000 + b"\r\n\r\n",
        "its head is larger than 65536 bytes",
    ),
}


@pytest.fixture(scope="module")
def unreadable() -> Iterator[ServerProcess]:
    """One proxy in front of an upstream that answers each identifier with the case of that name."""

    def play(connection: socket.socket, identifier: str) -> None:
        connection.sendall(UNREADABLE[identifier][0])
        connection.shutdown(socket.SHUT_WR)

    with raw_upstream(play) as upstream, proxy(upstream.url) as server:
        yield server


@pytest.mark.parametrize("case", UNREADABLE)
def test_an_unreadable_answer_is_a_502_naming_what_was_wrong(unreadable: ServerProcess, case: str) -> None:
    user = {"identifier-type": "username", "identifier": case, "token": "t"}
    got = post(unreadable.base, envelope(user))
    assert (got.status, got.json()["result"]["code"]) == (502, 100)
    assert UNREADABLE[case][1] in got.json()["error"]
    health = admin(unreadable, "/__mock/health")
    assert health["internal-errors"] == 0, health
