"""The suite knows a target only through HTTP; the proof servers are independent of the code they test."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _imports(package: str) -> set[str]:
    found: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("contract_tests", {"mockserver", "tests"}),
        ("tests/servers", {"mockserver", "spec", "contract_tests"}),
    ],
)
def test_forbidden_imports(package: str, forbidden: set[str]) -> None:
    imported = _imports(package)
    assert imported, package
    assert not imported & forbidden
