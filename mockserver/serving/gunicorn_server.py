"""Serving with gunicorn (the default): gevent workers, no control socket, the banner once ready.

Why gevent (docs/performance.md, "Which server"): every connection is a greenlet, not a thread, so
clients that send nothing, dribble their head or never finish their body hold a greenlet each and
nobody else waits for them (gthread's 16 threads were all taken by 16 such clients); a client that has
not completed its TLS handshake, or not sent its whole request head, within ``KEEPALIVE_SECONDS`` is
closed, and one whose body stops arriving for ``BODY_SECONDS`` is answered 408; latency and slow-dribble
scenarios sleep cooperatively, without a thread each; and the client socket is in the environ, so
``reset`` and ``empty-response`` work. The worker is monkey-patched by gunicorn when it starts (socket,
threading, time, ...): redis-py and the request log's flusher run on it unchanged.

A stop is bounded (``MockWorker``): on SIGTERM the requests in flight have ``CUT_AFTER_SECONDS`` to be
answered; whatever still runs then (a long latency or dribble scenario) is cut with a 503 and a log
line, its sleep interrupted, and the worker exits before gunicorn's graceful timeout would have it
killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import ssl
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn, TextIO
from wsgiref.types import StartResponse, WSGIApplication

import gevent
from gevent.monkey import MonkeyPatchWarning
from gunicorn.app.base import BaseApplication
from gunicorn.workers.ggevent import GeventWorker

from mockserver import answers, create_app
from mockserver.http import runtime
from mockserver.scenarios import transport
from mockserver.serving.startup import banner, bracket, warming

if TYPE_CHECKING:
    from flask import Flask

    from mockserver.http.request_log import RequestLog
    from mockserver.serving.options import Options


GRACEFUL_SECONDS = 5  # after SIGTERM, how long the master waits for its workers before it kills them
CUT_AFTER_SECONDS = GRACEFUL_SECONDS - 1  # when a stopping worker cuts what is still in flight
# a keep-alive connection idle this long is closed, and so is a TLS handshake or request head not done
KEEPALIVE_SECONDS = 5
BODY_SECONDS = 10  # a body that stops arriving for this long is answered 408 and its connection closed
# after each request: a timer this short fires on the event loop's next turn, after it has polled
YIELD_SECONDS = 1e-6


class Worker(GeventWorker):  # type: ignore[misc]
    """gunicorn's gevent worker, fair between keep-alive connections.

    gevent's worker serves a keep-alive connection in a loop, and reads the next request without
    yielding when its bytes are already there: a client that sends its next request at once is served
    again and again while the other connections wait. Measured with wrk (-c32, one worker): p99 70-200
    ms against 10-15 ms in most runs once each request ends with a yield to the other connections.

    The yield is a timer (``YIELD_SECONDS``), not ``sleep(0)``: gevent runs ``sleep(0)``'s callbacks in
    batches and looks at the clock only every 50 of them, so connections whose next request is already
    there keep the loop from polling, and a new connection (gunicorn accepts one per poll when there
    are several workers) waits ~50 requests for each one accepted before it. Measured with 32
    keep-alive clients of new users starting at once: the last first answer after 242 ms with
    ``sleep(0)``, 40 ms with the timer; wrk's cold p99 from 144-211 ms to 13 ms.
    """

    def patch(self) -> None:
        # The master imported ssl (through redis) before it forked this worker, which gevent warns of.
        # The sync redis client reads ssl's names when it connects, so it gets the patched ones; the one
        # module gevent names (redis.asyncio) is never used by the mock.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Monkey-patching ssl after ssl", MonkeyPatchWarning)
            super().patch()

    def handle_request(self, listener_name: Any, req: Any, sock: Any, addr: Any) -> Any:
        # Every read and write of this request gives up after a pause of BODY_SECONDS: a client that
        # never finishes its body (or never reads its answer) does not hold its greenlet for ever.
        # Sleeps of the latency scenarios are not socket operations: they are not cut.
        sock.settimeout(BODY_SECONDS)
        try:
            handled = super().handle_request(listener_name, req, sock, addr)
        finally:
            sock.settimeout(None)  # between requests, the keep-alive wait bounds the connection
        gevent.sleep(YIELD_SECONDS)  # the other connections that are ready, and new ones, go first
        return handled

    def run(self) -> None:
        if self.cfg.is_ssl:
            # A client that does not trust the certificate (curl without --cacert, a phone before its
            # CA is installed) ends its handshake, and gevent would print the traceback of each one.
            hub = gevent.get_hub()
            # Nor of each client that does not finish it in time (HandshakeDeadline).
            hub.NOT_ERROR = (*hub.NOT_ERROR, ssl.SSLError, ConnectionError, TimeoutError)
        try:
            super().run()
        except SystemExit as stop:  # a quick stop (SIGINT, SIGQUIT) ends the run this way
            self.leave(stop.code)
        self.leave(0)

    def leave(self, code: object) -> NoReturn:
        """End the worker process now that it has stopped serving, its output written.

        Not through the interpreter's shutdown: under gevent's patches that prints a traceback as it
        tears down the logging module's lock after gevent's own thread module.
        """
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code if isinstance(code, int) else (0 if code is None else 1))


# The stop signals a new worker received before it installed its handlers (``_keep_early_signals``).
_RECEIVED_BEFORE_HANDLERS: list[int] = []
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT)


def _keep_early_signals(server: Any, worker: Any) -> None:
    """gunicorn's ``post_fork``, in the new worker: keep a stop signal for the worker's own handlers.

    Until its handlers are installed a worker runs the master's, which queue a signal in the master's
    memory: a SIGTERM sent while the worker starts would be lost, and the master would kill the worker
    at the graceful timeout. The banner is printed when the master listens, before its workers start,
    so a harness that stops the mock soon after it (a short test run) would wait those 5 s.
    """
    for number in _STOP_SIGNALS:
        signal.signal(number, lambda received, frame: _RECEIVED_BEFORE_HANDLERS.append(received))


def stack(host: str, port: int, workers: int, connections: int) -> dict[str, Any]:
    """The gunicorn settings the mock serves with (bench/baseline.py serves the baseline with the same)."""
    return {
        "bind": [f"{bracket(host)}:{port}"],
        "workers": workers,
        "worker_class": Worker,
        "worker_connections": connections,
        # gunicorn >= 25 opens a control socket under $HOME unless told not to.
        "control_socket_disable": True,
        "accesslog": None,  # the app writes one structured line per request itself
        "errorlog": "-",
        "loglevel": "warning",
        # gevent's worker reads each request head within this time, or closes the connection
        "keepalive": KEEPALIVE_SECONDS,
        # gunicorn takes SCRIPT_NAME and PATH_INFO from the headers of a client in forwarded_allow_ips
        # (loopback unless told otherwise): a client would choose the mount point, answered 500 when the
        # path is not under it and routed elsewhere when it is. The mock is always mounted at the root.
        "forwarder_headers": "",  # none
        "graceful_timeout": GRACEFUL_SECONDS,
        "timeout": 120,  # worker heartbeat; the scenarios' sleeps yield to the event loop
    }


@dataclass
class _Running:
    """One request being answered, and the greenlet answering it."""

    environ: dict[str, Any]
    since: float
    task: Any = field(default_factory=gevent.getcurrent)
    answering: bool = False  # the app has begun its answer (start_response)


@dataclass(frozen=True)
class Cut:
    """What a cut ended: one log event per request, and the greenlets that were answering them."""

    events: list[dict[str, Any]]
    tasks: list[Any]


class InFlight:
    """WSGI middleware that keeps the requests being answered, for a stopping worker to cut."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._running: dict[int, _Running] = {}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        running = _Running(environ, time.monotonic())
        key = id(running)
        with self._lock:
            self._running[key] = running

        def starting(*args: Any) -> Any:
            with self._lock:  # never while a cut writes its 503: one answer per connection
                running.answering = True
            return start_response(*args)

        try:
            body = self.app(environ, starting)
        except BaseException:
            self._forget(key)
            raise
        return _Body(body, lambda: self._forget(key))

    def _forget(self, key: int) -> None:
        with self._lock:
            self._running.pop(key, None)

    def cut(self, why: str) -> Cut:
        """End every request in flight now: a 503 to those not yet answering, a closed connection for
        those whose answer is under way. Their log events, one each, and their greenlets."""
        with self._lock:
            running, self._running = list(self._running.values()), {}
            return Cut([_cut(request, why) for request in running], [request.task for request in running])


