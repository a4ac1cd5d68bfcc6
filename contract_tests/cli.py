"""The command line: ``python -m contract_tests --base-url URL --api-key KEY ...``.

Every option also reads ``CONTRACT_<NAME>`` from the environment (the command line wins), so a
secret never has to appear on a command line. A loopback target given no credentials is judged with
the local mock's demo key and two of its users (``DEMO_CREDENTIALS``); any other target needs them.
Exit status: 0 the target keeps the contract; 1 violations found; 2 the run could not judge
(unreachable, credentials refused, bad options).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import spec
from contract_tests import report, runner
from contract_tests.config import (
    COMMAND,
    DEMO_CREDENTIALS,
    LIVE_REQUIRED,
    MODULE,
    RULES,
    Config,
    is_loopback,
    second_user_problem,
)
from contract_tests.errors import CannotJudge, ReportNotWritten
from contract_tests.runner import EXIT_CANNOT_JUDGE


def _integer(text: str) -> int:
    if not spec.ASCII_INTEGER.fullmatch(text.strip()):
        raise ValueError("not an integer (ASCII digits)")
    return int(text)


def _number(text: str) -> float:
    if not spec.ASCII_NUMBER.fullmatch(text.strip()):
        raise ValueError("not a number (ASCII digits, e.g. 2.5)")
    return float(text)


def _token(text: str) -> str | None:
    return text or None  # an empty token: the user has none


_SETTINGS = {setting.name: setting for setting in dataclasses.fields(Config)}


@dataclass(frozen=True)
class Option:
    """One option: its flag (named after the Config field it sets), a parser of its text, its help and
    choices.

    Its default, and whether it is required (a field without one), are the Config field's; which values
    it takes, the field's rule in ``contract_tests.config.RULES``.
    """

    flag: str
    parse: Callable[[str], Any]
    help: str
    choices: Sequence[str] | None = None

    @property
    def field(self) -> str:
        return self.flag.removeprefix("--").replace("-", "_")

    @property
    def env(self) -> str:
        return "CONTRACT_" + self.field.upper()

    @property
    def required(self) -> bool:
        """Required by a live run (a HAR run requires none)."""
        return self.field in LIVE_REQUIRED

    @property
    def default(self) -> Any:
        return None if self.required else _SETTINGS[self.field].default


OPTIONS: list[Option] = [
    Option("--base-url", str, "the target, e.g. https://staging.example.com"),
    Option(
        "--har",
        str,
        "judge the exchanges of the call recorded in this HAR 1.2 file instead, offline (no --base-url "
        "or credentials; an --api-key or --token given is a secret no answer may disclose)",
    ),
    Option("--api-key", str, "the partner API key (sent as 'Authorization: key=KEY')"),
    Option("--identifier-type", str, "the known-good user's identifier-type", spec.IDENTIFIER_TYPES),
    Option("--identifier", str, "the known-good user's identifier"),
    Option("--token", _token, "the known-good user's token (omit if the user has none)"),
    Option(
        "--second-user-type",
        str,
        "a second known-good user, another person: its identifier-type (enables the checks across two users)",
        spec.IDENTIFIER_TYPES,
    ),
    Option("--second-user", str, "the second known-good user's identifier"),
    Option("--second-user-token", _token, "the second known-good user's token (omit if it has none)"),
    Option("--path", str, "the call's path"),
    Option("--profile", str, "validation profile", spec.PROFILES),
    Option("--seed", _integer, "seed for generated cases; a failure's replay line repeats it"),
    Option("--max-examples", _integer, "examples per property-based explorer"),
    Option("--max-time", _number, "overall time limit in seconds; the run stops sending after it"),
    Option("--rate-limit", _number, "requests per second at most (0: no limit)"),
    Option("--timeout", _number, "seconds to wait for one answer"),
    Option(
        "--ca-cert",
        str,
        "an https target's CA certificate file (PEM), e.g. the one the mock's --tls-self-signed prints "
        "(default: the system's CAs, or the file REQUESTS_CA_BUNDLE names)",
    ),
    Option(
        "--concurrency",
        _integer,
        "requests in flight at once when the two users' requests are interleaved (within --rate-limit)",
    ),
    Option(
        "--retries",
        _integer,
        "retries per request on 429/503 (honouring Retry-After) or a dropped connection; a target that "
        "answered and then refuses a request and its retries has gone away: the run stops (INCOMPLETE)",
    ),
    Option(
        "--latency-budget",
        _number,
        "milliseconds: fail when the known-good answers' 95th percentile takes longer (off by default)",
    ),
    Option("--junitxml", str, "write JUnit XML here (one test case per check)"),
    Option("--report", str, "write the JSON report here"),
    Option("--html", str, "write the report as one self-contained HTML page here (opens offline)"),
]

_BY_FIELD = {option.field: option for option in OPTIONS}


def invoked_as(argv0: str | None = None) -> str:
    """How the user started the suite, for the usage line and hints."""
    name = Path(sys.argv[0] if argv0 is None else argv0).name
    return name if name in (COMMAND, f"{COMMAND}.exe") else MODULE


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse exits 2 too; say it our way, in one line
        raise CannotJudge(f"bad options: {message} ({self.prog} --help lists every option)")


def parser() -> argparse.ArgumentParser:
    cli = _Parser(
        prog=invoked_as(),
        description=f"Judge an implementation of OIOI {spec.CALL} from its base URL. "
        "Each option also reads CONTRACT_<OPTION> (e.g. CONTRACT_API_KEY). A loopback target "
        "(localhost, 127.0.0.0/8, ::1) given no credentials is judged with the local mock's demo "
        "key and two of its users; any other needs them. "
        "With --har FILE, the exchanges a capture recorded are judged offline. "
        "Exit: 0 keeps the contract, 1 violations found, 2 could not judge.",
    )
    for option in OPTIONS:
        cli.add_argument(
            option.flag,
            dest=option.field,
            default=None,
            choices=option.choices,
            help=f"{option.help} [env {option.env}]"
            + (f" (default {option.default})" if option.default is not None else ""),
        )
    cli.add_argument("--quiet", action="store_true", help="print only the result line and failures")
    cli.add_argument("--version", action="version", version=f"%(prog)s {spec.version()}")
    return cli


class _Raising(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # neither print nor exit: the caller decides
        raise ValueError(message)


def _given(option: Option, given: Mapping[str, Any], environ: Mapping[str, str]) -> tuple[Any, str]:
    """The option's text and where it came from: the command line, else its CONTRACT_* variable."""
    raw = given.get(option.field)
    if raw is None and environ.get(option.env, "") != "":
        return environ[option.env], option.env
    return raw, option.flag


