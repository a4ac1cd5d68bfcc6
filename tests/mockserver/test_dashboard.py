"""The QA dashboard at /__mock/ui, driven in a real headless chromium against a real mock process.

The page scripts the mock, the protocol requests come from curl, and what the page did is checked
through the admin API as well as on the screen. One test also pictures each tab for docs/qa.md, so the
pictures there are of the page as it is.
"""

from __future__ import annotations

import base64
import json
import os
import re
import struct
import subprocess
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient

import spec
from mockserver.http import dashboard
from mockserver.serving.process import ServerProcess, start_mock
from tests.browser import chromium, needs_chromium
from tests.mockserver.conftest import DEMO, KEY

ROOT = Path(__file__).resolve().parents[2]
# `make pictures` sets it to docs/images: the pictures of docs/qa.md are written there from a real run.
# Unset (every other run), they are taken and checked but written nowhere: a test run leaves the tree
# as it found it (times and ports differ from run to run).
PICTURES_VARIABLE = "DASHBOARD_PICTURES"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TABS = ("requests", "script", "verify", "catalogue")
HOSTILE = "<img src=x onerror=\"document.title='owned'\"><script>document.title='owned'</script>&amp;"
WAIT_SECONDS = 30  # how long a wait for the page may last before the test fails; nothing is timed


# --- the files, without a browser ----------------------------------------------------------------


class _References(HTMLParser):
    """Every URL the page's markup points at."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value or "" for name, value in attrs if name in {"src", "href", "action"}]


def test_the_page_and_its_two_files_are_served_with_a_policy_that_keeps_them_to_themselves(
    client: FlaskClient,
) -> None:
    for path, kind in [
        ("/__mock/ui", "text/html"),
        ("/__mock/ui/dashboard.css", "text/css"),
        ("/__mock/ui/dashboard.js", "text/javascript"),
    ]:
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer.mimetype == kind
        policy = answer.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "script-src 'self'" in policy
        assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_the_page_loads_nothing_but_its_own_files(client: FlaskClient) -> None:
    references = _References()
    references.feed(client.get("/__mock/ui").get_data(as_text=True))
    assert sorted(references.urls) == ["data:,", "ui/dashboard.css", "ui/dashboard.js"]
    script = client.get("/__mock/ui/dashboard.js").get_data(as_text=True)
    assert not re.search(r"https?://", script)


def test_the_script_never_inserts_markup() -> None:
    """Journal entries carry whatever a client sent: the page inserts values as text only."""
    script = (ROOT / "mockserver" / "http" / "static" / "dashboard.js").read_text("utf-8")
    for markup in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "Function("):
        assert markup not in script, markup


def test_another_file_under_the_page_is_a_404_that_the_journal_does_not_keep(client: FlaskClient) -> None:
    answer = client.get("/__mock/ui/secrets.txt")
    assert answer.status_code == 404 and answer.is_json
    assert client.get("/__mock/requests").get_json()["count"] == 0


@pytest.mark.parametrize(
    ("typed", "page"),
    [
        ("/__mock/ui/", "/__mock/ui"),
        ("/__mock/ui/?session=run-7", "/__mock/ui?session=run-7"),
        ("/sessions/run-7/__mock/ui/", "/sessions/run-7/__mock/ui"),
    ],
)
def test_the_page_typed_with_a_slash_leads_to_the_page(client: FlaskClient, typed: str, page: str) -> None:
    answer = client.get(typed)
    assert (answer.status_code, answer.headers["Location"]) == (308, page)


def test_the_files_are_package_data() -> None:
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"][
        "package-data"
    ]
    assert package_data["mockserver.http.static"] == ["*"]
    assert {dashboard.PAGE, *dashboard.ASSETS} <= {
        p.name for p in (ROOT / "mockserver/http/static").iterdir()
    }


# --- in a real browser ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mock() -> Iterator[ServerProcess]:
    with start_mock(["--log-format", "off"]) as running:
        yield running


def curl(
    mock: ServerProcess,
    session: str,
    *,
    user: dict[str, str] | None = None,
    scenario: str | None = None,
    body: str | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One protocol request made by curl; the answer's body (None when it is not JSON)."""
    sent = {**KEY, "Content-Type": "application/json", "X-Mock-Session": session, **(headers or {})}
    if scenario:
        sent["X-Mock-Scenario"] = scenario
    data = body if body is not None else json.dumps({spec.CALL: {"user": user or DEMO}})
    argv = ["curl", "-sS", "--noproxy", "*", f"{mock.base}/api/v4/request", "--data-raw", data]
    for name, value in sent.items():
        argv += ["-H", f"{name}: {value}"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=True)
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def admin(mock: ServerProcess, method: str, path: str, session: str) -> Any:
    """An admin call, to check what the page did the way any client would see it."""
    answer = requests.request(
        method, f"{mock.base}/__mock{path}", headers={"X-Mock-Session": session}, timeout=30
    )
    return answer.json()


