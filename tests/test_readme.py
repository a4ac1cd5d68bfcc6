"""The README's curl blocks are documentation that runs: each block, in order, against a real mock."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from mockserver.serving.process import start_mock

README = Path(__file__).resolve().parents[1] / "README.md"
DOCUMENTED = "127.0.0.1:8080"


def curl_blocks() -> list[str]:
    """Fenced sh blocks that talk to the documented address, leaving out those with placeholders (...)."""
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text("utf-8"), flags=re.DOTALL)
    return [block for block in blocks if DOCUMENTED in block and "curl" in block and " ... " not in block]


def test_the_readme_has_runnable_curl_blocks() -> None:
    assert len(curl_blocks()) >= 5


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_every_curl_block_runs_against_a_real_mock() -> None:
    with start_mock() as server:
        for block in curl_blocks():
            # every documented call answers 2xx: an HTTP error fails the block, not only curl's own
            script = 'curl() { command curl --fail-with-body "$@"; }\n'
            script += block.replace(f"http://{DOCUMENTED}", server.base)
            done = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", script],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert done.returncode == 0, f"{block}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
            assert '"code":100' not in done.stdout.replace(" ", ""), done.stdout  # no internal error
