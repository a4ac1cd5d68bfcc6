"""spec/openapi.yaml is valid OpenAPI 3.1, refers to (never copies) the schemas, loads in schemathesis."""

from __future__ import annotations

import json
from pathlib import Path

import schemathesis
import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

import spec


def refs(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in refs(value)]
    if isinstance(node, list):
        return [ref for item in node for ref in refs(item)]
    return []


def test_the_file_validates_with_its_file_refs() -> None:
    document, base_uri = read_from_filename(str(spec.openapi_path()))
    validate(document, base_uri=base_uri)


def test_the_bundled_document_validates_and_is_self_contained() -> None:
    bundled = spec.openapi_document()
    validate(bundled)
    assert all(ref.startswith("#/") for ref in refs(bundled))
    assert set(spec.SCHEMA_NAMES) <= set(bundled["components"]["schemas"])
    json.dumps(bundled)  # servable as /openapi.json


def test_every_schema_is_referenced_not_copied() -> None:
    raw = yaml.safe_load(spec.openapi_path().read_text("utf-8"))
    file_refs = {ref for ref in refs(raw) if not ref.startswith("#")}
    for ref in file_refs:
        assert (spec.openapi_path().parent / ref).is_file(), ref
    assert "properties" not in json.dumps(raw), "a schema was copied into openapi.yaml"


def test_examples_point_at_the_fixture_files() -> None:
    raw = yaml.safe_load(spec.openapi_path().read_text("utf-8"))
    text = json.dumps(raw)
    for name in ("request.document.json", "response-success.document.json"):
        assert name in text
    for example in spec.openapi_document()["paths"]["/api/v4/request"]["post"]["requestBody"]["content"][
        "application/json"
    ]["examples"].values():
        assert spec.problems(example["value"], "request") == []


def test_schemathesis_loads_the_file_and_the_bundle() -> None:
    for schema in (
        schemathesis.openapi.from_path(str(spec.openapi_path())),
        schemathesis.openapi.from_dict(spec.openapi_document()),
    ):
        labels = [result.ok().label for result in schema.get_all_operations()]
        assert labels == ["POST /api/v4/request"]


def test_package_data_is_where_the_loader_looks() -> None:
    root = Path(spec.__file__).parent
    for name in spec.SCHEMA_NAMES:
        assert (root / "schemas" / f"{name}.json").is_file()
