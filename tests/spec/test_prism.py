"""A generator makes valid answers from the document: Stoplight Prism's dynamic mock (`prism mock -d`)."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import spec
from tests.spec.test_generic_tools import ROOT, node_modules

ANSWERS = 100
STARTUP_DEADLINE = 120.0  # seconds for Prism to read the document and listen
REQUEST_DEADLINE = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def post(url: str) -> tuple[int, bytes]:
    request = urllib.request.Request(
        url,
        data=(spec.fixture("examples/request.document.json")).read_bytes(),
        headers={"Content-Type": "application/json", "Authorization": "key=demo"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_DEADLINE) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="module")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = node_modules() / ".bin" / "prism"
    port = free_port()
    log = tmp_path_factory.mktemp("prism") / "prism.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(binary), "mock", "-d", "-h", "127.0.0.1", "-p", str(port), str(spec.openapi_path())],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    url = f"http://127.0.0.1:{port}/api/v4/request"
    try:
        deadline = time.monotonic() + STARTUP_DEADLINE
        while True:
            assert process.poll() is None, Path(log).read_text("utf-8", "replace")
            try:
                post(url)
                break
            except OSError:
                assert time.monotonic() < deadline, "Prism did not listen in time"
                time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def test_prism_makes_answers_that_pass_the_spec_own_schema(prism: str) -> None:
    # The schema, strict profile; the invariants JSON Schema cannot express (an interval's end without its
    # start, charging outside the session: spec/invariants.py) are beyond any generator of the document.
    valid, faults = 0, []
    for _ in range(ANSWERS):
        status, raw = post(prism)
        answer = json.loads(raw)
        found = spec.problems(answer, "response") if status == 200 else []
        if status == 200 and not found:
            valid += 1
        else:
            faults.append((status, [f"{p.path}: {p.message}" for p in found][:3]))
    assert valid >= ANSWERS * 95 // 100, f"{valid} of {ANSWERS} valid; first faults: {faults[:5]}"
