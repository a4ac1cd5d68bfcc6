"""The journal as a HAR 1.2 file (``GET /__mock/requests?format=har``) from a real mock process, and the
dashboard's "Download as HAR" in a real chromium."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

import spec
from mockserver.serving.process import ServerProcess, start_mock
from tests.browser import chromium, needs_chromium
from tests.mockserver.conftest import DEMO, KEY

WAIT_SECONDS = 30  # how long a wait for the browser may last before the test fails; nothing is timed
WRONG = {**DEMO, "token": "ffffffffffffffffffffffffffffffff"}


@pytest.fixture(scope="module")
def mock() -> Iterator[ServerProcess]:
    with start_mock(["--log-format", "off"]) as running:
        yield running


def _call(mock: ServerProcess, session: str, user: dict[str, str], body: str | None = None) -> None:
    data = body if body is not None else json.dumps({spec.CALL: {"user": user}})
    headers = {**KEY, "Content-Type": "application/json", "X-Mock-Session": session}
    requests.post(f"{mock.base}/api/v4/request", data=data, headers=headers, timeout=30)


def _har(mock: ServerProcess, session: str, **query: str) -> requests.Response:
    return requests.get(
        f"{mock.base}/__mock/requests",
        params={"format": "har", **query},
        headers={"X-Mock-Session": session},
        timeout=30,
    )


def test_the_journal_as_har_holds_each_request_oldest_first_as_the_journal_keeps_it(
    mock: ServerProcess,
) -> None:
    session = "har-whole"
    _call(mock, session, DEMO)
    _call(mock, session, WRONG)
    answer = _har(mock, session)
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"].startswith("attachment; filename=")
    log = answer.json()["log"]
    assert log["version"] == "1.2"
    assert "8 KiB" in log["comment"] and "redacted" in log["comment"] and "no answer body" in log["comment"]
    first, second = log["entries"]
    assert first["startedDateTime"] <= second["startedDateTime"]
    assert first["request"]["method"] == "POST"
    assert first["request"]["url"] == f"{mock.base}/api/v4/request"
    assert (first["response"]["status"], first["response"]["_resultCode"]) == (200, 0)
    assert second["response"]["_resultCode"] == 145
    assert "text" not in first["response"]["content"]  # the journal keeps no answer body
    sent = json.loads(first["request"]["postData"]["text"])
    assert sent[spec.CALL]["user"]["token"] == "<redacted>"
    headers = {header["name"]: header["value"] for header in first["request"]["headers"]}
    assert headers["Authorization"] == "key=<redacted>"
    assert DEMO["token"] not in answer.text and "demo-key" not in answer.text


def test_the_har_takes_the_journal_s_filters_and_session(mock: ServerProcess) -> None:
    _call(mock, "har-filtered", DEMO)
    _call(mock, "har-filtered", WRONG)
    _call(mock, "har-other", WRONG)
    filtered = _har(mock, "har-filtered", result="145").json()["log"]["entries"]
    assert [entry["response"]["_resultCode"] for entry in filtered] == [145]
    assert len(_har(mock, "har-filtered", limit="1").json()["log"]["entries"]) == 1
    assert len(_har(mock, "har-other").json()["log"]["entries"]) == 1


def test_a_body_longer_than_the_journal_keeps_is_left_out_and_said_so(mock: ServerProcess) -> None:
    padded = json.dumps({spec.CALL: {"user": DEMO}, "padding": "x" * 10_000})
    _call(mock, "har-long", DEMO, body=padded)
    entry = _har(mock, "har-long").json()["log"]["entries"][0]
    data = entry["request"]["postData"]
    assert "text" not in data
    assert "left out" in data["comment"] and "the first 8192" in data["comment"]


def test_an_unknown_format_is_refused_naming_the_formats(mock: ServerProcess) -> None:
    answer = requests.get(f"{mock.base}/__mock/requests", params={"format": "xml"}, timeout=30)
    assert answer.status_code == 400
    problem = answer.json()["problems"][0]
    assert problem["path"] == "$.query.format" and "json, har" in problem["message"]


@needs_chromium
def test_the_dashboard_downloads_the_journal_shown_as_har(mock: ServerProcess, tmp_path: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    session = "har-dashboard"
    _call(mock, session, DEMO)
    _call(mock, session, WRONG)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    with chromium(tmp_path / "profile") as driver:
        driver.execute_cdp_cmd(
            "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
        )
        driver.get(f"{mock.base}/__mock/ui?session={session}")
        wait = WebDriverWait(driver, WAIT_SECONDS)
        wait.until(lambda d: len(d.find_elements("css selector", "#requests-table tbody tr")) == 2)
        field = driver.find_element("css selector", "#filters input[name=result]")
        field.send_keys("145")
        driver.find_element("css selector", "#filters button[type=submit]").click()
        wait.until(lambda d: len(d.find_elements("css selector", "#requests-table tbody tr")) == 1)
        driver.find_element("id", "requests-har").click()
        deadline = time.monotonic() + WAIT_SECONDS
        while not list(downloads.glob("*.har")):
            assert time.monotonic() < deadline, "no HAR file was downloaded"
            time.sleep(0.1)
    (saved,) = downloads.glob("*.har")
    document: dict[str, Any] = json.loads(saved.read_text("utf-8"))
    entries = document["log"]["entries"]
    assert [entry["response"]["_resultCode"] for entry in entries] == [145]
