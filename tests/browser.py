"""A headless chromium driven by selenium, for the tests that need a real browser (Debian's ``chromium``
and ``chromium-driver``; ``make system-deps`` installs them)."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
MISSING = CHROMIUM is None or CHROMEDRIVER is None  # for pytest.mark.skipif


@contextlib.contextmanager
def chromium(profile: Path) -> Iterator[Any]:
    """A headless chromium that keeps to itself: a fresh profile in ``profile``, no background traffic."""
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
        f"--user-data-dir={profile}",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()
