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
