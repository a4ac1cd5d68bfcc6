"""The run as one HTML page (``--html FILE``) that opens anywhere, offline: inline CSS, no script, no font
or image, nothing fetched.

Everything the page shows that came from the target (answers, result codes, values) or was sent to it
(identifiers, tokens, curl commands) is escaped: the target is hostile input. Should escaping ever miss,
the page's Content-Security-Policy still forbids scripts and every load.
"""

from __future__ import annotations

import json
from collections import Counter
from html import escape
from typing import Any

import spec
from contract_tests.model import Failure
from contract_tests.runner import KNOWN_GOOD, VERDICTS, CheckResult, Report

SHOWN_PER_CHECK = 20  # failures shown per failed check; the JSON report lists every one
VALUE_LIMIT = 2000  # characters of an offending value shown
WARNINGS_SHOWN = 20  # distinct warning messages shown

_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
_STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 72em;
       padding: 0 1em; color: #1c1c1c; background: #fff; }
h1 { font-size: 1.6em; margin: 0 0 .3em; }
h2 { font-size: 1.25em; border-bottom: 1px solid #ddd; padding-bottom: .2em; margin-top: 2em; }
h3 { font-size: 1.05em; margin: 1.4em 0 .3em; }
.verdict { display: inline-block; padding: .15em .6em; border-radius: .3em; color: #fff; }
.pass { background: #1d7a35; } .fail { background: #b3261e; } .incomplete { background: #9a6700; }
.rule { margin: .3em 0 .8em; padding: .4em .8em; border-left: 4px solid #b3261e; background: #fbf3f2; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { text-align: left; vertical-align: top; padding: .25em .7em; border-bottom: 1px solid #eee; }
th { background: #f6f6f6; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.failure { width: 100%; margin-bottom: 1.2em; border: 1px solid #e4e4e4; }
table.failure th { width: 7em; }
pre, code { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.muted { color: #666; }
"""


def _e(value: Any) -> str:
    """``value`` as text safe inside an element or a quoted attribute."""
    return escape(str(value), quote=True)


def _json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= VALUE_LIMIT else text[:VALUE_LIMIT] + f"…({len(text) - VALUE_LIMIT} more)"


def _table(head: list[str], rows: list[list[Any]], numeric: frozenset[int] = frozenset()) -> str:
    def cells(tag: str, values: list[Any]) -> str:
        return "".join(
            f"<{tag}{' class=num' if index in numeric else ''}>{_e(value)}</{tag}>"
            for index, value in enumerate(values)
        )

    body = "".join(f"<tr>{cells('td', row)}</tr>" for row in rows)
    return f"<table><thead><tr>{cells('th', head)}</tr></thead><tbody>{body}</tbody></table>"


def _document(title: str, body: str) -> bytes:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head>\n"
        f"<body>\n{body}\n</body></html>\n"
    ).encode()


def _verdict(report: Report) -> tuple[str, str]:
    return report.verdict, VERDICTS[report.exit_code].lower()


def _summary(report: Report) -> str:
    config = report.config
    verdict, style = _verdict(report)
    failed = sum(1 for result in report.results if result.failures)
    facts: list[tuple[str, Any]] = [
        ("target", config.target),
        ("judged by", f"oioi-recent-sessions-kit {spec.version()}"),
        ("profile, seed", f"{config.profile}, --seed {config.seed}"),
        ("known-good users", ", ".join(user.value for user in config.users)),
        ("checks", f"{len(report.results)}: {failed} failed, {len(report.failures)} failures"),
        ("warnings", len(report.warnings)),
        *(
            [("recorded", ", ".join(f"{count} {name}" for name, count in report.recorded.items() if count))]
            if report.recorded
            else []
        ),
        ("requests", f"{report.requests} in {report.duration:.1f} s ({report.requests_per_second:.1f}/s)"),
    ]
    incomplete = (
        f'<p><span class="verdict incomplete">INCOMPLETE</span> {_e(report.incomplete)}</p>'
        if report.incomplete
        else ""
    )
    rows = "".join(f"<tr><th>{_e(name)}</th><td>{_e(value)}</td></tr>" for name, value in facts)
    return (
        f'<h1>Contract suite: <span class="verdict {style}" id="verdict">{_e(verdict)}</span></h1>'
        f"{incomplete}<table>{rows}</table>"
    )


def _failure(failure: Failure) -> str:
    at = failure.path + ("" if failure.value is None else f" = {_json(failure.value)}")
    rows = [
        ("case", _e(failure.case)),
        ("problem", _e(failure.message)),
        ("at", f"<code>{_e(at)}</code>"),
        ("status", _e(failure.status or "no answer")),
        ("answer", f"<pre>{_e(failure.response_excerpt)}</pre>"),
        ("request", f"<pre>{_e(failure.curl)}</pre>"),
        ("replay", f"<code>--seed {_e(failure.seed)}</code>"),
    ]
    cells = "".join(f"<tr><th>{name}</th><td>{value}</td></tr>" for name, value in rows)
    return f'<table class="failure">{cells}</table>'


def _failed_check(result: CheckResult, json_path: str | None) -> str:
    check = result.check
    shown = "".join(_failure(failure) for failure in result.failures[:SHOWN_PER_CHECK])
    more = len(result.failures) - SHOWN_PER_CHECK
    where = f"the JSON report ({json_path}) lists them" if json_path else "--report FILE lists them"
    rest = f'<p class="muted">… and {more} more: {_e(where)}</p>' if more > 0 else ""
    return (
        f'<section class="failed-check" id="{_e(check.name)}">'
        f"<h3>FAILED {_e(check.name)} <span class=muted>[{_e(check.family)}] "
        f"{_e(result.tally)}</span></h3>"
        f'<p class="rule">{_e(check.rule)}</p>{shown}{rest}</section>'
    )


def _failed(report: Report, json_path: str | None) -> str:
    failed = [result for result in report.results if result.failures]
    if not failed:
        return "<h2>Failed checks</h2><p>None.</p>"
    return "<h2>Failed checks</h2>" + "".join(_failed_check(result, json_path) for result in failed)


def _checks(report: Report) -> str:
    rows = [
        [r.check.name, r.check.family, r.outcome, r.applied, r.failed_cases, len(r.failures), r.skipped]
        for r in report.results
    ]
    head = ["check", "family", "outcome", "cases judged", "cases failed", "failures", "skipped because"]
    return "<h2>Every check</h2>" + _table(head, rows, frozenset({3, 4, 5}))


def _warnings(report: Report) -> str:
    if not report.warnings:
        return ""
    by_source = Counter(remark.source for remark in report.warnings)
    distinct = Counter((remark.source, remark.message) for remark in report.warnings)
    shown = [[source, message, count] for (source, message), count in distinct.most_common(WARNINGS_SHOWN)]
    return (
        "<h2>Warnings</h2>"
        + _table(["source", "warnings"], [list(item) for item in sorted(by_source.items())], frozenset({1}))
        + _table(["source", "message", "times"], shown, frozenset({2}))
    )


def _seen(report: Report) -> str:
    statuses = [[status or "no answer", count] for status, count in sorted(report.statuses.items())]
    codes = [[code, count] for code, count in sorted(report.codes.items())]
    unseen = [code for code in spec.result_codes() if repr(code) not in report.codes]
    return (
        "<h2>Statuses and result codes seen</h2>"
        + _table(["HTTP status", "answers"], statuses, frozenset({1}))
        + _table(["result code", "answers"], codes, frozenset({1}))
        + f"<p>Documented codes not seen: {_e(', '.join(map(str, unseen)) or 'none')}</p>"
    )


def _times(report: Report) -> str:
    budget = report.config.latency_budget
    said = (
        f"--latency-budget {budget:g} ms, judged on the {KNOWN_GOOD} row's p95."
        if budget is not None
        else f"No --latency-budget: times are reported, not judged. {KNOWN_GOOD}: the known-good requests "
        "sent one at a time."
    )
    rows = [
        [group, row["count"], f"{row['p50_ms']:.1f}", f"{row['p95_ms']:.1f}", f"{row['max_ms']:.1f}"]
        for group, row in report.latency_rows().items()
    ]
    table = _table(["group of cases", "answers", "p50 ms", "p95 ms", "max ms"], rows, frozenset({1, 2, 3, 4}))
    return f"<h2>Answer times</h2><p>{_e(said)}</p>{table}"


def page(report: Report, json_path: str | None = None) -> bytes:
    """The report as a page; ``json_path``: the JSON report written beside it, if any."""
    verdict, _ = _verdict(report)
    body = "\n".join(
        [
            _summary(report),
            _failed(report, json_path),
            _checks(report),
            _warnings(report),
            _seen(report),
            _times(report),
        ]
    )
    return _document(f"contract suite: {verdict}: {report.config.har or report.config.url}", body)


def cannot_judge_page(reason: str, target: str | None) -> bytes:
    """A run that could not judge the target: the reason, and that it says nothing about the contract."""
    body = (
        '<h1>Contract suite: <span class="verdict incomplete" id="verdict">CANNOT JUDGE (exit 2)</span></h1>'
        f"<table><tr><th>target</th><td>{_e(target or 'not given')}</td></tr>"
        f"<tr><th>reason</th><td>{_e(reason)}</td></tr></table>"
        "<p>The target was not judged: this says nothing about the contract. Check the URL, the target's "
        "availability, the credentials and the options.</p>"
    )
    return _document(f"contract suite: cannot judge {target or ''}", body)
