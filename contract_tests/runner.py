"""One run: check the known-good user can be served, then send every case and judge every answer."""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import spec
from contract_tests import cases, explore, har
from contract_tests.checks import CHECKS, Check, Context
from contract_tests.config import Config
from contract_tests.errors import CannotJudge, OutOfTime, Stopped
from contract_tests.latency import summary
from contract_tests.model import Case, Exchange, Failure, Kind, Remark, Request, User
from contract_tests.transport import Client, curl, redact

KNOWN_GOOD = "known-good"  # the answer times' row of the known-good requests sent one at a time
STABILITY_GAP = 2.0  # seconds at least between the first known-good answers and their repeats (D44)
EXCERPT = 400  # characters of an answer kept in a failure
CURL_LIMIT = 20_000  # characters of a request body kept in a failure (a 1 MB case would bloat reports)


EXIT_PASS, EXIT_FAIL, EXIT_CANNOT_JUDGE = 0, 1, 2  # the suite's exit statuses (docs/ci.md)
VERDICTS = {EXIT_PASS: "PASS", EXIT_FAIL: "FAIL", EXIT_CANNOT_JUDGE: "INCOMPLETE"}  # a run's, by exit status


def _plural(count: int, noun: str) -> str:
    return noun if count == 1 else noun + "s"


@dataclass
class CheckResult:
    """How one check fared over the run; ``skipped``: why it judged nothing, when the options said so."""

    check: Check
    applied: int = 0  # cases (exchanges) it judged
    failures: list[Failure] = field(default_factory=list)  # a case may break its rule more than once
    skipped: str = ""
    failed_cases: int = 0  # cases with at least one failure

    @property
    def tally(self) -> str:
        """Failed cases over cases judged, then failures: "28 of 40 cases failed, 56 failures"."""
        failures = len(self.failures)
        return (
            f"{self.failed_cases} of {self.applied} {_plural(self.applied, 'case')} failed, "
            f"{failures} {_plural(failures, 'failure')}"
        )

    @property
    def outcome(self) -> str:
        if self.failures:
            return "failed"
        return "passed" if self.applied else "skipped"


@dataclass
class Report:
    """Everything a run found, for the console, JUnit and JSON writers."""

    config: Config
    results: list[CheckResult]
    warnings: list[Remark] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    by_group: dict[str, Counter[str]] = field(default_factory=dict)
    latencies: dict[str, list[float]] = field(default_factory=dict)  # seconds per answer, by case group
    known_latencies: list[float] = field(default_factory=list)  # the known-good answers sent one at a time
    phases: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    retries: int = 0
    duration: float = 0.0
    incomplete: str = ""
    recorded: dict[str, int] = field(default_factory=dict)  # a HAR run: what was judged and what not, counted

    @property
    def failures(self) -> list[Failure]:
        return [failure for result in self.results for failure in result.failures]

    @property
    def exit_code(self) -> int:
        """1 violations found; 2 none, but not every case was sent (--max-time): not judged; 0 keeps it."""
        return EXIT_FAIL if self.failures else EXIT_CANNOT_JUDGE if self.incomplete else EXIT_PASS

    @property
    def verdict(self) -> str:
        """The result line's words: FAIL (exit 1), INCOMPLETE (exit 2) or PASS (exit 0)."""
        return f"{VERDICTS[self.exit_code]} (exit {self.exit_code})"

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.duration if self.duration > 0 else 0.0

    def latency_rows(self) -> dict[str, dict[str, float]]:
        """Answer times by case group, then the known-good answers the budget is judged on."""
        rows = {group: summary(seconds) for group, seconds in self.latencies.items() if seconds}
        if self.known_latencies:
            rows[KNOWN_GOOD] = summary(self.known_latencies)
        return rows


LIVE_ONLY = "needs live calls: a recorded exchange alone cannot show it"  # why a HAR run skips a check


def _skipped(check: Check, config: Config) -> str:
    """Why ``check`` judges nothing in a run of ``config`` ("": it judges)."""
    if config.har is not None and not check.judges_recorded:
        return LIVE_ONLY
    return check.needs.missing if check.needs is not None and not check.needs.met(config) else ""


