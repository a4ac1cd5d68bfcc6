"""Formats are really enforced: python-jsonschema ignores `format` without the right FormatChecker."""

from __future__ import annotations

import copy

import pytest
from jsonschema import Draft202012Validator

import spec
from spec._registry import _open_registry
from tests.spec.conftest import FIXTURES, load

DOCUMENT = load(FIXTURES / "examples" / "response-success.document.json")


def with_first_session(**changes: object) -> dict:
    body = copy.deepcopy(DOCUMENT)
    body["user"]["sessions"][0].update(changes)
    return body


# (field, value, valid in strict, valid in lenient)
TABLE = [
    ("request-sent", "2014-06-23T18:32:49+02:00", True, True),
    ("request-sent", "2014-06-23T18:32:49-11:30", True, True),
    ("request-sent", "2014-06-23T16:32:49Z", False, True),
    ("request-sent", "2014-06-23T16:32:49.5+02:00", False, True),
    ("request-sent", "2014-06-23t16:32:49z", False, True),
    ("request-sent", "2014-06-23T18:32:49", False, False),
    ("request-sent", "2014-13-23T18:32:49+02:00", False, False),
    ("request-sent", "2014-06-23T24:32:49+02:00", False, False),
    ("request-sent", "2014-06-23T18:32:49+0200", False, False),
    ("request-sent", "２０１４-06-23T18:32:49+02:00", False, False),
    ("cost", "3.76", True, True),
    ("cost", "0.00", True, True),
    ("cost", "3", False, True),
    ("cost", "3.760", False, True),
    ("cost", "03.76", False, True),
    ("cost", "-3.76", False, False),
    ("cost", "+3.76", False, False),
    ("cost", "3.76 EUR", False, False),
    ("cost", "", False, False),
    ("currency", "EUR", True, True),
    ("currency", "SEK", True, True),
    ("currency", "eur", False, False),
    ("currency", "ABC", False, False),
    ("currency", "EURO", False, False),
]


@pytest.mark.parametrize(("field", "value", "strict", "lenient"), TABLE)
def test_format_table(field: str, value: str, strict: bool, lenient: bool) -> None:
    body = with_first_session(**{field: value})
    assert spec.validator("response-success", "strict").is_valid(body) is strict
    assert spec.validator("response-success", "lenient").is_valid(body) is lenient


def test_a_plain_validator_would_miss_these_so_the_checker_matters() -> None:
    # The values pass every `pattern` (which admits only real months, days, hours and currency codes):
    # only the FormatChecker knows the length of each month.
    schema = {"$ref": "https://oioi-mock.invalid/schemas/response-success.json"}
    registry = _open_registry()
    plain = Draft202012Validator(schema, registry=registry)
    for changes in (
        {"request-sent": "2014-02-30T10:00:00+01:00"},
        {"request-sent": "2015-02-29T10:00:00+01:00"},
    ):
        body = with_first_session(**changes)
        assert plain.is_valid(body)
        assert not spec.validator("response-success", "strict").is_valid(body)
        assert not spec.validator("response-success", "lenient").is_valid(body)


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"session-interval": {"start": "23/06/2014 16:32", "end": None}}, "session-interval.start"),
        ({"currency": "eur"}, "currency"),
        ({"cost": 3.76}, "cost"),
    ],
    ids=["bad-date-time", "lower-case-currency", "numeric-cost"],
)
@pytest.mark.parametrize("profile", spec.PROFILES)
def test_the_three_classic_mistakes_are_rejected_with_a_path(changes: dict, path: str, profile: str) -> None:
    found = spec.problems(with_first_session(**changes), "response-success", profile)
    assert found, changes
    assert {problem.path for problem in found} == {f"$.user.sessions[0].{path}"}


def test_every_format_has_a_check_per_profile_and_a_strategy_per_profile() -> None:
    from spec.strategies import FORMAT_STRATEGIES

    assert set(spec.FORMATS) == set(FORMAT_STRATEGIES)
    for name in spec.FORMATS:
        assert set(spec.FORMATS[name]) == set(spec.PROFILES) == set(FORMAT_STRATEGIES[name])


def test_unknown_profile_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match="strict, lenient"):
        spec.validator("session", "loose")
