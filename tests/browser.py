"""A real headless chromium driven by selenium (Debian ``chromium`` and ``chromium-driver``), for tests
that look at a page the way a person would: the contract suite's HTML report, the mock's dashboard."""

from __future__ import annotations

import contextlib
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None, reason="chromium is not installed"
)


@contextlib.contextmanager
def chromium(
    profile: Path,
    size: tuple[int, int] = (1280, 1000),
    logging: dict[str, str] | None = None,
    arguments: tuple[str, ...] = (),
) -> Iterator[Any]:
    """A headless chromium that keeps to itself: a fresh profile, no background traffic; quit at the end.
    ``logging``: the logs to keep (``goog:loggingPrefs``), e.g. ``{"performance": "ALL"}`` for the
    Network domain's events; ``arguments``: more of chromium's switches."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--window-size={size[0]},{size[1]}",
        f"--user-data-dir={profile}",
        *arguments,
    ):
        options.add_argument(argument)
    if logging is not None:
        options.set_capability("goog:loggingPrefs", logging)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()


# A second server, for a page: another port is another origin.
_PAGE_SERVER = """
import functools, http.server, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
print(f"page listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
server.serve_forever()
"""


@contextlib.contextmanager
def page_of_another_origin(folder: Path, name: str, html: str) -> Iterator[str]:
    """``html`` served as ``name`` from ``folder`` by a server of its own (another origin than any mock's):
    its URL, while it runs."""
    from mockserver.serving.process import start

    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(html, "utf-8")
    with start([sys.executable, "-c", _PAGE_SERVER, str(folder)]) as server:
        yield f"{server.base}/{name}"
