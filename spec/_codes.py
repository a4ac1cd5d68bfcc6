"""The result-code table (spec/data/result-codes.json) as read-only values."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType

STATUS_MAPPINGS = ("call-page", "http")


@dataclass(frozen=True)
class ResultCode:
    """One OIOI result code: message, family, HTTP status per mapping, and whether the call page names it."""

    code: int
    message: str
    family: str
    status: Mapping[str, int]
    call_page: bool


@cache
def result_codes() -> Mapping[int, ResultCode]:
    """Every documented result code, keyed by code."""
    data = json.loads(resources.files("spec").joinpath("data/result-codes.json").read_text("utf-8"))
    table = {
        entry["code"]: ResultCode(
            code=entry["code"],
            message=entry["message"],
            family=entry["family"],
            status=MappingProxyType(dict(entry["status"])),
            call_page=entry["call_page"],
        )
        for entry in data["codes"]
    }
    return MappingProxyType(table)
