"""Every rule the suite enforces: plain functions with one signature, in one list (``CHECKS``).

A check takes the run's ``Context`` and one ``Exchange`` and yields ``Finding``s (none = passed).
Each has a name, the family it belongs to, and the rule it enforces quoted from the document
(docs/user-get-recent-sessions.rst), the protocol's general pages (docs/oioi-transport.md) or
spec/DECISIONS.md (Dn). ``Check.kinds`` lists the case kinds it judges (None = every answer);
``Check.needs_answer`` is False for the one check that also judges requests that got no answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import spec
from contract_tests.config import Config
from contract_tests.latency import percentile
from contract_tests.model import LATENCY_GROUP, Exchange, Finding, Kind, User
from contract_tests.transport import REDACTED
from spec import answer_rules

FAMILIES = ("schema", "semantics", "authentication", "robustness", "consistency")


@dataclass
class Context:
    """What checks may consult besides the exchange: the profile, the secrets, and the sessions each
    known-good user was answered with so far."""

    profile: str
    secrets: tuple[tuple[str, str], ...] = ()  # (what, value): the API key, the known users' tokens
    latency_budget: float | None = None  # milliseconds (--latency-budget)
    known_latencies: list[float] = field(default_factory=list)  # seconds: each known-good answer, in turn
    answers: dict[User, list[list[Any]]] = field(default_factory=dict)  # each user's sessions, in order
    baselines: dict[User, list[list[tuple[str, ...]]]] = field(default_factory=dict)  # their fingerprints

    def remember(self, sessions: Any, user: User = User.KNOWN) -> None:
        """Record ``user``'s sessions (from a success to that user's known-good request)."""
        if isinstance(sessions, list):
            self.answers.setdefault(user, []).append(sessions)
            self.baselines.setdefault(user, []).append(fingerprint(sessions))

    def is_known_data(self, sessions: Any, user: User = User.KNOWN) -> bool | None:
        """Whether ``sessions`` are ``user``'s (None: no baseline to compare with).

        Equal to one answer the user got, or made only of sessions the user was seen with (a
        session may start during the run); empty only if the user's list was empty.
        """
        baselines = self.baselines.get(user)
        if not baselines:
            return None
        if not isinstance(sessions, list):
            return False
        prints = fingerprint(sessions)
        if prints in baselines:
            return True
        seen = {one for baseline in baselines for one in baseline}
        return bool(prints) and all(one in seen for one in prints)

    def whose(self, sessions: Any) -> User | None:
        """The known-good user these sessions belong to, if any (not a list or empty: None)."""
        if not isinstance(sessions, list) or not sessions:
            return None
        return next((user for user in User if self.is_known_data(sessions, user)), None)


# Fields a server may compute from its clock (a session in progress grows in energy and cost).
_MOVING_FIELDS = frozenset(
    {"request-sent", "session-interval", "charging-interval", "energy-consumed", "cost"}
)


def fingerprint(sessions: list[Any]) -> list[tuple[str, ...]]:
    """Sessions without the fields that move with the clock; nulls equal omissions (D5)."""
    prints = []
    for session in sessions:
        if isinstance(session, dict):
            kept = sorted(
                f"{key}={json.dumps(value, sort_keys=True)}"
                for key, value in session.items()
                if key not in _MOVING_FIELDS and value is not None
            )
            prints.append(tuple(kept))
        else:
            prints.append((json.dumps(session, sort_keys=True),))
    return sorted(prints)


def _instant(value: Any) -> Any:
    """A date-time as a point in time (D3: instants are compared across offsets); other values as given."""
    if not isinstance(value, str):
        return value
    try:
        moment = datetime.fromisoformat(value.upper())
    except ValueError:
        return value
    return moment.timestamp() if moment.tzinfo is not None else value


def identifying_fields(session: Any) -> dict[str, Any] | None:
    """The fields that name a session (D41), as the answer wrote them: its external-session-id; without
    one, its charging station, connector and session start. None when a session has neither."""
    if not isinstance(session, dict):
        return None
    external = session.get("external-session-id")
    if isinstance(external, str) and external:
        return {"external-session-id": external}
    interval = session.get("session-interval")
    start = interval.get("start") if isinstance(interval, dict) else None
    named = {
        "charging-station-id": session.get("charging-station-id"),
        "connector-id": session.get("connector-id"),
        "session-interval.start": start,
    }
    return named if None not in named.values() else None


def session_identity(session: Any) -> tuple[tuple[str, Any], ...] | None:
    """A session's name (D41) as a comparable value: equal for the same session in any two answers."""
    named = identifying_fields(session)
    if named is None:
        return None
    return tuple((key, json.dumps(_instant(value), sort_keys=True)) for key, value in named.items())


