"""The one table of settings: each setting is named the way its reader sets it."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver import create_app, settings
from mockserver.errors import ConfigError
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