_OUTPUTS = [option for option in OPTIONS if option.field in {"junitxml", "report", "html"}]
Outputs = tuple[str | None, str | None, str | None]


def _outputs(given: Mapping[str, Any], environ: Mapping[str, str]) -> Outputs:
    """Where the JUnit XML, the JSON report and the HTML page go (None: not asked for)."""
    junitxml, report, html = (_given(option, given, environ)[0] or None for option in _OUTPUTS)
    return junitxml, report, html


def _read_alone(argv: Sequence[str] | None) -> dict[str, Any]:
    """--junitxml, --report, --html and --base-url read on their own (no abbreviations), when the other
    options did not parse: a refused command line still writes its reports, saying why and of what."""
    alone = _Raising(add_help=False, allow_abbrev=False)
    for option in [*_OUTPUTS, _BY_FIELD["base_url"]]:
        alone.add_argument(option.flag, dest=option.field)
    try:
        return vars(alone.parse_known_args(argv)[0])
    except ValueError:  # e.g. --report without a value
        return {}


def config_from(argv: Sequence[str] | None, environ: Mapping[str, str]) -> Config:
    """The Config from the command line, then CONTRACT_* variables, then its defaults; CannotJudge if bad."""
    return _config(parser().parse_args(argv), environ)[0]


def _config(args: argparse.Namespace, environ: Mapping[str, str]) -> tuple[Config, bool]:
    """The Config, and whether the demo credentials stand in for none given (a loopback target)."""
    values: dict[str, Any] = {}
    missing = []
    for option in OPTIONS:
        raw, source = _given(option, vars(args), environ)
        if raw is None:
            if option.required:
                missing.append(option)
            continue
        try:
            values[option.field] = option.parse(raw)
            RULES[option.field](values[option.field])
        except ValueError as exc:
            raise CannotJudge(f"bad options: {source}: {raw!r}: {exc}") from exc
    recorded = "har" in values
    if not recorded and "base_url" not in values:  # the credentials depend on the target: name it alone
        base, har = _BY_FIELD["base_url"], _BY_FIELD["har"]
        raise CannotJudge(
            f"bad options: missing {base.flag} (or {base.env}), the server to judge, or {har.flag} FILE; "
            "a loopback target is judged as the demo users without credentials, any other needs "
            "--api-key and the known user's options"
        )
    demo = not recorded and "base_url" in values and not values.keys() & DEMO_CREDENTIALS.keys()
    if demo:
        if not is_loopback(values["base_url"]):
            raise CannotJudge(_no_credentials(values["base_url"]))
        values |= DEMO_CREDENTIALS
        missing = [option for option in missing if option.field not in values]
    if missing and not recorded:
        raise CannotJudge(
            "bad options: missing " + ", ".join(f"{option.flag} (or {option.env})" for option in missing)
        )
    problem = second_user_problem(values, lambda field: _named(_BY_FIELD[field]))
    if problem is not None:
        raise CannotJudge(f"bad options: {problem}")
    return Config(**values, quiet=args.quiet), demo


