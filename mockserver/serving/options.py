"""What the command line hands a server: where to listen, how many workers, and the app's config."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mockserver import settings


@dataclass(frozen=True)
class Tls:
    """The certificate chain and key a server serves HTTPS with; ``ca``: the CA made for it, if any."""

    cert: str
    key: str
    ca: str | None = None


@dataclass(frozen=True)
class Options:
    host: str
    port: int
    workers: int
    threads: int
    config: dict[str, Any]
    server: str = "gunicorn"
    server_why: str = ""  # why this server runs, in the banner's words (cli.choose_server)
    connections: int = next(each.default for each in settings.FLAGS if each.flag == "connections")
    tls: Tls | None = None  # HTTPS with these files (--tls-cert, --tls-key; made at start: --tls-self-signed)
    tls_self_signed: bool = False  # make a CA and a certificate at start (serving.tls)
    admin: str = "open"  # the admin API: "open", "opted-out", "token" (given), "generated" (in the banner)
