"""Options: which targets may be judged with the demo credentials, and what the others are told."""

from __future__ import annotations

import pytest
import yaml

from contract_tests.cli import OPTIONS, config_from
from contract_tests.config import DEMO_CREDENTIALS, is_loopback
from contract_tests.errors import CannotJudge
from contract_tests.model import User
from mockserver.settings import DEMO_API_KEY
from tests.contract.conftest import ROOT

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
    assert {field: getattr(config, field) for field in DEMO_CREDENTIALS} == DEMO_CREDENTIALS
    assert config.users == (User.KNOWN, User.SECOND)
    assert config.api_key == DEMO_API_KEY  # the key the mock accepts by default


def test_the_demo_users_are_two_people_of_the_mock_s_directory() -> None:
    directory = yaml.safe_load((ROOT / "fixtures" / "users.yaml").read_text("utf-8"))["users"]
    demo = config_from(["--base-url", LOOPBACK[0]], {})
    found = []
    for user in demo.users:
        sent = demo.identity(user)
        found += [
            person["id"]
            for person in directory
            if person["identifiers"].get(sent["identifier-type"]) == sent["identifier"]
            and person["token"] == sent["token"]
        ]
    assert len(found) == 2 and len(set(found)) == 2, found


@pytest.mark.parametrize("url", REMOTE)
def test_a_remote_target_without_credentials_is_refused_naming_the_variables(url: str) -> None:
    with pytest.raises(CannotJudge) as refused:
        config_from(["--base-url", url], {})
    message = str(refused.value)
    assert f"no credentials given for {url}" in message
    for variable in ("CONTRACT_API_KEY", "CONTRACT_IDENTIFIER_TYPE", "CONTRACT_IDENTIFIER", "CONTRACT_TOKEN"):
        assert variable in message
    for variable in ("CONTRACT_SECOND_USER_TYPE", "CONTRACT_SECOND_USER", "CONTRACT_SECOND_USER_TOKEN"):
        assert variable in message


@pytest.mark.parametrize("url", [LOOPBACK[0], REMOTE[0]])
def test_credentials_given_in_part_are_never_completed_with_the_demo_ones(url: str) -> None:
    with pytest.raises(CannotJudge, match=r"missing --api-key \(or CONTRACT_API_KEY\)$"):
        config_from(["--base-url", url, *ADA], {})
    with pytest.raises(
        CannotJudge, match=r"missing --identifier-type .*, --identifier \(or CONTRACT_IDENTIFIER\)$"
    ):
        config_from(["--base-url", url], {"CONTRACT_API_KEY": "k"})


SECOND = ["--second-user-type", "username", "--second-user", "grace@example.org"]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (SECOND[:2], "a second user needs both --second-user-type (or CONTRACT_SECOND_USER_TYPE) and "),
        (SECOND[2:], "a second user needs both"),
        (
            ["--second-user-token", "t0ken-of-nobody"],
            "--second-user-token (or CONTRACT_SECOND_USER_TOKEN) without a second user",
        ),
        (["--second-user-type", "username", "--second-user", "ada@example.org"], "the known user again"),
    ],
    ids=["type-alone", "identifier-alone", "token-alone", "the-known-user-again"],
)
def test_a_second_user_is_given_whole_and_is_another_person(args: list[str], said: str) -> None:
    with pytest.raises(CannotJudge, match=r"^bad options: ") as refused:
        config_from(["--base-url", REMOTE[0], "--api-key", "k", *ADA, *args], {})
    assert said in str(refused.value)


def test_a_second_user_reads_the_environment_too() -> None:
    env = {"CONTRACT_SECOND_USER_TYPE": "rfid", "CONTRACT_SECOND_USER": "04A1B2C3D4E5F6"}
    config = config_from(["--base-url", REMOTE[0], "--api-key", "k", *ADA], env)
    assert config.users == (User.KNOWN, User.SECOND)
    assert config.identity(User.SECOND) == {"identifier-type": "rfid", "identifier": "04A1B2C3D4E5F6"}
    assert config_from(["--base-url", REMOTE[0], "--api-key", "k", *ADA], {}).users == (User.KNOWN,)


def test_given_credentials_are_used_on_a_loopback_target_too() -> None:
    config = config_from(["--base-url", LOOPBACK[0], "--api-key", "k", *ADA], {})
    assert (config.api_key, config.identifier, config.token) == ("k", "ada@example.org", None)


def test_every_option_and_its_variable_is_documented_on_the_ci_page() -> None:
    page = (ROOT / "docs" / "ci.md").read_text("utf-8")
    for option in OPTIONS:
        assert f"`{option.flag}`" in page, option.flag
        assert f"`{option.env}`" in page, option.env


@pytest.mark.parametrize(
    ("option", "text", "said"),
    [
        ("--seed", "abc", "'abc': not an integer (ASCII digits)"),
        ("--seed", "١٢", "'١٢': not an integer"),  # int() takes other scripts' digits
        ("--max-examples", "1_000", "'1_000': not an integer"),  # and underscores
        ("--retries", "-1", "'-1': must be at least 0"),
        ("--max-time", "²", "'²': not a number"),  # "²".isdigit() is True
        ("--timeout", "nan", "'nan': not a number"),
        ("--rate-limit", "-1", "'-1': must be a number >= 0"),
    ],
)
def test_numbers_are_ascii_and_refused_by_name(option: str, text: str, said: str) -> None:
    with pytest.raises(CannotJudge) as refused:
        config_from(["--base-url", LOOPBACK[0], option, text], {})
    assert str(refused.value).startswith(f"bad options: {option}: ") and said in str(refused.value)
