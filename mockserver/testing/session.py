"""One session of a running mock, for one test: its base URL, its scripts, its journal, its verdicts.

Every method is one call of the documented admin API (docs/qa.md), sent with ``X-Mock-Session``; the
names are the API's own (``match``, ``sequence``, ``ttl``; journal fields with ``_`` for ``-``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mockserver.testing.admin import Admin

Step = str | Mapping[str, Any]  # "result-102", or {"scenario": "result-102", "times": 2}
SESSION_PREFIX = "/sessions/"


def _api_names(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Python keywords as the admin API names them (``identifier_type`` -> ``identifier-type``)."""
    return {name.replace("_", "-"): value for name, value in fields.items() if value is not None}


def _step(step: Step) -> dict[str, Any]:
    return {"scenario": step} if isinstance(step, str) else dict(step)


@dataclass(frozen=True)
class Session:
    """Session ``name`` of the mock that ``admin`` reaches."""

    admin: Admin
    name: str

    @property
    def base_url(self) -> str:
        """The URL to give the app under test: every request under it is journalled and scripted as
        mock session ``name``.

        An id holding ``/`` has no base URL (it would not be one path segment): use ``headers``.
        """
        if "/" in self.name:
            raise ValueError(f"session {self.name!r} holds '/': it has no base URL; send its headers")
        return self.admin.url.rstrip("/") + SESSION_PREFIX + self.name

    @property
    def headers(self) -> dict[str, str]:
        """The header that puts a request on the mock's own base URL into mock session ``name``."""
        return {"X-Mock-Session": self.name}

    def script(
        self,
        sequence: Sequence[Step],
        match: Mapping[str, Any] | None = None,
        ttl: float | None = None,
    ) -> dict[str, Any]:
        """Install a script: matching requests get the steps in order (``POST /__mock/scenarios/script``).

        ``match`` takes ``call``, ``identifier_type`` (or ``identifier-type``), ``identifier``. A refusal
        raises AdminError whose ``paths`` name what was wrong, e.g. ``$.sequence[0].scenario``.
        """
        body: dict[str, Any] = {"sequence": [_step(step) for step in sequence]}
        if match is not None:
            body["match"] = _api_names(match)
        if ttl is not None:
            body["ttl"] = ttl
        _, made = self.admin.call("POST", "/scenarios/script", session=self.name, body=body)
        return dict(made)

    def scripts(self) -> list[dict[str, Any]]:
        """The session's scripts, in precedence order, then used-up ones."""
        _, listed = self.admin.call("GET", "/scenarios/scripts", session=self.name)
        return list(listed["scripts"])

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """The journal, newest first, filtered as ``GET /__mock/requests`` filters it.

        Filters: ``call``, ``identifier``, ``identifier_type``, ``result``, ``status``, ``scenario``,
        ``method``, ``path``, ``since``, ``until``, ``limit``. An unknown one raises AdminError.
        """
        _, found = self.admin.call("GET", "/requests", session=self.name, query=_api_names(filters))
        return list(found["requests"])

    def verify(
        self,
        *,
        exactly: int | None = None,
        at_least: int | None = None,
        at_most: int | None = None,
        since: str | None = None,
        until: str | None = None,
        **match: Any,
    ) -> dict[str, Any]:
        """Assert that requests matching ``match`` (journal fields) happened (default: at least once).

        Raises AssertionError with the mock's message and its closest misses, field by field.
        """
        __tracebackhide__ = True  # a failure shows the test's line, then this message
        body = _api_names(
            {"exactly": exactly, "at_least": at_least, "at_most": at_most, "since": since, "until": until}
        )
        body["match"] = _api_names(match)
        status, outcome = self.admin.call(
            "POST", "/requests/verify", session=self.name, body=body, ok=(200, 409)
        )
        if status != 200:
            raise AssertionError(verify_message(self.name, body, outcome))
        return dict(outcome)

    def reset(self) -> dict[str, Any]:
        """Remove the session's scripts (back to its scenario-file scripts) and its journal."""
        _, done = self.admin.call("DELETE", "/state", session=self.name)
        return dict(done)

    def journal_text(self, limit: int = 50) -> str:
        """The journal as lines a person reads, oldest first (what a failed test's report shows)."""
        found = self.requests(limit=limit)
        if not found:
            return f"session {self.name!r}: no requests"
        lines = [f"session {self.name!r}: {len(found)} request(s), oldest first"]
        lines += [entry_line(entry) for entry in reversed(found)]
        return "\n".join(lines)


def entry_line(entry: Mapping[str, Any]) -> str:
    """One journal entry on one line: when, what was asked, what the app got and why."""
    who = f"{entry.get('identifier-type')}:{entry.get('identifier')}" if entry.get("identifier") else "-"
    scenario = entry.get("scenario") or "normal"
    script = entry.get("script")
    served = f" (script {script['id']} step {script['step']})" if isinstance(script, Mapping) else ""
    return (
        f"{entry.get('time')} {entry.get('method')} {entry.get('path')} {who}"
        f" -> HTTP {entry.get('status')} result {entry.get('result')} [{scenario}{served}]"
    )


def verify_message(session: str, asked: Mapping[str, Any], outcome: Any) -> str:
    """Why a verify failed: the mock's message, what was asked, and each closest miss field by field."""
    if not isinstance(outcome, Mapping):
        return f"session {session!r}: verify {dict(asked)} failed: {outcome!r}"
    lines = [f"session {session!r}: {outcome.get('message')}; asked {dict(asked)}"]
    closest = outcome.get("closest") or []
    lines.append("closest misses:" if closest else "closest misses: none")
    for near in closest:
        mismatches = ", ".join(
            f"{m['field']} expected {m['expected']!r}, got {m['actual']!r}"
            for m in near.get("mismatches", [])
        )
        lines.append(f"  {entry_line(near.get('request', {}))}")
        lines.append(f"    agrees on {near.get('agrees')} of {near.get('of')}: {mismatches}")
    return "\n".join(lines)
