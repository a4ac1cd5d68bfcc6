"""Scenario files: named scenarios composed from the built-in catalogue, and scripts installed at start.

A file (YAML or JSON; ``--scenarios PATH`` takes files or folders of ``*.yaml``, ``*.yml``, ``*.json``)
is validated against ``mockserver/state/scenario-file.schema.json``, then against the catalogue.
Every problem names the file and the JSON path inside it. See ``fixtures/scenarios/`` for examples.

- ``scenarios.NAME.sequence``: a named sequence; a script step naming it expands to its steps
  (``times`` repeats the whole sequence).
- ``scenarios.NAME.compose``: built-in scenarios applied together to one request (latency + a result
  code); the server's effects resolve it with ``ScenarioSet.resolve``.
- ``scripts``: installed at start in their session (once: a worker restart does not re-add a used or
  deleted one; ``DELETE /__mock/scenarios`` resets a session to them).

With ``--reload-scenarios`` a ``Watcher`` re-reads the files when they change; an edit that does not
load leaves the previous scenarios in force and is reported as one JSON line (``rejected``).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import yaml

from mockserver.errors import BadScenarioParameter, ConfigError, StateUnavailable, UnknownScenario
from mockserver.scenarios import catalog
from mockserver.scenarios.state import DEFAULT_SESSION, NewScript
from mockserver.scenarios.state.model import digest, normalise_sequence
from mockserver.scenarios.state.schemas import problems as schema_problems
from spec import Problem, json_path

SUFFIXES = (".yaml", ".yml", ".json")
MAX_STEPS = 1000  # steps of one script once named sequences are expanded
FILE_SCHEMA = "scenario-file.schema.json"
log = logging.getLogger(__name__)


class ScenarioFileError(ConfigError):
    """A scenario file is missing, unreadable or invalid; the message names the file and JSON paths."""

    def __init__(self, message: str, file: Path, problems: Sequence[Problem]) -> None:
        super().__init__(message)
        self.file = str(file)
        self.problems = tuple(problems)


Report = Callable[[dict[str, Any]], None]  # takes one event: a JSON-able mapping with an "event" key


@dataclass(frozen=True)
class Catalogue:
    """What the loader needs of the built-in catalogue: its names, and a check of one choice string."""

    names: Collection[str]
    check: Callable[[str], None]  # raises UnknownScenario (with the names that exist)

    @classmethod
    def builtin(cls) -> Catalogue:
        def check(text: str) -> None:
            catalog.parse(text)

        return cls(catalog.names(), check)


@dataclass(frozen=True)
class Named:
    """A scenario a file defines: a named sequence or a composition of built-in ones."""

    name: str
    description: str
    source: str
    sequence: tuple[Mapping[str, Any], ...] = ()
    compose: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return "sequence" if self.sequence else "compose"

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"name": self.name, "kind": self.kind, "description": self.description}
        body |= {"sequence": list(self.sequence)} if self.sequence else {"compose": list(self.compose)}
        return body | {"source": self.source}


@dataclass(frozen=True)
class FileScript:
    """A script a file installs at start."""

    source: str
    index: int
    session: str
    match: Mapping[str, Any]
    sequence: tuple[Mapping[str, Any], ...]

    @property
    def id(self) -> str:
        # Derived from content: every worker and host computes the same id, so installing is idempotent.
        return "file-" + digest(self.source, self.index, self.session, self.match, self.sequence)

    def new_script(self) -> NewScript:
        return NewScript(
            id=self.id,
            match={k: v for k, v in self.match.items() if v is not None},
            sequence=[dict(step) for step in self.sequence],
            origin=f"file:{self.source}",
            once=True,
        )


@dataclass(frozen=True)
class ScenarioSet:
    """Everything the scenario files define (empty when there are none)."""

    scenarios: Mapping[str, Named] = field(default_factory=dict)
    scripts: tuple[FileScript, ...] = ()
    files: tuple[str, ...] = ()

    def resolve(self, name: str) -> list[str] | None:
        """The built-in choices a composed scenario applies, or None when ``name`` is not one."""
        named = self.scenarios.get(name.split(";", maxsplit=1)[0].strip())
        return list(named.compose) if named is not None and named.compose else None

    def expand(self, sequence: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Steps with every named sequence replaced by its steps (repeated ``times`` times)."""
        out: list[dict[str, Any]] = []
        for step in normalise_sequence(list(sequence)):
            named = self.scenarios.get(step["scenario"])
            if named is not None and named.sequence:
                out.extend(dict(inner) for _ in range(step["times"]) for inner in named.sequence)
            else:
                out.append(step)
        return out

    def expanded_length(self, sequence: Iterable[Mapping[str, Any]]) -> int:
        """How many steps ``expand`` would return (checked before expanding)."""
        total = 0
        for step in normalise_sequence(list(sequence)):
            named = self.scenarios.get(step["scenario"])
            total += len(named.sequence) * step["times"] if named is not None and named.sequence else 1
        return total

    def sessions(self) -> set[str]:
        return {script.session for script in self.scripts}

    def choices(self) -> Iterator[tuple[str, str]]:
        """Every built-in choice the files use, with where: (``file.yaml $.scripts[0]``, ``reset``)."""
        for script in self.scripts:
            where = f"{script.source} {json_path(['scripts', script.index])}"
            for step in script.sequence:
                for choice in self.resolve(step["scenario"]) or [step["scenario"]]:
                    yield where, choice
        for named in self.scenarios.values():
            where = f"{named.source} {json_path(['scenarios', named.name])}"
            for choice in (*named.compose, *(step["scenario"] for step in named.sequence)):
                yield where, choice

    def for_session(self, session: str) -> list[FileScript]:
        return [script for script in self.scripts if script.session == session]


