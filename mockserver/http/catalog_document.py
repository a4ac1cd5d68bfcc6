"""The ``GET /__mock/catalog`` document: the scenarios, the magic values and the users, with a curl
command for each (``curl_lines``)."""

from __future__ import annotations

from typing import Any

from mockserver.http.curl_lines import curl, demo_user
from mockserver.identity import magic
from mockserver.identity.users import Directory
from mockserver.scenarios import catalog


def _magic_user(entry: magic.MagicValue) -> dict[str, str]:
    if entry.field == "token-field":
        return {"identifier-type": "rfid", "identifier": "04A2B3C4D5E6F7", "token": entry.value}
    user = {"identifier-type": entry.field, "identifier": entry.value}
    if entry.field == "username":
        user["token"] = "any-token"
    return user


def document(base: str, key: str, directory: Directory) -> dict[str, Any]:
    """The catalogue: scenarios and magic values, each with its curl command, and the users."""
    demo = demo_user(directory)
    scenarios = [
        {**s.as_dict(), "curl": curl(base, key, demo, {"X-Mock-Scenario": s.name})}
        for s in catalog.catalog().values()
    ]
    values = [
        {
            "field": "token" if m.field == "token-field" else "identifier",
            "identifier-type": None if m.field == "token-field" else m.field,
            "value": m.value,
            "outcome": {"code": m.outcome.code, "variant": m.outcome.variant},
            "description": m.description,
            "curl": curl(base, key, _magic_user(m)),
        }
        for m in magic.MAGIC_VALUES
    ]
    return {
        "scenario-header": "X-Mock-Scenario: <name>[; param=value ...], e.g. 'latency-fixed; ms=200'",
        "clock-header": "X-Mock-Now: <RFC 3339 date-time>, e.g. 2024-06-23T18:00:00+02:00",
        "scenarios": scenarios,
        "magic-values": values,
        "users": [user.as_dict() for user in directory.users],
        "any-user": directory.any_user,
    }
