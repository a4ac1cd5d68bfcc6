"""``python -m mockserver`` as a real process on a free port: the one way every test starts it.

The server binds port 0 and prints its URL in a banner; ``spawn`` reads the banner (bounded by a
time-out), waits until a worker answers, keeps stderr in a file for failure messages, and stops the
process by pid afterwards.
"""

from __future__ import annotations

import contextlib
import os
import re
import selectors
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
_LISTENING = re.compile(r"listening on (http://\S+)")


@dataclass
class Process:
    """A running mock: its base URL, the process, the banner it printed, and where its stderr goes."""

    base: str
    process: subprocess.Popen[str]
    banner: str
    stderr_path: Path

    @property
    def host_port(self) -> tuple[str, int]:
        host, port = self.base.removeprefix("http://").rsplit(":", 1)
        return host, int(port)

    def stderr(self) -> str:
        return self.stderr_path.read_text("utf-8", "replace")


def argv(args: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "mockserver", "--host", "127.0.0.1", "--port", "0", *args]


@contextlib.contextmanager
def spawn(
    args: Sequence[str] = (), env: Mapping[str, str] | None = None, timeout: float = 60.0
) -> Iterator[Process]:
    """Start the server with ``args``; yield it once it answers; terminate it by pid afterwards."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MOCKSERVER_")} | dict(env or {})
    with tempfile.NamedTemporaryFile("w", prefix="mock-stderr-", suffix=".log", delete=False) as err:
        stderr_path = Path(err.name)
    with stderr_path.open("w") as err_file:
        process = subprocess.Popen(
            argv(args), cwd=ROOT, env=environ, stdout=subprocess.PIPE, stderr=err_file, text=True
        )
    try:
        banner = _banner(process, timeout, stderr_path)
        match = _LISTENING.search(banner)
        assert match, f"no URL in the banner: {banner!r}"
        running = Process(match.group(1), process, banner, stderr_path)
        _wait_ready(running, timeout)
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        if process.stdout is not None:
            process.stdout.close()
        stderr_path.unlink(missing_ok=True)


def _banner(process: subprocess.Popen[str], timeout: float, stderr_path: Path) -> str:
    """The banner, up to its last line ("try: curl ..."), within ``timeout``.

    Raw reads from the pipe: a text wrapper's readline would buffer the lines that select() then
    no longer sees.
    """
    assert process.stdout is not None
    fd = process.stdout.fileno()
    deadline = time.monotonic() + timeout
    seen = b""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while time.monotonic() < deadline and len(seen) < 64 * 1024:
            if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                break
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            seen += chunk
            text = seen.decode("utf-8", "replace")
            complete = text.split("\n")[:-1]  # lines ended by a newline
            if any(line.lstrip().startswith("try:") for line in complete):
                return text
    raise RuntimeError(
        f"mockserver did not start (exit {process.poll()}): {seen!r}\n{stderr_path.read_text()}"
    )


def _wait_ready(running: Process, timeout: float) -> None:
    """The banner comes before workers boot: wait until one answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if running.process.poll() is not None:
            raise RuntimeError(f"mockserver exited with {running.process.returncode}:\n{running.stderr()}")
        try:
            if requests.get(f"{running.base}/__mock/health", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"mockserver did not answer within {timeout} s:\n{running.stderr()}")
