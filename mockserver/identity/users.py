"""The user directory (fixtures/users.yaml or ``--users FILE``) and how a request's user is resolved.

Resolution follows spec/DECISIONS.md D11/D12: a username needs a token (140 without); a known user
with a wrong token gets 145; an unknown username 144; an unknown rfid, evco-id or token 140. In
any-user mode every identifier not in the directory that has its type's form (``PLAUSIBLE``, D13) is a
user with its own generated history; one that could not exist is unknown as in the directory mode.
Magic values (mockserver.identity.magic) come first in every mode.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

import spec
from mockserver.data.countries import COUNTRIES
from mockserver.errors import ConfigError, UnknownScenario
from mockserver.identity import magic
from mockserver.scenarios import catalog

# A directory user's identifiers: every identifier-type but "token", whose identifier is the user's
# token (D11) and so comes from the user's ``token``.
MAX_RECORDED_BYTES = 16 * 1024 * 1024  # one recorded answer
DIRECTORY_TYPES = tuple(kind for kind in spec.IDENTIFIER_TYPES if kind != "token")

# D13: the form an identifier needs for any-user mode to invent its user (ASCII only: "²".isdigit()).
PLAUSIBLE: Mapping[str, re.Pattern[str]] = {
    "username": re.compile(
        r"[A-Za-z0-9._%+-]+(@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*)?", re.ASCII
    ),  # e-mail or handle
    "rfid": re.compile(r"[A-Za-z0-9]+", re.ASCII),  # a card's UID in hex, or a readable test card: SLOW1
    "evco-id": re.compile(r"[A-Za-z0-9]+([*-][A-Za-z0-9]+)*", re.ASCII),  # DE*8PS*156456730*9, DE-8PS-...
    "token": re.compile(r"[A-Za-z0-9._~+/=-]+", re.ASCII),  # hex, base64 or URL-safe
}


@dataclass(frozen=True)
class User:
    """A directory user: identifiers per type, an optional token, optional history settings."""

    id: str
    name: str
    identifiers: Mapping[str, str]
    token: str | None
    country: str | None = None
    sessions: int | None = None
    scenario: str | None = None
    recorded: str | None = None  # a recorded answer's file, as users.yaml names it (D46)
    answer: bytes | None = None  # its bytes: this user's success, sent as recorded

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "name": self.name, "identifiers": dict(self.identifiers)}
        out["token"] = self.token
        for key in ("country", "sessions", "scenario", "recorded"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


@dataclass(frozen=True)
class Resolution:
    """The outcome for a request's user: ``code`` 0 means success (the user's history, or a variant)."""

    code: int
    variant: str = "normal"
    user: User | None = None
    why: str = ""

    @property
    def scenario(self) -> str | None:
        """The user's own scenario, only once authenticated: it never stands in for 140/144/145."""
        return self.user.scenario if self.code == 0 and self.user is not None else None


class Directory:
    """Users by (identifier-type, identifier); tokens double as identifiers of type ``token``."""

    def __init__(self, users: list[User], any_user: bool) -> None:
        self.users = users
        self.any_user = any_user
        self._index: dict[tuple[str, str], User] = {}
        for user in users:
            for kind, value in user.identifiers.items():
                self._index[(kind, value)] = user
            if user.token is not None:
                self._index[("token", user.token)] = user

    def find(self, identifier_type: str, identifier: str) -> User | None:
        return self._index.get((identifier_type, identifier))

    def resolve(self, identifier_type: str, identifier: str, token: str | None) -> Resolution:
        found = magic.lookup(identifier_type, identifier, token)
        if found is not None:
            why = f"magic value {found.value!r}"
            return Resolution(found.outcome.code, found.outcome.variant, why=why)
        user = self.find(identifier_type, identifier)
        invent = self.any_user and PLAUSIBLE[identifier_type].fullmatch(identifier) is not None
        return _RULES[identifier_type](invent, user, token)


def _success(user: User | None) -> Resolution:
    if user is None:
        return Resolution(0, why="any-user mode")
    return Resolution(0, user=user, why=f"directory user {user.id!r}")


def _token_matches(user: User, token: str) -> bool:
    return user.token is not None and hmac.compare_digest(user.token.encode(), token.encode())


def _by_username(invent: bool, user: User | None, token: str | None) -> Resolution:
    if token is None:
        return Resolution(140, why="username without a token")
    if user is None:
        if invent:
            return _success(None)
        return Resolution(144, why="unknown username")
    if not _token_matches(user, token):
        return Resolution(145, user=user, why=f"wrong token for user {user.id!r}")
    return _success(user)


def _by_card(invent: bool, user: User | None, token: str | None) -> Resolution:
    if user is None:
        if invent:
            return _success(None)
        return Resolution(140, why="unknown identifier")
    if token is not None and user.token is not None and not _token_matches(user, token):
        return Resolution(145, user=user, why=f"wrong token for user {user.id!r}")
    return _success(user)


