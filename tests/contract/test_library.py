"""The suite as a library: ``contract_tests.run(config) -> Report``, the call the command line wraps,
against the real mock (it keeps the contract) and a real server that breaks one rule (named); a
``Config`` the command line's rules refuse raises CannotJudge, naming the field, before any request."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import pytest

from contract_tests import DEMO_CREDENTIALS, CannotJudge, Config, run
from mockserver.serving.process import free_port
from mockserver.testing import MockServer
from tests.contract.conftest import ADA, GRACE, counting, reference_server
from tests.servers.reference import API_KEY

FAST = {"max_examples": 5, "rate_limit": 0, "timeout": 5.0, "retries": 2}


def test_the_mock_keeps_the_contract_as_a_report_value(mock_server: MockServer) -> None:
    report = run(Config(base_url=mock_server.url, **DEMO_CREDENTIALS, **FAST))
    assert (report.exit_code, report.failures, report.incomplete) == (0, [], "")
    assert report.requests > 0
    assert {result.outcome for result in report.results} <= {"passed", "skipped"}


def test_a_server_that_breaks_a_rule_fails_the_check_that_names_it() -> None:
    with reference_server("--mutation", "token-accepted-across-users") as url:
        config = Config(
            base_url=url,
            api_key=API_KEY,
            identifier_type="username",
            identifier=ADA["identifier"],
            token=ADA["token"],
            second_user_type="username",
            second_user=GRACE["identifier"],
            second_user_token=GRACE["token"],
            **FAST,
        )
        report = run(config)
    assert report.exit_code == 1
    assert {failure.check for failure in report.failures} == {"cross-user-auth-refused"}


def test_a_target_that_cannot_be_judged_raises() -> None:
    with pytest.raises(CannotJudge, match="unreachable"):
        run(Config(base_url=f"http://127.0.0.1:{free_port()}", **DEMO_CREDENTIALS, **FAST))


def _pem_key(tmp_path: Path) -> str:
    """A PEM file that holds no certificate (only a private key's armour)."""
    path = tmp_path / "key.pem"
    path.write_text("-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n", "ascii")
    return str(path)


# Every field, with values a caller might pass that the command line would refuse, and what is said.
BAD_VALUES: dict[str, list[tuple[Any, str]]] = {
    "base_url": [
        ("ftp://x", "must be an http:// or https:// URL"),
        ("http://", "with a host"),
        (None, "URL"),
    ],
    "api_key": [("", "non-empty"), ("key\r\nX-Injected: 1", "control characters"), (7, "non-empty string")],
    "identifier_type": [("email", "not one of evco-id"), (None, "not one of")],
    "identifier": [("", "non-empty"), (42, "non-empty string")],
    "har": [("/nowhere/capture.har", "no readable file there"), (3, "no readable file there")],
    "token": [("", "non-empty"), (123, "non-empty string")],
    "second_user_type": [("email", "not one of")],
    "second_user": [("", "non-empty")],
    "second_user_token": [("", "non-empty")],
    "path": [("", "non-empty"), (None, "non-empty string")],
    "profile": [("loose", "not one of strict, lenient")],
    "seed": [("7", "not an integer"), (1.5, "not an integer"), (True, "not an integer")],
    "max_examples": [("5", "not an integer"), (0, "at least 1"), (2.0, "not an integer")],
    "max_time": [(0, "> 0"), (-1.0, "> 0"), (math.inf, "not a number"), ("300", "not a number")],
    "rate_limit": [(-1, ">= 0"), (math.nan, "not a number"), ("20", "not a number")],
    "timeout": [(0, "> 0"), (False, "not a number"), ("10", "not a number")],
    "ca_cert": [("/nowhere/ca.pem", "no readable file there"), (__file__, "not a PEM certificate")],
    "retries": [(-1, "at least 0"), ("3", "not an integer")],
    "concurrency": [(0, "at least 1"), (None, "not an integer")],
    "latency_budget": [(0, "> 0"), ("250", "not a number")],
    "junitxml": [("", "non-empty"), (0, "non-empty string")],
    "report": [("", "non-empty")],
    "html": [(b"x.html", "non-empty string")],
    "quiet": [("yes", "True or False"), (None, "True or False")],
}


def test_every_field_has_bad_values_to_refuse() -> None:
    assert BAD_VALUES.keys() == {field.name for field in dataclasses.fields(Config)}


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [(field, value, said) for field, bad in BAD_VALUES.items() for value, said in bad],
)
def test_a_bad_field_is_refused_by_name_before_any_request(field: str, value: Any, said: str) -> None:
    with counting() as (url, seen):
        given = {"base_url": url, **DEMO_CREDENTIALS, **FAST, field: value}
        with pytest.raises(CannotJudge) as refused:
            run(Config(**given))
    assert str(refused.value).startswith(f"bad options: {field}: {value!r}: "), refused.value
    assert said in str(refused.value)
    assert seen == []


def test_a_file_of_pem_armour_without_a_certificate_is_not_a_ca(tmp_path: Path) -> None:
    with pytest.raises(CannotJudge, match=r"^bad options: ca_cert: .*: not a PEM certificate \("):
        Config(base_url="http://127.0.0.1:9", **DEMO_CREDENTIALS, ca_cert=_pem_key(tmp_path))


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ({"second_user": None}, "a second user needs both second_user_type and second_user"),
        (
            {"second_user_type": None, "second_user": None},
            "second_user_token without a second user: give second_user_type and second_user",
        ),
        (
            {"second_user_type": "username", "second_user": DEMO_CREDENTIALS["identifier"]},
            "the second user is the known user again",
        ),
    ],
    ids=["type-alone", "token-alone", "the-known-user-again"],
)
def test_a_second_user_is_given_whole_and_is_another_person(given: dict[str, Any], said: str) -> None:
    with counting() as (url, seen), pytest.raises(CannotJudge, match=f"^bad options: {said}"):
        run(Config(**{"base_url": url, **DEMO_CREDENTIALS, **FAST, **given}))
    assert seen == []
