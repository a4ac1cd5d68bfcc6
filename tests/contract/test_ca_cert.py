"""The suite against the mock serving HTTPS with a CA of its own (``--tls-self-signed``): judged with
``--ca-cert`` (or ``CONTRACT_CA_CERT``, or ``REQUESTS_CA_BUNDLE``), and without one a clear exit 2."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockserver.serving.process import ServerProcess, start_mock
from tests.contract.conftest import FAST, counting, run_suite

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def https_mock() -> Iterator[ServerProcess]:
    with start_mock(["--log-format", "off", "--tls-self-signed"]) as running:
        yield running


def _ca(server: ServerProcess) -> str:
    found = re.search(r"CA file:\s+(\S+)", server.banner)
    assert found is not None, server.banner
    return found.group(1)


@pytest.mark.parametrize("how", ["--ca-cert", "CONTRACT_CA_CERT", "REQUESTS_CA_BUNDLE"])
def test_the_suite_trusts_the_ca_it_is_given(https_mock: ServerProcess, how: str, tmp_path: Path) -> None:
    ca = _ca(https_mock)
    args, env = ([how, ca], {}) if how.startswith("--") else ([], {how: ca})
    run = run_suite(tmp_path, "--base-url", https_mock.base, *FAST, *args, env=env)
    assert run.code == 0, (how, run.explain())


def test_without_the_ca_the_suite_cannot_judge_and_says_what_to_give(
    https_mock: ServerProcess, tmp_path: Path
) -> None:
    run = run_suite(tmp_path, "--base-url", https_mock.base, *FAST)
    assert run.code == 2, run.explain()
    assert "TLS certificate not accepted" in run.stderr and "--ca-cert" in run.stderr, run.stderr


def test_a_ca_file_that_is_not_there_is_a_bad_option(https_mock: ServerProcess, tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere.pem")
    run = run_suite(tmp_path, "--base-url", https_mock.base, "--ca-cert", missing, *FAST)
    assert run.code == 2 and f"--ca-cert: {missing!r}: no readable file there" in run.stderr, run.explain()


def _not_a_certificate(tmp_path: Path, kind: str) -> str:
    path = tmp_path / f"{kind}.pem"
    contents = {
        "text": "not a certificate\n",
        "empty": "",
        "a-key-only": "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n",
    }
    path.write_text(contents[kind], "ascii")
    return str(path)


@pytest.mark.parametrize("kind", ["text", "empty", "a-key-only"])
@pytest.mark.parametrize("scheme", ["https", "http"])
@pytest.mark.parametrize("how", ["--ca-cert", "CONTRACT_CA_CERT"])
def test_a_ca_file_that_holds_no_certificate_is_a_bad_option_for_any_target(
    https_mock: ServerProcess, kind: str, scheme: str, how: str, tmp_path: Path
) -> None:
    ca = _not_a_certificate(tmp_path, kind)
    args, env = ([how, ca], {}) if how.startswith("--") else ([], {how: ca})
    with counting() as (http_url, seen):
        base = https_mock.base if scheme == "https" else http_url
        run = run_suite(tmp_path, "--base-url", base, *FAST, *args, env=env)
    assert run.code == 2, run.explain()
    assert f"bad options: {how}: {ca!r}: not a PEM certificate (" in run.stderr, run.stderr
    assert "unreachable" not in run.stderr and seen == []
