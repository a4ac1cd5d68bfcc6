"""Magic values, like a payment provider's test cards: identifiers and tokens with one fixed outcome.

One table. ``field`` is an identifier-type (the value is matched against the request's identifier when
the request uses that type) or ``token-field`` (matched against the request's ``token`` field, whatever
the identifier-type). Magic values work in every mode and take precedence over the user directory.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Outcome:
    """What a magic value (or a directory user) produces: an error code, or success with a data variant."""

    code: int = 0
    variant: str = "normal"


@dataclass(frozen=True)
class MagicValue:
    field: str
    value: str
    outcome: Outcome
    description: str


_ERRORS = {
    140: "result 140 (no positive authentication response)",
    144: "result 144 (email does not exist)",
    145: "result 145 (user token not valid)",
    100: "result 100 (system error)",
    101: "result 101 (database error)",
    102: "result 102 (system timeout)",
}
_VARIANTS = {
    "none": ("no-sessions", "DA7A0000", "success with no sessions"),
    "many": ("many-sessions", "DA7A0001", "success with 200 sessions"),
    "in-progress": ("in-progress", "DA7A0002", "success; the newest session is still in progress"),
    "never-charged": ("never-charged", "DA7A0003", "success; the newest session never charged"),
}


def _rows() -> list[MagicValue]:
    rows: list[MagicValue] = []
    for code, text in _ERRORS.items():
        outcome = Outcome(code=code)
        rows += [
            MagicValue("username", f"error-{code}@example.com", outcome, text),
            MagicValue("rfid", f"DEAD0{code}", outcome, text),
            MagicValue("evco-id", f"DE*MCK*E{code}*0", outcome, text),
            MagicValue("token", f"error-{code}", outcome, text),
            MagicValue("token-field", f"error-{code}", outcome, text + " for any identifier"),
        ]
    for variant, (slug, rfid, text) in _VARIANTS.items():
        outcome = Outcome(variant=variant)
        rows += [
            MagicValue("username", f"{slug}@example.com", outcome, text + " (any token, or none)"),
            MagicValue("rfid", rfid, outcome, text),
            MagicValue("evco-id", f"DE*MCK*{slug.upper()}*0", outcome, text),
            MagicValue("token", slug, outcome, text),
        ]
    return rows


MAGIC_VALUES: tuple[MagicValue, ...] = tuple(_rows())
_INDEX = MappingProxyType({(m.field, m.value): m for m in MAGIC_VALUES})


def lookup(identifier_type: str, identifier: str, token: str | None) -> MagicValue | None:
    """The magic value this request names, if any (the identifier first, then the token field)."""
    found = _INDEX.get((identifier_type, identifier))
    if found is None and token is not None and identifier_type != "token":
        found = _INDEX.get(("token-field", token))
    return found
