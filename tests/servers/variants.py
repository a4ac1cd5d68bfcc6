"""Other correct servers: the reference with other valid choices, one ``Hooks`` value each.

- ``permissive`` accepts more than it must: a UTF-8 BOM, UTF-16, a gzip body, text after the JSON
  (as a streaming decoder does), spaces around the key (as the mock does), usernames in any case
  and with surrounding spaces (the same user's data, D24), and the call at /api/v3/request too.
- ``picky`` refuses what it may: any Content-Type but JSON (415), a body without Content-Length
  (411), bodies over 64 kB (413), unknown fields in the call or the user (230).

- ``shared-session-ids`` gives every session of an answer the first one's ``external-session-id``, as the
  document's own example does with two sessions (``abc-def``).

None breaks a rule, so the contract suite must pass each, without a warning of a changed session.
"""

from __future__ import annotations

import codecs
import gzip
import json
from typing import Any

from flask import request

from tests.servers.reference import (
    Hooks,
    Refusal,
    check_user,
    find_user,
    parse_body,
    serves_v3_too,
    with_hooks,
)


def _lenient_parse(raw: bytes) -> Any:
    if request.headers.get("Content-Encoding", "").lower() == "gzip":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise Refusal(230, f"the body is not gzip: {exc}") from exc
    encoding = "utf-16" if raw[:2] in {codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE} else "utf-8-sig"
    try:
        value, _ = json.JSONDecoder().raw_decode(raw.decode(encoding).lstrip())
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise Refusal(230, f"the body is not JSON: {exc}") from exc
    return value  # whatever follows the first value is ignored, as a streaming decoder does


def _lenient_key(header: str | None, keys: frozenset[str]) -> bool:
    if header is None or "=" not in header:
        return False
    scheme, _, key = header.partition("=")
    return scheme.strip() == "key" and key.strip() in keys


def _casefold_usernames(user: dict[str, Any], users: list[dict[str, Any]]) -> dict[str, Any]:
    if user["identifier-type"] == "username":
        wanted = user["identifier"].strip().casefold()
        match = next((u["identifier"] for u in users if u["identifier"].casefold() == wanted), None)
        if match is not None:
            user = user | {"identifier": match}
    return find_user(user, users)


def _picky_before(raw: bytes) -> None:
    media = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise Refusal(230, "send Content-Type: application/json", 415)
    if "Content-Length" not in request.headers:
        raise Refusal(230, "send Content-Length (chunked bodies are not accepted)", 411)
    if len(raw) > 65_536:
        raise Refusal(230, "the body is larger than 64 kB", 413)


def _no_unknown_fields(call: Any) -> dict[str, Any]:
    user = check_user(call)
    extra = sorted(set(call) - {"user"}) + sorted(set(user) - {"identifier-type", "identifier", "token"})
    if extra:
        raise Refusal(230, f"unknown fields: {', '.join(extra)}")
    return user


def share_session_ids(body: dict[str, Any]) -> dict[str, Any]:
    """Every session of the answer under the first one's external-session-id (D41 allows it)."""
    body = json.loads(json.dumps(body))
    sessions = body["user"]["sessions"]
    for session in sessions:
        session["external-session-id"] = sessions[0]["external-session-id"]
    return body


VARIANTS: dict[str, Hooks] = {
    "permissive": with_hooks(
        parse=_lenient_parse, key_ok=_lenient_key, find=_casefold_usernames, serves=serves_v3_too
    ),
    "picky": with_hooks(before=_picky_before, user=_no_unknown_fields, parse=parse_body),
    "shared-session-ids": with_hooks(success=share_session_ids),
}
