"""JSON a client can rely on: the one strict reader both the contract suite and the proxy use (D35).

Not JSON a client can rely on: bytes that are not UTF-8, a byte-order mark, NaN and Infinity, numbers
that overflow a double, a key twice in one object (parsers disagree on which counts), trailing bytes.
"""

from __future__ import annotations

import json
import math
from typing import Any

NOT_JSON = object()


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


def parse_json(body: bytes) -> tuple[Any, str]:
    """(value, "") for a JSON text in UTF-8 every client reads the same way, else (NOT_JSON, why)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return NOT_JSON, f"not UTF-8: {exc}"
    if text.startswith("\ufeff"):
        return NOT_JSON, "starts with a byte-order mark"
    try:
        return json.loads(
            text, parse_constant=_no_constants, parse_float=_finite, object_pairs_hook=_unique_keys
        ), ""
    except ValueError as exc:
        return NOT_JSON, f"not JSON: {exc}"
