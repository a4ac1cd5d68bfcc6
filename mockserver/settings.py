"""Every setting of the mock, defined once: config key, flag, environment variable, default and help.

``create_app(config)`` takes the config keys (``MOCK_*``; ``DEFAULTS`` fills what is not given) and
``check`` refuses unusable values; ``python -m mockserver`` builds its flags and their ``MOCKSERVER_*``
environment variables from the same table (``mockserver.serving.cli``); the state stores take their
default sizes from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import spec
from mockserver.errors import ConfigError

DEMO_API_KEY = "demo-key"
DEFAULT_USERS_FILE = str(Path(__file__).resolve().parent.parent / "fixtures" / "users.yaml")
PROTOCOL_PATHS = ("/api/v4/request", "/api/v3/request")
LOG_FORMATS = ("json", "text", "off")
ENV_PREFIX = "MOCKSERVER_"


@dataclass(frozen=True)
class Setting:
    """One setting: its flag (None: config only), its config key (None: a server option), help, default."""

    flag: str | None  # long flag without dashes; the env variable is MOCKSERVER_<FLAG upper, - as _>
    key: str | None
    help: str
    kind: str = "str"  # str | int | float | bool | list | stream
    default: Any = None
    choices: tuple[str, ...] | None = None
    env: str | None = None  # environment variable name when not derived from ``flag``

    @property
    def env_name(self) -> str | None:
        if self.flag is None:
            return None
        return self.env or ENV_PREFIX + self.flag.upper().replace("-", "_")


SETTINGS: tuple[Setting, ...] = (
    Setting("host", None, "address to listen on", default="127.0.0.1"),
    Setting("port", None, "port to listen on (0: any free port; the banner shows which)", "int", 8080),
    Setting(
        "api-key",
        "MOCK_API_KEYS",
        f"an accepted API key, sent as 'Authorization: key=<KEY>' (repeatable; default: {DEMO_API_KEY})",
        "list",
        [DEMO_API_KEY],
        env="MOCKSERVER_API_KEYS",
    ),
    Setting(
        "any-user",
        "MOCK_ANY_USER",
        "every well-formed identifier is a known user with its own history",
        "bool",
        False,
    ),
    Setting("seed", "MOCK_SEED", "seed of the generated world (same seed, same histories)", "int", 0),
    Setting("users", "MOCK_USERS_FILE", "users directory YAML file", default=DEFAULT_USERS_FILE),
    Setting(
        "status-mapping",
        "MOCK_STATUS_MAPPING",
        "HTTP status of result-coded errors: call-page (200, as the call's page) or http (401/404/500/504)",
        default=spec.STATUS_MAPPINGS[0],
        choices=spec.STATUS_MAPPINGS,
    ),
    Setting("now", "MOCK_NOW", "pin the clock to this RFC 3339 date-time (default: real time)"),
    Setting(
        "log-format",
        "MOCK_LOG_FORMAT",
        "request log lines on stderr",
        default="json",
        choices=LOG_FORMATS,
    ),
    Setting(
        "self-check",
        "MOCK_SELF_CHECK",
        "validate every outgoing body (strict + invariants), log violations",
        "bool",
        False,
    ),
    Setting(
        "path",
        "MOCK_PATHS",
        f"an extra path answering the protocol, besides {' and '.join(PROTOCOL_PATHS)} (repeatable)",
        "list",
        [],
        env="MOCKSERVER_PATHS",
    ),
    Setting(
        "max-body-bytes",
        "MOCK_MAX_BODY_BYTES",
        "largest accepted request body (larger: 413)",
        "int",
        64 * 1024,
    ),
    Setting(
        "workers",
        None,
        "gunicorn worker processes (0: automatic - 1 with memory state, whose scripts and journal live "
        "in one process; one per CPU with --state redis)",
        "int",
        0,
    ),
    Setting("threads", None, "threads per worker (gunicorn gthread; granian blocking threads)", "int", 16),
    Setting(
        "server",
        None,
        "gunicorn (every scenario) or granian (several times the throughput; needs 'pip install granian'; "
        "the connection-breaking scenarios answer 500 there)",
        default="gunicorn",
        choices=("gunicorn", "granian"),
    ),
    Setting(
        "answer-cache",
        "MOCK_ANSWER_CACHE",
        "answer repeated identical requests from a bounded cache of final bytes (the hot path)",
        "bool",
        True,
    ),
    Setting("state", "MOCK_STATE", "shared state: memory (default) or redis://host:port/db"),
    Setting("scenarios", "MOCK_SCENARIO_FILES", "scenario YAML file or directory (repeatable)", "list", []),
    Setting("journal-size", "MOCK_JOURNAL_SIZE", "how many requests the journal keeps", "int", 10_000),
    Setting(
        "reload-scenarios", "MOCK_RELOAD_SCENARIOS", "reload scenario files when they change", "bool", False
    ),
    # Config keys without a flag: for embedding and tests.
    Setting(
        None,
        "MOCK_CACHE_SIZE",
        "entries of the parse, generation and answer caches (per worker)",
        "int",
        4096,
    ),
    Setting(None, "MOCK_MAX_SCRIPTS", "active scripts a session may hold", "int", 1000),
    Setting(None, "MOCK_RELOAD_INTERVAL", "seconds between checks of the scenario files", "float", 1.0),
    Setting(None, "MOCK_LOG_STREAM", "where request log lines go (a text stream; default: stderr)", "stream"),
)


FLAGS: tuple[Setting, ...] = tuple(s for s in SETTINGS if s.flag is not None)
DEFAULTS: Mapping[str, Any] = MappingProxyType({s.key: s.default for s in SETTINGS if s.key is not None})


def default(key: str) -> Any:
    """The default of config key ``key`` (KeyError names the keys that exist)."""
    if key not in DEFAULTS:
        raise KeyError(f"unknown setting {key!r}; settings: {', '.join(DEFAULTS)}")
    return DEFAULTS[key]


def check(config: Mapping[str, Any]) -> None:
    """Raise ConfigError naming the first unusable value."""
    if config["MOCK_STATUS_MAPPING"] not in spec.STATUS_MAPPINGS:
        raise ConfigError(
            f"MOCK_STATUS_MAPPING={config['MOCK_STATUS_MAPPING']!r}; "
            f"use one of {', '.join(spec.STATUS_MAPPINGS)}"
        )
    if config["MOCK_LOG_FORMAT"] not in LOG_FORMATS:
        raise ConfigError(
            f"MOCK_LOG_FORMAT={config['MOCK_LOG_FORMAT']!r}; use one of {', '.join(LOG_FORMATS)}"
        )
    keys = config["MOCK_API_KEYS"]
    if isinstance(keys, str) or not keys or not all(isinstance(k, str) and k for k in keys):
        raise ConfigError("MOCK_API_KEYS must be a non-empty list of non-empty strings")
    for name in ("MOCK_MAX_BODY_BYTES", "MOCK_CACHE_SIZE", "MOCK_SEED"):
        value = config[name]
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"{name}={value!r} must be a non-negative integer")
    for name in ("MOCK_JOURNAL_SIZE", "MOCK_MAX_SCRIPTS"):
        value = config[name]
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigError(f"{name}={value!r} must be a positive integer")
    for path in config["MOCK_PATHS"]:
        if not isinstance(path, str) or not path.startswith("/") or path.startswith("/__mock"):
            raise ConfigError(f"MOCK_PATHS entry {path!r} must start with '/' and not with '/__mock'")
