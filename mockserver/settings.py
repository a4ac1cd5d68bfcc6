"""Every setting of the mock, defined once: config key, flag, environment variable, default and help.

``create_app(config)`` takes the config keys (``MOCK_*``; ``DEFAULTS`` fills what is not given) and
``check`` refuses unusable values; ``python -m mockserver`` builds its flags and their ``MOCKSERVER_*``
environment variables from the same table (``mockserver.serving.cli``); the state stores take their
default sizes from it. A refusal is a ``SettingError`` naming the setting the way its reader set it:
``MOCK_NOW`` for ``create_app``, ``--now (MOCKSERVER_NOW)`` on the command line (``Setting.named``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

import spec
from mockserver.errors import ConfigError

DEMO_API_KEY = "demo-key"
DEFAULT_USERS_FILE = str(spec.fixture("users.yaml"))  # the demo users, package data (spec.fixture)
PROTOCOL_PATHS = ("/api/v4/request", "/api/v3/request")
LOG_FORMATS = ("json", "text", "off")
ENV_PREFIX = "MOCKSERVER_"
MEMORY_STATE = "memory"
ADMIN_TOKEN_LEAST = 8  # characters of an admin token at least (a generated one has 43)
# What a path the mock can be asked for is made of: printable ASCII without the space, '?' (a query
# begins) or '#' (a fragment, never sent). A request's path arrives percent-decoded, and '/x/ü' would
# arrive as the bytes of UTF-8 (its WSGI string '/x/Ã¼'): such a path could never be matched.
_PATH_CHARACTERS = re.compile(r"(?:(?![?#])[!-~])+")
Refusal = Callable[[Any], str | None]  # why a value is unusable, or None when it is fine


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
    refuse: Refusal | None = None  # beyond ``choices``: why a value is unusable, or None

    @property
    def env_name(self) -> str | None:
        if self.flag is None:
            return None
        return self.env or ENV_PREFIX + self.flag.upper().replace("-", "_")

    def named(self, command_line: bool = False) -> str:
        """How a message names this setting: by its config key (``MOCK_NOW``), or for someone who starts
        ``python -m mockserver`` by its flag and environment variable (``--now (MOCKSERVER_NOW)``).
        A setting that has only one of the two is named by that one."""
        if self.flag is not None and (command_line or self.key is None):
            return f"--{self.flag} ({self.env_name})"
        return str(self.key)

    def refusal(self, value: Any) -> str | None:
        """Why ``value`` is unusable for this setting, or None."""
        if self.choices is not None and value not in self.choices:
            return f"{value!r}: use one of {', '.join(self.choices)}"
        return None if self.refuse is None else self.refuse(value)


class SettingError(ConfigError):
    """An unusable value of one setting; the message names the setting (``Setting.named``).

    A problem that involves a second setting names it as ``{other}``, named the same way as the first.
    """

    def __init__(
        self, setting: Setting, problem: str, command_line: bool = False, other: Setting | None = None
    ) -> None:
        shown = problem if other is None else problem.replace("{other}", other.named(command_line))
        super().__init__(f"{setting.named(command_line)}: {shown}")
        self.setting = setting
        self.problem = problem
        self.other = other

    def on_command_line(self) -> SettingError:
        """The same refusal, naming flags and environment variables instead of config keys."""
        return SettingError(self.setting, self.problem, command_line=True, other=self.other)


def _integer(least: int, most: int | None = None) -> Refusal:
    """A refusal of anything but an integer from ``least`` (to ``most``)."""
    wanted = f"from {least} to {most}" if most is not None else f"of at least {least}"

    def refuse(value: Any) -> str | None:
        if not isinstance(value, int) or isinstance(value, bool):
            return f"{value!r} is not an integer"
        if value < least or (most is not None and value > most):
            return f"{value!r} is out of range: give an integer {wanted}"
        return None

    return refuse


def _api_keys(value: Any) -> str | None:
    if isinstance(value, str) or not isinstance(value, list | tuple) or not value:
        return f"{value!r}: give a list of at least one API key"
    if not all(isinstance(key, str) and key for key in value):
        return f"every API key must be a non-empty string (got {value!r})"
    return None


def _origins(value: Any) -> str | None:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        return f"{value!r}: give a list of origins"
    for origin in cors_origins(value):
        scheme, _, rest = origin.partition("://")
        bad = scheme not in ("http", "https") or not rest or "/" in rest or not rest.isascii()
        if origin != "*" and bad:
            return f"{origin!r} is not an origin: give scheme://host[:port] (https://app.example.com) or *"
    return None


def cors_origins(value: Any) -> list[str]:
    """The origins of a ``MOCK_CORS_ORIGINS`` list, each entry split at commas (``--cors-origin a,b``)."""
    return [part.strip() for entry in value for part in str(entry).split(",") if part.strip()]


ADMIN_TOKEN_RULE = (
    f"give a token of at least {ADMIN_TOKEN_LEAST} printable ASCII characters without spaces at its ends "
    "(it travels in an HTTP header)"
)


def _admin_token(value: Any) -> str | None:
    if value is None:
        return None
    printable = isinstance(value, str) and value.isascii() and value.isprintable()
    if not printable or value != value.strip() or len(value) < ADMIN_TOKEN_LEAST:
        return ADMIN_TOKEN_RULE
    return None


def _extra_paths(value: Any) -> str | None:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        return f"{value!r}: give a list of paths"
    for path in value:
        if (
            not isinstance(path, str)
            or not path.startswith("/")
            or path.startswith(("/__mock", "/sessions/"))
        ):
            return f"{path!r} must start with '/' and not with '/__mock' or '/sessions/' (session base URLs)"
        if not _PATH_CHARACTERS.fullmatch(path):
            return f"{path!r}: give a path of printable ASCII characters without spaces, '?' or '#'"
    return None


def _host(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():  # an empty host would bind every interface
        return f"{value!r}: give an address or host name to listen on (0.0.0.0: every IPv4 interface)"
    return None


def _upstream(value: Any) -> str | None:
    if value is None:
        return None
    parts = urlsplit(str(value))
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        return f"{value!r}: give an http:// or https:// URL with a host (and optionally a base path)"
    called = next((path for path in PROTOCOL_PATHS if parts.path.rstrip("/").endswith(path)), None)
    if called is not None:  # each request's path is appended: .../api/v4/request/api/v4/request
        base = str(value).rstrip("/")[: -len(called)] or "/"
        appended = f"each request's own path ({called}) is appended"
        return f"{value!r}: give the server's base URL ({base}); {appended}"
    return None


def _positive(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 3600:
        return f"{value!r}: give a number of seconds above 0, at most 3600"
    return None


SETTINGS: tuple[Setting, ...] = (
    Setting("host", None, "address to listen on", default="127.0.0.1", refuse=_host),
    Setting(
        "port",
        None,
        "port to listen on (0: any free port; the banner shows which)",
        "int",
        8080,
        refuse=_integer(0, 65535),
    ),
    Setting(
        "api-key",
        "MOCK_API_KEYS",
        f"an accepted API key, sent as 'Authorization: key=<KEY>' (repeatable; default: {DEMO_API_KEY})",
        "list",
        [DEMO_API_KEY],
        env="MOCKSERVER_API_KEYS",
        refuse=_api_keys,
    ),
    Setting(
        "admin-token",
        "MOCK_ADMIN_TOKEN",
        f"token the admin API under /__mock asks for ({ADMIN_TOKEN_LEAST} or more printable ASCII "
        "characters), sent as 'Authorization: Bearer <TOKEN>' or 'X-Mock-Admin-Token: <TOKEN>' (default: "
        "none on loopback; generated and printed in the banner when --host is beyond loopback)",
        refuse=_admin_token,
    ),
    Setting(
        "admin-open",
        None,
        "listen beyond loopback with the admin API open to anyone who reaches the port (no token)",
        "bool",
        False,
    ),
    Setting(
        "cors",
        "MOCK_CORS",
        "answer browsers' cross-origin requests (CORS) on every path (--no-cors: send no CORS headers)",
        "bool",
        True,
    ),
    Setting(
        "cors-origin",
        "MOCK_CORS_ORIGINS",
        "an origin browsers may call the mock from, e.g. https://app.example.com (repeatable or "
        "comma-separated; default: any)",
        "list",
        [],
        env="MOCKSERVER_CORS_ORIGINS",
        refuse=_origins,
    ),
    Setting("tls-cert", None, "serve HTTPS with this certificate file (PEM; with --tls-key)"),
    Setting("tls-key", None, "the private key file (PEM) of --tls-cert"),
    Setting(
        "tls-self-signed",
        None,
        "serve HTTPS with a certificate for the addresses the mock listens on, from a CA made at start "
        "(the banner says where its file is, for curl --cacert or a phone to trust)",
        "bool",
        False,
    ),
    Setting(
        "any-user",
        "MOCK_ANY_USER",
        "every well-formed identifier is a known user with its own history",
        "bool",
        False,
    ),
    Setting(
        "seed",
        "MOCK_SEED",
        "seed of the generated world (same seed, same histories)",
        "int",
        0,
        refuse=_integer(0),
    ),
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
        refuse=_extra_paths,
    ),
    Setting(
        "max-body-bytes",
        "MOCK_MAX_BODY_BYTES",
        "largest accepted request body (larger: 413)",
        "int",
        64 * 1024,
        refuse=_integer(0),
    ),
    Setting(
        "workers",
        None,
        "worker processes (0: automatic - 1 with memory state, whose scripts and journal live "
        "in one process; one per CPU with --state redis)",
        "int",
        0,
        refuse=_integer(0),
    ),
    Setting(
        "threads",
        None,
        "granian: threads per worker that run the app (a latency scenario holds one while it sleeps)",
        "int",
        16,
        refuse=_integer(1),
    ),
    Setting(
        "server",
        None,
        "gunicorn (gevent workers: every scenario, unhurt by slow clients) or granian (several times the "
        "throughput; needs 'pip install granian'; the connection-breaking scenarios answer 500 there)",
        default="gunicorn",
        choices=("gunicorn", "granian"),
    ),
    Setting(
        "connections",
        None,
        "gunicorn: connections one worker serves at once (gevent); more wait to be accepted",
        "int",
        1000,
        refuse=_integer(1),
    ),
    Setting(
        "answer-cache",
        "MOCK_ANSWER_CACHE",
        "answer repeated identical requests from a bounded cache of final bytes (the hot path)",
        "bool",
        True,
    ),
    Setting("state", "MOCK_STATE", f"shared state: {MEMORY_STATE} (default) or redis://host:port/db"),
    Setting("scenarios", "MOCK_SCENARIO_FILES", "scenario YAML file or directory (repeatable)", "list", []),
    Setting(
        "journal-size",
        "MOCK_JOURNAL_SIZE",
        "how many requests the journal of one session keeps (its oldest fall out)",
        "int",
        10_000,
        refuse=_integer(1),
    ),
    Setting(
        "journal-total",
        "MOCK_JOURNAL_TOTAL",
        "memory state: how many requests the journals of all sessions keep together; beyond it the least "
        "recently used session's journal is dropped whole",
        "int",
        100_000,
        refuse=_integer(1),
    ),
    Setting(
        None,
        "MOCK_MAX_SCRIPT_SESSIONS",
        "memory state: how many sessions hold scripts; installing into one more drops the scripts of the "
        "least recently used",
        "int",
        10_000,
        refuse=_integer(1),
    ),
    Setting(
        None,
        "MOCK_RUN_DIR",
        "memory state: a directory every worker of one server shares, where each keeps its counts of "
        "internal errors and self-check failures for /__mock/health to add up (python -m mockserver makes "
        "one per run; none: each process counts for itself)",
    ),
    Setting(
        "reload-scenarios", "MOCK_RELOAD_SCENARIOS", "reload scenario files when they change", "bool", False
    ),
    Setting(
        "upstream",
        "MOCK_UPSTREAM",
        "proxy mode: forward protocol requests to this server (http://host:port[/base]) and validate both "
        "sides; scenarios apply over its real answers (docs/proxy.md)",
        refuse=_upstream,
    ),
    Setting(
        "upstream-timeout",
        "MOCK_UPSTREAM_TIMEOUT",
        "proxy mode: seconds the upstream has to answer one request (then 504, result 102)",
        "float",
        10.0,
        refuse=_positive,
    ),
    Setting(
        "upstream-strict",
        "MOCK_UPSTREAM_STRICT",
        "proxy mode: a request that breaks the contract is answered 400/230 and never forwarded; an answer "
        "that breaks it becomes a 502 naming the problems",
        "bool",
        False,
    ),
    Setting(
        "upstream-profile",
        "MOCK_UPSTREAM_PROFILE",
        "proxy mode: the validation profile the upstream's answers are judged by",
        default=spec.PROFILES[0],
        choices=spec.PROFILES,
    ),
    Setting(
        "record",
        "MOCK_RECORD",
        "proxy mode: keep each user's last successful upstream answer in this directory, as a users.yaml "
        "and histories that --users replays (no API key or token is written); made at start",
    ),
    Setting(
        "anonymise",
        "MOCK_ANONYMISE",
        "with --record: replace identifiers, addresses and external ids by generated ones",
        "bool",
        False,
    ),
    # Config keys without a flag: for embedding and tests.
    Setting(
        None,
        "MOCK_CACHE_SIZE",
        "entries of the parse, generation and answer caches (per worker)",
        "int",
        4096,
        refuse=_integer(0),
    ),
    Setting(None, "MOCK_MAX_SCRIPTS", "active scripts a session may hold", "int", 1000, refuse=_integer(1)),
    Setting(None, "MOCK_RELOAD_INTERVAL", "seconds between checks of the scenario files", "float", 1.0),
    Setting(None, "MOCK_LOG_STREAM", "where request log lines go (a text stream; default: stderr)", "stream"),
)


FLAGS: tuple[Setting, ...] = tuple(s for s in SETTINGS if s.flag is not None)
BY_KEY: Mapping[str, Setting] = MappingProxyType({s.key: s for s in SETTINGS if s.key is not None})
DEFAULTS: Mapping[str, Any] = MappingProxyType({key: s.default for key, s in BY_KEY.items()})


def setting(key: str) -> Setting:
    """The setting of config key ``key`` (KeyError names the keys that exist)."""
    if key not in BY_KEY:
        raise KeyError(f"unknown setting {key!r}; settings: {', '.join(BY_KEY)}")
    return BY_KEY[key]


def default(key: str) -> Any:
    """The default of config key ``key`` (KeyError names the keys that exist)."""
    return setting(key).default


def is_memory(state: str | None) -> bool:
    """Whether the ``MOCK_STATE`` value ``state`` names the memory store (one process's own state)."""
    return not state or state == MEMORY_STATE


def check(config: Mapping[str, Any]) -> None:
    """Raise SettingError naming (by its config key) the first unusable value."""
    for key, each in BY_KEY.items():
        problem = each.refusal(config[key])
        if problem is not None:
            raise SettingError(each, problem)
    if config["MOCK_RECORD"] and not config["MOCK_UPSTREAM"]:
        raise SettingError(
            BY_KEY["MOCK_RECORD"], "records what {other} answers: give both", other=BY_KEY["MOCK_UPSTREAM"]
        )
    if config["MOCK_ANONYMISE"] and not config["MOCK_RECORD"]:
        raise SettingError(
            BY_KEY["MOCK_ANONYMISE"], "anonymises what {other} writes: give both", other=BY_KEY["MOCK_RECORD"]
        )
    size, total = config["MOCK_JOURNAL_SIZE"], config["MOCK_JOURNAL_TOTAL"]
    if is_memory(config["MOCK_STATE"]) and size > total:
        problem = f"{size} is more than the {total} of {{other}}, which all sessions' journals share"
        raise SettingError(BY_KEY["MOCK_JOURNAL_SIZE"], problem, other=BY_KEY["MOCK_JOURNAL_TOTAL"])
