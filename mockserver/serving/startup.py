"""What every server does at start: warm the generator in each worker, print the banner once.

The banner's first line says where the server listens (``banner.listening``): the address it is bound
to and, when that is a wildcard (0.0.0.0, ::), the URL a client on this machine uses; its labels and
how a process that starts the server reads it are ``serving.banner``. A server bound to anything but
loopback also prints the URLs other devices on the network use (``network_urls``).
"""

from __future__ import annotations

import gc
import ipaddress
import socket
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import spec
from mockserver import settings
from mockserver.http import curl_lines, runtime
from mockserver.identity import users
from mockserver.proxy import recording
from mockserver.serving.banner import (
    ADMIN_LABEL,
    CA_LABEL,
    GAP,
    GENERATED,
    LABEL_WIDTH,
    LAST_LABEL,
    TRUST_CA,
    listening,
)

if TYPE_CHECKING:
    from flask import Flask

    from mockserver.data.generation import Generator
    from mockserver.serving.options import Options


def warming(app: Flask, start: Callable[[Callable[[], None]], None] | None = None) -> Flask:
    """``app``, its generator's pools being built in the background (each worker calls this): in a
    thread of its own, or by ``start`` (gevent's worker gives it an OS thread of its thread pool)."""
    generator = runtime.of(app).generator
    (start or _in_thread)(lambda: _warm(generator))
    return app


def _in_thread(work: Callable[[], None]) -> None:
    threading.Thread(target=work, name="mock-warm-pools", daemon=True).start()


def _warm(generator: Generator) -> None:
    """Build the pools, then freeze what the worker built at start (Flask, Faker, the spec, the pools:
    ~90k objects) into the permanent generation that full garbage collections skip. Measured
    in-process over 30k cold requests: the longest full collection 84 ms without, 13 ms with; every
    request in flight waits for one, so this is the cold path's p99."""
    generator.warm()
    gc.freeze()


# Documentation addresses (RFC 5737, RFC 3849): a UDP socket connected to one shows the address this
# machine would send from; connecting a UDP socket only picks a route, it sends nothing.
_ROUTE_PROBES = {socket.AF_INET: "192.0.2.1", socket.AF_INET6: "2001:db8::1"}
RESOLVE_SECONDS = 1.0  # the longest the banner waits for this machine's host name to resolve


def banner(chosen: Options, host: str, port: int, server: str) -> None:
    """The start-up lines: where, with which key and user, the admin token, HTTPS's CA, a curl command
    that works pasted on this machine."""
    scheme = "https" if chosen.tls is not None else "http"
    bound = f"{scheme}://{bracket(host)}:{port}"
    base = base_url(host, port, scheme)
    config = chosen.config
    key = config["MOCK_API_KEYS"][0]
    any_user = bool(config.get("MOCK_ANY_USER"))
    directory = users.load(config.get("MOCK_USERS_FILE", settings.DEFAULT_USERS_FILE), any_user)
    demo = curl_lines.demo_user(directory)
    per_worker = f"threads {chosen.threads}" if server == "granian" else f"connections {chosen.connections}"
    size = f"{server}, workers {chosen.workers}, {per_worker}"
    lines = [listening(f"mockserver {spec.version()}", bound, size, local=base)]
    network = network_urls(host, port, scheme)
    if network is not None:
        found = "    ".join(network) or "none found (no address but loopback)"
        lines.append(f"  network:    {found}")
    if chosen.server_why:
        lines.append(f"  server:     {server}, {chosen.server_why}")
    upstream = config.get("MOCK_UPSTREAM")
    if upstream:  # proxy mode: the upstream judges the key the app sends
        lines += [
            f"  upstream:   {upstream}    (proxy mode; violations: {base}/__mock/violations)",
            "  API key:    the app's own, forwarded to the upstream",
        ]
        if config.get("MOCK_RECORD"):
            lines.append(f"  record:     {record_line(config)}")
    else:
        sent = key if key == settings.DEMO_API_KEY else "<API key>"
        lines.append(f"  API key:    {shown_api_key(key)}    (send 'Authorization: key={sent}')")
    lines.append(f"  {ADMIN_LABEL:<{LABEL_WIDTH}}{admin_line(chosen)}")
    if chosen.tls is not None and chosen.tls.ca is not None:
        lines.append(f"  {CA_LABEL:<{LABEL_WIDTH}}{chosen.tls.ca}{GAP}{TRUST_CA}")
    cacert = ["--cacert", chosen.tls.ca] if chosen.tls is not None and chosen.tls.ca is not None else []
    # Pasted on this machine, where the banner is read: the local URL and the demo key work (in proxy
    # mode the key is the upstream's to accept: the app's own, never the mock's demo key).
    shown_key = curl_lines.shown_key(key, local=not upstream)
    lines += [
        f"  world:      {world(config)}",
        "  demo user:  " + ", ".join(f"{k} {v}" for k, v in demo.items()),
        f"  catalogue:  {base}/__mock/catalog    dashboard: {base}/__mock/ui    spec: {base}/openapi.json",
        f"  {LAST_LABEL:<{LABEL_WIDTH}}{curl_lines.curl(base, shown_key, demo, options=cacert)}",
    ]
    print("\n".join(lines), flush=True)


