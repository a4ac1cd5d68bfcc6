"""The journal as a HAR 1.2 file (``GET /__mock/requests?format=har``): what QA opens in a browser's
devtools or hands to ``oioi-contract --har``.

A HAR holds what the journal keeps, nothing more: each request's method, URL, headers and body (its
first ``MAX_BODY_CHARS`` characters; keys and tokens redacted), and each answer's status and result
code. The journal keeps no answer body or headers, so the entries' ``response.content`` has no ``text``
(a reader counts that answer as not judged); a request body the journal cut has none either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from importlib import metadata
from typing import Any

import spec
from mockserver.scenarios.selector import MAX_BODY_CHARS

FILENAME = "oioi-mock-journal.har"
COMMENT = (
    "The mock's journal as HAR: requests with their headers and their body's first "
    f"{MAX_BODY_CHARS // 1024} KiB (API keys, admin tokens, cookies and user tokens redacted; a body "
    "longer than that is left out), answers with their HTTP status and result code only: the journal "
    "keeps no answer body or headers."
)
_NO_ANSWER_BODY = "the journal keeps no answer body; the result code is in _resultCode"


def _pairs(headers: Mapping[str, Any]) -> list[dict[str, str]]:
    return [{"name": str(name), "value": str(value)} for name, value in headers.items()]


def _content_type(headers: Mapping[str, Any]) -> str:
    return next((str(v) for k, v in headers.items() if str(k).lower() == "content-type"), "")


def _post_data(entry: Mapping[str, Any], headers: Mapping[str, Any]) -> dict[str, Any]:
    body = entry.get("body")
    data: dict[str, Any] = {"mimeType": _content_type(headers)}
    if "body-truncated-from" in entry:
        data["comment"] = (
            f"left out: a body of {entry['body-truncated-from']} characters (tokens redacted), of which the "
            f"journal keeps the first {MAX_BODY_CHARS}"
        )
    elif isinstance(body, str):
        data["text"] = body
    return data


def _entry(entry: Mapping[str, Any], base_url: str) -> dict[str, Any]:
    kept = entry.get("headers")
    headers: Mapping[str, Any] = kept if isinstance(kept, dict) else {}
    duration = entry.get("duration_ms")
    status = entry.get("status")
    wait = duration if isinstance(duration, int | float) else 0
    found: dict[str, Any] = {
        "startedDateTime": entry.get("time"),
        "time": wait,
        "request": {
            "method": entry.get("method"),
            "url": base_url.rstrip("/") + str(entry.get("path") or "/"),
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": _pairs(headers),
            "queryString": [],
            "postData": _post_data(entry, headers),
            "headersSize": -1,
            "bodySize": -1,
        },
        "response": {
            "status": status if isinstance(status, int) else 0,  # 0: no answer (a broken connection)
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [],
            "content": {"size": 0, "mimeType": "", "comment": _NO_ANSWER_BODY},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
            "_resultCode": entry.get("result"),
        },
        "cache": {},
        "timings": {"send": 0, "wait": wait, "receive": 0},
        "comment": f"journal entry {entry.get('id')}, scenario {entry.get('scenario') or 'none'}",
    }
    if entry.get("violations"):
        found["_violations"] = entry["violations"]
    return found


def _version() -> str:
    try:
        return metadata.version(spec.DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def document(entries: Iterable[Mapping[str, Any]], base_url: str, note: str = "") -> dict[str, Any]:
    """The HAR of journal ``entries`` (newest first, as the journal lists them): oldest first, as a
    capture is read; ``base_url``: where the requests were sent; ``note``: more for its comment (the
    journal was evicted, say)."""
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "oioi-mock", "version": _version()},
            "comment": f"{COMMENT} {note}".strip(),
            "pages": [],
            "entries": [_entry(entry, base_url) for entry in reversed(list(entries))],
        }
    }
