"""Traffic captured elsewhere, as exchanges to judge: a HAR 1.2 file (``--har FILE``).

Browsers' devtools, Charles, Proxyman, mitmproxy and the mock's journal (``GET /__mock/requests?format=har``)
write one. Each entry that is the call (a POST to one of ``Config.paths``) becomes an ``Exchange`` of
kind ``RECORDED``, named by its index in ``log.entries`` and its ``startedDateTime``; the others are
counted and skipped. A body the capture left out (devtools omits some; the mock's journal keeps no
answer) is counted as not judged, never a failure: its side of the exchange is not judged.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import spec
from contract_tests.config import Config
from contract_tests.errors import CannotJudge
from contract_tests.model import Case, Exchange, Expect, Kind, Request, Response

GROUP = "recorded"  # the group of an exchange judged on both sides
GROUP_ANSWER_ONLY = "recorded, request body not captured"  # its request is not judged
NO_BODY = "the capture holds no answer body"  # the Response.error of an answer not judged

# What ``Recorded.counts`` counts, besides the exchanges judged.
ENTRIES = "entries"
JUDGED = "exchanges of the call judged"
OTHER = "skipped: other paths or methods"
NO_ANSWER = "not judged: no answer"
REQUEST_NO_BODY = "requests not judged: no body"
ANSWER_NO_BODY = "answers not judged: no body"
COUNTED = (ENTRIES, JUDGED, OTHER, NO_ANSWER, REQUEST_NO_BODY, ANSWER_NO_BODY)
_SECRET_LENGTH = 6  # shorter values could appear by chance (``Config.secrets``)


@dataclass
class Recorded:
    """The exchanges of the call in a HAR file, what was counted, and the secrets its requests sent."""

    exchanges: list[Exchange] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    secrets: dict[str, str] = field(default_factory=dict)  # value -> what it is

    def summary(self) -> str:
        """One line: the entries, the exchanges judged and why the others were not."""
        shown = [name for name in COUNTED if self.counts[name] or name == JUDGED]
        return ", ".join(f"{self.counts[name]} {name}" for name in shown)


class _NotHar(Exception):
    """Why the file is not a HAR file this suite can read."""


def read(config: Config) -> Recorded:
    """The exchanges of the call in ``config.har``; CannotJudge (one line) when it is not a HAR file."""
    path = config.har or ""
    try:
        with open(path, "rb") as file:
            document = json.loads(file.read())
    except OSError as exc:
        raise CannotJudge(f"{path}: cannot read it: {exc.strerror or exc}") from exc
    except (ValueError, RecursionError) as exc:
        raise CannotJudge(f"{path} is not a HAR file: not JSON ({exc})") from exc
    log = document.get("log") if isinstance(document, dict) else None
    entries = log.get("entries") if isinstance(log, dict) else None
    if not isinstance(entries, list):
        raise CannotJudge(f"{path} is not a HAR file: no log.entries list")
    recorded = Recorded()
    for index, entry in enumerate(entries):
        try:
            _read_entry(config, recorded, index, entry)
        except _NotHar as exc:
            raise CannotJudge(f"{path} is not a HAR file: log.entries[{index}]: {exc}") from exc
    return recorded


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _NotHar(f"{where} is not an object")
    return value


def _headers(message: dict[str, Any], where: str) -> dict[str, str]:
    found: dict[str, str] = {}
    headers = message.get("headers", [])
    if not isinstance(headers, list):
        raise _NotHar(f"{where}.headers is not a list")
    for header in headers:
        if not (isinstance(header, dict) and isinstance(header.get("name"), str)):
            raise _NotHar(f"{where}.headers holds a header without a name")
        name, value = header["name"], str(header.get("value", ""))
        if name.startswith(":"):  # HTTP/2 pseudo-headers: the method, path and status are read elsewhere
            continue
        found[name] = f"{found[name]}, {value}" if name in found else value
    return found


def _body(holder: Any, where: str) -> bytes | None:
    """The bytes of ``postData`` or ``content``: its ``text``, base64 decoded when so encoded; None when
    the capture left the text out."""
    if not isinstance(holder, dict) or not isinstance(holder.get("text"), str):
        return None
    text: str = holder["text"]
    if holder.get("encoding") == "base64":
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise _NotHar(f"{where}.text is not base64 ({exc})") from exc
    return text.encode("utf-8", "surrogatepass")


def _read_entry(config: Config, recorded: Recorded, index: int, value: Any) -> None:
    entry = _object(value, "the entry")
    request = _object(entry.get("request"), "request")
    response = _object(entry.get("response", {}), "response")
    method, url = request.get("method"), request.get("url")
    if not isinstance(method, str) or not isinstance(url, str):
        raise _NotHar("request.method or request.url is not a string")
    recorded.counts[ENTRIES] += 1
    if method.upper() != "POST" or urlsplit(url).path not in config.paths:
        recorded.counts[OTHER] += 1
        return
    status = response.get("status")
    if not isinstance(status, int) or isinstance(status, bool) or status <= 0:
        recorded.counts[NO_ANSWER] += 1  # blocked, cancelled or failed before an answer came
        return
    sent_headers = _headers(request, "request")
    sent = _body(request.get("postData"), "request.postData")
    got = _body(response.get("content"), "response.content")
    if sent is None and got is None:
        recorded.counts[REQUEST_NO_BODY] += 1
        recorded.counts[ANSWER_NO_BODY] += 1
        return
    recorded.counts[JUDGED] += 1
    if sent is None:
        recorded.counts[REQUEST_NO_BODY] += 1
    if got is None:
        recorded.counts[ANSWER_NO_BODY] += 1
    started = entry.get("startedDateTime")
    elapsed = entry.get("time")
    case = Case(
        f"log.entries[{index}] ({started})",
        GROUP if sent is not None else GROUP_ANSWER_ONLY,
        sent_headers,
        sent or b"",
        Expect(Kind.RECORDED),
        note=f"{method} {urlsplit(url).path}",
    )
    answer = Response(
        status,
        _headers(response, "response"),
        got or b"",
        elapsed / 1000 if isinstance(elapsed, int | float) and elapsed >= 0 else 0.0,
        error="" if got is not None else NO_BODY,
    )
    recorded.exchanges.append(Exchange(case, Request(method, url, sent_headers, sent or b""), answer))
    _remember_secrets(recorded, sent_headers, sent)


def _remember_secrets(recorded: Recorded, headers: dict[str, str], body: bytes | None) -> None:
    """The API key and the user tokens a request sent: no other exchange's answer may disclose them."""
    found = []
    for name, value in headers.items():
        if name.lower() == "authorization" and value.strip().startswith("key="):
            found.append((value.strip().removeprefix("key="), "an API key the file's requests send"))
    parsed, _ = spec.parse_json(body or b"")
    call = parsed.get(spec.CALL) if isinstance(parsed, dict) else None
    user = call.get("user") if isinstance(call, dict) else None
    if isinstance(user, dict):
        tokens = [user.get("token")]
        if user.get("identifier-type") == "token":
            tokens.append(user.get("identifier"))
        what = "a user token the file's requests send"
        found += [(token, what) for token in tokens if isinstance(token, str)]
    for value, what in found:
        if len(value) >= _SECRET_LENGTH and "redacted" not in value.lower():
            recorded.secrets.setdefault(value, what)
