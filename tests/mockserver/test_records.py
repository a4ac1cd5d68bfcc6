"""What the journal keeps of a request: every header, but never a credential's value (a real server)."""

from __future__ import annotations

from typing import Any

import requests

import spec
from mockserver.http.records import SECRET_HEADERS
from mockserver.serving.process import start_mock

from .conftest import DEMO

SENT = {"Authorization": "key=demo-key", "Cookie": "session=c00kie", "Proxy-Authorization": "Basic pr0xy"}
SECRETS = ("demo-key", "c00kie", "pr0xy")


def test_credential_headers_are_journalled_redacted() -> None:
    assert set(SENT) == set(SECRET_HEADERS)
    headers = SENT | {"Content-Type": "application/json"}
    with start_mock(["--log-format", "off"]) as mock:
        answer = requests.post(
            f"{mock.base}/api/v4/request", json={spec.CALL: {"user": DEMO}}, headers=headers
        )
        assert answer.status_code == 200
        journal = requests.get(f"{mock.base}/__mock/requests?limit=1", timeout=10).json()
    entry: dict[str, Any] = journal["requests"][0]
    assert {name: entry["headers"][name] for name in SENT} == SECRET_HEADERS
    assert not [secret for secret in SECRETS if secret in str(entry)]
