"""``--record DIR``: each user's last successful upstream answer, kept as a user directory the mock
replays with ``--users DIR/users.yaml`` (D46).

``DIR/users.yaml`` names one user per identifier the app asked for, with ``recorded:`` pointing at
``DIR/histories/<id>.json``, the answer's bytes as the upstream sent them. Secrets are never written:
the partner key is not part of an answer, and each user's token is replaced by one generated from
the user's id (shown in users.yaml: the demo world's apps use it). With ``anonymise`` the identifiers,
addresses and external session ids are generated too (the body is then written anew as JSON): an
address by the locale of the session's own country (the one its currency and time zone say, so the
three stay consistent), the same address for every session at one charging station; a null or
empty address stays as it was.

Several workers may record into one directory: a history is written whole (a temporary file renamed
over it) and users.yaml is updated under an exclusive lock of ``DIR/.lock``.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import secrets
import tempfile
import threading
from pathlib import Path
from typing import Any

import orjson
import yaml

from mockserver.data.countries import session_country
from mockserver.data.generation import Generator
from mockserver.data.seeding import stable_int
from mockserver.identity.parsing import Call

USERS_FILE = "users.yaml"
HISTORIES = "histories"
HEADER = (
    "# Recorded by python -m mockserver --record: each user's last successful answer of the upstream.\n"
    "# Replay with: python -m mockserver --users {path}\n"
    "# Tokens are generated (the real ones are never written): use these with the mock.\n"
)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


class Recorder:
    """Keeps answers in ``directory`` (made when the first answer is kept)."""

    def __init__(self, directory: str | Path, anonymise: bool, generator: Generator) -> None:
        self.directory = Path(directory)
        self.anonymise = anonymise
        self.generator = generator
        self._listed: set[str] = set()  # users this process knows to be in users.yaml
        self._written: dict[str, str] = {}  # user id -> digest of the history last written
        self._lock = threading.Lock()
        self._salted: str | None = None

    def _salt(self) -> str:
        """The directory's random salt of user ids (``DIR/.salt``, made once, shared by all workers):
        an id says nothing of the identifier it stands for. Replaying does not need the file."""
        if self._salted is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / ".salt"
            try:
                with open(path, "x", encoding="ascii") as out:
                    out.write(secrets.token_hex(16))
            except FileExistsError:
                pass
            self._salted = path.read_text("ascii").strip()
        return self._salted

    def keep(self, call: Call, body: bytes) -> None:
        """Record ``body``, a successful answer to ``call``."""
        user_id = "rec-" + _digest(self._salt(), call.identifier_type, call.identifier)[:12]
        data = self._anonymised(user_id, body) if self.anonymise else body
        digest = _digest(data.decode("utf-8", "replace"))
        with self._lock:
            if self._written.get(user_id) == digest and user_id in self._listed:
                return
            histories = self.directory / HISTORIES
            histories.mkdir(parents=True, exist_ok=True)
            _write_whole(histories / f"{user_id}.json", data)
            self._written[user_id] = digest
            if user_id not in self._listed:
                self._list(self._entry(user_id, call))
                self._listed.add(user_id)

    def _entry(self, user_id: str, call: Call) -> dict[str, Any]:
        token = _digest("token", user_id)[:32]
        kind, identifier = call.identifier_type, call.identifier
        identifiers: dict[str, str] = {}
        if kind != "token":  # a token identifier is the user's token: the generated one replaces it
            identifiers[kind] = _generated_identifier(kind, user_id) if self.anonymise else identifier
        needs_token = kind in ("username", "token") or call.token is not None
        entry: dict[str, Any] = {"id": user_id, "name": f"Recorded {kind} user", "identifiers": identifiers}
        if needs_token:
            entry["token"] = token
        entry["recorded"] = f"{HISTORIES}/{user_id}.json"
        return entry

    def _list(self, entry: dict[str, Any]) -> None:
        """Add ``entry`` to users.yaml (replacing one of the same id), under the directory's lock."""
        path = self.directory / USERS_FILE
        with open(self.directory / ".lock", "a", encoding="utf-8") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                users: list[dict[str, Any]] = []
                if path.exists():
                    users = list((yaml.safe_load(path.read_text("utf-8")) or {}).get("users") or [])
                users = [user for user in users if user.get("id") != entry["id"]] + [entry]
                text = HEADER.format(path=path) + yaml.safe_dump({"users": users}, sort_keys=False)
                _write_whole(path, text.encode("utf-8"))
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _anonymised(self, user_id: str, body: bytes) -> bytes:
        data = orjson.loads(body)
        sessions = data.get("user", {}).get("sessions") if isinstance(data, dict) else None
        for index, session in enumerate(sessions if isinstance(sessions, list) else []):
            if not isinstance(session, dict):
                continue
            if isinstance(session.get("address"), str) and session["address"]:  # a null tells nothing
                country = session_country(session)
                station = session.get("charging-station-id")
                if isinstance(station, int | str) and not isinstance(station, bool):
                    seed = stable_int(self.generator.seed, "address", country.code, repr(station))
                else:  # no station to keep one address for: the charging session's own
                    seed = stable_int(self.generator.seed, user_id, "address", index)
                session["address"] = self.generator.station(seed, country).address
            if "external-session-id" in session:
                session["external-session-id"] = "rec-" + _digest(user_id, "session", str(index))[:24]
        return orjson.dumps(data)


def unwritable(directory: str | Path) -> str | None:
    """Why answers cannot be recorded in ``directory`` (checked at start, by making it and its
    histories folder and writing a file there), or None. Later a failed write costs only a log line."""
    histories = Path(directory) / HISTORIES
    try:
        histories.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=histories):
            pass
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as error:
        return f"cannot write recordings in {directory}: {error.strerror or error}"
    return None


def _generated_identifier(kind: str, user_id: str) -> str:
    digest = _digest("identifier", kind, user_id)
    if kind == "username":
        return f"{user_id}@example.com"
    if kind == "rfid":
        return digest[:14].upper()
    return f"XX*REC*C{int(digest[:10], 16) % 10**8:08d}*0"  # evco-id: an eMA id of no real provider


def _write_whole(path: Path, data: bytes) -> None:
    """Write ``path`` so that a reader sees the old file or the new one, never half of one."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)  # readable as any file the user writes (mkstemp makes it private)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
