"""Serving with gunicorn (the default): gthread workers, no control socket, the banner once ready.

A stop is bounded (``MockWorker``): on SIGTERM the requests in flight have ``CUT_AFTER_SECONDS`` to be
answered; whatever still runs then (a long latency or dribble scenario) is cut with a 503 and a log
line, and the worker exits before gunicorn's graceful timeout would have it killed.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker

from mockserver import answers, create_app
from mockserver.answers import Answer
from mockserver.scenarios import transport
from mockserver.serving.startup import banner, bracket, warming

if TYPE_CHECKING:
    from flask import Flask

    from mockserver.http.request_log import RequestLog
    from mockserver.serving.options import Options

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

GRACEFUL_SECONDS = 5  # after SIGTERM, how long the master waits for its workers before it kills them
CUT_AFTER_SECONDS = GRACEFUL_SECONDS - 1  # when a stopping worker cuts what is still in flight


def stack(host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    """The gunicorn settings the mock serves with (bench/baseline.py serves the baseline with the same).

    gthread, chosen by measurement (README, "Performance"): threads keep latency scenarios from
    holding a whole worker, and keep-alive connections are served without a new connection each.
    """
    return {
        "bind": [f"{bracket(host)}:{port}"],
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        # gunicorn >= 25 opens a control socket under $HOME unless told not to.
        "control_socket_disable": True,
        "accesslog": None,  # the app writes one structured line per request itself
        "errorlog": "-",
        "loglevel": "warning",
        "keepalive": 5,
        "graceful_timeout": GRACEFUL_SECONDS,
        "timeout": 120,  # worker heartbeat; long latency scenarios sleep in threads, not here
    }


@dataclass
class _Running:
    """One request a worker thread is answering."""

    environ: dict[str, Any]
    since: float
    answering: bool = False  # the app has begun its answer (start_response)


class InFlight:
    """WSGI middleware that keeps the requests being answered, for a stopping worker to cut."""

    def __init__(self, app: WsgiApp) -> None:
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

    def cut(self, why: str) -> list[dict[str, Any]]:
        """End every request in flight now: a 503 to those not yet answering, a closed connection for
        those whose answer is under way. Their log events, one each."""
        with self._lock:
            running, self._running = list(self._running.values()), {}
            return [_cut(request, why) for request in running]


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
    error = "the mock server stopped before this request was answered (retry later)"
    answer = Answer(503, answers.error_body(100, error), 100, headers={"Retry-After": "1"})
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


class MockWorker(JsonErrors, ThreadWorker):  # type: ignore[misc]
    """gthread with a bounded stop.

    On SIGTERM gthread stops accepting connections and waits for the requests in flight. A latency
    scenario sleeps in its request's thread for up to a minute, and nothing interrupts a sleep: the
    worker outlived the master's graceful timeout and was killed, its client left with an empty reply.
    This worker cuts what is still in flight ``CUT_AFTER_SECONDS`` after SIGTERM, and at once on a
    quick stop (SIGINT, SIGQUIT), then exits without waiting for the threads that still sleep.
    """

    wsgi: Any  # the Flask app once loaded; then the InFlight in front of it
    in_flight: InFlight
    request_log: RequestLog

    def load_wsgi(self) -> None:
        super().load_wsgi()
        self.request_log = self.wsgi.extensions["mock.runtime"].log
        self.in_flight = InFlight(self.wsgi)
        self.wsgi = self.in_flight

    def handle_exit(self, sig: int, frame: Any) -> None:
        if self.alive:  # the first SIGTERM
            why = f"still running {CUT_AFTER_SECONDS} s after the server was told to stop"
            timer = threading.Timer(CUT_AFTER_SECONDS, self.cut_and_exit, (why,))
            timer.daemon = True
            timer.start()
        super().handle_exit(sig, frame)

    def handle_quit(self, sig: int, frame: Any) -> None:
        self.cut_and_exit("running when the server was told to stop at once")
        super().handle_quit(sig, frame)

    def cut_and_exit(self, why: str) -> None:
        """Cut the requests in flight; if there were any, log them and end the process now (a normal
        exit would wait for their threads, still asleep)."""
        events = self.in_flight.cut(why)
        if not events:
            return
        for event in events:
            self.request_log.write(event)
        self.request_log.flush()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


class MockApplication(BaseApplication):  # type: ignore[misc]
    """gunicorn running ``create_app(config)`` in each worker."""

    def __init__(self, chosen: Options) -> None:
        self.chosen = chosen
        super().__init__()

    def load_config(self) -> None:
        chosen = self.chosen
        for key, value in stack(chosen.host, chosen.port, chosen.workers, chosen.threads).items():
            self.cfg.set(key, value)
        self.cfg.set("worker_class", MockWorker)
        self.cfg.set("proc_name", "mockserver")
        self.cfg.set("when_ready", self._banner)

    def load(self) -> Flask:
        return warming(create_app(self.chosen.config))

    def _banner(self, server: Any) -> None:
        host, port = server.LISTENERS[0].getsockname()[:2]
        banner(self.chosen, host, port, "gunicorn")


def run(chosen: Options) -> int:
    """Serve until stopped (SIGTERM, SIGINT); 0 on a clean stop."""
    MockApplication(chosen).run()
    sys.stdout.flush()
    return 0
