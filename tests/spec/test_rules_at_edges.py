"""Each rule of spec/invariants.py and spec/answer_rules.py, and the strict JSON reader, at its edges.

Tables of answers just inside and just outside each bound, with the exact problems expected (path,
message, keyword): a rule that moves its bound by one, or reports elsewhere or in other words, fails
here. `make mutation` runs these tests against every mutant of those modules.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from spec import NOT_JSON, answer_rules, invariants, parse_json
from spec._problems import Problem

T0 = "2014-06-23T10:00:00Z"
T1 = "2014-06-23T10:00:01Z"  # one second after T0
T2 = "2014-06-23T11:00:00Z"


def _body(*sessions: dict[str, Any]) -> dict[str, Any]:
    return {"result": {"code": 0, "message": "Success."}, "user": {"sessions": list(sessions)}}


def _intervals(
    session: tuple[str | None, str | None], charging: tuple[str | None, str | None]
) -> dict[str, Any]:
    return {
        "session-interval": {"start": session[0], "end": session[1]},
        "charging-interval": {"start": charging[0], "end": charging[1]},
    }


def _at(path: str) -> str:
    return f"$.user.sessions[0].{path}"


# (id, rule, body, problems expected)
INVARIANT_CASES: list[tuple[str, invariants.Invariant, Any, list[Problem]]] = [
    (
        "an interval whose ends are equal is in order",
        invariants.interval_end_not_before_start,
        _body(_intervals((T0, T0), (T0, T0))),
        [],
    ),
    (
        "an interval ending one second before its start is out of order",
        invariants.interval_end_not_before_start,
        _body(_intervals((T1, T0), (None, None))),
        [Problem(_at("session-interval.end"), f"end {T0} is before start {T1}", "interval-order")],
    ),
    (
        "a charging interval ending before its start is out of order",
        invariants.interval_end_not_before_start,
        _body(_intervals((T0, T2), (T1, T0))),
        [Problem(_at("charging-interval.end"), f"end {T0} is before start {T1}", "interval-order")],
    ),
    (
        "charging that starts in the session's first second is inside it",
        invariants.charging_inside_session,
        _body(_intervals((T0, T2), (T0, T1))),
        [],
    ),
    (
        "charging that ends in the session's last second is inside it",
        invariants.charging_inside_session,
        _body(_intervals((T0, T1), (T0, T1))),
        [],
    ),
    (
        "charging that starts a second before the session is outside it",
        invariants.charging_inside_session,
        _body(_intervals((T1, T2), (T0, T2))),
        [
            Problem(
                _at("charging-interval.start"),
                f"charging start {T0} is before the session started",
                "charging-inside-session",
            )
        ],
    ),
    (
        "charging that ends a second after the session is outside it",
        invariants.charging_inside_session,
        _body(_intervals((T0, T0), (T0, T1))),
        [
            Problem(
                _at("charging-interval.end"),
                f"charging end {T1} is after the session ended",
                "charging-inside-session",
            )
        ],
    ),
    (
        "a charging end is judged when the charging start is missing",
        invariants.charging_inside_session,
        _body(_intervals((T0, T0), (None, T1))),
        [
            Problem(
                _at("charging-interval.end"),
                f"charging end {T1} is after the session ended",
                "charging-inside-session",
            )
        ],
    ),
    ("no energy is not negative", invariants.energy_not_negative, _body({"energy-consumed": 0}), []),
    (
        "energy below zero is negative",
        invariants.energy_not_negative,
        _body({"energy-consumed": -0.5}),
        [Problem(_at("energy-consumed"), "-0.5 is negative", "energy")],
    ),
    (
        "a session without a cost does not hide the next one's",
        invariants.cost_non_negative_decimal,
        _body({}, {"cost": "-1"}),
        [Problem("$.user.sessions[1].cost", "'-1' is not a non-negative decimal string", "cost")],
    ),
    (
        "a session without a currency does not hide the next one's",
        invariants.currency_is_iso4217,
        _body({}, {"currency": "eur"}),
        [Problem("$.user.sessions[1].currency", "'eur' is not an ISO 4217 currency code", "currency")],
    ),
    (
        "an interval with an end and no start",
        invariants.intervals_start_before_they_end,
        _body(_intervals((None, T0), (None, None))),
        [
            Problem(
                _at("session-interval.start"), "session-interval has an end but no start", "start-before-end"
            )
        ],
    ),
    (
        "charging in a session that has no start",
        invariants.intervals_start_before_they_end,
        _body(_intervals((None, None), (T0, None))),
        [
            Problem(
                _at("session-interval.start"),
                "charging started in a session that has no start",
                "start-before-end",
            )
        ],
    ),
    (
        "a session that never charged and has no start yet",
        invariants.intervals_start_before_they_end,
        _body(_intervals((None, None), (None, None))),
        [],
    ),
]


@pytest.mark.parametrize(
    ("rule", "body", "expected"),
    [case[1:] for case in INVARIANT_CASES],
    ids=[case[0] for case in INVARIANT_CASES],
)
def test_invariant_at_its_edge(rule: invariants.Invariant, body: Any, expected: list[Problem]) -> None:
    assert list(rule(body)) == expected


def _status_problem(code: int, status: int) -> list[Problem]:
    if code == 0:
        why = f"result code 0 with HTTP {status}; success is HTTP 200"
    elif code in (200, 230):
        why = f"result code {code} with HTTP {status}; expected 200 or a 4xx"
    elif code in (100, 101, 102):  # a general code may also come with 429 (D7)
        why = f"result code {code} with HTTP {status}; expected one of [200, 400, 401, 403, 404, 429]"
    else:
        why = f"result code {code} with HTTP {status}; expected one of [200, 400, 401, 403, 404]"
    return [Problem("$.result.code", why, "status")]


# (status, result code, whether the pair breaks D7); a 5xx is judged by not-a-server-error (D28).
STATUS_CASES: list[tuple[int, Any, bool]] = [
    (200, 0, False),
    (201, 0, True),
    (499, 0, True),
    (500, 0, False),
    (200, 230, False),
    (399, 230, True),
    (400, 230, False),
    (413, 200, False),
    (499, 230, False),
    (500, 230, False),
    (200, 145, False),
    (400, 145, False),
    (401, 145, False),
    (402, 145, True),
    (403, 210, False),
    (404, 100, False),
    (429, 100, False),  # rate limited: a general code (D7)
    (429, 145, True),  # 429 would hide a refusal the app must act on (D7)
    (402, 101, True),
    (405, 145, True),
    (499, 145, True),
    (500, 145, False),
    (501, 145, False),
    (201, 999, False),  # not a documented code: result-code-documented says it
    (201, True, False),  # a boolean is not a result code
]


@pytest.mark.parametrize(("status", "code", "breaks"), STATUS_CASES)
def test_status_matches_result_at_its_edges(status: int, code: Any, breaks: bool) -> None:
    expected = _status_problem(code, status) if breaks else []
    assert list(answer_rules.status_matches_result(status, code)) == expected


NOT_JSON_TYPE = Problem(
    answer_rules.CONTENT_TYPE_PATH, "a JSON body sent with a Content-Type that is not JSON", "content-type"
)
NOT_UTF8 = Problem(
    answer_rules.CONTENT_TYPE_PATH, "JSON declared in a charset other than UTF-8", "content-type"
)
CONTENT_TYPE_CASES: list[tuple[str, list[Problem]]] = [
    ("application/json", []),
    ("APPLICATION/JSON", []),
    (" application/json ", []),
    ("application/problem+json", []),
    ("application/json; charset=utf-8", []),
    ("application/json;charset=UTF-8", []),
    ("application/json; charset=utf_8", []),
    ("application/json; charset=UTF8", []),
    ('application/json; charset="utf-8"', []),
    ("application/json; version=1", []),
    ("application/json; charset=latin-1", [NOT_UTF8]),
    ("application/jsonp", [NOT_JSON_TYPE]),
    ("text/plain", [NOT_JSON_TYPE]),
    ("", [NOT_JSON_TYPE]),
    ("text/plain; charset=iso-8859-1", [NOT_JSON_TYPE, NOT_UTF8]),
]


@pytest.mark.parametrize(("content_type", "expected"), CONTENT_TYPE_CASES)
def test_json_content_type_at_its_edges(content_type: str, expected: list[Problem]) -> None:
    assert list(answer_rules.json_content_type(content_type)) == expected


def _sessions_problem(path: str, why: str) -> list[Problem]:
    return [Problem(path, why, "sessions")]


_NO_SESSIONS_ON_ERROR = "with sessions: an error body never carries sessions"
SESSIONS_CASES: list[tuple[str, dict[str, Any], list[Problem]]] = [
    ("success with sessions", {"result": {"code": 0}, "user": {"sessions": []}}, []),
    (
        "success with empty error fields",
        {"result": {"code": 0}, "user": {"sessions": []}, "error": "", "problems": []},
        [],
    ),
    (
        "success without sessions",
        {"result": {"code": 0}, "user": {}},
        _sessions_problem("$.user.sessions", "result code 0 without user.sessions"),
    ),
    (
        "success with sessions at the top level",
        {"result": {"code": 0}, "sessions": []},
        _sessions_problem(
            "$.user.sessions", "result code 0 without user.sessions (sessions at the top level instead)"
        ),
    ),
    (
        "success with an error",
        {"result": {"code": 0}, "user": {"sessions": []}, "error": "x"},
        _sessions_problem("$.error", "result code 0 with error: a success that also reports an error"),
    ),
    (
        "success with problems",
        {"result": {"code": 0}, "user": {"sessions": []}, "problems": [{}]},
        _sessions_problem("$.problems", "result code 0 with problems: a success that also reports an error"),
    ),
    ("refusal without sessions", {"result": {"code": 145}}, []),
    ("refusal with a user that is not an object", {"result": {"code": 145}, "user": ["sessions"]}, []),
    (
        "refusal with user.sessions",
        {"result": {"code": 145}, "user": {"sessions": []}},
        _sessions_problem("$.user.sessions", f"result code 145 {_NO_SESSIONS_ON_ERROR}"),
    ),
    (
        "refusal with sessions at the top level",
        {"result": {"code": 145}, "sessions": []},
        _sessions_problem("$.sessions", f"result code 145 {_NO_SESSIONS_ON_ERROR}"),
    ),
    (
        "false is not the success code",
        {"result": {"code": False}, "user": {"sessions": []}},
        _sessions_problem("$.user.sessions", f"result code False {_NO_SESSIONS_ON_ERROR}"),
    ),
    (
        "a result that is not an object has no code",
        {"result": 0, "user": {"sessions": []}},
        _sessions_problem("$.user.sessions", f"result code None {_NO_SESSIONS_ON_ERROR}"),
    ),
]


@pytest.mark.parametrize(
    ("body", "expected"), [case[1:] for case in SESSIONS_CASES], ids=[case[0] for case in SESSIONS_CASES]
)
def test_code_zero_iff_sessions_at_its_edges(body: dict[str, Any], expected: list[Problem]) -> None:
    assert list(answer_rules.code_zero_iff_sessions(body)) == expected


@pytest.mark.parametrize("body", [None, [], "sessions", {"user": ["sessions"]}])
def test_a_body_that_is_not_an_object_carries_no_sessions(body: Any) -> None:
    assert answer_rules.carries_sessions(body) is False
    assert answer_rules.sessions_of(body) is None


_SURROGATE = ", an unpaired surrogate clients read differently (RFC 8259 section 8.2)"
_TOO_DEEP = "not JSON: nested deeper than 100 levels (RFC 8259 section 9)"
_HUGE = "1" + "0" * 400 + ".0"
# (id, bytes, the reason they are not JSON a client can rely on; "" for JSON every client reads alike)
JSON_CASES: list[tuple[str, bytes, str]] = [
    ("an object", b'{"a": [1, "x"]}', ""),
    ("nesting as deep as the limit", b"[" * 100 + b"]" * 100, ""),
    ("more brackets than the limit, none deeper", b"[" * 99 + b"[],[]" + b"]" * 99, ""),
    ("brackets inside a string do not nest", b'"' + b"[" * 101 + b'"', ""),
    ("arrays one level past the limit", b"[" * 101 + b"]" * 101, _TOO_DEEP),
    ("objects one level past the limit", b'{"a":' * 101 + b"1" + b"}" * 101, _TOO_DEEP),
    (
        "a byte-order mark",
        b"\xef\xbb\xbf{}",
        "not JSON: it starts with a byte-order mark (RFC 8259 section 8.1)",
    ),
    ("NaN", b"[NaN]", "not JSON: NaN is not valid JSON"),
    (
        "a number beyond a double",
        _HUGE.encode(),
        f"not JSON: the number {_HUGE[:40]} is out of range for any client (RFC 8259 section 6)",
    ),
    (
        "a key twice",
        b'{"a": 1, "a": 2}',
        "not JSON: the key 'a' appears twice in one object: clients disagree on which counts "
        "(RFC 8259 section 4)",
    ),
    ("a surrogate pair beside other letters", b'"\\ud83d\\ude00 ok"', ""),
    ("the last lone surrogate", b'"\\udfff"', "not JSON: the string at $ holds \\udfff" + _SURROGATE),
    (
        "a lone surrogate in a nested string",
        b'{"a": ["\\ud800"]}',
        "not JSON: the string at $.a[0] holds \\ud800" + _SURROGATE,
    ),
    (
        "a lone surrogate in a nested key",
        b'{"a": {"\\udc00": 1}}',
        "not JSON: a key of the object at $.a holds \\udc00" + _SURROGATE,
    ),
]


@pytest.mark.parametrize(
    ("body", "why"), [case[1:] for case in JSON_CASES], ids=[case[0] for case in JSON_CASES]
)
def test_strict_json_reader_at_its_edges(body: bytes, why: str) -> None:
    value, reason = parse_json(body)
    assert reason == why
    if why:
        assert value is NOT_JSON
    else:
        assert value == json.loads(body)