@dataclass
class Page:
    """The dashboard open in the browser, with the few moves a QA engineer makes on it."""

    driver: Any
    mock: ServerProcess

    def open(self, session: str | None = None) -> Page:
        query = f"?session={session}" if session else ""
        self.driver.get(f"{self.mock.base}/__mock/ui{query}")
        self.until(lambda: self.find("#scenarios-table tbody tr"), "the catalogue to load")
        return self

    def until(self, condition: Callable[[], Any], what: str) -> Any:
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, WAIT_SECONDS).until(lambda _: condition(), f"waited for {what}")

    def find(self, css: str) -> Any:
        found = self.driver.find_elements("css selector", css)
        return found[0] if found else None

    def all(self, css: str) -> list[Any]:
        return list(self.driver.find_elements("css selector", css))

    def text(self, css: str) -> str:
        return str(self.driver.find_element("css selector", css).text)

    def tab(self, name: str) -> None:
        self.driver.find_element("id", f"tab-{name}").click()
        assert self.find(f"#panel-{name}").is_displayed()

    def fill(self, css: str, value: str) -> None:
        field = self.driver.find_element("css selector", css)
        field.clear()
        field.send_keys(value)

    def choose(self, element: Any, visible_text: str) -> None:
        from selenium.webdriver.support.ui import Select

        Select(element).select_by_visible_text(visible_text)

    def texts(self, css: str) -> list[str]:
        """The text of every element ``css`` selects, read at one moment (polling redraws tables)."""
        script = "return [...document.querySelectorAll(arguments[0])].map((e) => e.innerText.trim())"
        return [str(text) for text in self.driver.execute_script(script, css)]

    def facts(self, css: str) -> dict[str, str]:
        """A list of terms and values (``dl``) as a dict."""
        words = self.texts(f"{css} dt, {css} dd")
        return dict(zip(words[::2], words[1::2], strict=True))

    def column(self, table: str, index: int) -> list[str]:
        return self.texts(f"#{table} tbody tr td:nth-child({index})")

    def rows(self, count: int) -> list[str]:
        """Wait until the journal shows ``count`` requests; their result codes, newest first."""
        self.until(lambda: len(self.all("#requests-table tbody tr")) == count, f"{count} requests")
        return self.column("requests-table", 5)

    def script(self, identifier: str, steps: list[tuple[str, str]], ttl: str = "") -> str:
        """Install a script from the Script tab: the identifier, then (scenario, times) steps."""
        self.tab("script")
        self.fill("#script-identifier", identifier)
        while len(self.all("#steps li")) < len(steps):
            self.driver.find_element("id", "step-add").click()
        for item, (name, times) in zip(self.all("#steps li"), steps, strict=True):
            self.choose(item.find_element("css selector", "select"), name)
            field = item.find_element("css selector", ".step-times")
            field.clear()
            field.send_keys(times)
        self.fill("#script-ttl", ttl)
        before = self.text("#script-outcome")  # the outcome of an earlier install, if any
        self.driver.find_element("css selector", "#script-form button[type=submit]").click()
        outcome = self.until(
            lambda: (text := self.text("#script-outcome")) not in (before, "Installing the script…") and text,
            "the install to answer",
        )
        assert outcome.startswith("Installed script "), outcome
        return str(outcome.split()[2].rstrip(":"))

    def picture(self, most: int = 1600) -> bytes:
        """A PNG of the page from its top, as tall as its content (at most ``most`` pixels)."""
        size = self.driver.execute_script(
            "return [document.documentElement.clientWidth, document.documentElement.scrollHeight]"
        )
        clip = {"x": 0, "y": 0, "width": size[0], "height": min(size[1], most), "scale": 1}
        shot = self.driver.execute_cdp_cmd(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
        )
        return base64.b64decode(shot["data"])

    def verify(self, **fields: str) -> tuple[str, str]:
        """Submit the Verify form with ``fields`` (names with _ for -; a list's option by its text); the
        verdict and the message."""
        self.tab("verify")
        for field in self.all("#verify-form input"):
            field.clear()
        for field in self.all("#verify-form select"):
            self.choose(field, "any")
        for name, value in fields.items():
            field = self.find(f'#verify-form [name="{name.replace("_", "-")}"]')
            if field.tag_name == "select":
                self.choose(field, value)
            else:
                self.fill(f'#verify-form [name="{name.replace("_", "-")}"]', value)
        previous = self.find("#verify-verdict").text
        self.driver.execute_script("document.getElementById('verify-verdict').textContent = ''")
        self.driver.find_element("css selector", "#verify-form button[type=submit]").click()
        verdict = self.until(lambda: self.text("#verify-verdict"), f"a verdict (was {previous!r})")
        return str(verdict), self.text("#verify-message")


