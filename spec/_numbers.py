"""Numbers as people type them, in ASCII only: ``int()`` and ``float()`` also take other scripts' digits
("١٢"), underscores ("1_000") and "nan", and ``"²".isdigit()`` is True. Every reader of a number a user
typed (a flag, a variable, a scenario parameter) matches one of these first."""

from __future__ import annotations

import re

ASCII_INTEGER = re.compile(r"[+-]?[0-9]+")
ASCII_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
