"""Clients generated from the spec take the mock's real answers: the TypeScript types of
openapi-typescript compile them under ``tsc --strict``, the pydantic models of datamodel-code-generator
parse them. The generators run by exactly the lines of docs/app-developers.md, at the versions pinned in
package.json and pyproject.toml.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests

import spec
from mockserver.serving.process import start_mock
from tests.test_docs import DOCUMENTED, commands

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "app-developers.md"
BIN = Path(sys.executable).parent
DEADLINE = 180  # seconds for one generator or one tsc run on a shared machine
USERS = 300  # --any-user identifiers of the rfid form, each its own history
CALL = "/api/v4/request"
KEY = {"Authorization": "key=demo-key"}
DEMO_RFID = "04A2B3C4D5E6F7"  # the demo user of fixtures/users.yaml
SPEC_TREE = ("spec", "fixtures")  # what spec/openapi.yaml references, linked into each run's folder

pytestmark = pytest.mark.slow


def generator_lines() -> list[list[str]]:
    """The page's generator commands: ``npx openapi-typescript@V ...`` and ``datamodel-codegen ...``."""
    found = [
        w
        for w in commands(PAGE)
        if w[0] == "datamodel-codegen" or (w[0] == "npx" and w[1].startswith("openapi-typescript@"))
    ]
    assert len(found) == 3, found
    return found


def pinned_npm(name: str) -> str:
    version: str = json.loads((ROOT / "package.json").read_text("utf-8"))["devDependencies"][name]
    return version


def pinned_pypi(name: str) -> str:
    dev = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["optional-dependencies"][
        "dev"
    ]
    pinned = (re.fullmatch(rf"{re.escape(name)}(\[[a-z0-9,]+\])?==(\S+)", line) for line in dev)
    versions = [found.group(2) for found in pinned if found is not None]  # an extra, if any, aside
    assert len(versions) == 1, dev
    return versions[0]


def node_bin(tool: str) -> Path:
    path = ROOT / "node_modules" / ".bin" / tool
    if shutil.which("node") is None or not path.exists():
        pytest.fail("node and the npm tools of package.json are needed: run `make node-tools`")
    return path


def ask(http: requests.Session, base: str, identifier: str, scenario: str | None = None) -> requests.Response:
    headers = KEY | ({"X-Mock-Scenario": scenario} if scenario else {})
    body = {"user-get-recent-sessions": {"user": {"identifier-type": "rfid", "identifier": identifier}}}
    return http.post(base + CALL, json=body, headers=headers, timeout=30)


class Generated:
    """Each documented line's output (by the line's position on the page) and the mock's answers."""

    def __init__(self, outputs: list[Path], successes: list[Any], errors: dict[str, tuple[int, Any]]) -> None:
        self.outputs = outputs
        self.successes = successes
        self.errors = errors


def run_line(words: list[str], base: str, folder: Path) -> Path:
    """One documented line, as printed, in a folder of its own that holds the checkout's spec/ and its
    redocly.yaml (the strictest rules, which openapi-typescript applies to what it reads), the
    documented address replaced by the mock's."""
    folder.mkdir()
    for name in (*SPEC_TREE, "node_modules", "redocly.yaml"):
        (folder / name).symlink_to(ROOT / name)
    argv = [word.replace(f"http://{DOCUMENTED}", base) for word in words]
    if argv[0] == "datamodel-codegen":
        argv[0] = str(BIN / "datamodel-codegen")
    done = subprocess.run(argv, cwd=folder, capture_output=True, text=True, timeout=DEADLINE, check=False)
    assert done.returncode == 0, (words, done.stdout[-3000:], done.stderr[-3000:])
    output = folder / argv[argv.index("-o" if "-o" in argv else "--output") + 1]
    assert output.stat().st_size > 0, words
    return output


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    node_bin("openapi-typescript")
    root = tmp_path_factory.mktemp("generated")
    with start_mock(["--any-user", "--seed", "3", "--port", "0", "--log-format", "off"]) as server:
        outputs = [
            run_line(words, server.base, root / f"line-{n}") for n, words in enumerate(generator_lines())
        ]
        with requests.Session() as http:
            demo = ask(http, server.base, DEMO_RFID)
            assert demo.status_code == 200, demo.text
            successes = [demo.json()]
            for number in range(USERS):
                answer = ask(http, server.base, f"CAFE{number:04X}")
                assert answer.status_code == 200, answer.text
                successes.append(answer.json())
            errors = {}
            for code in spec.result_codes():
                if code:
                    answer = ask(http, server.base, "CAFE0001", f"result-{code}")
                    errors[f"result-{code}"] = (answer.status_code, answer.json())
            missing = http.get(server.base + "/no-such-path", headers=KEY, timeout=30)
            errors["unknown path"] = (missing.status_code, missing.json())
            wrong = http.post(
                server.base + CALL, data=b"{}", headers=KEY | {"Content-Type": "text/plain"}, timeout=30
            )
            errors["not JSON"] = (wrong.status_code, wrong.json())
    assert {status for status, _ in errors.values()} > {200, 400}, errors
    return Generated(outputs, successes, errors)


