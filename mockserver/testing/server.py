"""A mock for a test suite: a real ``python -m mockserver`` process on a free port, or one already running.

``MockServer(any_user=True, seed=7)`` takes the mock's options as keywords, named after its flags
(``mockserver.settings.SETTINGS``: ``--any-user`` is ``any_user``; a list flag takes a list; a boolean
``False`` is ``--no-<flag>``); ``args`` adds raw flags, ``env`` ``MOCKSERVER_*`` variables. As a context
manager it starts the process (``mockserver.serving.process.start_mock``) and stops it on the way out;
the admin token the process generated and the CA file of its HTTPS are read from its banner
(``startup.banner_access``) and used. ``MockServer.attach(url)`` reaches a mock someone else started
and leaves it running.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, Self

from mockserver import settings
from mockserver.errors import ConfigError
from mockserver.serving import cli
from mockserver.serving.process import ServerProcess, start_mock
from mockserver.serving.startup import banner_access
from mockserver.testing.admin import Admin, AdminError
from mockserver.testing.session import Session

_BY_KEYWORD = {str(s.flag).replace("-", "_"): s for s in settings.FLAGS}
ADMIN_TOKEN = "admin_token"  # the setting a client also needs: it sends it as a bearer token


def mock_args(options: Mapping[str, Any]) -> list[str]:
    """The command-line flags for ``options`` (keywords named after the flags); TypeError for others."""
    argv: list[str] = []
    for name, value in options.items():
        found = _BY_KEYWORD.get(name)
        if found is None:
            known = ", ".join(sorted(_BY_KEYWORD))
            raise TypeError(f"MockServer() got an unknown option {name!r}; options: {known}")
        flag = f"--{found.flag}"
        if value is None:
            continue
        if found.kind == "bool":
            argv.append(flag if value else f"--no-{found.flag}")
        elif found.kind == "list":
            for item in [value] if isinstance(value, str) else value:
                argv += [flag, str(item)]
        else:
            argv += [flag, str(value)]
    return argv


def given_admin_token(argv: Sequence[str], env: Mapping[str, str]) -> str | None:
    """The admin token that the flags ``argv`` or the variables ``env`` give the mock, or None (its
    banner prints a token it generates, never one it is given)."""
    try:
        given, _ = cli.parser(env).parse_known_args(list(argv))
    except ConfigError:
        return None  # the mock refuses these flags itself, and says why
    token = getattr(given, ADMIN_TOKEN, None)
    return str(token) if token else None


class MockServer:
    """A mock to test against: start one (``with MockServer(...) as mock``) or ``attach`` to one."""

    def __init__(
        self,
        *,
        args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        timeout: float = 60.0,
        **options: Any,
    ) -> None:
        self._argv = [*mock_args(options), *args]
        self._env = dict(env or {})
        self._timeout = timeout
        self._token = given_admin_token(self._argv, self._env)
        self._stack: contextlib.ExitStack | None = None
        self._admin: Admin | None = None
        self.process: ServerProcess | None = None

    @classmethod
    def attach(
        cls,
        url: str,
        admin_token: str | None = None,
        ca_cert: str | None = None,
        timeout: float = 30.0,
    ) -> MockServer:
        """A mock already running at ``url`` (its HTTPS trusted with the CA file ``ca_cert``, if given);
        MockUnreachable when its health page does not answer, AdminError when it answers with an error."""
        mock = cls(timeout=timeout)
        mock._admin = Admin(url.rstrip("/"), admin_token, timeout, ca_cert)
        mock._admin.call("GET", "/health")
        return mock

    def start(self) -> Self:
        """Start the process (unless attached or started); return once it answers."""
        if self._admin is None:
            stack = contextlib.ExitStack()
            self.process = stack.enter_context(start_mock(self._argv, env=self._env, timeout=self._timeout))
            self._stack = stack
            printed = banner_access(self.process.banner)
            token = self._token or printed.admin_token
            self._admin = Admin(self.process.base, token, ca_file=printed.ca_file)
        return self

    def stop(self) -> None:
        """Stop the process this object started (an attached mock keeps running)."""
        stack, self._stack = self._stack, None
        if stack is not None:
            self._admin = None
            self.process = None
            stack.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def admin(self) -> Admin:
        if self._admin is None:
            raise RuntimeError("the mock is not running: use `with MockServer(...)`, start() or attach()")
        return self._admin

    @property
    def url(self) -> str:
        """The mock's base URL (the default session's)."""
        return self.admin.url

    @property
    def ca_file(self) -> str | None:
        """The CA file its HTTPS is trusted with (``--tls-self-signed``'s, or ``attach``'s ``ca_cert``):
        what the app under test must trust too."""
        return self.admin.ca_file

    def session(self, name: str) -> Session:
        """The handle of session ``name`` (1 to 128 of ``A-Z a-z 0-9 . _ : @ / + = -``)."""
        return Session(self.admin, name)

    def catalogue(self) -> dict[str, Any]:
        """``GET /__mock/scenarios``: the built-in scenarios, those of scenario files, and how to script."""
        _, found = self.admin.call("GET", "/scenarios")
        return dict(found)

    def scenario_names(self) -> list[str]:
        """The name of every scenario a script step may use."""
        found = self.catalogue()
        return [s["name"] for s in found["scenarios"]] + [s["name"] for s in found["named"]]


__all__ = ["AdminError", "MockServer", "mock_args"]
