"""Every setting of the mock, defined once: config key, flag, environment variable, default, help, kind
and the rules of its values.

Each setting enters one of three ways: a config key of ``create_app(config)`` (``MOCK_*``; ``DEFAULTS``
fills what is not given), a flag of ``python -m mockserver`` or its ``MOCKSERVER_*`` environment variable
(``mockserver.serving.cli`` builds both from this table). Every way is read here, by the setting's kind
(``Setting.read``; text by ``Setting.from_text``), and checked by its row (``choices``, ``refuse``);
``check`` reads a whole config and adds the rules across settings. The state stores take their default
sizes from the table. A refusal is a ``SettingError`` naming the setting the way its reader set it:
``MOCK_NOW`` for ``create_app``, ``--now (MOCKSERVER_NOW)`` on the command line (``Setting.named``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

import spec
from mockserver.errors import ConfigError
from mockserver.names import ADMIN_TOKEN_FLAG, env_variable

DEMO_API_KEY = "demo-key"
DEFAULT_USERS_FILE = str(spec.fixture("users.yaml"))  # the demo users, package data (spec.fixture)
PROTOCOL_PATHS = ("/api/v4/request", "/api/v3/request")
LOG_FORMATS = ("json", "text", "off")
MEMORY_STATE = "memory"
ADMIN_TOKEN_LEAST = 8  # characters of an admin token at least (a generated one has 43)
# What a path the mock can be asked for is made of: printable ASCII without the space, '?' (a query
# begins) or '#' (a fragment, never sent). A request's path arrives percent-decoded, and '/x/ü' would
# arrive as the bytes of UTF-8 (its WSGI string '/x/Ã¼'): such a path could never be matched.
_PATH_CHARACTERS = re.compile(r"(?:(?![?#])[!-~])+")
# The words a boolean is read from, whoever gives it as text (an environment variable, create_app's
# config); an empty variable reads as off.
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")
BOOLEAN_WORDS = ", ".join(sorted(TRUE_WORDS + FALSE_WORDS))
# The moments the clock may be pinned to (MOCK_NOW, and a request's X-Mock-Now): a history reaches up to
# ten years back from its anchor, and its times are epoch seconds after 1970; the anchor's hour plus any
# zone's offset must stay in year 9999.
EARLIEST = datetime(1980, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, tzinfo=UTC)
RANGE = f"{EARLIEST:%Y-%m-%dT%H:%M:%SZ} to {LATEST:%Y-%m-%dT%H:%M:%SZ}"
Refusal = Callable[[Any], str | None]  # why a value is unusable, or None when it is fine


@dataclass(frozen=True, kw_only=True)
class Setting:
    """One setting: its flag (None: config only), its config key (None: a server option), help, kind,
    default, and the rules of its values."""

    flag: str | None = None  # long flag without dashes; the env variable is MOCKSERVER_<FLAG upper, - as _>
    key: str | None = None
    help: str
    kind: str = "str"  # a key of KINDS: str | int | float | bool | list | stream
    default: Any = None
    choices: tuple[str, ...] | None = None
    env: str | None = None  # environment variable name when not derived from ``flag``
    refuse: Refusal | None = None  # beyond ``choices`` and the kind: why a value is unusable, or None

    @property
    def env_name(self) -> str | None:
        if self.flag is None:
            return None
        return self.env or env_variable(self.flag)

    def named(self, command_line: bool = False) -> str:
        """How a message names this setting: by its config key (``MOCK_NOW``), or for someone who starts
        ``python -m mockserver`` by its flag and environment variable (``--now (MOCKSERVER_NOW)``).
        A setting that has only one of the two is named by that one."""
        if self.flag is not None and (command_line or self.key is None):
            return f"--{self.flag} ({self.env_name})"
        return str(self.key)

    def refusal(self, value: Any) -> str | None:
        """Why ``value`` is unusable for this setting by its row (``choices``, ``refuse``), or None."""
        if self.choices is not None and value not in self.choices:
            return f"{value!r}: use one of {', '.join(self.choices)}"
        return None if self.refuse is None else self.refuse(value)

    def from_text(self, text: str) -> Any:
        """The value ``text`` gives, read as an environment variable or a command-line argument is:
        booleans from ``BOOLEAN_WORDS``, numbers in ASCII digits, a list split at commas. SettingError
        (naming the config key) when it is none."""
        try:
            return KINDS[self.kind].from_text(text)
        except ValueError as error:
            raise SettingError(self, str(error)) from None

    def read(self, value: Any) -> Any:
        """``value``, from any entry, as this setting's kind and checked by its row; SettingError (naming
        the config key) when it is unusable. A boolean or a number given as a string is read as its text
        (``"off"``, ``"2.5"``); a list must be a list or tuple (a string is refused, never split)."""
        kind = KINDS[self.kind]
        if isinstance(value, str) and kind.text_scalar:
            value = self.from_text(value)
        try:
            value = kind.value(value)
        except ValueError as error:  # the row's own words say best what to give, when it has them
            raise SettingError(self, self.refusal(value) or str(error)) from None
        problem = self.refusal(value)
        if problem is not None:
            raise SettingError(self, problem)
        return value


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


@dataclass(frozen=True)
class Kind:
    """How a setting of one kind is read: from text (an environment variable, a command-line argument)
    and from a value given to ``create_app``; each raises ValueError saying why a value is not one."""

    from_text: Callable[[str], Any]
    value: Callable[[Any], Any]
    text_scalar: bool = False  # a string given to create_app is read as text ("off", "2.5")


def _boolean_text(text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS or not word:
        return False
    raise ValueError(f"{text!r}: use one of {BOOLEAN_WORDS}")


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{value!r}: give True or False, or one of {BOOLEAN_WORDS}")
    return value


def _integer_text(text: str) -> int:
    # int() also takes "١٢" and "1_000": only ASCII digits are an integer here
    if not spec.ASCII_INTEGER.fullmatch(text.strip()):
        raise ValueError(f"{text!r} is not an integer (ASCII digits)")
    return int(text)


def _whole(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{value!r} is not an integer")
    return value


def _number_text(text: str) -> float:
    # float() also takes "١٢", "1_0" and "nan": only a decimal number in ASCII is a number here
    if not spec.ASCII_NUMBER.fullmatch(text.strip()):
        raise ValueError(f"{text!r} is not a number (ASCII digits, e.g. 2.5)")
    return float(text)


def _number(value: Any) -> float:
    """An int or a float, kept as given (so a refusal shows it as given; its readers take either)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    return value


