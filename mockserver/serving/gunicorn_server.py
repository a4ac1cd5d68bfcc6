"""Serving with gunicorn (the default): gthread workers, no control socket, the banner once ready."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from gunicorn.app.base import BaseApplication

from mockserver import create_app
from mockserver.serving.startup import banner, bracket, warming

if TYPE_CHECKING:
    from flask import Flask

    from mockserver.serving.options import Options


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


def run(chosen: Options) -> int:
    """Serve until stopped (SIGTERM, SIGINT); 0 on a clean stop."""
    MockApplication(chosen).run()
    sys.stdout.flush()
    return 0
