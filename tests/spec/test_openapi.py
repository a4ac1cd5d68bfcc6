"""spec/openapi.yaml is valid OpenAPI 3.1, refers to (never copies) the schemas, loads in schemathesis."""

from __future__ import annotations

import json
from pathlib import Path

import schemathesis
import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

import spec
from spec._openapi import COMPONENT, LIBRARIES


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
    schemas = set(bundled["components"]["schemas"])
    assert set(spec.SCHEMA_NAMES) - set(LIBRARIES) <= schemas
    json.dumps(bundled)  # servable as /openapi.json


def test_every_component_of_the_bundle_is_used_and_every_ref_resolves() -> None:
    """A library's definitions are components of their own, those in use only: no linter or generator
    finds a component nothing uses (Redocly's no-unused-components), nor a ref into a library."""
    bundled = spec.openapi_document()
    pointed = {ref.removeprefix(COMPONENT) for ref in refs(bundled) if ref.startswith(COMPONENT)}
    assert pointed == set(bundled["components"]["schemas"])
    assert not any("/$defs/" in ref for ref in refs(bundled))
    library = spec.load_schema(LIBRARIES[0])["$defs"]
    plain = {name for name in pointed & set(library) if not refs(library[name])}
    assert plain and all(bundled["components"]["schemas"][name] == library[name] for name in plain)


def test_every_schema_is_referenced_not_copied() -> None:
    raw = yaml.safe_load(spec.openapi_path().read_text("utf-8"))
    file_refs = {ref for ref in refs(raw) if not ref.startswith("#")}
    for ref in file_refs:
        assert (spec.openapi_path().parent / ref.partition("#")[0]).is_file(), ref
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


def test_the_bundle_carries_every_example_file_as_its_value() -> None:
    raw = yaml.safe_load(spec.openapi_path().read_text("utf-8"))
    external = [node["externalValue"] for node in examples(raw)]
    inlined = examples(spec.openapi_document())
    assert external, "openapi.yaml names no example file"
    assert all("externalValue" not in node for node in inlined)
    for name, node in zip(external, inlined, strict=True):
        assert node["value"] == json.loads((spec.openapi_path().parent / name).read_text("utf-8")), name


def examples(node: object) -> list[dict[str, object]]:
    """Every Example Object of ``node``: the entries of its ``examples`` maps, in document order."""
    if isinstance(node, dict):
        own = node.get("examples")
        found = list(own.values()) if isinstance(own, dict) else []
        return found + [example for value in node.values() for example in examples(value)]
    if isinstance(node, list):
        return [example for item in node for example in examples(item)]
    return []


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
    checkout = root.parent / "fixtures"  # spec.fixture reads this folder in a checkout, its copy in a wheel
    assert spec.fixture("users.yaml").read_bytes() == (checkout / "users.yaml").read_bytes()
