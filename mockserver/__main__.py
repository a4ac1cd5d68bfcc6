"""``python -m mockserver``."""

from mockserver.serving.cli import main

raise SystemExit(main())
