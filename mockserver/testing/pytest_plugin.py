"""The pytest plugin (entry point ``pytest11``): one mock for the run, one isolated session per test.

Fixtures:

- ``mock_server`` (session scope): a ``MockServer`` started for the run with the flags of the ini
  option ``mock_args`` and the command-line option ``--mock-args=FLAGS`` (in that order) and the
  ``MOCKSERVER_*`` variables of the environment; or, with ``--mock-url URL`` (ini ``mock_url``), the mock
  already running there. ``--mock-admin-token``: the admin token, sent as a bearer token (a mock the run
  starts is given it too); ``--mock-ca-cert``: the CA file that an ``https://`` mock URL's certificate
  is trusted with. Under pytest-xdist the controller starts the one mock and every worker attaches to
  it with its URL, admin token and CA file. A mock that does not start or answer ends the run at once,
  with one message saying why.
- ``mock_session`` (function scope): a session of its own for the test, named after its node id and
  the xdist worker, reset before and after the test. When the test fails, its report gets a section
  with the session's journal: what the app sent and what it got.

Nothing starts until a test asks for a fixture (except under xdist, where the controller starts the
mock before the workers: they cannot share one they start themselves).
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from mockserver.names import ENV_PREFIX

if TYPE_CHECKING:
    from mockserver.testing.server import MockServer
    from mockserver.testing.session import Session

# how the xdist controller hands its mock to the workers: the URL, the admin token, the CA file
URL_KEY, TOKEN_KEY, CA_KEY = "oioi_mock_url", "oioi_mock_admin_token", "oioi_mock_ca_cert"
_STARTED = pytest.StashKey["MockServer"]()  # the xdist controller's mock, started for the run
_REACHED = pytest.StashKey["MockServer"]()  # the xdist controller's check of the mock at --mock-url
_NOT_IN_A_NAME = re.compile(r"[^A-Za-z0-9._:@+=-]+")
SECTION = "mock session journal"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("oioi-mock", "the OIOI mock (mockserver.testing)")
    group.addoption(
        "--mock-url", default=None, help="use the mock running at this URL instead of starting one"
    )
    group.addoption(
        "--mock-admin-token",
        default=None,
        help="the mock's admin token, sent as a bearer token (a mock the run starts is given it)",
    )
    group.addoption(
        "--mock-ca-cert",
        default=None,
        help="the CA file that trusts the certificate of an https:// --mock-url",
    )
    group.addoption(
        "--mock-args",
        default="",
        help="flags of `python -m mockserver` for the mock the run starts; write --mock-args=FLAGS "
        "(e.g. --mock-args=--any-user or --mock-args='--any-user --seed 7')",
    )
    parser.addini("mock_url", "use the mock running at this URL instead of starting one", default="")
    parser.addini("mock_args", "flags of `python -m mockserver` for the mock the run starts", type="args")


def _workerinput(config: pytest.Config) -> dict[str, Any]:
    found: dict[str, Any] = getattr(config, "workerinput", {})
    return found


def _url(config: pytest.Config) -> str | None:
    found = _workerinput(config).get(URL_KEY) or config.getoption("--mock-url") or config.getini("mock_url")
    return str(found) if found else None


def _unusable(config: pytest.Config, error: Exception) -> NoReturn:
    """End the run with one message: every test would fail the same way without its mock (an xdist
    worker raises it: its controller started or reached the mock before it)."""
    if _workerinput(config):
        raise error
    pytest.exit(f"mockserver.testing: {error}", returncode=pytest.ExitCode.USAGE_ERROR)


def _start(config: pytest.Config) -> MockServer:
    from mockserver.serving.process import ServerDidNotStart
    from mockserver.testing.server import MockServer

    args = [*config.getini("mock_args"), *shlex.split(config.getoption("--mock-args") or "")]
    env = {name: value for name, value in os.environ.items() if name.startswith(ENV_PREFIX)}
    token = config.getoption("--mock-admin-token")
    try:
        return MockServer(args=args, env=env, **({"admin_token": token} if token else {})).start()
    except ServerDidNotStart as error:
        _unusable(config, error)


def _attach(config: pytest.Config, url: str) -> MockServer:
    from mockserver.testing.admin import AdminError, MockUnreachable
    from mockserver.testing.server import MockServer

    handed = _workerinput(config)
    token = handed.get(TOKEN_KEY) or config.getoption("--mock-admin-token")
    ca_cert = handed.get(CA_KEY) or config.getoption("--mock-ca-cert")
    try:
        return MockServer.attach(url, admin_token=token, ca_cert=ca_cert)
    except AdminError as error:
        if error.status == 401:  # every test would fail on it: one line naming the option instead
            why = "refused the token of --mock-admin-token" if token else "needs its admin token"
            how = "give the one in its banner: --mock-admin-token TOKEN"
            _unusable(config, PermissionError(f"the mock at {url} {why}; {how}"))
        _unusable(config, error)
    except MockUnreachable as error:
        _unusable(config, error)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist, on the controller: start the run's one mock (or reach the one at ``--mock-url``),
    and hand its URL, admin token and CA file to each worker."""
    config: pytest.Config = node.config
    url = _url(config)
    if url is None and _STARTED not in config.stash:
        config.stash[_STARTED] = _start(config)
    elif url is not None and _REACHED not in config.stash:
        config.stash[_REACHED] = _attach(config, url)
    if _STARTED in config.stash:
        admin = config.stash[_STARTED].admin
        node.workerinput.update({URL_KEY: admin.url, TOKEN_KEY: admin.admin_token, CA_KEY: admin.ca_file})


