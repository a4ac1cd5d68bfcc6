"""``python -m mockserver``: flags, their ``MOCKSERVER_*`` environment variables, and start-up.

Every flag has an environment variable (``--status-mapping`` -> ``MOCKSERVER_STATUS_MAPPING``); a flag
given on the command line wins. Repeatable flags take a comma-separated list from the environment.
The environment is read once, by ``environment()``, and handed on as a value.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mockserver import settings
from mockserver.data import clock
from mockserver.errors import ConfigError
from mockserver.identity import users
from mockserver.scenarios import scenario_files
from mockserver.serving.options import Options

ENV_PREFIX = "MOCKSERVER_"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class Flag:
    """One command-line option: its flags, the config key it feeds (None: server option), and help."""

    name: str  # long flag without dashes; the env variable is MOCKSERVER_<NAME upper, - as _>
    key: str | None
    help: str
    kind: str = "str"  # str | int | bool | list
    default: Any = None
    choices: tuple[str, ...] | None = None
    env: str | None = None  # environment variable name when not derived from ``name``

    @property
    def env_name(self) -> str:
        return self.env or ENV_PREFIX + self.name.upper().replace("-", "_")


FLAGS: tuple[Flag, ...] = (
    Flag("host", None, "address to listen on", default="127.0.0.1"),
    Flag("port", None, "port to listen on (0: any free port; the banner shows which)", "int", 8080),
    Flag(
        "api-key",
        "MOCK_API_KEYS",
        "an accepted API key, sent as 'Authorization: key=<KEY>' (repeatable; default: demo-key)",
        "list",
        env="MOCKSERVER_API_KEYS",
    ),
    Flag(
        "any-user",
        "MOCK_ANY_USER",
        "every well-formed identifier is a known user with its own history",
        "bool",
    ),
    Flag("seed", "MOCK_SEED", "seed of the generated world (same seed, same histories)", "int", 0),
    Flag("users", "MOCK_USERS_FILE", "users directory YAML file", default=settings.DEFAULT_USERS_FILE),
    Flag(
        "status-mapping",
        "MOCK_STATUS_MAPPING",
        "HTTP status of result-coded errors: call-page (200, as the call's page) or http (401/404/500/504)",
        default="call-page",
        choices=("call-page", "http"),
    ),
    Flag("now", "MOCK_NOW", "pin the clock to this RFC 3339 date-time (default: real time)"),
    Flag(
        "log-format",
        "MOCK_LOG_FORMAT",
        "request log lines on stderr",
        default="json",
        choices=settings.LOG_FORMATS,
    ),
    Flag(
        "self-check",
        "MOCK_SELF_CHECK",
        "validate every outgoing body (strict + invariants), log violations",
        "bool",
    ),
    Flag(
        "path",
        "MOCK_PATHS",
        "an extra path answering the protocol, besides /api/v4/request and /api/v3/request (repeatable)",
        "list",
        env="MOCKSERVER_PATHS",
    ),
    Flag(
        "max-body-bytes",
        "MOCK_MAX_BODY_BYTES",
        "largest accepted request body (larger: 413)",
        "int",
        64 * 1024,
    ),
    Flag(
        "workers",
        None,
        "gunicorn worker processes (0: automatic - 1 with memory state, whose scripts and journal live "
        "in one process; one per CPU with --state redis)",
        "int",
        0,
    ),
    Flag("threads", None, "threads per worker (gunicorn gthread; granian blocking threads)", "int", 16),
    Flag(
        "server",
        None,
        "gunicorn (every scenario) or granian (several times the throughput; needs 'pip install granian'; "
        "the connection-breaking scenarios answer 500 there)",
        default="gunicorn",
        choices=("gunicorn", "granian"),
    ),
    Flag(
        "answer-cache",
        "MOCK_ANSWER_CACHE",
        "answer repeated identical requests from a bounded cache of final bytes (the hot path)",
        "bool",
        True,
    ),
    Flag("state", "MOCK_STATE", "shared state: memory (default) or redis://host:port/db"),
    Flag("scenarios", "MOCK_SCENARIO_FILES", "scenario YAML file or directory (repeatable)", "list"),
    Flag("journal-size", "MOCK_JOURNAL_SIZE", "how many requests the journal keeps", "int", 10_000),
    Flag("reload-scenarios", "MOCK_RELOAD_SCENARIOS", "reload scenario files when they change", "bool"),
)


def environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The ``MOCKSERVER_*`` variables: the only place the process environment is read."""
    source = os.environ if environ is None else environ
    return {name: value for name, value in source.items() if name.startswith(ENV_PREFIX)}


