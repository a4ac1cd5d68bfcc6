"""Start ``python -m mockserver`` as a real process on a free port and stop it again."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import threading
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
    """Lines up to the banner's last one ("try: curl ..."); a timer kills a server that never gets there."""
    assert process.stdout is not None
    watchdog = threading.Timer(timeout, process.kill)
    watchdog.start()
    lines: list[str] = []
    try:
        for _ in range(50):  # bounded: the banner has five lines
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.lstrip().startswith("try:"):
                break
    finally:
        watchdog.cancel()
    text = "".join(lines)
    if "listening on" not in text:
        raise RuntimeError(f"server did not start within {timeout} s (exit code {process.poll()}): {text!r}")
    return text
