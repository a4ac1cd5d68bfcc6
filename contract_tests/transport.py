"""HTTP to the target, politely: a rate limit, an overall deadline, retries that honour Retry-After.

Only this module talks to the network. A request that gets no answer yields a ``Response`` with
``error`` set (status 0), so the checks can judge it like any other answer. One ``Client`` may send
from several threads at once: they share its rate limit, deadline and count, each with its own
connection.
"""

from __future__ import annotations

import email.utils
import http.client
import re
import shlex
import socket
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass, field, replace

import requests

from contract_tests.errors import OutOfTime, TargetGone
from contract_tests.model import Request, Response

RETRY_STATUSES = frozenset({429, 503})
MAX_BACKOFF = 30.0  # seconds: never wait longer than this for one retry
REDACTED = "[REDACTED]"


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # delta-seconds: "²".isdigit() is True too
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


@dataclass
class Client:
    """Sends requests to one target within a rate limit and a deadline (``time.monotonic`` seconds)."""

    rate_limit: float
    timeout: float
    retries: int
    deadline: float
    # True: the system's CAs, or the bundle REQUESTS_CA_BUNDLE names; a path: that CA file (--ca-cert)
    verify: bool | str = True
    sent: int = 0
    _next_slot: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _local: threading.local = field(default_factory=threading.local)  # one connection per thread
    _answered: bool = False  # an answer came: a request refused on every retry after it means it went away

    @property
    def session(self) -> requests.Session:
        """This thread's HTTP session (requests' sessions are not shared safely across threads)."""
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def wait(self, seconds: float) -> None:
        """Sleep ``seconds``; OutOfTime instead if the deadline comes first."""
        if seconds > self.remaining():
            raise OutOfTime("the time budget (--max-time) is spent")
        if seconds > 0:
            time.sleep(seconds)

    def _pace(self) -> None:
        if self.rate_limit > 0:
            with self._lock:  # each request takes the next free slot, whichever thread sends it
                slot = max(self._next_slot, time.monotonic())
                self._next_slot = slot + 1.0 / self.rate_limit
            self.wait(slot - time.monotonic())
        elif self.remaining() <= 0:
            raise OutOfTime("the time budget (--max-time) is spent")

    def _once(self, request: Request) -> Response:
        self._pace()
        with self._lock:
            self.sent += 1
        started = time.monotonic()
        timeout = min(self.timeout, max(0.1, self.remaining()))
        try:
            answer = self.session.request(
                request.method,
                request.url,
                headers=request.headers,
                data=iter([request.body]) if request.chunked else request.body,
                timeout=timeout,
                allow_redirects=False,
                verify=self.verify,  # per request: a session's own would give way to REQUESTS_CA_BUNDLE
            )
            body = answer.content
        except requests.Timeout as exc:
            if timeout < self.timeout:  # cut short by --max-time: the suite's limit, not the server's fault
                raise OutOfTime("the time budget (--max-time) ran out while waiting for an answer") from exc
            return Response(0, {}, b"", time.monotonic() - started, error=_describe(exc, self.timeout))
        except requests.RequestException as exc:
            return Response(0, {}, b"", time.monotonic() - started, error=_describe(exc, self.timeout))
        return Response(answer.status_code, dict(answer.headers), body, time.monotonic() - started)

    def send(self, request: Request) -> Response:
        """The answer after at most ``retries`` retries on 429/503 and on dropped connections.

        TargetGone when a target that answered before refuses this request and every retry: it went
        away (stopped, restarted, crashed on an earlier request), and each later case would only wait
        out its back-off to be refused too. A request the target drops and then refuses is its answer
        (the target died on it)."""
        response = self._once(request)
        first = response.error  # a server that dies on a request: closed on it, refused on the retries
        for attempt in range(self.retries):
            dropped = response.error and "timed out" not in response.error
            if response.status not in RETRY_STATUSES and not dropped:
                break
            backoff = min(MAX_BACKOFF, 0.25 * 2**attempt)
            hinted = retry_after(response.headers.get("Retry-After") or response.headers.get("retry-after"))
            self.wait(min(MAX_BACKOFF, hinted) if hinted is not None else backoff)
            response = self._once(request)
            response = Response(
                response.status,
                response.headers,
                response.body,
                response.elapsed,
                response.error,
                attempt + 1,
            )
        if first == REFUSED and response.error == REFUSED and self._answered:
            attempts = 1 + response.retries
            raise TargetGone(f"the target stopped answering: {_REFUSED} on {attempts} attempts in a row")
        self._answered = self._answered or response.status != 0
        if first and response.error and response.error != first:
            retried = "retry" if response.retries == 1 else f"{response.retries} retries"
            later = response.error.removeprefix("no answer: ")
            response = replace(response, error=f"{first}; on {retried}: {later}")
        return response


