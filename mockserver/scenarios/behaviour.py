"""Choosing the behaviour of one request: the ``X-Mock-Scenario`` header, else a scripted step, else the
user's own scenario (users file), else none (normal behaviour).

A behaviour is one built-in scenario, or several composed by a scenario file (``compose``). A name
nothing knows is refused with the names that exist, at the JSON path it came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import spec
from mockserver.errors import BadScenarioParameter, Rejected, UnknownScenario
from mockserver.scenarios import catalog
from mockserver.scenarios.catalog import Choice
from mockserver.scenarios.state.base import ScriptStep

SCENARIO_HEADER = "X-Mock-Scenario"


class Compositions(Protocol):
    """What choosing needs of the scenario files: their composed scenarios, and every name they define."""

    def resolve(self, name: str) -> list[str] | None: ...

    def scenario_names(self) -> list[str]: ...


@dataclass(frozen=True)
class Behaviour:
    """The scenario a request gets: one built-in, or several composed by a scenario file."""

    name: str
    parts: tuple[Choice, ...]


def from_header(text: str | None, files: Compositions | None) -> Behaviour | None:
    """The behaviour the ``X-Mock-Scenario`` header names (None without one); Rejected if unknown."""
    if text is None or not text.strip():
        return None
    return named(text, spec.header_path(SCENARIO_HEADER), files)


def choose(
    header: Behaviour | None,
    step: ScriptStep | None,
    own: str | None,
    files: Compositions | None,
) -> Behaviour | None:
    """The behaviour by precedence: the header, the scripted step, the user's own scenario, or none."""
    if header is not None:
        return header
    if step is not None:
        return named(step.scenario, "script", files)
    if own:
        return named(own, "users", files)
    return None


def named(text: str, where: str, files: Compositions | None) -> Behaviour:
    """A built-in scenario, or a scenario file's composition; Rejected (400, result 200) if neither."""
    try:
        single = catalog.parse(text)
        return Behaviour(single.name, (single,))
    except UnknownScenario as error:
        message = error.message
        builtin = text.split(";", 1)[0].strip() in catalog.catalog()  # a built-in with bad parameters
        parts = None if builtin or files is None else files.resolve(text)
        if parts is None:
            if not builtin and files is not None:
                name = text.split(";", 1)[0].strip()
                message = f"unknown scenario {name!r}; scenarios: {', '.join(files.scenario_names())}"
            raise _refused(where, message, error) from None
    try:
        return Behaviour(text.split(";", 1)[0].strip(), tuple(catalog.parse(part) for part in parts))
    except UnknownScenario as error:
        raise _refused(where, error.message, error) from None


def _refused(where: str, message: str, error: UnknownScenario) -> Rejected:
    """The 400 for a scenario choice: an unknown name, or a known one with a parameter it cannot take."""
    what = "Invalid scenario parameter" if isinstance(error, BadScenarioParameter) else "Unknown scenario"
    return Rejected(400, 200, f"{what}: {message}", [spec.Problem(where, message)])
