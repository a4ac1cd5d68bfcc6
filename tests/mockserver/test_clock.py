"""The clock's range: every moment inside it serves valid histories; outside it, a clear refusal."""

from __future__ import annotations

from datetime import datetime, timedelta

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import spec
from mockserver.data import clock
from mockserver.data.generation import Generator
from mockserver.data.variants import VARIANTS
from mockserver.errors import ConfigError
from mockserver.settings import EARLIEST, LATEST

MOMENTS = st.datetimes(min_value=EARLIEST.replace(tzinfo=None), max_value=LATEST.replace(tzinfo=None)).map(
    lambda naive: naive.replace(tzinfo=EARLIEST.tzinfo)
)


@settings(max_examples=60, deadline=None)
@given(moment=MOMENTS, variant=st.sampled_from(VARIANTS), user=st.integers(0, 10**6))
def test_every_moment_in_range_serves_a_valid_history(moment: datetime, variant: str, user: int) -> None:
    anchor = clock.anchor(clock.parse_now(moment.isoformat()))
    body = orjson.loads(Generator(seed=0, cache_size=0).body(f"rfid:{user}", anchor, variant, None, None))
    assert spec.problems(body, "response-success", "strict") == []


@pytest.mark.parametrize(
    "text",
    [
        (EARLIEST - timedelta(seconds=1)).isoformat(),
        (LATEST + timedelta(seconds=1)).isoformat(),
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
    ],
)
def test_a_pinned_clock_outside_the_range_is_a_config_error(text: str) -> None:
    with pytest.raises(ConfigError, match="outside the range"):
        clock.pinned(text)
