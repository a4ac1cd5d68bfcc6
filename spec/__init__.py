"""The user-get-recent-sessions contract as data, and the one loader that validates with it.

Public API (everything else is private):

- ``load_schema(name)``: a schema document of ``spec/schemas`` (read-only).
- ``validator(name, profile)``: a compiled jsonschema validator, built once per (name, profile).
- ``problems(instance, name, profile)``: every violation as a ``Problem`` with a JSON path.
- ``unknown_fields(instance, name)``: JSON paths of properties the spec does not declare.
- ``CALL``, ``IDENTIFIER_TYPES``, ``IDENTIFIER_LENGTH``, ``TOKEN_LENGTH``: the call's vocabulary,
  read from the schemas (every package takes them from here).
- ``result_codes()``: the documented result codes, their families and HTTP status per mapping.
- ``parse_json(body)``: a JSON text every client reads the same way, or ``NOT_JSON`` and why.
- ``answer_rules``: rules of a whole answer (Content-Type, result code vs sessions and status).
- ``check_invariants(body)``: the rules JSON Schema cannot express (see ``spec.invariants``).
- ``openapi_path()`` / ``openapi_document()``: the OpenAPI 3.1 file, and a copy with every
  schema file and example bundled in (for serving as one document).
- ``fixture(name)``: a file of ``fixtures/`` the programs read at run time (the demo users, the example
  scenario files, the document's examples), as package data: ``fixture("users.yaml")``.
- ``DISTRIBUTION``: the name of the distribution this ``spec`` belongs to; the programs check it at start,
  since another distribution may install a module of the same name (ARCHITECTURE.md, "What a wheel holds").
- ``version()``: the kit's version as installed; CHANGELOG.md's top entry names it.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import metadata
from typing import Any

from spec import answer_rules
from spec._codes import STATUS_MAPPINGS, ResultCode, result_codes
from spec._fixtures import fixture
from spec._formats import FORMATS, PROFILES, format_checker, iso4217_codes, parse_date_time
from spec._json import MAX_DEPTH, NOT_JSON, nested_too_deep, parse_json
from spec._numbers import ASCII_INTEGER, ASCII_NUMBER
from spec._openapi import openapi_document, openapi_path
from spec._problems import Problem, from_errors, header_path, headline, json_path, leaf_errors, value_at
from spec._registry import SCHEMA_NAMES, closed_validator, load_schema, unexpected_names, validator
from spec._vocabulary import CALL, IDENTIFIER_LENGTH, IDENTIFIER_TYPES, TOKEN_LENGTH
from spec.invariants import INVARIANTS, check_invariants

DISTRIBUTION = "oioi-recent-sessions-kit"

__all__ = [
    "ASCII_INTEGER",
    "ASCII_NUMBER",
    "CALL",
    "DISTRIBUTION",
    "FORMATS",
    "IDENTIFIER_LENGTH",
    "IDENTIFIER_TYPES",
    "INVARIANTS",
    "MAX_DEPTH",
    "NOT_JSON",
    "PROFILES",
    "SCHEMA_NAMES",
    "STATUS_MAPPINGS",
    "TOKEN_LENGTH",
    "Problem",
    "ResultCode",
    "answer_rules",
    "check_invariants",
    "fixture",
    "format_checker",
    "header_path",
    "headline",
    "iso4217_codes",
    "json_path",
    "load_schema",
    "nested_too_deep",
    "openapi_document",
    "openapi_path",
    "parse_date_time",
    "parse_json",
    "problems",
    "result_codes",
    "unknown_fields",
    "validator",
    "value_at",
    "version",
]


@lru_cache(maxsize=1)
def version() -> str:
    """The kit's version, as installed (``pyproject.toml``'s; CHANGELOG.md's top entry names it)."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a folder that was never installed
        return "unknown"


def problems(instance: Any, name: str, profile: str = "strict") -> list[Problem]:
    """Every way ``instance`` violates schema ``name`` in ``profile``, sorted by JSON path."""
    return from_errors(validator(name, profile).iter_errors(instance))


def unknown_fields(instance: Any, name: str) -> list[str]:
    """JSON paths of properties present in ``instance`` that schema ``name`` does not declare.

    The spec allows them (tolerant reader); callers report them as warnings.
    """
    # Every closed schema applying at a location names a superset of the truly unknown names
    # (an allOf branch that fails hides its properties from its parent), so intersect them.
    by_location: dict[tuple[Any, ...], set[str]] = {}
    for error in closed_validator(name).iter_errors(instance):
        for leaf in leaf_errors(error):
            if leaf.validator == "unevaluatedProperties":
                names = set(unexpected_names(leaf.message))
                location = tuple(leaf.absolute_path)
                by_location[location] = by_location.get(location, names) & names
    return sorted(json_path([*location, field]) for location, names in by_location.items() for field in names)
