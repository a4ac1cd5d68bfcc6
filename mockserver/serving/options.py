"""What the command line hands a server: where to listen, how many workers, and the app's config."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mockserver import settings


@dataclass(frozen=True)
class Options:
    host: str
    port: int
    workers: int
    threads: int
    config: dict[str, Any]
    server: str = "gunicorn"
    connections: int = next(each.default for each in settings.FLAGS if each.flag == "connections")