@pytest.fixture
def page(mock: ServerProcess, tmp_path: Path) -> Iterator[Page]:
    with chromium(tmp_path / "profile") as driver:
        yield Page(driver, mock)


pytestmark = [pytest.mark.slow]


@needs_chromium
def test_a_script_installed_from_the_page_answers_curl_and_the_requests_appear_live(page: Page) -> None:
    session = "dashboard-script"
    page.open(session)
    page.tab("script")
    page.choose(page.find("#script-user"), "Demo Driver: username demo@example.com")
    assert page.find("#script-identifier").get_attribute("value") == DEMO["identifier"]
    script_id = page.script(DEMO["identifier"], [("result-102", "2"), ("ok", "1")], ttl="600")

    # The mock holds what the form said, and the page lists it with its remaining steps.
    [stored] = admin(page.mock, "GET", "/scenarios/scripts", session)["scripts"]
    assert stored["id"] == script_id
    assert stored["match"] == {"identifier-type": "username", "identifier": DEMO["identifier"]}
    assert stored["sequence"] == [{"scenario": "result-102", "times": 2}, {"scenario": "ok", "times": 1}]
    assert stored["expires"] is not None
    assert page.column("scripts-table", 3) == ["result-102 × 2, then ok × 1"]

    page.tab("requests")
    assert page.rows(0) == []
    codes = [curl(page.mock, session)["result"]["code"] for _ in range(3)]
    assert codes == [102, 102, 0]
    assert page.rows(3) == ["0", "102", "102"]  # newest first, without a click
    # The step as the API and the pytest journal name it: 0-based, the first scripted request is step 0.
    served = [f"{script_id} (step {n})" for n in (2, 1, 0)]
    assert page.column("requests-table", 8) == served
    journal = admin(page.mock, "GET", "/requests", session)["requests"]
    assert [entry["script"]["step"] for entry in journal] == [2, 1, 0]

    page.tab("script")
    page.until(lambda: page.column("scripts-table", 3) == ["none (used up)"], "the script to be used up")

    page.tab("requests")
    page.all("#requests-table tbody tr td:first-child button")[0].click()
    headers = dict(zip(page.column("detail-headers", 1), page.column("detail-headers", 2), strict=True))
    assert headers["Authorization"] == "key=<redacted>"
    assert headers["X-Mock-Session"] == session
    body = page.text("#detail-body")
    assert '"token": "<redacted>"' in body and DEMO["token"] not in body
    answer = page.facts("#detail-answer")
    assert (answer["HTTP status"], answer["result code"], answer["scenario"]) == ("200", "0", "ok")
    assert answer["script"] == f"{script_id}, step 2"
    line = page.text("#detail-curl")
    assert line.startswith(f"curl -sS -X POST {page.mock.base}/api/v4/request ")
    assert f"'X-Mock-Session: {session}'" in line and "--data-raw" in line

    page.fill('#filters [name="result"]', "102")
    page.driver.find_element("css selector", "#filters button[type=submit]").click()
    assert page.rows(2) == ["102", "102"]
    page.fill('#filters [name="result"]', "")
    page.fill('#filters [name="status"]', "²")
    page.driver.find_element("css selector", "#filters button[type=submit]").click()
    error = page.until(lambda: page.text("#requests-error"), "the mock's refusal")
    assert "400" in error and "$.query.status" in error


