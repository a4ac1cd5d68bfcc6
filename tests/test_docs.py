"""The documentation runs: every command of README.md and docs/*.md, as printed, in the test suite.

- sh blocks that talk to the documented address run in order, as one bash script each, against a real
  mock (one per page); the QA page runs twice on the same mock, as a user re-running it would.
- a ``.venv/bin/python -m mockserver ...`` or ``oioi-mock ...`` line starts that server for real (on a
  free port) and waits until it answers; ``--help`` lines must exit 0.
- a ``.venv/bin/python -m contract_tests ...`` or ``oioi-contract ...`` line judges a real mock and must
  exit 0. ``oioi-*`` lines run the console commands of the environment the tests run in.
- ``pip`` and ``pipx`` lines (installing the kit) run in ``tests/test_package.py``, which installs it
  by exactly those lines into fresh environments outside the checkout.
- a ``.venv/bin/python -m pytest ...`` line runs from the checkout's root and must exit 0 (the
  documented address: a real mock).
- python blocks of the QA page are excerpts of ``examples/``, verbatim.
- ``make`` lines must be targets make accepts (``make -n``, nothing is run).
- ``npx openapi-typescript@...`` and ``datamodel-codegen`` lines (the generated clients) run in
  ``tests/spec/test_generated_clients.py``, which compiles and parses a real mock's answers with their output.
- pycon blocks are doctests, run from the checkout's root; YAML scenario files load.
"""

from __future__ import annotations

import doctest
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from mockserver import settings
from mockserver.names import ENV_PREFIX
from mockserver.scenarios import scenario_files
from mockserver.serving.banner import banner_complete
from mockserver.serving.process import answers_health, start, start_mock

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DOCUMENTED = "127.0.0.1:8080"
VENV_PYTHON = ".venv/bin/python"
BIN = Path(sys.executable).parent  # the console commands of the environment the tests run in
COMMANDS = {"oioi-mock": "mockserver", "oioi-contract": "contract_tests"}  # pyproject's [project.scripts]
INSTALLERS = ("pip", "pipx")  # lines run by tests/test_package.py
GENERATORS = ("npx", "datamodel-codegen")  # lines run by tests/spec/test_generated_clients.py
REPEATED = {"qa.md"}  # pages whose blocks must give the same results when run again


