"""``python -m mockserver`` with one fault planted: ``GET /__mock/catalog`` fails with an internal error
that names the worker process (``fault in worker <pid>``, in the traceback on stderr).

For the tests of what ``/__mock/health`` counts across workers and servers: the fault is planted
before the server starts, so gunicorn's workers, forked from this process, keep it.
"""

from __future__ import annotations

import os

from mockserver.http import catalog_document
from mockserver.serving.cli import main

FAULT_PATH = "/__mock/catalog"
FAULT_LINE = "fault in worker"


def _fault(*args: object, **kwargs: object) -> dict[str, object]:
    raise RuntimeError(f"{FAULT_LINE} {os.getpid()}")


if __name__ == "__main__":
    catalog_document.document = _fault
    raise SystemExit(main())
