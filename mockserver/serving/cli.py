"""``python -m mockserver``: flags, their ``MOCKSERVER_*`` environment variables, and start-up.

Every flag has an environment variable (``--status-mapping`` -> ``MOCKSERVER_STATUS_MAPPING``); a flag
given on the command line wins. Both are read by the setting's kind (``mockserver.settings``), as
``create_app`` reads its config; repeatable flags take a comma-separated list from the environment.
The environment is read once, by ``environment()``, and handed on as a value. An unusable value stops
the start with exit 2 and one line naming the flag and its variable.
"""

from __future__ import annotations

import argparse
import errno
import os
import secrets
import shutil
import socket
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

import spec
from mockserver import settings
from mockserver.errors import ConfigError
from mockserver.http import curl_lines
from mockserver.identity import users
from mockserver.names import ENV_PREFIX
from mockserver.proxy import recording
from mockserver.scenarios import catalog, scenario_files, state
from mockserver.serving import tls
from mockserver.serving.options import Options, Tls
from mockserver.serving.startup import bracket
from mockserver.settings import Setting, SettingError


def environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The ``MOCKSERVER_*`` variables: the only place the process environment is read."""
    source = os.environ if environ is None else environ
    return {name: value for name, value in source.items() if name.startswith(ENV_PREFIX)}


def _from_env(flag: Setting, env: Mapping[str, str]) -> Any:
    """The value ``flag``'s environment variable gives (read as its kind: ``Setting.from_text``), or its
    default when the variable is not set."""
    text = env.get(flag.env_name or "")
    return flag.default if text is None else _from_text(flag)(text)


def _from_text(flag: Setting) -> Callable[[str], Any]:
    """``flag``'s text reader, refusing by flag and variable. A SettingError is not one argparse catches:
    it reaches ``main`` as it is."""

    def parse(text: str) -> Any:
        try:
            return flag.from_text(text)
        except SettingError as error:
            raise error.on_command_line() from None

    return parse


COMMAND = "oioi-mock"  # the installed command ([project.scripts] of pyproject.toml)
MODULE = "python -m mockserver"


def invoked_as(argv0: str | None = None) -> str:
    """How the mock was started, for its usage and messages: ``oioi-mock`` when that command started it
    (``sys.argv[0]``), else ``python -m mockserver``."""
    name = Path(sys.argv[0] if argv0 is None else argv0).name
    return name if name in (COMMAND, f"{COMMAND}.exe") else MODULE


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line instead of the whole usage: what was wrong, and where the flags are listed."""
        raise ConfigError(f"{message} ({self.prog} --help lists every flag)")


def parser(env: Mapping[str, str]) -> argparse.ArgumentParser:
    """The argument parser, with defaults taken from ``env``."""
    out = _Parser(
        prog=invoked_as(),
        description="Mock server for the OIOI user-get-recent-sessions call. "
        "Every flag can also be set by the environment variable shown.",
    )
    out.add_argument("--version", action="version", version=f"%(prog)s {spec.version()}")
    for flag in settings.FLAGS:
        default = _from_env(flag, env)
        text = f"{flag.help} [env {flag.env_name}]"
        name = f"--{flag.flag}"
        if flag.kind == "bool":
            out.add_argument(name, action=argparse.BooleanOptionalAction, default=bool(default), help=text)
        elif flag.kind == "list":
            out.add_argument(name, action="append", default=None, metavar=_dest(flag).upper(), help=text)
            out.set_defaults(**{_dest(flag) + "_env": default})
        else:
            out.add_argument(name, type=_from_text(flag), default=default, choices=flag.choices, help=text)
    return out


def _dest(flag: Setting) -> str:
    return str(flag.flag).replace("-", "_")


