"""``make bench``: the mock's hot, cold and scenario paths against a bare Flask baseline, in one run.

Every server is a real process on a free loopback port, started and stopped here with
``mockserver.serving.process``:

- ``baseline``: bench/baseline.py, a bare Flask app returning fixed bytes (the very bytes of the
  mock's hot answer, so both send as much), on the mock's own server stack;
- ``ceiling``: ``bench/baseline.py --raw``, the same bytes from a plain WSGI callable without Flask on
  the same server stack: what no Python app on it can beat (shown with its ratios; not a target);
- ``hot``: ``python -m mockserver``, the demo user's request again and again (bench/hot.lua);
- ``cold``: ``python -m mockserver --any-user``, every request a user never seen (bench/cold.lua);
- ``scenario``: the hot request with ``X-Mock-Scenario: result-102`` (a scripted result code);
- ``proxy``: ``python -m mockserver --upstream <the hot mock>``, the hot request through proxy mode
  (forwarded, both sides validated) to the same mock ``hot`` calls directly; ``proxy-1`` and ``hot-1``
  the same one request at a time (one connection), where the difference of the p50s is what proxy mode
  adds to a request on loopback;
- ``hot-slow``: the hot request again while ``SLOW_CLIENTS`` other connections hold the mock with a
  body they never finish (the latency a client sees beside slow ones);
- with ``--peers``: Stoplight Prism 5 on spec/openapi.yaml, dynamic (``-d``) and static, and WireMock 3
  (its standalone jar, from the npm package ``wiremock``) answering the hot request from a static stub
  with the mock's own bytes, measured after a longer warm-up (its JIT compiler needs one): ``wiremock``
  set up as WireMock advises for performance tests (no request journal, no request logging),
  ``wiremock-journal`` keeping a journal of as many requests as one of the mock's sessions does, and
  ``wiremock-as-shipped`` started with no option (its journal keeps every request: its memory after the
  run is printed); the mock's journal is always on and bounded (``--journal-size``, ``--journal-total``);
- with ``--memory N``: a fresh mock's resident memory after N distinct admin sessions, and a fresh
  ``--any-user`` mock's after N users never seen before.

It prints requests/s, p50 and p99 per target, the ratios to the baseline (and to Prism), the
server's CPU time per request during the measured run ("CPU us/req": utime + stime from /proc of
the server process and its descendants, after minus before, divided by the requests; unlike req/s it
hardly moves with a neighbour's load on a shared machine) and its ratio to the baseline's, the
resident memory of every mock worker before and after, and with ``--soak`` a longer cold run that
samples worker memory as it goes. Load comes from ``wrk`` (installed with apt-get when missing and
root). Nothing here is asserted: the figures are for people to read.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import orjson

import spec
from mockserver import settings
from mockserver.http import runtime
from mockserver.serving import process

ROOT = Path(__file__).resolve().parent.parent
PRISM_DIR = ROOT / ".bench" / "prism"
PRISM_BIN = PRISM_DIR / "node_modules" / ".bin" / "prism"
PRISM_PACKAGE = "@stoplight/prism-cli@5"
WIREMOCK_DIR = ROOT / ".bench" / "wiremock"
WIREMOCK_PACKAGE = "wiremock@3"
WIREMOCK_WARMUP = "15s"  # before WireMock's measured run, beyond every target's own warm-up
SLOW_CLIENTS = 200  # connections that hold the mock during the hot-slow run
PROTOCOL = settings.PROTOCOL_PATHS[0]
_BENCH_LINE = re.compile(r"^BENCH (\{.*\})$", re.MULTILINE)


@dataclass
class Result:
    """One wrk run: throughput, latency percentiles (ms), errors of any kind and the server's CPU time."""

    name: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_s: float = 0.0  # server processes' utime + stime during the run (set by measure)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_us_per_request(self) -> float:
        return self.cpu_s * 1e6 / self.requests if self.requests else 0.0


