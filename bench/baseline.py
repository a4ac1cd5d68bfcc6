"""The benchmark's baseline: a bare Flask app answering every POST with the same fixed bytes.

It runs on the mock's own server stack (``mockserver.serving.gunicorn_server.stack``: gunicorn with
the mock's gevent worker, same workers and connections; or granian with ``--server granian``, same
blocking threads), so the ratio mock /
baseline measures what the mock adds on top of Flask and its server, nothing else.
``python -m bench.baseline --port 0 --workers 2`` prints "listening on URL".

With ``--raw`` it serves the benchmark's ``ceiling`` instead: a plain WSGI callable (no Flask, no
routing) that reads the request body and answers the same fixed bytes (``application/json``, with
Content-Length) to every request, on the same server stack: what no Python app on it can beat.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication

from flask import Flask, Response
from gunicorn.app.base import BaseApplication

from mockserver import settings
from mockserver.serving.banner import listening
from mockserver.serving.gunicorn_server import stack
from mockserver.serving.process import free_port
from mockserver.serving.startup import base_url

EXAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "examples" / "response-success.document.json"


def create_app(body: bytes | None = None) -> Flask:
    """A Flask app whose protocol path answers ``body`` (default: the document's example) to every POST."""
    fixed = body if body is not None else EXAMPLE.read_bytes()
    app = Flask("baseline")

    def protocol() -> Response:
        return Response(fixed, 200, content_type="application/json")

    app.add_url_rule("/api/v4/request", "protocol", protocol, methods=["POST"])
    return app


def create_raw(body: bytes | None = None) -> WSGIApplication:
    """The ceiling: a plain WSGI callable that reads the request body and answers ``body`` to anything."""
    fixed = body if body is not None else EXAMPLE.read_bytes()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(fixed)))]

    def raw(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        stream = environ["wsgi.input"]
        length = environ.get("CONTENT_LENGTH")
        if length:
            stream.read(int(length))
        else:
            stream.read()
        start_response("200 OK", headers)
        return [fixed]

    return raw


def create(body: bytes | None, raw: bool) -> WSGIApplication:
    return create_raw(body) if raw else create_app(body)


class Baseline(BaseApplication):  # type: ignore[misc]
    def __init__(
        self, host: str, port: int, workers: int, connections: int, body: bytes | None, *, raw: bool = False
    ) -> None:
        self.settings = stack(host, port, workers, connections)
        self.body = body
        self.raw = raw
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.settings.items():
            self.cfg.set(key, value)
        self.cfg.set("proc_name", f"bench-{_name(self.raw)}")
        self.cfg.set("when_ready", self._banner)

    def load(self) -> WSGIApplication:
        return create(self.body, self.raw)

    def _banner(self, server: Any) -> None:
        host, port = server.LISTENERS[0].getsockname()[:2]
        print(listening(_name(self.raw), base_url(host, port)), flush=True)


def _name(raw: bool) -> str:
    return "ceiling" if raw else "baseline"


BODY_ENV = "BENCH_BASELINE_BODY"


def _granian_body() -> bytes | None:
    path = os.environ.get(BODY_ENV)
    return Path(path).read_bytes() if path else None


def granian_app() -> Flask:
    """The factory granian's workers call (the body's file name comes through the environment)."""
    return create_app(_granian_body())


def granian_raw() -> WSGIApplication:
    """The factory granian's workers call with ``--raw``: the plain WSGI callable."""
    return create_raw(_granian_body())


def _granian(host: str, port: int, workers: int, threads: int, body: Path | None, *, raw: bool) -> None:
    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    if port == 0:
        port = free_port(host)  # granian cannot report a port chosen by the system
    if body is not None:
        os.environ[BODY_ENV] = str(body)
    print(listening(_name(raw), base_url(host, port)), flush=True)
    server = Granian(
        f"{__name__}:{'granian_raw' if raw else 'granian_app'}",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        factory=True,
        log_level=LogLevels.warning,
    )
    server.serve()


def _default(flag: str) -> Any:
    """The mock's own default of a server option (the settings table)."""
    return next(each.default for each in settings.FLAGS if each.flag == flag)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.baseline", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=_default("threads"), help="granian")
    parser.add_argument("--connections", type=int, default=_default("connections"), help="gunicorn")
    parser.add_argument("--body", type=Path, help="file with the bytes to answer (default: the example)")
    parser.add_argument("--server", default="gunicorn", choices=("gunicorn", "granian"))
    parser.add_argument("--raw", action="store_true", help="a plain WSGI callable instead of Flask (ceiling)")
    args = parser.parse_args(argv)
    if args.server == "granian":
        _granian(args.host, args.port, args.workers, args.threads, args.body, raw=args.raw)
        return 0
    body = args.body.read_bytes() if args.body else None
    Baseline(args.host, args.port, args.workers, args.connections, body, raw=args.raw).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
