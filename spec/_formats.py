"""Format checks per validation profile: the one table the validator and the generator share.

python-jsonschema ignores ``format`` unless a FormatChecker that knows the format is passed;
these checkers are built per profile and handed to every validator by ``spec._registry``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from functools import cache
from importlib import resources

from jsonschema import FormatChecker

PROFILES = ("strict", "lenient")

# re.ASCII: \d must not match other scripts' digits.
_STRICT_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}", re.ASCII)
_RFC3339_DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})", re.ASCII
)
_STRICT_MONEY = re.compile(r"(?:0|[1-9]\d*)\.\d{2}", re.ASCII)
_LENIENT_MONEY = re.compile(r"\d+(?:\.\d+)?", re.ASCII)


def parse_date_time(value: str) -> datetime:
    """Parse any date-time either profile accepts into an aware datetime (ValueError if none)."""
    if not _RFC3339_DATE_TIME.fullmatch(value):
        raise ValueError(f"not an RFC 3339 date-time: {value!r}")
    parsed = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    offset = parsed.utcoffset()
    if offset is None or abs(offset.total_seconds()) >= 24 * 3600:
        raise ValueError(f"bad UTC offset: {value!r}")
    return parsed


def _is_date_time(pattern: re.Pattern[str]) -> Callable[[object], bool]:
    def check(value: object) -> bool:
        if not isinstance(value, str):
            return True  # `type` judges non-strings
        if not pattern.fullmatch(value):
            return False
        try:
            parse_date_time(value)
        except ValueError:
            return False
        return True

    return check


def _matches(pattern: re.Pattern[str]) -> Callable[[object], bool]:
    def check(value: object) -> bool:
        return not isinstance(value, str) or pattern.fullmatch(value) is not None

    return check


@cache
def iso4217_codes() -> frozenset[str]:
    """The active ISO 4217 alphabetic codes, from spec/data/iso4217.json."""
    data = json.loads(resources.files("spec").joinpath("data/iso4217.json").read_text("utf-8"))
    return frozenset(data["codes"])


def _is_currency(value: object) -> bool:
    return not isinstance(value, str) or value in iso4217_codes()


# format name -> profile -> check. The generator (spec.strategies) draws from the same names.
FORMATS: dict[str, dict[str, Callable[[object], bool]]] = {
    "oioi-date-time": {
        "strict": _is_date_time(_STRICT_DATE_TIME),
        "lenient": _is_date_time(_RFC3339_DATE_TIME),
    },
    "oioi-money": {"strict": _matches(_STRICT_MONEY), "lenient": _matches(_LENIENT_MONEY)},
    "iso4217": {"strict": _is_currency, "lenient": _is_currency},
}


@cache
def format_checker(profile: str) -> FormatChecker:
    """A FormatChecker enforcing this profile's formats (and only those)."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; profiles: {', '.join(PROFILES)}")
    checker = FormatChecker(formats=())
    for name, per_profile in FORMATS.items():
        checker.checks(name)(per_profile[profile])
    return checker
