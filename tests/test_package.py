"""The kit works installed, away from its checkout: built as a wheel, installed with pip or pipx into a
fresh virtual environment in a temporary folder, and run from there (ARCHITECTURE.md, "What a wheel
holds").

The slow tests build the wheel from a copy of the checkout's files (what a fresh clone holds: nothing
built earlier can slip in), install it with the ``contract`` extra (``pip install <wheel>[contract]``),
install the copied folder with ``pip install <folder>`` from another folder, and install the wheel with
``pipx``. Every command runs with its working directory outside the checkout, so nothing can be imported
from it. Dependencies come from the package index through pip (its cache makes a second run quick).

The quick tests prove the start-up check against another ``spec``: a ``spec.py`` or ``spec/`` in the
working folder shadows the kit's for ``python -m``, and another distribution's ``spec`` installed over the
kit's does so for the console commands (a slow test).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import http.client
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

import spec
from mockserver.names import ENV_PREFIX
from mockserver.serving.banner import banner_complete
from mockserver.serving.process import ServerProcess, answers_health, start
from mockserver.settings import DEMO_API_KEY
from tests.mockserver.test_testing import APP_SPEC, APP_TEST
from tests.test_docs import UNPACED, commands

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
PROGRAMS = {"mockserver": "oioi-mock", "contract_tests": "oioi-contract"}
INSTALL_SECONDS = 600
BUILD_AND_INSTALL_SECONDS = 1800


def with_the_installed_kit(test: Callable[..., None]) -> Callable[..., None]:
    """A slow test of the kit built and installed: the first of them builds and installs it (hence the time
    limit), all in one xdist process, so once per run and not once per worker."""
    marks = [pytest.mark.slow, pytest.mark.timeout(BUILD_AND_INSTALL_SECONDS), pytest.mark.xdist_group("kit")]
    for mark in marks:
        test = mark(test)
    return test


def clean_environment() -> dict[str, str]:
    """The caller's environment without what would point a process at the checkout or configure the mock."""
    drop = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"}
    return {k: v for k, v in os.environ.items() if k not in drop and not k.startswith(ENV_PREFIX)}


