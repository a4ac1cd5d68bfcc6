"""``--self-check``: every outgoing protocol body checked against spec/ (strict) and the invariants."""

from __future__ import annotations

import orjson

import spec
from mockserver.answers import JSON, Answer
from spec import Problem


def check(answer: Answer) -> list[Problem]:
    """Problems of a protocol answer's body; answers broken on purpose by a scenario are not checked."""
    if answer.deliberate or answer.content_type != JSON or not answer.body:
        return []
    try:
        body = orjson.loads(answer.body)
    except orjson.JSONDecodeError as error:
        return [Problem("$", f"not JSON: {error}", "json")]
    found = spec.problems(body, "response", "strict")
    if answer.code == 0:
        found += spec.check_invariants(body)
    return found