def test_the_documented_generators_are_the_pinned_versions() -> None:
    lines = generator_lines()
    npx = {words[1] for words in lines if words[0] == "npx"}
    assert npx == {f"openapi-typescript@{pinned_npm('openapi-typescript')}"}, npx
    page = PAGE.read_text("utf-8")
    assert f"'datamodel-code-generator=={pinned_pypi('datamodel-code-generator')}'" in page
    done = subprocess.run(
        [str(BIN / "datamodel-codegen"), "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout.split()[-1:] == [pinned_pypi("datamodel-code-generator")], done


# --- TypeScript -------------------------------------------------------------------------------------------

ANSWER = 'operations["userGetRecentSessions"]["responses"]'
ERROR = 'components["schemas"]["response-error"]'  # the error type, as docs/app-developers.md names it


def typescript_program(types: Path, answers: dict[str, tuple[str, Any]]) -> str:
    """A .ts file beside ``types`` that assigns each answer (a type expression, a body) to its type."""
    lines = [f'import type {{ components, operations }} from "./{types.name.removesuffix(".d.ts")}";']
    for number, (type_expression, body) in enumerate(answers.values()):
        lines.append(f"const answer{number}: {type_expression} = {json.dumps(body)};")
        lines.append(f"export {{ answer{number} }};")
    return "\n".join(lines) + "\n"


def tsc(folder: Path, program: str) -> subprocess.CompletedProcess[str]:
    source = folder / f"answers{len(list(folder.glob('answers*.ts')))}.ts"
    source.write_text(program, "utf-8")
    return subprocess.run(
        [str(node_bin("tsc")), "--strict", "--noEmit", str(source)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        check=False,
    )


def response_type(status: int) -> str:
    """The generated response type of an HTTP status: by its number, or its range (``"4XX"``)."""
    key = str(status) if status in (200, 400, 401, 403, 404, 429) else f'"{str(status)[0]}XX"'
    return f'{ANSWER}[{key}]["content"]["application/json"]'


def successes(generated: Generated) -> dict[str, tuple[str, Any]]:
    """The demo user's answer and every --any-user success, each to the 200 response type."""
    return {f"success {n}": (response_type(200), body) for n, body in enumerate(generated.successes)}


def errors(generated: Generated, type_of: Callable[[int], str]) -> dict[str, tuple[str, Any]]:
    """Every error answer, each to the type ``type_of`` gives the status it came with."""
    return {name: (type_of(status), body) for name, (status, body) in generated.errors.items()}


TYPES = pytest.mark.parametrize("line", [0, 1], ids=["from spec/openapi.yaml", "from /openapi.json"])


@TYPES
def test_typescript_types_compile_every_success_answer(generated: Generated, line: int) -> None:
    types = generated.outputs[line]
    done = tsc(types.parent, typescript_program(types, successes(generated)))
    assert done.returncode == 0, done.stdout[-6000:]


def test_typescript_types_refuse_a_number_where_the_cost_string_is_required(generated: Generated) -> None:
    types = generated.outputs[0]
    wrong, count = re.subn(
        r'"cost": "[0-9.]+"', '"cost": 3', typescript_program(types, successes(generated)), count=1
    )
    assert count == 1
    done = tsc(types.parent, wrong)
    assert done.returncode != 0
    assert "TS2322" in done.stdout and "cost: number" in done.stdout, done.stdout[-3000:]


@TYPES
def test_typescript_types_compile_every_error_answer(generated: Generated, line: int) -> None:
    types = generated.outputs[line]
    done = tsc(types.parent, typescript_program(types, errors(generated, response_type)))
    assert done.returncode == 0, done.stdout[-6000:]


@TYPES
def test_typescript_error_type_compiles_every_error_answer_and_refuses_code_0(
    generated: Generated, line: int
) -> None:
    types = generated.outputs[line]
    done = tsc(types.parent, typescript_program(types, errors(generated, lambda _status: ERROR)))
    assert done.returncode == 0, done.stdout[-6000:]
    wrong = next(body for _status, body in generated.errors.values() if "problems" in body)
    wrong = wrong | {"result": wrong["result"] | {"code": 0}}  # code 0 is a success's, never an error's
    done = tsc(types.parent, typescript_program(types, {"wrong": (ERROR, wrong)}))
    assert done.returncode != 0 and "TS2322" in done.stdout, done.stdout[-3000:]


# --- Python -----------------------------------------------------------------------------------------------


def import_models(path: Path) -> ModuleType:
    name = f"oioi_models_{path.parent.name.replace('-', '_')}"
    loaded = importlib.util.spec_from_file_location(name, path)
    assert loaded is not None and loaded.loader is not None
    module = importlib.util.module_from_spec(loaded)
    sys.modules[name] = module
    loaded.loader.exec_module(module)
    return module


def parse(models: ModuleType, body: Any) -> Any:
    """``body``, as the bytes of an answer, parsed by the generated root model: the branch it matched."""
    return models.Response.model_validate_json(json.dumps(body)).root


def test_pydantic_models_parse_every_answer(generated: Generated) -> None:
    models = import_models(generated.outputs[2])
    for body in generated.successes:
        assert isinstance(parse(models, body), models.ResponseSuccess), body
    for name, (_status, body) in generated.errors.items():
        assert isinstance(parse(models, body), models.ResponseError), name
    parsed = len(generated.successes) + len(generated.errors)
    sessions = sum(len(body["user"]["sessions"]) for body in generated.successes)
    print(f"{parsed} answers parsed ({len(generated.successes)} successes, {sessions} sessions)")


def test_pydantic_models_refuse_a_wrong_answer(generated: Generated) -> None:
    models = import_models(generated.outputs[2])
    body = next(body for body in generated.successes if body["user"]["sessions"])
    wrong = json.loads(json.dumps(body))
    wrong["user"]["sessions"][0]["cost"] = "-3"
    with pytest.raises(ValueError, match="cost"):
        models.Response.model_validate(wrong)


def codegen(folder: Path, *source: str) -> subprocess.CompletedProcess[str]:
    """datamodel-codegen with the page's options, reading ``source``, into ``folder``/oioi_models.py."""
    return subprocess.run(
        [
            str(BIN / "datamodel-codegen"),
            *source,
            *("--input-file-type", "openapi", "--output-model-type", "pydantic_v2.BaseModel"),
            *("--output", "oioi_models.py"),
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        check=False,
    )


@pytest.mark.parametrize("by", ["saved", "url"], ids=["a saved copy", "by URL"])
def test_pydantic_models_of_the_served_document_parse_every_answer(
    generated: Generated, tmp_path: Path, by: str
) -> None:
    """The served document, saved (``--input``) or by URL: every reference resolves, each to a component
    of its own."""
    with start_mock(["--port", "0", "--log-format", "off"]) as server:
        url = server.base + "/openapi.json"
        if by == "saved":
            (tmp_path / "openapi.json").write_text(requests.get(url, timeout=30).text, "utf-8")
            done = codegen(tmp_path, "--input", "openapi.json")
        else:
            done = codegen(tmp_path, "--url", url, "--allow-private-network")
    assert done.returncode == 0, done.stderr[-3000:]
    models = import_models(tmp_path / "oioi_models.py")
    for body in generated.successes:
        assert isinstance(parse(models, body), models.ResponseSuccess), body
    for name, (_status, body) in generated.errors.items():
        assert isinstance(parse(models, body), models.ResponseError), name