CheckFunction = Callable[[Context, Exchange], Iterator[Finding]]


@dataclass(frozen=True)
class Needs:
    """What a check needs from the run's options; without it the check is skipped, saying ``missing``."""

    missing: str
    met: Callable[[Config], bool]


LATENCY_BUDGET = Needs("no --latency-budget", lambda config: config.latency_budget is not None)
SECOND_USER = Needs(
    "no second known-good user (--second-user-type, --second-user, --second-user-token)",
    lambda config: config.second_user is not None,
)


RECORDED_TRAFFIC = Needs("judges recorded requests only (--har)", lambda config: config.har is not None)

# Answers to the call; an answer to another method or path (DENIED) may be anything but data.
_CALL_KINDS = frozenset(Kind) - {Kind.DENIED}
_RECORDED = frozenset({Kind.RECORDED})


@dataclass(frozen=True)
class Check:
    """A named rule: ``function`` yields findings for the exchanges of ``kinds`` (None = all; by
    default the answers to the call, not those to another method or path). Only exchanges that got
    an answer are judged, unless ``needs_answer`` is False; a check whose ``needs`` the run's options
    do not meet judges nothing and is reported as skipped."""

    name: str
    family: str
    rule: str
    function: CheckFunction
    kinds: frozenset[Kind] | None = _CALL_KINDS
    needs_answer: bool = True
    needs: Needs | None = None  # what the run's options must give, else the check is skipped
    groups: frozenset[str] | None = None  # the case groups it judges (None: every group)

    @property
    def judges_recorded(self) -> bool:
        """Whether it judges one recorded exchange alone (a HAR run); if not, it needs live calls."""
        return self.kinds is None or Kind.RECORDED in self.kinds

    def applies(self, exchange: Exchange) -> bool:
        if self.kinds is not None and exchange.kind not in self.kinds:
            return False
        if self.groups is not None and exchange.case.group not in self.groups:
            return False
        return exchange.answered or not self.needs_answer


def _is_success(exchange: Exchange) -> bool:
    """The answer claims success: result code 0 or any sessions (D16 makes them the same)."""
    code = exchange.result_code
    return (code == 0 and not isinstance(code, bool)) or exchange.carries_sessions()


_documented = answer_rules.documented


def _family(code: Any) -> str | None:
    return spec.result_codes()[code].family if _documented(code) else None


# --- robustness ---------------------------------------------------------------------------------


def server_answers(ctx: Context, exchange: Exchange) -> Iterator[Finding]:
    if not exchange.answered:
        yield Finding(exchange.response.error)


def not_a_server_error(ctx: Context, exchange: Exchange) -> Iterator[Finding]:
    status = exchange.response.status
    if status >= 500:
        retried = f" (after {exchange.response.retries} retries)" if exchange.response.retries else ""
        yield Finding(f"HTTP {status}{retried} for a request a server must handle")


def bad_input_rejected(ctx: Context, exchange: Exchange) -> Iterator[Finding]:
    status = exchange.response.status
    if _is_success(exchange):
        leak = " with sessions" if exchange.carries_sessions() else ""
        yield Finding(
            f"malformed request answered as a success{leak} (HTTP {status})",
            "$.result.code",
            exchange.result_code,
        )
        return
    if status >= 500 or 400 <= status < 500:
        return
    code = exchange.result_code
    if not _documented(code) or code == 0:
        yield Finding(
            f"HTTP {status} without a documented error result code: the request was not rejected",
            "$.result.code",
            code,
        )


# --- authentication -----------------------------------------------------------------------------


