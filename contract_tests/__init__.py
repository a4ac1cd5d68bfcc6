"""A contract suite that judges any implementation of OIOI ``user-get-recent-sessions`` from a base URL.

It never imports the mock: it knows a target only through HTTP. Public API:

- ``main(argv)``: the command line (``python -m contract_tests --help``, or ``oioi-contract``); returns
  the exit status.
- ``run(config) -> Report`` with ``Config`` (``Config(har=FILE)``: the exchanges a HAR file recorded,
  judged offline): one run, for callers that want the report as a value (a
  team's own pytest run, say); what the command line does, without printing or writing files. It raises
  ``CannotJudge`` where the command line exits 2; a ``Config`` holding a value the command line would
  refuse raises it as it is made, naming the field. ``DEMO_CREDENTIALS``: the local mock's demo key and
  users, as ``Config`` fields.
- ``CHECKS``: every rule enforced, each a plain function with a name, a family and the rule it quotes.

Layers (each imports only those above it): ``model``/``config``/``errors``/``latency`` ->
``transport``, ``checks``, ``cases``, ``strategies``, ``har`` -> ``explore`` -> ``runner`` -> ``html_report``
-> ``report`` -> ``cli``. The public names are imported on first use, so that the command can check
which ``spec`` it got before anything imports it (``contract_tests.__main__``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from contract_tests.checks import CHECKS
    from contract_tests.cli import main
    from contract_tests.config import DEMO_CREDENTIALS, Config
    from contract_tests.errors import CannotJudge
    from contract_tests.runner import Report, run

_PUBLIC = {
    "CHECKS": "contract_tests.checks",
    "Config": "contract_tests.config",
    "DEMO_CREDENTIALS": "contract_tests.config",
    "CannotJudge": "contract_tests.errors",
    "Report": "contract_tests.runner",
    "main": "contract_tests.cli",
    "run": "contract_tests.runner",
}
__all__ = ["CHECKS", "DEMO_CREDENTIALS", "CannotJudge", "Config", "Report", "main", "run"]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
