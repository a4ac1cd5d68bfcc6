"""JSON a client can rely on: the one strict reader both the contract suite and the proxy use (D35).

Not JSON a client can rely on: bytes that are not UTF-8, a byte-order mark, NaN and Infinity, numbers
that overflow a double, a key twice in one object (parsers disagree on which counts), trailing bytes,
nesting deeper than ``MAX_DEPTH``, a string escape that is an unpaired surrogate.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

from spec._problems import json_path

NOT_JSON = object()
# Parsers limit nesting (RFC 8259 section 9): Ruby's refuses more than 100 levels unless told otherwise.
MAX_DEPTH = 100

# A string, or the rest of the text after an unterminated one: possessive, so never scanned twice.
_STRING = re.compile(r'"(?:[^"\\]++|\\[\s\S])*+(?:"|\\?\Z)')
_NOT_BRACKET = re.compile(r"[^\[\]{}]++")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"the number {text[:40]} is out of range for any client (RFC 8259 section 6)")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for key, item in pairs:
        if key in value:
            raise ValueError(
                f"the key {key!r} appears twice in one object: clients disagree on which counts "
                "(RFC 8259 section 4)"
            )
        value[key] = item
    return value


def nested_too_deep(text: str) -> bool:
    """Whether brackets outside strings nest deeper than ``MAX_DEPTH`` (decided before parsing: parsers
    and validators recurse, and would exhaust the stack). Every reader of a client's JSON asks it."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0) > MAX_DEPTH


def _lone_surrogate(text: str) -> str | None:
    lone = next((char for char in text if "\ud800" <= char <= "\udfff"), None)
    return None if lone is None else f"\\u{ord(lone):04x}"


def _unpaired_surrogate(node: Any, parts: tuple[Any, ...] = ()) -> str | None:
    """Where the first string (or key) holding a lone surrogate is, and the surrogate; else None."""
    if isinstance(node, str):
        lone = _lone_surrogate(node)
        return None if lone is None else f"the string at {json_path(parts)} holds {lone}"
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        lone = _lone_surrogate(key) if isinstance(key, str) else None
        if lone is not None:
            return f"a key of the object at {json_path(parts)} holds {lone}"
        found = _unpaired_surrogate(value, (*parts, key))
        if found:
            return found
    return None


def parse_json(body: bytes) -> tuple[Any, str]:
    """(value, "") for a JSON text in UTF-8 every client reads the same way, else (NOT_JSON, why)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return NOT_JSON, f"not UTF-8: {exc}"
    if text.startswith("\ufeff"):
        return NOT_JSON, "not JSON: it starts with a byte-order mark (RFC 8259 section 8.1)"
    if nested_too_deep(text):
        return NOT_JSON, f"not JSON: nested deeper than {MAX_DEPTH} levels (RFC 8259 section 9)"
    try:
        value = json.loads(
            text, parse_constant=_no_constants, parse_float=_finite, object_pairs_hook=_unique_keys
        )
    except ValueError as exc:
        return NOT_JSON, f"not JSON: {exc}"
    lone = _unpaired_surrogate(value) if _SURROGATE_ESCAPE.search(text) else None
    if lone is not None:
        why = f"{lone}, an unpaired surrogate clients read differently (RFC 8259 section 8.2)"
        return NOT_JSON, f"not JSON: {why}"
    return value, ""
