"""Validation problems as plain values with JSON paths."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from jsonschema import ValidationError


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an instance, and where: ``path`` is a JSON path (``$.user.sessions[0].cost``)."""

    path: str
    message: str
    keyword: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


def header_path(name: str) -> str:
    """Where a problem in a request's or an answer's header is: ``headers.Content-Type``, outside the
    body's ``$`` (D19)."""
    return f"headers.{name}"


def json_path(parts: Iterable[Any]) -> str:
    """``$`` followed by ``.name`` for object keys and ``[i]`` for array indices."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and part.replace("-", "").replace("_", "").isalnum():
            out += f".{part}"
        else:
            out += "[" + _quote(str(part)) + "]"
    return out


def value_at(instance: Any, path: str) -> Any:
    """The value at a JSON path of ``json_path``'s simple form (names and indices), or None when absent."""
    node = instance
    for key, index in re.findall(r"\.([\w-]+)|\[(\d+)\]", path):
        try:
            node = node[int(index)] if index else node[key]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def leaf_errors(error: ValidationError) -> Iterable[ValidationError]:
    """The most specific errors: an anyOf/oneOf failure is explained by its likeliest branch.

    The likeliest branch is one whose ``type`` fits the instance (for ``anyOf: [null, date-time]``
    and the string "2014-06-23", the date-time branch), then one whose ``const`` holds (the value a
    response's branches are told apart by: result code 0 is the success branch, D16), then the one with
    the fewest errors.
    """
    if not error.context:
        yield error
        return
    branches: dict[Any, list[ValidationError]] = {}
    for child in error.context:
        branches.setdefault(child.relative_schema_path[0], []).append(child)

    def rank(item: tuple[Any, list[ValidationError]]) -> tuple[int, int, int]:
        _, errors = item
        type_mismatch = any(e.validator == "type" and not e.relative_path for e in errors)
        other_kind = any(e.validator == "const" for e in errors)
        return (int(type_mismatch), int(other_kind), len(errors))

    _, chosen = min(branches.items(), key=rank)
    for child in chosen:
        yield from leaf_errors(child)


def _describe(error: ValidationError) -> tuple[list[Any], str]:
    """The path and message for one leaf error, in words a reader can act on."""
    path = list(error.absolute_path)
    forbidden = error.validator_value if error.validator == "not" else None
    # `not: {required: [name]}`, the name declared beside it (`properties: {name: true}`) for strict tools
    if isinstance(forbidden, dict) and "required" in forbidden and isinstance(error.instance, dict):
        present = [name for name in forbidden["required"] if name in error.instance]
        if len(present) == 1:
            return [*path, present[0]], f"{present[0]!r} must not be present here"
    if error.validator == "format" and error.validator_value in _FORMAT_WORDS:
        return path, f"{error.instance!r} is not {_FORMAT_WORDS[error.validator_value]}"
    return path, error.message


_FORMAT_WORDS = {
    "oioi-date-time": "a date-time of the profile's form (strict: 2014-06-23T18:32:49+02:00; "
    "lenient: RFC 3339)",
    "oioi-money": "a non-negative decimal string of the profile's form (strict: two decimals, 3.76)",
    "iso4217": "an ISO 4217 currency code (upper case, e.g. EUR)",
}


def from_errors(errors: Iterable[ValidationError]) -> list[Problem]:
    """Sorted, de-duplicated problems for a validator's errors."""
    found: set[Problem] = set()
    for error in errors:
        for leaf in leaf_errors(error):
            path, message = _describe(leaf)
            found.add(Problem(json_path(path), message, str(leaf.validator)))
    return sorted(found)


def headline(problems: Sequence[Problem]) -> str:
    """One line naming the first problem, for an ``error`` message."""
    if not problems:
        return "no problems"
    first = problems[0]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{first.path}: {first.message}{more}"
