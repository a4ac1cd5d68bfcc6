"""The store interface every backend implements: scripts per session, and a journal ring per session."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import spec
from mockserver import settings
from mockserver.scenarios.state.counters import Counters, LocalCounters
from mockserver.scenarios.state.model import Script, StoredScript

# Session ids name Redis keys: no braces (hash tags), no spaces, bounded.
SESSION_PATTERN = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
DEFAULT_JOURNAL_SIZE: int = settings.default("MOCK_JOURNAL_SIZE")
DEFAULT_MAX_SCRIPTS: int = settings.default("MOCK_MAX_SCRIPTS")


SESSION_HEADER = "X-Mock-Session"
SESSION_RULE = "a session id is 1 to 128 characters of A-Z a-z 0-9 . _ : @ / + = -"


def valid_session(value: str) -> bool:
    """True when ``value`` may be used as an ``X-Mock-Session`` id."""
    return SESSION_PATTERN.fullmatch(value) is not None


def session_problem(value: str | None, where: str) -> spec.Problem | None:
    """The problem with a session id a client sent at ``where`` (None: absent or usable).

    The one check of every place a session id arrives: the ``X-Mock-Session`` header of a protocol or
    an admin request, ``?session=`` of an admin request, and a session base URL's path.
    """
    if value is None or valid_session(value):
        return None
    return spec.Problem(where, f"{value[:140]!r}: {SESSION_RULE}")


@dataclass(frozen=True)
class ScriptStep:
    """One consumed step: which script served it, its scenario, and the step's index (0-based).

    ``hold``: the store's token for a step that stays taken only once the journal entry of its answer
    is written (``Store.append_entry``); empty when taking it is final.
    """

    script_id: str
    scenario: str
    index: int
    hold: str = ""


@dataclass(frozen=True)
class NewScript:
    """A script to install: the store assigns its order, creation time and expiry."""

    id: str
    match: Mapping[str, str]
    sequence: list[dict[str, Any]]
    ttl: float | None = None
    origin: str = "api"
    digest: str = ""
    once: bool = False  # install at most once per session until reset (file scripts: a restart re-adds none)


@dataclass(frozen=True)
class SessionJournal:
    """A session's journal, newest first, and whether entries of it were dropped to make room (then it
    is not the session's whole history, until the journal is cleared)."""

    entries: list[dict[str, Any]]
    evicted: bool = False


class Store(ABC):
    """Scripts and journal, scoped by session. Every method is safe to call from many threads.

    Backends raise ``StateUnavailable`` when they cannot reach their storage.
    """

    kind: ClassVar[str]

    def __init__(self, journal_size: int = DEFAULT_JOURNAL_SIZE, max_scripts: int = DEFAULT_MAX_SCRIPTS):
        if journal_size < 1:
            raise ValueError("journal size must be at least 1")
        self.journal_size = journal_size
        self.max_scripts = max_scripts
        self.counters: Counters = LocalCounters()  # what /__mock/health counts, as widely as the state

    # Scripts ---------------------------------------------------------------------------------

    @abstractmethod
    def install(self, session: str, new: NewScript) -> StoredScript | None:
        """Install a script unless one with the same id exists (then None). Raises TooManyScripts.

        With ``new.once``, also None when a script of that id was ever installed since the last reset.
        """

    @abstractmethod
    def scripts(self, session: str) -> list[StoredScript]:
        """Every live script of the session: active ones in precedence order, then exhausted ones."""

    @abstractmethod
    def delete(self, session: str, script_id: str) -> bool:
        """Remove one script; False when there was none."""

    @abstractmethod
    def reset(self, session: str) -> int:
        """Remove every script of the session; returns how many there were."""

    @abstractmethod
    def take(self, session: str, request: Mapping[str, Any]) -> ScriptStep | None:
        """Atomically consume the next step of the best matching script (see ``model``), or None."""

    def script(self, session: str, script_id: str) -> StoredScript | None:
        """One live script, or None."""
        return next((s for s in self.scripts(session) if s.script.id == script_id), None)

    # Journal ---------------------------------------------------------------------------------

    @abstractmethod
    def append_entry(self, session: str, entry: Mapping[str, Any], step: ScriptStep | None = None) -> None:
        """Append one entry to the session's journal ring (the oldest falls out beyond the size).

        ``step``: the scripted step the entry's answer came from. When the entry cannot be written
        (StateUnavailable: the client then gets 503), the step is given back: a step stays taken if
        and only if the journal records its answer.
        """

    @abstractmethod
    def read_journal(self, session: str) -> SessionJournal:
        """The session's journal, newest first, and whether entries of it were evicted."""

    def entries(self, session: str) -> list[dict[str, Any]]:
        """The session's journal, newest first."""
        return self.read_journal(session).entries

    @abstractmethod
    def clear_journal(self, session: str) -> int:
        """Empty the session's journal and forget that it was evicted; returns how many entries it held."""

    @abstractmethod
    def eviction(self) -> str:
        """Why an evicted journal was dropped, and how to keep more: one clause for messages."""

    # Operation -------------------------------------------------------------------------------

    @abstractmethod
    def ping(self) -> None:
        """Return when the backend answers; raise StateUnavailable otherwise."""

    def describe(self) -> dict[str, Any]:
        """What the admin API shows about this store."""
        return {"backend": self.kind, "journal-size": self.journal_size, "max-scripts": self.max_scripts}

    def close(self) -> None:  # noqa: B027 - optional hook, most stores hold nothing to release
        """Release connections."""


def ordered(stored: list[StoredScript]) -> list[StoredScript]:
    """Active scripts in precedence order, then exhausted ones oldest first."""
    return sorted(stored, key=lambda s: (s.exhausted, s.script.rank))


def build(new: NewScript, seq: int, now: float) -> Script:
    """The Script a store keeps for ``new``, installed at ``now`` as number ``seq`` of its session."""
    return Script(
        id=new.id,
        match={k: v for k, v in new.match.items() if v is not None},
        sequence=new.sequence,
        seq=seq,
        created=now,
        expires=None if new.ttl is None else now + new.ttl,
        origin=new.origin,
        digest=new.digest,
    )
