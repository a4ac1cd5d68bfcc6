"""Checks at the edges of their rules: a table of exchanges, each with the exact findings expected.

The recorded exchanges (test_checks.py) say which checks fail; these rows pin where a rule's bound
lies (a 5xx is judged by not-a-server-error alone, D28; 2^63-1 is the last integer a typed client
reads, D34) and what a finding says, where it points and which value it quotes: a row names the
check as a report does and gives every finding whole (message, path, value, warning or not).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

import spec
from contract_tests import checks
from contract_tests.checks import CHECKS, Context
from contract_tests.model import (
    ANY_ERROR_FAMILIES,
    PARTNER_AUTH_FAMILIES,
    USER_AUTH_FAMILIES,
    Case,
    Exchange,
    Expect,
    Finding,
    Kind,
    Request,
    Response,
    User,
)
from contract_tests.transport import REDACTED

_SUCCESS: dict[str, Any] = {"result": {"code": 0}, "user": {"sessions": []}}
_REFUSED: dict[str, Any] = {"result": {"code": 145}}
_AT_CODE = "$.result.code"
_BOM = "not JSON: it starts with a byte-order mark (RFC 8259 section 8.1)"  # spec's strict reader says
_AT_SESSIONS = "$.user.sessions"
_NOT_AUTHENTICATED = "a request for a user that is not authenticated"
_CROSS = "a request mixing the two known users' identifiers and tokens"
_FAMILIES = {
    Kind.USER_AUTH: USER_AUTH_FAMILIES,
    Kind.PARTNER_AUTH: PARTNER_AUTH_FAMILIES,
    Kind.CROSS_USER: USER_AUTH_FAMILIES,
}
_CALL = Request("POST", "http://h/api/v4/request", {}, b"{}")
_API_KEY, _TOKEN = "k-1234", "t-5678"
_SECRETS = (("the API key", _API_KEY), ("the known user's token", _TOKEN))

# Sessions: two named by their external-session-id, one by station, connector and start (D41).
_A: dict[str, Any] = {"external-session-id": "A-1", "cost": "1.00"}
_B: dict[str, Any] = {"external-session-id": "B-1", "cost": "2.00"}
_START = "2024-01-01T10:00:00Z"
_AT_STATION: dict[str, Any] = {
    "charging-station-id": 1,
    "connector-id": 2,
    "session-interval": {"start": _START},
}
_NAMED_AT_STATION = {"charging-station-id": 1, "connector-id": 2, "session-interval.start": _START}
_FINISHED: dict[str, Any] = {
    **_AT_STATION,
    "session-interval": {"start": _START, "end": "2024-01-01T11:00:00Z"},
    "cost": "1.00",
}


def _answer(*sessions: Any, code: int = 0) -> dict[str, Any]:
    return {"result": {"code": code}, "user": {"sessions": list(sessions)}}


def _session(**fields: Any) -> dict[str, Any]:
    return _answer(fields)


def _changed(session: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {**session, **{key.replace("_", "-"): value for key, value in fields.items()}}


@dataclass(frozen=True)
class Row:
    """One exchange and what one check finds in it."""

    check: str  # the check's name, as a report prints it
    kind: Kind
    status: int
    body: Any  # the answer's JSON body (``raw`` instead, when given)
    expected: list[Finding]
    raw: bytes | None = None
    content_type: str = "application/json"
    request: Request = _CALL
    user: User | None = User.KNOWN  # Expect.user: whose sessions the request asks for or may get
    answers: dict[User, list[list[Any]]] = field(default_factory=dict)  # each user answered so far
    secrets: tuple[tuple[str, str], ...] = ()
    error: str = ""  # set: no answer came
    retries: int = 0
    profile: str = "strict"

    def context(self) -> Context:
        context = Context(self.profile, secrets=self.secrets)
        for user, answers in self.answers.items():
            for sessions in answers:
                context.remember(sessions, user)
        return context

    def exchange(self) -> Exchange:
        expect = Expect(self.kind, _FAMILIES.get(self.kind, ANY_ERROR_FAMILIES), self.user)
        case = Case("edge", "edge", {}, b"{}", expect)
        raw = json.dumps(self.body).encode() if self.raw is None else self.raw
        status = 0 if self.error else self.status
        headers = {"Content-Type": self.content_type} if self.content_type else {}
        response = Response(status, headers, raw, 0.01, self.error, self.retries)
        return Exchange(case, self.request, response)


def _token_in_body(body: Any, path: str, raw: bytes | None = None) -> Row:
    """A request that sent the API key, answered with the known user's token in its body at ``path``."""
    disclosed = "the answer discloses the known user's token in its body to a request that did not send it"
    key_sent = Request("POST", _CALL.url, {"Authorization": f"key={_API_KEY}"}, b"{}")
    return Row(
        "secrets-not-disclosed",
        Kind.KNOWN,
        200,
        body,
        [Finding(disclosed, path, REDACTED)],
        raw=raw,
        request=key_sent,
        secrets=_SECRETS,
    )