def check_sequence(
    sequence: Sequence[Mapping[str, Any]],
    known: ScenarioSet,
    builtin: Catalogue,
    prefix: Sequence[Any],
    allow_sequences: bool = True,
) -> list[Problem]:
    """Problems with the scenario names of a sequence already valid against its schema."""
    found = []
    for index, step in enumerate(sequence):
        text = str(step["scenario"])
        path = json_path([*prefix, index, "scenario"])
        name = text.split(";", maxsplit=1)[0].strip()
        named = known.scenarios.get(name)
        if named is not None:
            if name != text.strip():
                found.append(Problem(path, f"scenario {name!r} comes from a file and takes no parameters"))
            elif named.sequence and not allow_sequences:
                found.append(Problem(path, f"{name!r} is a named sequence; sequences do not nest"))
            continue
        try:
            builtin.check(text)
        except UnknownScenario as exc:
            listed = known.scenarios and not isinstance(exc, BadScenarioParameter)
            extra = f"; from files: {', '.join(known.scenarios)}" if listed else ""
            found.append(Problem(path, exc.message + extra, "scenario"))
    if not found and allow_sequences and known.expanded_length(sequence) > MAX_STEPS:
        steps = known.expanded_length(sequence)
        found.append(Problem(json_path(prefix), f"expands to {steps} steps; at most {MAX_STEPS}", "maxItems"))
    return found


def discover(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The scenario files ``paths`` name: files as given, folders' ``*.yaml|*.yml|*.json`` sorted."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix in SUFFIXES and p.is_file()))
        elif path.is_file():
            found.append(path)
        else:
            why = "no such file or folder"
            raise ScenarioFileError(f"scenario file {path}: {why}", path, [Problem("$", why)])
    return found


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text("utf-8"))
    except OSError as exc:
        why = f"cannot read it ({exc.strerror})"
    except UnicodeDecodeError as exc:
        why = f"not UTF-8 (byte {exc.start})"
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        why = f"{where}not valid YAML ({getattr(exc, 'problem', None) or exc})"
    error = ScenarioFileError(f"scenario file {path}: {why}", path, [Problem("$", why)])
    raise error from None


def _fail(path: Path, problems: Sequence[Problem]) -> ScenarioFileError:
    lines = [f"scenario file {path}: {p.path}: {p.message}" for p in problems]
    return ScenarioFileError("\n".join(lines), path, problems)