def world(config: Mapping[str, Any]) -> str:
    """What makes the answers what they are: the seed, who is a user, the clock, the scenario files."""
    users_file = config.get("MOCK_USERS_FILE", settings.DEFAULT_USERS_FILE)
    who = f"users of {Path(users_file).name}" if users_file else "no users file"
    if config.get("MOCK_ANY_USER"):
        who += " and any identifier of its type's form (--any-user)"
    now = config.get("MOCK_NOW")
    files = [str(each) for each in config.get("MOCK_SCENARIO_FILES") or []]
    return "; ".join(
        [
            f"seed {config.get('MOCK_SEED', settings.default('MOCK_SEED'))}",
            who,
            f"clock pinned at {now}" if now else "the real clock",
            f"scenario files {', '.join(files)}" if files else "no scenario files",
        ]
    )


def record_line(config: Mapping[str, Any]) -> str:
    """Where ``--record`` writes, and how its recordings are replayed."""
    directory = Path(config["MOCK_RECORD"]).resolve()
    anonymised = "anonymised; " if config.get("MOCK_ANONYMISE") else ""
    users_file = directory / recording.USERS_FILE
    return f"{directory}    ({anonymised}each user's last successful answer; replay: --users {users_file})"


def shown_api_key(key: str) -> str:
    """The API key as the banner shows it: the demo key as it is; a key of your own masked (the banner
    may end up in a terminal's scrollback, a CI log or a screen share)."""
    if key == settings.DEMO_API_KEY:
        return key
    return f"{'*' * 8} (your own key, {len(key)} characters)"


def admin_line(chosen: Options) -> str:
    """How the admin API under /__mock is guarded: a generated token is printed (nobody else knows it);
    a token given is not."""
    how = "send 'Authorization: Bearer <token>' or 'X-Mock-Admin-Token: <token>'"
    if chosen.admin == "generated":
        token = chosen.config["MOCK_ADMIN_TOKEN"]
        return f"token {token}{GAP}({GENERATED}; {how}; set your own with --admin-token)"
    if chosen.admin == "token":
        return f"token given by --admin-token (MOCKSERVER_ADMIN_TOKEN); {how}"
    if chosen.admin == "opted-out":
        return "OPEN to anyone who reaches the port (--admin-open)"
    return "open (loopback only; --admin-token TOKEN to require one)"


def base_url(host: str, port: int, scheme: str = "http") -> str:
    """The URL a client uses for a server bound to ``host``: a wildcard address shows as 127.0.0.1."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    return f"{scheme}://{bracket(shown)}:{port}"


def bracket(host: str) -> str:
    """``host`` as it goes into a URL (IPv6 addresses in brackets)."""
    return f"[{host}]" if ":" in host else host


def network_urls(host: str, port: int, scheme: str = "http") -> list[str] | None:
    """The URLs other devices on the network (a phone on the same Wi-Fi) use for a server bound to
    ``host``; None when it is bound to loopback, which nothing else can reach.

    A wildcard address serves every address of this machine: those found are listed (0.0.0.0 the IPv4
    ones; :: both, as a dual-stack socket, the default on Linux, takes IPv4 connections too).
    """
    try:
        address = ipaddress.ip_address(host)
    except ValueError:  # a host name (granian is given the --host text as it is)
        return None if host == "localhost" else [f"{scheme}://{host}:{port}"]
    if address.is_loopback:
        return None
    if not address.is_unspecified:
        return [f"{scheme}://{bracket(host)}:{port}"]
    families = [socket.AF_INET] if address.version == 4 else [socket.AF_INET, socket.AF_INET6]
    return [
        f"{scheme}://{bracket(found)}:{port}" for family in families for found in interface_addresses(family)
    ]


def interface_addresses(family: socket.AddressFamily) -> list[str]:
    """This machine's addresses of ``family`` that another machine may reach: the one its default route
    leaves from, then those its host name resolves to; no loopback, link-local or multicast ones."""
    found: list[str] = []
    for text in [*_route_source(family), *_host_name_addresses(family)]:
        address = ipaddress.ip_address(text.split("%", 1)[0])  # an IPv6 zone (%eth0) is no part of a URL
        unreachable = address.is_loopback or address.is_link_local or address.is_multicast
        if not (unreachable or address.is_unspecified) and str(address) not in found:
            found.append(str(address))
    return found


def _route_source(family: socket.AddressFamily) -> list[str]:
    """The address this machine sends from by its default route (none without one)."""
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.connect((_ROUTE_PROBES[family], 9))  # no packet: UDP connect only chooses the route
            return [str(probe.getsockname()[0])]
    except OSError:
        return []


def _host_name_addresses(family: socket.AddressFamily) -> list[str]:
    """The addresses this machine's host name resolves to, if it resolves within ``RESOLVE_SECONDS``:
    a resolver that does not answer must not hold up the banner."""
    resolved: list[list[str]] = []

    def resolve() -> None:
        try:
            infos = socket.getaddrinfo(socket.gethostname(), None, family, socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return
        resolved.append([str(info[4][0]) for info in infos])

    thread = threading.Thread(target=resolve, name="mock-banner-resolve", daemon=True)
    thread.start()
    thread.join(RESOLVE_SECONDS)
    return resolved[0] if resolved else []
