"""Configuration keys (all prefixed ``MOCK_``), their defaults, and the checks create_app runs on them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import spec
from mockserver.errors import ConfigError

DEMO_API_KEY = "demo-key"
DEFAULT_USERS_FILE = str(Path(__file__).resolve().parent.parent / "fixtures" / "users.yaml")
PROTOCOL_PATHS = ("/api/v4/request", "/api/v3/request")
LOG_FORMATS = ("json", "text", "off")

DEFAULTS: dict[str, Any] = {
    "MOCK_API_KEYS": [DEMO_API_KEY],
    "MOCK_ANY_USER": False,
    "MOCK_SEED": 0,
    "MOCK_USERS_FILE": DEFAULT_USERS_FILE,
    "MOCK_STATUS_MAPPING": "call-page",
    "MOCK_NOW": None,
    "MOCK_SELF_CHECK": False,
    "MOCK_LOG_FORMAT": "json",
    "MOCK_PATHS": [],
    "MOCK_MAX_BODY_BYTES": 64 * 1024,
    "MOCK_CACHE_SIZE": 4096,
    "MOCK_ANSWER_CACHE": True,  # the hot path (mockserver.hotpath): repeated requests from final bytes
    # Helper B's shared-state subsystem (mockserver.admin) reads these.
    "MOCK_STATE": None,
    "MOCK_SCENARIO_FILES": [],
    "MOCK_JOURNAL_SIZE": 10_000,
    "MOCK_RELOAD_SCENARIOS": False,
}


def check(config: Mapping[str, Any]) -> None:
    """Raise ConfigError naming the first unusable value."""
    if config["MOCK_STATUS_MAPPING"] not in spec.STATUS_MAPPINGS:
        raise ConfigError(
            f"MOCK_STATUS_MAPPING={config['MOCK_STATUS_MAPPING']!r}; "
            f"use one of {', '.join(spec.STATUS_MAPPINGS)}"
        )
    if config["MOCK_LOG_FORMAT"] not in LOG_FORMATS:
        raise ConfigError(
            f"MOCK_LOG_FORMAT={config['MOCK_LOG_FORMAT']!r}; use one of {', '.join(LOG_FORMATS)}"
        )
    keys = config["MOCK_API_KEYS"]
    if isinstance(keys, str) or not keys or not all(isinstance(k, str) and k for k in keys):
        raise ConfigError("MOCK_API_KEYS must be a non-empty list of non-empty strings")
    for name in ("MOCK_MAX_BODY_BYTES", "MOCK_CACHE_SIZE", "MOCK_SEED"):
        value = config[name]
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"{name}={value!r} must be a non-negative integer")
    for path in config["MOCK_PATHS"]:
        if not isinstance(path, str) or not path.startswith("/") or path.startswith("/__mock"):
            raise ConfigError(f"MOCK_PATHS entry {path!r} must start with '/' and not with '/__mock'")
