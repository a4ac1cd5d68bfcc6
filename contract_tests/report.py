"""Writers for a run's report: the console blocks, JUnit XML (one test case per check), JSON, and the
HTML page of ``contract_tests.html_report``."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import spec
from contract_tests import html_report
from contract_tests.errors import ReportNotWritten
from contract_tests.model import Failure
from contract_tests.runner import KNOWN_GOOD, Report

SHOWN_PER_CHECK = 3
SHOWN_PER_CHECK_IN_JUNIT = 20
CURL_LIMIT = 1500


def _value(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 300 else text[:300] + "…"


def _see(json_path: str | None) -> str:
    """Where the whole of what a console line cuts can be read: the JSON report, if one was written."""
    return f": see {json_path}" if json_path else ""


def _more(count: int, json_path: str | None) -> str:
    return f"... and {count} more" + (_see(json_path) or " (--report FILE lists every failure)")


def failure_block(failure: Failure, json_path: str | None = None) -> str:
    """One failure as the console and JUnit show it; ``json_path``: the JSON report written, if any."""
    curl = failure.curl
    if len(curl) > CURL_LIMIT:
        curl = curl[:CURL_LIMIT] + f"…({len(curl) - CURL_LIMIT} more characters{_see(json_path)})"
    return "\n".join(
        [
            f"  case:    {failure.case}",
            f"  problem: {failure.message}",
            f"  at:      {failure.path}" + ("" if failure.value is None else f" = {_value(failure.value)}"),
            f"  status:  {failure.status or 'no answer'}",
            f"  answer:  {failure.response_excerpt[:300]!r}",
            f"  request: {curl}",
            f"  replay:  --seed {failure.seed}",
        ]
    )


def console(report: Report, json_path: str | None = None) -> str:
    """The run for a terminal; ``json_path``: the JSON report written, if any, for what it cuts."""
    config = report.config
    judge = f"contract suite {spec.version()}"
    lines = [f"{judge}: {config.target} (profile {config.profile}, seed {config.seed})"]
    if report.recorded:
        counted = ", ".join(f"{count} {name}" for name, count in report.recorded.items() if count)
        lines.append(f"recorded: {counted}")
    for result in report.results:
        if not result.failures:
            continue
        check = result.check
        lines += [
            "",
            f"FAILED {check.name} [{check.family}] ({result.tally})",
            f"  rule:    {check.rule}",
        ]
        for failure in result.failures[:SHOWN_PER_CHECK]:
            lines += ["  ---", failure_block(failure, json_path)]
        if len(result.failures) > SHOWN_PER_CHECK:
            lines.append("  " + _more(len(result.failures) - SHOWN_PER_CHECK, json_path))
    if report.warnings:
        sources = Counter(remark.source for remark in report.warnings)
        lines += ["", "warnings: " + ", ".join(f"{name} x{count}" for name, count in sorted(sources.items()))]
        distinct = Counter((remark.source, remark.message) for remark in report.warnings)
        for (source, message), count in distinct.most_common(8):
            lines.append(f"  {source}: {message}" + (f" (x{count})" if count > 1 else ""))
    skipped: dict[str, list[str]] = {}
    for result in report.results:
        if result.skipped:
            skipped.setdefault(result.skipped, []).append(result.check.name)
    for reason, names in skipped.items():
        lines += ["", f"skipped ({reason}): {', '.join(names)}"]
    if report.latency_rows():  # a HAR file's answers without bodies have none
        lines += ["", *latency_table(report)]
    failed = sum(1 for result in report.results if result.failures)
    if report.config.har is not None:  # nothing was sent: the file's exchanges were read
        sent = f"{report.requests} exchanges of {report.config.har} judged"
    else:
        sent = f"{report.requests} requests in {report.duration:.1f} s ({report.requests_per_second:.1f}/s)"
    lines += [
        "",
        f"statuses seen: {dict(sorted(report.statuses.items()))}; result codes seen: "
        f"{dict(sorted(report.codes.items()))}",
        f"{len(report.results)} checks, {failed} failed, {len(report.failures)} failures, "
        f"{len(report.warnings)} warnings; {sent}",
    ]
    if report.incomplete:
        lines.append(f"INCOMPLETE: {report.incomplete}")
    lines.append(f"RESULT: {report.verdict}")
    return "\n".join(lines)


def latency_table(report: Report) -> list[str]:
    budget = report.config.latency_budget
    lines = [
        "answer times (ms)" + (f", --latency-budget {budget:g} ms on {KNOWN_GOOD} p95" if budget else ""),
        f"  {'group':<16}{'answers':>8}{'p50':>9}{'p95':>9}{'max':>9}",
    ]
    for group, row in report.latency_rows().items():
        lines.append(
            f"  {group:<16}{row['count']:>8}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}{row['max_ms']:>9.1f}"
        )
    return lines


def junit(report: Report, json_path: str | None = None) -> bytes:
    """One test case per check; ``json_path``: the JSON report written beside it, if any."""
    suite = ET.Element(
        "testsuite",
        name="contract_tests",
        tests=str(len(report.results)),
        failures=str(sum(1 for r in report.results if r.failures)),
        skipped=str(sum(1 for r in report.results if not r.applied)),
        time=f"{report.duration:.3f}",
    )
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", name="version", value=spec.version())  # of the kit that judged
    for result in report.results:
        check = result.check
        case = ET.SubElement(
            suite, "testcase", classname=f"contract.{check.family}", name=check.name, time="0"
        )
        if result.failures:
            shown = result.failures[:SHOWN_PER_CHECK_IN_JUNIT]
            text = "\n---\n".join(failure_block(f, json_path) for f in shown)
            if len(result.failures) > len(shown):
                text += "\n---\n" + _more(len(result.failures) - len(shown), json_path)
            element = ET.SubElement(
                case, "failure", message=f"{result.tally}: {check.rule}", type=check.family
            )
            element.text = text
        elif not result.applied:
            ET.SubElement(case, "skipped", message=result.skipped or "no exchange this check applies to")
        ET.SubElement(case, "system-out").text = f"rule: {check.rule}\njudged {result.applied} cases"
    document: bytes = ET.tostring(suite, encoding="utf-8", xml_declaration=True)
    return document


def as_json(report: Report) -> dict[str, Any]:
    config = report.config
    return {
        "version": spec.version(),  # of the kit that judged
        "target": config.url if config.har is None else config.har,
        **({"recorded": report.recorded} if report.recorded else {}),
        "profile": config.profile,
        "seed": config.seed,
        "users": [user.value for user in config.users],
        "exit_code": report.exit_code,
        "incomplete": report.incomplete or None,
        "requests": report.requests,
        "retries": report.retries,
        "duration_seconds": round(report.duration, 3),
        "requests_per_second": round(report.requests_per_second, 2),
        "phases": report.phases,
        "latency": {"budget_ms": config.latency_budget, "by_group": report.latency_rows()},
        "coverage": {
            "statuses": {str(k): v for k, v in sorted(report.statuses.items())},
            "result_codes": dict(sorted(report.codes.items())),
            "documented_codes_not_seen": [
                code for code in spec.result_codes() if repr(code) not in report.codes
            ],
            "by_group": {group: dict(sorted(counter.items())) for group, counter in report.by_group.items()},
        },
        "checks": [
            {
                "name": r.check.name,
                "family": r.check.family,
                "rule": r.check.rule,
                "applied": r.applied,
                "outcome": r.outcome,
                "failed_cases": r.failed_cases,
                "failures": len(r.failures),
                **({"skipped": r.skipped} if r.skipped else {}),
            }
            for r in report.results
        ],
        "failures": [failure.as_dict() for failure in report.failures],
        "warnings": [remark.as_dict() for remark in report.warnings],
    }


def cannot_judge_junit(reason: str) -> bytes:
    """A run that could not judge the target, as JUnit XML: one test case, in error, saying why."""
    suite = ET.Element(
        "testsuite", name="contract_tests", tests="1", failures="0", errors="1", skipped="0", time="0"
    )
    case = ET.SubElement(suite, "testcase", classname="contract.setup", name="target-can-be-judged", time="0")
    error = ET.SubElement(case, "error", message=f"cannot judge the target: {reason}", type="cannot-judge")
    error.text = (
        f"{reason}\nThe target was not judged (exit 2): this says nothing about the contract; "
        "check the URL, the target's availability, the credentials and the options."
    )
    document: bytes = ET.tostring(suite, encoding="utf-8", xml_declaration=True)
    return document


def cannot_judge_json(reason: str, target: str | None) -> dict[str, Any]:
    """A run that could not judge the target (``target``: the call's URL, if the options gave one)."""
    return {"target": target, "exit_code": 2, "reason": reason}


def write_cannot_judge(
    reason: str,
    target: str | None,
    junit_path: str | None,
    json_path: str | None,
    html_path: str | None = None,
) -> None:
    """Write the reports asked for (and their folders) of a run that could not judge; ReportNotWritten
    naming those that could not be written (after writing the others)."""
    _write_each(
        (json_path, lambda: _json_bytes(cannot_judge_json(reason, target))),
        (junit_path, lambda: cannot_judge_junit(reason)),
        (html_path, lambda: html_report.cannot_judge_page(reason, target)),
    )


def write(
    report: Report, junit_path: str | None, json_path: str | None, html_path: str | None = None
) -> None:
    """Write the reports asked for (and their folders); ReportNotWritten naming those that could not be
    written (after writing the others)."""
    _write_each(
        (json_path, lambda: _json_bytes(as_json(report))),
        (junit_path, lambda: junit(report, json_path)),
        (html_path, lambda: html_report.page(report, json_path)),
    )


def _write_each(*documents: tuple[str | None, Callable[[], bytes]]) -> None:
    """Write each document asked for (a path given), then raise one ReportNotWritten for all that failed."""
    failed = []
    for path, content in documents:
        if path:
            try:
                _write(path, content())
            except ReportNotWritten as exc:
                failed.append(str(exc))
    if failed:
        raise ReportNotWritten("; ".join(failed))


def _write(path: str, content: bytes) -> None:
    with _writing(path) as target:
        target.write_bytes(content)


def check_writable(path: str) -> None:
    """ReportNotWritten if a report cannot be written at ``path``, found by creating its folders and
    opening the file for appending (a file that was not there is removed again): nothing is sent first."""
    with _writing(path) as target:
        existed = target.exists()
        with target.open("ab"):
            pass
        if not existed:
            target.unlink()


@contextmanager
def _writing(path: str) -> Iterator[Path]:
    """``path`` with its folders made; what goes wrong writing there raised as ReportNotWritten."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        yield target
    except FileExistsError as exc:  # from mkdir: a file stands where a folder must be
        raise ReportNotWritten(f"{path}: {exc.filename} is a file, not a folder") from exc
    except OSError as exc:
        obstacle = f" ({exc.filename})" if exc.filename and str(exc.filename) != path else ""
        raise ReportNotWritten(f"{path}: {exc.strerror or exc}{obstacle}") from exc


def _json_bytes(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
