"""Property-based exploration: hypothesis strategies (``contract_tests.strategies``) and schemathesis
driven by spec/openapi.yaml, in positive and negative modes.

Both only generate requests; every request goes through the suite's own transport (rate limit,
retries, deadline) and is judged by the suite's own checks, so a run continues after the first
failure, a "negative" case is judged by the suite's notion of rejection (a server may accept
unknown fields), and the payload is shown whole with only the API key redacted.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, configuration, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.result import Ok

import spec
from contract_tests import strategies
from contract_tests.cases import JSON_HEADERS
from contract_tests.config import COMMAND, Config
from contract_tests.errors import Stopped
from contract_tests.model import ANY_ERROR_FAMILIES, Case, Expect, Kind
from spec.strategies import FORMAT_STRATEGIES

Send = Callable[[Case], None]

STRANGER = Expect(Kind.USER_AUTH, ANY_ERROR_FAMILIES)
BAD = Expect(Kind.BAD_INPUT, ANY_ERROR_FAMILIES)
LENIENT = Expect(Kind.LENIENT, ANY_ERROR_FAMILIES)


def _normal(value: Any) -> Any:
    return value.strip().casefold() if isinstance(value, str) else value


def classify(body: Any, config: Config) -> Expect:
    """What a correct server does with a generated body, by the request schema and the known user."""
    if not spec.validator("request", "strict").is_valid(body):
        return BAD
    user = body[spec.CALL]["user"]
    if _normal(user.get("identifier")) == _normal(config.identifier):
        return LENIENT  # (close to) the known user: their data or a refusal
    return STRANGER


# Where hypothesis keeps its tables between runs: the user's cache folder (XDG), never the current one.
CACHE_FOLDER = (COMMAND, "hypothesis")


def cache_home() -> Path:
    """``$XDG_CACHE_HOME/oioi-contract/hypothesis``, or ``~/.cache/...`` when that variable is unset or
    relative (the XDG base directory specification ignores a relative path)."""
    named = Path(os.environ.get("XDG_CACHE_HOME") or ".")
    base = named if named.is_absolute() else Path.home() / ".cache"
    return base.joinpath(*CACHE_FOLDER)


@contextlib.contextmanager
def _storage_of_its_own() -> Iterator[None]:
    """Hypothesis writes a cache into ``.hypothesis/`` of the current folder (a CI workspace, an app's
    checkout): while the suite draws, that cache lives in the user's cache folder (``cache_home``)
    instead. It holds what hypothesis derives from code and Unicode (the table of the characters UTF-8
    carries, ~1 s to build; constants of modules), never examples (``database=None``), so every run
    draws as a first one would.
    Where that folder cannot be made, a temporary one serves the run and is removed afterwards;
    ``HYPOTHESIS_STORAGE_DIRECTORY`` still wins."""
    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        yield
        return
    with contextlib.ExitStack() as stack:
        try:
            home = cache_home()
            home.mkdir(parents=True, exist_ok=True)
        except (OSError, RuntimeError):  # no home directory, or one this user cannot write
            home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"{COMMAND}-hypothesis-")))
        configuration.set_hypothesis_home_dir(home)
        try:
            yield
        finally:
            configuration.set_hypothesis_home_dir(None)  # hypothesis's own default again


def _drive(
    strategy: st.SearchStrategy[Any], config: Config, make: Callable[[Any, int], Case | None], send: Send
) -> int:
    """Draw up to ``config.max_examples`` values, turn each into a case and send it. Returns the count."""
    sent = 0
    stopped: Stopped | None = None  # why the run stops (--max-time spent, the target gone): no more cases

    @seed(config.seed)
    @settings(
        max_examples=config.max_examples,
        database=None,
        deadline=None,
        derandomize=False,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(value=strategy)
    def explore(value: Any) -> None:
        nonlocal sent, stopped
        if stopped is not None:
            return
        case = make(value, sent)
        if case is None:
            return
        try:
            send(case)
        except Stopped as stop:  # raised after the examples: hypothesis would take it for a failure
            stopped = stop
            return
        sent += 1

    with _storage_of_its_own():
        explore()
    if stopped is not None:
        raise stopped
    return sent


def _headers(config: Config) -> dict[str, str]:
    return dict(JSON_HEADERS | config.auth_header())


def hypothesis_valid(config: Config, send: Send) -> int:
    def make(body: Any, index: int) -> Case:
        return Case(
            f"hypothesis/valid#{index}",
            "hypothesis",
            _headers(config),
            Case.json_body(body),
            classify(body, config),
            "a schema-valid request for a user that does not exist",
        )

    return _drive(strategies.valid_bodies(), config, make, send)


def hypothesis_invalid(config: Config, send: Send) -> int:
    def make(drawn: tuple[Any, str], index: int) -> Case:
        body, what = drawn
        return Case(
            f"hypothesis/invalid#{index}",
            "hypothesis",
            _headers(config),
            Case.json_body(body),
            classify(body, config),
            what,
        )

    return _drive(strategies.invalid_bodies(config.identity()), config, make, send)


def _register_formats() -> None:
    """Give schemathesis spec's own strategy for each custom format (the strict forms the mock emits)."""
    for name, per_profile in FORMAT_STRATEGIES.items():
        schemathesis.openapi.format(name, per_profile["strict"])


def _operation() -> Any:
    _register_formats()
    schema = schemathesis.openapi.from_path(str(spec.openapi_path()))
    for result in schema.get_all_operations():
        if isinstance(result, Ok):
            return result.ok()
    raise RuntimeError(f"{spec.openapi_path()} has no valid operation")


def _schemathesis(mode: GenerationMode, config: Config, send: Send) -> int:
    operation = _operation()

    def make(case: Any, index: int) -> Case | None:
        body = case.body
        if isinstance(body, schemathesis.core.NotSet):
            raw = b""
        elif isinstance(body, bytes | bytearray):
            raw = bytes(body)
        else:
            try:
                raw = Case.json_body(body)
            except (TypeError, ValueError):
                return None  # not representable as JSON: nothing a client could send
        value, problem = spec.parse_json(raw)
        expect = BAD if problem else classify(value, config)
        return Case(
            f"schemathesis/{mode.value}#{index}",
            "schemathesis",
            _headers(config),
            raw,
            expect,
            f"schemathesis {mode.value} case",
        )

    return _drive(operation.as_strategy(generation_mode=mode), config, make, send)


def schemathesis_positive(config: Config, send: Send) -> int:
    return _schemathesis(GenerationMode.POSITIVE, config, send)


def schemathesis_negative(config: Config, send: Send) -> int:
    return _schemathesis(GenerationMode.NEGATIVE, config, send)


EXPLORERS: list[tuple[str, Callable[[Config, Send], int]]] = [
    ("hypothesis-valid", hypothesis_valid),
    ("hypothesis-invalid", hypothesis_invalid),
    ("schemathesis-positive", schemathesis_positive),
    ("schemathesis-negative", schemathesis_negative),
]
