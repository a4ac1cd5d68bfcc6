"""Thin fixtures: config -> app -> client -> api (posts a call), and a real server process."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate as validate_openapi
from werkzeug.test import TestResponse

import spec
from mockserver import create_app
from mockserver.http import runtime
from mockserver.serving.process import ServerProcess as Running
from mockserver.serving.process import start_mock

DEMO = {
    "identifier-type": "username",
    "identifier": "demo@example.com",
    "token": "87d4e3085af04671834ebeb127df33bf",
}
KEY = {"Authorization": "key=demo-key"}
PROTOCOL_HEADERS = KEY | {"Content-Type": "application/json"}  # a protocol call's own
NOW = "2024-06-23T18:00:00+02:00"


@pytest.fixture
def config() -> dict[str, Any]:
    return {"MOCK_LOG_FORMAT": "off", "MOCK_NOW": NOW}


@pytest.fixture
def app(config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(config)
    yield app
    # No input of any test may reach the catch-all 500 handler.
    assert runtime.of(app).internal_errors == 0


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


Api = Callable[..., TestResponse]


@pytest.fixture
def api(client: FlaskClient) -> Api:
    """``api(user, headers={...}, path=...)`` posts a user-get-recent-sessions call with the demo key."""

    def post(
        user: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        path: str = "/api/v4/request",
    ):
        body = {spec.CALL: {"user": user or DEMO}}
        return client.post(path, json=body, headers={**KEY, **(headers or {})})

    return post


@pytest.fixture(scope="module")
def server() -> Iterator[Running]:
    """A real ``python -m mockserver`` process (gunicorn) on a free port, with a pinned clock."""
    with start_mock(["--now", NOW, "--self-check", "--log-format", "off"]) as running:
        yield running


def assert_the_call_at_every_path(served: dict[str, Any], paths: Sequence[str]) -> None:
    """``served`` is spec's document with the one call at each of ``paths`` (D21), and valid OpenAPI."""
    document = spec.openapi_document()
    ((canonical, item),) = document.pop("paths").items()
    del document["servers"]
    assert {k: v for k, v in served.items() if k not in {"paths", "servers"}} == document
    assert list(served["paths"]) == list(paths)
    for path in paths:
        operation = served["paths"][path]["post"]
        assert {**operation, "operationId": item["post"]["operationId"]} == item["post"]
    assert len({served["paths"][path]["post"]["operationId"] for path in paths}) == len(paths)
    assert served["paths"][canonical] == item
    validate_openapi({**served, "servers": [{"url": "http://localhost"}]})