class _Body:
    """A response body that lets its request go once the server has sent it (WSGI ``close``)."""

    def __init__(self, body: Iterable[bytes], done: Callable[[], None]) -> None:
        self.body = body
        self.done = done

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.body)

    def close(self) -> None:
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            self.done()


def _cut(running: _Running, why: str) -> dict[str, Any]:
    environ = running.environ
    status: int | None = None
    sock = transport.connection(environ)
    if sock is not None:
        if not running.answering:
            response = _stopping(environ.get("REQUEST_METHOD") == "HEAD")
            with contextlib.suppress(OSError):  # a client that left, or that reads nothing
                # Without waiting: a few hundred bytes fit in the socket's empty send buffer.
                sock.setblocking(False)
                status = 503 if sock.send(response) == len(response) else None
        transport.close(sock)  # the request's own thread, should it wake, writes into a dead end
    return {
        "event": "request-cut-at-stop",
        "method": environ.get("REQUEST_METHOD"),
        "path": environ.get("PATH_INFO"),
        "scenario": environ.get("HTTP_X_MOCK_SCENARIO"),
        "status": status,  # None: its answer was under way, the connection was closed
        "running_ms": round((time.monotonic() - running.since) * 1000, 3),
        "message": why,
    }


def _stopping(head_only: bool) -> bytes:
    """The whole HTTP response a cut request gets: 503, result 100, Retry-After, Connection: close."""
    answer = answers.unavailable("the mock server stopped before this request was answered")
    status, headers = answers.head(answer)
    lines = [f"HTTP/1.1 {status}", *(f"{name}: {value}" for name, value in headers), "Connection: close"]
    return "\r\n".join([*lines, "", ""]).encode("latin-1") + (b"" if head_only else answer.body)


