"""Everything a request needs that create_app builds once, the scenario engine included: the app's one
typed root, kept in ``app.extensions`` under ``EXTENSION`` and reached through ``of(app)``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mockserver import settings
from mockserver.data import clock
from mockserver.data.generation import Generator
from mockserver.http.hotpath import AnswerCache
from mockserver.http.request_log import RequestLog
from mockserver.identity import users
from mockserver.identity.parsing import CachedParser
from mockserver.proxy.forward import Upstream
from mockserver.proxy.recording import Recorder
from mockserver.proxy.validation import AnswerJudge
from mockserver.scenarios.behaviour import Compositions
from mockserver.scenarios.effects import Delays
from mockserver.scenarios.engine import Engine
from mockserver.scenarios.selector import Selector
from mockserver.scenarios.state import make_store
from mockserver.scenarios.state.counters import Counters

# The hot path's cache of final answers holds at most this many bytes of bodies (per worker).
ANSWER_CACHE_BYTES = 32 * 1024 * 1024
# Proxy mode: how many distinct upstream answers keep their verdict (each at most CACHED_ANSWER_BYTES).
ANSWER_JUDGE_SIZE = 512

if TYPE_CHECKING:
    from flask import Flask


@dataclass
class Runtime:
    keys: tuple[str, ...]
    # Every credential the mock was given (the API keys, the admin token): a header whose value holds
    # one is journalled redacted, whatever its name (``journal_entries.entry``).
    secrets: tuple[str, ...]
    directory: users.Directory
    generator: Generator
    parser: CachedParser
    answers: AnswerCache
    delays: Delays
    mapping: str
    pin: datetime | None
    self_check: bool
    max_body: int
    log: RequestLog
    paths: tuple[str, ...]
    # The scenario engine: state store, scripts, journal, scenario files (``scenarios.engine``).
    engine: Engine
    # What the protocol path picks scripted steps from and journals into, and the compositions of the
    # scenario files (the engine's own; a test may put another in its place).
    selector: Selector
    files: Compositions | None
    # Counts of what must never happen (``internal_errors``, ``self_check_failures``): the state store's,
    # which add up across workers.
    counters: Counters
    # Proxy mode (--upstream): where requests go, how answers are judged.
    upstream: Upstream | None = None
    profile: str = "strict"
    strict: bool = False
    recorder: Recorder | None = None
    answer_judge: AnswerJudge = field(default_factory=lambda: AnswerJudge(ANSWER_JUDGE_SIZE))

    def count(self, name: str) -> None:
        self.counters.add(name)

    @property
    def internal_errors(self) -> int:
        return self.counters.totals()["internal_errors"]

    @property
    def self_check_failures(self) -> int:
        return self.counters.totals()["self_check_failures"]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Runtime:
        """Raises ScenarioFileError (a ConfigError naming file and JSON path) for a bad scenario file."""
        seed = config["MOCK_SEED"]
        keys = tuple(config["MOCK_API_KEYS"])
        engine = _engine(config)
        runtime = cls(
            engine=engine,
            selector=engine.selector,
            files=engine,  # engine.resolve(name): the parts of a composed scenario
            counters=engine.store.counters,
            keys=keys,
            secrets=tuple(s for s in {*keys, config.get("MOCK_ADMIN_TOKEN") or ""} if s),
            directory=users.load(config["MOCK_USERS_FILE"], bool(config["MOCK_ANY_USER"])),
            generator=Generator(seed, config["MOCK_CACHE_SIZE"]),
            parser=CachedParser(config["MOCK_CACHE_SIZE"]),
            answers=AnswerCache(
                config["MOCK_CACHE_SIZE"] if config["MOCK_ANSWER_CACHE"] else 0, ANSWER_CACHE_BYTES
            ),
            delays=Delays(seed),
            mapping=config["MOCK_STATUS_MAPPING"],
            pin=clock.pinned(config["MOCK_NOW"]),
            self_check=bool(config["MOCK_SELF_CHECK"]),
            max_body=config["MOCK_MAX_BODY_BYTES"],
            log=RequestLog(config["MOCK_LOG_FORMAT"], config["MOCK_LOG_STREAM"]),
            paths=tuple(dict.fromkeys([*settings.PROTOCOL_PATHS, *config["MOCK_PATHS"]])),
            upstream=_upstream(config),
            profile=config["MOCK_UPSTREAM_PROFILE"],
            strict=bool(config["MOCK_UPSTREAM_STRICT"]),
        )
        if config["MOCK_RECORD"]:
            runtime.recorder = Recorder(
                config["MOCK_RECORD"], bool(config["MOCK_ANONYMISE"]), runtime.generator
            )
        return runtime


def _upstream(config: Mapping[str, Any]) -> Upstream | None:
    url = config["MOCK_UPSTREAM"]
    return None if not url else Upstream(url, float(config["MOCK_UPSTREAM_TIMEOUT"]))


def _engine(config: Mapping[str, Any]) -> Engine:
    """The store and the scenario files from ``config``."""
    store = make_store(
        config["MOCK_STATE"],
        config["MOCK_JOURNAL_SIZE"],
        config["MOCK_MAX_SCRIPTS"],
        config["MOCK_JOURNAL_TOTAL"],
        max_sessions=config["MOCK_MAX_SCRIPT_SESSIONS"],
        run_dir=config["MOCK_RUN_DIR"],
    )
    try:
        return Engine(
            store,
            files=[str(path) for path in config["MOCK_SCENARIO_FILES"]],
            reload=bool(config["MOCK_RELOAD_SCENARIOS"]),
            reload_interval=float(config["MOCK_RELOAD_INTERVAL"]),
        )
    except BaseException:
        store.close()
        raise


EXTENSION = "mock"  # the key of the app's Runtime in ``app.extensions``


def of(app: Flask) -> Runtime:
    """The app's Runtime (``create_app`` puts it there)."""
    runtime: Runtime = app.extensions[EXTENSION]
    return runtime