def _refused(exchange: Exchange, who: str) -> Iterator[Finding]:
    if exchange.response.status >= 500:
        return  # not-a-server-error says it
    if _is_success(exchange):
        what = "sessions" if exchange.carries_sessions() else "result code 0"
        yield Finding(
            f"{who} was answered with {what} (HTTP {exchange.response.status})",
            "$.result.code",
            exchange.result_code,
        )
        return
    code = exchange.result_code
    families = exchange.case.expect.families
    if code is None:
        yield Finding(f"{who}: HTTP {exchange.response.status} without a result code", "$.result.code")
    elif _family(code) not in families:
        yield Finding(
            f"{who}: result code {code!r} is not of the families {sorted(families)}", "$.result.code", code
        )


def user_auth_refused(ctx: Context, exchange: Exchange) -> Iterator[Finding]:
    yield from _refused(exchange, "a request for a user that is not authenticated")


def partner_auth_refused(ctx: Context, exchange: Exchange) -> Iterator[Finding]:
    yield from _refused(exchange, "a request without a valid API key")


def no_foreign_data(ctx: Context, exchange: Exchange) -> Iterator[Finding]:
    if not _is_success(exchange):
        return
    # A success is a JSON object: result code 0 or sessions (_is_success).
    sessions = exchange.sessions if exchange.sessions is not None else exchange.body.get("sessions")
    if not isinstance(sessions, list):
        return  # no list of sessions is no one's data: code-zero-iff-sessions and the schema judge it
    known = ctx.is_known_data(sessions)
    where = "$.user.sessions" if exchange.sessions is not None else "$.sessions"
    if known is None:
        yield Finding("cannot tell whose sessions these are (no successful known-user answer)", warning=True)
    elif not known and not sessions:
        yield Finding(
            "answered with no sessions while the known user has some: a success for a user that does not "
            "exist, or for another user without sessions",
            where,
            sessions,
        )
    elif not known:
        yield Finding(
            "answered with sessions that are not the known user's: another user's data, or a "
            "success for a user that does not exist",
            where,
            sessions,
        )


_CROSS = "a request mixing the two known users' identifiers and tokens"


def cross_user_auth_refused(ctx: Context, exchange: Exchange) -> Iterator[Finding]:
    tolerated = exchange.case.expect.user
    if not _is_success(exchange):
        yield from _refused(exchange, _CROSS)
        return
    if tolerated is not None and ctx.is_known_data(exchange.sessions, tolerated):
        return  # the identifier owner's own request (D11, D12): the owner's own sessions
    whose = ctx.whose(exchange.sessions)
    what = "sessions" if exchange.carries_sessions() else "result code 0"
    if whose is not None:
        what = f"the {whose}'s sessions"
    allowed = f"the {tolerated}'s own sessions or a refusal" if tolerated else "a refusal"
    yield Finding(
        f"{_CROSS} was answered with {what} (HTTP {exchange.response.status}); only {allowed} may answer it",
        "$.user.sessions" if exchange.carries_sessions() else "$.result.code",
        exchange.sessions if exchange.carries_sessions() else exchange.result_code,
    )


def no_cross_user_data(ctx: Context, exchange: Exchange) -> Iterator[Finding]:
    user = exchange.case.expect.user
    sessions = exchange.sessions if exchange.result_code == 0 else None
    if user is None or not isinstance(sessions, list):
        return
    theirs = {
        identity
        for answer in ctx.answers.get(user.other, [])
        for session in answer
        if (identity := session_identity(session)) is not None
    }
    for index, session in enumerate(sessions):
        if session_identity(session) in theirs:
            named = identifying_fields(session) or {}
            yield Finding(
                f"the {user} was answered with a session the {user.other} was answered with too "
                f"(the same {', '.join(named)})",
                spec.json_path(["user", "sessions", index]),
                named,
            )


def answer_belongs_to_asker(ctx: Context, exchange: Exchange) -> Iterator[Finding]:
    user = exchange.case.expect.user
    if user is None or not _is_success(exchange):
        return  # success-answered says it
    mine = ctx.is_known_data(exchange.sessions, user)
    if mine is None:
        yield Finding(f"cannot tell whose sessions these are (no answer to the {user} alone)", warning=True)
    elif not mine:
        whose = ctx.whose(exchange.sessions)
        what = f"the {whose}'s sessions" if whose else f"sessions the {user} was never answered with"
        yield Finding(
            f"the {user}'s request, sent while the {user.other}'s were in flight, was answered with {what}",
            "$.user.sessions",
            exchange.sessions,
        )


