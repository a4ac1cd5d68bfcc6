"""Property tests with an oracle: values drawn from each schema validate against it."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, find, given, note, settings
from hypothesis import strategies as st

import spec
from spec.strategies import from_schema

GENERATED = [name for name in spec.SCHEMA_NAMES if name != "common"]  # common only holds $defs


@pytest.mark.parametrize("profile", spec.PROFILES)
@pytest.mark.parametrize("name", GENERATED)
def test_drawn_values_validate(name: str, profile: str) -> None:
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(from_schema(name, profile))
    def check(instance: object) -> None:
        note(f"instance: {instance!r}")
        assert spec.problems(instance, name, profile) == []

    check()


def test_the_lenient_generator_reaches_forms_strict_rejects() -> None:
    # Otherwise the two profiles would not really be exercised apart.
    interval = find(
        from_schema("interval", "lenient"),
        lambda value: not spec.validator("interval", "strict").is_valid(value),
        settings=settings(max_examples=2000, database=None),
    )
    assert spec.validator("interval", "lenient").is_valid(interval)


def test_the_response_generator_reaches_both_outcomes() -> None:
    draws = st.lists(from_schema("response", "strict"), min_size=2)
    both = find(
        draws,
        lambda bodies: {b["result"]["code"] == 0 for b in bodies} == {True, False},
        settings=settings(max_examples=2000, database=None),
    )
    assert all(spec.validator("response").is_valid(body) for body in both)
