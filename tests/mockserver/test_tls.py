"""HTTPS through real servers and curl: a certificate given, or one made at start with its own CA.

``--tls-self-signed`` prints where its CA file is; curl trusts the mock with ``--cacert`` and refuses
it without (exit 60, "SSL certificate problem"), on both servers, over TLS 1.2 too. The server
certificate names every address the mock listens on, and its private key is its owner's alone. A
client that never completes its handshake, or sends nothing once it has, is closed by the server.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import re
import shutil
import signal
import socket
import ssl
import stat
import subprocess
import time
from pathlib import Path

import orjson
import pytest
from cryptography import x509

import spec
from mockserver.serving import tls
from mockserver.serving.banner import banner_access
from mockserver.serving.gunicorn_server import KEEPALIVE_SECONDS
from mockserver.serving.process import ServerProcess, start_mock

from .conftest import DEMO, PROTOCOL_HEADERS

CURL = shutil.which("curl")
CURL_UNTRUSTED = 60  # curl's exit status: the peer's certificate cannot be authenticated
pytestmark = [pytest.mark.slow, pytest.mark.skipif(CURL is None, reason="curl is not installed")]
BODY = orjson.dumps({spec.CALL: {"user": DEMO}}).decode()


def _curl(url: str, *options: str) -> subprocess.CompletedProcess[str]:
    command = [str(CURL), "-sS", "--max-time", "20", *options, url + "/api/v4/request"]
    command += ["-H", "Authorization: key=demo-key", "-H", "Content-Type: application/json", "-d", BODY]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def _ca_file(server: ServerProcess) -> str:
    found = banner_access(server.banner).ca_file
    assert found is not None, server.banner
    return found


def _trusted_and_refused(base: str, ca: str) -> None:
    trusted = _curl(base, "--cacert", ca)
    assert trusted.returncode == 0, trusted.stderr
    assert '"result":{"code":0' in trusted.stdout.replace(" ", "")
    refused = _curl(base)
    assert refused.returncode == CURL_UNTRUSTED, (refused.returncode, refused.stderr)
    assert "SSL certificate problem" in refused.stderr and refused.stdout == ""


@pytest.mark.parametrize("server", ["gunicorn", "granian"])
def test_a_self_signed_mock_is_trusted_with_its_ca_and_refused_without(server: str) -> None:
    with start_mock(["--tls-self-signed", "--server", server]) as mock:
        assert mock.base.startswith("https://127.0.0.1:")
        ca = _ca_file(mock)
        assert f"curl -sS --cacert {ca} https://" in mock.banner
        _trusted_and_refused(mock.base, ca)
        _trusted_and_refused(mock.base.replace("127.0.0.1", "localhost"), ca)
        older = _curl(mock.base, "--cacert", ca, "--tls-max", "1.2")  # a phone without TLS 1.3
        assert older.returncode == 0, older.stderr
        key = Path(ca).parent / tls.KEY_FILE
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        assert "Traceback" not in mock.stderr()  # the refused handshakes are no errors of the mock
    assert not Path(ca).exists()  # the run directory goes with the run


def test_the_certificate_names_every_address_of_a_wildcard_bind() -> None:
    with start_mock(["--tls-self-signed", "--host", "0.0.0.0", "--admin-open"]) as mock:
        ca = _ca_file(mock)
        _trusted_and_refused(mock.base, ca)  # through 127.0.0.1
        pem = (Path(ca).parent / tls.CERT_FILE).read_bytes()
        network = re.findall(r"https://([0-9.]+):", mock.banner.split("network:", 1)[1].splitlines()[0])
    names = x509.load_pem_x509_certificate(pem).extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    )
    addresses = {str(address) for address in names.value.get_values_for_type(x509.IPAddress)}
    assert {"127.0.0.1", "::1", *network} <= addresses
    assert "localhost" in names.value.get_values_for_type(x509.DNSName)
    assert not {address for address in addresses if ipaddress.ip_address(address).is_unspecified}


@pytest.mark.parametrize("server", ["gunicorn", "granian"])
def test_a_certificate_of_your_own_is_served(server: str, tmp_path: Path) -> None:
    made = tls.self_signed(tmp_path, "127.0.0.1")  # as a team's own CA would make one
    own = ["--tls-cert", made.cert, "--tls-key", made.key, "--server", server]
    with start_mock(own) as mock:
        assert mock.base.startswith("https://") and "CA file:" not in mock.banner
        assert made.ca is not None
        _trusted_and_refused(mock.base, made.ca)


CONNECTIONS = 50  # --connections: greenlets of the one worker
HALF_OPEN = 60  # clients that connect and never begin their handshake: more than the worker serves
WAIT_SECONDS = 3 * KEEPALIVE_SECONDS  # generous: the server closes a silent client after KEEPALIVE_SECONDS


def _closed_by_server(sock: socket.socket, within: float) -> bool:
    """Whether the server closes ``sock`` (an end of stream, or a reset) within ``within`` seconds."""
    sock.settimeout(within)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def _https_status(server: ServerProcess, context: ssl.SSLContext) -> int | str:
    """The status of a protocol request over HTTPS, or why it got none within ``WAIT_SECONDS``."""
    connection = http.client.HTTPSConnection(server.host, server.port, timeout=WAIT_SECONDS, context=context)
    try:
        connection.request("POST", "/api/v4/request", body=BODY, headers=PROTOCOL_HEADERS)
        response = connection.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException) as error:
        return f"no answer: {type(error).__name__}: {error}"
    finally:
        connection.close()


@pytest.mark.parametrize("server", ["gunicorn", "granian"])
def test_clients_that_never_finish_their_handshake_are_closed_and_https_is_answered_again(
    server: str,
) -> None:
    args = ["--tls-self-signed", "--connections", str(CONNECTIONS), "--workers", "1", "--log-format", "off"]
    args += ["--server", server]
    with start_mock(args) as mock, contextlib.ExitStack() as opened:
        context = ssl.create_default_context(cafile=_ca_file(mock))
        connect = socket.create_connection
        silent = [opened.enter_context(connect(mock.host_port, timeout=10)) for _ in range(HALF_OPEN)]
        assert _https_status(mock, context) == 200  # once the server has closed the first ones
        assert [sock for sock in silent if not _closed_by_server(sock, WAIT_SECONDS)] == []
        assert "Traceback" not in mock.stderr()


@pytest.mark.parametrize(
    "server",
    [
        "gunicorn",
        pytest.param(
            "granian",
            marks=pytest.mark.xfail(
                strict=True, reason="granian 2.8 keeps a silent connection open (docs/operations.md, Serving)"
            ),
        ),
    ],
)
def test_a_client_silent_after_its_handshake_is_closed(server: str) -> None:
    with start_mock(["--tls-self-signed", "--log-format", "off", "--server", server]) as mock:
        context = ssl.create_default_context(cafile=_ca_file(mock))
        raw = socket.create_connection(mock.host_port, timeout=10)
        with context.wrap_socket(raw, server_hostname=mock.host) as sock:
            started = time.monotonic()
            assert _closed_by_server(sock, WAIT_SECONDS)
        assert time.monotonic() - started >= KEEPALIVE_SECONDS / 2  # closed by the deadline, not at once


def test_sigterm_closes_connections_silent_in_their_handshake_or_idle_after_an_answer() -> None:
    with start_mock(["--tls-self-signed", "--log-format", "off"]) as mock:
        context = ssl.create_default_context(cafile=_ca_file(mock))
        silent = socket.create_connection(mock.host_port, timeout=10)  # never begins its handshake
        connection = http.client.HTTPSConnection(mock.host, mock.port, timeout=10, context=context)
        connection.request("POST", "/api/v4/request", body=BODY, headers=PROTOCOL_HEADERS)
        answer = connection.getresponse()
        assert answer.status == 200 and answer.getheader("Connection") != "close"
        answer.read()
        mock.process.send_signal(signal.SIGTERM)
        # both would otherwise be closed after KEEPALIVE_SECONDS, and the stop would wait for them
        assert _closed_by_server(silent, KEEPALIVE_SECONDS - 1)
        assert _closed_by_server(connection.sock, KEEPALIVE_SECONDS - 1)
        assert mock.process.wait(timeout=KEEPALIVE_SECONDS - 1) == 0
        assert "Traceback" not in mock.stderr()
        silent.close()
        connection.close()