def call(
    argv: list[str], cwd: Path, timeout: float = 60, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` in ``cwd`` with ``clean_environment()`` and ``env``; its output as text."""
    return subprocess.run(
        argv,
        cwd=cwd,
        env={**clean_environment(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run(
    argv: list[str], cwd: Path, timeout: float = INSTALL_SECONDS, env: dict[str, str] | None = None
) -> str:
    """``call``, failing with its output unless it exits 0; its stdout."""
    done = call(argv, cwd, timeout, env)
    said = f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    assert done.returncode == 0, f"{shlex.join(argv)}: exit {done.returncode}\n{said}"
    return done.stdout


# ---- the start-up check against another spec (quick: the checkout's own install) ----------------------

SHADOWS = {
    "spec.py": {"spec.py": '"""Another project\'s spec module."""\n'},
    "spec package": {"spec/__init__.py": '"""Another project\'s spec package."""\n'},
}


def _shadow(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, "utf-8")


@pytest.mark.parametrize("program", PROGRAMS)
@pytest.mark.parametrize("shadow", SHADOWS)
def test_another_spec_in_the_working_folder_stops_the_program_with_one_line(
    program: str, shadow: str, tmp_path: Path
) -> None:
    argv = [sys.executable, "-m", program, "--help"]
    plain = call(argv, tmp_path)
    assert plain.returncode == 0, plain.stderr  # the check lets the kit's own spec through
    _shadow(tmp_path, SHADOWS[shadow])
    shadowed = call(argv, tmp_path)
    assert shadowed.returncode == 2, shadowed.stderr
    assert shadowed.stdout == ""
    [line] = shadowed.stderr.splitlines()
    assert f"imported from {tmp_path / 'spec'}" in line
    assert f"is not the one of {spec.DISTRIBUTION}" in line


def test_the_programs_look_for_the_distribution_that_spec_names() -> None:
    from contract_tests import __main__ as suite
    from mockserver import __main__ as mock

    assert mock.DISTRIBUTION == suite.DISTRIBUTION == spec.DISTRIBUTION == PYPROJECT["project"]["name"]


def test_the_suite_looks_for_the_tools_of_its_extra() -> None:
    from contract_tests import __main__ as suite

    extra = PYPROJECT["project"]["optional-dependencies"]["contract"]
    assert list(suite.TOOLS) == [re.split(r"[<>=\[ ]", requirement)[0] for requirement in extra]


def test_the_suite_without_its_tools_says_which_to_install_in_one_line(tmp_path: Path) -> None:
    """A tool of the extra that is not installed (one named here that no machine has): --help too."""
    program = (
        "import sys; from contract_tests import __main__ as suite; "
        "suite.TOOLS = ('oioi_tool_not_installed', *suite.TOOLS); raise SystemExit(suite.main())"
    )
    done = call([sys.executable, "-c", program, "--help"], tmp_path)
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    how = f"install the kit with its contract extra ({spec.DISTRIBUTION}[contract])"
    assert done.stderr.splitlines() == [f"contract suite: oioi_tool_not_installed not installed: {how}"]


def test_the_changelog_names_the_version_every_program_says() -> None:
    """CHANGELOG.md's top entry, ``pyproject.toml``, the installed kit and both programs' ``--version``."""
    entries = re.findall(r"^## (\S+)", (ROOT / "CHANGELOG.md").read_text(encoding="utf-8"), re.MULTILINE)
    version = PYPROJECT["project"]["version"]
    assert entries[0] == version == spec.version()
    for module in ("mockserver", "contract_tests"):
        argv = [sys.executable, "-m", module, "--version"]
        said = subprocess.run(argv, check=False, capture_output=True, text=True, timeout=60)
        assert said.returncode == 0 and said.stdout.split()[-1] == version, (module, said)


def test_the_wheel_lists_every_package_folder() -> None:
    """``packages`` is a list (a mapped package cannot be discovered): a new folder must be added to it."""
    tool = PYPROJECT["tool"]["setuptools"]
    folders = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("spec", "mockserver", "contract_tests")
        for init in (ROOT / top).rglob("__init__.py")
    }
    data = {
        "spec.data",
        "spec.schemas",
        "spec.fixtures.examples",
        "spec.fixtures.scenarios",
        "spec.fixtures.recorded",
        "spec.fixtures.recorded.histories",
        "mockserver.http.static",
    }
    assert set(tool["packages"]) == folders | {"spec.fixtures"} | data
    assert set(tool["package-data"]) >= data  # a folder of data files is a package with its files
    assert tool["package-dir"] == {"spec.fixtures": "fixtures"}
    assert set(PYPROJECT["project"]["scripts"]) == set(PROGRAMS.values())


# ---- the installed kit (slow) -------------------------------------------------------------------------

INSTALLS = ["pip install <wheel>[contract]", "pip install <folder>", "pipx install <wheel>"]
slow = [pytest.mark.slow, pytest.mark.timeout(1200)]  # the first test also builds and installs


@dataclass(frozen=True)
class Install:
    """One installed copy of the kit: its environment's python and the folder of its console commands."""

    python: Path
    bin: Path
    work: Path  # the working directory of its commands: a temporary folder outside the checkout

    @property
    def environment(self) -> Path:
        return self.python.parent.parent


def _copy_checkout(target: Path) -> None:
    """The checkout's files as git knows them (tracked, and new ones not ignored): a fresh clone's files."""
    listed = run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT, timeout=60
    )
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # a file deleted but not yet committed is still listed
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def documented_installs() -> dict[str, list[str]]:
    """The install lines of docs/operations.md, by kind: each kind once, as the page prints it."""
    found: dict[str, list[str]] = {}
    for words in commands(ROOT / "docs" / "operations.md"):
        if words[0] in {"pip", "pipx"}:
            kind = next(kind for kind, pattern in KINDS.items() if re.fullmatch(pattern, shlex.join(words)))
            assert kind not in found, f"two documented lines of the kind {kind!r}"
            found[kind] = words
    assert set(found) == set(KINDS), set(KINDS) - set(found)
    return found


KINDS = {  # what tests/test_package.py knows how to run: every pip or pipx line of the docs is one of these
    "pip wheel": r"pip wheel --no-deps \.",
    INSTALLS[0]: r"pip install '[^ /]+\.whl\[contract\]'",
    INSTALLS[1]: r"pip install \./oioi-recent-sessions-kit",
    INSTALLS[2]: r"pipx install '[^ /]+\.whl\[contract\]'",
}
CHECKOUT = "oioi-recent-sessions-kit"  # the copy's folder name, as the documented folder install names it


def test_every_documented_install_line_is_one_this_module_runs() -> None:
    assert set(documented_installs()) == set(KINDS)


def _venv(folder: Path, pip_line: list[str], cwd: Path) -> Install:
    """A fresh virtual environment in ``folder``, and the documented ``pip install`` line run in ``cwd``."""
    run([sys.executable, "-m", "venv", str(folder)], cwd=folder.parent)
    python = folder / "bin" / "python"
    run([str(python), "-m", *pip_line, "--quiet"], cwd=cwd)
    return Install(python, folder / "bin", _elsewhere(folder.parent))


def _pipx(home: Path, pipx_line: list[str], cwd: Path) -> Install:
    """The documented ``pipx install`` line run in ``cwd``, pipx keeping everything in ``home``."""
    where = {"PIPX_HOME": str(home), "PIPX_BIN_DIR": str(home / "bin"), "PIPX_MAN_DIR": str(home / "man")}
    run([sys.executable, "-m", *pipx_line, "--python", sys.executable], cwd=cwd, env=where)
    python = home / "venvs" / spec.DISTRIBUTION / "bin" / "python"
    return Install(python, home / "bin", _elsewhere(home.parent))


def _elsewhere(work: Path) -> Path:
    """An empty folder outside the checkout and its copy: where the installed programs are run from."""
    folder = work / "run"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("installed")
    assert not folder.resolve().is_relative_to(ROOT), "the temporary folder is inside the checkout"
    return folder


@pytest.fixture(scope="module")
def wheel(work: Path) -> Path:
    """The documented ``pip wheel`` line, run in a copy of the checkout (kept for the folder install)."""
    checkout = work / CHECKOUT
    _copy_checkout(checkout)
    argv = [sys.executable, "-m", *documented_installs()["pip wheel"]]
    done = call(argv, checkout, INSTALL_SECONDS, None)
    assert done.returncode == 0, f"{shlex.join(argv)}: exit {done.returncode}\n{done.stderr[-4000:]}"
    # every folder of data is listed: setuptools has nothing to warn of (it printed ~40 lines a folder)
    assert "absent from the `packages` configuration" not in done.stderr, done.stderr[-4000:]
    [built] = checkout.glob("*.whl")
    elsewhere = work / "dist"  # the file goes where a user would take it: away from the checkout
    elsewhere.mkdir()
    return Path(shutil.move(built, elsewhere / built.name))


@pytest.fixture(scope="module")
def installs(work: Path, wheel: Path) -> dict[str, Install]:
    """Each documented install line, in a fresh environment: with the wheel beside it, or the checkout."""
    lines = documented_installs()
    jobs = {
        INSTALLS[0]: lambda: _venv(work / "wheel", lines[INSTALLS[0]], wheel.parent),
        INSTALLS[1]: lambda: _venv(work / "folder", lines[INSTALLS[1]], work),
        INSTALLS[2]: lambda: _pipx(work / "pipx", lines[INSTALLS[2]], wheel.parent),
    }
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        started = {how: pool.submit(job) for how, job in jobs.items()}
        return {how: future.result() for how, future in started.items()}


@contextlib.contextmanager
def serving(argv: list[str], cwd: Path) -> Iterator[ServerProcess]:
    """An installed mock on a free loopback port, started the way a user would, from ``cwd``."""
    args = ["--host", "127.0.0.1", "--port", "0", "--log-format", "off"]
    with start(
        [*argv, *args], ready=answers_health, complete=banner_complete, env=clean_environment(), cwd=cwd
    ) as server:
        yield server


def ask(server: ServerProcess, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
    try:
        headers = {"Authorization": f"key={DEMO_API_KEY}", "Content-Type": "application/json"}
        connection.request(method, path, None if body is None else json.dumps(body), headers)
        answer = connection.getresponse()
        return answer.status, json.loads(answer.read())
    finally:
        connection.close()


def recent_sessions(server: ServerProcess, username: str, token: str) -> dict[str, Any]:
    user = {"identifier-type": "username", "identifier": username, "token": token}
    status, body = ask(server, "POST", "/api/v4/request", {spec.CALL: {"user": user}})
    assert status == 200, body
    result: dict[str, Any] = body
    return result


WHERE = """
import json, spec, mockserver, contract_tests
print(json.dumps({"modules": [m.__file__ for m in (spec, mockserver, contract_tests)],
                  "users": str(spec.fixture("users.yaml")), "scenarios": str(spec.fixture("scenarios")),
                  "recorded": str(spec.fixture("recorded/users.yaml"))}))
"""


def where(install: Install) -> dict[str, Any]:
    """Where the installed kit's packages and data are, as its own python finds them."""
    found: dict[str, Any] = json.loads(run([str(install.python), "-c", WHERE], cwd=install.work, timeout=60))
    return found


@with_the_installed_kit
@pytest.mark.parametrize("install_how", INSTALLS)
@pytest.mark.parametrize("command", ["console command", "python -m mockserver"])
def test_the_installed_mock_answers_the_demo_users_and_serves_the_examples(
    installs: dict[str, Install], install_how: str, command: str
) -> None:
    install = installs[install_how]
    found = where(install)
    for path in [*found["modules"], found["users"], found["scenarios"], found["recorded"]]:
        assert Path(path).is_relative_to(install.environment), path  # nothing from the checkout
    argv = (
        [str(install.bin / "oioi-mock")]
        if command == "console command"
        else [str(install.python), "-m", "mockserver"]
    )
    # the example scenario files ship with the kit and load from where it is installed
    with serving([*argv, "--scenarios", found["scenarios"]], install.work) as server:
        for user in yaml.safe_load((ROOT / "fixtures" / "users.yaml").read_text("utf-8"))["users"]:
            username, token = user["identifiers"].get("username"), user.get("token")
            if username and token and not user.get("scenario"):
                body = recent_sessions(server, username, token)
                assert body["result"]["code"] == 0 and body["user"]["sessions"], (user["id"], body)
        assert recent_sessions(server, "nobody@example.com", "0" * 32)["result"]["code"] == 144
        status, document = ask(server, "GET", "/openapi.json")
    assert status == 200
    # the example recorded world ships too: each recorded user is answered the recorded bytes
    with serving([*argv, "--users", found["recorded"]], install.work) as server:
        recorded = yaml.safe_load(Path(found["recorded"]).read_text("utf-8"))["users"][0]
        kept = json.loads((Path(found["recorded"]).parent / recorded["recorded"]).read_text("utf-8"))
        assert recent_sessions(server, recorded["identifiers"]["username"], recorded["token"]) == kept
    assert "externalValue" not in json.dumps(document)
    content = document["paths"]["/api/v4/request"]["post"]["requestBody"]["content"]["application/json"]
    example = json.loads((ROOT / "fixtures" / "examples" / "request.document.json").read_text("utf-8"))
    assert content["examples"]["document"]["value"] == example


@with_the_installed_kit
def test_the_installed_contract_suite_passes_the_installed_mock(installs: dict[str, Install]) -> None:
    install, without_extra = installs[INSTALLS[0]], installs[INSTALLS[1]]
    with serving([str(install.bin / "oioi-mock")], install.work) as server:
        suite = [str(install.bin / "oioi-contract"), "--base-url", server.base]
        done = call(suite, install.work, 600, UNPACED)
        assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
        assert "RESULT: PASS" in done.stdout
        bare = call([str(without_extra.bin / "oioi-contract"), "--base-url", server.base], without_extra.work)
    assert bare.returncode == 2, bare.stderr  # without the contract extra: one line saying how to get it
    [line] = bare.stderr.splitlines()
    assert line.endswith("install the kit with its contract extra (oioi-recent-sessions-kit[contract])"), line


OTHER_SPEC = {
    "pyproject.toml": "\n".join(
        [
            "[project]",
            'name = "another-spec"',
            'version = "1"',
            "[tool.setuptools]",
            'packages = ["spec"]',
            "",
        ]
    ),
    "spec/__init__.py": '"""Another distribution\'s spec."""\n',
}


@with_the_installed_kit
def test_another_distributions_spec_stops_the_console_commands_with_one_line(work: Path, wheel: Path) -> None:
    """Installed after the kit, another distribution's ``spec`` replaces the kit's ``spec/__init__.py``."""
    other = work / "another-spec"
    _shadow(other, OTHER_SPEC)
    install = _venv(work / "shadowed", ["pip", "install", "--no-deps", str(wheel)], work)  # checked first
    run([str(install.python), "-m", "pip", "install", "--quiet", str(other)], cwd=work)
    for command in (["oioi-mock"], ["oioi-contract", "--base-url", "http://127.0.0.1:9"]):
        done = call([str(install.bin / command[0]), *command[1:]], work)
        assert done.returncode == 2, (command, done.stderr)
        [line] = done.stderr.splitlines()
        assert "site-packages/spec/__init__.py is not the one of oioi-recent-sessions-kit" in line, line


@with_the_installed_kit
@pytest.mark.parametrize("runner", ["pytest", "python -m pytest"])
def test_the_installed_plugin_serves_an_app_with_a_package_called_spec(
    installs: dict[str, Install], runner: str
) -> None:
    """The wheel's pytest plugin, from an app's folder that holds a ``spec/`` of its own: the mock it
    starts finds the installed kit's ``spec``, the app's tests their own."""
    install = installs[INSTALLS[0]]
    app = install.work / f"app-{runner.replace(' ', '-')}"
    (app / "spec").mkdir(parents=True)
    (app / "spec" / "__init__.py").write_text(APP_SPEC, "utf-8")
    (app / "test_app.py").write_text(APP_TEST, "utf-8")
    argv = [str(install.bin / "pytest")] if runner == "pytest" else [str(install.python), "-m", "pytest"]
    done = call([*argv, "-p", "no:cacheprovider", "--rootdir", str(app), "test_app.py"], app, 240)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
