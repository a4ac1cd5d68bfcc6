"""Fixture files as test parameters: adding a case is adding a file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def load(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


def example_files() -> list[Path]:
    return sorted((FIXTURES / "examples").glob("*.json"))


def counter_example_files() -> list[Path]:
    return sorted((FIXTURES / "counter-examples").glob("*.json"))
