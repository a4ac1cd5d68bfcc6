"""What the journal and the request log keep of one protocol request.

One builder for every way a request is answered (in full or from the answer cache by ``endpoint``,
or an HTTP error by Flask in ``routes``), so an entry never depends on which way it went.
Everything here reads the WSGI environ, not Flask's request object: it costs a few
microseconds and works outside Flask.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import orjson

import spec
from mockserver.answers import Answer
from mockserver.errors import Rejected
from mockserver.identity.auth import PREFIX as KEY_PREFIX
from mockserver.identity.auth import REDACTED
from mockserver.identity.parsing import CACHED_BODY_BYTES, Call
from mockserver.scenarios.selector import RequestContext

if TYPE_CHECKING:
    from mockserver.scenarios.state.base import ScriptStep

LOGGED = ("time", "method", "path", "call", "identifier-type", "result", "status", "scenario", "session")
_BODY_HEADERS = {"CONTENT_TYPE": "Content-Type", "CONTENT_LENGTH": "Content-Length"}
SECRET = "<redacted>"


def _scheme_kept(value: str) -> str:
    """An Authorization value redacted, its scheme kept: ``key=<redacted>``, ``Bearer <redacted>``."""
    if value.strip().startswith(KEY_PREFIX):
        return REDACTED
    scheme = value.strip().split(" ", 1)[0]
    return f"{scheme} {SECRET}" if " " in value.strip() and scheme.isascii() and scheme.isalpha() else SECRET


# Headers that carry credentials (the partner's API key, the admin token, a proxy's or a browser's):
# the journal keeps that they were sent, and how, never their value. Any other header whose value holds
# one of the mock's own credentials is redacted whole (``entry``).
SECRET_HEADERS: dict[str, Callable[[str], str]] = {
    "Authorization": _scheme_kept,
    "Proxy-Authorization": _scheme_kept,
    "Cookie": lambda _: SECRET,
    "X-Mock-Admin-Token": lambda _: SECRET,
}
_SHADOWED = {"HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"}
# The user's token in a body: the journal keeps that one was sent, never its value.
_TOKEN = b'"token"'
_TOKEN_STRING = re.compile(rb'"token"\s*:\s*("[^"\\]*(?:\\.[^"\\]*)*")')
_TOKEN_NOT_A_STRING = re.compile(rb'"token"\s*:\s*[\[{]')
TOKEN_REDACTED = SECRET
_REDACTED_JSON = orjson.dumps(TOKEN_REDACTED)


def headers_of(environ: Mapping[str, Any], *, redacted: bool = True) -> dict[str, str]:
    """The request headers as werkzeug names them (``X-Mock-Session``), credentials redacted (not when
    ``redacted`` is False: what proxy mode forwards upstream)."""
    out: dict[str, str] = {}
    names = _NAMES
    for key, value in environ.items():
        name = names.get(key, _UNKNOWN)
        if name is _UNKNOWN:
            name = _header_name(key)
            if len(names) < _MAX_NAMES:  # clients choose header names: the cache stays bounded
                names[key] = name
        if name is None or (key in _BODY_HEADERS and not value):
            continue
        hide = SECRET_HEADERS.get(name) if redacted else None
        out[name] = value if hide is None else hide(value)
    return out


def _header_name(key: str) -> str | None:
    """The header an environ key carries (``HTTP_X_MOCK_SESSION`` -> ``X-Mock-Session``), else None."""
    if key.startswith("HTTP_") and key not in _SHADOWED:
        return key[5:].replace("_", "-").title()
    return _BODY_HEADERS.get(key)


_UNKNOWN = "\x00"  # not a header name: marks a key not seen yet
_NAMES: dict[str, str | None] = {}
_MAX_NAMES = 4096


def context(call: Call | None, raw: bytes, environ: Mapping[str, Any]) -> RequestContext:
    """What the selector and the journal see of a request (None for what could not be read)."""
    return RequestContext(
        call=call.name if call else None,
        identifier_type=call.identifier_type if call else None,
        identifier=call.identifier if call else None,
        session=environ.get("HTTP_X_MOCK_SESSION"),
        headers=headers_of(environ),
        raw_body_text=body_text(raw),
    )


def body_text(raw: bytes) -> str:
    """A request body as the journal keeps it: text, every ``"token"`` field's string redacted (in a
    list or an object too). Bodies repeat (a client polling one user): small ones are remembered."""
    return _remembered_body_text(raw) if len(raw) <= CACHED_BODY_BYTES else _body_text(raw)


def _body_text(raw: bytes) -> str:
    at = raw.find(_TOKEN)
    if at < 0:
        return raw.decode("utf-8", "replace")
    kept: list[bytes] = []
    start = 0
    while at >= 0:  # a search from each "token" costs a third of one regex scan of the whole body
        found = _TOKEN_STRING.match(raw, at)
        if found is not None:
            kept += (raw[start : found.start(1)], _REDACTED_JSON)
            start = found.end(1)
        at = raw.find(_TOKEN, at + len(_TOKEN))
    redacted = b"".join([*kept, raw[start:]])
    if _TOKEN_NOT_A_STRING.search(redacted):
        for secret in _tokens(redacted, identifier=False):
            redacted = redacted.replace(orjson.dumps(secret), _REDACTED_JSON)
    return redacted.decode("utf-8", "replace")


_remembered_body_text = lru_cache(maxsize=1024)(_body_text)


def without_token(reason: Rejected, raw: bytes) -> Rejected:
    """``reason`` with the user's token (the ``token`` field, or the identifier of type ``token``) never
    repeated: a refusal that quotes what it refused quotes the token as ``'<redacted>'``."""
    clean = token_cleaner(raw)
    if clean is None:
        return reason
    problems = [spec.Problem(p.path, clean(p.message), p.keyword) for p in reason.problems]
    return Rejected(reason.status, reason.code, clean(reason.error), problems, reason.headers)


def token_cleaner(raw: bytes) -> Callable[[str], str] | None:
    """What replaces every quoted token of the body ``raw`` (``'...'``, as messages quote values) and
    every text that is one by ``'<redacted>'``; None when the body has no token."""
    tokens = set(_tokens(raw, identifier=True))
    secrets = sorted({repr(text) for text in tokens}, key=len, reverse=True)
    if not secrets:
        return None

    def clean(message: str) -> str:
        if message in tokens:
            return TOKEN_REDACTED
        for secret in secrets:
            message = message.replace(secret, repr(TOKEN_REDACTED))
        return message

    return clean


def _tokens(raw: bytes, *, identifier: bool) -> Iterator[str]:
    """The strings of a body's token field, and (``identifier``) its identifier when that is of type
    ``token``."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return
    call = body.get(spec.CALL) if isinstance(body, dict) else None
    user = call.get("user") if isinstance(call, dict) else None
    if not isinstance(user, dict):
        return
    found = [user.get("token")]
    if identifier and user.get("identifier-type") == "token":
        found.append(user.get("identifier"))
    while found:  # a token that is not a string (a list, say) is quoted whole: every string in it
        value = found.pop()
        if isinstance(value, str) and value:
            yield value
        elif isinstance(value, list):
            found.extend(value)
        elif isinstance(value, dict):
            found.extend(value.values())


