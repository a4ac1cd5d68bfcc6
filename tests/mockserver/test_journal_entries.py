"""What the journal keeps of a request: every header, but never a credential's value (a real server)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

import spec
from mockserver.http.journal_entries import SECRET_HEADERS, without_secrets
from mockserver.serving.process import start_mock

from .conftest import DEMO

SENT = {
    "Authorization": "key=demo-key",
    "Cookie": "session=c00kie",
    "Proxy-Authorization": "Basic pr0xy",
    "X-Mock-Admin-Token": "adm1n-t0ken",
}
KEPT = {
    "Authorization": "key=<redacted>",
    "Cookie": "<redacted>",
    "Proxy-Authorization": "Basic <redacted>",
    "X-Mock-Admin-Token": "<redacted>",
}
SECRETS = ("demo-key", "c00kie", "pr0xy", "adm1n-t0ken")


def test_credential_headers_are_journalled_redacted() -> None:
    assert set(SENT) == set(SECRET_HEADERS) == set(KEPT)
    headers = SENT | {"Content-Type": "application/json"}
    with start_mock(["--log-format", "off"]) as mock:
        answer = requests.post(
            f"{mock.base}/api/v4/request", json={spec.CALL: {"user": DEMO}}, headers=headers
        )
        assert answer.status_code == 200
        journal = requests.get(f"{mock.base}/__mock/requests?limit=1", timeout=10).json()
    entry: dict[str, Any] = journal["requests"][0]
    assert {name: entry["headers"][name] for name in SENT} == KEPT
    assert not [secret for secret in SECRETS if secret in str(entry)]


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("key=s3cret", "key=<redacted>"),
        (" key=s3cret ", "key=<redacted>"),
        ("Bearer s3cret", "Bearer <redacted>"),
        ("bearer  s3cret", "bearer <redacted>"),
        ("s3cret", "<redacted>"),
        ("Bearer", "<redacted>"),
        ("tok3n:s3cret more", "<redacted>"),
    ],
)
def test_an_authorization_header_keeps_its_scheme_and_loses_its_value(sent: str, kept: str) -> None:
    assert SECRET_HEADERS["Authorization"](sent) == kept


# A header of any name whose value holds one of the mock's credentials: (value, what the journal keeps).
HELD = [
    ("demo-key", "<redacted>"),
    ("ApiKey demo-key", "<redacted>"),
    ("Bearer adm1n-t0ken;x", "<redacted>"),
    ("demo", "demo"),  # a part of a key is no key
    ("", ""),
]


@pytest.mark.parametrize(("value", "kept"), HELD, ids=[repr(h[0]) for h in HELD])
def test_a_value_holding_a_credential_is_redacted_whatever_the_header(value: str, kept: str) -> None:
    headers = {"X-Api-Key": value, "Accept": "application/json"}
    secrets = ("demo-key", "adm1n-t0ken")
    assert without_secrets(headers, secrets) == {"X-Api-Key": kept, "Accept": "application/json"}
    assert without_secrets(headers, ()) == headers
