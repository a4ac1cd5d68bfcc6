"""The OpenAPI 3.1 document: its path, and a bundled copy (one self-contained document)."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from spec._registry import SCHEMA_NAMES, load_schema
from spec._walk import map_refs

SPEC_DIR = Path(__file__).resolve().parent


def openapi_path() -> Path:
    """Path of spec/openapi.yaml; its schema refs are relative to it."""
    return SPEC_DIR / "openapi.yaml"


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
        schemas[name] = _rewrite(load_schema(name), here=name)
    _inline_examples(bundled)
    return bundled


def _inline_examples(node: Any) -> None:
    if isinstance(node, dict):
        external = node.get("externalValue")
        example_file = SPEC_DIR / external if isinstance(external, str) else None
        # The example files live in fixtures/, beside spec/ in a checkout; an installed wheel has none.
        if example_file is not None and example_file.is_file():
            node["value"] = json.loads(example_file.read_text("utf-8"))
            del node["externalValue"]
        for value in node.values():
            _inline_examples(value)
    elif isinstance(node, list):
        for item in node:
            _inline_examples(item)


def openapi_document() -> dict[str, Any]:
    """A fresh copy of the OpenAPI document with every schema file and example inlined."""
    return copy.deepcopy(_bundled())
