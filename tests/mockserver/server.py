"""Start ``python -m mockserver`` as a real process on a free port (see tests/mockprocess.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

from tests.mockprocess import Process, spawn

Running = Process


@contextlib.contextmanager
def start(args: Sequence[str], env: dict[str, str] | None = None, timeout: float = 30.0) -> Iterator[Running]:
    """Run the server with ``--port 0`` and read the URL it prints; terminate it (by pid) afterwards."""
    with spawn(args, env=env, timeout=timeout) as running:
        yield running
