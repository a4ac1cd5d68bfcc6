"""Every file in fixtures/examples validates, in both profiles; its name says against which schema."""

from __future__ import annotations

from pathlib import Path

import pytest

import spec
from tests.spec.conftest import example_files, load


def schema_of(path: Path) -> str:
    # <schema>.<label>.json, e.g. response-success.document.json
    return path.name.split(".", 1)[0]


@pytest.mark.parametrize("profile", spec.PROFILES)
@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.name)
def test_example_is_valid(path: Path, profile: str) -> None:
    instance = load(path)
    name = schema_of(path)
    assert spec.problems(instance, name, profile) == []
    if name.startswith("response"):
        assert spec.check_invariants(instance) == []
    assert spec.unknown_fields(instance, name) == []


def test_the_documents_examples_are_present() -> None:
    names = {path.name for path in example_files()}
    assert {"request.document.json", "response-success.document.json"} <= names


def test_the_documents_response_is_also_a_valid_response() -> None:
    body = load(next(p for p in example_files() if p.name == "response-success.document.json"))
    for profile in spec.PROFILES:
        assert spec.problems(body, "response", profile) == []