def _by_token(invent: bool, user: User | None, token: str | None) -> Resolution:
    del token  # D11: with identifier-type "token" the identifier is the token; the field is ignored.
    if user is None:
        if invent:
            return _success(None)
        return Resolution(140, why="unknown token")
    return _success(user)


# Each rule: (may any-user mode invent this user, the directory's user, the token).
_RULES: dict[str, Callable[[bool, User | None, str | None], Resolution]] = {
    "username": _by_username,
    "rfid": _by_card,
    "evco-id": _by_card,
    "token": _by_token,
}


def load(path: str | Path | None, any_user: bool) -> Directory:
    """The directory in ``path`` (None: no users), checked; ConfigError names the file and the entry."""
    if path is None or path == "":
        return Directory([], any_user)
    source = Path(path)
    try:
        data = yaml.safe_load(source.read_text("utf-8"))
    except OSError as error:
        raise ConfigError(f"{source}: cannot read users file: {error.strerror or error}") from error
    except yaml.YAMLError as error:
        raise ConfigError(f"{source}: cannot read users file: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("users"), list):
        raise ConfigError(f"{source}: expected a mapping with a 'users' list")
    users = [_user(source, index, entry) for index, entry in enumerate(data["users"])]
    _check_unique(source, users)
    return Directory(users, any_user)


def _user(source: Path, index: int, entry: Any) -> User:
    where = f"{source}: users[{index}]"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected a mapping")
    unknown = set(entry) - {
        "id",
        "name",
        "identifiers",
        "token",
        "country",
        "sessions",
        "scenario",
        "notes",
        "recorded",
    }
    if unknown:
        raise ConfigError(f"{where}: unknown keys {sorted(unknown)}")
    user_id, identifiers, token = entry.get("id"), entry.get("identifiers") or {}, entry.get("token")
    if not isinstance(user_id, str) or not user_id:
        raise ConfigError(f"{where}.id: a non-empty string is required")
    if not isinstance(identifiers, dict) or not set(identifiers) <= set(DIRECTORY_TYPES):
        raise ConfigError(f"{where}.identifiers: a mapping with keys from {', '.join(DIRECTORY_TYPES)}")
    low, high = spec.IDENTIFIER_LENGTH
    for kind, value in identifiers.items():
        if not isinstance(value, str) or not low <= len(value) <= high:
            raise ConfigError(f"{where}.identifiers.{kind}: a string of {low}..{high} characters")
    low, high = spec.TOKEN_LENGTH
    if token is not None and (not isinstance(token, str) or not low <= len(token) <= high):
        raise ConfigError(f"{where}.token: a string of {low}..{high} characters, or absent")
    if "username" in identifiers and token is None:
        raise ConfigError(f"{where}: a user with a username needs a token (D12)")
    country = entry.get("country")
    if country is not None and country not in COUNTRIES:
        raise ConfigError(f"{where}.country: one of {', '.join(COUNTRIES)}")
    sessions = entry.get("sessions")
    if sessions is not None and (not isinstance(sessions, int) or not 0 <= sessions <= 5000):
        raise ConfigError(f"{where}.sessions: an integer 0..5000")
    scenario = entry.get("scenario")
    if scenario is not None:
        try:
            catalog.parse(str(scenario))
        except UnknownScenario as error:
            raise ConfigError(f"{where}.scenario: {error.message}") from None
    recorded, answer = _recorded(source, where, entry.get("recorded"))
    name = str(entry.get("name") or user_id)
    return User(user_id, name, dict(identifiers), token, country, sessions, scenario, recorded, answer)


def _recorded(source: Path, where: str, recorded: Any) -> tuple[str | None, bytes | None]:
    """A recorded answer (``--record``): its file, relative to the users file, and its bytes."""
    if recorded is None:
        return None, None
    if not isinstance(recorded, str) or not recorded:
        raise ConfigError(f"{where}.recorded: a file name relative to the users file")
    path = source.parent / recorded
    try:
        answer = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{where}.recorded: cannot read {path}: {error.strerror}") from None
    if len(answer) > MAX_RECORDED_BYTES:
        raise ConfigError(f"{where}.recorded: {path} is over {MAX_RECORDED_BYTES} bytes")
    return recorded, answer


def _check_unique(source: Path, users: list[User]) -> None:
    seen: dict[tuple[str, str], str] = {}
    for user in users:
        keys = [*user.identifiers.items(), *([("token", user.token)] if user.token else []), ("id", user.id)]
        for key in keys:
            if key in seen:
                raise ConfigError(
                    f"{source}: {key[0]} {key[1]!r} belongs to both {seen[key]!r} and {user.id!r}"
                )
            seen[key] = user.id
