"""The schemas as shipped work in the tools app teams run: ajv (draft 2020-12) loads each by its `$id`."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

import spec
from spec._formats import iso4217_codes
from spec._registry import BASE_URI, _open_registry
from tests.spec.conftest import counter_example_files, example_files, load

ROOT = Path(__file__).resolve().parents[2]
AJV_CHECK = Path(__file__).with_name("js") / "ajv_check.js"
DEADLINE = 120  # seconds for node to compile eight schemas and judge a few dozen instances


def node_modules() -> Path:
    """The pinned npm tools of package.json, installed by `make lint` (`make node-tools`)."""
    installed = ROOT / "node_modules"
    if shutil.which("node") is None or not (installed / "ajv").is_dir():
        pytest.fail("node and the npm tools of package.json are needed: run `make node-tools`")
    return installed


def ajv(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    node_modules()
    schemas = {name: spec.load_schema(name) for name in spec.SCHEMA_NAMES}
    answer = subprocess.run(
        ["node", str(AJV_CHECK)],
        input=json.dumps({"schemas": schemas, "cases": cases}),
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        cwd=ROOT,
        check=False,
    )
    assert answer.returncode == 0, answer.stderr
    results: list[dict[str, Any]] = json.loads(answer.stdout)
    return results


def json_path(pointer: str) -> str:
    """ajv's instancePath (``/user/sessions/0/cost``) as the spec's path (``$.user.sessions[0].cost``)."""
    parts = [part for part in pointer.split("/") if part]
    return "$" + "".join(f"[{part}]" if part.isdigit() else f".{part}" for part in parts)


def plain_valid(name: str, instance: Any) -> bool:
    """The spec's own schemas without the format checker: what any generic validator can see."""
    return Draft202012Validator({"$ref": f"{BASE_URI}{name}.json"}, registry=_open_registry()).is_valid(
        instance
    )


def test_every_schema_has_a_stable_id_under_the_base_uri() -> None:
    for name in spec.SCHEMA_NAMES:
        assert spec.load_schema(name)["$id"] == f"{BASE_URI}{name}.json"


def test_the_currency_pattern_admits_exactly_the_iso4217_codes() -> None:
    # The pattern generators build currencies from; the format checker reads the same list (D10).
    pattern = spec.load_schema("common")["$defs"]["currencyCode"]["pattern"]
    assert pattern.removeprefix("^(").removesuffix(")$").split("|") == sorted(iso4217_codes())


def test_ajv_compiles_every_schema_and_accepts_the_examples() -> None:
    cases = [
        {"schema": "request" if "request" in path.name else "response", "instance": load(path)}
        for path in example_files()
    ]
    assert cases
    for path, result in zip(example_files(), ajv(cases), strict=True):
        assert result["valid"], f"{path.name}: {result['errors']}"


def test_ajv_rejects_every_counter_example_the_schemas_alone_reject_at_its_path() -> None:
    cases = [load(path) for path in counter_example_files()]
    results = ajv([{"schema": case["schema"], "instance": case["instance"]} for case in cases])
    rejected = 0
    for path, case, result in zip(counter_example_files(), cases, results, strict=True):
        # Formats and invariants are the project's validator's; every other rule is in the schemas.
        assert result["valid"] == plain_valid(case["schema"], case["instance"]), path.name
        if not result["valid"]:
            rejected += 1
            paths = {json_path(error["path"]) for error in result["errors"]}
            expected = {item["path"] for item in case["expect"]}
            near = {re.sub(r"\.[\w-]+$|\[\d+\]$", "", where) for where in expected}
            assert paths & (expected | near), f"{path.name}: ajv found {paths}, the rule is at {expected}"
    assert rejected >= 20
