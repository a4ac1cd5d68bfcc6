"""The run's settings as one immutable value (built by ``contract_tests.cli`` or by a caller)."""

from __future__ import annotations

import dataclasses
import ipaddress
import math
import os
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import spec
from contract_tests.errors import CannotJudge
from contract_tests.model import User

COMMAND, MODULE = "oioi-contract", "python -m contract_tests"  # the two ways the suite is started

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


def _text(value: Any) -> None:
    if not isinstance(value, str) or value == "":
        raise ValueError("must be a non-empty string")


def _header_text(value: Any) -> None:  # sent in a header: a line break there would split it
    _text(value)
    if any(ord(character) < 32 or ord(character) == 127 for character in value):
        raise ValueError("must not contain control characters (it is sent in a header)")


def _one_of(choices: tuple[str, ...]) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if value not in choices:
            raise ValueError(f"not one of {', '.join(choices)}")

    return check


def _integer(least: int | None = None) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError("not an integer")
        if least is not None and value < least:
            raise ValueError(f"must be at least {least}")

    return check


def _number(above_zero: bool) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError("not a number")
        if above_zero and not value > 0:
            raise ValueError("must be a number > 0")
        if not value >= 0:
            raise ValueError("must be a number >= 0")

    return check


def _url(value: Any) -> None:
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError("must be an http:// or https:// URL with a host")


def _ca_file(value: Any) -> None:
    if not isinstance(value, str) or not os.path.isfile(value) or not os.access(value, os.R_OK):
        raise ValueError("no readable file there")
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=value)
    except ssl.SSLError as exc:
        raise ValueError(f"not a PEM certificate ({exc.reason or exc})") from exc


def _har_file(value: Any) -> None:
    if not isinstance(value, str) or not os.path.isfile(value) or not os.access(value, os.R_OK):
        raise ValueError("no readable file there")


def _optional(check: Callable[[Any], None]) -> Callable[[Any], None]:
    def optional(value: Any) -> None:
        if value is not None:
            check(value)

    return optional


def _flag(value: Any) -> None:
    if not isinstance(value, bool):
        raise ValueError("must be True or False")


# What each field accepts, for the command line and a caller alike: a check raising ValueError(why).
RULES: dict[str, Callable[[Any], None]] = {
    "base_url": _url,
    "api_key": _header_text,
    "identifier_type": _one_of(spec.IDENTIFIER_TYPES),
    "identifier": _text,
    "har": _optional(_har_file),
    "token": _optional(_text),
    "second_user_type": _optional(_one_of(spec.IDENTIFIER_TYPES)),
    "second_user": _optional(_text),
    "second_user_token": _optional(_text),
    "path": _text,
    "profile": _one_of(spec.PROFILES),
    "seed": _integer(),
    "max_examples": _integer(least=1),
    "max_time": _number(above_zero=True),
    "rate_limit": _number(above_zero=False),
    "timeout": _number(above_zero=True),
    "ca_cert": _optional(_ca_file),
    "retries": _integer(least=0),
    "concurrency": _integer(least=1),
    "latency_budget": _optional(_number(above_zero=True)),
    "junitxml": _optional(_text),
    "report": _optional(_text),
    "html": _optional(_text),
    "quiet": _flag,
}


def second_user_problem(values: Mapping[str, Any], name: Callable[[str], str]) -> str | None:
    """Why the second user in ``values`` (fields given) is not given whole (its token optional) or is the
    known user again, naming fields by ``name``; None when it is fine."""
    given = {field for field, value in values.items() if value is not None}
    if ("second_user_type" in given) != ("second_user" in given):
        return f"a second user needs both {name('second_user_type')} and {name('second_user')}"
    if "second_user_token" in given and "second_user" not in given:
        return (
            f"{name('second_user_token')} without a second user: give {name('second_user_type')} and "
            f"{name('second_user')}"
        )
    if "second_user" in given and (values["second_user_type"], values["second_user"]) == (
        values.get("identifier_type"),
        values.get("identifier"),
    ):
        return (
            f"the second user is the known user again; give another person in {name('second_user_type')} "
            f"and {name('second_user')}"
        )
    return None


# What a live run needs and a HAR run (``har``: exchanges judged offline) does not. Unset, they are "".
LIVE_REQUIRED = ("base_url", "api_key", "identifier_type", "identifier")
# The paths of the call (D21); a HAR run also judges the exchanges of ``Config.path`` when another.
CALL_PATHS = ("/api/v4/request", "/api/v3/request")


@dataclass(frozen=True)
class Config:
    """Where the target is, the known-good user on it (and optionally a second one), and how hard to push;
    or, with ``har``, the HAR file whose recorded exchanges are judged offline.

    The field defaults are the suite's only defaults: the command line and the CONTRACT_* variables
    fall back to them. A live run requires the fields of ``LIVE_REQUIRED`` (the credentials of a
    loopback target given none excepted: ``DEMO_CREDENTIALS``); a HAR run needs none of them, and
    takes the API key and tokens given as secrets no answer may disclose.
    """

    base_url: str = ""
    api_key: str = ""
    identifier_type: str = ""
    identifier: str = ""
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
    har: str | None = None  # a HAR 1.2 file (browser devtools, Charles, Proxyman, mitmproxy, the mock)

    def __post_init__(self) -> None:
        """CannotJudge naming the first field whose value ``RULES`` refuses (before anything is sent)."""
        values = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        for field, value in values.items():
            if field in LIVE_REQUIRED and value == "" and self.har is not None:
                continue  # a HAR run needs none of them
            try:
                RULES[field](value)
            except ValueError as exc:
                raise CannotJudge(f"bad options: {field}: {value!r}: {exc}") from exc
        if self.har is not None and self.base_url:
            raise CannotJudge("bad options: har judges a file offline, base_url a live target: give one")
        problem = second_user_problem(values, str)
        if problem is not None:
            raise CannotJudge(f"bad options: {problem}")

    @property
    def target(self) -> str:
        """What the run judges, for reports: the call on the target, or the HAR file."""
        return f"HAR file {self.har}" if self.har is not None else f"POST {self.url}"

    @property
    def paths(self) -> tuple[str, ...]:
        """The paths whose recorded exchanges are the call's (a HAR run)."""
        return CALL_PATHS if self.path in CALL_PATHS else (*CALL_PATHS, self.path)

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