@needs_chromium
def test_copy_as_curl_puts_the_shown_line_on_the_clipboard(page: Page) -> None:
    session = "dashboard-copy"
    page.open(session)
    page.driver.execute_cdp_cmd(
        "Browser.grantPermissions",
        {"origin": page.mock.base, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]},
    )
    curl(page.mock, session)
    page.rows(1)
    page.all("#requests-table tbody tr td:first-child button")[0].click()
    page.driver.find_element("id", "copy-curl").click()
    assert page.until(lambda: page.text("#copy-outcome"), "the copy") == "Copied to the clipboard."
    copied = page.driver.execute_async_script(
        "navigator.clipboard.readText().then(arguments[0], (e) => arguments[0]('refused: ' + e))"
    )
    assert copied == page.text("#detail-curl")


@needs_chromium
def test_verify_from_the_page_matches_or_shows_the_closest_misses(page: Page) -> None:
    session = "dashboard-verify"
    page.open(session)
    for _ in range(2):
        curl(page.mock, session, scenario="result-102")

    verdict, message = page.verify(identifier=DEMO["identifier"], result="102", exactly="2")
    assert verdict == "Matched"
    assert message == "2 request(s) matched; expected exactly 2"
    assert not page.find("#verify-closest").is_displayed()

    verdict, message = page.verify(identifier=DEMO["identifier"], result="0")
    assert verdict == "Not matched"
    assert message == "0 request(s) matched; expected at least 1"
    assert page.column("verify-closest", 1) == ["1 of 2", "1 of 2"]
    assert page.column("verify-closest", 2) == ["result: expected 0, got 102"] * 2

    verdict, message = page.verify(identifier=DEMO["identifier"], identifier_type="rfid")
    assert verdict == "Not matched"
    assert page.column("verify-closest", 2) == ["identifier-type: expected rfid, got username"] * 2

    verdict, message = page.verify(identifier=DEMO["identifier"], exactly="two")
    assert verdict == "The mock refused the verification"
    assert "400" in message and "$.exactly" in message


@needs_chromium
def test_a_script_is_deleted_and_the_session_reset_from_the_page(page: Page) -> None:
    session = "dashboard-reset"
    page.open(session)
    first = page.script(DEMO["identifier"], [("result-102", "1")])
    second = page.script("0A1B2C3D", [("http-503", "1")])
    page.until(lambda: len(page.all("#scripts-table tbody tr")) == 2, "two scripts")

    page.find(f'#scripts-table button[aria-label="Delete script {first}"]').click()
    page.until(lambda: page.column("scripts-table", 1) == [second], "the deleted script to go")
    assert [s["id"] for s in admin(page.mock, "GET", "/scenarios/scripts", session)["scripts"]] == [second]

    curl(page.mock, session)
    page.driver.find_element("id", "scripts-reset").click()
    page.until(lambda: page.column("scripts-table", 1) == ["No scripts installed."], "no scripts")
    assert admin(page.mock, "GET", "/scenarios/scripts", session)["count"] == 0
    assert admin(page.mock, "GET", "/requests", session)["count"] == 1  # the journal stays

    page.driver.find_element("id", "session-reset").click()
    page.until(lambda: "1 request(s) removed" in page.text("#script-outcome"), "the reset")
    assert admin(page.mock, "GET", "/requests", session)["count"] == 0
    page.tab("requests")
    assert page.rows(0) == []


@needs_chromium
def test_a_hostile_request_shows_as_the_text_it_is(page: Page) -> None:
    session = "dashboard-hostile"
    page.open(session)
    curl(page.mock, session, body=HOSTILE, headers={"X-Note": HOSTILE})
    curl(page.mock, session, user={"identifier-type": "rfid", "identifier": HOSTILE})
    page.rows(2)
    assert HOSTILE in page.column("requests-table", 3)[0]
    page.all("#requests-table tbody tr td:first-child button")[1].click()
    assert page.text("#detail-body") == HOSTILE
    assert HOSTILE in page.column("detail-headers", 2)
    assert page.driver.find_elements("css selector", "main img, main script") == []
    assert "owned" not in page.driver.title


