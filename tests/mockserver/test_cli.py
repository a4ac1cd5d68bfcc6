"""Flags, their MOCKSERVER_* environment variables, and the config they produce."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from mockserver import settings
from mockserver.errors import ConfigError
from mockserver.names import ENV_PREFIX
from mockserver.serving import cli
from mockserver.serving.process import free_port, mock_command

SCENARIOS = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios"
FLAKY, EDGES = str(SCENARIOS / "flaky-backend.yaml"), str(SCENARIOS / "data-edge-cases.json")
USERS = settings.DEFAULT_USERS_FILE  # a file that is no certificate


def test_defaults() -> None:
    chosen = cli.options([], {})
    assert (chosen.host, chosen.port, chosen.workers) == ("127.0.0.1", 8080, 1)
    assert chosen.config["MOCK_API_KEYS"] == ["demo-key"]
    assert chosen.config["MOCK_STATUS_MAPPING"] == "call-page"
    assert chosen.config["MOCK_ANY_USER"] is False


def test_every_flag_maps_to_config() -> None:
    argv = [
        "--api-key", "a", "--api-key", "b", "--any-user", "--seed", "9", "--status-mapping", "http",
        "--now", "2024-01-01T00:00:00Z", "--log-format", "text", "--self-check", "--path", "/x",
        "--max-body-bytes", "10", "--state", "memory", "--scenarios", FLAKY, "--scenarios", EDGES,
        "--journal-size", "5", "--journal-total", "500", "--reload-scenarios",
        "--workers", "2", "--threads", "3", "--port", "0", "--upstream", "http://staging.example:8080/oioi",
        "--upstream-timeout", "2.5", "--upstream-strict", "--upstream-profile", "lenient", "--record", "rec",
        "--anonymise",
        "--admin-token", "s3cret-admin",
        "--no-cors", "--cors-origin", "https://a.example,https://b.example", "--cors-origin", "http://c.test:81",
    ]  # fmt: skip
    chosen = cli.options(argv, {})
    assert chosen.config == {
        "MOCK_API_KEYS": ["a", "b"],
        "MOCK_ANY_USER": True,
        "MOCK_SEED": 9,
        "MOCK_USERS_FILE": settings.DEFAULT_USERS_FILE,
        "MOCK_STATUS_MAPPING": "http",
        "MOCK_NOW": "2024-01-01T00:00:00Z",
        "MOCK_LOG_FORMAT": "text",
        "MOCK_SELF_CHECK": True,
        "MOCK_PATHS": ["/x"],
        "MOCK_MAX_BODY_BYTES": 10,
        "MOCK_STATE": "memory",
        "MOCK_SCENARIO_FILES": [FLAKY, EDGES],
        "MOCK_JOURNAL_SIZE": 5,
        "MOCK_JOURNAL_TOTAL": 500,
        "MOCK_RELOAD_SCENARIOS": True,
        "MOCK_ANSWER_CACHE": True,
        "MOCK_UPSTREAM": "http://staging.example:8080/oioi",
        "MOCK_UPSTREAM_TIMEOUT": 2.5,
        "MOCK_UPSTREAM_STRICT": True,
        "MOCK_UPSTREAM_PROFILE": "lenient",
        "MOCK_RECORD": "rec",
        "MOCK_ANONYMISE": True,
        "MOCK_ADMIN_TOKEN": "s3cret-admin",
        "MOCK_CORS": False,
        "MOCK_CORS_ORIGINS": ["https://a.example,https://b.example", "http://c.test:81"],
    }
    assert (chosen.workers, chosen.threads, chosen.port) == (2, 3, 0)
    assert settings.cors_origins(chosen.config["MOCK_CORS_ORIGINS"]) == [
        "https://a.example",
        "https://b.example",
        "http://c.test:81",
    ]
    assert cli.options(["--no-answer-cache"], {}).config["MOCK_ANSWER_CACHE"] is False


@pytest.mark.parametrize(
    ("argv", "env", "admin"),
    [
        ([], {}, "open"),
        (["--host", "::1"], {}, "open"),
        (["--host", "localhost"], {}, "open"),
        (["--host", "127.0.0.2"], {}, "open"),
        (["--host", "0.0.0.0"], {}, "generated"),
        (["--host", "::"], {}, "generated"),
        (["--host", "192.168.1.20"], {}, "generated"),
        (["--host", "mock.example.internal"], {}, "generated"),
        (["--host", "0.0.0.0", "--admin-open"], {}, "opted-out"),
        ([], {"MOCKSERVER_ADMIN_OPEN": "yes"}, "opted-out"),
        (["--host", "0.0.0.0", "--admin-token", "team-token-1"], {}, "token"),
        (["--host", "0.0.0.0"], {"MOCKSERVER_ADMIN_TOKEN": "team-token-1"}, "token"),
    ],
)
def test_beyond_loopback_the_admin_api_gets_a_token_unless_opted_out(
    argv: list[str], env: dict[str, str], admin: str
) -> None:
    chosen = cli.options(argv, env)
    assert chosen.admin == admin
    token = chosen.config.get("MOCK_ADMIN_TOKEN")
    if admin == "generated":
        assert token is not None and len(token) >= 40
        assert cli.options(argv, env).config["MOCK_ADMIN_TOKEN"] != token  # a new one each start
    else:
        assert token == ("team-token-1" if admin == "token" else None)


def test_workers_are_automatic_unless_given() -> None:
    assert cli.options([], {}).workers == 1  # memory state: scripts and journal in one process
    assert cli.options(["--state", "redis://127.0.0.1:1/0"], {}).workers >= 2
    assert cli.automatic_workers("redis://h:6379/0", cpus=8) == 8
    assert cli.automatic_workers("redis://h:6379/0", cpus=1) == 2
    assert cli.automatic_workers("memory", cpus=8) == 1
    assert cli.options(["--workers", "3"], {}).workers == 3


def test_environment_sets_defaults_and_flags_win() -> None:
    env = cli.environment(
        {
            "MOCKSERVER_ANY_USER": "yes",
            "MOCKSERVER_SEED": "5",
            "MOCKSERVER_API_KEYS": "k1, k2",
            "MOCKSERVER_STATUS_MAPPING": "http",
            "MOCKSERVER_PORT": "9000",
            "HOME": "/ignored",
        }
    )
    assert "HOME" not in env
    chosen = cli.options(["--seed", "6"], env)
    assert chosen.config["MOCK_ANY_USER"] is True
    assert chosen.config["MOCK_SEED"] == 6
    assert chosen.config["MOCK_API_KEYS"] == ["k1", "k2"]
    assert chosen.config["MOCK_STATUS_MAPPING"] == "http"
    assert chosen.port == 9000
    assert cli.options(["--api-key", "k3", "--no-any-user"], env).config["MOCK_API_KEYS"] == ["k3"]
    assert cli.options(["--no-any-user"], env).config["MOCK_ANY_USER"] is False


def test_every_flag_has_an_environment_variable() -> None:
    help_text = cli.parser({}).format_help()
    for flag in settings.FLAGS:
        assert flag.env_name is not None and flag.env_name.startswith("MOCKSERVER_")
        assert flag.env_name in help_text


def test_every_config_key_the_mock_reads_has_a_default() -> None:
    """A key read anywhere in mockserver but missing from the settings table would be a KeyError at start."""
    package = Path(settings.__file__).parent
    read = {
        key
        for path in package.rglob("*.py")
        for key in re.findall(r"\bMOCK_[A-Z_]+\b", path.read_text("utf-8"))
    }
    assert read, "no config keys found: the pattern is wrong"
    assert read - {"MOCK_"} <= set(settings.DEFAULTS), sorted(read - set(settings.DEFAULTS))


@pytest.mark.parametrize(
    ("argv", "env"),
    [
        ([], {"MOCKSERVER_ANY_USER": "maybe"}),
        ([], {"MOCKSERVER_SEED": "many"}),
        (["--now", "soon"], {}),
        (["--users", "/nonexistent.yaml"], {}),
        (["--workers", "-1"], {}),
        (["--path", "relative"], {}),
    ],
)
def test_unusable_values_are_refused(argv: list[str], env: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        cli.options(argv, env)


def test_main_reports_config_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--now", "soon"], {}) == 2
    assert "mockserver:" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "env", "named", "problem"),
    [
        (["--now", "garbage"], {}, "--now (MOCKSERVER_NOW)", "'garbage' is not an RFC 3339 date-time"),
        (["--api-key", ""], {}, "--api-key (MOCKSERVER_API_KEYS)", "every API key must be a non-empty"),
        (["--path", "api/v5"], {}, "--path (MOCKSERVER_PATHS)", "'api/v5' must start with '/'"),
        (
            ["--max-body-bytes", "-5"],
            {},
            "--max-body-bytes (MOCKSERVER_MAX_BODY_BYTES)",
            "-5 is out of range",
        ),
        (["--journal-size", "0"], {}, "--journal-size (MOCKSERVER_JOURNAL_SIZE)", "0 is out of range"),
        (
            ["--journal-size", "20", "--journal-total", "10"],
            {},
            "--journal-size (MOCKSERVER_JOURNAL_SIZE)",
            "20 is more than the 10 of --journal-total (MOCKSERVER_JOURNAL_TOTAL)",
        ),
        ([], {"MOCKSERVER_NOW": "later"}, "--now (MOCKSERVER_NOW)", "'later' is not an RFC 3339"),
        ([], {"MOCKSERVER_SEED": "many"}, "--seed (MOCKSERVER_SEED)", "'many' is not an integer"),
        ([], {"MOCKSERVER_SEED": "٣"}, "--seed (MOCKSERVER_SEED)", "'٣' is not an integer"),  # str.isdigit
        (["--port", "١٢"], {}, "--port (MOCKSERVER_PORT)", "'١٢' is not an integer"),  # int() takes it
        (["--journal-size", "1_000"], {}, "--journal-size (MOCKSERVER_JOURNAL_SIZE)", "'1_000' is not an"),
        (["--users", "/no/such/users.yaml"], {}, "--users (MOCKSERVER_USERS)", "/no/such/users.yaml: cannot"),
        ([], {"MOCKSERVER_ANY_USER": "maybe"}, "--any-user (MOCKSERVER_ANY_USER)", "'maybe': use one of"),
        ([], {"MOCKSERVER_STATUS_MAPPING": "rest"}, "--status-mapping (MOCKSERVER_STATUS_MAPPING)", "'rest'"),
        (["--admin-token", "short"], {}, "--admin-token (MOCKSERVER_ADMIN_TOKEN)", settings.ADMIN_TOKEN_RULE),
        (["--admin-token", ""], {}, "--admin-token (MOCKSERVER_ADMIN_TOKEN)", settings.ADMIN_TOKEN_RULE),
        (
            [],
            {"MOCKSERVER_ADMIN_TOKEN": "tok-123"},
            "--admin-token (MOCKSERVER_ADMIN_TOKEN)",
            "give a token of",
        ),
        (
            [],
            {"MOCKSERVER_ADMIN_TOKEN": "tab\tinside-it"},
            "--admin-token (MOCKSERVER_ADMIN_TOKEN)",
            settings.ADMIN_TOKEN_RULE,
        ),
        (["--host", ""], {}, "--host (MOCKSERVER_HOST)", "'': give an address or host name to listen on"),
        ([], {"MOCKSERVER_HOST": ""}, "--host (MOCKSERVER_HOST)", "'': give an address or host name"),
        (["--host", " "], {}, "--host (MOCKSERVER_HOST)", "' ': give an address or host name"),
        (["--path", "/x/ü"], {}, "--path (MOCKSERVER_PATHS)", "'/x/ü': give a path of printable ASCII"),
        ([], {"MOCKSERVER_PATHS": "/ok,/x y"}, "--path (MOCKSERVER_PATHS)", "'/x y': give a path of"),
        (
            ["--upstream", "http://127.0.0.1:18700", "--record", f"{USERS}/recordings"],
            {},
            "--record (MOCKSERVER_RECORD)",
            f"cannot write recordings in {USERS}/recordings: Not a directory",
        ),
        (
            ["--anonymise"],
            {"MOCKSERVER_UPSTREAM": "http://127.0.0.1:18700"},
            "--anonymise (MOCKSERVER_ANONYMISE)",
            "anonymises what --record (MOCKSERVER_RECORD) writes: give both",
        ),
        (
            ["--admin-token", "long-enough-token", "--admin-open"],
            {},
            "--admin-open (MOCKSERVER_ADMIN_OPEN)",
            "give either --admin-open or --admin-token (MOCKSERVER_ADMIN_TOKEN), not both",
        ),
        (
            ["--cors-origin", "https://app.example/path"],
            {},
            "--cors-origin (MOCKSERVER_CORS_ORIGINS)",
            "'https://app.example/path' is not an origin",
        ),
        (
            [],
            {"MOCKSERVER_CORS_ORIGINS": "https://ok.example, app.example"},
            "--cors-origin (MOCKSERVER_CORS_ORIGINS)",
            "'app.example' is not an origin",
        ),
        (["--tls-cert", "/nonexistent.pem"], {}, "--tls-key (MOCKSERVER_TLS_KEY)", "give both --tls-cert"),
        (["--tls-key", "/nonexistent.pem"], {}, "--tls-cert (MOCKSERVER_TLS_CERT)", "give both --tls-cert"),
        (
            ["--tls-cert", "/nonexistent.pem", "--tls-key", "/nonexistent-key.pem"],
            {},
            "--tls-cert (MOCKSERVER_TLS_CERT)",
            "cannot read /nonexistent.pem: no such file, or not readable",
        ),
        (
            ["--tls-cert", USERS, "--tls-key", USERS],
            {},
            "--tls-cert (MOCKSERVER_TLS_CERT)",
            f"{USERS} and {USERS} are not a PEM certificate and its private key",
        ),
        (
            ["--tls-cert", USERS, "--tls-key", USERS, "--tls-self-signed"],
            {},
            "--tls-self-signed (MOCKSERVER_TLS_SELF_SIGNED)",
            "give either it or --tls-cert and --tls-key",
        ),
        (
            ["--port", "70000"],
            {},
            "--port (MOCKSERVER_PORT)",
            "70000 is out of range: give an integer from 0 to",
        ),
        (["--workers", "-1"], {}, "--workers (MOCKSERVER_WORKERS)", "-1 is out of range"),
        (["--threads", "0"], {}, "--threads (MOCKSERVER_THREADS)", "0 is out of range"),
        ([], {"MOCKSERVER_SERVER": "nginx"}, "--server (MOCKSERVER_SERVER)", "'nginx': use one of gunicorn"),
    ],
)
def test_refusals_name_the_flag_and_its_variable(
    argv: list[str], env: dict[str, str], named: str, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv, env) == 2
    said = capsys.readouterr().err
    assert said.startswith(f"mockserver: {named}: {problem}"), said
    assert said.count("\n") == 1 and "MOCK_" not in said  # one line, no config key


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--status-mapping", "rest"], "argument --status-mapping: invalid choice: 'rest'"),
        (["--no-such-flag"], "unrecognized arguments: --no-such-flag"),
        (["--port"], "argument --port: expected one argument"),
    ],
)
def test_a_bad_command_line_is_one_line_pointing_at_help(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv, {}) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"mockserver: {said}") and err.endswith(
        "(python -m mockserver --help lists every flag)\n"
    )
    assert err.count("\n") == 1  # not the whole usage


def test_bad_scenario_files_stop_the_start(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenarios: [this is not a mapping of names]\n", "utf-8")
    with pytest.raises(ConfigError) as caught:
        cli.options(["--scenarios", str(bad)], {})
    assert str(bad) in str(caught.value)


def test_a_port_in_use_is_one_line_naming_it_before_the_server_starts() -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            mock_command(["--port", str(port)]),
            env=environ,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""  # no banner: the server never started
    assert done.stderr.splitlines() == [
        f"mockserver: --port (MOCKSERVER_PORT): 127.0.0.1:{port} is in use; "
        "choose another port with --port N (make serve PORT=N)"
    ]


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        (
            "MOCKSERVER_ANY_USER",
            "maybe",
            f"--any-user (MOCKSERVER_ANY_USER): 'maybe': use one of {settings.BOOLEAN_WORDS}",
        ),
        (
            "MOCKSERVER_SEED",
            "-1",
            "--seed (MOCKSERVER_SEED): -1 is out of range: give an integer of at least 0",
        ),
    ],
)
def test_an_unusable_variable_stops_the_process_with_one_line_naming_it(
    variable: str, value: str, said: str
) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    done = subprocess.run(
        mock_command(),
        env={**environ, variable: value},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""  # no banner: the server never started
    assert done.stderr.splitlines() == [f"mockserver: {said}"]


def test_a_free_port_and_port_0_pass_the_early_check() -> None:
    cli.check_listen("127.0.0.1", free_port())
    cli.check_listen("127.0.0.1", 0)


def test_an_address_not_of_this_machine_names_the_host(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--host", "192.0.2.1", "--port", "8080"], {}) == 2  # TEST-NET-1: never local
    said = capsys.readouterr().err
    assert said.startswith("mockserver: --host (MOCKSERVER_HOST): cannot listen on 192.0.2.1:8080: "), said


def test_the_record_directory_is_made_at_start(tmp_path: Path) -> None:
    directory = tmp_path / "new" / "recordings"
    chosen = cli.options(["--upstream", "http://127.0.0.1:18700", "--record", str(directory)], {})
    assert chosen.config["MOCK_RECORD"] == str(directory)
    assert (directory / "histories").is_dir() and not list(directory.rglob("*.*"))  # the probe is gone


def test_a_record_directory_the_user_cannot_write_is_refused(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes into a read-only directory")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(ConfigError) as caught:
        cli.options(["--upstream", "http://127.0.0.1:18700", "--record", str(locked / "recordings")], {})
    assert str(caught.value) == (
        f"--record (MOCKSERVER_RECORD): cannot write recordings in {locked}/recordings: Permission denied"
    )


@pytest.mark.parametrize(
    ("argv0", "prog"),
    [
        ("/home/me/.venv/bin/oioi-mock", "oioi-mock"),
        ("oioi-mock", "oioi-mock"),
        ("/home/me/kit/mockserver/__main__.py", "python -m mockserver"),
        ("/home/me/.venv/bin/pytest", "python -m mockserver"),
    ],
)
def test_the_usage_names_the_command_that_started_the_mock(argv0: str, prog: str) -> None:
    assert cli.invoked_as(argv0) == prog


def test_the_installed_command_names_itself_in_its_usage() -> None:
    command = Path(sys.executable).parent / cli.COMMAND
    environ = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(command), *argv], env=environ, capture_output=True, text=True, timeout=60, check=False
        )

    refused = run("--no-such-flag")
    assert refused.returncode == 2
    assert refused.stderr == (
        "mockserver: unrecognized arguments: --no-such-flag (oioi-mock --help lists every flag)\n"
    )
    assert run("--help").stdout.startswith("usage: oioi-mock ")


@pytest.mark.parametrize(
    ("files", "users", "server", "why"),
    [
        ([], "", "granian", "asked for (--server granian): the fastest"),
        (
            ["scripts:\n  - sequence: [{scenario: ok}, {scenario: reset}]\n"],
            "",
            "gunicorn",
            "chosen for --server granian: s0.yaml $.scripts[0] uses 'reset'",
        ),
        (
            ["scenarios:\n  gone:\n    description: d\n    sequence: [{scenario: empty-response}]\n"],
            "",
            "gunicorn",
            "chosen for --server granian: s0.yaml $.scenarios.gone uses 'empty-response'",
        ),
        (
            ["scenarios:\n  slow:\n    description: d\n    compose: ['latency-fixed; ms=5', result-102]\n"],
            "",
            "granian",
            "asked for (--server granian): the fastest",
        ),
        (
            [],
            "users:\n  - id: u1\n    identifiers: {rfid: 0A1B2C3D}\n    scenario: reset\n",
            "gunicorn",
            "chosen for --server granian: users file, user u1 uses 'reset'",
        ),
    ],
    ids=["no socket needed", "a script resets", "a named sequence", "a composition", "a user's scenario"],
)
def test_granian_gives_way_to_gunicorn_when_a_file_needs_the_socket(
    tmp_path: Path, files: list[str], users: str, server: str, why: str
) -> None:
    argv = ["--server", "granian"]
    for index, text in enumerate(files):
        (tmp_path / f"s{index}.yaml").write_text("version: 1\n" + text, "utf-8")
        argv += ["--scenarios", str(tmp_path / f"s{index}.yaml")]
    if users:
        (tmp_path / "users.yaml").write_text(users, "utf-8")
        argv += ["--users", str(tmp_path / "users.yaml")]
    chosen = cli.options(argv, {})
    assert (chosen.server, chosen.server_why[: len(why)]) == (server, why), chosen.server_why