@dataclass
class Server:
    name: str
    base: str
    process: subprocess.Popen[bytes]
    log: Path
    rss: dict[str, list[int]] = field(default_factory=dict)

    def workers(self) -> list[int]:
        """The pids of the server's worker processes (the master's children, from every thread)."""
        pid = self.process.pid
        return children(pid) or [pid]

    def worker_rss_kib(self) -> list[int]:
        return [rss_kib(pid) for pid in self.workers()]

    def tree(self) -> list[int]:
        """The server's process and its descendants (gunicorn master and workers, granian, node)."""
        found: list[int] = []
        pending = [self.process.pid]
        while pending and len(found) < 1000:  # bounded: a server is a handful of processes
            pid = pending.pop()
            if pid not in found:
                found.append(pid)
                pending += children(pid)
        return found

    def cpu_ticks(self) -> dict[int, int]:
        """utime + stime (clock ticks) of every process in the tree now; vanished ones are left out."""
        out: dict[int, int] = {}
        for pid in self.tree():
            ticks = cpu_ticks(pid)
            if ticks is not None:
                out[pid] = ticks
        return out


def children(pid: int) -> list[int]:
    """The child processes of ``pid``, from every one of its threads (none when it is gone)."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    out: list[int] = []
    for task in tasks:
        with contextlib.suppress(OSError, ValueError):
            out += [int(child) for child in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
    return out


def cpu_ticks(pid: int) -> int | None:
    """utime + stime of ``pid`` (fields 14 and 15 of /proc/<pid>/stat) in clock ticks; None when gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) ": field 3 is fields[0]
    return int(fields[11]) + int(fields[12])


