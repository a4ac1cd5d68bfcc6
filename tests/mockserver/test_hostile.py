"""Hostile bytes through raw sockets against a real server: a JSON answer below 500, the internal-error
counter unchanged. The body is followed by the client's half-close, so a reader waiting for more data
sees the end instead of waiting for ever."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
import requests

from mockserver.serving.process import ServerProcess, start_mock

HEAD = (
    b"POST /api/v4/request HTTP/1.1\r\nHost: mock\r\nAuthorization: key=demo-key\r\n"
    b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
)
# Paths Flask serves that read a body: the admin API's.
ADMIN_BODIES = ("/__mock/scenarios/script", "/__mock/requests/verify")
CHUNKED = {
    "size not hexadecimal": b"zz\r\n{}\r\n0\r\n\r\n",
    "negative size": b"-5\r\n{}\r\n0\r\n\r\n",
    "twenty f's": b"ffffffffffffffffffff\r\n{}\r\n0\r\n\r\n",
    "size larger than the data": b"10\r\n{}\r\n0\r\n\r\n",
    "no final chunk": b"2\r\n{}\r\n",
    "bare LF lines": b"2\n{}\n0\n\n",
    "200 trailers": b"2\r\n{}\r\n0\r\n" + b"".join(b"X-T%d: v\r\n" % n for n in range(200)) + b"\r\n",
    "chunk without its CRLF": b"2\r\n{}0\r\n\r\n",
}


@pytest.fixture(scope="module")
def mock() -> Iterator[ServerProcess]:
    with start_mock(["--log-format", "off"]) as server:
        yield server


def exchange(server: ServerProcess, data: bytes, timeout: float = 10.0) -> bytes:
    """Send ``data``, half-close, and read the whole answer (until the server closes)."""
    with socket.create_connection((server.host, server.port), timeout=timeout) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def internal_errors(server: ServerProcess) -> int:
    found: int = requests.get(f"{server.base}/__mock/health", timeout=10).json()["internal-errors"]
    return found


@pytest.mark.parametrize("body", CHUNKED.values(), ids=CHUNKED.keys())
def test_a_malformed_chunked_body_gets_a_json_answer_below_500(mock: ServerProcess, body: bytes) -> None:
    before = internal_errors(mock)
    answer = exchange(mock, HEAD + body)
    if answer:  # a server may also close a connection it cannot parse: never a 5xx
        head, _, payload = answer.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        assert status < 500, answer[:500]
        if b"application/json" in head:
            assert "error" in json.loads(payload)
    assert internal_errors(mock) == before


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


@pytest.mark.parametrize("path", ADMIN_BODIES)
@pytest.mark.parametrize("body", CHUNKED.values(), ids=CHUNKED.keys())
def test_a_malformed_chunked_body_to_the_admin_api_gets_a_json_answer_below_500(
    mock: ServerProcess, path: str, body: bytes
) -> None:
    before = internal_errors(mock)
    head = f"POST {path} HTTP/1.1\r\nHost: mock\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    answer = exchange(mock, head.encode() + body)
    if answer:
        head_bytes, _, payload = answer.partition(b"\r\n\r\n")
        assert status_of(answer) < 500, answer[:500]
        if b"application/json" in head_bytes:
            assert "error" in json.loads(payload)
    assert internal_errors(mock) == before


@pytest.mark.parametrize("path", ADMIN_BODIES)
def test_an_admin_body_whose_chunk_size_is_not_hexadecimal_is_a_400_naming_the_body(
    mock: ServerProcess, path: str
) -> None:
    head = f"POST {path} HTTP/1.1\r\nHost: mock\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    answer = exchange(mock, head.encode() + CHUNKED["size not hexadecimal"])
    assert status_of(answer) == 400, answer[:500]
    body = json.loads(answer.partition(b"\r\n\r\n")[2])
    assert body["problems"][0]["path"] == "$"
    assert "the body could not be read" in body["error"]
