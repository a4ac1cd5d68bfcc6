"""``python -m mockserver`` and the ``oioi-mock`` command.

Before anything imports ``spec``, ``main`` checks that the module of that name is this kit's: another
distribution, or a ``spec.py`` or ``spec/`` in the current folder, may shadow it (ARCHITECTURE.md,
"What a wheel holds"). Then one line on stderr and exit 2, not a traceback from deep inside the mock.
"""

from __future__ import annotations

import importlib
import sys

DISTRIBUTION = "oioi-recent-sessions-kit"


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


def main() -> int:
    problem = shadowed_spec()
    if problem is not None:
        print(f"mockserver: {problem}", file=sys.stderr)
        return 2
    from mockserver.serving.cli import main as start

    return start()


if __name__ == "__main__":
    raise SystemExit(main())
