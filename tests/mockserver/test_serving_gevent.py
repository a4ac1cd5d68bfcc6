"""The default server's gevent worker: one event loop serves every connection, so nothing may block
it. A request log whose stderr nobody reads does not; ``--connections`` sizes it."""

from __future__ import annotations

import contextlib
import http.client
import os
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

import spec
from mockserver.serving import cli, process
from mockserver.settings import SettingError

from .conftest import DEMO

REQUESTS = 3000  # their log lines (~250 bytes each) are several times what a pipe holds (64 KiB)


@contextlib.contextmanager
def unread_pipe(folder: Path) -> Iterator[Path]:
    """A named pipe that is open for reading (so a writer can open it) and never read."""
    path = folder / "stderr.fifo"
    os.mkfifo(path)
    reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        yield path
    finally:
        os.close(reader)  # a write still blocked on it fails now, and the server can stop


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_a_request_log_nobody_reads_does_not_stop_the_answers(tmp_path: Path) -> None:
    argv = process.mock_command(["--log-format", "json"])
    with (
        unread_pipe(tmp_path) as fifo,
        process.start(
            argv, ready=process.answers_health, complete=process.banner_complete, stderr=fifo
        ) as mock,
    ):
        connection = http.client.HTTPConnection(mock.host, mock.port, timeout=10)
        body = orjson.dumps({spec.CALL: {"user": DEMO}})
        headers = {"Authorization": "key=demo-key", "Content-Type": "application/json"}
        try:
            for _ in range(REQUESTS):
                connection.request("POST", "/api/v4/request", body=body, headers=headers)
                response = connection.getresponse()
                assert (response.status, orjson.loads(response.read())["result"]["code"]) == (200, 0)
        finally:
            connection.close()


def test_connections_are_a_server_option_with_a_floor() -> None:
    assert cli.options(["--connections", "50"], {}).connections == 50
    assert cli.options([], {"MOCKSERVER_CONNECTIONS": "7"}).connections == 7
    with pytest.raises(SettingError, match=r"--connections \(MOCKSERVER_CONNECTIONS\): 0 is out of range"):
        cli.options(["--connections", "0"], {})


@pytest.mark.slow
def test_the_banner_names_the_worker_size() -> None:
    with process.start_mock(["--connections", "64", "--log-format", "off"]) as mock:
        assert "(gunicorn, workers 1, connections 64)" in mock.banner
