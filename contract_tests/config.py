"""The run's settings as one immutable value (built by ``contract_tests.cli`` or by a caller)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

# The local mock's demo key and user (``make serve``; fixtures/users.yaml): the credentials of a
# loopback target given none. Sent to no other target: a remote one without credentials is refused.
DEMO_CREDENTIALS = {
    "api_key": "demo-key",
    "identifier_type": "username",
    "identifier": "demo@example.com",
    "token": "87d4e3085af04671834ebeb127df33bf",
}


def is_loopback(url: str) -> bool:
    """Whether ``url`` names this machine by a loopback address: localhost, 127.0.0.0/8 or ::1."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name other than localhost: it could resolve anywhere
        return False


@dataclass(frozen=True)
class Config:
    """Where the target is, the one known-good user on it, and how hard to push.

    The field defaults are the suite's only defaults: the command line and the CONTRACT_* variables
    fall back to them, and a field without one is a required option (the credentials of a loopback
    target given none excepted: ``DEMO_CREDENTIALS``).
    """

    base_url: str
    api_key: str
    identifier_type: str
    identifier: str
    token: str | None = None
    path: str = "/api/v4/request"
    profile: str = "strict"
    seed: int = 0
    max_examples: int = 50
    max_time: float = 300.0
    rate_limit: float = 20.0  # requests per second; 0 = unlimited
    timeout: float = 10.0  # seconds per request
    retries: int = 3  # per request, on 429/503 (honouring Retry-After) and dropped connections
    junitxml: str | None = None
    report: str | None = None
    quiet: bool = False

    @property
    def url(self) -> str:
        return self.url_for(self.path)

    def url_for(self, path: str) -> str:
        """``path`` on the target (with or without its leading slash)."""
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")

    def identity(self) -> dict[str, str]:
        """The known-good user object of a request."""
        user = {"identifier-type": self.identifier_type, "identifier": self.identifier}
        if self.token is not None:
            user["token"] = self.token
        return user

    def secrets(self) -> tuple[tuple[str, str], ...]:
        """(what, value) no answer may disclose to a request that did not send it (values shorter than
        six characters are left out: they could appear by chance)."""
        named = (("the API key", self.api_key), ("the known user's token", self.token))
        return tuple((what, value) for what, value in named if value is not None and len(value) >= 6)

    def auth_header(self) -> dict[str, str]:
        return {"Authorization": f"key={self.api_key}"}
