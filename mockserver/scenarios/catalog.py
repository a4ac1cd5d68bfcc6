"""The built-in scenario catalogue: one table ``name -> Scenario``, and the parser for scenario choices.

A choice is a name optionally followed by parameters, as sent in the ``X-Mock-Scenario`` header or in
a script step: ``latency-fixed; ms=200`` or ``latency-uniform; min=50; max=400``. Parameters are numbers
(plain ASCII decimals), each given at most once; any left out take the scenario's defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType

import spec
from mockserver.errors import BadScenarioParameter, UnknownScenario

# Upper bound of every millisecond parameter: a scenario must not hold a worker thread for ever.
MAX_MS = 60_000.0
# The kinds of scenario that break the client's connection: they need the server to hand the app its
# socket (gunicorn does; granian does not: docs/performance.md, "Which server").
CONNECTION_KINDS = frozenset({"reset", "empty"})


@dataclass(frozen=True)
class Scenario:
    """One built-in behaviour: ``kind`` selects the effect (``effects``), ``arg`` configures it."""

    name: str
    kind: str
    description: str
    params: Mapping[str, float] = field(default_factory=dict)
    arg: int | str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kind": self.kind,
            "description": self.description,
            "params": dict(self.params),
        }


@dataclass(frozen=True)
class Choice:
    """A scenario with its parameters resolved (defaults filled in)."""

    scenario: Scenario
    params: Mapping[str, float]

    @property
    def name(self) -> str:
        return self.scenario.name


def _result_scenarios() -> list[Scenario]:
    out = []
    for code, entry in spec.result_codes().items():
        statuses = ", ".join(f"{m}: {s}" for m, s in entry.status.items())
        if code == 0:
            text = (
                "Result 0: success with the identifier's generated history, even for an unknown user "
                f"or a wrong token (HTTP {statuses})."
            )
        else:
            text = f"Result {code} '{entry.message}' without sessions (HTTP {statuses})."
        out.append(Scenario(f"result-{code}", "result", text, arg=code))
    return out


_RETRY = {"retry-after": 1.0}

_FIXED: list[Scenario] = [
    Scenario("ok", "ok", "Normal behaviour: as if no scenario had been chosen (useful as a script step)."),
    Scenario("http-500", "http", "HTTP 500 with a JSON body, result 100 (internal server error).", arg=500),
    Scenario("http-502", "http", "HTTP 502 with a JSON body, result 100 (bad gateway).", arg=502),
    Scenario(
        "http-503", "http", "HTTP 503 with Retry-After (seconds, param retry-after), result 100.", _RETRY, 503
    ),
    Scenario("http-504", "http", "HTTP 504 with a JSON body, result 102 (gateway timeout).", arg=504),
    Scenario(
        "http-429", "http", "HTTP 429 with Retry-After (seconds, param retry-after), result 100.", _RETRY, 429
    ),
    Scenario(
        "latency-fixed",
        "latency",
        "Normal answer after a fixed delay of `ms` milliseconds.",
        {"ms": 500.0},
        "fixed",
    ),
    Scenario(
        "latency-uniform",
        "latency",
        "Normal answer after a delay drawn uniformly between `min` and `max` ms (seeded by --seed).",
        {"min": 100.0, "max": 1000.0},
        "uniform",
    ),
    Scenario(
        "latency-lognormal",
        "latency",
        "Normal answer after a log-normal delay: median `median` ms, shape `sigma`, capped at `max` ms "
        "(seeded by --seed).",
        {"median": 300.0, "sigma": 0.5, "max": 5000.0},
        "lognormal",
    ),
    Scenario("reset", "reset", "The connection is reset (TCP RST) before any byte of the response."),
    Scenario("empty-response", "empty", "The connection is closed (FIN) without a single byte of response."),
    Scenario(
        "malformed-json",
        "malformed",
        "HTTP 200, Content-Type application/json, and a body that is not JSON (the normal body cut short).",
    ),
    Scenario(
        "truncated",
        "truncated",
        "Content-Length announces the whole normal body, only the first `fraction` of it is sent, then the "
        "connection closes.",
        {"fraction": 0.5},
    ),
    Scenario(
        "slow-dribble",
        "dribble",
        "The normal body sent in `chunks` pieces, `ms` milliseconds apart (60 s in all at most).",
        {"chunks": 10.0, "ms": 100.0},
    ),
    Scenario(
        "wrong-content-type",
        "content-type",
        "HTTP 200 with Content-Type text/html and an HTML page, as a captive portal or proxy answers.",
    ),
    Scenario("no-sessions", "data", "Success with an empty sessions array.", arg="none"),
    Scenario(
        "many-sessions", "data", "Success with `count` sessions (default 200).", {"count": 200.0}, "many"
    ),
    Scenario(
        "all-optional-null",
        "data",
        "Success; every optional field, interval times included, is null.",
        arg="null",
    ),
    Scenario(
        "all-optional-omitted",
        "data",
        "Success; every optional field, interval times included, is left out.",
        arg="omitted",
    ),
    Scenario(
        "in-progress",
        "data",
        "Success; the newest session is still in progress (no session end, no charging end).",
        arg="in-progress",
    ),
    Scenario(
        "never-charged",
        "data",
        "Success; the newest session never charged (charging interval start and end null, tiny energy).",
        arg="never-charged",
    ),
    Scenario("zero-cost", "data", 'Success; every session cost "0.00" (free charging).', arg="zero-cost"),
    Scenario(
        "non-ascii-address",
        "data",
        "Success; every address has non-ASCII characters (Łódź, Malmö, Plzeň...).",
        arg="non-ascii",
    ),
]

# Parameter bounds: name -> (minimum, maximum).
_BOUNDS: dict[str, tuple[float, float]] = {
    "ms": (0.0, MAX_MS),
    "min": (0.0, MAX_MS),
    "max": (0.0, MAX_MS),
    "median": (0.0, MAX_MS),
    "sigma": (0.0, 5.0),
    "retry-after": (0.0, 86_400.0),
    "fraction": (0.0, 0.99),
    "chunks": (1.0, 1000.0),
    "count": (0.0, 5000.0),
}


# Parameters that bound one another: (lower, upper) both of one scenario.
_ORDERED = (("min", "max"),)


@cache
def catalog() -> Mapping[str, Scenario]:
    """Every built-in scenario, by name, in catalogue order."""
    scenarios = [_FIXED[0], *_result_scenarios(), *_FIXED[1:]]
    return MappingProxyType({s.name: s for s in scenarios})


def names() -> list[str]:
    return list(catalog())


def needs_connection(text: str) -> bool:
    """Whether the built-in scenario a choice names (``reset``, ``latency-fixed; ms=5``) breaks the
    connection: False for a name that is not a built-in one."""
    scenario = catalog().get(text.split(";", maxsplit=1)[0].strip())
    return scenario is not None and scenario.kind in CONNECTION_KINDS


def parse(text: str) -> Choice:
    """``name`` or ``name; key=value; ...`` as a Choice (UnknownScenario, listing what exists, if not)."""
    name, *pairs = (part.strip() for part in text.split(";"))
    scenario = catalog().get(name)
    if scenario is None:
        raise UnknownScenario(f"unknown scenario {name!r}; scenarios: {', '.join(names())}")
    params = dict(scenario.params)
    given: set[str] = set()
    for pair in pairs:
        if not pair:
            continue
        key, _, value = (s.strip() for s in pair.partition("="))
        params[key] = _number(scenario, key, value, given)
        given.add(key)
    for low, high in _ORDERED:
        if low in scenario.params and params[low] > params[high]:
            raise BadScenarioParameter(
                f"scenario {name!r}: parameter {low}={params[low]:g} is greater than {high}={params[high]:g}"
            )
    return Choice(scenario, MappingProxyType(params))


def _number(scenario: Scenario, key: str, value: str, given: set[str]) -> float:
    """The value of parameter ``key`` of ``scenario``; BadScenarioParameter saying what is wrong if none."""
    name = scenario.name
    if key not in scenario.params:
        known = ", ".join(scenario.params) or "none"
        raise BadScenarioParameter(f"scenario {name!r} has no parameter {key!r}; its parameters: {known}")
    if not value:
        raise BadScenarioParameter(f"scenario {name!r}: parameter {key} has no value (write {key}=<number>)")
    if key in given:
        raise BadScenarioParameter(f"scenario {name!r}: parameter {key} is given twice")
    if spec.ASCII_NUMBER.fullmatch(value) is None:
        raise BadScenarioParameter(f"scenario {name!r}: parameter {key} must be a number, not {value[:40]!r}")
    number = float(value)
    low, high = _BOUNDS[key]
    if not low <= number <= high:
        raise BadScenarioParameter(
            f"scenario {name!r}: parameter {key}={value[:40]} is outside {low:g}..{high:g}"
        )
    return number
