"""Loads the schema files once and builds compiled validators from them."""

from __future__ import annotations

import ast
import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.protocols import Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from spec._formats import format_checker
from spec._walk import rebuild

BASE_URI = "https://oioi-mock.invalid/schemas/"
SCHEMA_NAMES = (
    "common",
    "interval",
    "session",
    "user",
    "request",
    "response-success",
    "response-error",
    "response-rate-limited",
    "response-request-fault",
    "response-server-fault",
    "response",
)


@cache
def load_schema(name: str) -> dict[str, Any]:
    """The schema document spec/schemas/<name>.json, parsed once. Treat it as read-only."""
    if name not in SCHEMA_NAMES:
        raise KeyError(f"unknown schema {name!r}; schemas: {', '.join(SCHEMA_NAMES)}")
    text = resources.files("spec").joinpath(f"schemas/{name}.json").read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def _registry(documents: dict[str, Any]) -> Registry:
    resources_ = [
        (BASE_URI + f"{name}.json", Resource.from_contents(doc, default_specification=DRAFT202012))
        for name, doc in documents.items()
    ]
    return Registry().with_resources(resources_).crawl()


@cache
def _open_registry() -> Registry:
    return _registry({name: load_schema(name) for name in SCHEMA_NAMES})


def _close(original: dict[str, Any], copy: dict[str, Any]) -> dict[str, Any]:
    # A schema whose properties are all ``true`` only names them (``not: {required: [...]}`` beside them).
    declares = isinstance(original.get("properties"), dict) and any(
        value is not True for value in original["properties"].values()
    )
    if declares and "unevaluatedProperties" not in original:
        copy["unevaluatedProperties"] = False
    return copy


def _closed(schema: Any) -> Any:
    """A copy of a schema where every object with declared properties admits no others."""
    return rebuild(schema, _close)


@cache
def _closed_registry() -> Registry:
    return _registry({name: _closed(load_schema(name)) for name in SCHEMA_NAMES})


@cache
def validator(name: str, profile: str = "strict") -> Validator:
    """The compiled validator for schema ``name`` in ``profile`` ("strict" or "lenient"), built once."""
    load_schema(name)  # raises a helpful KeyError for unknown names
    return Draft202012Validator(
        {"$ref": BASE_URI + f"{name}.json"},
        registry=_open_registry(),
        format_checker=format_checker(profile),
    )


@cache
def closed_validator(name: str) -> Validator:
    """A validator that also rejects properties the spec does not declare (for warnings)."""
    load_schema(name)
    return Draft202012Validator(
        {"$ref": BASE_URI + f"{name}.json"},
        registry=_closed_registry(),
        format_checker=format_checker("lenient"),
    )


def unexpected_names(message: str) -> list[str]:
    """The property names out of jsonschema's "(... was/were unexpected)" message."""
    inner = message[message.index("(") + 1 : message.rindex(" unexpected)")]
    inner = inner.rsplit(" ", 1)[0]  # drop "was" / "were"
    names = ast.literal_eval(f"({inner},)")
    return [str(name) for name in names]
