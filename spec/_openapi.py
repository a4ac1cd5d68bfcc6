"""The OpenAPI 3.1 document: its path, and a bundled copy (one self-contained document).

Both are package data, read with ``importlib.resources``: ``openapi.yaml`` of ``spec``, and the example
files its ``externalValue``s name relative to it, ``../fixtures/...`` (``spec._fixtures``).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from spec._fixtures import fixture
from spec._registry import SCHEMA_NAMES, load_schema
from spec._walk import map_refs

FIXTURES = "../fixtures/"  # how openapi.yaml names fixtures/, beside spec/ in a checkout
# Schema files that are libraries of ``$defs`` and no schema themselves: in the bundled document each
# definition another schema uses is a component of its own (``#/components/schemas/dateTime``), so that
# every component is used and generators and linters see the definitions as named types.
LIBRARIES = ("common",)
COMPONENT = "#/components/schemas/"


def openapi_path() -> Path:
    """Path of spec/openapi.yaml (a file wherever pip installs the kit); its refs are relative to it."""
    return Path(str(resources.files("spec").joinpath("openapi.yaml")))


def _rewrite(node: Any, here: str) -> Any:
    """Copy ``node`` pointing file refs at ``#/components/schemas/<stem>``; ``here`` owns ``#/...``."""

    def component(ref: str) -> str:
        target, _, fragment = ref.partition("#")
        stem = Path(target).name.removesuffix(".json") if target else here
        if stem in LIBRARIES and fragment.startswith("/$defs/"):
            return COMPONENT + fragment.removeprefix("/$defs/")
        return f"{COMPONENT}{stem}{fragment}" if target or here else ref

    return map_refs(node, component)


def _refs(node: Any) -> set[str]:
    """Every string ``$ref`` in ``node``."""
    if isinstance(node, list):
        return set().union(*(_refs(item) for item in node))
    if not isinstance(node, dict):
        return set()
    own = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
    return own.union(*(_refs(value) for value in node.values()))


@cache
def _bundled() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(openapi_path().read_text("utf-8"))
    bundled: dict[str, Any] = _rewrite(document, here="")
    schemas = bundled.setdefault("components", {}).setdefault("schemas", {})
    definitions: dict[str, Any] = {}  # of the libraries, by name: those in use become components
    for name in SCHEMA_NAMES:
        # Without its ``$id``: inside one document a ``#/components/...`` ref must resolve against the
        # document itself, not against the schema file's own id.
        own = {key: value for key, value in load_schema(name).items() if key != "$id"}
        if name in LIBRARIES:
            definitions.update((key, _rewrite(value, here=name)) for key, value in own["$defs"].items())
        else:
            schemas[name] = _rewrite(own, here=name)
    if clash := sorted(set(definitions) & set(schemas)):
        raise ValueError(f"definitions of {LIBRARIES} named like components: {clash}")
    used = _refs(bundled)
    while waiting := {key for key in definitions if COMPONENT + key in used} - set(schemas):
        for key in sorted(waiting):
            schemas[key] = definitions[key]
            used |= _refs(definitions[key])
    _inline_examples(bundled)
    return bundled


def _inline_examples(node: Any) -> None:
    if isinstance(node, dict):
        external = node.get("externalValue")
        if isinstance(external, str):
            if not external.startswith(FIXTURES):
                raise ValueError(f"openapi.yaml: externalValue {external!r} is not under {FIXTURES}")
            node["value"] = json.loads(fixture(external.removeprefix(FIXTURES)).read_text("utf-8"))
            del node["externalValue"]
        for value in node.values():
            _inline_examples(value)
    elif isinstance(node, list):
        for item in node:
            _inline_examples(item)


def openapi_document() -> dict[str, Any]:
    """A fresh copy of the OpenAPI document with every schema file and example inlined."""
    return copy.deepcopy(_bundled())
