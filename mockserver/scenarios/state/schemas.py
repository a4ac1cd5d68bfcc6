"""JSON Schemas of the mock's own formats (admin bodies, scenario files) and problems with JSON paths.

These describe the mock's configuration, not the protocol: the protocol lives in ``spec/``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from spec import Problem, json_path

BASE_URI = "https://oioi-mock.invalid/state/"
FILES = ("admin.schema.json", "scenario-file.schema.json")


@cache
def document(name: str) -> dict[str, Any]:
    """A schema file of this package, parsed once (read-only)."""
    text = resources.files("mockserver.scenarios.state").joinpath(name).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _registry() -> Registry:
    pairs = [(BASE_URI + name, Resource.from_contents(document(name), DRAFT202012)) for name in FILES]
    return Registry().with_resources(pairs).crawl()


@cache
def validator(ref: str) -> Draft202012Validator:
    """A compiled validator for ``ref`` (e.g. ``admin.schema.json#/$defs/script``), built once."""
    return Draft202012Validator({"$ref": BASE_URI + ref}, registry=_registry())


def _leaf(error: ValidationError) -> ValidationError:
    if error.context and error.validator in ("anyOf", "oneOf") and "x-message" not in error.schema:
        return _leaf(best_match(error.context))
    return error


def problems(instance: Any, ref: str, prefix: tuple[Any, ...] = ()) -> list[Problem]:
    """Every violation of schema ``ref``, as sorted problems whose paths start at ``$`` + ``prefix``."""
    return first_problems(instance, ref, prefix)[0]


def first_problems(
    instance: Any, ref: str, prefix: tuple[Any, ...] = (), most: int | None = None
) -> tuple[list[Problem], bool]:
    """The violations of schema ``ref``, sorted, and whether they are all: the search stops at ``most``
    problems (a megabyte of invalid steps has a hundred thousand, each ~30 µs to find)."""
    found: set[Problem] = set()
    for error in validator(ref).iter_errors(instance):
        for problem in _problems_of(_leaf(error), prefix):
            if most is not None and len(found) >= most:
                return sorted(found), False
            found.add(problem)
    return sorted(found), True


def _problems_of(leaf: ValidationError, prefix: tuple[Any, ...]) -> Iterator[Problem]:
    path = [*prefix, *leaf.absolute_path]
    schema = leaf.schema if isinstance(leaf.schema, dict) else {}
    if leaf.validator == "additionalProperties" and isinstance(leaf.instance, dict):
        allowed = ", ".join(schema.get("properties", {})) or "none"
        for name in leaf.instance:
            if name not in schema.get("properties", {}):
                yield Problem(
                    json_path([*path, name]), f"unknown field; allowed: {allowed}", "additionalProperties"
                )
        return
    custom = leaf.validator in ("not", "oneOf") and "x-message" in schema
    message = schema["x-message"] if custom else _message(leaf)
    yield Problem(json_path(path), message, str(leaf.validator))


# Size keywords: the words of a message that says the size instead of repeating the value.
_SIZES = {
    "maxItems": ("items", "at most"),
    "minItems": ("items", "at least"),
    "maxLength": ("characters", "at most"),
    "minLength": ("characters", "at least"),
}
SHOWN_CHARS = 60  # of a value a message repeats: a refused megabyte is not sent back


def _message(leaf: ValidationError) -> str:
    value = leaf.instance
    if leaf.validator in _SIZES and isinstance(value, str | list):
        unit, bound = _SIZES[str(leaf.validator)]
        return f"{len(value)} {unit}; {bound} {leaf.validator_value}"
    if leaf.validator == "enum":
        allowed = ", ".join(str(v) for v in leaf.validator_value if v is not None)
        return f"{_shown(value)} is not one of: {allowed}"
    shown, message = repr(value), str(leaf.message)
    if len(shown) > SHOWN_CHARS and message.startswith(shown):  # jsonschema's: "<value> is not ..."
        return _shown(value) + message[len(shown) :]
    return message


def _shown(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= SHOWN_CHARS else shown[: SHOWN_CHARS - 1] + "…"
