"""The HTML report: one self-contained page, everything from the target escaped, and it renders in a real
browser (a headless chromium driven by selenium) with the failed check, its rule and its failure."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from contract_tests import CHECKS
from contract_tests.config import Config
from contract_tests.html_report import cannot_judge_page, page
from contract_tests.model import Failure, Remark
from contract_tests.runner import CheckResult, Report
from tests.browser import chromium, needs_chromium
from tests.contract.conftest import ada_args, reference_server, run_suite

HOSTILE = '<script>document.title="owned"</script><img src=x onerror="alert(1)">"\'&'
# What a page needs, and nothing that runs or loads anything.
TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "section", "span"}
TAGS |= {"table", "thead", "tbody", "tr", "th", "td", "pre", "code"}


class _Page(HTMLParser):
    """The tags, attributes and text of a page, as a browser's parser reads them."""

    def __init__(self, document: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()
        self.attributes: set[str] = set()
        self.text: list[str] = []
        self.feed(document)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self.attributes |= {name for name, _ in attrs}

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _hostile_report() -> Report:
    """A failing run whose every value from the target is an attempt to inject markup."""
    config = Config("http://127.0.0.1:9/", "k", "username", HOSTILE, "t0ken-" + HOSTILE, html="x.html")
    failure = Failure(
        check="user-auth-refused",
        family="authentication",
        rule=CHECKS[0].rule,
        case=f"auth/wrong-token: {HOSTILE}",
        message=f"answered with {HOSTILE}",
        path="$.user.sessions",
        value={"cost": HOSTILE},
        curl=f"curl -sS --data-binary '{HOSTILE}'",
        status=200,
        response_excerpt=HOSTILE,
        seed=7,
    )
    results = [CheckResult(check) for check in CHECKS]
    failed = next(result for result in results if result.check.name == failure.check)
    failed.applied, failed.failed_cases, failed.failures = 3, 1, [failure]
    report = Report(config, results, warnings=[Remark("unknown-fields", HOSTILE, HOSTILE, HOSTILE)])
    report.statuses[200] += 1
    report.codes[repr(HOSTILE)] += 1
    report.latencies[HOSTILE] = [0.004]
    return report


@pytest.mark.parametrize("rendered", ["failing run", "cannot judge"])
def test_everything_from_the_target_stays_text(rendered: str) -> None:
    if rendered == "failing run":
        document = page(_hostile_report()).decode("utf-8")
    else:
        document = cannot_judge_page(f"the answer was {HOSTILE}", f"http://h/{HOSTILE}").decode("utf-8")
    parsed = _Page(document)
    assert set(parsed.tags) <= TAGS, parsed.tags
    assert parsed.tags["script"] == parsed.tags["img"] == 0
    assert not {name for name in parsed.attributes if name.startswith("on")}
    assert HOSTILE in "".join(parsed.text)  # shown as the target sent it, as text


def test_the_page_needs_nothing_outside_itself() -> None:
    document = page(_hostile_report()).decode("utf-8")
    parsed = _Page(document)
    assert parsed.tags["style"] == 1 and parsed.tags["link"] == 0
    assert not {"src", "href", "srcset", "action"} & parsed.attributes
    assert not re.search(r"@import|url\(", document)
    assert "Content-Security-Policy" in document and "default-src 'none'" in document


# --- in a real browser --------------------------------------------------------------------------

MUTANT = "bad-key-redirect"  # answers a bad key with a redirect to an HTML login page: markup to escape
CHECK = next(check for check in CHECKS if check.name == "partner-auth-refused")


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    with chromium(tmp_path / "profile") as driver:
        yield driver


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.slow
@needs_chromium
def test_a_failing_run_s_page_renders_the_failed_check_in_a_browser(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    with reference_server("--mutation", MUTANT) as url:
        run = run_suite(tmp_path, *ada_args(url, "--max-examples", "3"))
    assert run.code == 1, run.explain()
    assert CHECK.name in run.failed_checks()

    browser.get((tmp_path / "report.html").resolve().as_uri())
    assert browser.find_element(By.ID, "verdict").text == "FAIL (exit 1)"
    section = browser.find_element(By.ID, CHECK.name)
    assert _words(section.find_element(By.TAG_NAME, "h3").text).startswith(f"FAILED {CHECK.name} ")
    assert _words(section.find_element(By.CLASS_NAME, "rule").text) == _words(CHECK.rule)
    failure = _words(section.find_element(By.CSS_SELECTOR, "table.failure").text)
    assert "auth/" in failure and "replay --seed 0" in failure and "curl -sS" in failure
    # The mutant's HTML answer is shown as the text it is, not as a link the page would hold.
    assert "<a href=/login>login</a>" in section.text
    assert browser.find_elements(By.TAG_NAME, "a") == []
    assert browser.title.startswith("contract suite: FAIL (exit 1): ")
    times = _words(browser.find_element(By.XPATH, "//h2[.='Answer times']/following-sibling::table").text)
    assert "known-good" in times and "p95 ms" in times