_SECOND_USER = [_BY_FIELD[name] for name in ("second_user_type", "second_user", "second_user_token")]


def _named(*options: Option) -> str:
    return " and ".join(f"{option.flag} (or {option.env})" for option in options)


def _no_credentials(base_url: str) -> str:
    options = [option for option in OPTIONS if option.field in DEMO_CREDENTIALS]
    first = [option for option in options if option not in _SECOND_USER]
    needed = ", ".join(option.env for option in first if option.required)
    if_any = ", ".join(option.env for option in first if not option.required)
    second = ", ".join(option.env for option in _SECOND_USER)
    return (
        f"bad options: no credentials given for {base_url}, and the demo key and users go to loopback "
        f"targets only (localhost, 127.0.0.0/8, ::1): set {needed} and, if the user has one, {if_any}; "
        f"for the checks across two users also {second} (or give {', '.join(o.flag for o in options)})"
    )


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run the suite; returns the exit status. Every exit writes the reports asked for."""
    environ = os.environ if environ is None else environ
    try:
        args = parser().parse_args(argv)
    except CannotJudge as exc:
        alone = _read_alone(argv)
        target = _given(_BY_FIELD["base_url"], alone, environ)[0]
        return _cannot_judge(exc, target, _outputs(alone, environ))
    outputs = _outputs(vars(args), environ)
    target = _given(_BY_FIELD["base_url"], vars(args), environ)[0]  # as given, until the options are read
    try:
        config, demo = _config(args, environ)
        target = config.har or config.url
        _check_outputs(vars(args), environ)
        if demo:
            print(
                f"contract suite: no credentials given: judging {config.base_url} (a loopback target) "
                f"with the demo key, as the demo user ({config.identifier_type} {config.identifier}) "
                f"and a second demo user ({config.second_user_type} {config.second_user})",
                file=sys.stderr,
            )
        result = runner.run(config)
    except CannotJudge as exc:
        return _cannot_judge(exc, target, outputs)
    try:
        report.write(result, config.junitxml, config.report, config.html)
    except ReportNotWritten as exc:  # e.g. the disk filled up during the run: the verdict is not delivered
        _print_console(result, None, config.quiet, verdict=False)
        print(f"contract suite: cannot write the report {exc}", file=sys.stderr)
        print(CANNOT_JUDGE_LINE)
        return EXIT_CANNOT_JUDGE
    _print_console(result, config.report, config.quiet)
    written = [path for path in (config.junitxml, config.report, config.html) if path]
    if written:
        print(f"contract suite: reports written: {', '.join(written)}", file=sys.stderr)
    return result.exit_code


CANNOT_JUDGE_LINE = f"RESULT: CANNOT JUDGE (exit {EXIT_CANNOT_JUDGE})"


def _check_outputs(given: Mapping[str, Any], environ: Mapping[str, str]) -> None:
    """CannotJudge, before anything is sent, naming the first report asked for that cannot be written."""
    for option in _OUTPUTS:
        path, source = _given(option, given, environ)
        if path:
            try:
                report.check_writable(path)
            except ReportNotWritten as exc:
                raise UnwritableReport(f"bad options: {source}: cannot write there: {exc}", path) from exc


class UnwritableReport(CannotJudge):
    """A report asked for cannot be written where it was asked: said once, and not tried again."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path


def _print_console(result: runner.Report, json_path: str | None, quiet: bool, verdict: bool = True) -> None:
    """The run on stdout; ``verdict``: with its RESULT line (not when the reports could not be written)."""
    lines = report.console(result, json_path).splitlines()
    if not verdict:
        lines = [line for line in lines if not line.startswith("RESULT")]
    if quiet:  # the failed checks' names and the verdict only
        lines = [line for line in lines if line.startswith(("FAILED", "RESULT"))]
    print("\n".join(lines))


def _cannot_judge(reason: CannotJudge, target: str | None, outputs: Outputs) -> int:
    """Say why the run cannot judge, on stderr and in the reports asked for (replacing older ones)."""
    print(f"contract suite: cannot judge the target: {reason}", file=sys.stderr)
    if isinstance(reason, UnwritableReport):  # the reason already says that path cannot be written
        junitxml, json_report, html = (None if path == reason.path else path for path in outputs)
        outputs = (junitxml, json_report, html)
    try:
        report.write_cannot_judge(str(reason), target, *outputs)
    except ReportNotWritten as exc:
        print(f"contract suite: cannot write the report {exc}", file=sys.stderr)
    print(CANNOT_JUDGE_LINE)  # the last line, as on every other exit
    return EXIT_CANNOT_JUDGE
