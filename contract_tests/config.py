"""The run's settings as one immutable value (built by ``contract_tests.cli`` or by a caller)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from contract_tests.model import User

# The local mock's demo key and two of its users (``make serve``; fixtures/users.yaml, "demo" and
# "anna"): the credentials of a loopback target given none. Sent to no other target: a remote one
# without credentials is refused.
DEMO_CREDENTIALS = {
    "api_key": "demo-key",
    "identifier_type": "username",
    "identifier": "demo@example.com",
    "token": "87d4e3085af04671834ebeb127df33bf",
    "second_user_type": "username",
    "second_user": "anna.lindqvist@example.se",
    "second_user_token": "5f2b9c1e7a3d4f60b8e1c2d3a4b5c6d7",
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
    """Where the target is, the known-good user on it (and optionally a second one), and how hard to push.

    The field defaults are the suite's only defaults: the command line and the CONTRACT_* variables
    fall back to them, and a field without one is a required option (the credentials of a loopback
    target given none excepted: ``DEMO_CREDENTIALS``).
    """

    base_url: str
    api_key: str
    identifier_type: str
    identifier: str
    token: str | None = None
    second_user_type: str | None = None  # a second known-good user: another person (D40)
    second_user: str | None = None
    second_user_token: str | None = None
    path: str = "/api/v4/request"
    profile: str = "strict"
    seed: int = 0
    max_examples: int = 50
    max_time: float = 300.0
    rate_limit: float = 20.0  # requests per second; 0 = unlimited
    timeout: float = 10.0  # seconds per request
    ca_cert: str | None = None  # an https target's CA file (None: the system's, or REQUESTS_CA_BUNDLE)
    retries: int = 3  # per request, on 429/503 (honouring Retry-After) and dropped connections
    concurrency: int = 4  # requests in flight at once when the two users' are interleaved (D42)
    latency_budget: float | None = None  # milliseconds; the known-good answers' p95 above it fails (D43)
    junitxml: str | None = None
    report: str | None = None
    html: str | None = None
    quiet: bool = False

    @property
    def url(self) -> str:
        return self.url_for(self.path)

    def url_for(self, path: str) -> str:
        """``path`` on the target (with or without its leading slash)."""
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")

    @property
    def users(self) -> tuple[User, ...]:
        """The known-good users this run was given: the known user, and the second one if given."""
        return (User.KNOWN, User.SECOND) if self.second_user is not None else (User.KNOWN,)

    def identity(self, user: User = User.KNOWN) -> dict[str, str]:
        """The user object of a request for one of the known-good users."""
        if user is User.KNOWN:
            kind, identifier, token = self.identifier_type, self.identifier, self.token
        else:
            if self.second_user_type is None or self.second_user is None:
                raise ValueError("no second known-good user was given")
            kind, identifier, token = self.second_user_type, self.second_user, self.second_user_token
        sent = {"identifier-type": kind, "identifier": identifier}
        if token is not None:
            sent["token"] = token
        return sent

    def token_of(self, user: User) -> str | None:
        """What authenticates ``user`` by itself: its token, or its identifier when that is a token (D11)."""
        sent = self.identity(user)
        return sent["identifier"] if sent["identifier-type"] == "token" else sent.get("token")

    def secrets(self) -> tuple[tuple[str, str], ...]:
        """(what, value) no answer may disclose to a request that did not send it (values shorter than
        six characters are left out: they could appear by chance)."""
        named = (
            ("the API key", self.api_key),
            ("the known user's token", self.token),
            ("the second user's token", self.second_user_token),
        )
        return tuple((what, value) for what, value in named if value is not None and len(value) >= 6)

    def auth_header(self) -> dict[str, str]:
        return {"Authorization": f"key={self.api_key}"}