def entry(
    method: str,
    path: str,
    ctx: RequestContext,
    answer: Answer,
    *,
    scenario: str | None,
    started: float,
    secrets: Collection[str],
    step: ScriptStep | None = None,
) -> dict[str, Any]:
    """The journal entry of one answered request (``started``: its ``time.perf_counter()``;
    ``secrets``: the mock's credentials, never kept in a header of any name; ``step``: the scripted
    step that chose its scenario)."""
    found: dict[str, Any] = {
        "time": now(),
        "method": method,
        "path": path,
        "headers": without_secrets(ctx.headers, secrets),
        "body": ctx.raw_body_text,
        "scenario": scenario,
        "result": answer.code,
        "status": answer.status or None,
        "session": ctx.session,
        "call": ctx.call,
        "identifier-type": ctx.identifier_type,
        "identifier": ctx.identifier,
        "duration_ms": round((time.perf_counter() - started) * 1000, 3),
    }
    if step is not None:
        found["script"] = {"id": step.script_id, "step": step.index}
    return found


def without_secrets(headers: Mapping[str, str], secrets: Collection[str]) -> dict[str, str]:
    """``headers`` with every value that holds one of ``secrets`` redacted (``X-Api-Key: <key>``).

    On every request, the answer cache's too: one search of all values at once for each secret (a
    request seldom holds one), the values one by one only when one does."""
    every = "\n".join(headers.values())
    if not any(secret in every for secret in secrets):
        return dict(headers)
    return {
        name: SECRET if any(secret in value for secret in secrets) else value
        for name, value in headers.items()
    }


def log_line(journal_entry: Mapping[str, Any], started: float) -> dict[str, Any]:
    """The request log's line for a journalled request: no headers, no body, the full duration."""
    line = {key: journal_entry[key] for key in LOGGED}
    line["duration_ms"] = since(started)
    return line


def plain_log_line(method: str, path: str, status: int, started: float) -> dict[str, Any]:
    """The request log's line for a request the journal does not keep (an admin call, a refusal in front
    of the app, a CORS preflight): the same fields as ``log_line``, as far as they are known."""
    return {"time": now(), "method": method, "path": path, "status": status, "duration_ms": since(started)}


def now() -> str:
    """The time a journal entry or log line is stamped with: UTC, milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def since(started: float) -> float:
    """Milliseconds since ``started`` (``time.perf_counter()``), as every log line gives its duration."""
    return round((time.perf_counter() - started) * 1000, 3)
