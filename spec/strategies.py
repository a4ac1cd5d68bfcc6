"""Hypothesis strategies drawn from the spec's schemas: valid data by construction, per profile.

``from_schema(name, profile)`` covers the JSON Schema subset ``spec/schemas`` uses. It never
filters by the validator, so "every drawn value validates" is a real test of both sides.
``FORMAT_STRATEGIES`` is the generator's half of the format table in ``spec._formats``: the
same names, one strategy per profile (also for registering with schemathesis).

Imported on demand (``import spec.strategies``): the mock server does not need hypothesis.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, ClassVar

from hypothesis import strategies as st
from referencing._core import Resolver

from spec._formats import PROFILES, iso4217_codes
from spec._registry import BASE_URI, SCHEMA_NAMES, _registry, load_schema
from spec._walk import map_refs

_MINUTES_IN_A_DAY = 24 * 60


def _offsets() -> st.SearchStrategy[timezone]:
    minutes = st.integers(-_MINUTES_IN_A_DAY + 1, _MINUTES_IN_A_DAY - 1)
    return st.one_of(st.just(UTC), minutes.map(lambda m: timezone(timedelta(minutes=m))))


def _moments() -> st.SearchStrategy[datetime]:
    naive = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2099, 12, 30))
    return st.builds(lambda moment, tz: moment.replace(tzinfo=tz), naive, _offsets())


def _strict_date_time(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat(timespec="seconds")


def _lenient_date_time(moment: datetime, fraction: bool, zulu: bool) -> str:
    text = moment.isoformat(timespec="microseconds" if fraction else "seconds")
    if zulu and moment.utcoffset() == timedelta(0):
        text = text.removesuffix("+00:00") + "Z"
    return text


def _strict_money() -> st.SearchStrategy[str]:
    return st.integers(0, 10**9).map(lambda cents: f"{cents // 100}.{cents % 100:02d}")


FORMAT_STRATEGIES: dict[str, dict[str, st.SearchStrategy[str]]] = {
    "oioi-date-time": {
        "strict": _moments().map(_strict_date_time),
        "lenient": st.builds(_lenient_date_time, _moments(), st.booleans(), st.booleans()),
    },
    "oioi-money": {
        "strict": _strict_money(),
        "lenient": st.one_of(_strict_money(), st.from_regex(r"\A[0-9]{1,9}(\.[0-9]{1,6})?\Z")),
    },
    "iso4217": {profile: st.sampled_from(sorted(iso4217_codes())) for profile in PROFILES},
}


def _absolute(node: Any, name: str) -> Any:
    """A copy whose every ``$ref`` is an absolute URI, so merged branches resolve anywhere."""

    def absolute(ref: str) -> str:
        target, _, fragment = ref.partition("#")
        document = target.rsplit("/", 1)[-1] if target else f"{name}.json"
        return BASE_URI + document + (f"#{fragment}" if fragment else "")

    return map_refs(node, absolute)


def from_schema(name: str, profile: str = "strict") -> st.SearchStrategy[Any]:
    """Values valid against schema ``name`` in ``profile``."""
    load_schema(name)
    registry = _registry({other: _absolute(load_schema(other), other) for other in SCHEMA_NAMES})
    resolver = registry.resolver(BASE_URI + f"{name}.json")
    return _Builder(profile).build({"$ref": BASE_URI + f"{name}.json"}, resolver)


class _Builder:
    def __init__(self, profile: str) -> None:
        self.profile = profile

    # --- resolution and merging -------------------------------------------------------------------
    def resolve(self, schema: Any, resolver: Resolver) -> tuple[Any, Resolver]:
        """Follow ``$ref`` (siblings other than annotations are merged as allOf)."""
        while isinstance(schema, dict) and "$ref" in schema:
            resolved = resolver.lookup(schema["$ref"])
            siblings = {k: v for k, v in schema.items() if k not in ("$ref", "description", "title")}
            if siblings:
                return self.merge([resolved.contents, siblings], resolver), resolver
            schema = resolved.contents
        return schema, resolver

    def merge(self, branches: list[Any], resolver: Resolver) -> Any:
        """One schema equivalent to allOf(branches) for the keywords spec/schemas uses."""
        merged: dict[str, Any] = {}
        for raw in branches:
            branch, _ = self.resolve(raw, resolver)
            if "allOf" in branch:
                rest = {k: v for k, v in branch.items() if k != "allOf"}
                branch = {**self.merge(branch["allOf"], resolver), **rest}
            for key, value in branch.items():
                if key == "properties":
                    props = merged.setdefault("properties", {})
                    for prop, sub in value.items():
                        props[prop] = {"allOf": [props[prop], sub]} if prop in props else sub
                elif key == "required":
                    merged["required"] = sorted(set(merged.get("required", [])) | set(value))
                elif key == "not":
                    merged.setdefault("_nots", []).append(value)
                else:
                    merged[key] = value
        return merged

    # --- generation ------------------------------------------------------------------------------
    def build(self, schema: Any, resolver: Resolver) -> st.SearchStrategy[Any]:
        schema, resolver = self.resolve(schema, resolver)
        if schema is True:
            return st.none()
        if schema is False:
            return st.nothing()
        if "allOf" in schema:
            rest = {k: v for k, v in schema.items() if k != "allOf"}
            schema = self.merge([*schema["allOf"], rest], resolver)
        if "not" in schema:
            schema = {**{k: v for k, v in schema.items() if k != "not"}, "_nots": [schema["not"]]}
        if "if" in schema:
            return st.one_of(self.build(schema["then"], resolver), self.build(schema["else"], resolver))
        for combinator in ("anyOf", "oneOf"):
            if combinator in schema:
                return st.one_of([self.build(branch, resolver) for branch in schema[combinator]])
        nots = schema.get("_nots", [])
        if "const" in schema:
            return st.just(schema["const"])
        if "enum" in schema:
            excluded = [n["const"] for n in nots if "const" in n]
            return st.sampled_from([value for value in schema["enum"] if value not in excluded])
        types = schema.get("type", "object")
        types = types if isinstance(types, list) else [types]
        return st.one_of([self._TYPES[kind](self, schema, resolver) for kind in types])

    def _null(self, schema: dict[str, Any], resolver: Resolver) -> st.SearchStrategy[Any]:
        return st.none()

    def _boolean(self, schema: dict[str, Any], resolver: Resolver) -> st.SearchStrategy[Any]:
        return st.booleans()

    def _integer(self, schema: dict[str, Any], resolver: Resolver) -> st.SearchStrategy[Any]:
        return st.integers(min_value=schema.get("minimum"), max_value=schema.get("maximum"))

    def _number(self, schema: dict[str, Any], resolver: Resolver) -> st.SearchStrategy[Any]:
        low = schema.get("minimum")
        floats = st.floats(min_value=low, allow_nan=False, allow_infinity=False)
        return st.one_of(self._integer(schema, resolver), floats)

    def _string(self, schema: dict[str, Any], resolver: Resolver) -> st.SearchStrategy[Any]:
        if "format" in schema:
            return FORMAT_STRATEGIES[schema["format"]][self.profile]
        if "pattern" in schema:
            return st.from_regex(schema["pattern"])
        return st.text(min_size=schema.get("minLength", 0), max_size=schema.get("maxLength", 40))

    def _array(self, schema: dict[str, Any], resolver: Resolver) -> st.SearchStrategy[Any]:
        items = self.build(schema.get("items", True), resolver)
        return st.lists(items, min_size=schema.get("minItems", 0), max_size=schema.get("maxItems", 4))

    def _object(self, schema: dict[str, Any], resolver: Resolver) -> st.SearchStrategy[Any]:
        forbidden = {name for n in schema.get("_nots", []) for name in n.get("required", [])}
        properties = {k: v for k, v in schema.get("properties", {}).items() if k not in forbidden}
        required = [name for name in schema.get("required", []) if name in properties]
        optional = {k: v for k, v in properties.items() if k not in required}
        return st.fixed_dictionaries(
            {name: self.build(properties[name], resolver) for name in required},
            optional={name: self.build(sub, resolver) for name, sub in optional.items()},
        )

    _TYPES: ClassVar[dict[str, Callable[[_Builder, dict[str, Any], Resolver], st.SearchStrategy[Any]]]] = {
        "null": _null,
        "boolean": _boolean,
        "integer": _integer,
        "number": _number,
        "string": _string,
        "array": _array,
        "object": _object,
    }
