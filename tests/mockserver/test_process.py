"""Server processes from ``mockserver.serving.process``: the URL read from the banner, the errors of a
start that fails (with the process's stderr, within the time-out), and a stop that ends the process."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import sys
import textwrap
import time
from pathlib import Path

import orjson
import pytest

import spec
from mockserver.serving import process
from mockserver.serving.banner import banner_complete, listening, listening_url
from mockserver.serving.process import ServerDidNotStart, ServerProcess, start, start_mock


def python(code: str, *args: str) -> list[str]:
    """A server made of a few lines of Python."""
    return [sys.executable, "-c", textwrap.dedent(code), *args]


def ended(pid: int) -> bool:
    """No process runs as ``pid``: none has it, or it is a zombie (ended, its parent not told yet)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] == "Z"


def children(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def health(server: ServerProcess) -> dict[str, object]:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        connection.request("GET", process.HEALTH_PATH)
        response = connection.getresponse()
        assert response.status == 200
        return dict(orjson.loads(response.read()))
    finally:
        connection.close()


LISTENS = """
    import socket, sys, time
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    print(f"tiny listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    time.sleep(120)
"""


def test_the_listening_line_is_read_back_to_its_url() -> None:
    line = listening("mockserver", "http://[::1]:8123", "gunicorn, workers 2, threads 16")
    assert line == "mockserver listening on http://[::1]:8123 (gunicorn, workers 2, threads 16)"
    assert listening_url(f"starting\n{line}\n") == "http://[::1]:8123"
    assert listening_url(listening("baseline", "http://127.0.0.1:9")) == "http://127.0.0.1:9"
    assert listening_url("mockserver is starting\n") is None


@pytest.mark.slow
def test_a_real_mock_is_found_at_the_url_of_its_banner_and_answers() -> None:
    with start_mock(["--log-format", "off", "--seed", "7", "--any-user"]) as mock:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", mock.base)
        assert mock.host_port == ("127.0.0.1", int(mock.base.rsplit(":", 1)[1]))
        assert mock.port != 0
        assert mock.banner.startswith(f"mockserver {spec.version()} listening on {mock.base} (gunicorn, ")
        assert (
            banner_complete(mock.banner) and f"try:        curl -sS {mock.base}/api/v4/request" in mock.banner
        )
        assert health(mock)["seed"] == 7
        assert health(mock)["any-user"] is True
        assert mock.process.poll() is None


@pytest.mark.slow
def test_the_callers_mockserver_variables_do_not_reach_the_mock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKSERVER_API_KEYS", "from-the-shell")
    with start_mock(["--log-format", "off"], env={"MOCKSERVER_SEED": "11"}) as mock:
        assert "API key:    demo-key" in mock.banner
        assert health(mock)["seed"] == 11


def test_a_process_that_exits_before_its_banner_raises_with_its_stderr() -> None:
    # the words are joined at run time: a message that shows the command must not pass for one with stderr
    argv = python("import sys; sys.stderr.write(' '.join(['cannot', 'read', 'users.yaml\\n'])); sys.exit(3)")
    started = time.monotonic()
    with pytest.raises(ServerDidNotStart) as raised, start(argv, timeout=30):
        pytest.fail("the body must not run")
    assert time.monotonic() - started < 10  # the exit is noticed, not waited out
    assert raised.value.returncode == 3
    assert raised.value.stderr == "cannot read users.yaml\n"
    assert "exited before its banner was complete: it printed nothing (exit 3)" in str(raised.value)
    assert "b''" not in str(raised.value)
    assert "cannot read users.yaml" in str(raised.value)


def test_a_banner_that_never_comes_times_out_within_the_bound(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    silent = """
        import os, sys, time
        open(sys.argv[1], "w").write(str(os.getpid()))
        sys.stderr.write(" ".join(["still", "loading\\n"]))
        sys.stderr.flush()
        time.sleep(120)
    """
    started = time.monotonic()
    with pytest.raises(ServerDidNotStart) as raised, start(python(silent, str(pid_file)), timeout=1.5):
        pytest.fail("the body must not run")
    took = time.monotonic() - started
    assert 1.5 <= took < 6, took
    assert raised.value.returncode is None  # still running when the time-out expired...
    assert "printed no banner within 1.5 s" in str(raised.value)
    assert "still loading" in str(raised.value)
    assert ended(int(pid_file.read_text()))  # ...and stopped before the error reached the caller


def test_half_a_banner_line_is_not_read_as_a_url() -> None:
    partial = """
        import sys, time
        sys.stdout.write("tiny listening on http://127.0.0.1:1")
        sys.stdout.flush()
        time.sleep(120)
    """
    with (
        pytest.raises(ServerDidNotStart, match="printed no banner within 1 s"),
        start(python(partial), timeout=1),
    ):
        pytest.fail("the body must not run")


def test_a_server_that_never_gets_ready_times_out_within_the_bound() -> None:
    port = process.free_port()  # nothing listens there
    never = f"""
        import time
        print("tiny listening on http://127.0.0.1:{port}", flush=True)
        time.sleep(120)
    """
    started = time.monotonic()
    not_ready = r"was not ready within 1\.5 s \(accepts_connections\)"
    with pytest.raises(ServerDidNotStart, match=not_ready), start(python(never), timeout=1.5):
        pytest.fail("the body must not run")
    assert time.monotonic() - started < 6


def test_a_one_line_server_is_ready_when_its_port_accepts() -> None:
    with start(python(LISTENS)) as tiny:
        assert tiny.banner == f"tiny listening on {tiny.base}\n"
        assert process.accepts_connections(tiny)


@pytest.mark.slow
def test_stop_ends_the_mock_and_its_workers_and_removes_its_stderr_file() -> None:
    with start_mock(["--log-format", "off", "--workers", "2"]) as mock:
        pid = mock.process.pid
        workers = children(pid) if Path("/proc").is_dir() else []
        stderr_path = mock.stderr_path
        assert stderr_path.exists()
    assert mock.process.returncode == 0  # a clean stop on SIGTERM
    assert ended(pid)
    assert all(ended(worker) for worker in workers)
    assert not stderr_path.exists()
    assert mock.process.stdout is not None and mock.process.stdout.closed


def test_a_process_that_ignores_sigterm_is_killed_after_the_grace_period(tmp_path: Path) -> None:
    stubborn = "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n" + textwrap.dedent(LISTENS)
    log = tmp_path / "stderr.log"
    with start(python(stubborn), stderr=log, grace=0.5) as tiny:
        pid = tiny.process.pid
        started = time.monotonic()
    assert time.monotonic() - started < 5
    assert tiny.process.returncode == -signal.SIGKILL
    assert ended(pid)
    assert log.exists()  # the caller's file stays


def test_a_worker_its_server_leaves_behind_is_stopped_with_it(tmp_path: Path) -> None:
    """A server that exits on SIGTERM without stopping its worker: the worker does not outlive the run."""
    careless = (
        "import subprocess, sys\n"
        f"worker = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
        f"open({str(tmp_path / 'worker')!r}, 'w').write(str(worker.pid))\n"
    ) + textwrap.dedent(LISTENS)
    with start(python(careless)) as tiny:
        worker = int((tmp_path / "worker").read_text())
        assert not ended(worker)
    assert tiny.process.returncode == -signal.SIGTERM
    deadline = time.monotonic() + 10  # SIGKILL is delivered at once; init reaps the orphan soon after
    while not ended(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ended(worker)


def test_free_port_gives_a_port_that_can_be_bound() -> None:
    port = process.free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
    assert 0 < port < 65536