@needs_chromium
def test_the_catalogue_lists_every_scenario_and_magic_value_with_a_curl_line_that_runs(page: Page) -> None:
    session = "dashboard-catalogue"
    page.open(session)
    page.tab("catalogue")
    catalogue = requests.get(f"{page.mock.base}/__mock/catalog", timeout=30).json()
    assert page.column("scenarios-table", 1) == [s["name"] for s in catalogue["scenarios"]]
    assert page.column("magic-table", 1) == [m["value"] for m in catalogue["magic-values"]]
    assert [name.split(" (")[0] for name in page.column("users-table", 1)] == [
        u["name"] for u in catalogue["users"]
    ]

    row = page.all("#scenarios-table tbody tr")[page.column("scenarios-table", 1).index("result-145")]
    line = row.find_element("css selector", "td.curl code").text
    done = subprocess.run(["bash", "-c", line], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(done.stdout)["result"]["code"] == 145
    [entry] = admin(page.mock, "GET", "/requests", session)["requests"]  # the line names the session
    assert entry["scenario"] == "result-145"

    facts = page.facts("#health-list")
    assert (facts["State"], facts["Session"]) == ("memory, reachable", session)
    assert facts["Scenario scripts"] == "installed"  # from health: the scenario files' scripts are in
    assert facts["Errors"] == "none"


@needs_chromium
def test_the_health_strip_is_grouped_in_words_with_every_raw_value_one_click_away(page: Page) -> None:
    session = "dashboard-health"
    page.open(session)
    curl(page.mock, session)
    held = admin(page.mock, "GET", "/state", session)  # every session's journal, in the memory store
    journal = f"{held['journal-entries']} request(s) in {held['journals']} session(s), at most "
    page.until(lambda: page.facts("#health-list").get("Journal", "").startswith(journal), "the count")
    facts = page.facts("#health-list")
    assert list(facts) == ["Session", "State", "Journal", "Scenario scripts", "Errors", "Answers"]
    assert facts["State"] == "memory, reachable"
    assert facts["Errors"] == "none"
    assert facts["Answers"] == "status mapping call-page, seed 0, clock real time"
    assert "internal-errors" not in page.text("#health")  # the counters' names wait behind the click

    assert not page.find("#health-raw").is_displayed()
    page.find("#health-detail summary").click()
    page.until(lambda: page.find("#health-raw").is_displayed(), "the raw values to open")
    raw = json.loads(page.text("#health-raw"))
    health = requests.get(f"{page.mock.base}/__mock/health", timeout=30).json()
    assert raw["health"]["internal-errors"] == health["internal-errors"] == 0
    assert (raw["state"]["backend"], raw["state"]["session"]) == ("memory", session)


@needs_chromium
def test_verify_offers_lists_of_what_the_api_takes_and_any_leaves_the_field_out(page: Page) -> None:
    from selenium.webdriver.support.ui import Select

    session = "dashboard-verify-lists"
    page.open(session)
    curl(page.mock, session)
    page.tab("verify")
    options = {
        name: [o.text for o in Select(page.find(f'#verify-form [name="{name}"]')).options]
        for name in ("identifier-type", "call", "method")
    }
    assert options["identifier-type"] == ["any", "username", "rfid", "evco-id", "token"]
    assert options["call"] == ["any", spec.CALL]
    assert options["method"][:3] == ["any", "POST", "GET"]

    verdict, message = page.verify(identifier=DEMO["identifier"], exactly="1")
    assert (verdict, message) == ("Matched", "1 request(s) matched; expected exactly 1")
    verdict, _ = page.verify(identifier_type="username", call=spec.CALL, method="POST", exactly="1")
    assert verdict == "Matched"
    verdict, _ = page.verify(method="GET")
    assert verdict == "Not matched"
    assert page.column("verify-closest", 2) == ["method: expected GET, got POST"]


@needs_chromium
def test_the_session_picker_starts_at_the_default_session_and_opens_another(page: Page) -> None:
    page.open()
    assert page.find("#session").get_attribute("value") == "default"
    curl(page.mock, "dashboard-picker")
    page.fill("#session", "dashboard-picker")
    page.driver.find_element("css selector", "#session-form button").click()
    page.rows(1)
    assert page.driver.current_url.endswith("/__mock/ui?session=dashboard-picker")
    options = [o.get_attribute("value") for o in page.all("#known-sessions option")]
    assert options == ["default", "dashboard-picker"]

    page.fill("#session", "no spaces ²")
    page.driver.find_element("css selector", "#session-form button").click()
    error = page.until(lambda: page.text("#requests-error"), "the mock's refusal of the id")
    assert "400" in error and "$.query.session" in error


@needs_chromium
def test_the_tabs_follow_the_keyboard(page: Page) -> None:
    from selenium.webdriver.common.keys import Keys

    page.open()
    moves = [
        (Keys.ARROW_RIGHT, "script"),
        (Keys.ARROW_RIGHT, "verify"),
        (Keys.END, "catalogue"),
        (Keys.ARROW_RIGHT, "requests"),
        (Keys.ARROW_LEFT, "catalogue"),
        (Keys.HOME, "requests"),
    ]
    page.driver.find_element("id", "tab-requests").send_keys(Keys.NULL)
    for key, expected in moves:
        page.driver.switch_to.active_element.send_keys(key)
        active = page.driver.switch_to.active_element
        assert active.get_attribute("id") == f"tab-{expected}"
        selected = [t.get_attribute("id") for t in page.all('[role="tab"][aria-selected="true"]')]
        assert selected == [f"tab-{expected}"]
        shown = [p.get_attribute("id") for p in page.all('[role="tabpanel"]') if p.is_displayed()]
        assert shown == [f"panel-{expected}"]
        assert [t.get_attribute("tabindex") for t in page.all('[role="tab"]')].count("0") == 1


@needs_chromium
def test_the_page_asks_for_the_admin_token_once_and_keeps_it_for_the_tab(tmp_path: Path) -> None:
    token = "page-token-1234567890"
    with (
        start_mock(["--log-format", "off", "--admin-token", token]) as guarded,
        chromium(tmp_path / "profile") as driver,
    ):
        page = Page(driver, guarded)
        driver.get(f"{guarded.base}/__mock/ui")
        page.until(lambda: page.find("#token-dialog").is_displayed(), "the question for the token")
        where = " ".join(page.text("#token-where").split())
        assert "admin: line of the banner" in where
        assert "--admin-token" in where and "MOCKSERVER_ADMIN_TOKEN" in where
        page.fill("#token", "wrong")
        driver.find_element("css selector", "#token-form button[type=submit]").click()
        page.until(lambda: "refused" in page.text("#token-why"), "the wrong token to be refused")
        page.fill("#token", token)
        driver.find_element("css selector", "#token-form button[type=submit]").click()
        page.until(
            lambda: page.facts("#health-list").get("State") == "memory, reachable",
            "the state behind the token",
        )
        assert driver.execute_script("return sessionStorage.getItem('oioi-mock.admin-token')") == token
        page.open()  # a reload in the same tab: no question
        assert not page.find("#token-dialog").is_displayed()


def png_size(picture: bytes) -> tuple[int, int]:
    """The width and height of a PNG (its IHDR chunk, the first after the signature)."""
    assert picture.startswith(PNG_SIGNATURE) and picture[12:16] == b"IHDR", picture[:16]
    return struct.unpack(">II", picture[16:24])


def test_png_size_reads_the_header_and_refuses_what_is_no_png() -> None:
    header = PNG_SIGNATURE + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", 1280, 900)
    assert png_size(header + b"\x08\x06\x00\x00\x00") == (1280, 900)
    with pytest.raises(AssertionError):
        png_size(b"<html>not a picture</html>")


@needs_chromium
def test_each_tab_is_pictured_for_the_docs(page: Page) -> None:
    """Takes a picture of each tab from a real run: a PNG as wide as the page and as tall as its content.
    Written to the folder of ``DASHBOARD_PICTURES`` (``make pictures``: docs/images), else nowhere."""
    session = "run-42"
    admin(page.mock, "DELETE", "/state", session)
    page.open(session)
    page.tab("script")
    page.choose(page.find("#script-user"), "Demo Driver: username demo@example.com")
    page.script(DEMO["identifier"], [("result-102", "2"), ("ok", "1")], ttl="600")
    for _ in range(3):
        curl(page.mock, session)
    page.tab("requests")
    page.rows(3)
    page.all("#requests-table tbody tr td:first-child button")[0].click()
    pictures = {"requests": page.picture()}
    page.tab("script")
    page.until(lambda: page.column("scripts-table", 3) == ["none (used up)"], "the used-up script")
    pictures["script"] = page.picture()
    page.verify(identifier=DEMO["identifier"], result="102", exactly="3")
    pictures["verify"] = page.picture()
    page.tab("catalogue")
    pictures["catalogue"] = page.picture(most=1200)

    for tab in TABS:
        width, height = png_size(pictures[tab])
        assert width >= 800 and height >= 300 and len(pictures[tab]) > 10_000, (tab, width, height)
    documented = (ROOT / "docs" / "qa.md").read_text("utf-8")
    assert [f"(images/dashboard-{tab}.png)" in documented for tab in TABS] == [True] * len(TABS)
    folder = os.environ.get(PICTURES_VARIABLE)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for tab in TABS:
            (Path(folder) / f"dashboard-{tab}.png").write_bytes(pictures[tab])
