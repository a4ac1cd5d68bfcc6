"""A server as a child process on a free port: start it, read its URL from its banner, stop it.

For programs that start ``python -m mockserver`` (the tests, the benchmark) and for servers that print
the same kind of line (the benchmark's baseline): the server binds port 0 and prints
``NAME listening on URL`` (``banner.listening``). ``start`` reads the banner within a time-out,
waits until the server is ready (``answers_health`` for the mock, ``accepts_connections`` for any
server), keeps stderr in a file for failure messages, and stops the process on the way out: SIGTERM,
then SIGKILL after a grace period. ``start_mock`` is ``start`` with the mock's command line and
readiness. The standard library only: the health page is asked with ``http.client`` (over HTTPS when
the banner's URL says so), to which no proxy setting of the environment applies (a local process is
never reached through a proxy); nothing of the mock itself is imported (``mockserver.testing`` starts
mocks with it from an app's test suite).

The mock process sees the kit and none of the caller's folders: ``python -P`` keeps the current folder
off its import path, and ``PYTHONPATH`` holds only the folder the kit was imported from (none when that
is the interpreter's own site-packages, where a wheel is installed). So an app whose tests have a
package of their own called ``spec`` still gets the kit's in the mock (``mockserver.__main__`` checks).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import selectors
import shlex
import signal
import site
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mockserver.names import ENV_PREFIX, HEALTH_PATH
from mockserver.serving.banner import banner_complete, listening_url

BANNER_LIMIT = 64 * 1024  # bytes of stdout read while looking for the banner
STDERR_SHOWN = 20_000  # characters of stderr (its end) in a failure message
POLL_SECONDS = 0.05
KIT_FOLDER = Path(__file__).resolve().parents[2]  # holds the packages mockserver and spec of this kit


class ServerDidNotStart(RuntimeError):
    """The process exited, or printed no banner or was not ready, within the time-out."""

    def __init__(self, message: str, returncode: int | None, stderr: str) -> None:
        super().__init__(message)
        self.returncode = returncode  # None: still running when the time-out expired
        self.stderr = stderr


@dataclass(frozen=True)
class ServerProcess:
    """A started server: its base URL, the process, the banner it printed, and the file its stderr goes to."""

    base: str
    process: subprocess.Popen[bytes]
    banner: str
    stderr_path: Path

    @property
    def host(self) -> str:
        """The host of ``base`` (an IPv6 address without brackets)."""
        return urlsplit(self.base).hostname or ""

    @property
    def port(self) -> int:
        parts = urlsplit(self.base)
        return parts.port or (443 if parts.scheme == "https" else 80)

    @property
    def host_port(self) -> tuple[str, int]:
        return self.host, self.port

    def stderr(self) -> str:
        """What the process has written to stderr so far."""
        return self.stderr_path.read_text("utf-8", "replace")


Ready = Callable[[ServerProcess], bool]


def answers_health(server: ServerProcess) -> bool:
    """The mock answers ``GET /__mock/health`` (its banner comes before its workers boot): 200, or 503
    while its Redis does not answer, which a mock started before its Redis rightly says.

    Over HTTPS too, without checking the certificate: this asks whether the process it started is
    ready, not whether a client would trust it.
    """
    connection: http.client.HTTPConnection
    if urlsplit(server.base).scheme == "https":
        unchecked = ssl.create_default_context()
        unchecked.check_hostname = False
        unchecked.verify_mode = ssl.CERT_NONE
        connection = http.client.HTTPSConnection(server.host, server.port, timeout=2, context=unchecked)
    else:
        connection = http.client.HTTPConnection(server.host, server.port, timeout=2)
    try:
        connection.request("GET", HEALTH_PATH)
        return connection.getresponse().status in {200, 503}
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def accepts_connections(server: ServerProcess) -> bool:
    """The server's port accepts a TCP connection."""
    try:
        with socket.create_connection(server.host_port, timeout=1):
            return True
    except OSError:
        return False


def has_listening_line(text: str) -> bool:
    """Whether ``text`` (whole lines) holds a listening line: the banner of a one-line server."""
    return listening_url(text) is not None