def cpu_seconds(before: dict[int, int], after: dict[int, int]) -> float:
    """CPU time spent between two snapshots; a process that vanished in between counts 0."""
    ticks = sum(max(0, used - before.get(pid, 0)) for pid, used in after.items())
    return ticks / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` in KiB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


# -- tools --------------------------------------------------------------------------------------
def ensure_wrk() -> str:
    """The wrk binary; installed with apt-get when missing and running as root."""
    found = shutil.which("wrk")
    if found:
        return found
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: apt-get install -y wrk", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        if subprocess.run(["apt-get", "install", "-y", "wrk"], env=env, check=False).returncode != 0:
            subprocess.run(["apt-get", "update"], env=env, check=False)
            subprocess.run(["apt-get", "install", "-y", "wrk"], env=env, check=False)
        found = shutil.which("wrk")
        if found:
            return found
    raise SystemExit("bench: wrk is not installed; install it (Debian/Ubuntu: sudo apt-get install -y wrk)")


def npm_install(package: str, folder: Path) -> None:
    """``npm install --prefix folder package``: a peer installed into .bench/, on first use."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(f"bench: --peers needs npm (Node.js) to install {package}")
    print(f"installing {package} into {folder.relative_to(ROOT)} ...", flush=True)
    folder.mkdir(parents=True, exist_ok=True)
    argv = [npm, "install", "--no-audit", "--no-fund", "--prefix", str(folder), package]
    done = subprocess.run(argv, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench: npm install {package} failed (exit {done.returncode})")


def ensure_prism() -> Path:
    """Prism 5 in .bench/prism, installed on first use."""
    if not PRISM_BIN.exists():
        npm_install(PRISM_PACKAGE, PRISM_DIR)
    if not PRISM_BIN.exists():
        raise SystemExit(f"bench: npm install {PRISM_PACKAGE} installed no {PRISM_BIN}")
    return PRISM_BIN


def ensure_wiremock() -> list[str]:
    """The command that starts WireMock: java and the standalone jar the npm package ``wiremock``
    bundles (in .bench/wiremock, installed on first use)."""
    java = shutil.which("java")
    if java is None:
        raise SystemExit("bench: --peers needs Java to run WireMock (Debian: apt-get install default-jre)")
    pattern = "node_modules/wiremock/build/*.jar"
    if not list(WIREMOCK_DIR.glob(pattern)):
        npm_install(WIREMOCK_PACKAGE, WIREMOCK_DIR)
    jars = sorted(WIREMOCK_DIR.glob(pattern))
    if not jars:
        raise SystemExit(f"bench: npm install {WIREMOCK_PACKAGE} installed no {WIREMOCK_DIR / pattern}")
    return [java, "-jar", str(jars[-1])]


# -- servers ------------------------------------------------------------------------------------
GRACE = 20.0  # seconds a server has to stop on SIGTERM before it is killed


@contextlib.contextmanager
def serving(name: str, argv: Sequence[str], logs: Path, ready: process.Ready) -> Iterator[Server]:
    """Start ``argv`` (which prints "listening on URL"), yield it once ``ready``, and stop it.

    Each server runs in a session of its own: Ctrl-C reaches the benchmark, which stops them in turn.
    """
    log = logs / f"{name}.log"
    with contextlib.ExitStack() as stack:
        try:
            running = stack.enter_context(
                process.start(argv, ready=ready, cwd=ROOT, stderr=log, grace=GRACE, new_session=True)
            )
        except process.ServerDidNotStart as error:
            raise SystemExit(f"bench: {name} did not start: {error}") from error
        yield Server(name, running.base, running.process, log)


@contextlib.contextmanager
def peer(name: str, argv: Sequence[str], port: int, logs: Path) -> Iterator[Server]:
    """A peer started with ``argv`` to listen on 127.0.0.1:``port``; ready when the port answers."""
    log = logs / f"{name}.log"
    with log.open("wb") as sink:
        started = subprocess.Popen(
            list(argv), cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and started.poll() is None:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            time.sleep(0.25)
        else:
            raise SystemExit(f"bench: {name} did not start: {log.read_text(errors='replace')[-2000:]}")
        yield Server(name, f"http://127.0.0.1:{port}", started, log)
    finally:
        process.stop(started, GRACE, group=True)  # started in a session of its own: it leads its group


def prism(name: str, dynamic: bool, document: Path, logs: Path) -> contextlib.AbstractContextManager[Server]:
    """Prism mocking ``document`` on a free port."""
    port = process.free_port()
    argv = [str(ensure_prism()), "mock", "-h", "127.0.0.1", "-p", str(port), *(["-d"] if dynamic else [])]
    return peer(name, [*argv, str(document)], port, logs)


# How WireMock's request journal is set up in each run (bench's module docstring).
WIREMOCK_JOURNALS = {
    "wiremock": ["--no-request-journal", "--disable-request-logging"],  # as it advises for performance tests
    "wiremock-journal": ["--max-request-journal-entries", str(settings.default("MOCK_JOURNAL_SIZE"))],
    "wiremock-as-shipped": [],  # its defaults: a journal of every request, never emptied
}


def wiremock(
    name: str, body: bytes, logs: Path, journal: Sequence[str]
) -> contextlib.AbstractContextManager[Server]:
    """WireMock on a free port with one static stub: the hot request answered with ``body`` (the mock's
    own bytes, as the baseline sends them), its request journal set up by the options ``journal``."""
    root = logs / name
    (root / "mappings").mkdir(parents=True, exist_ok=True)
    (root / "__files").mkdir(exist_ok=True)
    stub = {
        "request": {"method": "POST", "urlPath": PROTOCOL},
        "response": {
            "status": 200,
            "base64Body": base64.b64encode(body).decode(),
            "headers": {"Content-Type": "application/json"},
        },
    }
    (root / "mappings" / "hot.json").write_bytes(orjson.dumps(stub))
    port = process.free_port()
    argv = [*ensure_wiremock(), "--port", str(port), "--bind-address", "127.0.0.1", "--root-dir", str(root)]
    argv += ["--disable-banner", *journal]
    return peer(name, argv, port, logs)


# -- load ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Load:
    wrk: str
    threads: int
    connections: int
    duration: str

    def run(self, name: str, base: str, script: str, env: dict[str, str] | None = None) -> Result:
        argv = [self.wrk, f"-t{self.threads}", f"-c{self.connections}", f"-d{self.duration}", "--latency"]
        argv += ["-s", str(ROOT / "bench" / script), base + PROTOCOL]
        done = subprocess.run(
            argv, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True, check=False
        )
        match = _BENCH_LINE.search(done.stdout)
        if done.returncode != 0 or match is None:
            raise SystemExit(f"bench: wrk failed on {name}: {done.stdout[-1500:]} {done.stderr[-1500:]}")
        data = json.loads(match.group(1))
        errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
        seconds = data["duration_us"] / 1e6
        return Result(name, data["requests"], seconds, data["p50_us"] / 1000, data["p99_us"] / 1000, errors)

    def shorter(self, duration: str) -> Load:
        return Load(self.wrk, self.threads, self.connections, duration)

    def one_at_a_time(self) -> Load:
        """The same run on one connection: each request's own latency, without queueing."""
        return Load(self.wrk, 1, 1, self.duration)


def measure(
    load: Load, server: Server, name: str, script: str, env: dict[str, str] | None = None, *, slow: int = 0
) -> Result:
    """A warm-up run (not counted), then the measured run; worker memory and the server's CPU time
    (its whole process tree) before and after. With ``slow``, that many slow clients hold connections
    to the server through both runs."""
    with slow_clients(server, slow):
        load.shorter(WARMUP).run(name, server.base, script, env)
        before = server.worker_rss_kib()
        ticks = server.cpu_ticks()
        result = load.run(name, server.base, script, env)
        result.cpu_s = cpu_seconds(ticks, server.cpu_ticks())
    server.rss[name] = before + server.worker_rss_kib()
    return result


@contextlib.contextmanager
def slow_clients(server: Server, count: int) -> Iterator[None]:
    """``count`` connections that send a request head announcing a 1000-byte body, 10 bytes of it,
    and nothing more, open until the block ends."""
    head = (
        f"POST {PROTOCOL} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: key={settings.DEMO_API_KEY}\r\n"
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"user-get-'
    ).encode()
    parts = urlsplit(server.base)
    opened: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=10)
            opened.append(sock)
            sock.sendall(head)
        yield
    finally:
        for sock in opened:
            sock.close()


WARMUP = "2s"


# -- the run ------------------------------------------------------------------------------------
def mock_argv(args: argparse.Namespace, *extra: str) -> list[str]:
    server = ["--server", args.server, "--workers", str(args.workers), "--threads", str(args.server_threads)]
    return [
        sys.executable,
        "-m",
        "mockserver",
        "--port",
        "0",
        *server,
        "--log-format",
        args.log_format,
        *extra,
    ]


def run(args: argparse.Namespace) -> int:
    load = Load(ensure_wrk(), args.threads, args.connections, args.duration)
    rounds: dict[str, list[Result]] = {}
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="mock-bench-") as tmp, contextlib.ExitStack() as stack:
        logs = Path(tmp)
        body = logs / "hot-answer.json"
        body.write_bytes(hot_answer())
        baseline_argv = [sys.executable, "-m", "bench.baseline", "--port", "0", "--body", str(body)]
        baseline_argv += ["--workers", str(args.workers), "--threads", str(args.server_threads)]
        baseline_argv += ["--server", args.server]
        accepts, answers = process.accepts_connections, process.answers_health
        base = stack.enter_context(serving("baseline", baseline_argv, logs, accepts))
        ceiling = stack.enter_context(serving("ceiling", [*baseline_argv, "--raw"], logs, accepts))
        mock = stack.enter_context(serving("mock", mock_argv(args), logs, answers))
        cold = stack.enter_context(serving("mock-any-user", mock_argv(args, "--any-user"), logs, answers))
        proxy = stack.enter_context(serving("proxy", mock_argv(args, "--upstream", mock.base), logs, answers))
        plan = [
            (base, "baseline", "hot.lua", {}),
            (ceiling, "ceiling", "hot.lua", {}),
            (mock, "hot", "hot.lua", {}),
            (mock, "hot-slow", "hot.lua", {}),
            (mock, "scenario", "hot.lua", {"BENCH_SCENARIO": "result-102"}),
            (cold, "cold", "cold.lua", {}),
            (proxy, "proxy", "hot.lua", {}),
            (mock, "hot-1", "hot.lua", {}),
            (proxy, "proxy-1", "hot.lua", {}),
        ]
        # Rounds alternate the targets, so a neighbour's load on a shared machine hits them alike.
        for _ in range(args.rounds):
            for server, name, script, env in plan:
                slow = SLOW_CLIENTS if name == "hot-slow" else 0
                used = load.one_at_a_time() if name.endswith("-1") else load
                rounds.setdefault(name, []).append(measure(used, server, name, script, env, slow=slow))
        notes.append(_logged(mock, sum(r.requests for r in rounds["hot"]), args.log_format))
        notes += _memory(mock) + _memory(cold)
        if args.soak > 0:
            notes += soak(load, cold, args.soak)
        if args.memory > 0:
            stack.close()  # the servers above stop first: the memory runs have the machine to themselves
            notes += memory(args, logs, args.memory)
        if args.peers:
            for name, result in peers(load, logs, body.read_bytes()).items():
                rounds[name] = [result]
    print_table({name: median(found) for name, found in rounds.items()}, load, args.rounds, args.server)
    for line in notes:
        print(line)
    return 0


def median(results: list[Result]) -> Result:
    """Each column's own median over the rounds (of an odd count; the lower middle of an even one):
    req/s, p50, p99 and CPU per request; errors summed. One round's p99 is decided by a handful of
    requests, so a neighbour's burst in one round no longer decides the figure."""
    middle = (len(results) - 1) // 2

    def of(value: Callable[[Result], float]) -> float:
        return sorted(value(r) for r in results)[middle]

    by_rps = sorted(results, key=lambda r: r.rps)[middle]
    cpu_per_request = of(lambda r: r.cpu_us_per_request)
    return Result(
        by_rps.name,
        by_rps.requests,
        by_rps.seconds,
        of(lambda r: r.p50_ms),
        of(lambda r: r.p99_ms),
        sum(r.errors for r in results),
        cpu_per_request * by_rps.requests / 1e6,
    )


def hot_answer() -> bytes:
    """The bytes the mock answers the hot request with now: the baseline sends the same bytes."""
    from mockserver import create_app
    from mockserver.http import curl_lines

    app = create_app({"MOCK_LOG_FORMAT": "off"})
    user = curl_lines.demo_user(runtime.of(app).directory)
    key = {"Authorization": f"key={settings.DEMO_API_KEY}"}
    answer = app.test_client().post(PROTOCOL, json={spec.CALL: {"user": user}}, headers=key)
    assert answer.status_code == 200, answer.data
    return bytes(answer.data)


def _logged(server: Server, measured: int, fmt: str) -> str:
    lines = server.log.read_bytes().count(b"\n") if server.log.exists() else 0
    return (
        f"the mock's request log (--log-format {fmt}) has {lines} lines: {measured} measured hot "
        "requests plus warm-ups and scenario requests (every request is logged and journalled)"
    )


def _memory(server: Server) -> list[str]:
    out = []
    for name, values in server.rss.items():
        half = len(values) // 2
        pairs = ", ".join(
            f"{b / 1024:.1f} -> {a / 1024:.1f}" for b, a in zip(values[:half], values[half:], strict=True)
        )
        out.append(f"RSS per worker, {name} run (MiB, before -> after): {pairs}")
    return out


def soak(load: Load, server: Server, seconds: int) -> list[str]:
    """A long cold run in steps: worker memory after each (every request a new user and journal entry)."""
    steps = 6
    per = max(1, seconds // steps)
    total = 0
    lines = [f"soak: {seconds} s of the cold path in {steps} steps; RSS per worker (MiB) after each step"]
    for step in range(1, steps + 1):
        ticks = server.cpu_ticks()
        result = load.shorter(f"{per}s").run("soak", server.base, "cold.lua")
        result.cpu_s = cpu_seconds(ticks, server.cpu_ticks())
        total += result.requests
        rss = ", ".join(f"{kib / 1024:.1f}" for kib in server.worker_rss_kib())
        lines.append(
            f"  step {step}: {total:>9} requests so far, {result.rps:7.0f} req/s, "
            f"{result.cpu_us_per_request:5.0f} CPU us/req, RSS {rss}"
        )
    return lines


def memory(args: argparse.Namespace, logs: Path, count: int) -> list[str]:
    """Resident memory of fresh mocks' workers after ``count`` distinct admin sessions, and after
    ``count`` users never seen before."""
    runs = [
        ("admin sessions", "mock-sessions", mock_argv(args), _session_request),
        ("cold users", "mock-cold-users", mock_argv(args, "--any-user"), _cold_request),
    ]
    lines = []
    for label, name, argv, request in runs:
        with serving(name, argv, logs, process.answers_health) as server:
            time.sleep(WARM_SECONDS)  # the workers' generator pools are built and frozen
            before = server.worker_rss_kib()
            started = time.monotonic()
            answered, failed = send_each(server, count, request)
            seconds = time.monotonic() - started
            after = server.worker_rss_kib()
        shown = ", ".join(f"{b / 1024:.1f} -> {a / 1024:.1f}" for b, a in zip(before, after, strict=True))
        lines.append(
            f"memory: {answered} {label} (each distinct) in {seconds:.0f} s, {failed} not answered 2xx; "
            f"RSS per worker (MiB, before -> after): {shown}"
        )
    return lines


WARM_SECONDS = 3.0
MEMORY_CLIENTS = 4  # connections (each in a thread of its own) that send the memory runs' requests
MEMORY_SECONDS = 900.0  # the longest one memory run may take


def _session_request(number: int) -> bytes:
    return (
        f"GET /__mock/scenarios/scripts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"X-Mock-Session: bench-{number:010d}\r\n\r\n"
    ).encode()


def _cold_request(number: int) -> bytes:
    user = {"identifier-type": "rfid", "identifier": f"C{number:013d}"}
    body = orjson.dumps({spec.CALL: {"user": user}})
    head = (
        f"POST {PROTOCOL} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: key={settings.DEMO_API_KEY}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def send_each(server: Server, count: int, request: Callable[[int], bytes]) -> tuple[int, int]:
    """Send ``request(n)`` for every n below ``count`` over ``MEMORY_CLIENTS`` keep-alive connections,
    each answer read before the next request; (answered 2xx, not) when done or ``MEMORY_SECONDS`` pass."""
    parts = urlsplit(server.base)
    deadline = time.monotonic() + MEMORY_SECONDS
    tally = [0, 0]
    lock = threading.Lock()

    def client(first: int) -> None:
        connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
        try:
            connection.connect()
            assert connection.sock is not None
            for number in range(first, count, MEMORY_CLIENTS):
                if time.monotonic() > deadline:
                    return
                connection.sock.sendall(request(number))
                response = http.client.HTTPResponse(connection.sock, method="GET")
                response.begin()
                response.read()
                with lock:
                    tally[0 if 200 <= response.status < 300 else 1] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(first,)) for first in range(MEMORY_CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(MEMORY_SECONDS + 60)
    return tally[0], tally[1]


def peers(load: Load, logs: Path, body: bytes) -> dict[str, Result]:
    """Prism on spec/openapi.yaml, dynamic then static (the bundled document if the file refs fail);
    WireMock with a static stub answering ``body``."""
    out: dict[str, Result] = {}
    for name, journal in WIREMOCK_JOURNALS.items():
        with wiremock(name, body, logs, journal) as server:
            load.shorter(WIREMOCK_WARMUP).run(name, server.base, "hot.lua")
            out[name] = measure(load, server, name, "hot.lua")
            options = " ".join(journal) or "its defaults"
            print(f"{name}: RSS after its runs {rss_kib(server.process.pid) / 1024:.0f} MiB ({options})")
    document = spec.openapi_path()
    bundled = logs / "openapi.bundled.json"
    bundled.write_bytes(orjson.dumps(spec.openapi_document()))
    for name, dynamic in (("prism-dynamic", True), ("prism-static", False)):
        try:
            with prism(name, dynamic, document, logs) as server:
                out[name] = measure(load, server, name, "hot.lua")
        except SystemExit as error:
            print(f"{name}: spec/openapi.yaml refused ({error}); using the bundled document", flush=True)
            with prism(name, dynamic, bundled, logs) as server:
                out[name] = measure(load, server, name, "hot.lua")
    return out


def _ratio(value: float, other: float) -> float:
    """``value / other``; NaN when ``other`` is 0 (a run with no answers)."""
    return value / other if other else float("nan")


def print_table(results: dict[str, Result], load: Load, rounds: int, server: str) -> None:
    base = results["baseline"]
    print()
    shown = f"{server}: wrk -t{load.threads} -c{load.connections} -d{load.duration} --latency"
    print(f"{shown}, each after a {WARMUP} warm-up; medians of {rounds} alternating round(s) per column")
    columns = (
        ("req/s", 10),
        ("p50 ms", 9),
        ("p99 ms", 9),
        ("errors", 8),
        ("/ base rps", 12),
        ("p99 x base", 12),
        ("CPU us/req", 12),
        ("CPU x base", 12),
    )
    header = f"{'target':<14}" + "".join(f"{name:>{width}}" for name, width in columns)
    print(header)
    print("-" * len(header))
    base_cpu = base.cpu_us_per_request
    for result in results.values():
        cpu = result.cpu_us_per_request
        cpu_ratio = cpu / base_cpu if base_cpu else 0.0
        print(
            f"{result.name:<14}{result.rps:>10.0f}{result.p50_ms:>9.2f}{result.p99_ms:>9.2f}{result.errors:>8}"
            f"{result.rps / base.rps:>12.2f}{result.p99_ms / base.p99_ms:>12.2f}"
            f"{cpu:>12.0f}{cpu_ratio:>12.2f}"
        )
    print(
        "CPU us/req: server processes' CPU time during the measured run / requests "
        "(robust to a neighbour's load; lower is better)"
    )
    silent = [result.name for result in results.values() if result.requests == 0]
    if silent:  # wrk counts no error for a request that was never answered
        print(f"no answer at all during the run: {', '.join(silent)}")
    print()
    targets = [
        ("hot / baseline req/s", results["hot"].rps / base.rps, ">= 0.90"),
        ("cold / baseline req/s", results["cold"].rps / base.rps, ">= 0.50"),
        ("hot p99 / baseline p99", results["hot"].p99_ms / base.p99_ms, "<= 2.00"),
        ("cold p99 / baseline p99", results["cold"].p99_ms / base.p99_ms, "<= 2.00"),
        ("hot-slow p99 / hot p99", _ratio(results["hot-slow"].p99_ms, results["hot"].p99_ms), "(no target)"),
        ("proxy / hot req/s", _ratio(results["proxy"].rps, results["hot"].rps), "(no target)"),
        ("proxy-1 p50 - hot-1 p50 ms", results["proxy-1"].p50_ms - results["hot-1"].p50_ms, "<= 1.00"),
    ]
    warm = results.get("wiremock")
    if warm is not None:
        targets.append(("hot / wiremock req/s", _ratio(results["hot"].rps, warm.rps), ">= 1.00"))
        targets.append(("hot p99 / wiremock p99", _ratio(results["hot"].p99_ms, warm.p99_ms), "< 1.00"))
    dynamic = results.get("prism-dynamic")
    if dynamic is not None:
        targets.append(("hot / prism -d req/s", _ratio(results["hot"].rps, dynamic.rps), ">= 20.00"))
        targets.append(("hot p99 / prism -d p99", _ratio(results["hot"].p99_ms, dynamic.p99_ms), "< 1.00"))
    static = results.get("prism-static")
    if static is not None:
        targets.append(("hot / prism static req/s", results["hot"].rps / static.rps, "(no target)"))
    for label, value, goal in targets:
        print(f"{label:<28}{value:>8.2f}   target {goal}")
    if "ceiling" in results:
        print(
            "ceiling: the same server stack answering fixed bytes without Flask "
            "(what no Python app on it can beat)"
        )


def parser() -> argparse.ArgumentParser:
    out = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    env = os.environ.get
    duration = env("BENCH_DURATION", "10s")
    out.add_argument("--duration", default=duration, help="wrk -d per target [BENCH_DURATION]")
    out.add_argument("--threads", type=int, default=2, help="wrk threads (-t)")
    out.add_argument("--connections", type=int, default=32, help="wrk connections (-c)")
    out.add_argument("--workers", type=int, default=int(env("BENCH_WORKERS", "2")), help="server workers")
    threads = next(each.default for each in settings.FLAGS if each.flag == "threads")
    out.add_argument("--server-threads", type=int, default=threads, help="granian: threads per worker")
    server = env("BENCH_SERVER", "gunicorn")
    out.add_argument("--server", default=server, choices=("gunicorn", "granian"), help="[BENCH_SERVER]")
    out.add_argument("--log-format", default="json", choices=("json", "text", "off"), help="the mock's log")
    rounds = int(env("BENCH_ROUNDS", "1"))
    out.add_argument("--rounds", type=int, default=rounds, help="alternating rounds; medians [BENCH_ROUNDS]")
    soak = int(env("BENCH_SOAK", "0"))
    out.add_argument("--soak", type=int, default=soak, help="seconds of a cold run sampling RSS [BENCH_SOAK]")
    out.add_argument("--peers", action="store_true", help="also Prism and WireMock (into .bench/)")
    out.add_argument(
        "--memory",
        type=int,
        default=int(env("BENCH_MEMORY", "0")),
        metavar="N",
        help="RSS after N distinct admin sessions and after N cold users [BENCH_MEMORY]",
    )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    return run(parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