def _finished_changed(key: str, now: Any, said: str) -> Row:
    """The known user's finished session answered again with ``key`` changed to ``now``; ``said``: how
    the warning writes the value before and after."""
    return Row(
        "finished-sessions-stable",
        Kind.KNOWN,
        200,
        _answer({**_FINISHED, key: now}),
        [
            Finding(
                "a finished session (charging-station-id 1, connector-id 2, session-interval.start "
                f"{_START}) changed its {key} between two answers to the known user's same request: "
                f"{said} (D44)",
                f"$.user.sessions[0].{key}",
                now,
                warning=True,
            )
        ],
        answers={User.KNOWN: [[_FINISHED]]},
    )


ROWS: dict[str, Row] = {
    # --- robustness
    "no answer names why": Row(
        "server-answers", Kind.KNOWN, 0, None, [Finding("timed out")], error="timed out"
    ),
    "a 499 is not a server error": Row("not-a-server-error", Kind.KNOWN, 499, _SUCCESS, []),
    "a 500 is a server error": Row(
        "not-a-server-error",
        Kind.KNOWN,
        500,
        _REFUSED,
        [Finding("HTTP 500 for a request a server must handle")],
    ),
    "a retried server error says how often it was retried": Row(
        "not-a-server-error",
        Kind.KNOWN,
        503,
        _REFUSED,
        [Finding("HTTP 503 (after 2 retries) for a request a server must handle")],
        retries=2,
    ),
    "bad input refused with a 400": Row("bad-input-rejected", Kind.BAD_INPUT, 400, _REFUSED, []),
    "bad input refused with a 499": Row("bad-input-rejected", Kind.BAD_INPUT, 499, {}, []),
    "bad input answered with a 500 is judged elsewhere": Row(
        "bad-input-rejected", Kind.BAD_INPUT, 500, {}, []
    ),
    "bad input refused with 200 and an error code": Row(
        "bad-input-rejected", Kind.BAD_INPUT, 200, _REFUSED, []
    ),
    "bad input answered with 200 and an undocumented code": Row(
        "bad-input-rejected",
        Kind.BAD_INPUT,
        200,
        {"result": {"code": 999}},
        [
            Finding(
                "HTTP 200 without a documented error result code: the request was not rejected", _AT_CODE, 999
            )
        ],
    ),
    "bad input answered as a success": Row(
        "bad-input-rejected",
        Kind.BAD_INPUT,
        200,
        {"result": {"code": 0}},
        [Finding("malformed request answered as a success (HTTP 200)", _AT_CODE, 0)],
    ),
    "bad input answered with sessions": Row(
        "bad-input-rejected",
        Kind.BAD_INPUT,
        400,
        {"result": {"code": 230}, "sessions": []},
        [Finding("malformed request answered as a success with sessions (HTTP 400)", _AT_CODE, 230)],
    ),
    # --- schema
    "an answer that is JSON but not an object": Row(
        "json-body", Kind.KNOWN, 200, [], [Finding("body is a JSON value that is not an object")]
    ),
    "an answer that starts with a byte-order mark": Row(
        "json-body", Kind.KNOWN, 200, None, [Finding(f"body is {_BOM}")], raw=b"\xef\xbb\xbf{}"
    ),
    "a 400 to bad input that does not explain in JSON only warns": Row(
        "json-body",
        Kind.BAD_INPUT,
        400,
        None,
        [Finding(f"HTTP 400 body does not explain in JSON: {_BOM}", warning=True)],
        raw=b"\xef\xbb\xbf{}",
    ),
    "a JSON body sent as text/plain": Row(
        "json-content-type",
        Kind.KNOWN,
        200,
        _SUCCESS,
        [Finding("a JSON body sent with a Content-Type that is not JSON", "Content-Type", "text/plain")],
        content_type="text/plain",
    ),
    "a body without a result": Row(
        "result-code-documented",
        Kind.KNOWN,
        200,
        {"user": {"sessions": []}},
        [Finding("the body has no result", "$.result")],
    ),
    "an undocumented result code": Row(
        "result-code-documented",
        Kind.KNOWN,
        200,
        {"result": {"code": 999}},
        [Finding("result code 999 is not one the protocol documents", _AT_CODE, 999)],
    ),
    "an undocumented result code at a 500 is judged elsewhere": Row(
        "result-code-documented", Kind.KNOWN, 500, {"result": {"code": 999}}, []
    ),
    "an error body that breaks its schema": Row(
        "response-schema",
        Kind.USER_AUTH,
        200,
        {"result": {"code": 145, "message": 5}},
        [Finding("5 is not of type 'string' (response-error, lenient profile)", "$.result.message", 5)],
        profile="lenient",
    ),
    "a body without a result breaks the error schema": Row(
        "response-schema",
        Kind.KNOWN,
        200,
        {},
        [Finding("'result' is a required property (response-error, strict profile)", "$", {})],
    ),
    "a field the spec does not know": Row(
        "unknown-fields",
        Kind.KNOWN,
        200,
        {**_SUCCESS, "x": 1},
        [Finding("unknown field $.x (allowed: tolerant reader, D6)", "$.x", warning=True)],
    ),
    "the largest signed 64-bit id": Row(
        "integers-as-integers", Kind.KNOWN, 200, _session(**{"connector-id": 2**63 - 1}), []
    ),
    "an id one past the largest signed 64-bit integer": Row(
        "integers-as-integers",
        Kind.KNOWN,
        200,
        _answer(1, {"charging-station-id": 2**63}),
        [
            Finding(
                "charging-station-id is not a JSON integer a typed client can read (no fraction, "
                "no exponent, at most 2^63-1)",
                "$.user.sessions[1].charging-station-id",
                2**63,
            )
        ],
    ),
    "ids of a refusal are not judged": Row(
        "integers-as-integers", Kind.KNOWN, 200, _answer({"connector-id": 1.5}, code=145), []
    ),
    # --- the request (recorded traffic)
    "a recorded request sent as text/plain": Row(
        "request-content-type",
        Kind.RECORDED,
        200,
        _SUCCESS,
        [
            Finding(
                "a JSON body sent with a Content-Type that is not JSON",
                "request.headers.Content-Type",
                "text/plain",
            )
        ],
        request=Request("POST", _CALL.url, {"Authorization": "key=k", "content-type": "text/plain"}, b"{}"),
    ),
    "a recorded request without a Content-Type": Row(
        "request-content-type",
        Kind.RECORDED,
        200,
        _SUCCESS,
        [Finding("a JSON body sent with a Content-Type that is not JSON", "request.headers.Content-Type")],
    ),
    "a recorded request that is not UTF-8": Row(
        "request-schema",
        Kind.RECORDED,
        200,
        _SUCCESS,
        [
            Finding(
                "the request body is not UTF-8: 'utf-8' codec can't decode byte 0xff in position 0: "
                "invalid start byte",
                "request.body",
            )
        ],
        request=Request("POST", _CALL.url, {}, b"\xff"),
    ),
    "a recorded request with a number for an identifier": Row(
        "request-schema",
        Kind.RECORDED,
        200,
        _SUCCESS,
        [
            Finding(
                "request: 5 is not of type 'string' (lenient profile)",
                "$.user-get-recent-sessions.user.identifier",
                5,
            )
        ],
        request=Request(
            "POST",
            _CALL.url,
            {},
            b'{"user-get-recent-sessions": {"user": {"identifier-type": "rfid", "identifier": 5}}}',
        ),
        profile="lenient",
    ),
    # --- success path
    "success with HTTP 201 for the known-good user": Row(
        "success-answered",
        Kind.KNOWN,
        201,
        _SUCCESS,
        [Finding("HTTP 201 for the known-good user, expected 200")],
    ),
    "the known-good user refused, sessions not a list": Row(
        "success-answered",
        Kind.KNOWN,
        200,
        {"result": {"code": 145}, "user": {"sessions": "none"}},
        [
            Finding("result.code is not the integer 0", _AT_CODE, 145),
            Finding("user.sessions is not a list", _AT_SESSIONS, "none"),
        ],
    ),
    # --- semantics: one spec invariant
    "negative energy in a success": Row(
        "energy-not-negative",
        Kind.KNOWN,
        200,
        _session(**{"energy-consumed": -1}),
        [Finding("-1 is negative", "$.user.sessions[0].energy-consumed", -1)],
    ),
    "negative energy in a refusal is not judged": Row(
        "energy-not-negative", Kind.KNOWN, 200, _answer({"energy-consumed": -1}, code=145), []
    ),
    # --- consistency
    "success without sessions at a 499": Row(
        "code-zero-iff-sessions",
        Kind.KNOWN,
        499,
        {"result": {"code": 0}},
        [Finding("result code 0 without user.sessions", _AT_SESSIONS)],
    ),
    "success without sessions at a 500 is judged elsewhere": Row(
        "code-zero-iff-sessions", Kind.KNOWN, 500, {"result": {"code": 0}}, []
    ),
    "a refusal with sessions": Row(
        "code-zero-iff-sessions",
        Kind.USER_AUTH,
        200,
        _answer(code=145),
        [Finding("result code 145 with sessions: an error body never carries sessions", _AT_SESSIONS, [])],
    ),
    "success with HTTP 201": Row(
        "status-matches-result",
        Kind.KNOWN,
        201,
        _SUCCESS,
        [Finding("result code 0 with HTTP 201; success is HTTP 200", _AT_CODE, 0)],
    ),
    "a finished session changed its cost": _finished_changed("cost", "2.00", '"1.00", then "2.00"'),
    "a finished session changed its end": _finished_changed(
        "session-interval",
        {"start": _START, "end": "2024-01-01T12:00:00Z"},
        f'{{"start": "{_START}", "end": "2024-01-01T11:00:00Z"}}, '
        f'then {{"start": "{_START}", "end": "2024-01-01T12:00:00Z"}}',
    ),
    "energy written as a number, then as a string of the same value": Row(
        "finished-sessions-stable",
        Kind.KNOWN,
        200,
        _answer(_changed(_FINISHED, energy_consumed="0.1")),
        [],
        answers={User.KNOWN: [[_changed(_FINISHED, energy_consumed=0.1)]]},
    ),
    "a refusal carrying a changed session is not judged": Row(
        "finished-sessions-stable",
        Kind.KNOWN,
        200,
        _answer(_changed(_FINISHED, cost="2.00"), code=145),
        [],
        answers={User.KNOWN: [[_FINISHED]]},
    ),
    "a session that is not an object is not judged": Row(
        "finished-sessions-stable", Kind.KNOWN, 200, _answer(1), [], answers={User.KNOWN: [[_FINISHED]]}
    ),
    "a finished session of another name is not a change": Row(
        "finished-sessions-stable",
        Kind.KNOWN,
        200,
        _answer(_changed(_FINISHED, charging_station_id=9, cost="2.00")),
        [],
        answers={User.KNOWN: [[_FINISHED]]},
    ),
    # --- authentication
    "a user refused with a 500 is judged elsewhere": Row(
        "user-auth-refused", Kind.USER_AUTH, 500, _SUCCESS, []
    ),
    "a user refused with 145": Row("user-auth-refused", Kind.USER_AUTH, 499, _REFUSED, []),
    "a user answered with result code 0": Row(
        "user-auth-refused",
        Kind.USER_AUTH,
        200,
        {"result": {"code": 0}},
        [Finding(f"{_NOT_AUTHENTICATED} was answered with result code 0 (HTTP 200)", _AT_CODE, 0)],
    ),
    "a user refused, but with sessions": Row(
        "user-auth-refused",
        Kind.USER_AUTH,
        200,
        _answer(code=145),
        [Finding(f"{_NOT_AUTHENTICATED} was answered with sessions (HTTP 200)", _AT_CODE, 145)],
    ),
    "a user refused without a result code": Row(
        "user-auth-refused",
        Kind.USER_AUTH,
        401,
        {},
        [Finding(f"{_NOT_AUTHENTICATED}: HTTP 401 without a result code", _AT_CODE)],
    ),
    "a user refused with a partner-auth code": Row(
        "user-auth-refused",
        Kind.USER_AUTH,
        200,
        {"result": {"code": 210}},
        [
            Finding(
                f"{_NOT_AUTHENTICATED}: result code 210 is not of the families ['general', 'user-auth']",
                _AT_CODE,
                210,
            )
        ],
    ),
    "a request without a valid API key answered with result code 0": Row(
        "partner-auth-refused",
        Kind.PARTNER_AUTH,
        200,
        {"result": {"code": 0}},
        [
            Finding(
                "a request without a valid API key was answered with result code 0 (HTTP 200)", _AT_CODE, 0
            )
        ],
    ),
    "cross-user refused with a partner-auth code": Row(
        "cross-user-auth-refused",
        Kind.CROSS_USER,
        200,
        {"result": {"code": 210}},
        [
            Finding(
                f"{_CROSS}: result code 210 is not of the families ['general', 'user-auth']", _AT_CODE, 210
            )
        ],
    ),
    "cross-user answered with the other user's sessions where the owner's are tolerated": Row(
        "cross-user-auth-refused",
        Kind.CROSS_USER,
        200,
        _answer(_B),
        [
            Finding(
                f"{_CROSS} was answered with the second user's sessions (HTTP 200); only the known user's "
                "own sessions or a refusal may answer it",
                _AT_SESSIONS,
                [_B],
            )
        ],
        answers={User.KNOWN: [[_A]], User.SECOND: [[_B]]},
    ),
    "cross-user answered with no one's sessions": Row(
        "cross-user-auth-refused",
        Kind.CROSS_USER,
        200,
        _answer(_changed(_B, external_session_id="C-1")),
        [
            Finding(
                f"{_CROSS} was answered with sessions (HTTP 200); only a refusal may answer it",
                _AT_SESSIONS,
                [_changed(_B, external_session_id="C-1")],
            )
        ],
        user=None,
        answers={User.KNOWN: [[_A]], User.SECOND: [[_B]]},
    ),
    "cross-user answered with an empty list the second user was answered with": Row(
        "cross-user-auth-refused",
        Kind.CROSS_USER,
        200,
        _answer(),
        [
            Finding(
                f"{_CROSS} was answered with sessions (HTTP 200); only a refusal may answer it",
                _AT_SESSIONS,
                [],
            )
        ],
        user=None,
        answers={User.KNOWN: [[_A]], User.SECOND: [[]]},
    ),
    "cross-user answered with result code 0 and no sessions": Row(
        "cross-user-auth-refused",
        Kind.CROSS_USER,
        200,
        {"result": {"code": 0}},
        [
            Finding(
                f"{_CROSS} was answered with result code 0 (HTTP 200); only the known user's own sessions or "
                "a refusal may answer it",
                _AT_CODE,
                0,
            )
        ],
        answers={User.KNOWN: [[_A]]},
    ),
    "cross-user answered with the owner's own sessions where tolerated": Row(
        "cross-user-auth-refused", Kind.CROSS_USER, 200, _answer(_A), [], answers={User.KNOWN: [[_A]]}
    ),
    "a lenient request answered before any known-user answer": Row(
        "no-foreign-data",
        Kind.LENIENT,
        200,
        _answer(_A),
        [Finding("cannot tell whose sessions these are (no successful known-user answer)", warning=True)],
    ),
    "a lenient request answered with some of the known user's sessions": Row(
        "no-foreign-data", Kind.LENIENT, 200, _answer(_A), [], answers={User.KNOWN: [[_A, _B]]}
    ),
    "a lenient request answered with no sessions while the known user has some": Row(
        "no-foreign-data",
        Kind.LENIENT,
        200,
        _answer(),
        [
            Finding(
                "answered with no sessions while the known user has some: a success for a user that does "
                "not exist, or for another user without sessions",
                _AT_SESSIONS,
                [],
            )
        ],
        answers={User.KNOWN: [[_A]]},
    ),
    "a lenient request answered with no sessions, as the known user was": Row(
        "no-foreign-data", Kind.LENIENT, 200, _answer(), [], answers={User.KNOWN: [[]]}
    ),
    "a lenient request answered with another user's sessions at the top level": Row(
        "no-foreign-data",
        Kind.LENIENT,
        200,
        {"result": {"code": 0}, "sessions": [_B]},
        [
            Finding(
                "answered with sessions that are not the known user's: another user's data, or a success "
                "for a user that does not exist",
                "$.sessions",
                [_B],
            )
        ],
        answers={User.KNOWN: [[_A]]},
    ),
    "the known user's session with its object's keys in another order": Row(
        "no-foreign-data",
        Kind.LENIENT,
        200,
        _answer(_changed(_A, tariff={"b": 1, "a": 2})),
        [],
        answers={User.KNOWN: [[_changed(_A, tariff={"a": 2, "b": 1})]]},
    ),
    "sessions that are not objects, and not the known user's": Row(
        "no-foreign-data",
        Kind.LENIENT,
        200,
        _answer(2),
        [
            Finding(
                "answered with sessions that are not the known user's: another user's data, or a success "
                "for a user that does not exist",
                _AT_SESSIONS,
                [2],
            )
        ],
        answers={User.KNOWN: [[1]]},
    ),
    "sessions that are not objects, the known user's with keys in another order": Row(
        "no-foreign-data",
        Kind.LENIENT,
        200,
        _answer([{"b": 1, "a": 2}]),
        [],
        answers={User.KNOWN: [[[{"a": 2, "b": 1}]]]},
    ),
    "the known user's answer while the other's were in flight, before any answer to it alone": Row(
        "answer-belongs-to-asker",
        Kind.CONCURRENT,
        200,
        _answer(_A),
        [Finding("cannot tell whose sessions these are (no answer to the known user alone)", warning=True)],
    ),
    "the known user answered with the second user's sessions while both were in flight": Row(
        "answer-belongs-to-asker",
        Kind.CONCURRENT,
        200,
        _answer(_B),
        [
            Finding(
                "the known user's request, sent while the second user's were in flight, was answered with "
                "the second user's sessions",
                _AT_SESSIONS,
                [_B],
            )
        ],
        answers={User.KNOWN: [[_A]], User.SECOND: [[_B]]},
    ),
    "the known user answered with sessions no one was answered with while both were in flight": Row(
        "answer-belongs-to-asker",
        Kind.CONCURRENT,
        200,
        _answer(_B),
        [
            Finding(
                "the known user's request, sent while the second user's were in flight, was answered with "
                "sessions the known user was never answered with",
                _AT_SESSIONS,
                [_B],
            )
        ],
        answers={User.KNOWN: [[_A]]},
    ),
    "another method answered with result code 0": Row(
        "not-the-call-no-data",
        Kind.DENIED,
        200,
        {"result": {"code": 0}},
        [
            Finding(
                "GET http://h/api/v4/request is not the call, yet it was answered with result code 0 "
                "(HTTP 200)",
                _AT_CODE,
                0,
            )
        ],
        request=Request("GET", "http://h/api/v4/request?x=1", {}, b""),
    ),
    "another path answered with sessions": Row(
        "not-the-call-no-data",
        Kind.DENIED,
        404,
        _answer(code=102),
        [
            Finding(
                "POST http://h/api/v4/request/x is not the call, yet it was answered with sessions "
                "(HTTP 404)",
                _AT_CODE,
                102,
            )
        ],
        request=Request("POST", "http://h/api/v4/request/x", {}, b"{}"),
    ),
    "a session the second user was answered with, named by its external-session-id": Row(
        "no-cross-user-data",
        Kind.KNOWN,
        200,
        _answer(_A, _B),
        [
            Finding(
                "the known user was answered with a session the second user was answered with too (the same "
                "external-session-id)",
                "$.user.sessions[1]",
                {"external-session-id": "B-1"},
            )
        ],
        answers={User.SECOND: [[_B]]},
    ),
    "a session the second user was answered with, its start written at another offset": Row(
        "no-cross-user-data",
        Kind.KNOWN,
        200,
        _answer(_A, _changed(_AT_STATION, session_interval={"start": "2024-01-01t11:00:00+01:00"})),
        [
            Finding(
                "the known user was answered with a session the second user was answered with too (the same "
                "charging-station-id, connector-id, session-interval.start)",
                "$.user.sessions[1]",
                {**_NAMED_AT_STATION, "session-interval.start": "2024-01-01t11:00:00+01:00"},
            )
        ],
        answers={User.SECOND: [[_AT_STATION]]},
    ),
    "a session start without an offset is no instant: written otherwise, it is another session": Row(
        "no-cross-user-data",
        Kind.KNOWN,
        200,
        _answer(_changed(_AT_STATION, session_interval={"start": "2024-01-01T10:00:00.000"})),
        [],
        answers={User.SECOND: [[_changed(_AT_STATION, session_interval={"start": "2024-01-01T10:00:00"})]]},
    ),
    "an external-session-id that is not a string does not name a session": Row(
        "no-cross-user-data",
        Kind.KNOWN,
        200,
        _answer(_changed(_AT_STATION, external_session_id=6)),
        [
            Finding(
                "the known user was answered with a session the second user was answered with too (the same "
                "charging-station-id, connector-id, session-interval.start)",
                "$.user.sessions[0]",
                _NAMED_AT_STATION,
            )
        ],
        answers={User.SECOND: [[_changed(_AT_STATION, external_session_id=5)]]},
    ),
    "a station id written as an object with its keys in another order": Row(
        "no-cross-user-data",
        Kind.KNOWN,
        200,
        _answer(_changed(_AT_STATION, charging_station_id={"b": 1, "a": 2})),
        [
            Finding(
                "the known user was answered with a session the second user was answered with too (the same "
                "charging-station-id, connector-id, session-interval.start)",
                "$.user.sessions[0]",
                {**_NAMED_AT_STATION, "charging-station-id": {"b": 1, "a": 2}},
            )
        ],
        answers={User.SECOND: [[_changed(_AT_STATION, charging_station_id={"a": 2, "b": 1})]]},
    ),
    "a station alone does not name a session": Row(
        "no-cross-user-data",
        Kind.KNOWN,
        200,
        _answer({"charging-station-id": 1}),
        [],
        answers={User.SECOND: [[{"charging-station-id": 1}]]},
    ),
    "a session interval that is not an object names no start": Row(
        "no-cross-user-data",
        Kind.KNOWN,
        200,
        _answer(_changed(_AT_STATION, session_interval="x")),
        [],
        answers={User.SECOND: [[_changed(_AT_STATION, session_interval="x")]]},
    ),
    "a refusal carrying the second user's session is not judged": Row(
        "no-cross-user-data",
        Kind.KNOWN,
        200,
        _answer(_AT_STATION, code=145),
        [],
        answers={User.SECOND: [[_AT_STATION]]},
    ),
    "a token the request did not send, in the body, while the API key it sent is not a leak": _token_in_body(
        {"result": {"code": 145, "message": f"expected {_API_KEY} and {_TOKEN}"}}, "$.result.message"
    ),
    "a token in a list of the body": _token_in_body(
        {"result": {"code": 145}, "problems": [_TOKEN]}, "$.problems[0]"
    ),
    "a token in a JSON body that is not an object is reported at its root": _token_in_body([_TOKEN], "$"),
    "a token in a body that is not UTF-8": _token_in_body(None, "$", raw=b"\xff " + _TOKEN.encode()),
}


