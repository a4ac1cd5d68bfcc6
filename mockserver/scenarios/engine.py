"""The scenario engine of one app (the Runtime's ``engine``): store, scenario files, reloads."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from mockserver.scenarios.scenario_files import (
    Catalogue,
    Report,
    ScenarioSet,
    Watcher,
    check_sequence,
    json_line,
    load,
)
from mockserver.scenarios.selector import StoreSelector
from mockserver.scenarios.state.base import NewScript, Store
from mockserver.scenarios.state.errors import StateUnavailable
from mockserver.scenarios.state.model import StoredScript
from spec import Problem

log = logging.getLogger(__name__)


class Engine:
    """Scripts, journal and scenario files of one app; ``selector`` is what the protocol route calls."""

    def __init__(
        self,
        store: Store,
        files: Sequence[str] = (),
        builtin: Catalogue | None = None,
        reload: bool = False,
        reload_interval: float = 1.0,
        *,
        report: Report = json_line,
    ):
        """``report`` takes the events of reloads the watcher could not apply (one JSON line each on
        stderr unless told otherwise)."""
        self.store = store
        self.builtin = builtin or Catalogue.builtin()
        self.files = list(files)
        self.scenarios: ScenarioSet = load(self.files, self.builtin) if self.files else ScenarioSet()
        self._lock = threading.Lock()
        # Why the files' scripts are not all in the store yet (None: they are); retried until they are.
        self.pending: str | None = "not installed yet"
        self._retired: set[str] = set()  # sessions whose file scripts a reload replaced, to clean
        self._origins: set[str] = set()  # the files those scripts came from
        self.selector = StoreSelector(store, before_pick=self.ensure_installed)
        self.try_install()
        self.watcher = (
            Watcher(self.files, self.reload, reload_interval, report, retry=self.try_install).start()
            if reload and self.files
            else None
        )

    # Scenario files --------------------------------------------------------------------------

    def try_install(self) -> None:
        """Install the files' scripts if they are pending; while the backend is down, they stay pending
        (tried again on the next request, health check and, with ``--reload-scenarios``, watcher tick)."""
        before = self.pending
        try:
            self.ensure_installed()
        except StateUnavailable as exc:
            if before != self.pending:
                log.warning("scenario-file scripts not installed yet: %s", exc)

    def ensure_installed(self) -> None:
        """Install the files' scripts (and remove those a reload replaced) unless they are in; raises
        StateUnavailable, and they stay pending, when the backend cannot be reached."""
        if self.pending is None:
            return
        with self._lock:
            if self.pending is None:
                return
            try:
                self._sync()
            except StateUnavailable as exc:
                self.pending = str(exc)
                raise
            self.pending = None

    def _sync(self) -> None:
        """Bring the store to the current files (every step is idempotent: an outage half-way through
        leaves nothing that the next attempt does not finish). Holds the lock."""
        wanted = {script.id for script in self.scenarios.scripts}
        for session in sorted(self._retired):
            for stored in self.store.scripts(session):
                if stored.script.origin in self._origins and stored.script.id not in wanted:
                    self.store.delete(session, stored.script.id)
            self._retired.discard(session)
        self._origins.clear()
        for script in self.scenarios.scripts:
            self.store.install(script.session, script.new_script())

    def reload(self) -> ScenarioSet:
        """Re-read the files; on success swap them in and install their scripts (ScenarioFileError if
        bad). When the backend cannot be reached, the new files are in force, their scripts pending
        (StateUnavailable): they are installed as soon as it answers."""
        fresh = load(self.files, self.builtin)
        with self._lock:
            old, self.scenarios = self.scenarios, fresh
            self._retired |= old.sessions() | fresh.sessions()
            self._origins |= {f"file:{path}" for path in (*old.files, *fresh.files)}
            self.pending = "the scenario files changed; installing their scripts"
        self.ensure_installed()
        counts = len(fresh.scenarios), len(fresh.scripts)
        log.info("scenario files reloaded: %d named scenarios, %d scripts", *counts)
        return fresh

    def resolve(self, name: str) -> list[str] | None:
        """The built-in choices a file's composed scenario applies (in order), or None if not one."""
        return self.scenarios.resolve(name)

    # Scripts ---------------------------------------------------------------------------------

    def check_sequence(self, sequence: Sequence[Mapping[str, Any]], prefix: Iterable[Any]) -> list[Problem]:
        return check_sequence(sequence, self.scenarios, self.builtin, list(prefix))

    def scenario_names(self) -> list[str]:
        return [*self.builtin.names, *self.scenarios.scenarios]

    def add_script(
        self, session: str, match: Mapping[str, Any], sequence: Sequence[Mapping[str, Any]], ttl: float | None
    ) -> StoredScript:
        new = NewScript(
            id="s-" + uuid.uuid4().hex[:12],
            match={k: v for k, v in match.items() if v is not None},
            sequence=self.scenarios.expand(sequence),
            ttl=ttl,
        )
        stored = self.store.install(session, new)
        if stored is None:  # a fresh random id cannot collide
            raise RuntimeError("script id collision")
        return stored

    def reset(self, session: str) -> tuple[int, int]:
        """Remove the session's scripts, then re-install its file scripts: (removed, reinstalled)."""
        removed = self.store.reset(session)
        scripts = self.scenarios.for_session(session)
        for script in scripts:
            # None: another worker (one still starting, say) installed it since the reset, as once
            # allows; either way it is installed afresh, so it counts.
            self.store.install(session, script.new_script())
        return removed, len(scripts)

    def close(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
        self.store.close()
