"""An independent, minimal, correct server for user-get-recent-sessions (imports neither the mock nor spec).

It makes other valid choices than the mock: nulls are omitted, user-auth errors come with HTTP 401/404,
bodies carry unknown extra fields, date-times use several UTC offsets, any Content-Type is accepted,
and with ``forms="lenient"`` it writes the RFC 3339 and decimal forms only the lenient profile allows.
Every behaviour goes through a ``Hooks`` value so a mutant can replace exactly one of them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from flask import Flask, Response, request

CALL = "user-get-recent-sessions"
TYPES = ("evco-id", "rfid", "username", "token")
API_KEY = "reference-key-7f3a9c"
MESSAGES = {
    0: "Success.",
    140: "Authentication failed: No positive authentication response.",
    144: "Authentication failed: Email does not exist.",
    145: "Authentication failed: User token not valid.",
    210: "Invalid API key.",
    230: "Invalid request format.",
}


def _session(
    number: int,
    offset: str,
    *,
    start: str,
    end: str | None,
    charge: tuple[str | None, str | None],
    energy: float | None,
    cost: str,
    currency: str,
    **extra: Any,
) -> dict[str, Any]:
    def at(clock: str | None) -> str | None:
        return None if clock is None else f"2026-11-{20 - number:02d}T{clock}{offset}"

    session: dict[str, Any] = {
        "request-sent": at("07:59:30"),
        "connector-id": 400 + number,
        "charging-station-id": 9000 + number,
        "session-interval": {"start": at(start), "end": at(end)},
        "charging-interval": {"start": at(charge[0]), "end": at(charge[1])},
        "energy-consumed": energy,
        "cost": cost,
        "currency": currency,
        "external-session-id": f"ref-{number:04d}",
        "tariff-id": f"T{number}",  # an extra field the spec does not declare (tolerant reader)
    } | extra
    return session


# Users: one per identifier-type, and a second username. Ada is the known-good user of the tests,
# Grace (the last) their second known-good user.
USERS: list[dict[str, Any]] = [
    {
        "identifier-type": "username",
        "identifier": "ada@example.org",
        "token": "8b1a9953c4611296a827abf8c47804d7",
        "sessions": [
            _session(
                1,
                "+05:30",
                start="08:00:00",
                end=None,
                charge=("08:01:10", None),
                energy=None,
                cost="0.00",
                currency="INR",
            ),
            _session(
                2,
                "-03:00",
                start="08:00:00",
                end="09:10:00",
                charge=("08:00:05", "09:00:00"),
                energy=7,
                cost="3.15",
                currency="BRL",
                address="Av. Paulista 1000, São Paulo",
            ),
            _session(
                3,
                "+00:00",
                start="08:00:00",
                end="08:02:00",
                charge=(None, None),
                energy=0.011,
                cost="1.50",
                currency="GBP",
            ),
        ],
    },
    {
        "identifier-type": "rfid",
        "identifier": "04A1B2C3D4E5F6",
        "token": None,
        "sessions": [
            _session(
                7,
                "+01:00",
                start="10:00:00",
                end="11:00:00",
                charge=("10:00:30", "10:50:00"),
                energy=21.5,
                cost="9.99",
                currency="EUR",
                address="Tempelhofer Ufer 17, 10963 Berlin",
            ),
        ],
    },
    {
        "identifier-type": "evco-id",
        "identifier": "DE*8PS*156456730*9",
        "token": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "sessions": [],
    },
    {
        "identifier-type": "token",
        "identifier": "c0ffee00c0ffee00c0ffee00c0ffee00",
        "token": None,
        "sessions": [],
    },
    {
        "identifier-type": "username",
        "identifier": "grace@example.org",
        "token": "3c9d2e7f1a4b6c8d0e2f4a6b8c0d2e4f",
        "sessions": [
            _session(
                11,
                "+09:00",
                start="06:00:00",
                end="07:30:00",
                charge=("06:00:20", "07:10:00"),
                energy=18.25,
                cost="1840.00",
                currency="JPY",
                address="1-1 Marunouchi, Chiyoda, Tokyo",
            ),
            _session(
                12,
                "+02:00",
                start="21:00:00",
                end=None,
                charge=("21:01:00", None),
                energy=None,
                cost="0.00",
                currency="CHF",
            ),
        ],
    },
]


def _omit_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _omit_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_omit_nulls(v) for v in value]
    return value


def _lenient_forms(value: Any) -> Any:
    """Date-times in UTC with Z and a fraction, costs without trailing zeros: valid in lenient only."""
    if isinstance(value, dict):
        return {k: _lenient_forms(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lenient_forms(v) for v in value]
    if isinstance(value, str) and len(value) == 25 and value[10] == "T":
        from datetime import UTC, datetime

        return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.250Z")
    if isinstance(value, str) and value.count(".") == 1 and value.replace(".", "").isdigit():
        return value.rstrip("0").rstrip(".") or "0"
    return value


class Refusal(Exception):
    """An answer other than success: a result code and a message for people."""

    def __init__(self, code: int, error: str, status: int | None = None) -> None:
        super().__init__(error)
        self.code, self.error, self.status = code, error, status


def parse_body(raw: bytes) -> Any:
    def no_constants(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    try:
        return json.loads(raw.decode("utf-8"), parse_constant=no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise Refusal(230, f"the body is not JSON in UTF-8: {exc}") from exc


def check_envelope(body: Any) -> Any:
    if not isinstance(body, dict) or len(body) != 1:
        raise Refusal(230, "the body must be an object with exactly one key, the call's name")
    (name,) = body
    if name != CALL:
        raise Refusal(230, f"unknown call {name!r}; this server answers {CALL!r}")
    return body[name]


def _text(value: Any, *, max_length: int = 255) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= max_length


def check_user(call: Any) -> dict[str, Any]:
    user = call.get("user") if isinstance(call, dict) else None
    if not isinstance(user, dict):
        raise Refusal(230, "user must be an object")
    if user.get("identifier-type") not in TYPES:
        raise Refusal(230, f"identifier-type must be one of {', '.join(TYPES)}")
    if not _text(user.get("identifier")):
        raise Refusal(230, "identifier must be a string of 1 to 255 characters")
    token = user.get("token")
    if token is not None and not _text(token):
        raise Refusal(230, "token must be null or a string of 1 to 255 characters")
    return user


def find_user(user: dict[str, Any], users: list[dict[str, Any]]) -> dict[str, Any]:
    kind, ident, token = user["identifier-type"], user["identifier"], user.get("token")
    record = next((u for u in users if u["identifier-type"] == kind and u["identifier"] == ident), None)
    if kind == "username" and token is None:
        raise Refusal(140, "a username needs a token")
    if record is None:
        raise Refusal(144 if kind == "username" else 140, "no such user")
    if kind != "token" and token is not None and record["token"] is not None and token != record["token"]:
        raise Refusal(145, "the token is not valid for this user")
    return record


def key_ok(header: str | None, keys: frozenset[str]) -> bool:
    return header is not None and header.startswith("key=") and header[4:] in keys


STATUS_STYLES: dict[str, dict[int, int]] = {
    # Result-coded errors: the call page says 200; some servers answer auth failures with 401/404.
    "http": {140: 401, 144: 404, 145: 401, 210: 401, 230: 400},
    "call-page": {140: 200, 144: 200, 145: 200, 210: 401, 230: 400},
}


def serves_v3_too(method: str, path: str, call: str) -> bool:
    """A server that answers the call on its /api/v3 path as well (a legacy path it still keeps)."""
    return method == "POST" and path in {call, call.replace("/v4/", "/v3/")}


@dataclass(frozen=True)
class Hooks:
    """Every behaviour of the server; a mutant replaces one."""

    parse: Callable[[bytes], Any] = parse_body
    envelope: Callable[[Any], Any] = check_envelope
    user: Callable[[Any], dict[str, Any]] = check_user
    find: Callable[[dict[str, Any], list[dict[str, Any]]], dict[str, Any]] = find_user
    key_ok: Callable[[str | None, frozenset[str]], bool] = key_ok
    success: Callable[[dict[str, Any]], dict[str, Any]] = lambda body: body
    error: Callable[[dict[str, Any]], dict[str, Any]] = lambda body: body
    status: Callable[[int, int], int] = lambda code, status: status
    serves: Callable[[str, str, str], bool] = lambda method, path, call: method == "POST" and path == call
    content_type: str = "application/json"
    before: Callable[[bytes], None] = lambda raw: None  # may raise (a crash) or sleep (a hang)
    dumps: Callable[[Any], str] = lambda body: json.dumps(body, ensure_ascii=False)


@dataclass(frozen=True)
class Options:
    forms: str = "strict"  # or "lenient": forms only the lenient profile accepts
    status_style: str = "http"
    keys: frozenset[str] = frozenset({API_KEY})
    path: str = "/api/v4/request"
    flaky_every: int = 0  # answer every Nth request with 503 + Retry-After: 0 (a correct, busy server)
    users: list[dict[str, Any]] = field(default_factory=lambda: USERS)


def create_app(hooks: Hooks | None = None, options: Options | None = None) -> Flask:
    hooks = hooks or Hooks()
    options = options or Options()
    app = Flask("reference")
    app.extensions["reference"] = {"hooks": hooks, "options": options, "count": 0}

    def answer(body: dict[str, Any], status: int) -> Response:
        return Response(hooks.dumps(body), status=status, content_type=hooks.content_type)

    def refuse(exc: Refusal) -> Response:
        body = hooks.error(
            {"result": {"code": exc.code, "message": MESSAGES.get(exc.code, "Error.")}, "error": exc.error}
        )
        status = exc.status or STATUS_STYLES[options.status_style][exc.code]
        return answer(body, hooks.status(exc.code, status))

    @app.route("/<path:path>", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    def call(path: str) -> Response:
        state = app.extensions["reference"]
        state["count"] += 1
        if options.flaky_every and state["count"] % options.flaky_every == 0:
            return Response("busy", status=503, headers={"Retry-After": "0"})
        if not hooks.serves(request.method, "/" + path, options.path):
            if "/" + path != options.path:
                return refuse(Refusal(230, f"no call at /{path}; calls are POSTed to {options.path}", 404))
            return refuse(Refusal(230, "use POST", 405))
        raw = request.get_data()
        try:
            if not hooks.key_ok(request.headers.get("Authorization"), options.keys):
                raise Refusal(210, "send 'Authorization: key=<api key>' with a valid key")
            hooks.before(raw)
            user = hooks.user(hooks.envelope(hooks.parse(raw)))
            record = hooks.find(user, options.users)
        except Refusal as exc:
            return refuse(exc)
        sessions = _omit_nulls(record["sessions"])
        if options.forms == "lenient":
            sessions = _lenient_forms(sessions)
        body = {
            "user": {"sessions": sessions},
            "result": {"code": 0, "message": MESSAGES[0]},
            "server-version": "reference-1",
        }
        return answer(hooks.success(body), hooks.status(0, 200))

    return app


def with_hooks(**changes: Any) -> Hooks:
    return replace(Hooks(), **changes)