@pytest.mark.parametrize("row", ROWS.values(), ids=ROWS.keys())
def test_check_at_its_edge(row: Row) -> None:
    check = next(check for check in CHECKS if check.name == row.check)
    assert list(check.function(row.context(), row.exchange())) == row.expected


def test_an_invariant_check_is_named_after_its_invariant_and_judges_successes() -> None:
    made = checks._invariant(spec.invariants.energy_not_negative, "a rule")
    assert (made.name, made.family, made.rule, made.kinds, made.needs_answer, made.needs, made.groups) == (
        "energy-not-negative",
        "semantics",
        "a rule",
        frozenset(Kind) - {Kind.DENIED},
        True,
        None,
        None,
    )
    assert made.function.__name__ == "energy_not_negative"
    row = ROWS["negative energy in a success"]
    assert list(made.function(row.context(), row.exchange())) == row.expected


def test_response_schema_leaves_a_5xx_to_not_a_server_error() -> None:
    body = {"result": {"code": 0}}  # no user.sessions: the success schema fails it
    assert (
        list(
            checks.response_schema(
                Context("strict"), Row("response-schema", Kind.KNOWN, 500, body, []).exchange()
            )
        )
        == []
    )
    found = list(
        checks.response_schema(
            Context("strict"), Row("response-schema", Kind.KNOWN, 499, body, []).exchange()
        )
    )
    assert found and all(finding.path.startswith("$") for finding in found)