def _text(value: Any) -> str | None:
    """A string, a path as its string, or None (not set)."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{value!r} is not a string")
    return value


def _list_text(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _list(value: Any) -> list[str]:
    """A list or tuple of strings (or paths) as a new list. A string is refused rather than split: it is
    one value, and read as a list it would be its characters."""
    if isinstance(value, str):
        raise ValueError(f"{value!r}: give a list, e.g. [{value!r}]")
    if not isinstance(value, list | tuple):
        raise ValueError(f"{value!r}: give a list")
    items = [os.fspath(item) if isinstance(item, os.PathLike) else item for item in value]
    for item in items:
        if not isinstance(item, str):
            raise ValueError(f"{item!r} is not a string (in {value!r})")
    return items


def _stream(value: Any) -> Any:
    if value is not None and not callable(getattr(value, "write", None)):
        raise ValueError(f"{value!r} is not a text stream (it has no write method)")
    return value


def _as_is(text: str) -> str:
    return text


KINDS: Mapping[str, Kind] = MappingProxyType(
    {
        "str": Kind(_as_is, _text),
        "int": Kind(_integer_text, _whole, text_scalar=True),
        "float": Kind(_number_text, _number, text_scalar=True),
        "bool": Kind(_boolean_text, _boolean, text_scalar=True),
        "list": Kind(_list_text, _list),
        "stream": Kind(_stream, _stream),  # an object, never text: a text is refused as no stream
    }
)


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


def parse_now(text: str) -> datetime:
    """An RFC 3339 date-time (``2024-05-01T12:00:00Z``, ``...+02:00``) as an aware UTC datetime.

    ValueError names what is wrong: not a date-time, or a moment outside ``RANGE``.
    """
    try:
        moment = spec.parse_date_time(text.strip())
    except ValueError as error:
        raise ValueError(f"{text!r} is not an RFC 3339 date-time (e.g. 2024-05-01T12:00:00+02:00)") from error
    outside = ValueError(f"{text!r} is outside the range the mock's clock can serve: {RANGE}")
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:59:59-14:00 is in year 10000 in UTC
        raise outside from None
    if not EARLIEST <= moment <= LATEST:
        raise outside
    return moment


def _now(value: Any) -> str | None:
    if not value or not isinstance(value, str):  # none: the real clock; not a string: the kind says so
        return None
    try:
        parse_now(value)
    except ValueError as error:
        return str(error)
    return None


def _seconds(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 3600:
        return f"{value!r}: give a number of seconds above 0, at most 3600"
    return None


SETTINGS: tuple[Setting, ...] = (
    Setting(flag="host", help="address to listen on", default="127.0.0.1", refuse=_host),
    Setting(
        flag="port",
        help="port to listen on (0: any free port; the banner shows which)",
        kind="int",
        default=8080,
        refuse=_integer(0, 65535),
    ),
    Setting(
        flag="api-key",
        key="MOCK_API_KEYS",
        help=f"an accepted API key, sent as 'Authorization: key=<KEY>' (repeatable; default: {DEMO_API_KEY})",
        kind="list",
        default=[DEMO_API_KEY],
        env="MOCKSERVER_API_KEYS",
        refuse=_api_keys,
    ),
    Setting(
        flag=ADMIN_TOKEN_FLAG,
        key="MOCK_ADMIN_TOKEN",
        help=f"token the admin API under /__mock asks for ({ADMIN_TOKEN_LEAST} or more printable ASCII "
        "characters), sent as 'Authorization: Bearer <TOKEN>' or 'X-Mock-Admin-Token: <TOKEN>' (default: "
        "none on loopback; generated and printed in the banner when --host is beyond loopback)",
        refuse=_admin_token,
    ),
    Setting(
        flag="admin-open",
        help="listen beyond loopback with the admin API open to anyone who reaches the port (no token)",
        kind="bool",
        default=False,
    ),
    Setting(
        flag="cors",
        key="MOCK_CORS",
        help="answer browsers' cross-origin requests (CORS) on every path (--no-cors: send no CORS headers)",
        kind="bool",
        default=True,
    ),
    Setting(
        flag="cors-origin",
        key="MOCK_CORS_ORIGINS",
        help="an origin browsers may call the mock from, e.g. https://app.example.com (repeatable or "
        "comma-separated; default: any)",
        kind="list",
        default=[],
        env="MOCKSERVER_CORS_ORIGINS",
        refuse=_origins,
    ),
    Setting(flag="tls-cert", help="serve HTTPS with this certificate file (PEM; with --tls-key)"),
    Setting(flag="tls-key", help="the private key file (PEM) of --tls-cert"),
    Setting(
        flag="tls-self-signed",
        help="serve HTTPS with a certificate for the addresses the mock listens on, from a CA made at start "
        "(the banner says where its file is, for curl --cacert or a phone to trust)",
        kind="bool",
        default=False,
    ),
    Setting(
        flag="any-user",
        key="MOCK_ANY_USER",
        help="every well-formed identifier is a known user with its own history",
        kind="bool",
        default=False,
    ),
    Setting(
        flag="seed",
        key="MOCK_SEED",
        help="seed of the generated world (same seed, same histories)",
        kind="int",
        default=0,
        refuse=_integer(0),
    ),
    Setting(
        flag="users", key="MOCK_USERS_FILE", help="users directory YAML file", default=DEFAULT_USERS_FILE
    ),
    Setting(
        flag="status-mapping",
        key="MOCK_STATUS_MAPPING",
        help="HTTP status of result-coded errors: call-page (200, as the call's page) or http "
        "(401/404/500/504)",
        default=spec.STATUS_MAPPINGS[0],
        choices=spec.STATUS_MAPPINGS,
    ),
    Setting(
        flag="now",
        key="MOCK_NOW",
        help="pin the clock to this RFC 3339 date-time (default: real time)",
        refuse=_now,
    ),
    Setting(
        flag="log-format",
        key="MOCK_LOG_FORMAT",
        help="request log lines on stderr",
        default="json",
        choices=LOG_FORMATS,
    ),
    Setting(
        flag="self-check",
        key="MOCK_SELF_CHECK",
        help="validate every outgoing body (strict + invariants), log violations",
        kind="bool",
        default=False,
    ),
    Setting(
        flag="path",
        key="MOCK_PATHS",
        help=f"an extra path answering the protocol, besides {' and '.join(PROTOCOL_PATHS)} (repeatable)",
        kind="list",
        default=[],
        env="MOCKSERVER_PATHS",
        refuse=_extra_paths,
    ),
    Setting(
        flag="max-body-bytes",
        key="MOCK_MAX_BODY_BYTES",
        help="largest accepted request body (larger: 413)",
        kind="int",
        default=64 * 1024,
        refuse=_integer(0),
    ),
    Setting(
        flag="workers",
        help="worker processes (0: automatic - 1 with memory state, whose scripts and journal live "
        "in one process; one per CPU with --state redis)",
        kind="int",
        default=0,
        refuse=_integer(0),
    ),
    Setting(
        flag="threads",
        help="granian: threads per worker that run the app (a latency scenario holds one while it sleeps)",
        kind="int",
        default=16,
        refuse=_integer(1),
    ),
    Setting(
        flag="server",
        help="gunicorn (gevent workers: every scenario, unhurt by slow clients) or granian (several times "
        "the throughput; needs 'pip install granian'; the connection-breaking scenarios answer 501 there)",
        default="gunicorn",
        choices=("gunicorn", "granian"),
    ),
    Setting(
        flag="connections",
        help="gunicorn: connections one worker serves at once (gevent); more wait to be accepted",
        kind="int",
        default=1000,
        refuse=_integer(1),
    ),
    Setting(
        flag="answer-cache",
        key="MOCK_ANSWER_CACHE",
        help="answer repeated identical requests from a bounded cache of final bytes (the hot path)",
        kind="bool",
        default=True,
    ),
    Setting(
        flag="state", key="MOCK_STATE", help=f"shared state: {MEMORY_STATE} (default) or redis://host:port/db"
    ),
    Setting(
        flag="scenarios",
        key="MOCK_SCENARIO_FILES",
        help="scenario YAML file or directory (repeatable)",
        kind="list",
        default=[],
    ),
    Setting(
        flag="journal-size",
        key="MOCK_JOURNAL_SIZE",
        help="how many requests the journal of one session keeps (its oldest fall out)",
        kind="int",
        default=10_000,
        refuse=_integer(1),
    ),
    Setting(
        flag="journal-total",
        key="MOCK_JOURNAL_TOTAL",
        help="memory state: how many requests the journals of all sessions keep together; beyond it the "
        "least recently used session's journal is dropped whole",
        kind="int",
        default=100_000,
        refuse=_integer(1),
    ),
    Setting(
        key="MOCK_MAX_SCRIPT_SESSIONS",
        help="memory state: how many sessions hold scripts; installing into one more drops the scripts of "
        "the least recently used",
        kind="int",
        default=10_000,
        refuse=_integer(1),
    ),
    Setting(
        key="MOCK_RUN_DIR",
        help="memory state: a directory every worker of one server shares, where each keeps its counts of "
        "internal errors and self-check failures for /__mock/health to add up (python -m mockserver makes "
        "one per run; none: each process counts for itself)",
    ),
    Setting(
        flag="reload-scenarios",
        key="MOCK_RELOAD_SCENARIOS",
        help="reload scenario files when they change",
        kind="bool",
        default=False,
    ),
    Setting(
        flag="upstream",
        key="MOCK_UPSTREAM",
        help="proxy mode: forward protocol requests to this server (http://host:port[/base]) and validate "
        "both sides; scenarios apply over its real answers (docs/proxy.md)",
        refuse=_upstream,
    ),
    Setting(
        flag="upstream-timeout",
        key="MOCK_UPSTREAM_TIMEOUT",
        help="proxy mode: seconds the upstream has to answer one request (then 504, result 102)",
        kind="float",
        default=10.0,
        refuse=_seconds,
    ),
    Setting(
        flag="upstream-strict",
        key="MOCK_UPSTREAM_STRICT",
        help="proxy mode: a request that breaks the contract is answered 400/230 and never forwarded; an "
        "answer that breaks it becomes a 502 naming the problems",
        kind="bool",
        default=False,
    ),
    Setting(
        flag="upstream-profile",
        key="MOCK_UPSTREAM_PROFILE",
        help="proxy mode: the validation profile the upstream's answers are judged by",
        default=spec.PROFILES[0],
        choices=spec.PROFILES,
    ),
    Setting(
        flag="record",
        key="MOCK_RECORD",
        help="proxy mode: keep each user's last successful upstream answer in this directory, as a "
        "users.yaml and histories that --users replays (no API key or token is written); made at start",
    ),
    Setting(
        flag="anonymise",
        key="MOCK_ANONYMISE",
        help="with --record: replace identifiers, addresses and external ids by generated ones",
        kind="bool",
        default=False,
    ),
    # Config keys without a flag: for embedding and tests.
    Setting(
        key="MOCK_CACHE_SIZE",
        help="entries of the parse, generation and answer caches (per worker)",
        kind="int",
        default=4096,
        refuse=_integer(0),
    ),
    Setting(
        key="MOCK_MAX_SCRIPTS",
        help="active scripts a session may hold",
        kind="int",
        default=1000,
        refuse=_integer(1),
    ),
    Setting(
        key="MOCK_RELOAD_INTERVAL",
        help="seconds between checks of the scenario files",
        kind="float",
        default=1.0,
        refuse=_seconds,
    ),
    Setting(
        key="MOCK_LOG_STREAM",
        help="where request log lines go (a text stream; default: stderr)",
        kind="stream",
    ),
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


def check(config: Mapping[str, Any]) -> dict[str, Any]:
    """The config to run with: ``config`` over ``DEFAULTS``, each setting read by its kind and checked by
    its row (``Setting.read``), then the rules across settings. Raises SettingError naming (by its config
    key) the first unusable value. Keys that are no setting (Flask's own) pass as they are."""
    read = {**DEFAULTS, **config}
    for key, each in BY_KEY.items():
        read[key] = each.read(read[key])
    if read["MOCK_RECORD"] and not read["MOCK_UPSTREAM"]:
        raise SettingError(
            BY_KEY["MOCK_RECORD"], "records what {other} answers: give both", other=BY_KEY["MOCK_UPSTREAM"]
        )
    if read["MOCK_ANONYMISE"] and not read["MOCK_RECORD"]:
        raise SettingError(
            BY_KEY["MOCK_ANONYMISE"], "anonymises what {other} writes: give both", other=BY_KEY["MOCK_RECORD"]
        )
    size, total = read["MOCK_JOURNAL_SIZE"], read["MOCK_JOURNAL_TOTAL"]
    if is_memory(read["MOCK_STATE"]) and size > total:
        problem = f"{size} is more than the {total} of {{other}}, which all sessions' journals share"
        raise SettingError(BY_KEY["MOCK_JOURNAL_SIZE"], problem, other=BY_KEY["MOCK_JOURNAL_TOTAL"])
    return read
