"""Serving with granian (``--server granian``), an optional Rust HTTP server for more throughput.

Measured on a 2-core machine (docs/performance.md, "Which server"): the hot path serves several times
the requests of gunicorn's gevent worker, the cold path about twice as many. What it gives up: a WSGI
app under granian has no access to the client's socket (nor the client's port, to find it by), so the
scenarios that break the connection (reset, close) answer 501 with a message saying so (and
``--server granian`` with a users or scenario file that uses one runs gunicorn: ``cli.choose_server``);
it calls the app before a request's body is in, so a body never finished holds one of its threads; it
drops the request of a client that half-closes its side after sending it, and answers a request it cannot read
(400, 431) with an empty body, neither of which any of its settings changes (docs/operations.md,
"Serving"). Every worker process calls ``app()``, which reads the configuration the CLI checked from
one environment variable (workers are separate processes: this is how the value reaches them).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from wsgiref.types import StartResponse, WSGIApplication

import orjson

from mockserver import create_app
from mockserver.serving.process import free_port
from mockserver.serving.startup import banner, warming

if TYPE_CHECKING:
    from flask import Flask

    from mockserver.serving.options import Options

CONFIG_ENV = "MOCKSERVER_GRANIAN_CONFIG"


def app() -> Flask:
    """The factory granian calls in each worker."""
    made = create_app(orjson.loads(os.environ[CONFIG_ENV]))
    made.wsgi_app = WithoutProcessEnvironment(made.wsgi_app)  # type: ignore[method-assign]
    return warming(made)


class WithoutProcessEnvironment:
    """WSGI middleware: drops the process environment that granian copies into every request's environ.

    Seen in granian 2.8: the WSGI environ starts as a copy of ``os.environ``. A process variable named
    like a header (``HTTP_PROXY``, ``HTTP_X_MOCK_SCENARIO``) would otherwise be read as one: journalled
    as a request header, or acting as a scenario. A key is dropped when it holds the process's value.
    """

    def __init__(self, wsgi_app: WSGIApplication, process: Mapping[str, str] | None = None) -> None:
        self.wsgi_app = wsgi_app
        self._process = tuple(dict(os.environ if process is None else process).items())

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        for key, value in self._process:
            if environ.get(key) == value:
                del environ[key]
        return self.wsgi_app(environ, start_response)


def run(chosen: Options) -> int:
    try:
        from granian import Granian
        from granian.constants import Interfaces, SSLProtocols
        from granian.log import LogLevels
    except ModuleNotFoundError:
        print("mockserver: --server granian needs granian: pip install granian", file=sys.stderr)
        return 2
    port = chosen.port or free_port(chosen.host)  # granian cannot report a port chosen by the system
    os.environ[CONFIG_ENV] = orjson.dumps(chosen.config).decode()
    banner(chosen, chosen.host, port, "granian")
    tls = chosen.tls
    https: dict[str, Any] = {}
    if tls is not None:  # TLS 1.2 at least, as gunicorn (granian's own default, 1.3, shuts out older phones)
        https = {"ssl_cert": Path(tls.cert), "ssl_key": Path(tls.key), "ssl_protocol_min": SSLProtocols.tls12}
    server = Granian(
        f"{__name__}:app",
        address=chosen.host,
        port=port,
        interface=Interfaces.WSGI,
        workers=chosen.workers,
        blocking_threads=chosen.threads,
        factory=True,
        log_level=LogLevels.warning,
        **https,
    )
    server.serve()
    return 0