def pytest_unconfigure(config: pytest.Config) -> None:
    started = config.stash.get(_STARTED, None)
    if started is not None:
        started.stop()


@pytest.fixture(scope="session")
def mock_server(pytestconfig: pytest.Config) -> Iterator[MockServer]:
    """The run's mock: started for it, or the one at ``--mock-url`` (or the xdist controller's)."""
    url = _url(pytestconfig)
    if url is not None:
        yield _attach(pytestconfig, url)
        return
    with _start(pytestconfig) as started:
        yield started


def session_name(nodeid: str, worker: str) -> str:
    """A session id for test ``nodeid`` on ``worker``: readable, one path segment, at most 128 characters.

    ``/`` becomes ``.``, other characters a session id cannot hold become ``-``; a name changed that way
    or cut short ends in a hash of the node id, so two tests never share a session.
    """
    dotted = f"{worker}.{nodeid}".replace("/", ".")
    readable = _NOT_IN_A_NAME.sub("-", dotted)
    if readable == dotted and len(readable) <= 128:
        return readable
    digest = hashlib.sha256(nodeid.encode("utf-8", "replace")).hexdigest()[:10]
    return f"{readable[:117]}-{digest}"


@pytest.fixture
def mock_session(mock_server: MockServer, request: pytest.FixtureRequest) -> Iterator[Session]:
    """A session of the run's mock for this test alone: ``base_url`` for the app, scripts, journal, verify."""
    # the worker's id as xdist hands it to this process; not PYTEST_XDIST_WORKER, which a pytest started
    # from inside a worker inherits without being one
    worker = str(_workerinput(request.config).get("workerid", "main"))
    session = mock_server.session(session_name(request.node.nodeid, worker))
    session.reset()
    yield session
    session.reset()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    """A failed test that used ``mock_session`` gets the session's journal in its report."""
    report = yield
    funcargs: dict[str, Any] = getattr(item, "funcargs", {})
    session = funcargs.get("mock_session")
    if report.failed and session is not None and call.when != "teardown":
        from mockserver.testing.admin import AdminError

        try:
            text = session.journal_text()
        except (AdminError, OSError) as error:
            text = f"the journal of session {session.name!r} could not be read: {error}"
        report.sections.append((f"{SECTION}: {session.name}", text))
    return report