def options(argv: Sequence[str] | None, env: Mapping[str, str]) -> Options:
    """Parsed flags as server options and a create_app config (checked: ConfigError if unusable)."""
    args = vars(parser(env).parse_args(argv))
    config: dict[str, Any] = {}
    for flag in settings.FLAGS:
        value = args[_dest(flag)]
        if flag.kind == "list":  # neither given nor in the environment: the setting's default
            value = value or args[_dest(flag) + "_env"] or list(flag.default)
        if flag.key is not None and value is not None:
            config[flag.key] = value
    try:
        merged = settings.check(config)  # each value read by its kind and checked by its row
        state.check_url(merged["MOCK_STATE"])  # a bad URL stops the start here, not in each worker
        _check_record(merged["MOCK_RECORD"])
        for flag in settings.FLAGS:  # the server's own options, which no config key holds
            if flag.key is None:
                args[_dest(flag)] = flag.read(args[_dest(flag)])
    except SettingError as error:
        raise error.on_command_line() from None
    config = {key: merged[key] for key in config}
    try:
        directory = users.load(merged["MOCK_USERS_FILE"], bool(merged["MOCK_ANY_USER"]))
    except ConfigError as error:
        raise SettingError(settings.setting("MOCK_USERS_FILE"), str(error), command_line=True) from None
    files = scenario_files.load(merged["MOCK_SCENARIO_FILES"])  # a bad file stops the start here, not later
    server, why = choose_server(args["server"], directory, files)
    workers = args["workers"] or automatic_workers(merged["MOCK_STATE"])
    admin = _admin(args["host"], config, bool(args["admin_open"]))
    chosen = (args["host"], args["port"], workers, args["threads"], config, server)
    return Options(
        *chosen,
        server_why=why,
        connections=args["connections"],
        tls=_tls(args["tls_cert"], args["tls_key"], bool(args["tls_self_signed"])),
        tls_self_signed=bool(args["tls_self_signed"]),
        admin=admin,
    )


def choose_server(
    asked: str, directory: users.Directory, files: scenario_files.ScenarioSet
) -> tuple[str, str]:
    """The server to run and why, in the banner's words: the one asked for, unless a users file or a
    scenario file needs what only gunicorn has (a scenario that breaks the connection needs the
    client's socket, which granian does not hand the app: docs/performance.md, "Which server")."""
    if asked != "granian":
        return asked, WHY_SERVER[asked]
    used = [(f"{Path(where).name}", choice) for where, choice in files.choices()]
    used += [(f"users file, user {user.id}", user.scenario) for user in directory.users if user.scenario]
    for where, choice in used:
        if catalog.needs_connection(choice):
            name = choice.split(";", maxsplit=1)[0].strip()
            return "gunicorn", (
                f"chosen for --server granian: {where} uses {name!r}, which breaks the client's connection, "
                "and granian does not hand the app its socket"
            )
    return asked, WHY_SERVER[asked]


# Why each server runs when it is the one asked for (docs/performance.md, "Which server").
WHY_SERVER = {
    "gunicorn": "the default: every scenario, unhurt by slow clients",
    "granian": "asked for (--server granian): the fastest; 'reset' and 'empty-response' answer 501 on it",
}


def _admin(host: str, config: dict[str, Any], admin_open: bool) -> str:
    """How the admin API is guarded: "token" (given), "generated" (made here, into ``config``, before any
    worker starts: every worker shares it), "open" (loopback without a token) or "opted-out"
    (``--admin-open``)."""
    if config.get("MOCK_ADMIN_TOKEN") is not None:
        if admin_open:
            problem = "give either --admin-open or {other}, not both"
            raise SettingError(_flag("admin-open"), problem, True, settings.setting("MOCK_ADMIN_TOKEN"))
        return "token"
    if admin_open:
        return "opted-out"
    if curl_lines.is_loopback(host):
        return "open"
    config["MOCK_ADMIN_TOKEN"] = secrets.token_urlsafe(32)
    return "generated"


def _tls(cert: str | None, key: str | None, self_signed: bool) -> Tls | None:
    """The certificate and key given, checked; None without (or with --tls-self-signed, made later)."""
    if cert is None and key is None:
        return None
    if self_signed:
        raise SettingError(_flag("tls-self-signed"), "give either it or --tls-cert and --tls-key", True)
    problem = tls.problem(cert, key)
    if problem is not None:
        raise SettingError(_flag(problem[0]), problem[1], command_line=True)
    assert cert is not None and key is not None
    return Tls(cert, key)


def _check_record(directory: str | None) -> None:
    """Refuse a ``--record`` directory that cannot be made or written now, rather than lose every
    recording later to a log line (none at all with ``--log-format off``)."""
    problem = None if not directory else recording.unwritable(directory)
    if problem is not None:
        raise SettingError(settings.setting("MOCK_RECORD"), problem)