def not_the_call_no_data(ctx: Context, exchange: Exchange) -> Iterator[Finding]:
    if _is_success(exchange):
        what = "sessions" if exchange.carries_sessions() else "result code 0"
        yield Finding(
            f"{exchange.request.method} {exchange.request.url.split('?')[0]} is not the call, yet it was "
            f"answered with {what} (HTTP {exchange.response.status})",
            "$.result.code",
            exchange.result_code,
        )


def _holds(text: str, secret: str) -> bool:
    return secret.lower() in text.lower()


def _where_in_body(body: Any, secret: str, at: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
    """The path of the first key or string of a JSON body that holds ``secret`` (None: none does)."""
    if isinstance(body, str):
        return at if _holds(body, secret) else None
    items = body.items() if isinstance(body, dict) else enumerate(body) if isinstance(body, list) else ()
    for key, value in items:
        if isinstance(key, str) and _holds(key, secret):
            return (*at, key)
        found = _where_in_body(value, secret, (*at, key))
        if found is not None:
            return found
    return None


def header_path(name: str) -> str:
    """Where a response header is reported, written as ``answer_rules.CONTENT_TYPE_PATH`` writes its own."""
    return f"headers.{name}"


def secrets_not_disclosed(ctx: Context, exchange: Exchange) -> Iterator[Finding]:
    sent = [exchange.request.url, exchange.request.body_text(), *exchange.request.headers.values()]
    body = exchange.response.body.decode("utf-8", errors="replace")
    for what, secret in ctx.secrets:
        if any(_holds(part, secret) for part in sent):
            continue
        places = []  # (path, where): the body first, then each header in the order received
        if _holds(body, secret):
            found = _where_in_body(exchange.body, secret) if exchange.is_json_object else None
            places.append(("$" if found is None else spec.json_path(found), "in its body"))
        places += [
            (header_path(name), f"in its response header {name}")
            for name, value in exchange.response.headers.items()
            if _holds(f"{name}: {value}", secret)
        ]
        for path, where in places:
            yield Finding(
                f"the answer discloses {what} {where} to a request that did not send it", path, REDACTED
            )


# --- the request (recorded traffic: the suite's own requests are malformed on purpose) ----------------


def request_content_type(ctx: Context, exchange: Exchange) -> Iterator[Finding]:
    sent = next((v for k, v in exchange.request.headers.items() if k.lower() == "content-type"), "")
    for problem in answer_rules.json_content_type(sent):
        yield Finding(problem.message, "request.headers.Content-Type", sent or None)


def request_schema(ctx: Context, exchange: Exchange) -> Iterator[Finding]:
    body, problem = spec.parse_json(exchange.request.body)
    if body is spec.NOT_JSON:
        yield Finding(f"the request body is {problem}", "request.body")
        return
    for found in spec.problems(body, "request", ctx.profile):
        yield Finding(f"request: {found.message} ({ctx.profile} profile)", found.path, _at(body, found.path))


# --- success path -------------------------------------------------------------------------------


def success_answered(ctx: Context, exchange: Exchange) -> Iterator[Finding]:
    status = exchange.response.status
    if status != 200:
        yield Finding(f"HTTP {status} for the known-good user, expected 200")
    code = exchange.result_code
    if not (code == 0 and isinstance(code, int) and not isinstance(code, bool)):
        yield Finding("result.code is not the integer 0", "$.result.code", code)
    if not isinstance(exchange.sessions, list):
        yield Finding("user.sessions is not a list", "$.user.sessions", exchange.sessions)


def known_good_latency(ctx: Context, exchange: Exchange) -> Iterator[Finding]:
    if ctx.latency_budget is None or not ctx.known_latencies:
        return
    p95 = percentile(ctx.known_latencies, 95) * 1000
    if p95 > ctx.latency_budget:
        yield Finding(
            f"the known-good answers' 95th percentile took {p95:.0f} ms over {len(ctx.known_latencies)} "
            f"answers, above --latency-budget {ctx.latency_budget:g} ms",
            "p95_ms",
            round(p95, 1),
        )


# --- schema -------------------------------------------------------------------------------------


def _needs_json(exchange: Exchange) -> bool:
    """Whether an answer below 500 must be JSON: below 400, or to a request that must get a result."""
    return exchange.response.status < 400 or exchange.kind in {
        Kind.KNOWN,
        Kind.CONCURRENT,
        Kind.USER_AUTH,
        Kind.PARTNER_AUTH,
        Kind.CROSS_USER,
    }


def json_body(ctx: Context, exchange: Exchange) -> Iterator[Finding]:
    if exchange.is_json_object or exchange.response.status >= 500:
        return
    problem = exchange.json_problem or "a JSON value that is not an object"
    if _needs_json(exchange):
        yield Finding(f"body is {problem}")
    else:
        yield Finding(
            f"HTTP {exchange.response.status} body does not explain in JSON: {problem}", warning=True
        )


def json_content_type(ctx: Context, exchange: Exchange) -> Iterator[Finding]:
    if not exchange.is_json_object:
        return
    for problem in answer_rules.json_content_type(exchange.response.content_type):
        yield Finding(problem.message, "Content-Type", exchange.response.content_type or None)


def result_code_documented(ctx: Context, exchange: Exchange) -> Iterator[Finding]:
    if not exchange.is_json_object or exchange.response.status >= 500:
        return
    if "result" not in exchange.body:
        yield Finding("the body has no result", "$.result")
        return
    code = exchange.result_code
    if not _documented(code):
        yield Finding(f"result code {code!r} is not one the protocol documents", "$.result.code", code)


def response_schema(ctx: Context, exchange: Exchange) -> Iterator[Finding]:
    """An answer without ``result`` is judged as an error answer, which needs one: a body such as ``{}``
    fails here as well as in result-code-documented, so neither check passes a server with no schema."""
    if not exchange.is_json_object or exchange.response.status >= 500:
        return
    code = exchange.result_code
    name = "response-success" if code == 0 and not isinstance(code, bool) else "response-error"
    for problem in spec.problems(exchange.body, name, ctx.profile):
        value = _at(exchange.body, problem.path)
        yield Finding(f"{problem.message} ({name}, {ctx.profile} profile)", problem.path, value)


def unknown_fields(ctx: Context, exchange: Exchange) -> Iterator[Finding]:
    if not exchange.is_json_object or "result" not in exchange.body:
        return
    code = exchange.result_code
    name = "response-success" if code == 0 and not isinstance(code, bool) else "response-error"
    for path in spec.unknown_fields(exchange.body, name):
        yield Finding(f"unknown field {path} (allowed: tolerant reader, D6)", path, warning=True)


_INTEGER_FIELDS = ("connector-id", "charging-station-id")
_INT64_MAX = 2**63 - 1  # a database id beyond a signed 64-bit integer overflows Java's long, Go's int64


def integers_as_integers(ctx: Context, exchange: Exchange) -> Iterator[Finding]:
    sessions = exchange.sessions if exchange.result_code == 0 else None
    if not isinstance(sessions, list):
        return
    for index, session in enumerate(sessions):
        for key in _INTEGER_FIELDS if isinstance(session, dict) else ():
            value = session.get(key)
            if isinstance(value, float) or (isinstance(value, int) and value > _INT64_MAX):
                yield Finding(
                    f"{key} is not a JSON integer a typed client can read (no fraction, no exponent, "
                    "at most 2^63-1)",
                    spec.json_path(["user", "sessions", index, key]),
                    value,
                )


_at = spec.value_at


# --- semantics (the spec's invariants, one check each) ------------------------------------------


def _invariant_findings(invariant: spec.invariants.Invariant, exchange: Exchange) -> Iterator[Finding]:
    """What one spec invariant finds in the body of a success."""
    if exchange.result_code == 0 and exchange.is_json_object:
        for problem in invariant(exchange.body):
            yield Finding(problem.message, problem.path, _at(exchange.body, problem.path))


def _invariant(invariant: spec.invariants.Invariant, rule: str) -> Check:
    """The check of one spec invariant, named after it: it judges the bodies of successes.

    ``CHECKS`` is built on import, and ``make mutation`` switches a function's mutant on only when the
    function is called: the check calls ``_invariant_findings`` when it runs rather than holding that
    logic itself (CONTRIBUTING.md, "When a rule changes").
    """

    def check(ctx: Context, exchange: Exchange) -> Iterator[Finding]:
        return _invariant_findings(invariant, exchange)

    check.__name__ = invariant.__name__
    return Check(invariant.__name__.replace("_", "-"), "semantics", rule, check)


# --- consistency --------------------------------------------------------------------------------


def code_zero_iff_sessions(ctx: Context, exchange: Exchange) -> Iterator[Finding]:
    if not exchange.is_json_object or exchange.response.status >= 500:
        return
    for problem in answer_rules.code_zero_iff_sessions(exchange.body):
        yield Finding(problem.message, problem.path, _at(exchange.body, problem.path))


_SETTLED_FIELDS = ("energy-consumed", "cost", "currency", "session-interval", "charging-interval")


def _finished(session: Any) -> bool:
    interval = session.get("session-interval") if isinstance(session, dict) else None
    return isinstance(interval, dict) and interval.get("end") is not None


def _settled(value: Any) -> Any:
    """A settled field's value as compared across answers: numbers and decimal strings by value, intervals
    by instant (D3), nulls as omissions (D5)."""
    if isinstance(value, dict):
        return {key: _instant(item) for key, item in value.items() if item is not None}
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(repr(value))
    return value


def _named_finished(
    sessions: list[Any],
) -> dict[tuple[tuple[str, Any], ...], list[tuple[int, dict[str, Any]]]]:
    """An answer's finished sessions that have a name (D41), grouped by it: (position, session) each."""
    groups: dict[tuple[tuple[str, Any], ...], list[tuple[int, dict[str, Any]]]] = {}
    for index, session in enumerate(sessions):
        if _finished(session) and (identity := session_identity(session)) is not None:
            groups.setdefault(identity, []).append((index, session))
    return groups


def _settled_fields(session: dict[str, Any]) -> list[Any]:
    return [_settled(session.get(key)) for key in _SETTLED_FIELDS]


def finished_sessions_stable(ctx: Context, exchange: Exchange) -> Iterator[Finding]:
    user = exchange.case.expect.user
    sessions = exchange.sessions if exchange.result_code == 0 else None
    if user is None or not isinstance(sessions, list):
        return
    first_seen: dict[tuple[tuple[str, Any], ...], list[dict[str, Any]]] = {}
    for answer in ctx.answers.get(user, []):
        for identity, group in _named_finished(answer).items():
            first_seen.setdefault(identity, [session for _, session in group])
    for identity, group in _named_finished(sessions).items():
        # Several sessions may share a name (the document's own example does): the group is compared
        # with the group first answered, as a multiset; only what matches nothing there is a change.
        earlier = list(first_seen.get(identity, []))
        changed = []
        for index, session in group:
            match = next(
                (i for i, e in enumerate(earlier) if _settled_fields(e) == _settled_fields(session)), None
            )
            if match is None:
                changed.append((index, session))
            else:
                del earlier[match]
        for (index, session), before_session in zip(changed, earlier, strict=False):
            named = ", ".join(f"{key} {value}" for key, value in (identifying_fields(session) or {}).items())
            for key in _SETTLED_FIELDS:
                before, now = before_session.get(key), session.get(key)
                if _settled(before) != _settled(now):
                    yield Finding(
                        f"a finished session ({named}) changed its {key} between two answers to the {user}'s "
                        f"same request: {json.dumps(before)}, then {json.dumps(now)} (D44)",
                        spec.json_path(["user", "sessions", index, key]),
                        now,
                        warning=True,
                    )


def status_matches_result(ctx: Context, exchange: Exchange) -> Iterator[Finding]:
    for problem in answer_rules.status_matches_result(exchange.response.status, exchange.result_code):
        yield Finding(problem.message, problem.path, exchange.result_code)


_AUTH_KINDS = frozenset({Kind.USER_AUTH})

CHECKS: list[Check] = [
    Check(
        "server-answers",
        "robustness",
        "Every request gets an answer within the time-out (no dropped connection, no hang).",
        server_answers,
        frozenset(Kind) - _RECORDED,
        needs_answer=False,
    ),
    Check(
        "request-content-type",
        "schema",
        'A recorded request of the call: "Content-Type: application/json"; "All data is UTF-8." (D18, D27)',
        request_content_type,
        _RECORDED,
        needs_answer=False,
        needs=RECORDED_TRAFFIC,
    ),
    Check(
        "request-schema",
        "schema",
        "A recorded request of the call is a JSON object that validates against spec/schemas/request.json "
        "in the chosen profile (the call's key, the user, its identifier-type and identifier, D13-D15).",
        request_schema,
        _RECORDED,
        needs_answer=False,
        needs=RECORDED_TRAFFIC,
    ),
    Check(
        "not-a-server-error",
        "robustness",
        "Rejected means a 4xx status or a documented error result code, never a 5xx: 5xx is "
        '"internal error or temporarily unavailable" (D13, D28).',
        not_a_server_error,
        None,
        needs_answer=False,  # a status alone: a recorded answer whose body was not captured has one
    ),
    Check(
        "success-answered",
        "semantics",
        '"200 OK: The request was processed successfully." / "0 Success": the known-good user gets '
        "HTTP 200, result.code the integer 0 and user.sessions a list (D1).",
        success_answered,
        frozenset({Kind.KNOWN, Kind.CONCURRENT}),
    ),
    Check(
        "json-body",
        "schema",
        '"Every response carries result" in a JSON object; "4xx: a body in JSON explains" (a 4xx without '
        "JSON only warns, D26). A key twice, a number beyond a double, a BOM, NaN or Infinity, nesting "
        "deeper than 100 levels, a lone surrogate escape fail (D35).",
        json_body,
    ),
    Check(
        "json-content-type",
        "schema",
        '"Content-Type: application/json"; "All data is UTF-8." (D27)',
        json_content_type,
    ),
    Check(
        "result-code-documented",
        "consistency",
        '"Every response carries "result": {"code": <int>, "message": <string>}"; only documented '
        "result codes (D17: 0, 100-102, 140-145, 200, 210, 211, 220, 230).",
        result_code_documented,
    ),
    Check(
        "response-schema",
        "schema",
        "Every body validates against spec/ in the chosen profile: code 0 against response-success "
        "(sessions as the document's field list describes them), any other code against response-error.",
        response_schema,
    ),
    Check(
        "integers-as-integers",
        "schema",
        '"connector-id: Internal database ID of the related connector (integer)", likewise '
        "charging-station-id: written as JSON integers (9835), not 9835.0 or 9.835e3, and within a "
        "signed 64-bit integer (D23, D34).",
        integers_as_integers,
    ),
    Check(
        "unknown-fields",
        "schema",
        "Unknown extra response fields are allowed (tolerant reader) and reported as warnings (D6).",
        unknown_fields,
    ),
    _invariant(
        spec.invariants.interval_end_not_before_start,
        'session-interval / charging-interval: "Start and end time": an end is never before its start.',
    ),
    _invariant(
        spec.invariants.intervals_start_before_they_end,
        '"The session interval is the time between connecting the car to the station and disconnecting"; '
        '"the charging interval is the time between the first and the last time that energy was '
        'transferred": nothing ends that did not start, and nothing charges before the car is connected '
        "(D33). The partial states are a session in progress (no end) and one that never charged (both "
        "null, D5).",
    ),
    _invariant(
        spec.invariants.charging_inside_session,
        '"The charging interval is the time between the first and the last time that energy was '
        'transferred to the car" while "connecting the car to the station and disconnecting" bounds the '
        "session: charging lies inside the session.",
    ),
    _invariant(
        spec.invariants.energy_not_negative,
        'energy-consumed: "The consumed energy in kWh (float)" is never negative (D2).',
    ),
    _invariant(
        spec.invariants.cost_non_negative_decimal,
        'cost: "The total cost of the session (string)": a non-negative decimal string, never a number, '
        "never signed (D9).",
    ),
    _invariant(
        spec.invariants.currency_is_iso4217,
        'currency: "Currency of the cost (string)": an ISO 4217 alphabetic code, upper case (D10).',
    ),
    Check(
        "code-zero-iff-sessions",
        "consistency",
        "Result code 0 if and only if user.sessions is present; error bodies never carry sessions (D16); "
        "a success carries no error or problems (D36; D19: they explain a refusal).",
        code_zero_iff_sessions,
    ),
    Check(
        "status-matches-result",
        "consistency",
        'Success is "200 OK"; a user-auth, partner-auth or general error code comes with HTTP 200, 400, '
        "401, 403 or 404, a request code (200, 230) with 200 or any 4xx (D7).",
        status_matches_result,
    ),
    Check(
        "finished-sessions-stable",
        "consistency",
        "A session that has ended keeps its energy, cost, currency and intervals between two answers to the "
        "same known-good request a few seconds apart: a change is a warning, not a failure (D44). Sessions "
        "are matched by their name (D41); sessions that share a name are matched as a group, in any order.",
        finished_sessions_stable,
        frozenset({Kind.KNOWN}),
    ),
    Check(
        "user-auth-refused",
        "authentication",
        '"140 Authentication failed: No positive authentication response / 144 Email does not exist / '
        '145 User token not valid": a wrong or missing token or an unknown user gets a user-auth code '
        "(140-145) or a general one (100-102, D8), and never sessions (D12). Tokens are compared exactly "
        "(D25) and identifiers are not matched by prefix or pattern (D32).",
        user_auth_refused,
        _AUTH_KINDS,
    ),
    Check(
        "partner-auth-refused",
        "authentication",
        '"Authorization: key=<api-key>" is required: a missing, wrong or malformed key, or the key sent '
        "anywhere else (D30), gets 210, 211 or 220 (or a general code, D8), never a user-auth code (D31), "
        "and never sessions.",
        partner_auth_refused,
        frozenset({Kind.PARTNER_AUTH}),
    ),
    Check(
        "cross-user-auth-refused",
        "authentication",
        "With a second known-good user (D40): one user's identifier with the other's token, also under "
        "another identifier-type, is refused with a user-auth code (140-145) or a general one (100-102, D8), "
        "never with either user's sessions; where D11 (identifier-type token: the token field is ignored) "
        "or D12 (a card without a token) makes the request the identifier owner's own, that user's own "
        "sessions may answer it, and no one else's.",
        cross_user_auth_refused,
        frozenset({Kind.CROSS_USER}),
        needs=SECOND_USER,
    ),
    Check(
        "no-cross-user-data",
        "authentication",
        "With a second known-good user: what the two users are answered with never shares a session. A "
        "session is named by its external-session-id or, without one, by its charging station, connector "
        "and session start as an instant (D41).",
        no_cross_user_data,
        frozenset({Kind.KNOWN}),
        needs=SECOND_USER,
    ),
    Check(
        "answer-belongs-to-asker",
        "authentication",
        "With a second known-good user: the two users' known-good requests interleaved from several threads "
        "(--concurrency) are each answered with the asker's own sessions, as that user alone was answered "
        "(fields that move with the clock and nulls aside, D24), never the other's (D42).",
        answer_belongs_to_asker,
        frozenset({Kind.CONCURRENT}),
        needs=SECOND_USER,
    ),
    Check(
        "no-foreign-data",
        "authentication",
        "A request the server may accept (unknown fields, D15; another Content-Type, D18; an altered "
        "identifier, D24) is answered with the known user's sessions or refused: sessions that differ "
        "from the known user's are a leak (D24).",
        no_foreign_data,
        frozenset({Kind.LENIENT}),
    ),
    Check(
        "known-good-latency",
        "robustness",
        "With --latency-budget MS: the known-good requests, sent one at a time, are answered in at most MS "
        "milliseconds at the 95th percentile (nearest rank); judged once, after every other known-good "
        "request. Opt-in: the document sets no time limit, and a time is the network's and the load's as "
        "much as the server's (D43).",
        known_good_latency,
        frozenset({Kind.KNOWN}),
        needs=LATENCY_BUDGET,
        groups=frozenset({LATENCY_GROUP}),
    ),
    Check(
        "bad-input-rejected",
        "robustness",
        "Bad input (not JSON, not an object, empty, two call keys, unknown call, missing user, wrong types, "
        "unknown identifier-type, empty or over-long identifier: its length as sent, before any trimming) is "
        "rejected: a 4xx status or a documented error result code, never success data (D13-D15).",
        bad_input_rejected,
        frozenset({Kind.BAD_INPUT}),
    ),
    Check(
        "not-the-call-no-data",
        "authentication",
        '"Every call is an HTTP POST to one path" with "Authorization: key=<api-key>": another method, '
        "another path below the call's, or any request without a valid key is never answered as the call "
        "(sessions or result code 0); any refusal will do (D37).",
        not_the_call_no_data,
        frozenset({Kind.DENIED}),
    ),
    Check(
        "secrets-not-disclosed",
        "authentication",
        "No answer discloses the API key or the known user's token to a request that did not send it "
        '(D38: "an error message that quotes the expected token is a leak"; "145 User token not valid" '
        "says no more).",
        secrets_not_disclosed,
        None,
    ),
]
