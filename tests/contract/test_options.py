"""Options: which targets may be judged with the demo credentials, and what the others are told."""

from __future__ import annotations

import pytest

from contract_tests.cli import config_from
from contract_tests.config import DEMO_CREDENTIALS, is_loopback
from contract_tests.errors import CannotJudge
from mockserver.settings import DEMO_API_KEY

LOOPBACK = [
    "http://127.0.0.1:8080",
    "http://127.9.8.7",
    "http://localhost:8080",
    "https://LOCALHOST",
    "http://[::1]:8080",
]
REMOTE = [
    "https://staging.example.com",
    "http://10.0.0.1:8080",
    "http://0.0.0.0:8080",
    "http://[::2]",
    "http://localhost.example.com",
    "http://127.0.0.1.example.com",
]
ADA = ["--identifier-type", "username", "--identifier", "ada@example.org"]


@pytest.mark.parametrize("url", LOOPBACK)
def test_loopback_targets_are_known_by_their_address(url: str) -> None:
    assert is_loopback(url)


@pytest.mark.parametrize("url", REMOTE)
def test_every_other_target_is_not_loopback(url: str) -> None:
    assert not is_loopback(url)


@pytest.mark.parametrize("url", LOOPBACK)
def test_a_loopback_target_without_credentials_gets_the_demo_ones(url: str) -> None:
    config = config_from(["--base-url", url], {})
    assert (config.api_key, config.identifier_type, config.identifier, config.token) == tuple(
        DEMO_CREDENTIALS[field] for field in ("api_key", "identifier_type", "identifier", "token")
    )
    assert config.api_key == DEMO_API_KEY  # the key the mock accepts by default


@pytest.mark.parametrize("url", REMOTE)
def test_a_remote_target_without_credentials_is_refused_naming_the_variables(url: str) -> None:
    with pytest.raises(CannotJudge) as refused:
        config_from(["--base-url", url], {})
    message = str(refused.value)
    assert f"no credentials given for {url}" in message
    for variable in ("CONTRACT_API_KEY", "CONTRACT_IDENTIFIER_TYPE", "CONTRACT_IDENTIFIER", "CONTRACT_TOKEN"):
        assert variable in message


@pytest.mark.parametrize("url", [LOOPBACK[0], REMOTE[0]])
def test_credentials_given_in_part_are_never_completed_with_the_demo_ones(url: str) -> None:
    with pytest.raises(CannotJudge, match=r"missing --api-key \(or CONTRACT_API_KEY\)$"):
        config_from(["--base-url", url, *ADA], {})
    with pytest.raises(
        CannotJudge, match=r"missing --identifier-type .*, --identifier \(or CONTRACT_IDENTIFIER\)$"
    ):
        config_from(["--base-url", url], {"CONTRACT_API_KEY": "k"})


def test_given_credentials_are_used_on_a_loopback_target_too() -> None:
    config = config_from(["--base-url", LOOPBACK[0], "--api-key", "k", *ADA], {})
    assert (config.api_key, config.identifier, config.token) == ("k", "ada@example.org", None)