def free_port(host: str = "127.0.0.1") -> int:
    """A port that nothing listens on now (the system's choice for port 0 on ``host``).

    Another process may take it before the caller binds it: for servers that cannot report the port
    the system chose (granian), and for a URL that nothing should answer.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def start(
    argv: Sequence[str],
    *,
    ready: Ready | None = accepts_connections,
    complete: Callable[[str], bool] = has_listening_line,
    env: Mapping[str, str] | None = None,
    cwd: str | Path | None = None,
    stderr: Path | None = None,
    timeout: float = 60.0,
    grace: float = 15.0,
    new_session: bool = False,
) -> Iterator[ServerProcess]:
    """Run ``argv`` (a server that prints "listening on URL"); yield it once ready; stop it afterwards.

    ``complete`` says when the banner has been read in full (it is given whole lines); ``ready`` is
    polled until true (None: the banner is enough). ``timeout`` bounds both together; a server that
    exits or misses it raises ServerDidNotStart with its stderr. stderr goes to ``stderr`` when given
    (the file is the caller's and stays) or else to a temporary file, removed at the end. On the way
    out the process gets SIGTERM, then SIGKILL after ``grace`` seconds, and whatever is left of its
    process group (a worker its server did not stop) is killed. It runs in a process group of its own
    (out of reach of the terminal's Ctrl-C); ``new_session``, in a session of its own as well.
    """
    deadline = time.monotonic() + timeout
    stderr_path = stderr if stderr is not None else _temporary_file()
    try:
        with stderr_path.open("wb") as sink:
            process = subprocess.Popen(
                list(argv),
                cwd=cwd,
                env=None if env is None else dict(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=sink,
                start_new_session=new_session,
                process_group=None if new_session else 0,  # a group of its own: its workers stop with it
            )
    except BaseException:
        if stderr is None:
            stderr_path.unlink(missing_ok=True)
        raise
    launch = _Launch(argv, process, stderr_path, timeout, deadline)
    drain: threading.Thread | None = None
    try:
        text = launch.read_banner(complete)
        drain = threading.Thread(target=_drain, args=(process,), name="server-stdout", daemon=True)
        drain.start()
        base = listening_url(text)
        if base is None:
            raise launch.failure(f"printed no listening line: {text!r}")
        running = ServerProcess(base, process, text, stderr_path)
        if ready is not None:
            launch.wait_ready(running, ready)
        yield running
    finally:
        stop(process, grace, group=True)
        _close_stdout(process, drain, grace)
        if stderr is None:
            stderr_path.unlink(missing_ok=True)


def mock_command(args: Sequence[str] = ()) -> list[str]:
    """``python -P -m mockserver`` on 127.0.0.1, port 0 (the banner says which port), with ``args``: the
    current folder is not on the mock's import path (``-P``)."""
    return [sys.executable, "-P", "-m", "mockserver", "--host", "127.0.0.1", "--port", "0", *args]


def kit_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` for a process that imports the kit and nothing of the caller's folders: ``PYTHONPATH``
    is the kit's folder alone, or unset when the interpreter finds the kit by itself (installed)."""
    child = {name: value for name, value in environ.items() if name != "PYTHONPATH"}
    installed = {Path(found).resolve() for found in [*site.getsitepackages(), site.getusersitepackages()]}
    if KIT_FOLDER not in installed:
        child["PYTHONPATH"] = str(KIT_FOLDER)
    return child


@contextlib.contextmanager
def start_mock(
    args: Sequence[str] = (),
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | Path | None = None,
    timeout: float = 60.0,
) -> Iterator[ServerProcess]:
    """The mock with ``args``, yielded once its whole banner is printed and a worker answers.

    The process is configured by ``args`` and ``env`` only: the caller's own ``MOCKSERVER_*``
    variables are left out of its environment, so the shell they run in does not change the mock; its
    import path holds the kit and none of the caller's folders (``kit_environment``).
    """
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    environ = kit_environment(inherited) | dict(env or {})
    with start(
        mock_command(args),
        ready=answers_health,
        complete=banner_complete,
        env=environ,
        cwd=cwd,
        timeout=timeout,
    ) as running:
        yield running


def stop(process: subprocess.Popen[Any], grace: float = 15.0, group: bool = False) -> None:
    """End ``process``: SIGTERM, then SIGKILL if it is still running after ``grace`` seconds; reap it.

    ``group``: the process leads a process group of its own (``start`` makes it so); whatever is left of
    that group once it has ended (a worker its server did not stop) is killed too, not left running.
    """
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=grace)
    if group:
        with contextlib.suppress(ProcessLookupError):  # nothing left: the usual case
            os.killpg(process.pid, signal.SIGKILL)


def _temporary_file() -> Path:
    handle, name = tempfile.mkstemp(prefix="server-stderr-", suffix=".log")
    os.close(handle)
    return Path(name)


@dataclass(frozen=True)
class _Launch:
    """A start under way: what its failure messages name, and the deadline its waits share."""

    argv: Sequence[str]
    process: subprocess.Popen[bytes]
    stderr_path: Path
    timeout: float
    deadline: float

    def read_banner(self, complete: Callable[[str], bool]) -> str:
        """What the process printed, once its whole lines make a ``complete`` banner, before the deadline.

        Raw reads from the pipe under select(): a buffered reader's readline would block past the
        deadline on a server that prints half a line, and would keep lines in its buffer that select()
        then no longer sees.
        """
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        seen = b""
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while len(seen) < BANNER_LIMIT:
                left = self.deadline - time.monotonic()
                if left <= 0 or not selector.select(timeout=left):
                    raise self.failure(f"printed no banner within {self.timeout} s: {seen!r}")
                chunk = os.read(fd, 4096)
                if not chunk:
                    break
                seen += chunk
                text = seen.decode("utf-8", "replace")
                whole = text[: text.rfind("\n") + 1]
                if whole and complete(whole):
                    return text
            else:
                raise self.failure(f"printed {len(seen)} bytes without a complete banner: {seen[:2000]!r}")
        # stdout closed: the process is exiting, and its exit status belongs in the message
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=max(0.1, min(5.0, self.deadline - time.monotonic())))
        said = "exited" if self.process.returncode is not None else "closed its stdout"
        printed = seen.decode("utf-8", "replace").strip()
        raise self.failure(f"{said} before its banner was complete: " + (printed or "it printed nothing"))

    def wait_ready(self, running: ServerProcess, ready: Ready) -> None:
        """Poll ``ready`` until it is true; fail if the process exits or the deadline passes first."""
        while not ready(running):
            if self.process.poll() is not None:
                raise self.failure("exited before it was ready")
            if time.monotonic() >= self.deadline:
                raise self.failure(
                    f"was not ready within {self.timeout} s ({getattr(ready, '__name__', ready)})"
                )
            time.sleep(POLL_SECONDS)

    def failure(self, reason: str) -> ServerDidNotStart:
        """The error for ``reason``, with the command, the exit status and the end of stderr."""
        code = self.process.poll()
        stderr = self.stderr_path.read_text("utf-8", "replace")
        shown = stderr if len(stderr) <= STDERR_SHOWN else "...\n" + stderr[-STDERR_SHOWN:]
        status = "still running" if code is None else f"exit {code}"
        message = f"{shlex.join(self.argv)} {reason} ({status})\n--- stderr\n{shown}"
        return ServerDidNotStart(message, code, stderr)


def _drain(process: subprocess.Popen[bytes]) -> None:
    """Read what the server prints after its banner, so that a full pipe never blocks it; close the
    pipe at its end (the thread that reads a descriptor is the one that may close it)."""
    assert process.stdout is not None
    fd = process.stdout.fileno()
    with contextlib.suppress(OSError):
        while os.read(fd, 65536):
            pass
    process.stdout.close()


def _close_stdout(process: subprocess.Popen[bytes], drain: threading.Thread | None, grace: float) -> None:
    """Wait for the drain thread to close the pipe (a descendant of the stopped process may still hold
    it open: then the thread closes it when that one ends), or close it when no thread reads it."""
    if drain is not None:
        drain.join(timeout=grace)
    elif process.stdout is not None:
        process.stdout.close()