_REFUSED = "connection refused"
REFUSED = f"no answer: {_REFUSED}"  # nothing listens at the target's address


def _describe(exc: requests.RequestException, timeout: float) -> str:
    if isinstance(exc, requests.Timeout):
        return f"no answer: timed out after {timeout:g} s"
    return f"no answer: {_reason(exc)}"


# What a failed request's cause means, with the attribute that adds a detail; the first row that
# matches wins (RemoteDisconnected is a kind of ConnectionResetError). requests and urllib3 wrap the
# cause two or three deep, and their own text (a connection pool, an object's repr) says nothing a
# reader can act on.
_REASONS: tuple[tuple[type[BaseException], str, str | None], ...] = (
    (ConnectionRefusedError, _REFUSED, None),
    (http.client.RemoteDisconnected, "the server closed the connection without an answer", None),
    (ConnectionResetError, "connection reset by the server", None),
    (http.client.IncompleteRead, "the answer ended before the length it announced", None),
    (socket.gaierror, "host name not resolved", "strerror"),
    (ssl.SSLCertVerificationError, "TLS certificate not accepted", "verify_message"),
    (ssl.SSLError, "TLS failed", "reason"),
    (TimeoutError, "timed out", None),
)

_HINTS: dict[type[BaseException], str] = {
    ssl.SSLCertVerificationError: "; a CA of your own: give its file with --ca-cert (or REQUESTS_CA_BUNDLE)"
}


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and every exception it wraps: urllib3's ``reason``, its arguments, cause and context."""
    found: list[BaseException] = []
    pending = [exc]
    while pending:
        current = pending.pop(0)
        if any(current is seen for seen in found):
            continue
        found.append(current)
        inner = (getattr(current, "reason", None), *current.args, current.__cause__, current.__context__)
        pending += [each for each in inner if isinstance(each, BaseException)]
    return found


def _reason(exc: BaseException) -> str:
    """Why a request got no answer, in a few whole words (e.g. ``connection refused``)."""
    causes = _causes(exc)
    for kind, words, attribute in _REASONS:
        for cause in causes:
            if isinstance(cause, kind):
                detail = getattr(cause, attribute, None) if attribute else None
                hint = _HINTS.get(kind, "")
                return (f"{words} ({detail})" if detail else words) + hint
    for cause in causes:
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror
    return f"{type(causes[-1]).__name__}: {causes[-1]}"


def redact(value: str, api_key: str) -> str:
    """``value`` with the API key hidden, also in any case and cut by one character (derived test keys)."""
    if not api_key:
        return value
    for form in {api_key, urllib.parse.quote(api_key, safe="")}:
        value = re.sub(re.escape(form), REDACTED, value, flags=re.IGNORECASE)
    if len(api_key) >= 8:  # a shorter prefix could match ordinary text
        value = re.sub(
            re.escape(api_key[:-1]), "[REDACTED minus its last character]", value, flags=re.IGNORECASE
        )
    return value


def curl(request: Request, api_key: str, limit: int | None = None) -> str:
    """The request as a curl command a developer can paste, with the API key redacted (only that)."""
    parts = ["curl", "-sS", "-i", "-X", request.method, shlex.quote(redact(request.url, api_key))]
    for name, value in request.headers.items():
        parts += ["-H", shlex.quote(f"{name}: {redact(value, api_key)}")]
    if request.chunked:
        parts += ["-H", shlex.quote("Transfer-Encoding: chunked")]
    if not any(name.lower() == "content-type" for name in request.headers):
        parts += ["-H", shlex.quote("Content-Type:")]  # curl would add one; the case sent none
    text = request.body_text()
    if limit is not None and len(text) > limit:
        text = text[:limit] + f"…[{len(text) - limit} more characters not kept]"
    parts += ["--data-binary", shlex.quote(text)]
    return " ".join(parts)
