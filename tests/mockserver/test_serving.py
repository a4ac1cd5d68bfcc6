"""What the mock tells a client about where it is: the ``servers`` of ``/openapi.json``."""

from __future__ import annotations

import http.client
from typing import Any

import orjson
import pytest
from flask.testing import FlaskClient

import spec
from mockserver.serving.process import ServerProcess


def fetch_json(server: ServerProcess, path: str) -> Any:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        assert response.status == 200
        return orjson.loads(response.read())
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("http://localhost", "http://localhost"),
        ("http://mock.example:9123", "http://mock.example:9123"),
        ("https://mock.example", "https://mock.example"),
        ("http://[::1]:8123", "http://[::1]:8123"),
        ("http://10.0.0.7:8080/sandbox/oioi", "http://10.0.0.7:8080/sandbox/oioi"),  # a script root
    ],
)
def test_openapi_servers_name_the_url_the_request_reached(
    client: FlaskClient, base_url: str, expected: str
) -> None:
    served = client.get("/openapi.json", base_url=base_url).get_json()
    assert [server["url"] for server in served["servers"]] == [expected]


def test_openapi_servers_are_per_request_and_the_rest_is_the_spec(client: FlaskClient) -> None:
    first = client.get("/openapi.json", base_url="http://one.example:1").get_json()
    second = client.get("/openapi.json", base_url="http://two.example:2").get_json()
    assert first["servers"][0]["url"] == "http://one.example:1"
    assert second["servers"][0]["url"] == "http://two.example:2"
    rest = {k: v for k, v in spec.openapi_document().items() if k != "servers"}
    assert {k: v for k, v in first.items() if k != "servers"} == rest
    assert list(first) == list(spec.openapi_document())  # servers keeps its place in the document


@pytest.mark.parametrize("host", ["", "not a host", "x:port"])
def test_a_malformed_host_header_gives_way_to_the_servers_address(client: FlaskClient, host: str) -> None:
    served = client.get("/openapi.json", base_url="http://mock.example:9/root", headers={"Host": host})
    assert served.status_code == 200
    assert served.get_json()["servers"][0]["url"] == "http://mock.example:9/root"


@pytest.mark.slow
def test_a_real_mock_serves_openapi_with_its_own_port(server: ServerProcess) -> None:
    assert server.port != 8080
    assert [entry["url"] for entry in fetch_json(server, "/openapi.json")["servers"]] == [server.base]


def test_the_catalogues_curl_lines_use_the_url_the_request_reached(client: FlaskClient) -> None:
    document = client.get("/__mock/catalog", base_url="http://mock.example:9123/sandbox").get_json()
    lines = [entry["curl"] for entry in [*document["scenarios"], *document["magic-values"]]]
    assert lines and all(" http://mock.example:9123/sandbox/api/v4/request " in line for line in lines)
