"""Pages in browsers and the admin API: WSGI middleware that keeps a page of another origin from driving it.

A browser sends some requests to another origin without asking first (CORS "simple" requests: GET,
HEAD, or a POST whose body is text, a form or no type at all), and sends them whatever the answer's CORS
headers say afterwards. Two rules keep every page but the mock's own away from the admin API (the calls
``admin_token.needs_token`` names: every ``/__mock/`` call but the open pages), whatever CORS allows:

- A write (any method but GET, HEAD and OPTIONS) that carries a body, and every POST even without one,
  sends ``Content-Type: application/json`` (parameters such as ``charset`` allowed); anything else is 415
  before the app reads a byte. A browser asks before it sends that type (a preflight), and before any
  DELETE, so no write leaves a browser unasked. This is the one place the rule lives; the admin API reads
  its bodies knowing it held.
- A call whose ``Origin`` is neither the mock's own (the dashboard it serves) nor one ``--cors-origin``
  names is 403, reads included: CORS's default, any origin, is for the protocol paths, and would let any
  page read the journal's request bodies. Without ``Origin``, a browser's ``Sec-Fetch-Site: cross-site`` or
  ``same-site`` (a header no page can set) is 403 too. curl and the test API send neither header.

- Without an admin token, a call names the mock in its ``Host`` by an IP address, ``localhost`` (or a
  name under ``.localhost``) or this machine's own name; any other name is 403. A page's origin is its
  host name, not an address: a page whose name its owner points at 127.0.0.1 once it has loaded (DNS
  rebinding) is "same-origin" to the browser, and only the name it sends in ``Host`` gives it away. With
  a token the page has nothing to send, and any name is answered.

The refusals are JSON naming the header (``headers.Host``, ``headers.Origin``,
``headers.Sec-Fetch-Site``, ``headers.Content-Type``) and what to do; CORS (outside this) adds its
headers, so an allowed page can read why.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any
from wsgiref.types import StartResponse, WSGIApplication

import orjson

from mockserver.http import journal_entries
from mockserver.http.admin_token import needs_token
from mockserver.http.cors import ANY
from spec import Problem, header_path

if TYPE_CHECKING:
    from mockserver.http.request_log import RequestLog

JSON = "application/json"
READS = frozenset({"GET", "HEAD", "OPTIONS"})
# Sec-Fetch-Site values of a request a page of another origin made (``same-origin``: the mock's own page;
# ``none``: the person typed the address or followed a bookmark).
FOREIGN_SITES = frozenset({"cross-site", "same-site"})
HOST_WHERE = header_path("Host")
ORIGIN_WHERE = header_path("Origin")
SITE_WHERE = header_path("Sec-Fetch-Site")
TYPE_WHERE = header_path("Content-Type")
_DEFAULT_PORTS = {"http": ":80", "https": ":443"}
_OTHERS = (
    "call the admin API from the dashboard this mock serves (/__mock/ui), curl or the test API, "
    "or start the mock with --cors-origin naming the page's origin"
)


def media_type(content_type: str) -> str:
    """The type of a Content-Type value without its parameters, in lower case: ``application/json``."""
    return content_type.split(";", 1)[0].strip().lower()


def has_body(environ: dict[str, Any]) -> bool:
    """Whether the request says it carries a body (any Content-Length but 0, or a Transfer-Encoding)."""
    if environ.get("HTTP_TRANSFER_ENCODING"):
        return True
    return str(environ.get("CONTENT_LENGTH") or "0").strip() != "0"


def content_type_problem(environ: dict[str, Any]) -> Problem | None:
    """Why this admin call's body is not one the API takes, or None: a write with a body, and every
    POST, sends ``application/json``."""
    method = str(environ.get("REQUEST_METHOD", ""))
    if method in READS or (method != "POST" and not has_body(environ)):
        return None
    given = environ.get("CONTENT_TYPE")
    if given and media_type(str(given)) == JSON:
        return None
    sent = f"this one sent {str(given)[:100]!r}" if given else "this one sent none"
    why = (
        f"an admin call that writes sends 'Content-Type: {JSON}' ({sent}), a POST without a body too: "
        "curl --json '{...}', or -H 'Content-Type: application/json'. A page in a browser may send "
        "other types to any address without asking first, so the admin API takes none of them"
    )
    return Problem(TYPE_WHERE, why, "content-type")


def same_origin(origin: str, environ: dict[str, Any]) -> bool:
    """Whether ``origin`` names the host and port this request was sent to: the mock's own pages."""
    scheme, sep, netloc = origin.partition("://")
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME')}:{environ.get('SERVER_PORT')}"
    if not sep or not netloc:
        return False
    default = _DEFAULT_PORTS.get(scheme.lower(), "")

    def plain(address: str) -> str:
        address = address.strip().lower()
        return address[: -len(default)] if default and address.endswith(default) else address

    return plain(netloc) == plain(str(host))


