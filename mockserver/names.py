"""The names a client of a mock process shares with the mock, in the standard library alone.

The mock reads them where it serves (``settings``, ``http.routes``); ``mockserver.testing`` and
``serving.process`` read them to start and reach a mock process without importing the mock itself (nor
``spec``, a name an app under test may give a package of its own).
"""

from __future__ import annotations

ENV_PREFIX = "MOCKSERVER_"  # of every flag's environment variable
ADMIN_PATH = "/__mock"  # the admin API, the health page and the dashboard live under it
HEALTH_PATH = ADMIN_PATH + "/health"  # answered once the app runs (process.start_mock waits for it)
ADMIN_TOKEN_FLAG = "admin-token"  # the setting a client needs too: it sends the token as a bearer token


def env_variable(flag: str) -> str:
    """The environment variable of ``flag``: ``any-user`` is ``MOCKSERVER_ANY_USER``."""
    return ENV_PREFIX + flag.upper().replace("-", "_")
