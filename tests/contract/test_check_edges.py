"""Checks at the edges of their rules: a table of answers, each with the exact findings expected.

The recorded exchanges (test_checks.py) say which checks fail; these rows pin where a rule's bound
lies (a 5xx is judged by not-a-server-error alone, D28; 2^63-1 is the last integer a typed client
reads, D34) and what a finding says, where it points and which value it quotes.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from contract_tests import checks
from contract_tests.checks import CheckFunction, Context
from contract_tests.model import (
    USER_AUTH_FAMILIES,
    Case,
    Exchange,
    Expect,
    Finding,
    Kind,
    Request,
    Response,
)

_SUCCESS: dict[str, Any] = {"result": {"code": 0}, "user": {"sessions": []}}
_REFUSED: dict[str, Any] = {"result": {"code": 145}}
_AT_CODE = "$.result.code"
_NOT_AUTHENTICATED = "a request for a user that is not authenticated"


def _exchange(kind: Kind, status: int, body: Any, retries: int = 0) -> Exchange:
    families = USER_AUTH_FAMILIES if kind is Kind.USER_AUTH else Expect(kind).families
    case = Case("edge", "edge", {}, b"{}", Expect(kind, families))
    response = Response(
        status, {"Content-Type": "application/json"}, json.dumps(body).encode(), 0.01, "", retries
    )
    return Exchange(case, Request("POST", "http://h/api/v4/request", {}, b"{}"), response)


def _session(**fields: Any) -> dict[str, Any]:
    return {"result": {"code": 0}, "user": {"sessions": [fields]}}


# (id, check, kind, status, body, findings expected)
CASES: list[tuple[str, CheckFunction, Kind, int, Any, list[Finding]]] = [
    ("a 499 is not a server error", checks.not_a_server_error, Kind.KNOWN, 499, _SUCCESS, []),
    (
        "a 500 is a server error",
        checks.not_a_server_error,
        Kind.KNOWN,
        500,
        _REFUSED,
        [Finding("HTTP 500 for a request a server must handle")],
    ),
    ("bad input refused with a 400", checks.bad_input_rejected, Kind.BAD_INPUT, 400, _REFUSED, []),
    ("bad input refused with a 499", checks.bad_input_rejected, Kind.BAD_INPUT, 499, {}, []),
    (
        "bad input answered with a 500 is judged elsewhere",
        checks.bad_input_rejected,
        Kind.BAD_INPUT,
        500,
        {},
        [],
    ),
    (
        "bad input refused with 200 and an error code",
        checks.bad_input_rejected,
        Kind.BAD_INPUT,
        200,
        _REFUSED,
        [],
    ),
    (
        "bad input answered with 200 and an undocumented code",
        checks.bad_input_rejected,
        Kind.BAD_INPUT,
        200,
        {"result": {"code": 999}},
        [
            Finding(
                "HTTP 200 without a documented error result code: the request was not rejected", _AT_CODE, 999
            )
        ],
    ),
    (
        "bad input answered as a success",
        checks.bad_input_rejected,
        Kind.BAD_INPUT,
        200,
        {"result": {"code": 0}},
        [Finding("malformed request answered as a success (HTTP 200)", _AT_CODE, 0)],
    ),
    (
        "bad input answered with sessions",
        checks.bad_input_rejected,
        Kind.BAD_INPUT,
        400,
        {"result": {"code": 230}, "sessions": []},
        [Finding("malformed request answered as a success with sessions (HTTP 400)", _AT_CODE, 230)],
    ),
    (
        "a user refused with a 500 is judged elsewhere",
        checks.user_auth_refused,
        Kind.USER_AUTH,
        500,
        _SUCCESS,
        [],
    ),
    ("a user refused with 145", checks.user_auth_refused, Kind.USER_AUTH, 499, _REFUSED, []),
    (
        "a user answered with result code 0",
        checks.user_auth_refused,
        Kind.USER_AUTH,
        200,
        {"result": {"code": 0}},
        [Finding(f"{_NOT_AUTHENTICATED} was answered with result code 0 (HTTP 200)", _AT_CODE, 0)],
    ),
    (
        "a user refused, but with sessions",
        checks.user_auth_refused,
        Kind.USER_AUTH,
        200,
        {"result": {"code": 145}, "user": {"sessions": []}},
        [Finding(f"{_NOT_AUTHENTICATED} was answered with sessions (HTTP 200)", _AT_CODE, 145)],
    ),
    (
        "a user refused without a result code",
        checks.user_auth_refused,
        Kind.USER_AUTH,
        401,
        {},
        [Finding(f"{_NOT_AUTHENTICATED}: HTTP 401 without a result code", _AT_CODE, None)],
    ),
    (
        "a user refused with a partner-auth code",
        checks.user_auth_refused,
        Kind.USER_AUTH,
        200,
        {"result": {"code": 210}},
        [
            Finding(
                f"{_NOT_AUTHENTICATED}: result code 210 is not of the families {sorted(USER_AUTH_FAMILIES)}",
                _AT_CODE,
                210,
            )
        ],
    ),
    (
        "the largest signed 64-bit id",
        checks.integers_as_integers,
        Kind.KNOWN,
        200,
        _session(**{"connector-id": 2**63 - 1}),
        [],
    ),
    (
        "an id one past the largest signed 64-bit integer",
        checks.integers_as_integers,
        Kind.KNOWN,
        200,
        {"result": {"code": 0}, "user": {"sessions": [1, {"charging-station-id": 2**63}]}},
        [
            Finding(
                "charging-station-id is not a JSON integer a typed client can read (no fraction, "
                "no exponent, at most 2^63-1)",
                "$.user.sessions[1].charging-station-id",
                2**63,
            )
        ],
    ),
    (
        "ids of a refusal are not judged",
        checks.integers_as_integers,
        Kind.KNOWN,
        200,
        {"result": {"code": 145}, "user": {"sessions": [{"connector-id": 1.5}]}},
        [],
    ),
    (
        "success without sessions at a 499",
        checks.code_zero_iff_sessions,
        Kind.KNOWN,
        499,
        {"result": {"code": 0}},
        [Finding("result code 0 without user.sessions", "$.user.sessions", None)],
    ),
    (
        "success without sessions at a 500 is judged elsewhere",
        checks.code_zero_iff_sessions,
        Kind.KNOWN,
        500,
        {"result": {"code": 0}},
        [],
    ),
    (
        "success with HTTP 201",
        checks.status_matches_result,
        Kind.KNOWN,
        201,
        _SUCCESS,
        [Finding("result code 0 with HTTP 201; success is HTTP 200", _AT_CODE, 0)],
    ),
    (
        "negative energy in a success",
        checks.CHECKS[[c.name for c in checks.CHECKS].index("energy-not-negative")].function,
        Kind.KNOWN,
        200,
        _session(**{"energy-consumed": -1}),
        [Finding("-1 is negative", "$.user.sessions[0].energy-consumed", -1)],
    ),
    (
        "negative energy in a refusal is not judged",
        checks.CHECKS[[c.name for c in checks.CHECKS].index("energy-not-negative")].function,
        Kind.KNOWN,
        200,
        {"result": {"code": 145}, "user": {"sessions": [{"energy-consumed": -1}]}},
        [],
    ),
]


@pytest.mark.parametrize(
    ("check", "kind", "status", "body", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_check_at_its_edge(
    check: CheckFunction, kind: Kind, status: int, body: Any, expected: list[Finding]
) -> None:
    assert list(check(Context("strict"), _exchange(kind, status, body))) == expected


def test_a_retried_server_error_says_how_often_it_was_retried() -> None:
    exchange = _exchange(Kind.KNOWN, 503, _REFUSED, retries=2)
    assert list(checks.not_a_server_error(Context("strict"), exchange)) == [
        Finding("HTTP 503 (after 2 retries) for a request a server must handle")
    ]


def test_response_schema_leaves_a_5xx_to_not_a_server_error() -> None:
    body = {"result": {"code": 0}}  # no user.sessions: the success schema fails it
    assert list(checks.response_schema(Context("strict"), _exchange(Kind.KNOWN, 500, body))) == []
    found = list(checks.response_schema(Context("strict"), _exchange(Kind.KNOWN, 499, body)))
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
    assert list(checks.known_good_latency(context, _exchange(Kind.KNOWN, 200, _SUCCESS))) == expected


def test_a_check_judges_only_its_groups_and_unanswered_requests_only_if_it_says_so() -> None:
    answered = _exchange(Kind.KNOWN, 200, _SUCCESS)
    unanswered = Exchange(answered.case, answered.request, Response(0, {}, b"", 1.0, "timed out"))
    grouped = checks.Check(
        "grouped", "robustness", "a rule", checks.server_answers, groups=frozenset({"other"})
    )
    everywhere = checks.Check("everywhere", "robustness", "a rule", checks.server_answers, needs_answer=False)
    answers_only = checks.Check("answers-only", "robustness", "a rule", checks.server_answers)
    assert not grouped.applies(answered)
    assert everywhere.applies(unanswered) and everywhere.applies(answered)
    assert not answers_only.applies(unanswered) and answers_only.applies(answered)
