"""``python -m tests.servers [--mutation NAME | --variant NAME] [--forms F] [--status-style S]``.

Starts the reference server (or one mutant, or another correct variant) on 127.0.0.1 and prints
``PORT <n>`` once it listens.
"""

from __future__ import annotations

import argparse
import logging
import sys

from werkzeug.serving import make_server

from tests.servers.mutations import MUTANTS
from tests.servers.reference import Options, create_app
from tests.servers.variants import VARIANTS


def main() -> None:
    cli = argparse.ArgumentParser(prog="python -m tests.servers")
    cli.add_argument("--port", type=int, default=0)
    cli.add_argument("--mutation", choices=sorted(MUTANTS), default=None)
    cli.add_argument("--forms", choices=["strict", "lenient"], default="strict")
    cli.add_argument("--status-style", choices=["http", "call-page"], default="http")
    cli.add_argument("--flaky-every", type=int, default=0)
    cli.add_argument("--variant", choices=sorted(VARIANTS), default=None, help="another correct server")
    args = cli.parse_args()
    if args.mutation and args.variant:
        cli.error("--mutation and --variant exclude each other")
    hooks = MUTANTS[args.mutation].hooks if args.mutation else VARIANTS.get(args.variant or "")
    options = Options(forms=args.forms, status_style=args.status_style, flaky_every=args.flaky_every)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", args.port, create_app(hooks, options), threaded=True)
    print(f"PORT {server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
