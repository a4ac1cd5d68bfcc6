"""Breaking the connection on purpose: reset (RST), close without a response (FIN), close mid-body.

The server's socket comes from the WSGI environ (gunicorn: ``gunicorn.socket``; werkzeug's dev
server: ``werkzeug.socket``). The real connection is closed by putting a dead-end socket in place of
its file descriptor (``dup2``): the server keeps a valid descriptor, its later writes fail with EPIPE
(which both servers treat as a client that went away), and no descriptor number is ever reused
behind its back.
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
from collections.abc import Mapping
from typing import Any


def connection(environ: Mapping[str, Any]) -> socket.socket | None:
    """The client connection's socket, or None (e.g. under Flask's test client)."""
    sock = environ.get("gunicorn.socket") or environ.get("werkzeug.socket")
    return sock if isinstance(sock, socket.socket) else None


def _replace_with_dead_end(sock: socket.socket) -> None:
    """Close the connection behind ``sock``'s descriptor, leaving a socket whose peer is gone in its place."""
    ours, peer = socket.socketpair()
    peer.close()
    try:
        os.dup2(ours.fileno(), sock.fileno())
    finally:
        ours.close()


def reset(sock: socket.socket) -> None:
    """Abort the connection: SO_LINGER 0 then close sends a TCP RST (client: ECONNRESET)."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    _replace_with_dead_end(sock)


def shutdown(sock: socket.socket) -> None:
    """End the connection in order (FIN) after whatever was already sent; a reader waiting on it reads the
    end of the stream. Through a duplicate of the descriptor: gevent's TLS socket, told to shut down
    itself, closes its descriptor under a greenlet waiting to read, which that greenlet reports as an
    error."""
    with contextlib.suppress(OSError), socket.socket(fileno=os.dup(sock.fileno())) as twin:
        twin.shutdown(socket.SHUT_RDWR)


def close(sock: socket.socket) -> None:
    """End the connection in order (FIN) after whatever was already sent, for good."""
    shutdown(sock)
    _replace_with_dead_end(sock)
