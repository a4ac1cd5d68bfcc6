"""The one table of settings: each setting is named the way its reader sets it."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mockserver import create_app, settings
from mockserver.errors import ConfigError
from mockserver.serving import cli
from mockserver.settings import SettingError


def test_a_setting_is_named_by_its_key_or_by_its_flag_and_variable() -> None:
    now = settings.setting("MOCK_NOW")
    assert now.named() == "MOCK_NOW"
    assert now.named(command_line=True) == "--now (MOCKSERVER_NOW)"
    # Only a flag (a server option) or only a key: named by what it has.
    port = next(s for s in settings.FLAGS if s.flag == "port")
    assert port.named() == port.named(command_line=True) == "--port (MOCKSERVER_PORT)"
    assert settings.setting("MOCK_CACHE_SIZE").named(command_line=True) == "MOCK_CACHE_SIZE"


@pytest.mark.parametrize(
    ("config", "start"),
    [
        ({"MOCK_JOURNAL_SIZE": 0}, "MOCK_JOURNAL_SIZE: 0 is out of range"),
        ({"MOCK_MAX_BODY_BYTES": "big"}, "MOCK_MAX_BODY_BYTES: 'big' is not an integer"),
        ({"MOCK_PATHS": ["api/v5"]}, "MOCK_PATHS: 'api/v5' must start with '/'"),
        ({"MOCK_PATHS": ["/sessions/x"]}, "MOCK_PATHS: '/sessions/x' must start with '/' and not with"),
        ({"MOCK_PATHS": ["/x/ü"]}, "MOCK_PATHS: '/x/ü': give a path of printable ASCII characters"),
        ({"MOCK_PATHS": ["/x y"]}, "MOCK_PATHS: '/x y': give a path of printable ASCII characters"),
        ({"MOCK_PATHS": ["/x?y=1"]}, "MOCK_PATHS: '/x?y=1': give a path of printable ASCII characters"),
        ({"MOCK_PATHS": ["/x#y"]}, "MOCK_PATHS: '/x#y': give a path of printable ASCII characters"),
        ({"MOCK_PATHS": ["/x\u00a0"]}, "MOCK_PATHS: '/x\\xa0': give a path of printable ASCII characters"),
        ({"MOCK_ADMIN_TOKEN": ""}, f"MOCK_ADMIN_TOKEN: {settings.ADMIN_TOKEN_RULE}"),
        ({"MOCK_ADMIN_TOKEN": "tok-123"}, f"MOCK_ADMIN_TOKEN: {settings.ADMIN_TOKEN_RULE}"),
        ({"MOCK_ADMIN_TOKEN": "token-with-é"}, f"MOCK_ADMIN_TOKEN: {settings.ADMIN_TOKEN_RULE}"),
        ({"MOCK_ADMIN_TOKEN": " padded-token"}, f"MOCK_ADMIN_TOKEN: {settings.ADMIN_TOKEN_RULE}"),
        ({"MOCK_API_KEYS": [""]}, "MOCK_API_KEYS: every API key must be a non-empty string"),
        ({"MOCK_STATUS_MAPPING": "rest"}, "MOCK_STATUS_MAPPING: 'rest': use one of"),
        ({"MOCK_STATE": "foo://x"}, "MOCK_STATE: 'foo://x': use 'memory' or a Redis URL"),
        ({"MOCK_UPSTREAM": "staging.example.com"}, "MOCK_UPSTREAM: 'staging.example.com': give an http://"),
        ({"MOCK_UPSTREAM": "ftp://staging"}, "MOCK_UPSTREAM: 'ftp://staging': give an http://"),
        ({"MOCK_UPSTREAM": "http://h/?x=1"}, "MOCK_UPSTREAM: 'http://h/?x=1': give an http://"),
        (
            {"MOCK_UPSTREAM": "https://staging.example/oioi/api/v3/request/"},
            "MOCK_UPSTREAM: 'https://staging.example/oioi/api/v3/request/': give the server's base URL "
            "(https://staging.example/oioi); each request's own path (/api/v3/request) is appended",
        ),
        ({"MOCK_UPSTREAM_TIMEOUT": 0}, "MOCK_UPSTREAM_TIMEOUT: 0: give a number of seconds above 0"),
        ({"MOCK_UPSTREAM_TIMEOUT": True}, "MOCK_UPSTREAM_TIMEOUT: True: give a number of seconds"),
        ({"MOCK_UPSTREAM_PROFILE": "loose"}, "MOCK_UPSTREAM_PROFILE: 'loose': use one of strict, lenient"),
        ({"MOCK_RECORD": "world"}, "MOCK_RECORD: records what MOCK_UPSTREAM answers: give both"),
        ({"MOCK_ANONYMISE": True}, "MOCK_ANONYMISE: anonymises what MOCK_RECORD writes: give both"),
        (
            {"MOCK_JOURNAL_SIZE": 20, "MOCK_JOURNAL_TOTAL": 10},
            "MOCK_JOURNAL_SIZE: 20 is more than the 10 of MOCK_JOURNAL_TOTAL",
        ),
    ],
)
def test_create_app_names_the_config_key(config: dict[str, Any], start: str) -> None:
    with pytest.raises(SettingError) as caught:
        create_app({"MOCK_LOG_FORMAT": "off", **config})
    assert str(caught.value).startswith(start), caught.value
    assert "--" not in str(caught.value)


def test_every_default_is_usable() -> None:
    settings.check(settings.DEFAULTS)
    for flag in settings.FLAGS:
        assert flag.refusal(flag.default) is None, flag


def test_create_app_names_the_clock_s_key() -> None:
    with pytest.raises(ConfigError) as caught:  # the clock's own rule, checked where the app is built
        create_app({"MOCK_LOG_FORMAT": "off", "MOCK_NOW": "garbage"})
    assert str(caught.value).startswith("MOCK_NOW: 'garbage' is not an RFC 3339 date-time")


def test_the_journal_total_bounds_only_the_memory_state() -> None:
    config = {**settings.DEFAULTS, "MOCK_JOURNAL_SIZE": 20, "MOCK_JOURNAL_TOTAL": 10}
    settings.check({**config, "MOCK_STATE": "redis://127.0.0.1:6379/0"})  # Redis bounds its own memory
    with pytest.raises(SettingError):
        settings.check({**config, "MOCK_STATE": "memory"})


@pytest.mark.parametrize("path", ["/x", "/api/v5/request", "/a-b_c.d~e/f%41", "/!$&'()*+,;=:@"])
def test_paths_a_request_can_name_are_accepted(path: str) -> None:
    assert settings.setting("MOCK_PATHS").refusal([path]) is None


@pytest.mark.parametrize("token", ["12345678", "team-token-1", "x" * 43])
def test_admin_tokens_that_keep_the_rule_are_accepted(token: str) -> None:
    assert settings.setting("MOCK_ADMIN_TOKEN").refusal(token) is None
    assert settings.setting("MOCK_ADMIN_TOKEN").refusal(token[:-1] + " ") == settings.ADMIN_TOKEN_RULE


SCENARIOS = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios"
FLAKY, EDGES = str(SCENARIOS / "flaky-backend.yaml"), str(SCENARIOS / "data-edge-cases.json")
STREAM = io.StringIO()
WORDS = "0, 1, false, no, off, on, true, yes"  # the words a boolean is read from, in every entry


@dataclass(frozen=True)
class Refused:
    """The start of the refusal's message, after the setting's name."""

    problem: str


# (config key, value given to create_app, the value the app runs with or its refusal)
CREATE_APP_ROWS: list[tuple[str, Any, Any]] = [
    ("MOCK_ANY_USER", True, True),
    ("MOCK_ANY_USER", False, False),
    ("MOCK_ANY_USER", "false", False),
    ("MOCK_ANY_USER", "no", False),
    ("MOCK_ANY_USER", "0", False),
    ("MOCK_ANY_USER", "off", False),
    ("MOCK_ANY_USER", "", False),
    ("MOCK_ANY_USER", " Yes ", True),
    ("MOCK_ANY_USER", "on", True),
    ("MOCK_ANY_USER", "maybe", Refused(f"'maybe': use one of {WORDS}")),
    ("MOCK_ANY_USER", 1, Refused(f"1: give True or False, or one of {WORDS}")),
    ("MOCK_ANY_USER", None, Refused("None: give True or False")),
    ("MOCK_CORS", "off", False),
    ("MOCK_CORS", "TRUE", True),
    ("MOCK_CORS", "disabled", Refused("'disabled': use one of")),
    ("MOCK_SEED", 7, 7),
    ("MOCK_SEED", "7", 7),
    ("MOCK_SEED", 1.5, Refused("1.5 is not an integer")),
    ("MOCK_SEED", True, Refused("True is not an integer")),
    ("MOCK_SEED", "1_000", Refused("'1_000' is not an integer (ASCII digits)")),
    ("MOCK_SEED", -1, Refused("-1 is out of range: give an integer of at least 0")),
    ("MOCK_JOURNAL_SIZE", "0", Refused("0 is out of range: give an integer of at least 1")),
    ("MOCK_UPSTREAM_TIMEOUT", 2, 2),
    ("MOCK_UPSTREAM_TIMEOUT", "2.5", 2.5),
    ("MOCK_UPSTREAM_TIMEOUT", "nan", Refused("'nan' is not a number (ASCII digits, e.g. 2.5)")),
    ("MOCK_RELOAD_INTERVAL", 0.25, 0.25),
    ("MOCK_RELOAD_INTERVAL", "2", 2.0),
    ("MOCK_RELOAD_INTERVAL", -1, Refused("-1: give a number of seconds above 0, at most 3600")),
    ("MOCK_RELOAD_INTERVAL", 0, Refused("0: give a number of seconds above 0")),
    ("MOCK_RELOAD_INTERVAL", float("nan"), Refused("nan: give a number of seconds above 0")),
    ("MOCK_RELOAD_INTERVAL", "soon", Refused("'soon' is not a number")),
    ("MOCK_SCENARIO_FILES", [FLAKY], [FLAKY]),
    ("MOCK_SCENARIO_FILES", (Path(FLAKY),), [FLAKY]),
    ("MOCK_SCENARIO_FILES", FLAKY, Refused(f"{FLAKY!r}: give a list, e.g. [{FLAKY!r}]")),
    ("MOCK_SCENARIO_FILES", [7], Refused("7 is not a string (in [7])")),
    ("MOCK_PATHS", ("/oioi",), ["/oioi"]),
    ("MOCK_PATHS", "/oioi", Refused("'/oioi': give a list of paths")),
    ("MOCK_CORS_ORIGINS", "https://app.example", Refused("'https://app.example': give a list of origins")),
    ("MOCK_API_KEYS", "k1", Refused("'k1': give a list of at least one API key")),
    ("MOCK_USERS_FILE", Path(settings.DEFAULT_USERS_FILE), settings.DEFAULT_USERS_FILE),
    ("MOCK_USERS_FILE", 5, Refused("5 is not a string")),
    ("MOCK_STATUS_MAPPING", "http", "http"),
    ("MOCK_STATUS_MAPPING", ["http"], Refused("['http']: use one of call-page, http")),
    ("MOCK_NOW", "soon", Refused("'soon' is not an RFC 3339 date-time")),
    ("MOCK_LOG_STREAM", STREAM, STREAM),
    ("MOCK_LOG_STREAM", "stderr", Refused("'stderr' is not a text stream (it has no write method)")),
]


@pytest.mark.parametrize(("key", "value", "expected"), CREATE_APP_ROWS)
def test_create_app_reads_each_setting_by_its_kind(key: str, value: Any, expected: Any) -> None:
    config = {"MOCK_LOG_FORMAT": "off", key: value}
    if isinstance(expected, Refused):
        with pytest.raises(SettingError) as caught:
            create_app(config)
        assert str(caught.value).startswith(f"{key}: {expected.problem}"), caught.value
        return
    read = create_app(config).config[key]
    assert read == expected and type(read) is type(expected)


# (command line, environment, config key or server option, the value it runs with or its refusal)
COMMAND_LINE_ROWS: list[tuple[list[str], dict[str, str], str, Any]] = [
    ([], {"MOCKSERVER_ANY_USER": "false"}, "MOCK_ANY_USER", False),
    ([], {"MOCKSERVER_ANY_USER": "off"}, "MOCK_ANY_USER", False),
    ([], {"MOCKSERVER_ANY_USER": " Yes "}, "MOCK_ANY_USER", True),
    ([], {"MOCKSERVER_ANY_USER": "maybe"}, "MOCK_ANY_USER", Refused(f"'maybe': use one of {WORDS}")),
    (["--no-cors"], {}, "MOCK_CORS", False),
    ([], {"MOCKSERVER_CORS": "off"}, "MOCK_CORS", False),
    ([], {"MOCKSERVER_SEED": "7"}, "MOCK_SEED", 7),
    (["--seed", "-1"], {}, "MOCK_SEED", Refused("-1 is out of range: give an integer of at least 0")),
    ([], {"MOCKSERVER_SEED": "-1"}, "MOCK_SEED", Refused("-1 is out of range")),
    (["--seed", "1.5"], {}, "MOCK_SEED", Refused("'1.5' is not an integer (ASCII digits)")),
    (["--upstream-timeout", "2.5"], {}, "MOCK_UPSTREAM_TIMEOUT", 2.5),
    (["--upstream-timeout", "nan"], {}, "MOCK_UPSTREAM_TIMEOUT", Refused("'nan' is not a number")),
    ([], {"MOCKSERVER_UPSTREAM_TIMEOUT": "0"}, "MOCK_UPSTREAM_TIMEOUT", Refused("0.0: give a number of")),
    ([], {"MOCKSERVER_SCENARIOS": f"{FLAKY}, {EDGES}"}, "MOCK_SCENARIO_FILES", [FLAKY, EDGES]),
    (["--scenarios", FLAKY], {}, "MOCK_SCENARIO_FILES", [FLAKY]),
    ([], {"MOCKSERVER_PATHS": "/a,/b"}, "MOCK_PATHS", ["/a", "/b"]),
    ([], {"MOCKSERVER_STATUS_MAPPING": "http"}, "MOCK_STATUS_MAPPING", "http"),
    ([], {"MOCKSERVER_HOST": " "}, "host", Refused("' ': give an address or host name")),
    ([], {"MOCKSERVER_PORT": "0"}, "port", 0),
    ([], {"MOCKSERVER_PORT": "70000"}, "port", Refused("70000 is out of range: give an integer from 0")),
    ([], {"MOCKSERVER_THREADS": "0"}, "threads", Refused("0 is out of range")),
]


@pytest.mark.parametrize(("argv", "env", "name", "expected"), COMMAND_LINE_ROWS)
def test_the_command_line_and_environment_read_each_setting_by_its_kind(
    argv: list[str], env: dict[str, str], name: str, expected: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    if isinstance(expected, Refused):
        assert cli.main(argv, env) == 2
        said = capsys.readouterr().err
        flag = next(s for s in settings.FLAGS if name in (s.key, s.flag))
        assert said.startswith(f"mockserver: {flag.named(command_line=True)}: {expected.problem}"), said
        assert said.count("\n") == 1 and "MOCK_" not in said
        return
    chosen = cli.options(argv, env)
    read = chosen.config[name] if name.startswith("MOCK_") else getattr(chosen, name)
    assert read == expected and type(read) is type(expected)


def test_every_kind_is_read_in_every_entry() -> None:
    """The tables above hold a row of every kind the settings have, read by create_app and by the
    command line or environment (a new kind without a row fails here)."""
    through_create_app = {settings.setting(key).kind for key, _, _ in CREATE_APP_ROWS}
    assert through_create_app == {s.kind for s in settings.SETTINGS}
    flags = {s.key or s.flag: s for s in settings.FLAGS}
    through_command_line = {flags[name].kind for _, _, name, _ in COMMAND_LINE_ROWS}
    assert through_command_line == {s.kind for s in settings.FLAGS}