class JsonErrors:
    """A gunicorn worker whose own answers, to a request it cannot read (a header it refuses, an unknown
    transfer coding), are JSON like every other error of the mock instead of an HTML page: gunicorn's
    status and message, the mock's error shape."""

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        super().handle_error(req, _JsonReply(client, exc), addr, exc)  # type: ignore[misc]


class _JsonReply:
    """The client's socket, except that the error page gunicorn writes to it goes out as JSON."""

    def __init__(self, sock: Any, error: BaseException) -> None:
        self._sock = sock
        self._error = error

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def sendall(self, data: bytes) -> None:
        self._sock.sendall(_as_json(data, self._error))


def _as_json(page: bytes, error: BaseException) -> bytes:
    """gunicorn's whole error response ``page`` as the mock's: the same status, a JSON body."""
    try:
        _, code, reason = page.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
        status = int(code)
    except ValueError:
        return page
    answer = answers.http_error(status, reason, "request", str(error) or reason)
    line, headers = answers.head(answer)
    lines = [f"HTTP/1.1 {line}", *(f"{name}: {value}" for name, value in headers), "Connection: close"]
    return "\r\n".join([*lines, "", ""]).encode("latin-1") + answer.body


class MockWorker(JsonErrors, Worker):
    """The fair gevent worker with a bounded stop, and the app's work kept off its event loop.

    On SIGTERM gunicorn's worker stops accepting connections and waits for the requests in flight up to
    the graceful timeout, then the master kills it: a latency scenario may sleep for a minute, and its
    client was left with an empty reply. This worker cuts what is still in flight ``CUT_AFTER_SECONDS``
    after SIGTERM, and at once on a quick stop (SIGINT, SIGQUIT): each client gets a 503 or a closed
    connection, the greenlets answering them are killed (their sleeps end there, nothing more of them is
    journalled or logged), and the worker exits.

    A keep-alive connection waiting for its next request is closed at SIGTERM (RFC 9112, 9.6: a client
    is ready for the close of an idle connection); gunicorn's worker would wait for it to send one or
    for its keep-alive period, so any app or browser holding one would hold every stop for 5 s. One
    whose request is being answered gets its answer, and is closed after it.

    Two things block an OS thread, and here the worker's one thread serves every connection: the
    generator's warm-up (~0.25 s of CPU) and the request log's writes to stderr (a pipe nobody reads blocks
    them for ever). Both run in gevent's thread pool instead.
    """

    wsgi: Any  # the Flask app once loaded; then the InFlight in front of it
    in_flight: InFlight
    request_log: RequestLog

    def init_signals(self) -> None:
        super().init_signals()
        for number in _RECEIVED_BEFORE_HANDLERS:  # handled now, by the handlers just installed
            handler = signal.getsignal(number)
            if callable(handler):
                handler(number, None)

    def load_wsgi(self) -> None:
        super().load_wsgi()
        self.request_log = runtime.of(self.wsgi).log
        self.in_flight = InFlight(self.wsgi)
        self.wsgi = self.in_flight

    def handle(self, listener: Any, client: Any, addr: Any) -> None:
        _WAITING.add(client)  # until its first request head has been read
        try:
            super().handle(listener, client, addr)
        finally:
            _WAITING.discard(client)

    def handle_request(self, listener_name: Any, req: Any, sock: Any, addr: Any) -> Any:
        _WAITING.discard(sock)
        try:
            return super().handle_request(listener_name, req, sock, addr)
        finally:
            _WAITING.add(sock)
            if not self.alive:  # told to stop while it answered: the client's next request never comes
                transport.shutdown(sock)

    def handle_exit(self, sig: int, frame: Any) -> None:
        if self.alive:  # the first SIGTERM
            why = f"still running {CUT_AFTER_SECONDS} s after the server was told to stop"
            gevent.spawn_later(CUT_AFTER_SECONDS, self.cut_and_exit, why)
            gevent.spawn(_close_waiting)
        super().handle_exit(sig, frame)

    def handle_quit(self, sig: int, frame: Any) -> None:
        gevent.spawn(self.cut_and_exit, "running when the server was told to stop at once")
        super().handle_quit(sig, frame)

    def cut_and_exit(self, why: str) -> None:
        """Cut the requests in flight; if there were any, log them, end their greenlets and the worker
        now (gunicorn's own stop would wait for them until the master kills the worker)."""
        cut = self.in_flight.cut(why)
        if not cut.events:
            return
        for event in cut.events:
            self.request_log.write(event)
        gevent.killall(cut.tasks, timeout=1)  # GreenletExit in their sleeps: nothing more of theirs runs
        self.leave(0)

    def leave(self, code: object) -> NoReturn:
        self.request_log.flush()
        super().leave(code)


