"""JSON Schemas of the mock's own formats (admin bodies, scenario files) and problems with JSON paths.

These describe the mock's configuration, not the protocol: the protocol lives in ``spec/``.
"""

from __future__ import annotations

import json
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
    found: set[Problem] = set()
    for error in validator(ref).iter_errors(instance):
        leaf = _leaf(error)
        path = [*prefix, *leaf.absolute_path]
        schema = leaf.schema if isinstance(leaf.schema, dict) else {}
        if leaf.validator == "additionalProperties" and isinstance(leaf.instance, dict):
            allowed = ", ".join(schema.get("properties", {})) or "none"
            for name in leaf.instance:
                if name not in schema.get("properties", {}):
                    message = f"unknown field; allowed: {allowed}"
                    found.add(Problem(json_path([*path, name]), message, "additionalProperties"))
            continue
        custom = leaf.validator in ("not", "oneOf") and "x-message" in schema
        message = schema["x-message"] if custom else leaf.message
        if leaf.validator == "enum":
            allowed = ", ".join(str(v) for v in leaf.validator_value if v is not None)
            message = f"{leaf.instance!r} is not one of: {allowed}"
        found.add(Problem(json_path(path), message, str(leaf.validator)))
    return sorted(found)
