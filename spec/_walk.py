"""One recursive walk over JSON documents (schemas, the OpenAPI document): a copy, node by node."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ObjectHook = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]


def rebuild(node: Any, hook: ObjectHook) -> Any:
    """A deep copy of ``node``; each object is copied child-first, then ``hook(original, copy)``
    returns what stands in its place (the copy, changed or not)."""
    if isinstance(node, list):
        return [rebuild(item, hook) for item in node]
    if not isinstance(node, dict):
        return node
    return hook(node, {key: rebuild(value, hook) for key, value in node.items()})


def map_refs(node: Any, rewrite: Callable[[str], str]) -> Any:
    """A copy of ``node`` whose every string ``$ref`` is ``rewrite($ref)``."""

    def hook(original: dict[str, Any], copy: dict[str, Any]) -> dict[str, Any]:
        ref = original.get("$ref")
        if isinstance(ref, str):
            copy["$ref"] = rewrite(ref)
        return copy

    return rebuild(node, hook)