# (latency budget in ms, answer times in s, findings expected)
LATENCY_CASES: list[tuple[float | None, list[float], list[Finding]]] = [
    (None, [0.5], []),
    (100, [], []),
    (200, [0.2] * 20, []),
    (
        10,
        [0.001] * 18 + [0.01234, 0.5],  # the 19th of 20 answers is the 95th percentile (nearest rank)
        [
            Finding(
                "the known-good answers' 95th percentile took 12 ms over 20 answers, above "
                "--latency-budget 10 ms",
                "p95_ms",
                12.3,
            )
        ],
    ),
    (
        100,
        [0.2] * 20,
        [
            Finding(
                "the known-good answers' 95th percentile took 200 ms over 20 answers, above "
                "--latency-budget 100 ms",
                "p95_ms",
                200.0,
            )
        ],
    ),
]


@pytest.mark.parametrize(("budget", "latencies", "expected"), LATENCY_CASES)
def test_known_good_latency_at_its_budget(
    budget: float | None, latencies: list[float], expected: list[Finding]
) -> None:
    context = Context("strict", latency_budget=budget, known_latencies=latencies)
    assert (
        list(
            checks.known_good_latency(
                context, Row("known-good-latency", Kind.KNOWN, 200, _SUCCESS, []).exchange()
            )
        )
        == expected
    )


def test_a_check_judges_only_its_groups_and_unanswered_requests_only_if_it_says_so() -> None:
    answered = Row("known-good-latency", Kind.KNOWN, 200, _SUCCESS, []).exchange()
    unanswered = Exchange(answered.case, answered.request, Response(0, {}, b"", 1.0, "timed out"))
    grouped = checks.Check(
        "grouped", "robustness", "a rule", checks.server_answers, groups=frozenset({"other"})
    )
    everywhere = checks.Check("everywhere", "robustness", "a rule", checks.server_answers, needs_answer=False)
    answers_only = checks.Check("answers-only", "robustness", "a rule", checks.server_answers)
    assert not grouped.applies(answered)
    assert everywhere.applies(unanswered) and everywhere.applies(answered)
    assert not answers_only.applies(unanswered) and answers_only.applies(answered)