def automatic_workers(url: str | None, cpus: int | None = None) -> int:
    """One worker for memory state (several would each keep their own scripts and journal);
    one per CPU (at least 2) when the state is shared through Redis."""
    if settings.is_memory(url):
        return 1
    return max(2, cpus or os.cpu_count() or 1)


def check_listen(host: str, port: int) -> None:
    """Raise SettingError when nothing can listen on ``host:port`` now (in use, not this machine's address).

    A friendly early check, not a guarantee: another program may still take the port before the server
    binds it. Port 0 (any free port) is never checked.
    """
    if port == 0:
        return
    where = f"{bracket(host)}:{port}"
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do: TIME_WAIT is free
        try:
            probe.bind((host, port))
        except OSError as error:
            reason = error.strerror or str(error)
            other = "choose another port with --port N (make serve PORT=N)"
            if error.errno == errno.EADDRINUSE:
                problem = f"{where} is in use; {other}"
                raise SettingError(_flag("port"), problem, command_line=True) from None
            if error.errno == errno.EACCES:
                problem = f"cannot listen on {where}: {reason}; {other}"
                raise SettingError(_flag("port"), problem, command_line=True) from None
            raise SettingError(
                _flag("host"), f"cannot listen on {where}: {reason}", command_line=True
            ) from None


def _flag(name: str) -> Setting:
    return next(flag for flag in settings.FLAGS if flag.flag == name)


def unreachable_state(config: Mapping[str, Any]) -> str | None:
    """Why the configured Redis does not answer now, or None (memory state, or it answers)."""
    if settings.is_memory(config["MOCK_STATE"]):
        return None
    store = state.make_store(config["MOCK_STATE"])
    try:
        store.ping()
    except state.StateUnavailable as error:
        return str(error)
    finally:
        store.close()
    return None


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    try:
        chosen = options(argv, environment(environ))
        check_listen(chosen.host, chosen.port)  # before the server, whose own retries take seconds
    except ConfigError as error:
        print(f"mockserver: {error}", file=sys.stderr)
        return 2
    down = unreachable_state({**settings.DEFAULTS, **chosen.config})
    if down is not None:  # Redis may come up after the mock: start anyway, answer 503 until then
        named = settings.setting("MOCK_STATE").named(command_line=True)
        warning = f"{named}: {down}; starting anyway (requests that need it answer 503 until it answers)"
        print(f"mockserver: warning: {warning}", file=sys.stderr)
    if chosen.admin == "opted-out":
        where = f"{bracket(chosen.host)}:{chosen.port}"
        warning = f"the admin API (scripts, journal, state) is open to anyone who reaches {where}"
        print(f"mockserver: warning: --admin-open: {warning}", file=sys.stderr)
    return serve(chosen)


def serve(chosen: Options) -> int:
    """Run the chosen server with a run directory (removed when the server stops) for what its workers
    share: /__mock/health's counts of every worker with memory state (``MOCK_RUN_DIR``), and the CA and
    certificate ``--tls-self-signed`` makes."""
    memory = settings.is_memory(chosen.config.get("MOCK_STATE"))
    if not (memory or chosen.tls_self_signed):
        return SERVERS[chosen.server](chosen)
    run = tempfile.mkdtemp(prefix="mockserver-run-")
    server = os.getpid()
    try:
        if memory:
            chosen = replace(chosen, config={**chosen.config, "MOCK_RUN_DIR": run})
        if chosen.tls_self_signed:
            chosen = replace(chosen, tls=tls.self_signed(Path(run), chosen.host))
        return SERVERS[chosen.server](chosen)
    finally:
        if os.getpid() == server:  # a gunicorn worker leaves through this frame too: it must not remove it
            shutil.rmtree(run, ignore_errors=True)


def _gunicorn(chosen: Options) -> int:
    from mockserver.serving import gunicorn_server  # imported only when serving

    return gunicorn_server.run(chosen)


def _granian(chosen: Options) -> int:
    from mockserver.serving import granian_server  # granian is an optional dependency

    return granian_server.run(chosen)


SERVERS: dict[str, Callable[[Options], int]] = {"gunicorn": _gunicorn, "granian": _granian}
