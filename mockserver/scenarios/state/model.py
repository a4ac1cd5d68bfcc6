"""Scripts as plain values: a matcher, a sequence of scenario steps, and how far it has been served.

Precedence when several scripts match one request (the same rule in every store):
a script that names the ``identifier`` beats one that does not, then one that names the
``identifier-type``, then one that names the ``call``; among equally specific scripts the
oldest (first installed) wins. An exhausted or expired script never matches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

DEFAULT_SESSION = "default"
MATCH_FIELDS = ("call", "identifier-type", "identifier")
# Specificity weights: identifier outranks identifier-type, which outranks call, whatever else is set.
WEIGHTS: Mapping[str, int] = {"identifier": 4, "identifier-type": 2, "call": 1}


def probe(call: str | None, identifier_type: str | None, identifier: str | None) -> dict[str, str | None]:
    """What a request offers to matchers, keyed like a matcher."""
    return {"call": call, "identifier-type": identifier_type, "identifier": identifier}


def specificity(match: Mapping[str, Any]) -> int:
    """How specific a matcher is (higher wins); see the module docstring."""
    return sum(WEIGHTS[name] for name in MATCH_FIELDS if match.get(name) is not None)


def matches(match: Mapping[str, Any], request: Mapping[str, Any]) -> bool:
    """True when every field the matcher names equals the request's value."""
    return all(match.get(name) is None or match[name] == request.get(name) for name in MATCH_FIELDS)


@dataclass(frozen=True)
class Script:
    """A scripted sequence of scenarios for the requests its matcher selects."""

    id: str
    match: dict[str, str]
    sequence: list[dict[str, Any]]  # [{"scenario": name, "times": n}, ...]
    seq: int = 0  # installation order within the session (the tie-breaker: oldest first)
    created: float = 0.0  # seconds since the epoch
    expires: float | None = None  # seconds since the epoch, or None for no TTL
    origin: str = "api"  # "api" or "file:<path>"
    digest: str = field(default="")  # content digest; file scripts are re-installed only when it changes

    @property
    def total(self) -> int:
        """How many requests the whole sequence serves."""
        return sum(int(step["times"]) for step in self.sequence)

    @property
    def rank(self) -> tuple[int, int]:
        """Sort key: most specific first, then oldest."""
        return (-specificity(self.match), self.seq)

    def step_at(self, served: int) -> str | None:
        """The scenario of the step after ``served`` requests, or None when exhausted."""
        left = served
        for step in self.sequence:
            times = int(step["times"])
            if left < times:
                return str(step["scenario"])
            left -= times
        return None

    def remaining(self, served: int) -> list[dict[str, Any]]:
        """The steps still to serve, with their remaining counts."""
        out: list[dict[str, Any]] = []
        left = served
        for step in self.sequence:
            times = int(step["times"])
            if left >= times:
                left -= times
                continue
            out.append({"scenario": step["scenario"], "times": times - left})
            left = 0
        return out

    def expired(self, now: float) -> bool:
        return self.expires is not None and self.expires <= now

    def to_json(self) -> bytes:
        return orjson.dumps(
            {
                "id": self.id,
                "match": self.match,
                "sequence": self.sequence,
                "seq": self.seq,
                "created": self.created,
                "expires": self.expires,
                "origin": self.origin,
                "digest": self.digest,
            }
        )

    @classmethod
    def from_json(cls, data: bytes | str) -> Script:
        raw = orjson.loads(data)
        return cls(
            id=raw["id"],
            match=dict(raw.get("match") or {}),
            sequence=list(raw["sequence"]),
            seq=int(raw.get("seq", 0)),
            created=float(raw.get("created", 0.0)),
            expires=None if raw.get("expires") is None else float(raw["expires"]),
            origin=str(raw.get("origin", "api")),
            digest=str(raw.get("digest", "")),
        )


@dataclass(frozen=True)
class StoredScript:
    """A script as a store holds it: the definition and how many requests it has served."""

    script: Script
    served: int

    @property
    def exhausted(self) -> bool:
        return self.served >= self.script.total

    def view(self) -> dict[str, Any]:
        """The admin API's representation."""
        script = self.script
        return {
            "id": script.id,
            "match": script.match,
            "sequence": script.sequence,
            "served": self.served,
            "remaining": script.remaining(self.served),
            "exhausted": self.exhausted,
            "created": iso(script.created),
            "expires": None if script.expires is None else iso(script.expires),
            "origin": script.origin,
        }


def iso(seconds: float) -> str:
    """An epoch time as an RFC 3339 UTC string with milliseconds."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")


def normalise_sequence(sequence: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Steps with an explicit ``times`` (default 1)."""
    return [{"scenario": step["scenario"], "times": int(step.get("times", 1))} for step in sequence]


def digest(*parts: Any) -> str:
    """A short stable digest of JSON-able parts (identifies a file script's content)."""
    return hashlib.sha256(orjson.dumps(parts, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]
