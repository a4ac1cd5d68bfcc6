"""Rules of a whole answer that JSON Schema cannot express: its Content-Type, its result code against
its sessions, and its HTTP status against its result code (D7, D16, D17, D18).

Plain functions yielding ``Problem``s; the contract suite's checks and the mock's proxy mode both
judge answers with them, so a rule reads the same in a contract report and in a proxy violation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from spec._codes import result_codes
from spec._problems import Problem, header_path

CONTENT_TYPE_PATH = header_path("Content-Type")
# D7: the HTTP statuses of a user-auth, partner-auth or general error code; a general code may also come
# with 429 (rate limited: a refusal of the server's own, not a fault of the request); a request code
# (200, 230) may come with 200 or any 4xx, the status naming what is wrong with the request (413, 415, ...).
ERROR_STATUSES = frozenset({200, 400, 401, 403, 404})
RATE_LIMITED = 429
_JSON_MEDIA = re.compile(r"^application/(?:[\w.+-]+\+)?json$", re.IGNORECASE)
_CHARSET = re.compile(r"charset\s*=\s*\"?([\w-]+)", re.IGNORECASE)


def documented(code: Any) -> bool:
    """True for a result code the protocol documents (an integer, not a boolean)."""
    return isinstance(code, int) and not isinstance(code, bool) and code in result_codes()


def is_success_code(code: Any) -> bool:
    return code == 0 and not isinstance(code, bool)


def json_content_type(content_type: str) -> Iterator[Problem]:
    """A JSON body's Content-Type: a JSON media type, in UTF-8 if a charset is named."""
    media, _, params = content_type.partition(";")
    if not _JSON_MEDIA.match(media.strip()):
        yield Problem(
            CONTENT_TYPE_PATH, "a JSON body sent with a Content-Type that is not JSON", "content-type"
        )
    match = _CHARSET.search(params)
    if match and match.group(1).lower().replace("_", "-") not in {"utf-8", "utf8"}:
        yield Problem(CONTENT_TYPE_PATH, "JSON declared in a charset other than UTF-8", "content-type")


def carries_sessions(body: Any) -> bool:
    """Sessions anywhere a client would look for them: ``user.sessions`` or a top-level ``sessions``."""
    if not isinstance(body, dict):
        return False
    user = body.get("user")
    return "sessions" in body or (isinstance(user, dict) and "sessions" in user)


def sessions_of(body: Any) -> Any:
    """``user.sessions`` when present (any type), else None."""
    user = body.get("user") if isinstance(body, dict) else None
    return user.get("sessions") if isinstance(user, dict) else None


def code_zero_iff_sessions(body: dict[str, Any]) -> Iterator[Problem]:
    """Result code 0 comes with ``user.sessions`` and no error; any other code never with sessions (D16)."""
    result = body.get("result")
    code = result.get("code") if isinstance(result, dict) else None
    if is_success_code(code):
        if sessions_of(body) is None:
            where = " (sessions at the top level instead)" if "sessions" in body else ""
            yield Problem("$.user.sessions", f"result code 0 without user.sessions{where}", "sessions")
        for key in ("error", "problems"):
            if body.get(key) not in (None, "", []):
                why = f"result code 0 with {key}: a success that also reports an error"
                yield Problem(f"$.{key}", why, "sessions")
    elif carries_sessions(body):
        path = "$.sessions" if "sessions" in body else "$.user.sessions"
        why = f"result code {code!r} with sessions: an error body never carries sessions"
        yield Problem(path, why, "sessions")


def status_matches_result(status: int, code: Any) -> Iterator[Problem]:
    """The HTTP status a documented result code may come with (D7); a 5xx is judged elsewhere (D28)."""
    if status >= 500 or not documented(code):
        return
    family = result_codes()[code].family
    if code == 0:
        if status != 200:
            yield Problem("$.result.code", f"result code 0 with HTTP {status}; success is HTTP 200", "status")
    elif family == "request":
        if not (status == 200 or 400 <= status < 500):
            why = f"result code {code} with HTTP {status}; expected 200 or a 4xx"
            yield Problem("$.result.code", why, "status")
    elif status not in ERROR_STATUSES and not (family == "general" and status == RATE_LIMITED):
        allowed = sorted(ERROR_STATUSES | ({RATE_LIMITED} if family == "general" else set()))
        why = f"result code {code} with HTTP {status}; expected one of {allowed}"
        yield Problem("$.result.code", why, "status")