def load(paths: Iterable[str | os.PathLike[str]], builtin: Catalogue | None = None) -> ScenarioSet:
    """Read, validate and combine scenario files; ScenarioFileError on the first bad file."""
    builtin = builtin or Catalogue.builtin()
    files = discover(paths)
    documents = []
    for path in files:
        document = _read(path)
        problems = schema_problems(document, FILE_SCHEMA)
        if problems:
            raise _fail(path, problems)
        documents.append((path, document))

    named: dict[str, Named] = {}
    for path, document in documents:
        problems = []
        for name, body in (document.get("scenarios") or {}).items():
            where = json_path(["scenarios", name])
            if name in builtin.names:
                problems.append(Problem(where, f"{name!r} is a built-in scenario; pick another name"))
            elif name in named:
                problems.append(Problem(where, f"{name!r} is already defined in {named[name].source}"))
            named[name] = Named(
                name,
                body["description"],
                str(path),
                tuple(normalise_sequence(body.get("sequence") or [])),
                tuple(body.get("compose") or ()),
            )
        if problems:
            raise _fail(path, problems)

    partial = ScenarioSet(named)
    scripts: list[FileScript] = []
    for path, document in documents:
        problems = []
        for name, body in (document.get("scenarios") or {}).items():
            if body.get("sequence"):
                prefix = ["scenarios", name, "sequence"]
                problems += check_sequence(body["sequence"], partial, builtin, prefix, allow_sequences=False)
            for index, part in enumerate(body.get("compose") or ()):
                problems += _check_part(part, partial, builtin, ["scenarios", name, "compose", index])
        for index, body in enumerate(document.get("scripts") or ()):
            problems += check_sequence(body["sequence"], partial, builtin, ["scripts", index, "sequence"])
            scripts.append(
                FileScript(
                    str(path),
                    index,
                    body.get("session", DEFAULT_SESSION),
                    dict(body.get("match") or {}),
                    tuple(partial.expand(body["sequence"])),
                )
            )
        if problems:
            raise _fail(path, sorted(problems))
    return ScenarioSet(named, tuple(scripts), tuple(str(p) for p in files))


def _check_part(text: str, known: ScenarioSet, builtin: Catalogue, prefix: list[Any]) -> list[Problem]:
    if text.split(";", maxsplit=1)[0].strip() in known.scenarios:
        return [Problem(json_path(prefix), "compose takes built-in scenarios only")]
    try:
        builtin.check(text)
    except UnknownScenario as exc:
        return [Problem(json_path(prefix), exc.message, "scenario")]
    return []


def fingerprint(paths: Iterable[str | os.PathLike[str]]) -> tuple[tuple[str, int, int], ...]:
    """What changes when a scenario file (or a folder's list of them) changes: names, mtimes, sizes."""
    out = []
    for raw in paths:
        path = Path(raw)
        candidates = sorted(path.iterdir()) if path.is_dir() else [path]
        for item in candidates:
            try:
                stat = item.stat()
            except OSError:
                out.append((str(item), -1, -1))
                continue
            out.append((str(item), stat.st_mtime_ns, stat.st_size))
    return tuple(out)


def rejected(error: ScenarioFileError) -> dict[str, Any]:
    """The event of an edit that did not load: the file, each problem's JSON path and message."""
    return {
        "event": "scenario-files-rejected",
        "file": error.file,
        "problems": [problem.as_dict() for problem in error.problems],
        "message": "the scenario files changed but do not load; the previous ones stay in force",
    }


def pending(error: StateUnavailable) -> dict[str, Any]:
    """The event of an edit that loaded while the state could not take its scripts."""
    return {
        "event": "scenario-files-pending",
        "error": str(error),
        "message": "the scenario files changed and are in force; their scripts are installed once the state "
        "answers",
    }


def json_line(event: dict[str, Any]) -> None:
    """Write ``event`` to stderr as one JSON line, as the request log writes its lines."""
    sys.stderr.write(orjson.dumps(event, default=str).decode() + "\n")
    sys.stderr.flush()


class Watcher:
    """Polls the files' fingerprint and calls ``on_change`` when it changes, until ``stop``.

    An edit that does not load (``on_change`` raises ScenarioFileError) is a user's mistake: it goes to
    ``report`` as one event, not as a traceback; so does one whose scripts the state could not take
    (StateUnavailable). ``retry``, when given, is called on every tick first (to finish installing them).
    """

    def __init__(
        self,
        paths: Sequence[str],
        on_change: Callable[[], object],
        interval: float = 1.0,
        report: Report = json_line,
        retry: Callable[[], object] | None = None,
    ):
        self.paths = list(paths)
        self.on_change = on_change
        self.retry = retry
        self.interval = interval
        self.report = report
        self._stop = threading.Event()
        self._seen = fingerprint(self.paths)
        self._thread = threading.Thread(target=self._run, name="scenario-file-watcher", daemon=True)

    def start(self) -> Watcher:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):  # bounded by stop(); a daemon thread ends with the process
            if self.retry is not None:
                try:
                    self.retry()
                except Exception:  # nothing may kill the watcher
                    log.exception("scenario-file scripts could not be installed")
            now = fingerprint(self.paths)
            if now == self._seen:
                continue
            self._seen = now
            try:
                self.on_change()
            except ScenarioFileError as error:  # the old scenarios stay in force
                self.report(rejected(error))
            except StateUnavailable as error:  # the new ones are in force, their scripts pending
                self.report(pending(error))
            except Exception:  # nor may anything else kill the watcher
                log.exception("scenario files changed but could not be applied")

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
