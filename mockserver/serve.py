"""Serving: gunicorn (default; gthread workers, no control socket) or granian (opt-in), and the banner."""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gunicorn.app.base import BaseApplication

from mockserver import create_app, docs, settings, users

if TYPE_CHECKING:
    from flask import Flask

    from mockserver.cli import Options
    from mockserver.generation import Generator


def stack(host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    """The gunicorn settings the mock serves with (bench/baseline.py serves the baseline with the same).

    gthread, chosen by measurement (README, "Performance"): threads keep latency scenarios from
    holding a whole worker, and keep-alive connections are served without a new connection each.
    """
    return {
        "bind": [f"{_bracket(host)}:{port}"],
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        # gunicorn >= 25 opens a control socket under $HOME unless told not to.
        "control_socket_disable": True,
        "accesslog": None,  # the app writes one structured line per request itself
        "errorlog": "-",
        "loglevel": "warning",
        "keepalive": 5,
        "graceful_timeout": 5,
        "timeout": 120,  # worker heartbeat; long latency scenarios sleep in threads, not here
    }


class MockApplication(BaseApplication):  # type: ignore[misc]
    """gunicorn running ``create_app(config)`` in each worker."""

    def __init__(self, chosen: Options) -> None:
        self.chosen = chosen
        super().__init__()

    def load_config(self) -> None:
        chosen = self.chosen
        for key, value in stack(chosen.host, chosen.port, chosen.workers, chosen.threads).items():
            self.cfg.set(key, value)
        self.cfg.set("proc_name", "mockserver")
        self.cfg.set("when_ready", self._banner)

    def load(self) -> Flask:
        return warming(create_app(self.chosen.config))

    def _banner(self, server: Any) -> None:
        host, port = server.LISTENERS[0].getsockname()[:2]
        banner(self.chosen, host, port, "gunicorn")


def warming(app: Flask) -> Flask:
    """``app``, its generator's pools being built in a background thread (each worker calls this)."""
    generator = app.extensions["mock.runtime"].generator
    threading.Thread(target=_warm, args=(generator,), name="mock-warm-pools", daemon=True).start()
    return app


def _warm(generator: Generator) -> None:
    """Build the pools, then freeze what the worker built at start (Flask, Faker, the spec, the pools:
    ~90k objects) into the permanent generation that full garbage collections skip. Measured
    in-process over 30k cold requests: the longest full collection 84 ms without, 13 ms with; every
    request in flight waits for one, so this is the cold path's p99."""
    generator.warm()
    gc.freeze()


def banner(chosen: Options, host: str, port: int, server: str) -> None:
    """The start-up lines: where, with which key and user, and a curl command to try."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    base = f"http://{_bracket(shown)}:{port}"
    config = chosen.config
    key = config["MOCK_API_KEYS"][0]
    any_user = bool(config.get("MOCK_ANY_USER"))
    directory = users.load(config.get("MOCK_USERS_FILE", settings.DEFAULT_USERS_FILE), any_user)
    demo = docs.demo_user(directory)
    size = f"{server}, workers {chosen.workers}, threads {chosen.threads}"
    lines = [
        f"mockserver listening on {base} ({size})",
        f"  API key:    {key}    (send 'Authorization: key={key}')",
        "  demo user:  " + ", ".join(f"{k} {v}" for k, v in demo.items()),
        f"  catalogue:  {base}/__mock/catalog    spec: {base}/openapi.json",
        f"  try:        {docs.curl(base, key, demo)}",
    ]
    print("\n".join(lines), flush=True)


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _gunicorn(chosen: Options) -> int:
    MockApplication(chosen).run()
    sys.stdout.flush()
    return 0


def _granian(chosen: Options) -> int:
    from mockserver import serve_granian  # granian is an optional dependency

    return serve_granian.run(chosen)


SERVERS: dict[str, Callable[[Options], int]] = {"gunicorn": _gunicorn, "granian": _granian}


def run(chosen: Options) -> int:
    return SERVERS[chosen.server](chosen)
