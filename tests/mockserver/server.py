"""Start ``python -m mockserver`` as a real process on a free port and stop it again."""

from __future__ import annotations

import contextlib
import os
import re
import selectors
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_LISTENING = re.compile(r"listening on (http://\S+)")


@dataclass
class Running:
    base: str
    process: subprocess.Popen[str]
    banner: str

    @property
    def host_port(self) -> tuple[str, int]:
        host, port = self.base.removeprefix("http://").rsplit(":", 1)
        return host, int(port)


@contextlib.contextmanager
def start(args: Sequence[str], env: dict[str, str] | None = None, timeout: float = 30.0) -> Iterator[Running]:
    """Run the server with ``--port 0`` and read the URL it prints; terminate it (by pid) afterwards."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MOCKSERVER_")}
    environ.update(env or {})
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "--host", "127.0.0.1", "--port", "0", *args],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        banner = _read_banner(process, timeout)
        match = _LISTENING.search(banner)
        assert match, f"no URL in the banner: {banner!r}"
        yield Running(match.group(1), process, banner)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        if process.stdout is not None:
            process.stdout.close()


def _read_banner(process: subprocess.Popen[str], timeout: float) -> str:
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline and len(lines) < 5:
            if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                break
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
    text = "".join(lines)
    if "listening on" not in text:
        raise RuntimeError(f"server did not start within {timeout} s (exit code {process.poll()}): {text!r}")
    return text
