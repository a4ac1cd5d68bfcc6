"""The files of ``fixtures/`` the programs read at run time, as package data.

A wheel holds the checkout's ``fixtures/`` as the package ``spec.fixtures`` (``package-dir`` in
pyproject.toml; the counter-examples and the invalid scenario files stay out): the demo users, the example
scenario files and the document's examples. In a checkout the same name is the folder itself, so both
read the one copy through ``importlib.resources``.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

PACKAGE = "spec.fixtures"


def fixture(name: str) -> Traversable:
    """``fixtures/<name>`` (``/``-separated), e.g. ``fixture("users.yaml")``: a file once pip installed it."""
    return resources.files(PACKAGE).joinpath(*name.split("/"))
