"""A mock for a test suite: a real ``python -m mockserver`` process on a free port, or one already running.

``MockServer(any_user=True, seed=7)`` takes the mock's options as keywords, named after its flags
(``--any-user`` is ``any_user``; a list is the flag repeated; ``True`` is the flag alone, ``False``
``--no-<flag>``); ``args`` adds raw flags, ``env`` ``MOCKSERVER_*`` variables. The mock process reads
them (``mockserver.settings.SETTINGS``) and refuses one it does not know, saying why. As a context
manager it starts the process (``mockserver.serving.process.start_mock``) and stops it on the way out;
the admin token the process generated and the CA file of its HTTPS are read from its banner
(``banner.banner_access``) and used. ``MockServer.attach(url)`` reaches a mock someone else started
and leaves it running. Nothing of the mock itself is imported here (the standard library only): a test
suite loads none of the mock's dependencies, nor the kit's ``spec`` (its own may have that name).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, Self

from mockserver.names import ADMIN_TOKEN_FLAG, env_variable
from mockserver.serving.banner import banner_access
from mockserver.serving.process import ServerProcess, start_mock
from mockserver.testing.admin import Admin, AdminError
from mockserver.testing.session import Session

_TOKEN_FLAG = f"--{ADMIN_TOKEN_FLAG}"
_SHORTEST_TOKEN_FLAG = "--admin-t"  # the shortest prefix of the flag the mock's parser takes for it


def mock_args(options: Mapping[str, Any]) -> list[str]:
    """The command-line flags for ``options``, keywords named after the flags (``None``: left out)."""
    argv: list[str] = []
    for name, value in options.items():
        flag = "--" + name.replace("_", "-")
        if value is None:
            continue
        if isinstance(value, bool):
            argv.append(flag if value else "--no-" + flag[2:])
        elif isinstance(value, list | tuple):
            for item in value:
                argv += [flag, str(item)]
        else:
            argv += [flag, str(value)]
    return argv


def given_admin_token(argv: Sequence[str], env: Mapping[str, str]) -> str | None:
    """The admin token that the flags ``argv`` or the variables ``env`` give the mock, or None (its
    banner prints a token it generates, never one it is given). The last flag wins, as in the mock."""
    token = env.get(env_variable(ADMIN_TOKEN_FLAG)) or None
    args = list(argv)
    for index, arg in enumerate(args):
        name, equals, value = arg.partition("=")
        if not (name.startswith(_SHORTEST_TOKEN_FLAG) and _TOKEN_FLAG.startswith(name)):
            continue
        if equals:
            token = value or None
        elif index + 1 < len(args):
            token = args[index + 1] or None
    return token


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
        MockUnreachable when its health page does not answer, AdminError when it answers with an error
        or refuses ``admin_token`` (status 401: none given, or not its token)."""
        mock = cls(timeout=timeout)
        mock._admin = Admin(url.rstrip("/"), admin_token, timeout, ca_cert)
        mock._admin.call("GET", "/health")
        try:  # a guarded call: a mock that needs an admin token (or another one) says so now, once
            mock._admin.call("GET", "/state")
        except AdminError as error:
            if error.status == 401:
                raise
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