class Judge:
    """Applies every check to every exchange and keeps the tally; ``client``: None in a HAR run (nothing
    is sent), ``secrets``: more (what, value) no answer may disclose, e.g. those the HAR's requests sent."""

    def __init__(
        self, config: Config, client: Client | None, secrets: tuple[tuple[str, str], ...] = ()
    ) -> None:
        self.config = config
        self.client = client
        results = [CheckResult(check, skipped=_skipped(check, config)) for check in CHECKS]
        self.report = Report(config, results)
        self.context = Context(
            config.profile,
            secrets=config.secrets() + secrets,
            latency_budget=config.latency_budget,
            known_latencies=self.report.known_latencies,
        )

    def exchange(self, case: Case) -> Exchange:
        if self.client is None:
            raise ValueError("a HAR run sends nothing")
        url = self.config.url_for(self.config.path if case.path is None else case.path)
        request = Request(case.method, url, case.headers, case.body, case.chunked)
        return Exchange(case, request, self.client.send(request))

    def send(self, case: Case) -> None:
        self.judge(self.exchange(case))

    def judge(self, exchange: Exchange) -> None:
        self.judge_together([exchange])

    def judge_together(self, exchanges: list[Exchange]) -> None:
        """Judge exchanges whose known-good answers each check may compare with the others'."""
        for exchange in exchanges:
            if exchange.kind is Kind.KNOWN and exchange.result_code == 0 and exchange.case.expect.user:
                self.context.remember(exchange.sessions, exchange.case.expect.user)
        for exchange in exchanges:
            self._count(exchange)
            if exchange.kind is Kind.KNOWN and exchange.answered:
                self.context.known_latencies.append(exchange.response.elapsed)
            self._check(exchange)

    def _check(self, exchange: Exchange) -> None:
        for result in self.report.results:
            if result.skipped or not result.check.applies(exchange):
                continue
            result.applied += 1
            before = len(result.failures)
            for finding in result.check.function(self.context, exchange):
                if finding.warning:
                    self.report.warnings.append(
                        Remark(result.check.name, exchange.case.name, finding.message, finding.path)
                    )
                else:
                    result.failures.append(self._failure(result.check, exchange, finding))
            result.failed_cases += len(result.failures) > before

    def _failure(self, check: Check, exchange: Exchange, finding: Any) -> Failure:
        excerpt = exchange.response.error or self._excerpt(exchange.response.body)
        return Failure(
            check=check.name,
            family=check.family,
            rule=check.rule,
            case=f"{exchange.case.name}: {exchange.case.note}",
            message=finding.message,
            path=finding.path,
            value=finding.value,
            curl=self._curl(exchange.request),
            status=exchange.response.status,
            response_excerpt=excerpt,
            seed=self.config.seed,
        )

    def _curl(self, request: Request) -> str:
        """The request as curl, with the API key and every other secret known hidden."""
        text = curl(request, self.config.api_key, limit=CURL_LIMIT)
        for _, secret in self.context.secrets:
            text = redact(text, secret)
        return text

    def _excerpt(self, body: bytes) -> str:
        """The answer's first ``EXCERPT`` characters with the API key and the users' tokens hidden (an answer
        that discloses one is a failure: the report says where, never what)."""
        secrets = [self.config.api_key, *(value for _, value in self.context.secrets)]
        text = body[: EXCERPT + max(map(len, secrets))].decode("utf-8", errors="backslashreplace")
        for secret in secrets:
            text = redact(text, secret)
        return text[:EXCERPT]

    def _count(self, exchange: Exchange) -> None:
        report = self.report
        report.requests = self.client.sent if self.client is not None else report.requests + 1
        status = exchange.response.status
        report.retries += exchange.response.retries
        report.statuses[status] += 1
        code = exchange.result_code
        label = repr(code) if code is not None else "none"
        report.codes[label] += 1
        report.by_group.setdefault(exchange.case.group, Counter())[f"{status}/{label}"] += 1
        if exchange.answered:
            report.latencies.setdefault(exchange.case.group, []).append(exchange.response.elapsed)


_OPTIONS = {
    User.KNOWN: "--api-key, --identifier-type, --identifier and --token",
    User.SECOND: "--second-user-type, --second-user and --second-user-token",
}


