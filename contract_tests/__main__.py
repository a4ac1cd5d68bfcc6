"""``python -m contract_tests`` and the ``oioi-contract`` command: see ``contract_tests.cli``.

Before anything imports ``spec``, ``main`` checks that the module of that name is this kit's (the same
check as the mock's; ARCHITECTURE.md, "What a wheel holds"), and that the suite's own tools, the
``contract`` extra, are installed: otherwise one line and exit 2, "cannot judge".
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

DISTRIBUTION = "oioi-recent-sessions-kit"
TOOLS = ("requests", "hypothesis", "schemathesis")  # the ``contract`` extra of pyproject.toml


def shadowed_spec() -> str | None:
    """Why the importable ``spec`` is not this kit's, or None when it is."""
    try:
        module = importlib.import_module("spec")
    except Exception as error:  # a missing or broken module: either way not ours, and unusable
        return f"the module 'spec' of {DISTRIBUTION} cannot be imported ({error}); reinstall the kit"
    if getattr(module, "DISTRIBUTION", None) == DISTRIBUTION:
        return None
    where = getattr(module, "__file__", None) or ", ".join(getattr(module, "__path__", []))
    return (
        f"the module 'spec' imported from {where} is not the one of {DISTRIBUTION}: another package or a "
        "spec.py or spec/ in the current folder shadows it; remove or rename it, or start from another folder"
    )


def missing_tools() -> str | None:
    """Which of the suite's tools are not installed, and how to get them; None when all are."""
    missing = [name for name in TOOLS if importlib.util.find_spec(name) is None]
    if not missing:
        return None
    how = f"install the kit with its contract extra ({DISTRIBUTION}[contract])"
    return f"{', '.join(missing)} not installed: {how}"


def main() -> int:
    problem = shadowed_spec() or missing_tools()
    if problem is not None:  # before any option is read: --help and --version need the tools too
        print(f"contract suite: {problem}", file=sys.stderr)
        return 2
    from contract_tests.cli import main as judge

    return judge()


if __name__ == "__main__":
    raise SystemExit(main())
