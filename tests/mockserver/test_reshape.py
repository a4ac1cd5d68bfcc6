"""Data variants over a real history (proxy mode, recorded users): every variant reshapes one."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

import spec
from mockserver.data import reshape
from mockserver.data.generation import Generator
from mockserver.data.variants import VARIANTS

ANCHOR = datetime(2026, 11, 20, 12, tzinfo=UTC)
REAL = {
    "result": {"code": 0, "message": "Success."},
    "user": {
        "sessions": [
            {
                "session-interval": {
                    "start": "2026-11-19T08:00:00+01:00",
                    "end": "2026-11-19T09:00:00+01:00",
                },
                "charging-interval": {
                    "start": "2026-11-19T08:01:00+01:00",
                    "end": "2026-11-19T08:59:00+01:00",
                },
                "energy-consumed": 12.5,
                "cost": "4.10",
                "currency": "EUR",
                "external-session-id": "real-1",
                "address": "Hauptstraße 1, 10115 Berlin, Germany",
                "tariff-id": "T1",
            }
        ]
    },
    "server-version": "staging-7",
}


def test_every_data_variant_reshapes_a_real_history() -> None:
    assert set(reshape.RESHAPERS) == set(VARIANTS)


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_reshaped_real_history_keeps_the_contract(variant: str) -> None:
    body = reshape.reshape(Generator(0), "rfid:AA", ANCHOR, orjson.dumps(REAL), variant=variant, count=None)
    assert body is not None
    shaped = orjson.loads(body)
    assert spec.problems(shaped, "response-success", "strict") == []
    assert spec.check_invariants(shaped) == []
    assert shaped["server-version"] == "staging-7"  # what the variant does not touch stays


@pytest.mark.parametrize(
    "body", [b"not json", b'{"result": {"code": 145}}', b'{"user": {"sessions": {"a": 1}}}', b"[]"]
)
def test_what_is_not_a_success_with_sessions_is_not_reshaped(body: bytes) -> None:
    assert reshape.reshape(Generator(0), "k", ANCHOR, body, variant="zero-cost", count=None) is None


def test_non_ascii_addresses_of_a_real_history_stay_in_each_sessions_country() -> None:
    """A session's new address is in the country its currency and UTC offset say (of several, the
    one its address named): Berlin stays German, a Helsinki session Finnish, a Dutch one Dutch."""
    berlin = REAL["user"]["sessions"][0]  # type: ignore[index]
    helsinki = berlin | {
        "session-interval": {"start": "2026-11-18T08:00:00+02:00", "end": "2026-11-18T09:00:00+02:00"},
        "address": "Mannerheimintie 1, 00100 Helsinki",
    }
    amsterdam = berlin | {"address": "Damrak 1, 1012 LG Amsterdam, Netherlands"}
    real = {"result": REAL["result"], "user": {"sessions": [berlin, helsinki, amsterdam]}}
    body = reshape.reshape(
        Generator(0), "rfid:AA", ANCHOR, orjson.dumps(real), variant="non-ascii", count=None
    )
    assert body is not None
    countries = [s["address"].rsplit(", ", 1)[1] for s in orjson.loads(body)["user"]["sessions"]]
    assert countries == ["Germany", "Finland", "Netherlands"]