def host_name(host: str) -> str:
    """The name or address of a ``Host`` value, without its port and brackets, in lower case."""
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:8080
        return host[1 : host.find("]")] if "]" in host else host
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def own_names() -> frozenset[str]:
    """This machine's name, as the TLS certificate names it (``serving.tls``): no DNS lookup, which has
    no deadline (``socket.getfqdn``) and would run in every worker's ``create_app``."""
    name = socket.gethostname().lower().rstrip(".")
    return frozenset({name} if name else ())


def names_the_mock(host: str, names: frozenset[str]) -> bool:
    """Whether a ``Host`` value names the mock by something no page's owner can point at it: an IP
    address, ``localhost`` or a name under it (RFC 6761: never sent to DNS), or one of ``names``."""
    name = host_name(host).rstrip(".")
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return name in names or name == "localhost" or name.endswith(".localhost")
    return True


class AdminGuard:
    """WSGI middleware: admin calls from pages of other origins (403) and writes without a JSON body (415)
    are refused before the app sees them. ``origins``: those ``--cors-origin`` names (the mock's own is
    always answered)."""

    def __init__(
        self, wsgi_app: WSGIApplication, origins: Sequence[str], log: RequestLog, *, token: bool = False
    ) -> None:
        self.wsgi_app = wsgi_app
        self.origins = frozenset(origins) - {ANY}  # "any origin" is for the protocol paths only
        self.log = log
        self.names = None if token else own_names()  # None: a token guards the API, any Host will do

    def host_problem(self, environ: dict[str, Any]) -> Problem | None:
        """Why the name this call gives the mock is one a page of another origin may have, or None."""
        host = environ.get("HTTP_HOST")
        if self.names is None or host is None or names_the_mock(str(host), self.names):
            return None
        why = (
            f"without an admin token the admin API answers calls that name the mock by an IP address, "
            f"localhost or this machine's name; {str(host)[:200]!r} is none of these, and a page of another "
            "origin can send its own name here after pointing it at this machine (DNS rebinding): use "
            "the address, or start the mock with --admin-token"
        )
        return Problem(HOST_WHERE, why, "host")

    def origin_problem(self, environ: dict[str, Any]) -> Problem | None:
        """Why this admin call comes from a page the mock does not answer, or None."""
        origin = environ.get("HTTP_ORIGIN")
        site = str(environ.get("HTTP_SEC_FETCH_SITE", "")).strip().lower()
        if origin is not None:
            origin = str(origin)
            if origin in self.origins or site == "same-origin" or same_origin(origin, environ):
                return None
            named = (
                f"--cors-origin names {', '.join(sorted(self.origins))}"
                if self.origins
                else "no --cors-origin"
            )
            why = (
                f"the admin API answers pages of the mock's own origin and those --cors-origin names "
                f"({named}); {origin[:200]!r} is neither: {_OTHERS}"
            )
            return Problem(ORIGIN_WHERE, why, "origin")
        if site in FOREIGN_SITES:
            why = (
                f"the browser says this call comes from a page of another site or origin ({site}), "
                f"and names no origin the admin API answers: {_OTHERS}"
            )
            return Problem(SITE_WHERE, why, "origin")
        return None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method, path = str(environ.get("REQUEST_METHOD", "")), str(environ.get("PATH_INFO", ""))
        if not needs_token(method, path):
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        problem = self.host_problem(environ) or self.origin_problem(environ)
        status = "403 FORBIDDEN"
        if problem is None:
            problem, status = content_type_problem(environ), "415 UNSUPPORTED MEDIA TYPE"
        if problem is None:
            return self.wsgi_app(environ, start_response)
        body = orjson.dumps({"error": f"{problem.path}: {problem.message}", "problems": [problem.as_dict()]})
        start_response(status, [("Content-Type", JSON), ("Content-Length", str(len(body)))])
        self.log.write(journal_entries.plain_log_line(method, path, int(status[:3]), started))
        return [b"" if method == "HEAD" else body]
