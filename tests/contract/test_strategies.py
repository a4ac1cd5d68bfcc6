"""Request strategies against the spec's validator (the oracle): valid ones validate, invalid ones do not."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import given, note, settings

import spec
from contract_tests import strategies
from contract_tests.cases import fixed_cases
from contract_tests.config import Config
from contract_tests.explore import BAD, LENIENT, STRANGER, classify
from contract_tests.model import Request, Response
from contract_tests.runner import Judge

KNOWN = {
    "identifier-type": "username",
    "identifier": "ada@example.org",
    "token": "8b1a9953c4611296a827abf8c47804d7",
}
CONFIG = Config("http://127.0.0.1:1", "k", "username", KNOWN["identifier"], KNOWN["token"])


@settings(max_examples=60, deadline=None)
@given(strategies.valid_bodies())
def test_valid_bodies_validate(body: dict) -> None:
    note(json.dumps(body, ensure_ascii=False))
    assert spec.problems(body, "request") == []
    assert classify(body, CONFIG) in {STRANGER, LENIENT}


@settings(max_examples=120, deadline=None)
@given(strategies.invalid_bodies(KNOWN))
def test_invalid_bodies_break_the_request_schema(drawn: tuple) -> None:
    body, what = drawn
    note(what)
    assert spec.problems(body, "request") != [], what
    assert classify(body, CONFIG) == BAD


@settings(max_examples=40, deadline=None)
@given(strategies.valid_users())
def test_generated_users_are_sendable_as_utf8(user: dict) -> None:
    text = json.dumps({spec.CALL: {"user": user}}, ensure_ascii=False)
    text.encode("utf-8")  # no lone surrogates: sendable as UTF-8


class Recorder:
    """Stands in for the HTTP client: keeps the requests the runner would send."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def send(self, request: Request) -> Response:
        self.urls.append(request.url)
        return Response(0, {}, b"", 0.0, error="not sent")


@pytest.mark.parametrize("path", ["/api/v4/request", "api/v4/request"])
def test_every_case_url_is_on_the_target_with_or_without_a_leading_slash(path: str) -> None:
    config = replace(CONFIG, base_url="http://127.0.0.1:1/", path=path)
    recorder = Recorder()
    runner = Judge(config, recorder)  # type: ignore[arg-type]
    for case in fixed_cases(config):
        runner.exchange(case)
    assert recorder.urls
    for url in recorder.urls:
        assert url.startswith("http://127.0.0.1:1/") and "//" not in url.removeprefix("http://"), url
