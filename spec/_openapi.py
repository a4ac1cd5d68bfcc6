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


def openapi_path() -> Path:
    """Path of spec/openapi.yaml (a file wherever pip installs the kit); its refs are relative to it."""
    return Path(str(resources.files("spec").joinpath("openapi.yaml")))


def _rewrite(node: Any, here: str) -> Any:
    """Copy ``node`` pointing file refs at ``#/components/schemas/<stem>``; ``here`` owns ``#/...``."""

    def component(ref: str) -> str:
        target, _, fragment = ref.partition("#")
        stem = Path(target).name.removesuffix(".json") if target else here
        return f"#/components/schemas/{stem}{fragment}" if target or here else ref

    return map_refs(node, component)


@cache
def _bundled() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(openapi_path().read_text("utf-8"))
    bundled: dict[str, Any] = _rewrite(document, here="")
    schemas = bundled.setdefault("components", {}).setdefault("schemas", {})
    for name in SCHEMA_NAMES:
        # Without its ``$id``: inside one document a ``#/components/...`` ref must resolve against the
        # document itself, not against the schema file's own id.
        own = {key: value for key, value in load_schema(name).items() if key != "$id"}
        schemas[name] = _rewrite(own, here=name)
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