def preflight(judge: Judge, user: User = User.KNOWN) -> Exchange:
    """Send ``user``'s known-good request; raise CannotJudge when the target cannot be judged at all."""
    config = judge.config
    exchange = judge.exchange(cases.success_case(config, user))
    response = exchange.response
    where = f"POST {config.url}"
    if not exchange.answered:
        raise CannotJudge(f"target unreachable: {where}: {response.error}")
    if response.status == 429:
        raise CannotJudge(
            f"target keeps rate-limiting (HTTP 429 after retries): lower --rate-limit ({where})"
        )
    code = exchange.result_code
    family = (
        spec.result_codes()[code].family if isinstance(code, int) and code in spec.result_codes() else None
    )
    if family in {"user-auth", "partner-auth"} or response.status in {401, 403}:
        message = exchange.body.get("result", {}).get("message") if exchange.is_json_object else None
        whose = "known-good" if user is User.KNOWN else "second user's"
        raise CannotJudge(
            f"the {whose} credentials were refused: HTTP {response.status}, result code {code!r}"
            f" ({message or 'no message'}); check {_OPTIONS[user]}"
        )
    if response.status in {404, 405} and code != 0:
        raise CannotJudge(f"nothing answers {where} (HTTP {response.status}): check --base-url and --path")
    return exchange


def concurrently(judge: Judge, sent: list[Case]) -> int:
    """Send ``sent`` from ``--concurrency`` threads (the client's rate limit still holds), then judge
    every answer; returns how many were sent."""
    with ThreadPoolExecutor(judge.config.concurrency) as pool:
        exchanges = list(pool.map(judge.exchange, sent))
    for exchange in exchanges:
        judge.judge(exchange)
    return len(exchanges)


def run_recorded(config: Config) -> Report:
    """Judge the exchanges of the call in the HAR file ``config.har``, offline; CannotJudge when it is not
    a HAR file or holds no exchange of the call to judge."""
    started = time.monotonic()
    recorded = har.read(config)
    if not recorded.exchanges:
        raise CannotJudge(f"{config.har}: no exchange of the call to judge ({recorded.summary()})")
    secrets = tuple((what, value) for value, what in recorded.secrets.items())
    judge = Judge(config, None, secrets)
    for exchange in recorded.exchanges:
        judge.judge(exchange)
    report = judge.report
    report.recorded = {name: recorded.counts[name] for name in har.COUNTED}
    report.duration = time.monotonic() - started
    return report


def run(config: Config) -> Report:
    """Judge the target, or with ``config.har`` the exchanges of a HAR file; raises CannotJudge when it
    cannot (exit status 2)."""
    if config.har is not None:
        return run_recorded(config)
    started = time.monotonic()
    deadline = started + config.max_time
    client = Client(
        config.rate_limit, config.timeout, config.retries, deadline, verify=config.ca_cert or True
    )
    judge = Judge(config, client)
    report = judge.report
    try:
        try:
            known = [preflight(judge, user) for user in config.users]
        except OutOfTime as exc:
            raise CannotJudge(f"--max-time {config.max_time:g} s ran out before the first answers") from exc
        judge.judge_together(known)  # each user's answer is compared with the other's
        first_answers = time.monotonic()
        fixed = cases.fixed_cases(config)
        for case in fixed:
            judge.send(case)
        judge.send(cases.success_case(config))  # again: the known user's data, for comparisons
        report.phases["fixed"] = len(known) + len(fixed) + 1
        report.phases["concurrent"] = concurrently(judge, cases.concurrent_cases(config))
        for name, explorer in explore.EXPLORERS:
            report.phases[name] = explorer(config, judge.send)
        client.wait(first_answers + STABILITY_GAP - time.monotonic())  # finished sessions may not drift
        repeated = cases.repeated_cases(config)
        for case in repeated:
            judge.send(case)
        report.phases["repeated"] = len(repeated)
    except Stopped as stop:
        why = f"stopped after --max-time {config.max_time:g} s" if isinstance(stop, OutOfTime) else str(stop)
        report.incomplete = f"{why}; later cases were not sent"
        report.warnings.append(Remark("runner", "-", report.incomplete))
    report.requests = client.sent
    report.duration = time.monotonic() - started
    return report