def _from_env(flag: Flag, env: Mapping[str, str]) -> Any:
    text = env.get(flag.env_name)
    if text is None:
        return flag.default
    try:
        if flag.kind == "int":
            return int(text)
        if flag.kind == "bool":
            lowered = text.strip().lower()
            if lowered not in _TRUE | _FALSE:
                raise ValueError(f"expected one of {sorted(_TRUE | _FALSE)}")
            return lowered in _TRUE
        if flag.kind == "list":
            return [part.strip() for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise ConfigError(f"{flag.env_name}={text!r}: {error}") from None
    return text


def parser(env: Mapping[str, str]) -> argparse.ArgumentParser:
    """The argument parser, with defaults taken from ``env``."""
    out = argparse.ArgumentParser(
        prog="python -m mockserver",
        description="Mock server for the OIOI user-get-recent-sessions call. "
        "Every flag can also be set by the environment variable shown.",
    )
    for flag in FLAGS:
        default = _from_env(flag, env)
        text = f"{flag.help} [env {flag.env_name}]"
        name = f"--{flag.name}"
        if flag.kind == "bool":
            out.add_argument(name, action=argparse.BooleanOptionalAction, default=bool(default), help=text)
        elif flag.kind == "list":
            out.add_argument(name, action="append", default=None, metavar=flag.name.upper(), help=text)
            out.set_defaults(**{_dest(flag) + "_env": default})
        else:
            kind = int if flag.kind == "int" else str
            out.add_argument(name, type=kind, default=default, choices=flag.choices, help=text)
    return out


def _dest(flag: Flag) -> str:
    return flag.name.replace("-", "_")


def options(argv: Sequence[str] | None, env: Mapping[str, str]) -> Options:
    """Parsed flags as server options and a create_app config (checked: ConfigError if unusable)."""
    args = vars(parser(env).parse_args(argv))
    config: dict[str, Any] = {}
    for flag in FLAGS:
        value = args[_dest(flag)]
        if flag.kind == "list":
            value = value if value is not None else args[_dest(flag) + "_env"]
        if flag.key is not None and value is not None:
            config[flag.key] = value
    if not config.get("MOCK_API_KEYS"):
        config["MOCK_API_KEYS"] = [settings.DEMO_API_KEY]
    merged = {**settings.DEFAULTS, **config}
    settings.check(merged)
    clock.pinned(merged["MOCK_NOW"])
    users.load(merged["MOCK_USERS_FILE"], bool(merged["MOCK_ANY_USER"]))
    scenario_files.load(merged["MOCK_SCENARIO_FILES"])  # a bad file stops the start here, not in each worker
    if args["workers"] < 0 or args["threads"] < 1 or not 0 <= args["port"] <= 65535:
        raise ConfigError("--workers must be at least 0 (automatic), --threads 1, --port within 0..65535")
    workers = args["workers"] or automatic_workers(merged["MOCK_STATE"])
    return Options(args["host"], args["port"], workers, args["threads"], config, args["server"])


def automatic_workers(state: str | None, cpus: int | None = None) -> int:
    """One worker for memory state (several would each keep their own scripts and journal);
    one per CPU (at least 2) when the state is shared through Redis."""
    if not state or state == "memory":
        return 1
    return max(2, cpus or os.cpu_count() or 1)


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    try:
        chosen = options(argv, environment(environ))
    except ConfigError as error:
        print(f"mockserver: {error}", file=sys.stderr)
        return 2
    return SERVERS[chosen.server](chosen)


def _gunicorn(chosen: Options) -> int:
    from mockserver.serving import gunicorn_server  # imported only when serving

    return gunicorn_server.run(chosen)


def _granian(chosen: Options) -> int:
    from mockserver.serving import granian_server  # granian is an optional dependency

    return granian_server.run(chosen)


SERVERS: dict[str, Callable[[Options], int]] = {"gunicorn": _gunicorn, "granian": _granian}