def blocks(page: Path, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", page.read_text("utf-8"), flags=re.DOTALL)


def commands(page: Path) -> list[list[str]]:
    """Every command line of the page's sh blocks (continuations joined, comments dropped)."""
    found = []
    for block in blocks(page, "sh"):
        pending = ""
        for line in block.replace("\\\n", " ").splitlines():
            pending += line + "\n"
            try:
                words = shlex.split(pending, comments=True)
            except ValueError:  # a quoted argument that goes on over the next line
                continue
            pending = ""
            if words:
                found.append(words)
        assert not pending, f"{_id(page)}: unclosed quote in {block!r}"
    return found


def _id(page: Path) -> str:
    return str(page.relative_to(ROOT))


def test_every_page_is_found_and_has_commands() -> None:
    assert {"README.md", "docs/qa.md", "docs/ci.md", "docs/app-developers.md"} <= {_id(p) for p in PAGES}
    assert all(commands(page) for page in PAGES if page.name != "spec.md")


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize("page", PAGES, ids=_id)
def test_every_curl_block_runs_against_a_real_mock(page: Path) -> None:
    curls = [block for block in blocks(page, "sh") if DOCUMENTED in block and "curl" in block]
    if not curls:
        pytest.skip("no curl block")
    with start_mock(["--host", "127.0.0.1", "--log-format", "off"]) as server:
        for _ in range(2 if page.name in REPEATED else 1):
            for block in curls:
                # every documented call answers 2xx: an HTTP error fails the block, not only curl's own
                script = 'curl() { command curl --fail-with-body "$@"; }\n'
                script += block.replace(f"http://{DOCUMENTED}", server.base)
                done = subprocess.run(
                    ["bash", "-euo", "pipefail", "-c", script],
                    capture_output=True,
                    text=True,
                    timeout=60,
                    check=False,
                )
                assert done.returncode == 0, f"{block}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
                assert '"code":100' not in done.stdout.replace(" ", ""), done.stdout  # no internal error


def program_lines(package: str) -> list[Any]:
    """The lines that run ``package`` (``.venv/bin/python -m package`` or its console command), each as
    the command the tests run it with and its arguments."""
    found = []
    for page in PAGES:
        for words in commands(page):
            if words[:3] == [VENV_PYTHON, "-m", package]:
                command, args = [sys.executable, "-m", package], words[3:]
            elif COMMANDS.get(words[0]) == package:
                command, args = [str(BIN / words[0])], words[1:]
            else:
                continue
            found.append(pytest.param(command, args, id=f"{_id(page)}: {shlex.join(words)}"))
    return found


@pytest.mark.parametrize(("command", "args"), program_lines("mockserver"))
def test_every_mockserver_command_starts_a_server(command: list[str], args: list[str]) -> None:
    if "--help" in args:
        done = subprocess.run([*command, *args], capture_output=True, check=False)
        assert done.returncode == 0, done.stderr
        return
    argv = [*command, *args, "--host", "127.0.0.1", "--port", "0", "--log-format", "off"]
    environ = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    with start(argv, ready=answers_health, complete=banner_complete, env=environ) as server:
        assert server.port > 0


# Unpaced: a line's own --rate-limit still wins; the default pace of 20 requests a second is proved by
# tests/contract/test_mock.py's run with every option at its default.
UNPACED = {"CONTRACT_RATE_LIMIT": "0"}


def run_against_a_mock(
    command: list[str], args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> None:
    """``command`` with ``args``, the documented address replaced by a real mock's; it must exit 0."""
    with start_mock(["--host", "127.0.0.1", "--log-format", "off"]) as server:
        argv = [arg.replace(f"http://{DOCUMENTED}", server.base) for arg in args]
        done = subprocess.run(
            [*command, *argv],
            capture_output=True,
            text=True,
            cwd=cwd,
            timeout=600,
            check=False,
            env=os.environ | (env or {}),
        )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]


@pytest.mark.slow
@pytest.mark.parametrize(("command", "args"), program_lines("contract_tests"))
def test_every_contract_command_passes_against_the_mock(
    command: list[str], args: list[str], tmp_path: Path
) -> None:
    run_against_a_mock(command, args, tmp_path, env=UNPACED)


@pytest.mark.slow
@pytest.mark.parametrize(("command", "args"), program_lines("pytest"))
def test_every_pytest_command_passes(command: list[str], args: list[str]) -> None:
    run_against_a_mock(command, ["-p", "no:cacheprovider", *args], ROOT)


def test_the_qa_pages_python_blocks_are_excerpts_of_the_examples() -> None:
    examples = "\n".join(path.read_text("utf-8") for path in sorted((ROOT / "examples").glob("*.py")))
    excerpts = blocks(ROOT / "docs" / "qa.md", "python")
    assert excerpts
    for excerpt in excerpts:
        assert excerpt in examples, excerpt


def make_lines(page: Path) -> list[list[str]]:
    """``make ...`` lines of sh blocks, and ``run: make ...`` steps of CI jobs (YAML blocks)."""
    found = [words for words in commands(page) if words[0] == "make"]
    for block in blocks(page, "yaml"):
        found += [shlex.split(m) for m in re.findall(r"^\s*- run: (make .*)$", block, flags=re.MULTILINE)]
    return found


MAKE_LINES = [
    pytest.param(words[1:], id=f"{_id(page)}: {shlex.join(words)}")
    for page in PAGES
    for words in make_lines(page)
]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize("args", MAKE_LINES)
def test_every_make_command_is_a_target(args: list[str]) -> None:
    done = subprocess.run(["make", "-n", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize(
    ("args", "env"),
    [(["serve", "PORT=18000"], {}), (["serve"], {"MOCKSERVER_PORT": "18000"})],
    ids=["make serve PORT=N", "MOCKSERVER_PORT=N make serve"],
)
def test_make_serve_listens_on_the_port_asked_for(args: list[str], env: dict[str, str]) -> None:
    environ = {k: v for k, v in os.environ.items() if k not in ("PORT", "MOCKSERVER_PORT")} | env
    done = subprocess.run(
        ["make", "-n", *args], cwd=ROOT, capture_output=True, text=True, check=False, env=environ
    )
    assert done.returncode == 0, done.stderr
    assert "--port 18000" in done.stdout, done.stdout


def test_every_other_command_is_one_of_the_kinds_above() -> None:
    """A command this module does not know how to run would be documentation nobody checks."""
    known = ("curl", "make", "for", "done", "do", *COMMANDS, *INSTALLERS, *GENERATORS)
    for page in PAGES:
        for words in commands(page):
            runs_python = words[0] == VENV_PYTHON
            assert words[0] in known or runs_python or words[0].startswith("-"), (_id(page), words)
            assert words[0] not in INSTALLERS or page.name == "operations.md", (_id(page), words)
            assert words[0] not in GENERATORS or page.name == "app-developers.md", (_id(page), words)
            if runs_python:
                assert words[2] in {"mockserver", "contract_tests", "bench.run", "pytest"}, (_id(page), words)


BENCH_LINES = [words[3:] for page in PAGES for words in commands(page) if words[2:3] == ["bench.run"]]


@pytest.mark.parametrize("args", BENCH_LINES)
def test_every_bench_command_parses(args: list[str]) -> None:
    assert "--help" in args  # a benchmark run takes minutes: the pages show only its help
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", *args], cwd=ROOT, capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("page", PAGES, ids=_id)
def test_every_pycon_block_is_a_passing_doctest(page: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    for number, block in enumerate(blocks(page, "pycon")):
        test = doctest.DocTestParser().get_doctest(block, {}, f"{_id(page)}[{number}]", str(page), 0)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
        runner.run(test)
        assert runner.failures == 0, f"{_id(page)}: pycon block {number} failed (see the output above)"


@pytest.mark.parametrize("page", PAGES, ids=_id)
def test_every_scenario_file_example_loads(page: Path, tmp_path: Path) -> None:
    for number, block in enumerate(blocks(page, "yaml")):
        document = yaml.safe_load(block)
        if not (isinstance(document, dict) and "version" in document):
            continue  # not a scenario file (e.g. a CI job)
        path = tmp_path / f"example-{number}.yaml"
        path.write_text(block, "utf-8")
        assert scenario_files.load([path]).files == (str(path),)


@pytest.mark.parametrize("page", [*PAGES, ROOT / "ARCHITECTURE.md", ROOT / "CONTRIBUTING.md"], ids=_id)
def test_every_relative_link_leads_to_a_file(page: Path) -> None:
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text("utf-8")):
        assert (page.parent / target).exists(), f"{_id(page)} links to {target}, which does not exist"


def test_the_operations_page_lists_every_flag_with_its_variable() -> None:
    page = (ROOT / "docs" / "operations.md").read_text("utf-8")
    for flag in settings.FLAGS:
        assert f"`--{flag.flag}" in page, flag.flag
        assert f"`{flag.env_name}`" in page, flag.env_name