# The worker's connections that wait for the client: for their TLS handshake or for their next request.
# A stopping worker closes them (MockWorker.handle_exit); one being answered is not among them.
_WAITING: set[Any] = set()


def _close_waiting() -> None:
    """End each waiting connection; its greenlet reads the end of the stream."""
    for sock in list(_WAITING):
        transport.shutdown(sock)


def _with_handshake_deadline(config: Any, default: Callable[[], ssl.SSLContext]) -> HandshakeDeadline:
    """gunicorn's ``ssl_context`` hook: its own context, each handshake bounded."""
    return HandshakeDeadline(default())


class HandshakeDeadline:
    """An SSL context whose server sockets are closed when their handshake is not done within
    ``KEEPALIVE_SECONDS``, the time a client has for its request head.

    gevent's server wraps each accepted connection, handshake included, before gunicorn's worker sees
    it, on a socket without a time-out: without this deadline a client that connects and sends nothing
    holds one of the worker's ``--connections`` for as long as it likes, and ``--connections`` such
    clients stop HTTPS.
    """

    def __init__(self, context: ssl.SSLContext) -> None:
        self.context = context

    def wrap_socket(self, sock: socket.socket, **options: Any) -> ssl.SSLSocket:
        sock.settimeout(KEEPALIVE_SECONDS)
        handshake = options.pop("do_handshake_on_connect", True)
        try:  # the TLS socket takes the connection over (``sock`` is detached): a stop closes that one
            wrapped = self.context.wrap_socket(sock, do_handshake_on_connect=False, **options)
        except BaseException:
            sock.close()
            raise
        _WAITING.add(wrapped)
        try:
            if handshake:
                wrapped.do_handshake()
        except BaseException:
            wrapped.close()  # the handshake failed or timed out (an OSError closed it already)
            raise
        finally:
            _WAITING.discard(wrapped)
        wrapped.settimeout(None)  # from here the worker's own deadlines bound the connection
        return wrapped


class OffLoopStream:
    """A text stream whose writes run in gevent's thread pool, for the request log.

    A stream that stops taking lines (stderr is a pipe nobody reads) then blocks a pool thread, and the
    worker goes on answering; its lines wait in the log's bounded queue (``request_log``).
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        written: int = gevent.get_hub().threadpool.apply(self.stream.write, (text,))
        return written

    def flush(self) -> None:
        gevent.get_hub().threadpool.apply(self.stream.flush)


def _in_thread_pool(work: Callable[[], None]) -> None:
    gevent.get_hub().threadpool.spawn(work)


class MockApplication(BaseApplication):  # type: ignore[misc]
    """gunicorn running ``create_app(config)`` in each worker."""

    def __init__(self, chosen: Options) -> None:
        self.chosen = chosen
        super().__init__()

    def load_config(self) -> None:
        chosen = self.chosen
        for key, value in stack(chosen.host, chosen.port, chosen.workers, chosen.connections).items():
            self.cfg.set(key, value)
        self.cfg.set("worker_class", MockWorker)
        self.cfg.set("proc_name", "mockserver")
        self.cfg.set("when_ready", self._banner)
        self.cfg.set("post_fork", _keep_early_signals)
        if chosen.tls is not None:
            self.cfg.set("certfile", chosen.tls.cert)
            self.cfg.set("keyfile", chosen.tls.key)
            self.cfg.set("ssl_context", _with_handshake_deadline)

    def load(self) -> Flask:
        config = {**self.chosen.config, "MOCK_LOG_STREAM": OffLoopStream(sys.stderr)}
        return warming(create_app(config), start=_in_thread_pool)

    def _banner(self, server: Any) -> None:
        host, port = server.LISTENERS[0].getsockname()[:2]
        banner(self.chosen, host, port, "gunicorn")


def run(chosen: Options) -> int:
    """Serve until stopped (SIGTERM, SIGINT); 0 on a clean stop."""
    MockApplication(chosen).run()
    sys.stdout.flush()
    return 0
