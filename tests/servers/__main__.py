"""``python -m tests.servers [--mutation NAME | --variant NAME] [--forms F] [--status-style S]
[--gone-after N]``.

Starts the reference server (or one mutant, or another correct variant) on 127.0.0.1 and prints
``PORT <n>`` once it listens. With ``--gone-after N`` it stops listening as it sends its Nth answer
(``Connection: close``), as a target stopped mid-run does: later connections are refused.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import socket
import sys
import threading
from collections.abc import Iterable
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication

from werkzeug.serving import BaseWSGIServer, make_server

from tests.servers.mutations import MUTANTS
from tests.servers.reference import Options, create_app
from tests.servers.variants import VARIANTS


def main() -> None:
    cli = argparse.ArgumentParser(prog="python -m tests.servers")
    cli.add_argument("--port", type=int, default=0)
    cli.add_argument("--mutation", choices=sorted(MUTANTS), default=None)
    cli.add_argument("--forms", choices=["strict", "lenient"], default="strict")
    cli.add_argument("--status-style", choices=["http", "call-page"], default="http")
    cli.add_argument("--flaky-every", type=int, default=0)
    cli.add_argument("--variant", choices=sorted(VARIANTS), default=None, help="another correct server")
    cli.add_argument("--gone-after", type=int, default=0, help="stop listening with the Nth answer")
    args = cli.parse_args()
    if args.mutation and args.variant:
        cli.error("--mutation and --variant exclude each other")
    hooks = MUTANTS[args.mutation].hooks if args.mutation else VARIANTS.get(args.variant or "")
    options = Options(forms=args.forms, status_style=args.status_style, flaky_every=args.flaky_every)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app: WSGIApplication = create_app(hooks, options)
    gone = threading.Event()
    if args.gone_after:
        app = _gone_after(app, args.gone_after, lambda: server, gone)
    server = make_server("127.0.0.1", args.port, app, threaded=True)
    print(f"PORT {server.server_port}", flush=True)
    try:
        server.serve_forever()
        gone.wait()  # nothing listens any more; the process stays until it is told to stop
    except KeyboardInterrupt:
        sys.exit(0)


def _gone_after(app: WSGIApplication, answers: int, server: Any, gone: threading.Event) -> WSGIApplication:
    """``app``, until its ``answers``th answer: that one closes its connection, and the listening socket
    is shut down before it is sent, so that the next connection is refused (never accepted and dropped)."""
    count = itertools.count(1)

    def wrapped(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if next(count) != answers:
            return app(environ, start_response)
        listening: BaseWSGIServer = server()
        listening.socket.shutdown(socket.SHUT_RDWR)
        threading.Thread(target=listening.shutdown, daemon=True).start()

        def closing(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*headers, ("Connection", "close")], exc_info)

        return app(environ, closing)

    return wrapped


if __name__ == "__main__":
    main()
